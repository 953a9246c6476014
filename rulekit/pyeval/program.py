"""A program compiled to closures, and the evaluation of one participant.

Everything that does not depend on the facts is done once, in :class:`PyProgram`'s
constructor: names are resolved, windows turned into bound functions, literals into
comparable values, metrics ordered so ratios follow their parts. A decision then only
runs closures over the facts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, NamedTuple
from zoneinfo import ZoneInfo

from rulekit import codes, ir
from rulekit.contract import member_key, participant_key, required_columns
from rulekit.diagnostics import error
from rulekit.facts import (
    Facts,
    FactsError,
    Row,
    TableShape,
    check_periods,
    read_facts,
    table_shape,
)
from rulekit.money import minor_unit, round_money
from rulekit.plan import Level, Plan, bind
from rulekit.plan.kinds import kind_of
from rulekit.pyeval import rewards as arithmetic
from rulekit.pyeval.arith import ComputedFn, compile_computed
from rulekit.pyeval.buckets import BucketCounter, compile_bucket_count
from rulekit.pyeval.entities import (
    compile_counted,
    compile_entities,
    counted_keys,
    entity_names,
    refuse_given,
    with_entity_values,
)
from rulekit.pyeval.exprs import MEMBERS, CompileError, Fn, Scope, compile_expr
from rulekit.pyeval.given import needed_tables, split_given
from rulekit.pyeval.metrics import Bounds, BoundsFn, MetricFn, compile_aggregate, compile_row_filter, compile_window
from rulekit.pyeval.scopes import scopes
from rulekit.pyeval.trace import MEMBER_IDS, TracedClause, traced_clauses
from rulekit.pyeval.values import ratio
from rulekit.rewards.base import AnyKind, OrderSource

ZERO = Decimal(0)


class EffectOutcome(NamedTuple):
    """One per-order effect: the commission charged or the subsidy paid on one order.

    A named tuple, not a dataclass: it is built on the decision hot path.
    """

    name: str
    kind: Literal["commission", "subsidy"]
    order_id: str
    applies: bool  # the waiver rate applied / the order was subsidised
    rate: Decimal | None  # commission rate as a fraction; None for subsidies
    amount: Decimal
    base: Decimal  # the column the effect is computed on (item total, shipping fee)


class OrderDecision(NamedTuple):
    """The fast-path result of :meth:`PyProgram.decide_order`."""

    participant_id: str
    order_id: str
    eligible: bool
    qualified: bool
    effects: tuple[EffectOutcome, ...]

    @property
    def commission(self) -> Decimal:
        return sum((e.amount for e in self.effects if e.kind == "commission"), ZERO)

    @property
    def subsidy(self) -> Decimal:
        return sum((e.amount for e in self.effects if e.kind == "subsidy"), ZERO)


@dataclass
class Evaluation:
    """One participant evaluated: metrics (ratios as exact fractions), clause outcomes."""

    participant_id: str
    row: Row
    metrics: dict[str, Any]
    members: dict[str, dict[str, Any]]
    member_rows: dict[str, Row]
    outcomes: list[tuple[ir.Clause, bool, bool]]  # (clause, holds, judged)
    eligible: bool
    disqualified: bool
    qualified: bool
    warnings: list[str] = field(default_factory=list)
    env: dict[str, Any] = field(default_factory=dict)  # what the clauses were evaluated over (for traces)
    counted: dict[str, list[str]] = field(default_factory=dict)  # nested aggregates: the entity keys kept


@dataclass(frozen=True)
class _MetricStep:
    metric: ir.Metric
    per_member: bool
    aggregate: MetricFn | None  # None for ratios and computed metrics
    table: str | None
    window: str | None
    computed: ComputedFn | None = None  # a computed metric (`rulekit.pyeval.arith`)
    counter: BucketCounter | None = None  # `count days …` (calendar buckets, `rulekit.pyeval.buckets`)


class CompiledEffect:
    """A per-order reward (commission, subsidy) compiled for one event table:
    ``effect.run(row, participant, eligible, qualified)`` gives the :class:`EffectOutcome`
    of one order. The closure is its kind's (:mod:`rulekit.rewards`)."""

    def __init__(
        self,
        reward: ir.Reward,
        order: OrderSource,
        table: ir.Table,
        matches: Callable[[Row, Bounds | None], bool],
        window: BoundsFn | None,
        code: str,
    ) -> None:
        self.reward = reward
        self.kind = kind_of(reward)
        self.order = order  # its table, money column and filters
        self.table = table
        self.matches = matches  # during + where
        self.window = window
        self.order_key = table.key[0] if table.key else None
        self.zero = round_money(ZERO, code)
        self.quantum = minor_unit(code)
        self.code = code
        # ``run(row, participant, eligible, qualified)``: a closure specialised for the kind.
        self.run = self.kind.compile_effect(self)


