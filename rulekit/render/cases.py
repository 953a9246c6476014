"""Constructed cases for the worked examples, decided by the engine itself.

A worked example must never contradict the rules, so its numbers are not computed
here: a :class:`Case` holds made-up values for the participant's columns and metrics
(and its members'), chosen to meet or fail the conditions of the rule file, and
:meth:`Case.decide` runs the single-decision evaluator (``pyeval``) on them, given as
metric values (``docs/api.md``, "Metric values instead of events"). What a single
decision cannot know (rank, budgets, ``max orders``) is applied by the arithmetic of
``docs/semantics.md`` in :func:`scaled_share` and :func:`first_come_share`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import ROUND_DOWN, Decimal
from typing import Any

from rulekit import ir
from rulekit.compile_py import PyProgram, compile_program
from rulekit.money import minor_unit
from rulekit.plan import Plan
from rulekit.pyeval.decision import decide
from rulekit.results import Decision
from rulekit.types import Kind

# A value a case gives: a literal of the rule file's own kind (so documents format it
# like the rule), a string, or a yes/no flag.
Value = ir.Money | ir.Percent | ir.Duration | ir.Number | str | bool

PARTICIPANT_ID = "P1"
_LITERALS = (ir.Money, ir.Percent, ir.Duration, ir.Number, ir.String, ir.Bool)
_DEFAULT_SAMPLE = 20  # orders behind a ratio no sample size speaks of


@dataclass(frozen=True)
class Case:
    """Made-up facts about one participant: columns, metric values, members' values."""

    columns: dict[str, Value] = field(default_factory=dict)
    metrics: dict[str, Value] = field(default_factory=dict)
    members: tuple[dict[str, Value], ...] = ()

    def with_metric(self, name: str, value: Value) -> Case:
        return replace(self, metrics={**self.metrics, name: value})

    def with_base(self, plan: Plan, name: str, value: Value, keep: frozenset[str] = frozenset()) -> Case:
        """The case with the metric ``name`` at ``value``. A computed metric read from one
        value the case already gives (``min(growth, $10,000)``) is set through that value,
        so the engine computes it; names in ``keep`` (a condition under test) are kept."""
        metric = plan.metric(name)
        if metric is None or name in keep:
            return self
        given = [d for d in metric.depends if d in self.metrics]
        if metric.func is None and given:
            if len(given) != 1 or given[0] in keep:
                return self
            return self.with_metric(given[0], value)
        return self.with_metric(name, value)


# ------------------------------------------------------------------ choosing values


def _scaled(literal: ir.Literal, factor: Decimal) -> Value:
    """``literal`` times ``factor`` in two significant figures, of the same kind."""
    from rulekit.render.examples import round_figure

    match literal:
        case ir.Money():
            return ir.Money(round_figure(literal.amount * factor), literal.currency)
        case ir.Duration():
            return ir.Duration(round_figure(literal.amount * factor), literal.unit)
        case ir.Percent():
            return ir.Percent(round_figure(literal.value * factor))
        case ir.Number():
            return ir.Number(round_figure(literal.value * factor).to_integral_value())
    raise TypeError(f"not a number: {literal!r}")


def _one(literal: ir.Literal) -> Value:
    """A small positive value of ``literal``'s kind, for a threshold of zero."""
    match literal:
        case ir.Money():
            return ir.Money(Decimal(1000), literal.currency)
        case ir.Duration():
            return ir.Duration(Decimal(1), literal.unit)
        case ir.Percent():
            return ir.Percent(Decimal(10))
    return ir.Number(Decimal(1))


def meeting(op: ir.CompareOp, literal: ir.Literal) -> Value:
    """A value ``v`` for which ``v <op> literal`` holds, clearly (not at the threshold)."""
    if isinstance(literal, ir.String | ir.Bool):
        other: Value = "other" if isinstance(literal, ir.String) else not literal.value
        same: Value = literal.value
        return same if op is ir.CompareOp.EQ else other
    if isinstance(literal, ir.Number) and literal.value == literal.value.to_integral_value():
        step = {ir.CompareOp.GT: 1, ir.CompareOp.GE: 0, ir.CompareOp.LT: -1, ir.CompareOp.LE: 0}
        return ir.Number(literal.value + step.get(op, 1 if op is ir.CompareOp.NE else 0))
    amount = literal.value if isinstance(literal, ir.Number | ir.Percent) else getattr(literal, "amount", Decimal(0))
    if op in (ir.CompareOp.GT, ir.CompareOp.GE, ir.CompareOp.NE):
        return _scaled(literal, Decimal("1.5")) if amount > 0 else _one(literal)
    if op in (ir.CompareOp.LT, ir.CompareOp.LE):
        return _scaled(literal, Decimal("0.5"))
    return _scaled(literal, Decimal(1))


