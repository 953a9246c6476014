"""Settle a whole program over its input tables, in SQL on DuckDB.

:func:`settle` loads and validates the data (:mod:`rulekit.data`), runs the query
compiled by :mod:`rulekit.compile_sql`, and builds a :class:`~rulekit.results.Settlement`:
one :class:`~rulekit.results.ParticipantResult` per participant row (eligible or
not), sorted by rank then id, with totals, the payout due date and the data-quality
report. :func:`to_arrow` flattens a settlement into an Arrow table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import partial
from operator import itemgetter
from typing import Any

import duckdb
import pyarrow as pa

from rulekit import ir, timeutil
from rulekit.compile_sql import CompiledSettlement, compile_settlement, holds_col, judged_col
from rulekit.data import LoadedData, Source, load_tables
from rulekit.money import minor_unit
from rulekit.pyeval.types import metric_type
from rulekit.pyeval.values import report_ratio
from rulekit.reasons import clause_reason, reward_reason
from rulekit.results import ClauseOutcome, MetricValue, ParticipantResult, RewardAmount, Settlement, trusted
from rulekit.sql.metrics import MID, PID, column_col, den_col, metric_col
from rulekit.sql.rewards import (
    before_col,
    digits,
    due_col,
    orders_col,
    paid_col,
    rank_col,
    ranked_col,
    tied_col,
    waived_col,
)

Progress = Callable[[str, int, int], None]  # (stage description, step, number of steps)
STAGES = (
    "loading and checking the data",
    "compiling the settlement query",
    "running the settlement",
    "building results",
)

_KINDS: dict[type, str] = {ir.Prize: "prize", ir.Rebate: "rebate", ir.Bonus: "bonus", ir.Milestone: "milestone"}
_TOTAL_KEYS = {
    "prize": "prizes",
    "rebate": "rebates",
    "bonus": "bonuses",
    "milestone": "milestones",
    "subsidy": "subsidies",
}


def settle(program: ir.Program, data: LoadedData | Source, *, progress: Progress | None = None) -> Settlement:
    """Settle ``program`` over ``data`` (loaded data, a folder, frames or a DuckDB connection).

    Raises :class:`rulekit.data.DataError` for fatal data problems and
    :class:`rulekit.sql.exprs.CompileError` for constructs the engine cannot run.
    """

    def step(index: int) -> None:
        if progress is not None:
            progress(STAGES[index], index + 1, len(STAGES))

    step(0)
    loaded = data if isinstance(data, LoadedData) else load_tables(program, data)
    step(1)
    compiled, participants_sql, members_sql = _compiled(program)
    step(2)
    rows = fetch(loaded.connection, participants_sql)
    member_rows = fetch(loaded.connection, members_sql) if members_sql is not None else None
    step(3)
    return build_settlement(program, compiled, rows, member_rows, loaded)


# Values derived from a program alone, by program object: its compiled query (building the sqlglot
# tree and printing it takes 0.1-0.2 s, as long as settling a small data set) and how each metric
# is read. An entry holds the program itself, so its id cannot be reused while the entry exists.
_DERIVED: dict[int, tuple[ir.Program, dict[Any, Any]]] = {}
_DERIVED_KEPT = 16


def _derived(program: ir.Program) -> dict[Any, Any]:
    found = _DERIVED.get(id(program))
    if found is None or found[0] is not program:
        if len(_DERIVED) >= _DERIVED_KEPT:
            _DERIVED.clear()
        found = _DERIVED[id(program)] = (program, {})
    return found[1]


def _compiled(program: ir.Program) -> tuple[CompiledSettlement, str, str | None]:
    """The settlement query of ``program`` and its DuckDB SQL (participants, members), built once."""
    derived = _derived(program)
    if "queries" not in derived:
        compiled = compile_settlement(program)
        members = compiled.members.sql(dialect="duckdb") if compiled.members is not None else None
        derived["queries"] = (compiled, compiled.participants.sql(dialect="duckdb"), members)
    found: tuple[CompiledSettlement, str, str | None] = derived["queries"]
    return found


@dataclass(frozen=True)
class Rows:
    """A query result as DuckDB returns it: column names, and one tuple per row in that order."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def fetch(con: duckdb.DuckDBPyConnection, sql: str) -> Rows:
    """Run ``sql`` on ``con`` and fetch every row (as tuples: a dict per row costs more than reading by index)."""
    cursor = con.execute(sql)
    return Rows(tuple(d[0] for d in cursor.description or []), cursor.fetchall())