class PyProgram:
    """An ``ir.Program`` compiled to Python closures for single decisions."""

    def __init__(self, program: ir.Program, plan: Plan | None = None) -> None:
        self.ir = program
        # Texts and values derived from the program alone, filled in lazily by callers.
        self.cache: dict[Any, Any] = {}
        if program.participant is None or program.table(program.participant.table) is None:
            raise CompileError([error(codes.RK955, "the program has no participant table", _span(program))])
        self.plan: Plan = plan if plan is not None else bind(program)
        self.tz: ZoneInfo = self.plan.tz
        self.currency = self.plan.currency
        self.participant_table = program.participant.table
        self.participant_key = participant_key(program)
        self.member_table = program.member.table if program.member else None
        self.member_key = member_key(program)
        self.shapes: dict[str, TableShape] = {
            t.name: table_shape(t, required_columns(program, t), self.currency) for t in program.tables
        }
        self.windows: dict[str, BoundsFn] = {w.name: compile_window(w, self.tz) for w in self.plan.windows}
        self._steps = self._plan_metrics()
        self._entities = compile_entities(self.plan)  # sub-entities (issue 10, construct 4)
        self._counted = compile_counted(self.plan)
        self._needed = self._clause_needs()
        self._participant_scope, self._member_scope = self._scopes()
        self.clauses: list[tuple[ir.Clause, Fn, Fn | None]] = [
            (
                c,
                compile_expr(c.condition, self._participant_scope),
                compile_expr(c.guard, self._participant_scope) if c.guard is not None else None,
            )
            for c in program.clauses
        ]
        self.rewards: list[tuple[ir.Reward, AnyKind]] = [(r, kind_of(r)) for r in program.rewards]
        self.effects: list[CompiledEffect] = [
            self._compile_effect(r, order) for r in program.rewards if (order := kind_of(r).order(r)) is not None
        ]
        self._uses_members = any(clause.quantifiers for clause in self.plan.clauses)
        self._prepare_fast_path()

    def _prepare_fast_path(self) -> None:
        """What :meth:`decide_order` needs, looked up once."""
        tables = self.effect_tables()
        self._fast_table = tables[0] if len(tables) == 1 else None
        self._fast_effects = [e for e in self.effects if e.table.name == self._fast_table]
        # Clauses that read no metric and no member can run on the participant row as it is.
        self._simple = not self._needed and not self._uses_members
        by_kind = [(c.kind, cond, guard) for c, cond, guard in self.clauses]
        self._eligible = [cond for kind, cond, _ in by_kind if kind is ir.ClauseKind.ELIGIBLE]
        self._gates = [cond for kind, cond, _ in by_kind if kind is ir.ClauseKind.GATE]
        self._disqualify = [(cond, guard) for kind, cond, guard in by_kind if kind is ir.ClauseKind.DISQUALIFY]

    # ------------------------------------------------------------------ compilation

    def _plan_metrics(self) -> list[_MetricStep]:
        """One step per metric, in the plan's order (every ratio or computed metric after its parts)."""
        steps: list[_MetricStep] = []
        for planned in self.plan.metrics:
            if planned.level is Level.ENTITY:
                continue  # computed onto the entity rows first (rulekit.pyeval.entities)
            per_member = planned.level is Level.MEMBER
            definition = planned.decl.definition
            if planned.level is Level.BUCKET:
                continue  # a value per bucket: computed inside the bucket counts that read it
            if planned.count is not None:
                counter = compile_bucket_count(self.plan, planned, self.windows)
                steps.append(_MetricStep(planned.decl, False, None, None, None, counter=counter))
            elif planned.expr is not None:
                compute = compile_computed(planned.expr, planned.type, planned.shape)
                steps.append(_MetricStep(planned.decl, per_member, None, None, None, compute))
            elif isinstance(definition, ir.Aggregate):
                window = planned.window.name if planned.window is not None else None
                extra = entity_names(self.plan, planned.table or "")
                fn = compile_aggregate(self.ir, definition, self.tz, extra=extra, as_of=planned.as_of)
                steps.append(_MetricStep(planned.decl, per_member, fn, planned.table, window))
            else:  # a ratio: its parts come first in the plan's order
                steps.append(_MetricStep(planned.decl, per_member, None, None, None))
        return steps

    def _clause_needs(self) -> set[str]:
        """Metrics the clauses use, with the parts of ratios: all a qualification needs (from the plan)."""
        return set().union(*(clause.metrics for clause in self.plan.clauses))

    def _scopes(self) -> tuple[Scope, Scope | None]:
        return scopes(self.plan)  # the same scopes the tracers of the explanations use

    def _compile_effect(self, reward: ir.Reward, order: OrderSource) -> CompiledEffect:
        table = self.ir.table(order.table)
        if table is None:
            raise CompileError([error(codes.RK954, f"unknown table `{order.table}`", reward.span)])
        window = order.filters.window
        if window is not None and window not in self.windows:
            raise CompileError(
                [error(codes.RK954, f"unknown window `{window}`", order.filters.window_span or reward.span)]
            )
        matches = compile_row_filter(table, order.filters, self.tz, self.ir)
        return CompiledEffect(reward, order, table, matches, self.windows[window] if window else None, self.currency)

    # ------------------------------------------------------------------- evaluation

    def read(self, facts: Any) -> Facts:
        """Check and convert decision facts (raises :class:`FactsError`): tables of events, and
        metric values given instead of the events they come from (:mod:`rulekit.pyeval.given`)."""
        if not isinstance(facts, Mapping):
            return read_facts(self.ir, self.shapes, facts, self.participant_key)
        refuse_given(self.plan, facts, lambda name: self.plan.table(name) is not None)
        given, members = split_given(self.plan, facts)
        optional = {t.name for t in self.plan.tables} - needed_tables(self.plan, given, members)
        out = read_facts(self.ir, self.shapes, facts, self.participant_key, optional)
        out.given, out.given_members = given, members
        return out

    def evaluate(self, facts: Facts, *, only_needed: bool = False) -> Evaluation:
        """Metrics and clause outcomes of one participant.

        ``only_needed`` computes just the metrics the clauses use (an order decision).
        """
        prow = facts.participant
        member_rows = self._member_rows(facts)
        metrics: dict[str, Any] = {}
        members: dict[str, dict[str, Any]] = {mid: {} for mid in member_rows}
        grouped: dict[str, dict[str, list[Row]]] = {}
        if self._entities:  # entity metrics onto the entity rows, before the metrics reading them
            tables = with_entity_values(self._entities, facts.tables, prow, self.windows)
            facts = dataclasses.replace(facts, tables=tables)
        for step in self._steps:
            if only_needed and step.metric.name not in self._needed:
                continue
            self._run_step(step, facts, prow, metrics, members, grouped)
        env: dict[str, Any] = dict(prow)
        env.update(metrics)
        if self._uses_members:
            env[MEMBERS] = [{**env, **member_rows[mid], **members[mid]} for mid in member_rows]
            env[MEMBER_IDS] = list(member_rows)
        outcomes = []
        for clause, condition, guard in self.clauses:
            outcomes.append((clause, condition(env) is True, guard is None or guard(env) is True))
        evaluation = _summarise(self._pid(prow), prow, metrics, members, member_rows, outcomes)
        evaluation.env = env
        if self._counted:  # the listings a nested aggregate kept, for the decision's notes
            evaluation.counted = counted_keys(self._counted, facts.tables, prow, self.windows)
        return evaluation

    def traced_clauses(self) -> tuple[TracedClause, ...]:
        """The clauses compiled to tracers, for explanations (compiled on first use)."""
        found: tuple[TracedClause, ...] | None = self.cache.get("traced_clauses")
        if found is None:
            found = self.cache["traced_clauses"] = traced_clauses(self.plan)
        return found

    def _pid(self, prow: Row) -> str:
        return str(prow.get(self.participant_key or "", "")) if self.participant_key else ""

    def _member_rows(self, facts: Facts) -> dict[str, Row]:
        if self.member_key is None:
            return {}
        return {str(row[self.member_key]): row for row in facts.members}

    def _run_step(
        self,
        step: _MetricStep,
        facts: Facts,
        prow: Row,
        metrics: dict[str, Any],
        members: dict[str, dict[str, Any]],
        grouped: dict[str, dict[str, list[Row]]],
    ) -> None:
        name = step.metric.name
        if name in facts.given:  # given with the facts: not computed (rulekit.pyeval.given)
            metrics[name] = facts.given[name]
            return
        if step.per_member and facts.given_members:
            self._compute(step, facts, prow, metrics, members, grouped)
            for mid, values in members.items():
                if name in facts.given_members.get(mid, {}):
                    values[name] = facts.given_members[mid][name]
            return
        self._compute(step, facts, prow, metrics, members, grouped)

    def _compute(
        self,
        step: _MetricStep,
        facts: Facts,
        prow: Row,
        metrics: dict[str, Any],
        members: dict[str, dict[str, Any]],
        grouped: dict[str, dict[str, list[Row]]],
    ) -> None:
        name = step.metric.name
        definition = step.metric.definition
        if step.counter is not None:
            metrics[name] = step.counter(prow, facts.tables)
            return
        if step.computed is not None:
            compute = step.computed
            if step.per_member:
                for values in members.values():
                    values[name] = compute(_member_lookup(values, metrics))
            else:
                metrics[name] = compute(metrics.get)
            return
        if isinstance(definition, ir.Ratio):
            if step.per_member:
                for values in members.values():
                    top = values.get(definition.numerator, metrics.get(definition.numerator))
                    bottom = values.get(definition.denominator, metrics.get(definition.denominator))
                    values[name] = ratio(top, bottom)
            else:
                metrics[name] = ratio(metrics.get(definition.numerator), metrics.get(definition.denominator))
            return
        assert step.aggregate is not None and step.table is not None
        bounds = self.windows[step.window](prow) if step.window else None
        rows = facts.tables.get(step.table, [])
        if not step.per_member:
            metrics[name] = step.aggregate(rows, bounds)
            return
        by_member = grouped.get(step.table)
        if by_member is None:
            by_member = grouped[step.table] = _group(rows, self.member_key)
        for mid, values in members.items():
            values[name] = step.aggregate(by_member.get(mid, []), bounds)

    def order_effects(self, evaluation: Evaluation, table: str, rows: list[Row]) -> list[EffectOutcome]:
        """The per-order effects of ``rows`` of ``table`` for an evaluated participant."""
        found = []
        for effect in self.effects:
            if effect.table.name != table:
                continue
            for row in rows:
                found.append(effect.run(row, evaluation.row, evaluation.eligible, evaluation.qualified))
        return found

    def effect_tables(self) -> list[str]:
        return list(dict.fromkeys(e.table.name for e in self.effects))

    def decide_order(self, participant_row: Mapping[str, Any], order_row: Mapping[str, Any]) -> OrderDecision:
        """Fast path: the per-order effects of one order of one participant.

        Rows are raw facts (converted and checked here). Metrics the clauses need are
        computed over this one order only, so a program whose eligibility depends on a
        participant's other events should use full facts with ``decide``.
        """
        if self._fast_table is None:
            raise FactsError("decide_order needs a program with per-order effects on exactly one table")
        table, shape = self._fast_table, self.shapes[self._fast_table]
        prow = self.shapes[self.participant_table].row(participant_row, None)
        row = shape.row(order_row, None)
        if shape.period is not None:
            check_periods(shape, [row], single=True)
        key = self.participant_key
        if key is not None and key in row and row[key] != prow[key]:
            raise FactsError(f"the order belongs to {key} {row[key]!r}, not {prow[key]!r}", table, key, None)
        if self._simple:
            eligible, qualified = self._qualify_row(prow)
        else:
            evaluation = self.evaluate(Facts(prow, [], {table: [row]}, {table: row}), only_needed=True)
            eligible, qualified = evaluation.eligible, evaluation.qualified
        effects = tuple([effect.run(row, prow, eligible, qualified) for effect in self._fast_effects])
        order_id = effects[0].order_id if effects else ""
        pid = str(prow[key]) if key is not None else ""
        return OrderDecision(pid, order_id, eligible, qualified, effects)

    def _qualify_row(self, env: Row) -> tuple[bool, bool]:
        """Eligibility and qualification when the clauses read participant columns only."""
        eligible = all(fn(env) is True for fn in self._eligible)
        if not eligible:
            return False, False
        if not all(fn(env) is True for fn in self._gates):
            return True, False
        for condition, guard in self._disqualify:
            if condition(env) is True and (guard is None or guard(env) is True):
                return True, False
        return True, True

    def participant_rewards(self, evaluation: Evaluation) -> list[tuple[ir.Reward, Decimal]]:
        """Per-participant rewards before pool/budget limits (qualifying participants only).

        Prizes depend on the whole population and subsidies on the orders, so they
        are left to the caller.
        """
        if not evaluation.qualified:
            return []
        found: list[tuple[ir.Reward, Decimal]] = []
        for reward, kind in self.rewards:
            raw = kind.py_amount(reward, evaluation.metrics)
            limits = kind.limits(reward)
            if raw is not None and limits is not None:
                found.append((reward, arithmetic.capped(raw, limits, self.currency)))
        return found


