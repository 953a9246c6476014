"""Where the settlement query runs: DuckDB (embedded, the default), Spark or Postgres.

Every engine settles the same way: the data is read and typed by the loader
(:mod:`rulekit.data`, on DuckDB), the typed tables are handed to the engine, the engine
cleans them and reports on their quality (:mod:`rulekit.sql.cleaning`) and runs the
query, all lowered for its dialect (:mod:`rulekit.sql.dialects`), and the
rows it returns are conformed to the column types DuckDB gives, so results are built
the same way whatever ran the query. An engine sets and checks what results depend on
(the session time zone, decimal precision rules) before running anything.

:func:`engine_for` turns a name (``"duckdb"``, ``"spark"``, ``"postgres"``) or an
engine object (e.g. ``SparkEngine(session)`` for an existing cluster) into an
:class:`Engine`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import pyarrow as pa

from rulekit.errors import EngineError

if TYPE_CHECKING:
    from rulekit.data import LoadedData

__all__ = ["ENGINES", "Engine", "conform", "engine_for"]

ENGINES: tuple[str, ...] = ("duckdb", "spark", "postgres")


class Engine(Protocol):
    """Runs settlement queries over the cleaned tables of a :class:`~rulekit.data.LoadedData`."""

    @property
    def name(self) -> str:
        """The engine's name, as ``--engine`` spells it."""
        ...

    @property
    def dialect(self) -> str:
        """The SQL dialect its queries are lowered for (:data:`rulekit.sql.dialects.DIALECTS`)."""
        ...

    def run(
        self, loaded: LoadedData, tables: Sequence[str], queries: Sequence[str], setup: Sequence[str] = ()
    ) -> list[pa.Table]:
        """Copy ``tables`` (names in ``loaded``), run the ``setup`` statements (e.g. the views
        of the clean tables, :mod:`rulekit.sql.cleaning`), then each query; one Arrow table per query.

        Raises :class:`~rulekit.errors.EngineError`, never the engine's own exception."""
        ...


def engine_for(engine: str | Engine | None, url: str | None = None) -> Engine:
    """The engine ``engine`` names (``None``: DuckDB); ``url`` is a Postgres connection
    string or a Spark master URL. Engine objects are returned as they are."""
    if engine is None or engine == "duckdb":
        from rulekit.engines.duckdb import DuckDBEngine

        return DuckDBEngine()
    if engine == "spark":
        from rulekit.engines.spark import SparkEngine

        return SparkEngine(master=url)
    if engine == "postgres":
        from rulekit.engines.postgres import PostgresEngine

        return PostgresEngine(url or "")
    if isinstance(engine, str):
        raise EngineError(f"unknown engine {engine!r}: expected one of {', '.join(ENGINES)}")
    return engine


def conform(rows: pa.Table, schema: pa.Schema, engine: str) -> pa.Table:
    """``rows`` with ``schema``'s names and types, column by column in order (the queries
    select the same columns on every engine; Postgres may cut long names, so position
    decides)."""
    if rows.num_columns != len(schema):
        raise EngineError(f"{engine} returned {rows.num_columns} columns where {len(schema)} were expected")
    try:
        columns = [rows.column(i).cast(field.type) for i, field in enumerate(schema)]
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise EngineError(f"{engine} returned values of another type: {exc}") from exc
    return pa.Table.from_arrays(columns, schema=schema)