# ------------------------------------------------------------------------ results


def build_settlement(
    program: ir.Program,
    compiled: CompiledSettlement,
    rows: Rows,
    member_rows: Rows | None,
    loaded: LoadedData,
) -> Settlement:
    """The :class:`Settlement` of the participants query's ``rows`` (and the members query's).

    Clause and reward reasons are worded when first read (``explain``, JSON output), not
    here: a settlement is mostly read for its numbers.
    """
    header = program.header
    currency = header.currency if header and header.currency else "USD"
    due = timeutil.due_date(program)
    plan = _plan(program, compiled, rows.columns, currency)
    members = _members(program, compiled, member_rows, currency) if member_rows is not None else {}
    memo: _ReasonMemo = {}
    results = [_participant(program, plan, row, members.get(str(row[plan.pid])), due, memo) for row in rows.rows]
    results.sort(key=lambda r: (r.rank is None, r.rank or 0, r.id))
    return Settlement(
        program=header.name if header else "",
        currency=currency,
        timezone=header.timezone if header and header.timezone else "UTC",
        participants=results,
        totals=_totals(program, results, currency),
        payout_due=due,
        data_quality=list(loaded.issues),
    )


# How to read one value from a result row (a tuple in the query's column order).
Reader = Callable[[tuple[Any, ...]], Any]


def _nothing(row: tuple[Any, ...]) -> None:
    return None


def _column(index: dict[str, int], name: str) -> Reader:
    """A reader of column ``name``; a column the query does not have reads as ``None``."""
    return itemgetter(index[name]) if name in index else _nothing


def _metric_reader(program: ir.Program, name: str, index: dict[str, int], currency: str) -> Reader:
    """A reader of metric ``name`` as the evaluators hold it: ``int`` counts, ``Decimal`` amounts
    and seconds, ``Fraction`` ratios, ``None`` for no value."""
    shape, kind = _metric_shape(program, name)
    value, den = _column(index, metric_col(name)), _column(index, den_col(name))

    def ratio(row: tuple[Any, ...]) -> Fraction | None:
        num, by = value(row), den(row)
        return None if num is None or by is None or by == 0 else Fraction(num) / Fraction(by)

    def average(row: tuple[Any, ...]) -> Decimal | None:
        total, by = value(row), den(row)
        if total is None or not by:
            return None
        mean = Decimal(total) / Decimal(by)
        return mean / 1_000_000 if kind == "duration" else mean

    def plain(row: tuple[Any, ...]) -> Any:
        found = value(row)
        if found is None:
            return None
        if kind == "duration":
            return Decimal(found) / 1_000_000
        if kind in ("count", "int"):
            return int(found)
        if kind == "money" and isinstance(found, Decimal):
            return _tidy_money(found, currency)
        return found

    return ratio if shape == "ratio" else average if shape == "average" else plain


def _metric_shape(program: ir.Program, name: str) -> tuple[str, str]:
    """(``ratio`` / ``average`` / ``value``, value type) of a metric."""
    metric = program.metric(name)
    assert metric is not None
    definition = metric.definition
    shape = "ratio" if isinstance(definition, ir.Ratio) else "value"
    if isinstance(definition, ir.Aggregate) and definition.func is ir.AggregateFunc.AVERAGE:
        shape = "average"
    return shape, metric_type(program, metric)


def _tidy_money(value: Decimal, currency: str) -> Decimal:
    """``12.500000`` → ``12.50`` when nothing below the minor unit is lost."""
    quantized = value.quantize(minor_unit(currency))
    return quantized if quantized == value else value.normalize()


def _ratio_names(program: ir.Program, names: tuple[str, ...]) -> frozenset[str]:
    """The metrics among ``names`` held as ``Fraction`` and reported rounded (:func:`report_ratio`)."""
    return frozenset(n for n in names if _metric_shape(program, n)[0] == "ratio")


def _reported(values: dict[str, Any], ratios: frozenset[str]) -> dict[str, MetricValue]:
    if not ratios:
        return values
    return {k: report_ratio(v) if k in ratios else v for k, v in values.items()}


@dataclass(frozen=True)
class _Members:
    """One participant's members: their values for the reasons, and their reported metrics by member id."""

    values: dict[str, dict[str, Any]]
    metrics: dict[str, dict[str, MetricValue]]


