"""One participant of a settlement, read from its row of the query result when asked for.

The settlement itself is a table (:mod:`rulekit.settle_results`); this module turns one
row of the query's result into a :class:`~rulekit.results.ParticipantResult`, wording
its clause outcomes and rewards then. Everything that does not depend on a row (which
column holds what, how each metric is read, the clauses and rewards) is worked out once
per program and column list, as a :class:`RowPlan` of readers over row tuples. Rows are
converted from Arrow to Python a block at a time, so reading every participant in
order costs one conversion per block, not one per value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from operator import itemgetter
from typing import Any

import pyarrow as pa

from rulekit import ir
from rulekit.clause_reasons import clause_reason, traced_reason
from rulekit.compile_sql import CompiledSettlement, holds_col, judged_col
from rulekit.money import minor_unit
from rulekit.plan import Plan, Shape, kind_of
from rulekit.plan.arith import exact
from rulekit.plan.names import metric_shape
from rulekit.pyeval.exprs import MEMBERS
from rulekit.pyeval.trace import MEMBER_IDS, TracedClause, traced_clauses
from rulekit.pyeval.types import metric_type
from rulekit.reasons import outcome_reasons, reward_reason
from rulekit.result_schema import scale_of
from rulekit.results import ClauseOutcome, MetricValue, ParticipantResult, ParticipantSource, RewardAmount
from rulekit.sql.metrics import MID, PID, column_col, den_col, metric_col
from rulekit.sql.rewards import (
    before_col,
    due_col,
    paid_col,
    rank_col,
    waived_col,
)

# How to read one value from a result row (a tuple in the query's column order).
Reader = Callable[[tuple[Any, ...]], Any]
_BLOCK = 4096  # rows converted to Python at a time


def _nothing(row: tuple[Any, ...]) -> None:
    return None


def _column(index: dict[str, int], name: str) -> Reader:
    """A reader of column ``name``; a column the query does not have reads as ``None``."""
    return itemgetter(index[name]) if name in index else _nothing


def _metric_reader(program: ir.Program, name: str, index: dict[str, int], currency: str) -> Reader:
    """A reader of metric ``name`` as the evaluators hold it: ``int`` counts, ``Decimal`` amounts
    and seconds, exact ``Fraction`` ratios, ``None`` for no value."""
    shape, kind = _metric_shape(program, name)
    value, den = _column(index, metric_col(name)), _column(index, den_col(name))

    def ratio(row: tuple[Any, ...]) -> Fraction | None:
        num, by = value(row), den(row)
        return None if num is None or by is None or by == 0 else Fraction(num) / Fraction(by)

    def fraction(row: tuple[Any, ...]) -> Fraction | None:  # a computed quotient: time in microseconds
        found = ratio(row)
        return found / 1_000_000 if found is not None and kind == "duration" else found

    def average(row: tuple[Any, ...]) -> Decimal | Fraction | None:
        total, by = value(row), den(row)
        if total is None or not by:
            return None
        mean = Fraction(total) / Fraction(by)
        return exact(mean / 1_000_000 if kind == "duration" else mean)  # as `decide` holds it

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
        if kind == "timestamp" and isinstance(found, dt.datetime) and found.tzinfo is None:
            return found.replace(tzinfo=dt.UTC)  # `latest ts in …` (issue 10): an instant, as `decide` holds it
        return found

    return {"ratio": ratio, "average": average, "fraction": fraction}.get(shape, plain)


def _metric_shape(program: ir.Program, name: str) -> tuple[str, str]:
    """(``ratio`` / ``average`` / ``value``, value type) of a metric."""
    metric = program.metric(name)
    assert metric is not None
    definition = metric.definition
    shape = "ratio" if isinstance(definition, ir.Ratio) else "value"
    if isinstance(definition, ir.Aggregate) and definition.func is ir.AggregateFunc.AVERAGE:
        shape = "average"
    if isinstance(definition, ir.Computed) and metric_shape(program, metric) is Shape.QUOTIENT:
        shape = "fraction"
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

    def values(self, row: tuple[Any, ...]) -> dict[str, Any]:
        """Columns and metrics by name, as the evaluators (and the reasons) read them."""
        found = {name: read(row) for name, read in self.columns}
        found.update({name: read(row) for name, read in self.metrics})
        return found

    def reported(self, row: tuple[Any, ...]) -> dict[str, MetricValue]:
        return {name: read(row) for name, read in self.metrics}


def _readers(
    program: ir.Program, table: ir.Table | None, metrics: tuple[str, ...], index: dict[str, int], currency: str
) -> _Readers:
    return _Readers(
        columns=tuple((c.name, _column(index, column_col(c.name))) for c in (table.columns if table else ())),
        metrics=tuple((m, _metric_reader(program, m, index, currency)) for m in metrics),
    )


@dataclass(frozen=True)
class _Clause:
    clause: ir.Clause
    holds: Reader
    judged: Reader
    traced: TracedClause  # the compiled tracer its reason is worded from


@dataclass(frozen=True)
class _Reward:
    reward: ir.Reward
    kind: str  # the registry name of its kind (rulekit.plan.kinds)
    paid: Reader
    before: Reader
    extra: tuple[tuple[str, Reader], ...]  # rank, ranked, tied (prizes) or orders (subsidies)


@dataclass(frozen=True)
class RowPlan:
    """Everything about reading a participant's row that does not depend on the row."""

    program: ir.Program
    bound: Plan  # the program's plan
    name: str  # the program's name
    quantum: Decimal  # the minor unit
    places: int  # the minor unit's digits
    pid: int
    eligible: Reader
    qualified: Reader
    disqualified: Reader
    participant: _Readers
    clauses: tuple[_Clause, ...]
    rank: Reader | None
    rewards: tuple[_Reward, ...]
    commission_due: tuple[Reader, ...] | None
    commission_waived: tuple[Reader, ...] | None
    member: _Readers | None  # None without a members query
    member_owner: Reader
    member_id: Reader
    quantified: bool  # a clause has a quantifier: its trace reads the members


