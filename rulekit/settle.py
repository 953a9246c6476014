"""Settle a whole program over its input tables, in SQL on DuckDB.

:func:`settle` loads and validates the data (:mod:`rulekit.data`), runs the query
compiled by :mod:`rulekit.compile_sql`, and builds a :class:`~rulekit.results.Settlement`:
an Arrow table with one row per participant (eligible or not), sorted by rank then id,
whose columns depend only on the rule file (:func:`result_schema`), with totals, the
payout due date and the data-quality report.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import pyarrow as pa

from rulekit import ir
from rulekit.compile_sql import CompiledSettlement, compile_settlement
from rulekit.data import LoadedData, Source, load_tables, report, report_here, report_sql
from rulekit.engines import Engine, conform, engine_for
from rulekit.plan import Plan, bind
from rulekit.results import Settlement
from rulekit.settle_results import build_settlement, derived, fetch
from rulekit.sql.cleaning import clean_views, typed_name
from rulekit.sql.dialects import render
from rulekit.sql.failures import diagnose
from rulekit.sql.pushdown import scan_windows

__all__ = ["STAGES", "Progress", "build_settlement", "fetch", "settle", "to_arrow"]

Progress = Callable[[str, int, int], None]  # (stage description, step, number of steps)
STAGES = (
    "loading and checking the data",
    "compiling the settlement query",
    "running the settlement",
    "building results",
)


def settle(
    program: Plan | ir.Program,
    data: LoadedData | Source,
    *,
    progress: Progress | None = None,
    engine: str | Engine | None = None,
) -> Settlement:
    """Settle a program over ``data`` (loaded data, a folder, frames or a DuckDB connection).

    ``program`` is its :class:`~rulekit.plan.Plan`, or a checked ``ir.Program`` (bound here).
    ``engine`` runs the query: ``"duckdb"`` (the default, embedded), ``"spark"``,
    ``"postgres"``, or an engine object such as ``SparkEngine(session)``
    (:mod:`rulekit.engines`); every engine gives the same settlement.

    Raises :class:`rulekit.errors.DataError` for fatal data problems,
    :class:`rulekit.errors.EngineError` (naming the table and column) when DuckDB fails on
    the data, and :class:`rulekit.errors.CompileError` for constructs the engine cannot run;
    never a ``duckdb.Error``.
    """

    def step(index: int) -> None:
        if progress is not None:
            progress(STAGES[index], index + 1, len(STAGES))

    plan = program if isinstance(program, Plan) else bind(program)
    program = plan.program
    runner = engine_for(engine)
    step(0)
    # Another engine cleans the data itself (rulekit.sql.cleaning): the loader reads and types only.
    defer = runner.name != "duckdb"
    loaded = data if isinstance(data, LoadedData) else load_tables(program, data, defer_cleaning=defer)
    step(1)
    compiled, participants_sql, members_sql = _compiled(plan)
    step(2)
    try:
        if runner.name == "duckdb":
            if loaded.deferred:
                _report_on_duckdb(program, loaded)
            rows = fetch(loaded.connection, participants_sql)
            member_rows = fetch(loaded.connection, members_sql) if members_sql is not None else None
        else:
            rows, member_rows = _elsewhere(runner, program, compiled, loaded, participants_sql, members_sql)
    except duckdb.Error as exc:  # e.g. amounts whose sum does not fit an exact decimal
        raise diagnose(loaded.connection, program, exc) from exc
    step(3)
    return build_settlement(plan, compiled, rows, member_rows, loaded)


def _elsewhere(
    runner: Engine,
    program: ir.Program,
    compiled: CompiledSettlement,
    loaded: LoadedData,
    participants_sql: str,
    members_sql: str | None,
) -> tuple[pa.Table, pa.Table | None]:
    """Run the queries on another engine; its rows take the column types DuckDB gives them
    (read from DuckDB's plan of the same query with no rows), so results are built alike.

    Data loaded with ``defer_cleaning`` goes to the engine typed but uncleaned: the engine
    creates the clean tables and runs the data-quality report itself, and ``loaded`` gets
    that report. Data cleaned already (loaded for DuckDB) goes as cleaned, with its report."""
    queries = [compiled.sql(runner.dialect)]
    schemas = [_schema(loaded, participants_sql)]
    if members_sql is not None:
        queries.append(compiled.members_sql(runner.dialect) or "")
        schemas.append(_schema(loaded, members_sql))
    names = {t.name for t in program.tables}
    if loaded.deferred:
        views = clean_views(program, names, scan_windows(bind(program)))
        setup = [render(view, runner.dialect) for view in views]
        reporting = report_sql(program, names, runner.dialect)
        tables = [typed_name(t.name) for t in program.tables]
        found = runner.run(loaded, tables, reporting + queries, setup=setup)
        results = [_tuples(rows) for rows in found[: len(reporting)]]
        found = found[len(reporting) :]
        issues, used = report(loaded.connection, program, names, results)
        loaded.issues, loaded.rows_used, loaded.deferred = tuple(issues), used, False
    else:
        found = runner.run(loaded, [t.name for t in program.tables], queries)
    conformed = [conform(rows, schema, runner.name) for rows, schema in zip(found, schemas, strict=True)]
    return conformed[0], conformed[1] if members_sql is not None else None


def _tuples(rows: pa.Table) -> list[tuple[object, ...]]:
    return list(zip(*(column.to_pylist() for column in rows.columns), strict=True))


def _report_on_duckdb(program: ir.Program, loaded: LoadedData) -> None:
    """Clean and report on DuckDB data loaded with ``defer_cleaning`` (its views are the clean tables)."""
    issues, used = report_here(loaded.connection, program, {t.name for t in program.tables})
    loaded.issues, loaded.rows_used, loaded.deferred = tuple(issues), used, False


def _schema(loaded: LoadedData, sql: str) -> pa.Schema:
    return loaded.connection.sql(sql).limit(0).to_arrow_table().schema


def _compiled(plan: Plan) -> tuple[CompiledSettlement, str, str | None]:
    """The settlement query of ``plan`` and its DuckDB SQL (participants, members), built once."""
    cache = derived(plan.program)
    if "queries" not in cache:
        compiled = compile_settlement(plan)
        members = render(compiled.members, "duckdb") if compiled.members is not None else None
        cache["queries"] = (compiled, render(compiled.participants, "duckdb"), members)
    found: tuple[CompiledSettlement, str, str | None] = cache["queries"]
    return found


# ------------------------------------------------------------------------ Arrow


def to_arrow(settlement: Settlement) -> pa.Table:
    """``settlement.to_arrow()``: one row per participant, the columns of ``result_schema`` (``docs/run.md``)."""
    return settlement.to_arrow()