def _members(program: ir.Program, compiled: CompiledSettlement, rows: Rows, currency: str) -> dict[str, _Members]:
    """participant id → its members (member columns and member metrics, evaluator values)."""
    index = {name: i for i, name in enumerate(rows.columns)}
    mtable = program.table(program.member.table) if program.member else None
    columns = [(c.name, _column(index, column_col(c.name))) for c in (mtable.columns if mtable else ())]
    metrics = [(m, _metric_reader(program, m, index, currency)) for m in compiled.member_metrics]
    ratios = _ratio_names(program, compiled.member_metrics)
    pid, mid = itemgetter(index[PID]), itemgetter(index[MID])
    values: dict[str, dict[str, dict[str, Any]]] = {}
    reported: dict[str, dict[str, dict[str, MetricValue]]] = {}
    for row in rows.rows:
        owner, member = str(pid(row)), str(mid(row))
        measured = {m: read(row) for m, read in metrics}
        values.setdefault(owner, {})[member] = {**{c: read(row) for c, read in columns}, **measured}
        reported.setdefault(owner, {})[member] = _reported(measured, ratios)
    return {owner: _Members(found, dict(sorted(reported[owner].items()))) for owner, found in values.items()}


@dataclass(frozen=True)
class _Clause:
    clause: ir.Clause
    kind: str
    holds: Reader
    judged: Reader
    inputs: tuple[str, ...]  # what its reason reads (see _reason_inputs)


@dataclass(frozen=True)
class _Reward:
    reward: ir.Reward
    kind: str
    paid: Reader
    before: Reader
    extra: tuple[tuple[str, Reader], ...]  # rank, ranked, tied (prizes) or orders (subsidies)


@dataclass(frozen=True)
class _Plan:
    """Everything about building a participant's result that does not depend on its row."""

    currency: str
    quantum: Decimal  # the minor unit
    zero: Decimal  # 0 with the minor unit's places
    places: int  # its digits
    pid: int
    eligible: Reader
    qualified: Reader
    disqualified: Reader
    columns: tuple[tuple[str, Reader], ...]
    metrics: tuple[tuple[str, Reader], ...]
    ratios: frozenset[str]
    clauses: tuple[_Clause, ...]
    clause_by_name: dict[str, _Clause]
    rank: Reader | None
    rewards: tuple[_Reward, ...]
    commission_due: tuple[Reader, ...] | None
    commission_waived: tuple[Reader, ...] | None


def _plan(program: ir.Program, compiled: CompiledSettlement, columns: tuple[str, ...], currency: str) -> _Plan:
    """The plan for rows with these ``columns``, built once per program and column list."""
    derived = _derived(program)
    key = ("plan", columns, currency)
    if key not in derived:
        derived[key] = _make_plan(program, compiled, {name: i for i, name in enumerate(columns)}, currency)
    found: _Plan = derived[key]
    return found


def _make_plan(program: ir.Program, compiled: CompiledSettlement, index: dict[str, int], currency: str) -> _Plan:
    ptable = program.table(program.participant.table) if program.participant else None
    clauses = tuple(
        _Clause(
            c,
            c.kind.value,
            _column(index, holds_col(c.name)),
            _column(index, judged_col(c.name)),
            _reason_inputs(program, c),
        )
        for c in program.clauses
    )
    primary = _primary_ranking(program)
    commissions = [r for r in program.rewards if isinstance(r, ir.Commission)]
    return _Plan(
        currency=currency,
        quantum=minor_unit(currency),
        zero=Decimal(0).quantize(minor_unit(currency)),
        places=digits(currency),
        pid=index[PID],
        eligible=_column(index, "eligible"),
        qualified=_column(index, "qualified"),
        disqualified=_column(index, "disqualified"),
        columns=tuple((c.name, _column(index, column_col(c.name))) for c in (ptable.columns if ptable else ())),
        metrics=tuple((m, _metric_reader(program, m, index, currency)) for m in compiled.participant_metrics),
        ratios=_ratio_names(program, compiled.participant_metrics),
        clauses=clauses,
        clause_by_name={c.clause.name: c for c in clauses},
        rank=_column(index, rank_col(primary)) if primary else None,
        rewards=tuple(_reward_plan(r, index) for r in program.rewards if not isinstance(r, ir.Commission)),
        commission_due=tuple(_column(index, due_col(c.name)) for c in commissions) if commissions else None,
        commission_waived=tuple(_column(index, waived_col(c.name)) for c in commissions) if commissions else None,
    )