def make_plan(
    bound: Plan,
    compiled: CompiledSettlement,
    columns: Sequence[str],
    member_columns: Sequence[str],
    currency: str,
) -> RowPlan:
    """The plan for rows with these columns (cache it per program and column lists)."""
    program = bound.program
    index = {name: i for i, name in enumerate(columns)}
    mindex = {name: i for i, name in enumerate(member_columns)}
    ptable = program.table(program.participant.table) if program.participant else None
    mtable = program.table(program.member.table) if program.member else None
    clauses = tuple(
        _Clause(c.plan.decl, _column(index, holds_col(c.plan.name)), _column(index, judged_col(c.plan.name)), c)
        for c in traced_clauses(bound)
    )
    primary = primary_ranking(program)
    commissions = [r for r in program.rewards if not kind_of(r).paid]  # charged, reported beside the payout
    return RowPlan(
        program=program,
        bound=bound,
        name=program.header.name if program.header else "",
        quantum=minor_unit(currency),
        places=scale_of(currency),
        pid=index[PID],
        eligible=_column(index, "eligible"),
        qualified=_column(index, "qualified"),
        disqualified=_column(index, "disqualified"),
        participant=_readers(program, ptable, compiled.participant_metrics, index, currency),
        clauses=clauses,
        rank=_column(index, rank_col(primary)) if primary else None,
        rewards=tuple(_reward_plan(r, index) for r in program.rewards if kind_of(r).paid),
        commission_due=tuple(_column(index, due_col(c.name)) for c in commissions) if commissions else None,
        commission_waived=tuple(_column(index, waived_col(c.name)) for c in commissions) if commissions else None,
        member=_readers(program, mtable, compiled.member_metrics, mindex, currency) if member_columns else None,
        member_owner=_column(mindex, PID),
        member_id=_column(mindex, MID),
        quantified=any(c.quantifiers for c in bound.clauses),
    )


