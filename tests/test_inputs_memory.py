"""Inputs given as in-memory objects: DuckDB relations, polars LazyFrames, Arrow RecordBatchReaders."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa
import pytest

import rulekit

ROOT = Path(__file__).resolve().parent.parent
UK = ROOT / "examples" / "uk_shop"


def _arrow(name: str) -> pa.Table:
    """The example table as text columns, read as the loader reads a CSV file."""
    with duckdb.connect() as con:
        return con.read_csv(str(UK / f"{name}.csv"), header=True, all_varchar=True).to_arrow_table()


def _as(kind: str, table: pa.Table, con: duckdb.DuckDBPyConnection) -> Any:
    if kind == "duckdb relation":
        return con.from_arrow(table)
    if kind == "polars lazyframe":
        return pl.from_arrow(table).lazy()  # type: ignore[union-attr]
    return pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=7))


@pytest.mark.parametrize("kind", ["duckdb relation", "polars lazyframe", "arrow record batch reader"])
def test_in_memory_inputs_settle_like_the_folder(kind: str) -> None:
    program = rulekit.load(ROOT / "campaigns" / "uk_shop.rules")
    con = duckdb.connect()
    data = {name: _as(kind, _arrow(name), con) for name in ("merchants", "orders")}
    settlement = program.settle(data)
    assert settlement.totals["commission_due"] == Decimal("104.76")  # the figure, as from the folder
    assert settlement.to_arrow().equals(program.settle(UK).to_arrow())
