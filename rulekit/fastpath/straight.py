"""One straight-line function per program: facts in, outcome out (issue 12, item 2).

:func:`compile_straight` generates ``decide(facts)`` for the service case — the participant
row, its member rows carrying their ``per <member>`` metric values, and the participant-level
metric values at the top level — as one Python function: every column read into a local
and checked by the same rules as :mod:`rulekit.facts` (the common spellings inline, anything
else by the reference converter), the clauses as the straight-line code of
:mod:`rulekit.fastpath.codegen` over those locals (a quantifier loops over member tuples), a
ratio of whole numbers compared by cross-multiplying (never a ``Fraction`` per record), the
rewards a participant earns on its own, and the :class:`~rulekit.fastpath.Outcome` built
from locals. Nothing is converted that the outcome does not read: a timestamp is checked
(real, canonical UTC) and kept as its text, an amount is checked (finite, at most 12
places) and made ``Decimal`` only when a clause or a reward reads it.

What the outcome holds besides (``state``) are the checked values, so metrics, clauses with
reasons and the full decision are built when first read, by the generated reader of
:mod:`rulekit.fastpath.reader` over the same values; the caller's facts are not kept.

It is speculative, like the reader: facts it does not take raise (``Unreadable``, or any
error) and the caller decides them by the slower paths, which decide the same or raise the
documented :class:`~rulekit.errors.FactsError`. A plan it does not handle raises
:class:`~rulekit.fastpath.codegen.Unsupported` at compile time. Names and values are bound
in the namespace or written as ``repr`` literals, never spliced as text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any

from rulekit import ir
from rulekit import types as t
from rulekit.contract import required_columns
from rulekit.facts import CONVERTERS, MAX_WHOLE_DIGITS, TableShape, table_shape
from rulekit.money import minor_unit
from rulekit.plan import Level, MetricPlan, Plan
from rulekit.plan.aggregates import Aggregate, aggregate
from rulekit.plan.model import Shape
from rulekit.pyeval import rewards as arithmetic
from rulekit.pyeval.exprs import _operand, type_of
from rulekit.pyeval.scopes import scopes
from rulekit.pyeval.values import compare
from rulekit.rewards.amounts import MetricAmountKind
from rulekit.rewards.base import RewardKind

from .codegen import _OPS, _TIME_KINDS, Unsupported, _expr, _Gen, _member_names, _summary
from .reader import Unreadable, _given, _ratio

_INT = 2**63 - 1
_WHOLE = 10**MAX_WHOLE_DIGITS
_NUMBERS = (t.Kind.MONEY, t.Kind.DECIMAL, t.Kind.PERCENT, t.Kind.DURATION)
MISSING = object()  # a metric not given (state): the reader computes it when the outcome is read


@dataclass(frozen=True)
class StraightCode:
    """``decide(facts) -> Outcome``, its source, and the names the state is rebuilt with."""

    decide: Callable[[Any], Any]
    source: str
    participant_columns: tuple[str, ...]
    member_columns: tuple[str, ...]  # member row columns, then its given metrics
    given: tuple[str, ...]  # participant-level metrics read from the facts' top level


def compile_straight(plan: Plan, bind: dict[str, Any]) -> StraightCode:
    """Generate and compile the straight-line ``decide`` of ``plan``; ``bind`` holds the
    outcome class and its builders (see ``FastProgram``)."""
    gen = _Straight(plan)
    source = gen.source()
    namespace: dict[str, Any] = {"Unreadable": Unreadable, "_compare": compare, "_tz": plan.tz, **gen.consts}
    namespace |= {"_instant": dt.datetime.fromisoformat, "_D": Decimal, "_ratio": _ratio}
    namespace |= {"_MISSING": MISSING, "_ZERO": arithmetic.ZERO, "_HALF_EVEN": ROUND_HALF_EVEN}
    namespace |= {"_tuple_new": tuple.__new__, **bind}
    exec(compile(source, f"<rulekit straight path: {plan.name}>", "exec"), namespace)  # our source (docstring)
    return StraightCode(namespace["decide"], source, gen.pcols, gen.mcols, gen.given_names)


class _Straight(_Gen):
    """The generation of one straight-line ``decide``."""

    def __init__(self, plan: Plan) -> None:
        super().__init__(plan)
        program = plan.program
        self.shapes = {tb.name: table_shape(tb, required_columns(program, tb), plan.currency) for tb in program.tables}
        self.locals: dict[str, str] = {}  # participant-scope name -> local holding its checked value
        self.decimals: dict[str, str] = {}  # participant metric -> local holding it as Decimal (when read)
        self.ratios: dict[str, tuple[str, str]] = {}  # ratio metric -> the locals of its whole-number parts
        self.member_index: dict[str, int] = {}
        self.member_required: set[str] = set()
        self.fused: dict[int, str] = {}  # id of a quantifier -> its counter in the member loop
        self.counters: list[str] = []
        self.pcols: tuple[str, ...] = ()
        self.mcols: tuple[str, ...] = ()
        self.given_names: tuple[str, ...] = ()
        self.given_count = 0
        self.pre: list[str] = []  # values made once before the clauses (ratios, amounts as Decimal)

    # ------------------------------------------------------------------ hooks

    def const(self, value: Any) -> str:
        # A whole-number amount compares as an int: exactly the same answers, several times faster.
        if type(value) is Decimal and value.is_finite() and value == value.to_integral_value():
            value = int(value)
        return super().const(value)

    def member_ref(self, name: str) -> str:
        return f"m[{self.member_index[name]}]"

    def member_nonnull(self, name: str) -> bool:
        return f"c{self.member_index[name] - 1}" in self.member_required

    def local(self, name: str) -> str:
        if name in self.ratios:
            found = self.names.get(name)
            if found is None:
                top, bottom = self.ratios[name]
                found = self.names[name] = f"r{len(self.names)}"
                self.pre.append(f"    {found} = _ratio({top}, {bottom})")
            return found
        if name in self.decimals:
            return self._decimal(name)
        if name not in self.locals:
            raise Unsupported(f"`{name}` is not read by the straight path")
        return self.locals[name]

    def compare_hook(self, expr: ir.Compare, indent: int) -> str | None:
        """``ratio op p/q`` with whole-number parts: ``top × q op p × bottom``, by the sign of the bottom."""
        left, right = expr.left, expr.right
        if not isinstance(left, ir.NameRef) or left.name not in self.ratios:
            return None
        scope, _ = scopes(self.plan)
        _, constant, is_constant = _operand(right, left, scope)
        if not is_constant or isinstance(constant, bool) or not isinstance(constant, int | Decimal | Fraction):
            return None
        exact = Fraction(constant)
        top, bottom = self.ratios[left.name]
        p, q = exact.numerator, exact.denominator
        op = {ir.CompareOp.EQ: "==", ir.CompareOp.NE: "!=", ir.CompareOp.LT: "<", ir.CompareOp.LE: "<="}
        op |= {ir.CompareOp.GT: ">", ir.CompareOp.GE: ">="}
        flip = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}
        sign = op[expr.op]
        out = self.temp()
        whole = f"type({top}) is int and type({bottom}) is int"
        cross = (
            f"({top} * {q!r} {sign} {p!r} * {bottom} if {bottom} > 0 else {top} * {q!r} {flip[sign]} {p!r} * {bottom})"
        )
        general = self.temp()
        self.emit(indent, f"if {whole}:")
        self.emit(indent + 1, f"{out} = None if {bottom} == 0 else {cross}")
        self.emit(indent, "else:")
        self.emit(indent + 1, f"{general} = _ratio({top}, {bottom})")
        self.emit(indent + 1, f"{out} = None if {general} is None else ({general} {sign} {self.const(exact)})")
        return out

    def quantified_hook(self, expr: ir.Quantified) -> str | None:
        counter = self.fused.get(id(expr))
        if counter is None:
            return None
        out = self.temp()
        self.emit(1, f"{out} = {_count_test(expr, counter)}")
        self.nonnull.add(out)
        return out

    def truth(self, expr: ir.Expr, in_member: bool) -> str | None:
        """A Python test that is ``True`` exactly when ``expr`` is true (not false, not null), or
        ``None`` when the three-valued code of ``codegen`` must compute it."""
        if isinstance(expr, ir.BoolOp):
            parts = [self.truth(o, in_member) for o in expr.operands]
            if any(part is None for part in parts):
                return None
            word = " and " if expr.op is ir.BoolOperator.AND else " or "
            return f"({word.join(p for p in parts if p is not None)})"
        if isinstance(expr, ir.Quantified) and not in_member and id(expr) in self.fused:
            return _count_test(expr, self.fused[id(expr)])
        if isinstance(expr, ir.NameRef | ir.QualifiedRef):
            var = self.value_of(expr, in_member)
            return None if var is None else (var if var in self.nonnull else f"{var} is True")
        if isinstance(expr, ir.Compare):
            return self.compare_truth(expr, in_member)
        return None

    def value_of(self, expr: ir.NameRef | ir.QualifiedRef, in_member: bool) -> str | None:
        """The local holding a name's value as the reference holds it, or ``None``."""
        name = expr.name if isinstance(expr, ir.NameRef) else expr.column
        if in_member:
            index = self.member_index.get(name)
            return None if index is None else f"c{index - 1}"
        if name in self.ratios or name in self.decimals or name not in self.locals:
            return None
        return self.locals[name]

    def compare_truth(self, expr: ir.Compare, in_member: bool) -> str | None:
        left, right = expr.left, expr.right
        if not isinstance(left, ir.NameRef | ir.QualifiedRef) or isinstance(left, ir.POINTS):
            return None
        if not isinstance(right, ir.Money | ir.Percent | ir.Duration | ir.Number | ir.String | ir.Bool):
            return None  # dates and instants: the shared rule
        scope, member_scope = scopes(self.plan)
        here = member_scope if in_member else scope
        if here is None or type_of(left, here) in _TIME_KINDS:
            return None
        var = self.value_of(left, in_member)
        if var is None:
            return None
        _, constant, _ = _operand(right, left, here)
        if constant is None:
            return None
        k = self.const(constant)
        sign = _OPS[expr.op]
        if expr.op is ir.CompareOp.EQ or var in self.nonnull:
            return f"{var} {sign} {k}"  # null == a value is False in Python too
        return f"({var} is not None and {var} {sign} {k})"

    def fuse(self) -> None:
        """Count, inside the member loop, each quantifier whose body reads only the member."""
        for clause in self.plan.clauses:
            for expr in (clause.decl.condition, clause.decl.guard):
                for node in _quantifiers(expr):
                    test = self.truth(node.body, True)
                    if test is None:
                        continue
                    counter = f"q{len(self.fused)}"
                    self.fused[id(node)] = counter
                    self.counters.append(counter)
                    self.emit(2, f"if {test}:")
                    self.emit(3, f"{counter} += 1")

    def _decimal(self, name: str) -> str:
        found = self.names.get(name)
        if found is None:
            raw = self.decimals[name]
            found = self.names[name] = f"d{len(self.names)}"
            self.pre.append(f"    {found} = {_as_decimal(raw)}")
        return found

    # ----------------------------------------------------------------- source

    def source(self) -> str:
        plan = self.plan
        member = plan.member
        if any(r.table is not None for r in plan.rewards):
            raise Unsupported("per-order rewards need their events")
        others = {tb.name for tb in plan.tables} - {plan.participant.table} - ({member.table} if member else set())
        reading: list[str] = []
        self.lines = reading
        self.emit(1, f"if type(facts) is not dict or not {self.const(frozenset(others))}.isdisjoint(facts):")
        self.emit(2, "raise Unreadable")
        self.emit(1, f"raw = facts[{plan.participant.table!r}]")
        self.pcols = self.row(self.shapes[plan.participant.table], "p", 1)
        for name in self.pcols:
            self.locals[name] = f"p{self.pcols.index(name)}"
        if member is not None:
            self.members(member.table, member.key)
        else:
            self.emit(1, "members = ()")
        given = []
        for metric in plan.metrics:
            if metric.level is Level.PARTICIPANT and self.participant_metric(metric):
                given.append(metric.name)
            elif metric.level not in (Level.PARTICIPANT, Level.MEMBER):
                raise Unsupported("a metric that is neither per participant nor per member")
        self.given_names = tuple(given)
        clauses = self.clauses()
        rewards = self.rewards()
        pvalues = _tuple([f"p{i}" for i in range(len(self.pcols))])
        state = f"({pvalues}, members, {_tuple([f'g_{i}' for i in range(len(given))])}, holds)"
        key = plan.participant.key
        pid = f"p{self.pcols.index(key)}" if key in self.pcols else "''"
        ending = [
            "    o = _new(_Outcome)",
            "    o._program = _fast",
            f"    o._state = {state}",
            f"    o.id = {pid} if type({pid}) is str else str({pid})" if key in self.pcols else "    o.id = ''",
            "    o.eligible = eligible",
            "    o.qualified = qualified",
            "    o.disqualified = disqualified",
            "    o.warnings = warned",
            "    o.rewards = rewards",
            "    o.total_payout = total",
            "    o.payout_due = _due if total > 0 else None",
            "    return o",
        ]
        body = ["    " + line for line in (*reading, *self.pre, *clauses, *rewards, *ending)]
        # Facts it does not take (``Unreadable``, a missing key, a bad value): the slower paths.
        lines = ["def decide(facts):", "    try:", *body, "    except Exception:", "        return _fallback(facts)"]
        return "\n".join(lines) + "\n"

    def row(self, shape: TableShape, prefix: str, indent: int) -> tuple[str, ...]:
        """Read ``raw`` into the locals ``<prefix><i>``, checked as the reference reader checks them."""
        if shape.period is not None or shape.currency is not None:
            raise Unsupported("periods and currencies are checked by the reference reader")
        self.emit(indent, "if type(raw) is not dict:")
        self.emit(indent + 1, "raise Unreadable")
        names = []
        for i, (name, convert, required) in enumerate(shape.columns):
            var = f"{prefix}{i}"
            names.append(name)
            if required:
                self.nonnull.add(var)  # the strict converter refuses a null
            self.emit(indent, f"{var} = raw[{name!r}]")
            strict = self.const(_strict(convert, required))
            if convert is CONVERTERS[ir.ColumnType.TIMESTAMP]:
                # Checked (canonical UTC, a real time) and kept as text: the reader converts it when read.
                # The separators in place, then Python's parser checks every digit and range: exactly
                # the strings `_stamp` matches that are real times (tests/test_fastpath.py fuzzes it).
                self.emit(indent, f"if type({var}) is not str or not ({_stamp_shape(var)}):")
                self.emit(indent + 1, f"{var} = {strict}({var})")
                self.emit(indent, "else:")
                self.emit(indent + 1, f"_instant({var})")
                continue
            self.emit(indent, f"if {_unusual(convert, var)}:")
            self.emit(indent + 1, f"{var} = {strict}({var})")
        return tuple(names)

    def members(self, table: str, key: str) -> None:
        shape = self.shapes[table]
        link = self.plan.participant.key
        self.emit(1, f"rows = facts[{table!r}]")
        self.emit(1, "if type(rows) is not list:")
        self.emit(2, "raise Unreadable")
        self.emit(1, "members = []")
        self.emit(1, "seen = set()")
        start = len(self.lines)
        self.emit(1, "for raw in rows:")
        before = set(self.nonnull)
        columns = self.row(shape, "c", 2)
        self.member_required = self.nonnull - before
        self.nonnull = before  # member locals are not the participant's
        metrics = [m for m in self.plan.metrics if m.level is Level.MEMBER]
        for metric in metrics:
            if metric.expr is not None or metric.parts is not None:
                raise Unsupported("a computed member metric")
            var = f"c{len(columns) + metrics.index(metric)}"
            self.emit(2, f"{var} = raw[{metric.name!r}]")  # not given: the reader and the reference
            self.given_value(metric, var, 2, decimal=True)
        self.mcols = (*columns, *(m.name for m in metrics))
        self.member_index = {name: i + 1 for i, name in enumerate(self.mcols)}
        for name in self.member_required:
            self.nonnull.add(name)
        self.fuse()
        self.nonnull -= self.member_required
        if link in columns and link in self.pcols:
            own, theirs = f"c{columns.index(link)}", f"p{self.pcols.index(link)}"
            self.emit(2, f"if {own} != {theirs}:")
            self.emit(3, "raise Unreadable")
        at = f"c{columns.index(key)}"
        self.emit(2, f"mid = {at} if type({at}) is str else str({at})")
        self.emit(2, "if mid in seen:")
        self.emit(3, "raise Unreadable")
        self.emit(2, "seen.add(mid)")
        values = ", ".join(f"c{i}" for i in range(len(columns) + len(metrics)))
        self.emit(2, f"members.append((mid, {values}))")
        if self.counters:
            self.lines.insert(start, f"    {' = '.join(self.counters)} = 0")
        if metrics:
            self.emit(1, "if not members:")
            self.emit(2, "raise Unreadable")  # no member carries values: the reference decides what it needs

    def participant_metric(self, metric: MetricPlan) -> bool:
        """Read a participant metric: given at the top level, or derived when not; returns ``True``."""
        name = metric.name
        if name in {tb.name for tb in self.plan.tables}:
            raise Unsupported("a metric named like a table")
        var = f"g_{self.given_count}"
        self.given_count += 1
        derived = self.derived(metric, var)
        if derived is None and metric.parts is None:
            self.emit(1, f"{var} = facts[{name!r}]")  # given, or events needed: the reference
            self.given_value(metric, var, 1, decimal=False)
            self.hold(metric, var)
            return True
        self.emit(1, f"{var} = facts.get({name!r}, _MISSING)")
        self.emit(1, f"if {var} is not _MISSING:")
        if metric.parts is not None:
            self.emit(2, "raise Unreadable")  # a given ratio: the reader reads it as given
        else:
            self.given_value(metric, var, 2, decimal=False)
        self.emit(1, "else:")
        self.emit(2, derived if derived is not None else "raise Unreadable")  # events needed: the reference
        if metric.parts is None:  # a ratio is compared through its parts (``compare_hook``)
            self.hold(metric, var)
        return True

    def hold(self, metric: MetricPlan, var: str) -> None:
        """Record where a participant metric's checked value is (amounts become Decimal when read)."""
        if metric.type.kind in _NUMBERS:
            self.decimals[metric.name] = var
        else:
            self.locals[metric.name] = var

    def derived(self, metric: MetricPlan, var: str) -> str | None:
        """A statement computing a metric that is not given, or ``None`` (events needed)."""
        name = metric.name
        if metric.parts is not None:
            top, bottom = metric.parts
            if top not in self.locals or bottom not in self.locals:
                raise Unsupported("a ratio of values the straight path does not hold as they are")
            self.ratios[name] = (self.locals[top], self.locals[bottom])
            return "pass"
        definition = metric.decl.definition
        member = self.plan.member
        plain_count = (
            isinstance(definition, ir.Aggregate)
            and _counts_rows(aggregate(definition.func))
            and definition.column is None
            and member is not None
            and metric.table == member.table
            and metric.window is None
            and metric.where is None
        )
        if plain_count:
            return f"{var} = len(members)"
        if metric.expr is not None:
            raise Unsupported("a computed metric")
        return None

    def given_value(self, metric: MetricPlan, var: str, indent: int, *, decimal: bool) -> None:
        """Check the given value in ``var`` (``None`` is unknown); ``decimal``: hold amounts as ``Decimal``."""
        kind, convert = metric.type.kind, self.const(_given(metric))
        if kind in (t.Kind.COUNT, t.Kind.INT):
            self.emit(indent, f"if type({var}) is int:")
            self.emit(indent + 1, f"if not -{_INT + 1} <= {var} <= {_INT}:")
            self.emit(indent + 2, f"{var} = {convert}({var})")
            self.emit(indent, f"elif {var} is not None:")
            self.emit(indent + 1, f"{var} = {convert}({var})")
        elif kind in _NUMBERS:
            # Whole numbers stay int (they compare exactly); a float is checked as its shortest repr
            # (finite, at most 12 places, as the reference reads it) and kept; the rest converted.
            self.emit(indent, f"if type({var}) is int:")
            self.emit(indent + 1, f"if not -{_WHOLE} < {var} < {_WHOLE}:")
            self.emit(indent + 2, f"{var} = {convert}({var})")
            self.emit(indent, f"elif type({var}) is float:")
            self.emit(indent + 1, f"s = repr({var})")
            self.emit(indent + 1, "if 'e' in s or 'n' in s or len(s) - s.find('.') > 13:")
            self.emit(indent + 2, f"{var} = {convert}({var})")
            if decimal:
                self.emit(indent + 1, "else:")
                self.emit(indent + 2, f"{var} = _D(s)")
            self.emit(indent, f"elif {var} is not None:")
            self.emit(indent + 1, f"{var} = {convert}({var})")
        elif kind is t.Kind.BOOL:
            self.emit(indent, f"if {var} is not None and {var} is not True and {var} is not False:")
            self.emit(indent + 1, f"{var} = {convert}({var})")
        else:
            raise Unsupported(f"a given {kind.value} metric")

    def clauses(self) -> list[str]:
        plan = self.plan
        scope, member_scope = scopes(plan)
        member_names = _member_names(plan)
        self.names = {}
        body: list[str] = []
        self.lines = body
        kinds: dict[ir.ClauseKind, list[int]] = {kind: [] for kind in ir.ClauseKind}
        results = []
        for i, clause in enumerate(plan.clauses):
            self.emit(1, f"h{i} = {self.test(clause.decl.condition, scope, member_scope, member_names)}")
            guard = clause.decl.guard
            judged = self.test(guard, scope, member_scope, member_names) if guard is not None else "True"
            self.emit(1, f"j{i} = {judged}")
            results += [f"h{i}", f"j{i}"]
            kinds[clause.kind].append(i)
        summary = _summary(plan, kinds)
        warn = kinds[ir.ClauseKind.WARN]
        body += [line for line in summary if not line.strip().startswith(("warned", "if h", "warned.append"))]
        if not warn:
            body.append("    warned = ()")
        elif len(warn) == 1:
            i = warn[0]
            body.append(f"    warned = {self.const((plan.clauses[i].name,))} if h{i} and j{i} else ()")
        else:
            parts = " + ".join(f"({self.const((plan.clauses[i].name,))} if h{i} and j{i} else ())" for i in warn)
            body.append(f"    warned = {parts}")
        body.append("    qualified = eligible and gates and not disqualified")
        body.append(f"    holds = {_tuple(results)}")  # flat: (holds, judged) of each clause in turn
        return body

    def test(self, expr: ir.Expr, scope: Any, member_scope: Any, member_names: set[str]) -> str:
        """Source of whether ``expr`` is true: a plain test when it has one, else three-valued code."""
        found = self.truth(expr, False)
        if found is not None:
            return found
        value = _expr(self, expr, scope, member_scope, member_names, 1)
        return value if value in self.nonnull else f"{value} is True"

    def rewards(self) -> list[str]:
        """The rewards a qualifying participant earns on its own (before population-wide limits)."""
        body: list[str] = []
        self.lines = body
        self.emit(1, "if qualified:")
        amounts: list[tuple[str, str, str]] = []
        for reward in self.plan.rewards:
            kind = reward.kind
            limits = kind.limits(reward.decl)
            if type(kind).py_amount is RewardKind.py_amount:
                continue  # decided on the population (prizes): not a single decision's
            if not isinstance(kind, MetricAmountKind):
                raise Unsupported(f"a {kind.name} reward")
            base = kind.metric_name(reward.decl)
            if base not in self.decimals:
                raise Unsupported(f"a reward on `{base}`, not a given amount")
            if limits is None:
                continue
            value = self._decimal_in_rewards(base)
            out = f"a{len(amounts)}"
            self.amount(kind, reward.decl, limits, value, out)
            amounts.append((reward.name, kind.name, out))
        if amounts:
            made = ", ".join(f"_tuple_new(_Reward, ({n!r}, {k!r}, {a}))" for n, k, a in amounts)
            self.emit(2, f"rewards = ({made},)")
            self.emit(2, f"total = {' + '.join(['_zero', *(a for _, _, a in amounts)])}")
        else:
            self.emit(2, "rewards = ()")
            self.emit(2, "total = _zero")
        self.emit(1, "else:")
        self.emit(2, "rewards = ()")
        self.emit(2, "total = _zero")
        return body

    def amount(self, kind: Any, decl: Any, limits: ir.Limits, value: str, out: str) -> None:
        """``out``: the capped amount, rounded half-even to the minor unit (``arithmetic.capped``).
        A flat-rate rebate is spelt inline as ``rebate_raw`` computes it: a positive base times the rate."""
        quantum = _Gen.const(self, minor_unit(self.plan.currency))
        cap = limits.per_participant.amount if limits.per_participant is not None else None
        if kind.name == "rebate" and getattr(decl, "rate", None) is not None:  # the registry names the kind
            rate = _Gen.const(self, decl.rate.fraction)
            self.emit(2, f"{out} = {value} * {rate} if {value} is not None and {value} > 0 else _ZERO")
        else:
            self.emit(2, f"{out} = {_Gen.const(self, kind.raw)}({_Gen.const(self, decl)}, {value})")
        if cap is not None:
            self.emit(2, f"if {out} > {_Gen.const(self, cap)}:")
            self.emit(3, f"{out} = {_Gen.const(self, cap)}")
        self.emit(2, f"{out} = {out}.quantize({quantum}, rounding=_HALF_EVEN)")

    def _decimal_in_rewards(self, name: str) -> str:
        raw = self.decimals[name]
        self.emit(2, f"b = {_as_decimal(raw)}")
        return "b"