def _reward_plan(reward: ir.Reward, index: dict[str, int]) -> _Reward:
    kind = kind_of(reward)
    extra = tuple((field, _column(index, column)) for field, column in kind.row_extras(reward))
    paid, before = _column(index, paid_col(reward.name)), _column(index, before_col(reward.name))
    return _Reward(reward, kind.name, paid, before, extra)


def primary_ranking(program: ir.Program) -> str | None:
    """The ranking of the first prize, else the first ranking: the one ``rank`` reports."""
    for reward in program.rewards:
        ranking = kind_of(reward).ranking(reward)
        if ranking is not None:
            return ranking[0]
    return program.rankings[0].name if program.rankings else None


# ------------------------------------------------------------------------ rows


class _RowBlocks:
    """The rows of an Arrow table as Python tuples, converted a block at a time when first read."""

    def __init__(self, table: pa.Table) -> None:
        self._table = table
        self._blocks: dict[int, list[tuple[Any, ...]]] = {}

    def __len__(self) -> int:
        return int(self._table.num_rows)

    def row(self, index: int) -> tuple[Any, ...]:
        start = index - index % _BLOCK
        block = self._blocks.get(start)
        if block is None:
            if len(self._blocks) >= 8:  # keep a few blocks: reading in order needs one at a time
                self._blocks.clear()
            part = self._table.slice(start, _BLOCK)
            block = self._blocks[start] = list(zip(*(c.to_pylist() for c in part.columns), strict=True))
        return block[index - start]

    def all(self) -> list[tuple[Any, ...]]:
        return list(zip(*(c.to_pylist() for c in self._table.columns), strict=True))


class RowSource(ParticipantSource):
    """A settlement's participants read from the query's rows (sorted in settlement order)."""

    def __init__(self, plan: RowPlan, rows: pa.Table, members: pa.Table | None, table: pa.Table, due: dt.date | None):
        self._plan = plan
        self._rows = _RowBlocks(rows)
        self._member_table = members
        self._members: dict[str, list[tuple[Any, ...]]] | None = None
        self._table = table
        self._due = due
        self._ids: list[str] | None = None
        self._memo: dict[Any, str] = {}

    def __len__(self) -> int:
        return len(self._rows)

    def ids(self) -> Sequence[str]:
        if self._ids is None:
            self._ids = [str(v) for v in self._table.column("id").to_pylist()]
        return self._ids

    def table(self) -> pa.Table:
        return self._table

    def read(self, index: int) -> ParticipantResult:
        row = self._rows.row(index)
        return _participant(self._plan, row, self._members_of(str(row[self._plan.pid])), self._due, self._memo)

    def _members_of(self, pid: str) -> list[tuple[Any, ...]]:
        if self._member_table is None:
            return []
        if self._members is None:  # grouped once, on the first read of a participant
            owned: dict[str, list[tuple[Any, ...]]] = {}
            for row in _RowBlocks(self._member_table).all():
                owned.setdefault(str(self._plan.member_owner(row)), []).append(row)
            self._members = owned
        return self._members.get(pid, [])


# ------------------------------------------------------------------------ one participant