def _summarise(
    pid: str,
    prow: Row,
    metrics: dict[str, Any],
    members: dict[str, dict[str, Any]],
    member_rows: dict[str, Row],
    outcomes: list[tuple[ir.Clause, bool, bool]],
) -> Evaluation:
    eligible = all(h for c, h, _ in outcomes if c.kind is ir.ClauseKind.ELIGIBLE)
    gates = all(h for c, h, _ in outcomes if c.kind is ir.ClauseKind.GATE)
    disqualified = any(h and j for c, h, j in outcomes if c.kind is ir.ClauseKind.DISQUALIFY)
    warnings = [c.name for c, h, j in outcomes if c.kind is ir.ClauseKind.WARN and h and j]
    qualified = eligible and gates and not disqualified
    return Evaluation(pid, prow, metrics, members, member_rows, outcomes, eligible, disqualified, qualified, warnings)


def _group(rows: list[Row], key: str | None) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = {}
    if key is None:
        return grouped
    for row in rows:
        value = row.get(key)
        if value is not None:
            grouped.setdefault(str(value), []).append(row)
    return grouped


def _span(program: ir.Program) -> ir.Span:
    return program.header.span if program.header else ir.Span.unknown(program.path)


def _member_lookup(values: dict[str, Any], metrics: dict[str, Any]) -> Callable[[str], Any]:
    """A member's metric values, then the participant's (the parts of a member-level metric)."""
    return lambda part: values.get(part, metrics.get(part))