def _stamp_shape(var: str) -> str:
    """Source testing that the text ``var`` has the separators of ``2022-02-14T09:30:00Z``."""
    places = ((10, "T"), (19, "Z"), (4, "-"), (7, "-"), (13, ":"), (16, ":"))
    return " and ".join([f"len({var}) == 20", *(f"{var}[{i}] == {c!r}" for i, c in places)])


def _quantifiers(expr: ir.Expr | None) -> list[ir.Quantified]:
    """The quantifiers of ``expr`` outside any quantifier, in order."""
    if expr is None:
        return []
    if isinstance(expr, ir.Quantified):
        return [expr]
    if isinstance(expr, ir.BoolOp):
        return [q for o in expr.operands for q in _quantifiers(o)]
    if isinstance(expr, ir.Not):
        return _quantifiers(expr.operand)
    return []


def _count_test(expr: ir.Quantified, counter: str) -> str:
    """The quantifier's truth from the number of members its body holds for."""
    if expr.quantifier is ir.Quantifier.EVERY:
        return f"{counter} == len(members)"
    if expr.quantifier is ir.Quantifier.ANY:
        return f"{counter} >= 1"
    if expr.quantifier is ir.Quantifier.NO:
        return f"{counter} == 0"
    return f"{counter} >= {int(expr.count or 0)}"