def _reward_plan(reward: ir.Reward, index: dict[str, int]) -> _Reward:
    extra: tuple[tuple[str, Reader], ...] = ()
    if isinstance(reward, ir.Prize):
        extra = tuple(
            (k, _column(index, col(reward.ranking)))
            for k, col in (("rank", rank_col), ("ranked", ranked_col), ("tied", tied_col))
        )
    elif isinstance(reward, ir.Subsidy):
        extra = (("orders", _column(index, orders_col(reward.name))),)
    paid, before = _column(index, paid_col(reward.name)), _column(index, before_col(reward.name))
    return _Reward(reward, _KINDS.get(type(reward), "subsidy"), paid, before, extra)


def _participant(
    program: ir.Program,
    plan: _Plan,
    row: tuple[Any, ...],
    members: _Members | None,
    due: dt.date | None,
    memo: _ReasonMemo,
) -> ParticipantResult:
    metrics = {name: read(row) for name, read in plan.metrics}
    values = {**{name: read(row) for name, read in plan.columns}, **metrics}
    wording = _ClauseWording(program, plan, values, members.values if members is not None else {}, memo)
    clauses = [
        ClauseOutcome.deferred(
            wording, name=c.clause.name, kind=c.kind, holds=bool(c.holds(row)), judged=bool(c.judged(row))
        )
        for c in plan.clauses
    ]
    qualified = bool(plan.qualified(row))
    rewards = _rewards(program, plan, row, values) if qualified else []
    total = sum((r.amount for r in rewards), plan.zero)
    commission_due = _sum_minor(plan, row, plan.commission_due) if plan.commission_due is not None else None
    waived = _sum_minor(plan, row, plan.commission_waived) if plan.commission_waived is not None else None
    return trusted(
        ParticipantResult,
        id=str(row[plan.pid]),
        eligible=bool(plan.eligible(row)),
        qualified=qualified,
        disqualified=bool(plan.disqualified(row)),
        warnings=[c.name for c in clauses if c.kind == "warn" and c.holds and c.judged],
        metrics=_reported(metrics, plan.ratios),
        members=members.metrics if members is not None else {},
        clauses=clauses,
        rank=_int(plan.rank(row)) if plan.rank is not None else None,
        rewards=rewards,
        commission_due=commission_due,
        commission_waived=waived,
        total_payout=total,
        payout_due=due if total > 0 else None,
        reasons=_reasons(clauses, qualified),
    )


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _money(minor_units: Any, plan: _Plan) -> Decimal:
    return Decimal(int(minor_units or 0)).scaleb(-plan.places).quantize(plan.quantum)


def _sum_minor(plan: _Plan, row: tuple[Any, ...], readers: tuple[Reader, ...]) -> Decimal:
    return _money(sum(int(read(row) or 0) for read in readers), plan)


def _primary_ranking(program: ir.Program) -> str | None:
    """The ranking of the first prize, else the first ranking: the one ``rank`` reports."""
    prize = next((r for r in program.rewards if isinstance(r, ir.Prize)), None)
    if prize is not None:
        return prize.ranking
    return program.rankings[0].name if program.rankings else None


# Clause reasons already worded in one settlement (see _ClauseWording).
_ReasonMemo = dict[Any, str]


class _ClauseWording:
    """Words the reasons of one participant's clause outcomes, when they are first read.

    One per participant, shared by its outcomes (an outcome passes itself: its clause name
    and result). Reasons are memoised within a settlement by clause, outcome and the values
    the wording reads: most participants share the few distinct inputs of a clause such as
    `region = "US"`, and wording a reason costs more than looking one up. Clauses over
    members are not memoised.
    """

    __slots__ = ("members", "memo", "plan", "program", "values")

    def __init__(
        self,
        program: ir.Program,
        plan: _Plan,
        values: Mapping[str, Any],
        members: Mapping[str, Mapping[str, Any]],
        memo: _ReasonMemo,
    ) -> None:
        self.program, self.plan, self.values, self.members, self.memo = program, plan, values, members, memo

    def __call__(self, outcome: ClauseOutcome) -> str:
        planned = self.plan.clause_by_name[outcome.name]
        holds, judged, values = outcome.holds, outcome.judged, self.values
        # By class and text, not by value: Decimal("1.0") == Decimal("1.00") but they are worded differently.
        inputs = planned.inputs
        key = (outcome.name, holds, judged, *(_shown(values.get(n)) for n in inputs)) if inputs else None
        reason = self.memo.get(key) if key is not None else None
        if reason is None:
            reason = clause_reason(self.program, planned.clause, holds, judged, values, self.members)
            if key is not None:
                self.memo[key] = reason
        return reason


