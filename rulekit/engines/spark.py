"""Spark: the cleaned tables become temporary views, the Spark dialect of the query runs there.

Results depend on two session settings, so :func:`prepare` sets and then checks them:

* ``spark.sql.session.timeZone=UTC`` — timestamps are naive UTC everywhere in rulekit;
  Spark reads ``CAST('…' AS TIMESTAMP)`` and casts timestamps to dates in the session
  time zone, so any other zone moves window bounds;
* ``spark.sql.decimalOperations.allowPrecisionLoss=false`` — with the default ``true``
  Spark cuts the scale of decimal products to 6 digits, so ``$1.00 × 1.4999999%``
  would round to 2 cents instead of 1;
* ``spark.sql.ansi.enabled=true`` — an overflowing sum fails instead of wrapping.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from rulekit.errors import EngineError

if TYPE_CHECKING:
    from rulekit.data import LoadedData

__all__ = ["REQUIRED", "SparkEngine", "local_session", "prepare"]

REQUIRED: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.decimalOperations.allowPrecisionLoss": "false",
    "spark.sql.ansi.enabled": "true",
}
# A small local session: few shuffle partitions (settlement data fits one machine here), no UI.
LOCAL: dict[str, str] = {
    "spark.sql.shuffle.partitions": "2",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}


class SparkEngine:
    """Runs the Spark dialect on ``session`` (an existing ``SparkSession``, e.g. a cluster's),
    or on a local session started on first use (``master``, default ``local[2]``)."""

    name = "spark"
    dialect = "spark"

    def __init__(self, session: Any = None, *, master: str | None = None) -> None:
        self._session = session
        self._master = master or "local[2]"

    @property
    def session(self) -> Any:
        """The ``SparkSession``, started here when none was given."""
        if self._session is None:
            self._session = local_session(self._master)
        return self._session

    def run(
        self, loaded: LoadedData, tables: Sequence[str], queries: Sequence[str], setup: Sequence[str] = ()
    ) -> list[pa.Table]:
        """Register each table as a temporary view, run the ``setup`` statements, then each query."""
        from py4j.protocol import Py4JError  # type: ignore[import-untyped]
        from pyspark.errors import PySparkException

        spark = self.session
        prepare(spark)
        try:
            for name in tables:
                arrow = _spark_ready(loaded.connection.sql(_select_all(name)).to_arrow_table())
                spark.createDataFrame(arrow).createOrReplaceTempView(name)
            for statement in setup:
                spark.sql(statement)
            return [spark.sql(query).toArrow() for query in queries]
        except (PySparkException, Py4JError) as exc:
            raise EngineError(f"Spark failed: {_first_line(exc)}", detail=_first_line(exc)) from exc


def local_session(master: str = "local[2]") -> Any:
    """A local ``SparkSession`` with :data:`REQUIRED` and :data:`LOCAL` settings; a clear
    :class:`EngineError` when Spark cannot start (no Java runtime)."""
    try:
        from pyspark.errors import PySparkException
        from pyspark.sql import SparkSession
    except ImportError as exc:  # the `spark` extra is not installed
        raise EngineError("the Spark engine needs PySpark: pip install 'rulekit[spark]'") from exc
    builder = SparkSession.builder.master(master).appName("rulekit")
    for key, value in {**LOCAL, **REQUIRED}.items():
        builder = builder.config(key, value)
    try:
        return builder.getOrCreate()
    except (PySparkException, OSError) as exc:
        raise EngineError(
            f"cannot start Spark ({_first_line(exc)}); it needs a Java runtime (17 or later) on PATH or JAVA_HOME"
        ) from exc


def prepare(spark: Any) -> None:
    """Set :data:`REQUIRED` on ``spark`` and check they hold (a cluster may pin them)."""
    for key, value in REQUIRED.items():
        try:
            spark.conf.set(key, value)
        except Exception as exc:  # a cluster may pin the setting: reported as that setting
            raise EngineError(f"cannot set {key}={value} on the Spark session: {_first_line(exc)}") from exc
        found = str(spark.conf.get(key)).lower()
        if found != value.lower():
            raise EngineError(f"the Spark session has {key}={found}; rulekit needs {value}")


def _select_all(name: str) -> str:
    from sqlglot import exp

    return exp.select(exp.Star()).from_(exp.to_identifier(name, quoted=True)).sql("duckdb")


def _spark_ready(arrow: pa.Table) -> pa.Table:
    """Naive (UTC) timestamps as UTC-aware ones, so Spark reads them as its ``TIMESTAMP``."""
    fields = [
        pa.field(f.name, pa.timestamp("us", tz="UTC")) if pa.types.is_timestamp(f.type) else f for f in arrow.schema
    ]
    return arrow.cast(pa.schema(fields))


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