def _tuple(items: list[str]) -> str:
    """Source of a tuple of ``items``."""
    return f"({', '.join(items)}{',' if len(items) == 1 else ''})"


def _counts_rows(entry: Aggregate) -> bool:
    """The registry's entry counts rows (no column, a whole number): over member rows, their number."""
    return entry.column == "none" and not entry.period and entry.shape is Shape.VALUE


def _as_decimal(raw: str) -> str:
    """Source making a checked amount ``Decimal`` as the reference holds it (``None`` stays)."""
    return f"(_D(repr({raw})) if type({raw}) is float else (_D({raw}) if type({raw}) is int else {raw}))"


def _unusual(convert: Any, var: str) -> str:
    if convert is CONVERTERS[ir.ColumnType.STRING]:
        return f"type({var}) is not str"
    if convert is CONVERTERS[ir.ColumnType.BOOL]:
        return f"{var} is not True and {var} is not False"
    if convert is CONVERTERS[ir.ColumnType.INT]:
        return f"type({var}) is not int or not -{_INT + 1} <= {var} <= {_INT}"
    raise Unsupported("a column type the straight path does not check inline")


def _strict(convert: Callable[[Any], Any], required: bool) -> Callable[[Any], Any]:
    """``convert``, with a null allowed only where the reference reader allows it."""

    def strict(value: Any) -> Any:
        if value is None:
            if required:
                raise Unreadable
            return None
        return convert(value)

    return strict
