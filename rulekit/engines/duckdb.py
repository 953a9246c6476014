"""The embedded default engine: the query runs where the loader put the cleaned tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pyarrow as pa

if TYPE_CHECKING:
    from rulekit.data import LoadedData

__all__ = ["DuckDBEngine"]


class DuckDBEngine:
    """Runs the DuckDB dialect on the loader's own connection (session time zone UTC)."""

    name = "duckdb"
    dialect = "duckdb"

    def run(
        self, loaded: LoadedData, tables: Sequence[str], queries: Sequence[str], setup: Sequence[str] = ()
    ) -> list[pa.Table]:
        """Each query's rows after the ``setup`` statements; DuckDB errors are left to the
        caller, which names the column. The tables are already in the loader's connection."""
        for statement in setup:
            loaded.connection.execute(statement)
        return [loaded.connection.sql(query).to_arrow_table() for query in queries]
