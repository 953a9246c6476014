"""DuckDB failures as :class:`~rulekit.errors.EngineError`, naming the table and column.

No ``duckdb.Error`` leaves the settle path: the loader runs each step of a table inside
:func:`engine_step` (so a corrupt Parquet page is reported as the column being read),
and a failure of the settlement query is traced back by :func:`diagnose` to the number
column whose sum does not fit an exact decimal — the one way valid, typed data makes
the query fail (``SUM`` of 38-digit amounts overflows instead of rounding).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
from sqlglot import exp

from rulekit import ir
from rulekit.errors import EngineError
from rulekit.sql import build as b

_NUMBERS = {ir.ColumnType.INT, ir.ColumnType.DECIMAL, ir.ColumnType.MONEY, ir.ColumnType.DURATION}


def first_line(exc: BaseException) -> str:
    """The engine's message without its stack of context lines."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


@contextmanager
def engine_step(table: str, column: str | None = None) -> Iterator[None]:
    """Run a loader step; a DuckDB failure becomes an :class:`EngineError` about ``table.column``."""
    try:
        yield
    except duckdb.Error as exc:
        what = "cannot read this column" if column else "cannot read this table"
        raise EngineError(f"{what}: {first_line(exc)}", table=table, column=column, detail=first_line(exc)) from exc


def diagnose(con: duckdb.DuckDBPyConnection, program: ir.Program, exc: duckdb.Error) -> EngineError:
    """The settlement query failed with ``exc``: find the number column whose total does not
    fit (its ``SUM`` fails too), or report the failure without a column."""
    detail = first_line(exc)
    for tbl in program.tables:
        for column in tbl.columns:
            if column.type in _NUMBERS and _sum_fails(con, tbl.name, column.name):
                message = f"the amounts are too large to add up exactly ({detail})"
                return EngineError(message, table=tbl.name, column=column.name, detail=detail)
    return EngineError(f"the settlement query failed on this data: {detail}", detail=detail)


def _sum_fails(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    total = exp.Sum(this=b.cast(b.col(column), b.DECIMAL_TYPE))
    try:
        con.execute(b.select(total).from_(b.table(table)).sql("duckdb")).fetchall()
    except duckdb.Error:
        return True
    return False