def _shown(value: Any) -> tuple[type, str]:
    return value.__class__, str(value)


def _reason_inputs(program: ir.Program, clause: ir.Clause) -> tuple[str, ...]:
    """The names whose values the reason of a quantifier-free clause reads (a ratio reads its parts
    too); empty when the clause has a quantifier, whose reason reads the members."""
    names: list[str] = []

    def walk(expr: ir.Expr | None) -> bool:
        if isinstance(expr, ir.Quantified):
            return False
        if isinstance(expr, ir.NameRef | ir.QualifiedRef):
            add(expr.name if isinstance(expr, ir.NameRef) else expr.column)
        parts: list[ir.Expr] = []
        if isinstance(expr, ir.Compare):
            parts = [expr.left, expr.right]
        elif isinstance(expr, ir.InList | ir.Not):
            parts = [expr.operand]
        elif isinstance(expr, ir.BoolOp):
            parts = list(expr.operands)
        return all(walk(part) for part in parts)

    def add(name: str) -> None:
        names.append(name)
        metric = program.metric(name)
        if metric is not None and isinstance(metric.definition, ir.Ratio):
            add(metric.definition.numerator)
            add(metric.definition.denominator)

    if not (walk(clause.condition) and walk(clause.guard)):
        return ()
    return tuple(dict.fromkeys(names)) or ("",)  # a clause reading no name still has one reason per outcome


def _rewards(program: ir.Program, plan: _Plan, row: tuple[Any, ...], values: Mapping[str, Any]) -> list[RewardAmount]:
    found: list[RewardAmount] = []
    for r in plan.rewards:
        amount, before = _money(r.paid(row), plan), _money(r.before(row), plan)
        extra: dict[str, Any] = {k: _int(read(row)) for k, read in r.extra}
        if "tied" in extra:
            extra["tied"] = extra["tied"] or 1
        reason = partial(_reward_reason, program, r.reward, values, extra)
        found.append(
            RewardAmount.deferred(reason, name=r.reward.name, kind=r.kind, amount=amount, before_limits=before)
        )
    return found


def _reward_reason(
    program: ir.Program, reward: ir.Reward, values: Mapping[str, Any], extra: dict[str, Any], paid: RewardAmount
) -> str:
    return reward_reason(program, reward, values, amount=paid.amount, before_limits=paid.before_limits, **extra)


def _reasons(clauses: list[ClauseOutcome], qualified: bool) -> list[str]:
    failed = [c.name for c in clauses if c.kind in ("eligible", "gate") and not c.holds]
    disq = [c.name for c in clauses if c.kind == "disqualify" and c.holds and c.judged]
    out: list[str] = []
    if failed:
        out.append("fails " + ", ".join(failed))
    if disq:
        out.append("disqualified by " + ", ".join(disq))
    out.append("qualifies" if qualified else "does not qualify")
    return out


def _totals(program: ir.Program, results: list[ParticipantResult], currency: str) -> dict[str, Decimal]:
    zero = Decimal(0).quantize(minor_unit(currency))
    totals: dict[str, Decimal] = {}
    for reward in program.rewards:
        if isinstance(reward, ir.Commission):
            totals.setdefault("commission_due", zero)
            totals.setdefault("commission_waived", zero)
        else:
            totals.setdefault(_TOTAL_KEYS[_KINDS.get(type(reward), "subsidy")], zero)
    for result in results:
        for paid in result.rewards:
            key = _TOTAL_KEYS[paid.kind]
            totals[key] = totals.get(key, zero) + paid.amount
        if result.commission_due is not None:
            totals["commission_due"] += result.commission_due
        if result.commission_waived is not None:
            totals["commission_waived"] += result.commission_waived
    totals["payout"] = sum((r.total_payout for r in results), zero)
    totals["participants"] = Decimal(len(results))
    totals["eligible"] = Decimal(sum(r.eligible for r in results))
    totals["qualified"] = Decimal(sum(r.qualified for r in results))
    totals["disqualified"] = Decimal(sum(r.disqualified for r in results))
    totals["warned"] = Decimal(sum(bool(r.warnings) for r in results))
    return totals


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
