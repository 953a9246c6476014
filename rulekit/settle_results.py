"""Build a :class:`~rulekit.results.Settlement` from the rows of the settlement queries.

Two things keep this cheap for thousands of participants:

* everything that does not depend on a row (which column holds what, how each metric
  is read, the clauses and rewards) is worked out once per program and column list, as a
  :class:`_Plan` of readers over the row tuples DuckDB returns;
* reasons are worded when first read (:meth:`ClauseOutcome.deferred`), not here: a
  settlement is mostly read for its numbers, and explained for a few participants or
  when it is written out. One :class:`_Wording` per participant keeps what the wording
  needs (its row, its members' rows) and builds the values it reads only when asked.

Few objects per participant also matters beyond the work itself: every container built
here lives as long as the settlement, and the cyclic garbage collector walks the whole
process heap each time enough of them pile up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from operator import itemgetter
from typing import Any

import duckdb

from rulekit import ir, timeutil
from rulekit.compile_sql import CompiledSettlement, holds_col, judged_col
from rulekit.data import LoadedData
from rulekit.money import minor_unit
from rulekit.pyeval.types import metric_type
from rulekit.pyeval.values import report_ratio
from rulekit.reasons import clause_reason, outcome_reasons, reward_reason
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

KINDS: dict[type, str] = {ir.Prize: "prize", ir.Rebate: "rebate", ir.Bonus: "bonus", ir.Milestone: "milestone"}
_TOTAL_KEYS = {
    "prize": "prizes",
    "rebate": "rebates",
    "bonus": "bonuses",
    "milestone": "milestones",
    "subsidy": "subsidies",
}

# Values derived from a program alone, by program object: its compiled query and the plans for
# building results. An entry holds the program itself, so its id cannot be reused while the entry exists.
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


@dataclass(frozen=True)
class Rows:
    """A query result as DuckDB returns it: column names, and one tuple per row in that order."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def fetch(con: duckdb.DuckDBPyConnection, sql: str) -> Rows:
    """Run ``sql`` on ``con`` and fetch every row (as tuples, read by index through a :class:`_Plan`)."""
    cursor = con.execute(sql)
    return Rows(tuple(d[0] for d in cursor.description or []), cursor.fetchall())


def build_settlement(
    program: ir.Program,
    compiled: CompiledSettlement,
    rows: Rows,
    member_rows: Rows | None,
    loaded: LoadedData,
) -> Settlement:
    """The settlement of the participants query's ``rows`` (and the members query's), sorted by
    rank then id, with totals, the payout due date and the data-quality report."""
    header = program.header
    currency = header.currency if header and header.currency else "USD"
    due = timeutil.due_date(program)
    plan = _plan(program, compiled, rows.columns, member_rows.columns if member_rows else (), currency)
    members = _members(plan, member_rows) if member_rows is not None else {}
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


# ------------------------------------------------------------------------ reading rows

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


def _reported_reader(program: ir.Program, name: str, index: dict[str, int], currency: str) -> Reader:
    """A reader of metric ``name`` as results report it (ratios as ``Decimal`` to 6 places)."""
    read = _metric_reader(program, name, index, currency)
    if _metric_shape(program, name)[0] != "ratio":
        return read
    return lambda row: report_ratio(read(row))


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


# ------------------------------------------------------------------------ the plan


@dataclass(frozen=True)
class _Readers:
    """How to read a participant's or a member's values from its row."""

    columns: tuple[tuple[str, Reader], ...]  # its table's columns
    metrics: tuple[tuple[str, Reader], ...]  # its metrics, as the evaluators hold them
    reported: tuple[tuple[str, Reader], ...]  # its metrics, as results report them

    def values(self, row: tuple[Any, ...]) -> dict[str, Any]:
        """Columns and metrics by name, as the evaluators (and the reasons) read them."""
        found = {name: read(row) for name, read in self.columns}
        found.update({name: read(row) for name, read in self.metrics})
        return found


def _readers(
    program: ir.Program, table: ir.Table | None, metrics: tuple[str, ...], index: dict[str, int], currency: str
) -> _Readers:
    return _Readers(
        columns=tuple((c.name, _column(index, column_col(c.name))) for c in (table.columns if table else ())),
        metrics=tuple((m, _metric_reader(program, m, index, currency)) for m in metrics),
        reported=tuple((m, _reported_reader(program, m, index, currency)) for m in metrics),
    )


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
    """Everything about building results that does not depend on a row."""

    quantum: Decimal  # the minor unit
    zero: Decimal  # 0 with the minor unit's places
    places: int  # the minor unit's digits
    pid: int
    eligible: Reader
    qualified: Reader
    disqualified: Reader
    participant: _Readers
    clauses: tuple[_Clause, ...]
    clause_by_name: dict[str, _Clause]
    rank: Reader | None
    rewards: tuple[_Reward, ...]
    reward_by_name: dict[str, _Reward]
    commission_due: tuple[Reader, ...] | None
    commission_waived: tuple[Reader, ...] | None
    member: _Readers | None  # None without a members query
    member_owner: Reader
    member_id: Reader


