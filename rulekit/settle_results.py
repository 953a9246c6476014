"""Build a :class:`~rulekit.results.Settlement` from the Arrow result of the settlement queries.

The settlement is a table: the query's result, sorted by rank then id, is turned column by
column (never row by row) into the columns of :func:`rulekit.result_schema.result_schema`,
and the totals are sums over those columns. No participant object is built here: one is
built, and its reasons worded, when it is read (:mod:`rulekit.settle_rows`).

Paid amounts come from the query as integers of minor units; they become money by
giving the same integers the currency's scale (``123`` cents is ``1.23``), which is exact.
Durations come as whole microseconds and become seconds the same way.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from rulekit import ir, timeutil
from rulekit import types as t
from rulekit.compile_sql import CompiledSettlement, holds_col, judged_col
from rulekit.data import LoadedData
from rulekit.plan import MetricPlan, Plan
from rulekit.result_schema import COUNT_TOTALS, SECONDS, metric_columns, scale_of, total_keys
from rulekit.results import Settlement, Total
from rulekit.settle_rows import RowPlan, RowSource, make_plan, primary_ranking
from rulekit.sql.metrics import PID, den_col, metric_col
from rulekit.sql.rewards import due_col, paid_col, rank_col, waived_col

# Values derived from a program alone, by program object: its compiled query, its schema and the
# plans for reading rows. An entry holds the program itself, so its id cannot be reused while it exists.
_DERIVED: dict[int, tuple[ir.Program, dict[Any, Any]]] = {}
_DERIVED_KEPT = 16


def derived(program: ir.Program) -> dict[Any, Any]:
    """A cache for values derived from ``program`` alone (kept for the last few programs)."""
    found = _DERIVED.get(id(program))
    if found is None or found[0] is not program:
        if len(_DERIVED) >= _DERIVED_KEPT:
            _DERIVED.clear()
        found = _DERIVED[id(program)] = (program, {})
    return found[1]


def fetch(con: duckdb.DuckDBPyConnection, sql: str) -> pa.Table:
    """Run ``sql`` on ``con`` and fetch its result as an Arrow table."""
    return con.sql(sql).to_arrow_table()


def build_settlement(
    plan: Plan,
    compiled: CompiledSettlement,
    rows: pa.Table,
    member_rows: pa.Table | None,
    loaded: LoadedData,
) -> Settlement:
    """The settlement of the participants query's result ``rows`` (and the members query's), sorted
    by rank then id, with totals, the payout due date and the data-quality report."""
    program = plan.program
    due = timeutil.due_date(program)
    rows = _sorted(program, rows)
    table = _table(plan, rows, due)
    readers = _readers(program, compiled, rows.column_names, member_rows.column_names if member_rows else (), plan)
    return Settlement(
        program=plan.name,
        currency=plan.currency,
        timezone=plan.timezone,
        participants=RowSource(readers, rows, member_rows, table, due),
        totals=_totals(plan, table),
        payout_due=due,
        data_quality=list(loaded.issues),
    )


def _readers(
    program: ir.Program, compiled: CompiledSettlement, columns: list[str], member_columns: Any, plan: Plan
) -> RowPlan:
    cache = derived(program)
    key = ("readers", tuple(columns), tuple(member_columns), plan.currency)
    if key not in cache:
        cache[key] = make_plan(plan, compiled, columns, member_columns, plan.currency)
    found: RowPlan = cache[key]
    return found


def _sorted(program: ir.Program, rows: pa.Table) -> pa.Table:
    """Rows in settlement order: by rank (unranked last), then by id as text."""
    ids = pc.cast(rows.column(PID), pa.string())
    rows = rows.set_column(rows.column_names.index(PID), PID, ids)
    primary = primary_ranking(program)
    keys = [(rank_col(primary), "ascending", "at_end")] if primary and rank_col(primary) in rows.column_names else []
    order = pc.sort_indices(rows, sort_keys=[*keys, (PID, "ascending", "at_end")])
    return rows.take(order).combine_chunks()


# ------------------------------------------------------------------------ columns


def _table(plan: Plan, rows: pa.Table, due: dt.date | None) -> pa.Table:
    """The result table of ``plan`` (its :attr:`~rulekit.plan.Plan.schema`), column by column."""
    program = plan.program
    schema = plan.schema
    n = rows.num_rows
    scale = scale_of(plan.currency)
    qualified = _flag(rows, "qualified")
    columns: dict[str, pa.Array] = {
        "id": _array(rows.column(PID)),
        "rank": _ints(rows, rank_col(p)) if (p := primary_ranking(program)) else pa.nulls(n, pa.int64()),
        "eligible": _flag(rows, "eligible"),
        "qualified": qualified,
        "disqualified": _flag(rows, "disqualified"),
        "warnings": _warnings(plan, rows),
    }
    for metric in plan.participant_metrics():
        columns.update(_metric(plan, metric, rows))
    total = pa.array([0] * n, pa.int64())
    for reward in plan.rewards:
        if not reward.kind.paid:
            continue
        # Null for a non-qualifier (it is in no reward's population); 0 for a qualifier out of the money.
        paid = pc.if_else(qualified, _minor(rows, [paid_col(reward.name)]), pa.scalar(None, pa.int64()))
        columns[f"reward.{reward.name}"] = _money(paid, scale)
        total = pc.add_checked(total, pc.fill_null(paid, 0))
    commissions = [r.name for r in plan.rewards if not r.kind.paid]
    if commissions:
        columns["commission_due"] = _money(_minor(rows, [due_col(c) for c in commissions]), scale)
        columns["commission_waived"] = _money(_minor(rows, [waived_col(c) for c in commissions]), scale)
    else:
        columns["commission_due"] = columns["commission_waived"] = pa.nulls(n, schema.field("commission_due").type)
    columns["total_payout"] = _money(total, scale)
    # A due date only for something to pay: a participant with a 0 total is owed nothing, on no date.
    owed = pc.greater(total, 0)
    columns["payout_due"] = pc.if_else(owed, pa.scalar(due, pa.date32()), pa.scalar(None, pa.date32()))
    return pa.table([_array(columns[f.name]).cast(f.type) for f in schema], schema=schema)


def _array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _flag(rows: pa.Table, name: str) -> pa.Array:
    """A status flag; a null (unknown) is false, as a clause holds only when it is true."""
    return pc.fill_null(_array(rows.column(name)).cast(pa.bool_()), False)


def _ints(rows: pa.Table, name: str) -> pa.Array:
    if name not in rows.column_names:
        return pa.nulls(rows.num_rows, pa.int64())
    return _array(rows.column(name)).cast(pa.int64())


def _warnings(plan: Plan, rows: pa.Table) -> pa.Array:
    """The names of the warnings that apply, joined by ``;`` (empty when none does)."""
    joined = pa.array([""] * rows.num_rows, pa.string())
    for clause in plan.clauses_of(ir.ClauseKind.WARN):
        hit = pc.and_(_flag(rows, holds_col(clause.name)), _flag(rows, judged_col(clause.name)))
        name = pa.scalar(clause.name)
        # Built without nulls: binary_join_element_wise's null_handling="skip" drops rows (pyarrow 26).
        added = pc.if_else(pc.equal(joined, ""), name, pc.binary_join_element_wise(joined, name, ";"))
        joined = pc.if_else(hit, added, joined)
    return joined


def _minor(rows: pa.Table, columns: list[str]) -> pa.Array:
    """The sum of integer minor-unit columns (a missing or null value counts 0)."""
    total = pa.array([0] * rows.num_rows, pa.int64())
    for name in columns:
        if name in rows.column_names:
            total = pc.add_checked(total, pc.fill_null(_array(rows.column(name)).cast(pa.int64()), 0))
    return total


def _with_scale(integers: pa.Array, scale: int) -> pa.Array:
    """Integers read as ``decimal128(38, scale)`` with those digits: ``123`` at scale 2 is ``1.23``, exactly.

    A decimal128 holds its unscaled integer, so the integers cast to scale 0 are the same buffers.
    """
    unscaled = _array(integers).cast(pa.decimal128(38, 0))
    return pa.Array.from_buffers(
        pa.decimal128(38, scale), len(unscaled), unscaled.buffers(), unscaled.null_count, unscaled.offset
    )


def _money(minor_units: pa.Array, scale: int) -> pa.Array:
    return _with_scale(minor_units, scale)


def _metric(plan: Plan, metric: MetricPlan, rows: pa.Table) -> dict[str, pa.Array]:
    """The exported column(s) of one participant metric (a quotient as its exact parts)."""
    spec = metric_columns(plan, metric)
    sources = [metric_col(metric.name)] if spec.parts is None else [metric_col(metric.name), den_col(metric.name)]
    kinds = [spec.value] if spec.parts is None else list(spec.parts)
    found: dict[str, pa.Array] = {}
    for (name, arrow_type), source, kind in zip(spec.columns(), sources, kinds, strict=True):
        values = _array(rows.column(source)) if source in rows.column_names else pa.nulls(rows.num_rows)
        if kind is t.Kind.DURATION:
            values = _with_scale(values, SECONDS.scale)  # whole microseconds → seconds
        found[name] = values.cast(arrow_type)
    return found


# ------------------------------------------------------------------------ totals


def _totals(plan: Plan, table: pa.Table) -> dict[str, Total]:
    """Money per reward kind, commission and payout (``Decimal``), then the counts (``int``)."""
    money = table.schema.field("total_payout").type
    zero = Decimal(0).scaleb(-money.scale)
    sums: dict[str, Total] = dict.fromkeys(total_keys(plan)[: -len(COUNT_TOTALS)], zero)
    for reward in plan.rewards:
        if not reward.kind.paid:
            for key in ("commission_due", "commission_waived"):
                sums[key] = _sum(table.column(key), zero)
        else:
            key = reward.kind.total
            sums[key] = sums[key] + _sum(table.column(f"reward.{reward.name}"), zero)
    sums["payout"] = _sum(table.column("total_payout"), zero)
    sums["participants"] = table.num_rows
    for key in ("eligible", "qualified", "disqualified"):
        sums[key] = _count(table.column(key))
    sums["warned"] = _count(pc.not_equal(table.column("warnings"), ""))
    return sums


def _sum(column: pa.ChunkedArray, zero: Decimal) -> Decimal:
    found = pc.sum(column).as_py()
    return zero if found is None else Decimal(found).quantize(zero)


def _count(flags: pa.ChunkedArray | pa.Array) -> int:
    return int(pc.sum(flags.cast(pa.int64())).as_py() or 0)