_INVERSE = {
    ir.CompareOp.GT: ir.CompareOp.LE,
    ir.CompareOp.GE: ir.CompareOp.LT,
    ir.CompareOp.LT: ir.CompareOp.GE,
    ir.CompareOp.LE: ir.CompareOp.GT,
    ir.CompareOp.EQ: ir.CompareOp.NE,
    ir.CompareOp.NE: ir.CompareOp.EQ,
}


def failing(op: ir.CompareOp, literal: ir.Literal) -> Value:
    """A value that just misses ``op literal``: 13 hours for ``> 14 hours``, 19 for ``>= 20``."""
    if isinstance(literal, ir.Number | ir.String | ir.Bool) or op in (ir.CompareOp.EQ, ir.CompareOp.NE):
        return meeting(_INVERSE[op], literal)
    amount = literal.value if isinstance(literal, ir.Percent) else getattr(literal, "amount", Decimal(0))
    if amount == 0:
        return _scaled(literal, Decimal(1))
    below = op in (ir.CompareOp.GT, ir.CompareOp.GE)
    return _scaled(literal, Decimal("0.9") if below else Decimal("1.1"))


@dataclass
class Chooser:
    """Collects values that make conditions of one program hold (or not)."""

    plan: Plan
    values: dict[str, Value] = field(default_factory=dict)
    members: list[dict[str, Value]] = field(default_factory=list)

    def want(self, expr: ir.Expr, holds: bool, into: dict[str, Value] | None = None) -> None:
        """Choose values so that ``expr`` is ``holds``; names already chosen are kept."""
        target = self.values if into is None else into
        match expr:
            case ir.NameRef(name=name):
                target.setdefault(name, holds)
            case ir.Not(operand=operand):
                self.want(operand, not holds, into)
            case ir.Compare(op=op, left=ir.NameRef(name=name), right=right) if isinstance(right, _LITERALS):
                value = meeting(op, right) if holds else failing(op, right)
                if not self._ratio(name, value, target):
                    target.setdefault(name, value)
            case ir.InList(operand=ir.NameRef(name=name), options=options, negated=negated) if options:
                inside = holds != negated
                first = options[0]
                chosen: Value | None = first.value if isinstance(first, ir.String | ir.Bool) else None
                if isinstance(first, ir.Money | ir.Percent | ir.Duration | ir.Number):
                    chosen = first
                if chosen is not None:
                    target.setdefault(name, chosen if inside else "other")
            case ir.BoolOp(op=op, operands=operands):
                every = (op is ir.BoolOperator.AND) == holds
                for operand in operands if every else operands[:1]:
                    self.want(operand, holds, into)
            case ir.Quantified():
                self._quantified(expr, holds)

    def _ratio(self, name: str, value: Value, target: dict[str, Value]) -> bool:
        """A ratio is given as its two counts: ``value`` of a sample (the denominator
        chosen already, else 20), so the example can say "7 of 20 orders"."""
        metric = self.plan.metric(name)
        if metric is None or metric.parts is None or not isinstance(value, ir.Percent):
            return False
        numerator, denominator = metric.parts
        sample = target.get(denominator)
        count = sample.value if isinstance(sample, ir.Number) else Decimal(_DEFAULT_SAMPLE)
        target.setdefault(denominator, ir.Number(count))
        share = (value.value * count / 100).to_integral_value()
        target.setdefault(numerator, ir.Number(share))
        return True

    def _quantified(self, q: ir.Quantified, holds: bool) -> None:
        """Members for ``every``/``at least one``/``at least N``/``no``: enough of them pass."""
        need = q.count or 1
        size = max(2, need)
        passing = {
            ir.Quantifier.EVERY: size if holds else size - 1,
            ir.Quantifier.ANY: size if holds else 0,
            ir.Quantifier.AT_LEAST: need if holds else need - 1,
            ir.Quantifier.NO: 0 if holds else 1,
        }[q.quantifier]
        while len(self.members) < size:
            self.members.append({})
        for index, member in enumerate(self.members):
            self.want(q.body, index < passing, member)

    def case(self) -> Case:
        return Case(metrics=dict(self.values), members=tuple(dict(m) for m in self.members))


def qualifying(program: ir.Program, plan: Plan, *, skip: str | None = None) -> Chooser:
    """Values under which a participant may take part, meets every requirement and is
    neither warned nor disqualified; the clause called ``skip`` is left for the caller."""
    chooser = Chooser(plan)
    for clause in program.clauses:
        if clause.name == skip:
            continue
        holds = clause.kind in (ir.ClauseKind.ELIGIBLE, ir.ClauseKind.GATE)
        chooser.want(clause.condition, holds)
    return chooser


# ------------------------------------------------------------------ deciding


