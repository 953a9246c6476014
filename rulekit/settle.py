"""Settle a whole program over its input tables, in SQL on DuckDB.

:func:`settle` loads and validates the data (:mod:`rulekit.data`), runs the query
compiled by :mod:`rulekit.compile_sql`, and builds a :class:`~rulekit.results.Settlement`:
one :class:`~rulekit.results.ParticipantResult` per participant row (eligible or
not), sorted by rank then id, with totals, the payout due date and the data-quality
report. :func:`to_arrow` flattens a settlement into an Arrow table.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import duckdb
import pyarrow as pa

from rulekit import ir
from rulekit.compile_sql import CompiledSettlement, compile_settlement
from rulekit.data import LoadedData, Source, load_tables
from rulekit.results import MetricValue, Settlement
from rulekit.settle_results import Rows, build_settlement, derived, fetch
from rulekit.sql.failures import diagnose
from rulekit.sql.rewards import digits

__all__ = ["STAGES", "Progress", "Rows", "build_settlement", "fetch", "settle", "to_arrow"]

Progress = Callable[[str, int, int], None]  # (stage description, step, number of steps)
STAGES = (
    "loading and checking the data",
    "compiling the settlement query",
    "running the settlement",
    "building results",
)


def settle(program: ir.Program, data: LoadedData | Source, *, progress: Progress | None = None) -> Settlement:
    """Settle ``program`` over ``data`` (loaded data, a folder, frames or a DuckDB connection).

    Raises :class:`rulekit.errors.DataError` for fatal data problems,
    :class:`rulekit.errors.EngineError` (naming the table and column) when DuckDB fails on
    the data, and :class:`rulekit.errors.CompileError` for constructs the engine cannot run;
    never a ``duckdb.Error``.
    """

    def step(index: int) -> None:
        if progress is not None:
            progress(STAGES[index], index + 1, len(STAGES))

    step(0)
    loaded = data if isinstance(data, LoadedData) else load_tables(program, data)
    step(1)
    compiled, participants_sql, members_sql = _compiled(program)
    step(2)
    try:
        rows = fetch(loaded.connection, participants_sql)
        member_rows = fetch(loaded.connection, members_sql) if members_sql is not None else None
    except duckdb.Error as exc:  # e.g. amounts whose sum does not fit an exact decimal
        raise diagnose(loaded.connection, program, exc) from exc
    step(3)
    return build_settlement(program, compiled, rows, member_rows, loaded)


def _compiled(program: ir.Program) -> tuple[CompiledSettlement, str, str | None]:
    """The settlement query of ``program`` and its DuckDB SQL (participants, members), built once."""
    cache = derived(program)
    if "queries" not in cache:
        compiled = compile_settlement(program)
        members = compiled.members.sql(dialect="duckdb") if compiled.members is not None else None
        cache["queries"] = (compiled, compiled.participants.sql(dialect="duckdb"), members)
    found: tuple[CompiledSettlement, str, str | None] = cache["queries"]
    return found


# ------------------------------------------------------------------------ Arrow


def to_arrow(settlement: Settlement) -> pa.Table:
    """One row per participant: flags, rank, metrics, each reward, commissions and the total.

    Money columns are ``decimal128`` with the currency's minor unit; metric columns
    are named ``metric.<name>``, reward columns ``reward.<name>``.
    """
    scale = digits(settlement.currency)
    money_type = pa.decimal128(38, scale)
    people = settlement.participants
    metric_names = list(dict.fromkeys(n for p in people for n in p.metrics))
    reward_names = list(dict.fromkeys(r.name for p in people for r in p.rewards))
    columns: dict[str, pa.Array] = {
        "id": pa.array([p.id for p in people], pa.string()),
        "rank": pa.array([p.rank for p in people], pa.int64()),
        "eligible": pa.array([p.eligible for p in people], pa.bool_()),
        "qualified": pa.array([p.qualified for p in people], pa.bool_()),
        "disqualified": pa.array([p.disqualified for p in people], pa.bool_()),
        "warnings": pa.array([";".join(p.warnings) for p in people], pa.string()),
    }
    for name in metric_names:
        columns[f"metric.{name}"] = _metric_array([p.metrics.get(name) for p in people])
    for name in reward_names:
        amounts = [next((r.amount for r in p.rewards if r.name == name), None) for p in people]
        columns[f"reward.{name}"] = pa.array(amounts, money_type)
    columns["commission_due"] = pa.array([p.commission_due for p in people], money_type)
    columns["commission_waived"] = pa.array([p.commission_waived for p in people], money_type)
    columns["total_payout"] = pa.array([p.total_payout for p in people], money_type)
    columns["payout_due"] = pa.array([p.payout_due for p in people], pa.date32())
    return pa.table(columns)


def _metric_array(values: list[MetricValue]) -> pa.Array:
    if all(v is None or isinstance(v, int) for v in values):
        return pa.array(values, pa.int64())
    quantum = Decimal("1e-9")
    return pa.array([None if v is None else Decimal(v).quantize(quantum) for v in values], pa.decimal128(38, 9))