def _plan(
    program: ir.Program,
    compiled: CompiledSettlement,
    columns: tuple[str, ...],
    member_columns: tuple[str, ...],
    currency: str,
) -> _Plan:
    """The plan for rows with these columns, made once per program and column lists."""
    cache = derived(program)
    key = ("plan", columns, member_columns, currency)
    if key not in cache:
        cache[key] = _make_plan(program, compiled, columns, member_columns, currency)
    found: _Plan = cache[key]
    return found


def _make_plan(
    program: ir.Program,
    compiled: CompiledSettlement,
    columns: tuple[str, ...],
    member_columns: tuple[str, ...],
    currency: str,
) -> _Plan:
    index = {name: i for i, name in enumerate(columns)}
    mindex = {name: i for i, name in enumerate(member_columns)}
    ptable = program.table(program.participant.table) if program.participant else None
    mtable = program.table(program.member.table) if program.member else None
    clauses = tuple(
        _Clause(c, c.kind.value, _column(index, holds_col(c.name)), _column(index, judged_col(c.name)), inputs)
        for c in program.clauses
        for inputs in (_reason_inputs(program, c),)
    )
    rewards = tuple(_reward_plan(r, index) for r in program.rewards if not isinstance(r, ir.Commission))
    primary = _primary_ranking(program)
    commissions = [r for r in program.rewards if isinstance(r, ir.Commission)]
    return _Plan(
        quantum=minor_unit(currency),
        zero=Decimal(0).quantize(minor_unit(currency)),
        places=digits(currency),
        pid=index[PID],
        eligible=_column(index, "eligible"),
        qualified=_column(index, "qualified"),
        disqualified=_column(index, "disqualified"),
        participant=_readers(program, ptable, compiled.participant_metrics, index, currency),
        clauses=clauses,
        clause_by_name={c.clause.name: c for c in clauses},
        rank=_column(index, rank_col(primary)) if primary else None,
        rewards=rewards,
        reward_by_name={r.reward.name: r for r in rewards},
        commission_due=tuple(_column(index, due_col(c.name)) for c in commissions) if commissions else None,
        commission_waived=tuple(_column(index, waived_col(c.name)) for c in commissions) if commissions else None,
        member=_readers(program, mtable, compiled.member_metrics, mindex, currency) if member_columns else None,
        member_owner=_column(mindex, PID),
        member_id=_column(mindex, MID),
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
    return _Reward(reward, KINDS.get(type(reward), "subsidy"), paid, before, extra)


def _primary_ranking(program: ir.Program) -> str | None:
    """The ranking of the first prize, else the first ranking: the one ``rank`` reports."""
    prize = next((r for r in program.rewards if isinstance(r, ir.Prize)), None)
    if prize is not None:
        return prize.ranking
    return program.rankings[0].name if program.rankings else None


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


# ------------------------------------------------------------------------ members


@dataclass(frozen=True)
class _Members:
    """One participant's members: their rows (for the reasons) and reported metrics by member id."""

    rows: list[tuple[Any, ...]]
    metrics: dict[str, dict[str, MetricValue]]


def _members(plan: _Plan, rows: Rows) -> dict[str, _Members]:
    """participant id → its members."""
    readers = plan.member
    assert readers is not None
    owned: dict[str, list[tuple[Any, ...]]] = {}
    for row in rows.rows:
        owned.setdefault(str(plan.member_owner(row)), []).append(row)
    found: dict[str, _Members] = {}
    for owner, mine in owned.items():
        metrics = {str(plan.member_id(row)): {m: read(row) for m, read in readers.reported} for row in mine}
        found[owner] = _Members(mine, dict(sorted(metrics.items())))
    return found


# ------------------------------------------------------------------------ participants


def _participant(
    program: ir.Program,
    plan: _Plan,
    row: tuple[Any, ...],
    members: _Members | None,
    due: dt.date | None,
    memo: _ReasonMemo,
) -> ParticipantResult:
    wording = _Wording(program, plan, row, members, memo)
    clauses = [
        ClauseOutcome.deferred(
            wording, name=c.clause.name, kind=c.kind, holds=bool(c.holds(row)), judged=bool(c.judged(row))
        )
        for c in plan.clauses
    ]
    qualified = bool(plan.qualified(row))
    rewards = _rewards(plan, row, wording) if qualified else []
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
        metrics={name: read(row) for name, read in plan.participant.reported},
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


def _rewards(plan: _Plan, row: tuple[Any, ...], wording: _Wording) -> list[RewardAmount]:
    return [
        RewardAmount.deferred(
            wording,
            name=r.reward.name,
            kind=r.kind,
            amount=_money(r.paid(row), plan),
            before_limits=_money(r.before(row), plan),
        )
        for r in plan.rewards
    ]


def _reasons(clauses: list[ClauseOutcome], qualified: bool) -> list[str]:
    """The same top-level reasons ``decide`` gives (one function words both)."""
    return outcome_reasons(((c.kind, c.name, c.holds, c.judged) for c in clauses), qualified)


# ------------------------------------------------------------------------ reasons, when read

# Clause reasons already worded in one settlement (see _Wording.clause).
_ReasonMemo = dict[Any, str]


class _Wording:
    """Words the reasons of one participant's clause outcomes and rewards when they are first read.

    One per participant, shared by its outcomes and rewards (each passes itself: its name
    and result). It holds the participant's row and its members' rows, and builds the
    values the reasons read from them on first use.
    """

    __slots__ = ("_member_values", "_values", "members", "memo", "plan", "program", "row")

    def __init__(
        self, program: ir.Program, plan: _Plan, row: tuple[Any, ...], members: _Members | None, memo: _ReasonMemo
    ) -> None:
        self.program, self.plan, self.row, self.members, self.memo = program, plan, row, members, memo
        self._values: dict[str, Any] | None = None
        self._member_values: dict[str, dict[str, Any]] | None = None

    def values(self) -> dict[str, Any]:
        """The participant's columns and metrics, as the evaluators hold them."""
        if self._values is None:
            self._values = self.plan.participant.values(self.row)
        return self._values

    def member_values(self) -> dict[str, dict[str, Any]]:
        """member id → the member's columns and metrics, as the evaluators hold them."""
        if self._member_values is None:
            readers, members = self.plan.member, self.members
            found: dict[str, dict[str, Any]] = {}
            if readers is not None and members is not None:
                found = {str(self.plan.member_id(row)): readers.values(row) for row in members.rows}
            self._member_values = found
        return self._member_values

    def __call__(self, worded: ClauseOutcome | RewardAmount) -> str:
        # One callable for both, not a bound method each: that would be one more object per outcome.
        return self.clause(worded) if isinstance(worded, ClauseOutcome) else self.reward(worded)

    def clause(self, outcome: ClauseOutcome) -> str:
        """The reason of one clause outcome. Memoised within a settlement by clause, outcome and
        the values the wording reads: most participants share the few distinct inputs of a clause
        such as `region = "US"`, and wording costs more than looking up. Clauses over members
        are not memoised."""
        planned = self.plan.clause_by_name[outcome.name]
        holds, judged, values = outcome.holds, outcome.judged, self.values()
        # By class and text, not by value: Decimal("1.0") == Decimal("1.00") but they are worded differently.
        inputs = planned.inputs
        key = (outcome.name, holds, judged, *(_shown(values.get(n)) for n in inputs)) if inputs else None
        reason = self.memo.get(key) if key is not None else None
        if reason is None:
            reason = clause_reason(self.program, planned.clause, holds, judged, values, self.member_values())
            if key is not None:
                self.memo[key] = reason
        return reason

    def reward(self, paid: RewardAmount) -> str:
        """Why the participant gets ``paid``, with the arithmetic."""
        planned = self.plan.reward_by_name[paid.name]
        extra: dict[str, Any] = {k: _int(read(self.row)) for k, read in planned.extra}
        if "tied" in extra:
            extra["tied"] = extra["tied"] or 1
        return reward_reason(
            self.program, planned.reward, self.values(), amount=paid.amount, before_limits=paid.before_limits, **extra
        )


def _shown(value: Any) -> tuple[type, str]:
    return value.__class__, str(value)


# ------------------------------------------------------------------------ totals


def _totals(program: ir.Program, results: list[ParticipantResult], currency: str) -> dict[str, Decimal]:
    zero = Decimal(0).quantize(minor_unit(currency))
    totals: dict[str, Decimal] = {}
    for reward in program.rewards:
        if isinstance(reward, ir.Commission):
            totals.setdefault("commission_due", zero)
            totals.setdefault("commission_waived", zero)
        else:
            totals.setdefault(_TOTAL_KEYS[KINDS.get(type(reward), "subsidy")], zero)
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