class Decider:
    """Runs the single-decision evaluator on cases of one program."""

    def __init__(self, program: ir.Program, plan: Plan) -> None:
        self.program, self.plan = program, plan
        self._py: PyProgram = compile_program(program, plan)

    def decide(self, case: Case, order: dict[str, Any] | None = None) -> Decision:
        """The engine's decision for ``case`` (for one order of it, when ``order`` is given)."""
        return decide(self._py, self._py.read(self.facts(case, order)))

    def facts(self, case: Case, order: dict[str, Any] | None = None) -> dict[str, Any]:
        plan, program = self.plan, self.program
        participant = program.participant
        out: dict[str, Any] = {t.name: [] for t in program.tables}
        if participant is not None:
            out[participant.table] = self._row(participant.table, {**case.metrics, **case.columns}, PARTICIPANT_ID)
        member = program.member
        if member is not None:
            rows = case.members or ({},)
            out[member.table] = [self._member(member.table, values, index) for index, values in enumerate(rows)]
        for metric in plan.participant_metrics():
            given = self._metric_value(metric.name, case)
            if given is not None:
                out[metric.name] = given
        if order is not None:
            table, row = order["table"], order["row"]
            out[table] = self._row(table, row, f"{PARTICIPANT_ID}-o1")
        return out

    def _metric_value(self, name: str, case: Case) -> Any:
        """What a case gives for a participant metric: its chosen value, else zero for a
        metric read straight from events; ratios and computed metrics are left to the engine."""
        metric = self.plan.metric(name)
        if metric is None or metric.is_ratio:
            return None
        if name in case.metrics:
            return _given(case.metrics[name])
        return 0 if metric.func is not None else None

    def _row(self, table: str, values: dict[str, Value], key: str) -> dict[str, Any]:
        declared = self.program.table(table)
        row: dict[str, Any] = {}
        if declared is None:
            return row
        for column in declared.columns:
            if column.name in values:
                row[column.name] = _given(values[column.name])
            else:
                row[column.name] = self._default(column)
        for name in declared.key:
            if name not in values:
                row[name] = key
        participant = self.program.participant
        participant_table = self.program.table(participant.table) if participant is not None else None
        if participant_table is not None and table != participant_table.name:
            for name in participant_table.key:
                if declared.column(name) is not None:
                    row[name] = PARTICIPANT_ID
        return row

    def _member(self, table: str, values: dict[str, Value], index: int) -> dict[str, Any]:
        columns = {k: v for k, v in values.items() if self.plan.metric(k) is None}
        row = self._row(table, columns, f"{member_id(index)}")
        declared = self.program.table(table)
        if declared is not None and declared.key:
            row[declared.key[-1]] = member_id(index)
        for metric in self.plan.member_metrics():
            value = values.get(metric.name)
            row[metric.name] = _given(value) if value is not None else (0 if metric.func is not None else None)
            if row[metric.name] is None:
                del row[metric.name]
        return row

    def _default(self, column: ir.Column) -> Any:
        """A plain value of the column's type: empty text, no, zero, the first of 2024."""
        if column.type is None:
            return ""
        return {
            ir.ColumnType.STRING: "",
            ir.ColumnType.BOOL: False,
            ir.ColumnType.INT: 0,
            ir.ColumnType.MONEY: "0",
            ir.ColumnType.DECIMAL: "0",
            ir.ColumnType.PERCENT: "0",
            ir.ColumnType.DURATION: 0,
            ir.ColumnType.TIMESTAMP: "2024-01-01T00:00:00Z",
            ir.ColumnType.DATE: "2024-01-01",
        }.get(column.type, "")


def member_id(index: int) -> str:
    return f"M{index + 1}"


def _given(value: Value) -> Any:
    """A chosen value as the facts reader takes it (``docs/api.md``)."""
    match value:
        case ir.Money():
            return f"{value.amount:f}"
        case ir.Duration():
            return f"{value.total_seconds:f}"
        case ir.Percent():
            return f"{value.value:f}%"
        case ir.Number():
            return f"{value.value:f}"
    return value


def value_kind(plan: Plan, name: str) -> Kind | None:
    metric = plan.metric(name)
    return metric.type.kind if metric is not None else None


# ------------------------------------------------------------- settlement limits


def scaled_share(amount: Decimal, pool: Decimal, total: Decimal, currency: str) -> Decimal:
    """``overflow: scale down``: ``amount × pool / total``, rounded down to the minor unit
    (``docs/semantics.md``; the SQL divides whole minor units the same way)."""
    if total <= pool:
        return amount
    return (amount * pool / total).quantize(minor_unit(currency), rounding=ROUND_DOWN)


def first_come_share(amount: Decimal, left: Decimal) -> Decimal:
    """``overflow: first come``: what is left of the pool, at most the amount."""
    return max(Decimal(0), min(amount, left))


def utc_text(moment: dt.datetime) -> str:
    """An aware moment as the facts reader's ISO text in UTC."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
