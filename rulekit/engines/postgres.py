"""Postgres: the cleaned tables are copied into temporary tables, the Postgres dialect of
the query runs there, in one connection per settlement.

The session time zone is set to UTC and checked: the query itself never depends on it
(time-zone conversions are on ``TIMESTAMP`` values, see :mod:`rulekit.sql.dialects`),
but a ``TIMESTAMPTZ`` cast to ``DATE`` would.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from sqlglot import exp

from rulekit.errors import EngineError

if TYPE_CHECKING:
    from rulekit.data import LoadedData

__all__ = ["PostgresEngine", "column_type"]

_BATCH = 65_536  # rows per Arrow batch copied in: bounds memory on large tables


class PostgresEngine:
    """Runs the Postgres dialect on the server ``conninfo`` names (a libpq connection
    string or URL; empty: the ``PG*`` environment variables)."""

    name = "postgres"
    dialect = "postgres"

    def __init__(self, conninfo: str = "") -> None:
        self.conninfo = conninfo

    def run(
        self, loaded: LoadedData, tables: Sequence[str], queries: Sequence[str], setup: Sequence[str] = ()
    ) -> list[pa.Table]:
        """Copy each table into a temporary table, run the ``setup`` statements, then each query."""
        try:
            import psycopg
        except ImportError as exc:  # the `postgres` extra is not installed
            raise EngineError("the Postgres engine needs psycopg: pip install 'rulekit[postgres]'") from exc
        try:
            with psycopg.connect(self.conninfo, autocommit=False) as conn:
                _set_utc(conn)
                for name in tables:
                    _copy_in(conn, name, loaded.connection.sql(_select_all(name)).to_arrow_table())
                for statement in setup:
                    conn.execute(statement)
                return [_fetch(conn, query) for query in queries]
        except psycopg.Error as exc:
            raise EngineError(f"Postgres failed: {_first_line(exc)}", detail=_first_line(exc)) from exc


def _set_utc(conn: Any) -> None:
    conn.execute("SET TIME ZONE 'UTC'")
    row = conn.execute("SHOW TimeZone").fetchone()
    if row is None or str(row[0]).upper() not in ("UTC", "ETC/UTC"):
        raise EngineError(f"the Postgres session time zone is {row[0] if row else None!r}; rulekit needs UTC")


def column_type(arrow_type: pa.DataType) -> str:
    """The Postgres type of a cleaned column (the loader's types: see ``docs/run.md``)."""
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "TEXT"
    if pa.types.is_boolean(arrow_type):
        return "BOOLEAN"
    if pa.types.is_integer(arrow_type):
        return "BIGINT"
    if pa.types.is_decimal(arrow_type):
        return f"NUMERIC({arrow_type.precision}, {arrow_type.scale})"
    if pa.types.is_timestamp(arrow_type):
        return "TIMESTAMP"
    if pa.types.is_date(arrow_type):
        return "DATE"
    if pa.types.is_floating(arrow_type):
        return "DOUBLE PRECISION"
    raise EngineError(f"no Postgres type for a column of Arrow type {arrow_type}")


def _copy_in(conn: Any, name: str, arrow: pa.Table) -> None:
    from psycopg import sql

    columns = [_column(f) for f in arrow.schema]
    schema = exp.Schema(this=exp.Table(this=exp.to_identifier(name, quoted=True)), expressions=columns)
    create = exp.Create(this=schema, kind="TABLE", properties=exp.Properties(expressions=[exp.TemporaryProperty()]))
    conn.execute(create.sql("postgres"))
    copy = sql.SQL("COPY {} FROM STDIN").format(sql.Identifier(name))
    with conn.cursor().copy(copy) as target:
        for row in _rows(arrow):
            target.write_row(row)


def _column(field: pa.Field) -> exp.ColumnDef:
    """A column of a copied table; text compares byte by byte (``COLLATE "C"``), as on DuckDB
    and Spark, so orders over text (which duplicate is kept, ties broken by id) agree."""
    kind = column_type(field.type)
    constraints = []
    if kind == "TEXT":
        collate = exp.CollateColumnConstraint(this=exp.to_identifier("C", quoted=True))
        constraints.append(exp.ColumnConstraint(kind=collate))
    name = exp.to_identifier(field.name, quoted=True)
    return exp.ColumnDef(this=name, kind=exp.DataType.build(kind), constraints=constraints)


def _rows(arrow: pa.Table) -> Iterator[tuple[Any, ...]]:
    for batch in arrow.to_batches(max_chunksize=_BATCH):
        yield from zip(*(column.to_pylist() for column in batch.columns), strict=True)


def _fetch(conn: Any, query: str) -> pa.Table:
    with conn.cursor() as cur:
        cur.execute(query)
        names = [d.name for d in cur.description or ()]
        rows = cur.fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    return pa.table({f"c{i}": pa.array(list(values), type=_guess(values)) for i, values in enumerate(columns)})


def _guess(values: Sequence[Any]) -> pa.DataType | None:
    """Decimals as a wide exact type (pyarrow would otherwise infer one per column's first value)."""
    if any(isinstance(v, Decimal) for v in values):
        return pa.decimal128(38, max((_scale(v) for v in values if isinstance(v, Decimal)), default=0))
    return None if any(v is not None for v in values) else pa.null()


def _scale(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _select_all(name: str) -> str:
    return exp.select(exp.Star()).from_(exp.to_identifier(name, quoted=True)).sql("duckdb")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