def _participant(
    plan: RowPlan, row: tuple[Any, ...], members: list[tuple[Any, ...]], due: dt.date | None, memo: dict[Any, str]
) -> ParticipantResult:
    wording = _Wording(plan, row, members, memo)
    clauses = [wording.clause(c) for c in plan.clauses]
    qualified = bool(plan.qualified(row))
    rewards = [wording.reward(r) for r in plan.rewards] if qualified else []
    total = sum((r.amount for r in rewards), Decimal(0).quantize(plan.quantum))
    member_metrics = {}
    if plan.member is not None:
        found = {str(plan.member_id(m)): plan.member.reported(m) for m in members}
        member_metrics = dict(sorted(found.items()))
    return ParticipantResult(
        program=plan.name,
        id=str(row[plan.pid]),
        eligible=bool(plan.eligible(row)),
        qualified=qualified,
        disqualified=bool(plan.disqualified(row)),
        warnings=[c.name for c in clauses if c.kind == "warn" and c.holds and c.judged],
        metrics=plan.participant.reported(row),
        members=member_metrics,
        clauses=clauses,
        rank=_int(plan.rank(row)) if plan.rank is not None else None,
        rewards=rewards,
        commission_due=_sum_minor(plan, row, plan.commission_due),
        commission_waived=_sum_minor(plan, row, plan.commission_waived),
        total_payout=total,
        payout_due=due if total > 0 else None,
        reasons=outcome_reasons(clauses, qualified),  # the same function words decide's
    ).under(plan.program)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _money(minor_units: Any, plan: RowPlan) -> Decimal:
    return Decimal(int(minor_units or 0)).scaleb(-plan.places).quantize(plan.quantum)


def _sum_minor(plan: RowPlan, row: tuple[Any, ...], readers: tuple[Reader, ...] | None) -> Decimal | None:
    return None if readers is None else _money(sum(int(read(row) or 0) for read in readers), plan)


class _Wording:
    """Words one participant's clause outcomes and rewards from its row and its members' rows."""

    __slots__ = ("_env", "_member_values", "_values", "members", "memo", "plan", "row")

    def __init__(
        self, plan: RowPlan, row: tuple[Any, ...], members: list[tuple[Any, ...]], memo: dict[Any, str]
    ) -> None:
        self.plan, self.row, self.members, self.memo = plan, row, members, memo
        self._values: dict[str, Any] | None = None
        self._member_values: dict[str, dict[str, Any]] | None = None
        self._env: dict[str, Any] | None = None

    def values(self) -> dict[str, Any]:
        """The participant's columns and metrics, as the evaluators hold them."""
        if self._values is None:
            self._values = self.plan.participant.values(self.row)
        return self._values

    def member_values(self) -> dict[str, dict[str, Any]]:
        """member id → the member's columns and metrics, as the evaluators hold them."""
        if self._member_values is None:
            readers = self.plan.member
            found: dict[str, dict[str, Any]] = {}
            if readers is not None:
                found = {str(self.plan.member_id(m)): readers.values(m) for m in self.members}
            self._member_values = found
        return self._member_values

    def env(self) -> dict[str, Any]:
        """What the clauses' tracers read: the participant's values and, when a clause has a
        quantifier, each member's values (over the participant's) under ``MEMBERS``."""
        if self._env is None:
            env = self._env = dict(self.values())
            if self.plan.quantified:
                members = self.member_values()
                env[MEMBERS] = [{**self.values(), **values} for values in members.values()]
                env[MEMBER_IDS] = list(members)
        return self._env

    def clause(self, planned: _Clause) -> ClauseOutcome:
        """The outcome of one clause, with its reason worded from the compiled tracer run over this
        row's values: the same tracer, over the same values, as ``decide`` (memoised within a
        settlement by the values the words read)."""
        clause = planned.clause
        holds, judged = bool(planned.holds(self.row)), bool(planned.judged(self.row))
        reason = traced_reason(self.plan.bound, planned.traced, self.env(), self.memo, clause_reason)
        return ClauseOutcome(name=clause.name, kind=clause.kind.value, holds=holds, judged=judged, reason=reason)

    def reward(self, planned: _Reward) -> RewardAmount:
        """What the participant gets from one reward, and why, with the arithmetic."""
        amount, before = _money(planned.paid(self.row), self.plan), _money(planned.before(self.row), self.plan)
        extra: dict[str, Any] = {k: _int(read(self.row)) for k, read in planned.extra}
        if "tied" in extra:
            extra["tied"] = extra["tied"] or 1
        reason = reward_reason(
            self.plan.program, planned.reward, self.values(), amount=amount, before_limits=before, **extra
        )
        return RewardAmount(
            name=planned.reward.name, kind=planned.kind, amount=amount, before_limits=before, reason=reason
        )
