"""Why a clause came out as it did, worded from the trace of its evaluation.

The words are read off a :class:`~rulekit.pyeval.trace.Trace`: the truth of each part
of the condition and the values it read, as the compiled evaluator saw them. Nothing
here evaluates an expression, so an explanation cannot disagree with the outcome it
explains. ``decide`` and settlement rows both trace the clause with the same compiled
tracer (:func:`rulekit.pyeval.trace.traced_clauses`) and word it here.

Examples::

    effective live time of host h2: 12.5 hours — needs more than 14 hours
    refund rate 35% (7 of 20 orders) — over the 30% limit
    refund rate not judged: 12 orders, needs at least 20
    kind is "individual" — needs "agency"
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from rulekit import ir, walk
from rulekit.plan import ClausePlan, Plan
from rulekit.plan.names import MEMBER_SCOPE, PARTICIPANT_SCOPE
from rulekit.point_reasons import point_reason, point_words
from rulekit.pyeval.exprs import MEMBERS, Env
from rulekit.pyeval.trace import MEMBER_IDS, Trace, TracedClause, traced_clauses
from rulekit.reasons import _plain, format_literal, format_value

if TYPE_CHECKING:
    from rulekit.pyeval.types import ValueType

__all__ = ["clause_reason", "reason_for", "traced_reason"]


@dataclass(frozen=True, slots=True)
class _Ctx:
    plan: Plan
    bad: bool  # the condition describes something bad (warn / disqualify)
    member: str | None = None  # "host h2" inside a quantifier


def clause_reason(plan: Plan, clause: ClausePlan, condition: Trace, guard: Trace | None) -> str:
    """Why ``clause`` came out as it did, in plain words with labels and units.

    ``condition`` and ``guard`` are the traces of the clause's condition and of its ``when``
    guard (``None`` without one) over one participant's values. The clause holds when the
    condition's truth is true, and is judged when there is no guard or the guard is true.
    """
    bad = clause.kind in (ir.ClauseKind.WARN, ir.ClauseKind.DISQUALIFY)
    ctx = _Ctx(plan, bad)
    if guard is not None and guard.truth is not True:
        subject = _first_label(plan, clause.decl.condition) or clause.name.replace("_", " ")
        return f"{subject} not judged: {_guard_text(guard, replace(ctx, bad=False))}"
    return _text(condition, ctx, condition.truth is True)


def _words(plan: Plan, name: str) -> str:
    """A metric's label, else the name with spaces (column labels are for documents)."""
    metric = plan.metric(name)
    return metric.label if metric is not None else name.replace("_", " ")


def _type(name: str, ctx: _Ctx) -> ValueType | None:
    """The value type of ``name`` where it is read (member-level first inside a quantifier)."""
    scope = MEMBER_SCOPE if ctx.member is not None else PARTICIPANT_SCOPE
    # Resolved once per plan, name and scope: a name's type depends on the program alone.
    memo = cast("dict[tuple[str, object], ValueType | None]", ctx.plan._index.setdefault("value_types", {}))
    key = (name, scope)
    if key not in memo:
        found = ctx.plan.resolve(name, scope)
        # The plan's kinds are spelt as the formatter's value types ("count", "money", …).
        memo[key] = None if found.is_unknown else cast("ValueType", found.kind.value)
    return memo[key]


def _ref_name(expr: ir.NameRef | ir.QualifiedRef) -> str:
    return expr.name if isinstance(expr, ir.NameRef) else expr.column


def _first_label(plan: Plan, expr: ir.Expr) -> str | None:
    """The words for the first name the condition reads, in source order."""
    for node in walk.walk(expr):
        if isinstance(node, ir.NameRef | ir.QualifiedRef):
            return _words(plan, _ref_name(node))
    return None


def _guard_text(guard: Trace, ctx: _Ctx) -> str:
    expr = guard.expr
    if isinstance(expr, ir.Compare):
        parts = _normalised(expr)
        if parts is not None:
            name, op, lit = parts
            return f"{_subject(name, guard, ctx)}, needs {_phrase(op, lit, ctx, False)}"
    return _text(guard, ctx, False)


def _text(trace: Trace, ctx: _Ctx, truth: bool) -> str:
    """``trace``'s part of the condition in words; ``truth`` is the part's truth as the words
    see it (an unknown part reads as not holding)."""
    expr = trace.expr
    if isinstance(expr, ir.Compare):
        return _compare_text(expr, trace, ctx, truth)
    if isinstance(expr, ir.InList):
        return _in_text(expr, trace, ctx, truth)
    if isinstance(expr, ir.NameRef | ir.QualifiedRef):
        return _flag_text(_ref_name(expr), trace, ctx, truth)
    if isinstance(expr, ir.Not):
        # `not x` is good exactly when `x` is bad: describe x with the sense flipped.
        return _text(trace.parts[0], replace(ctx, bad=not ctx.bad), not truth)
    if isinstance(expr, ir.BoolOp):
        return _bool_text(expr, trace, ctx, truth)
    if isinstance(expr, ir.Quantified):
        return _quantified_text(expr, trace, ctx, truth)
    if isinstance(expr, ir.Bool):
        return "always" if expr.value else "never"
    if isinstance(expr, ir.POINTS):  # only inside a comparison in a clean program (issue 10)
        return point_words(expr)
    return format_literal(expr)


def _bool_text(expr: ir.BoolOp, trace: Trace, ctx: _Ctx, truth: bool) -> str:
    """The parts that decided the outcome: a failed `and` names only the parts that failed
    (or are unknown), a holding `or` only the parts that hold; otherwise every part."""
    parts = trace.parts
    is_and = expr.op is ir.BoolOperator.AND
    deciding = tuple(p for p in parts if (p.truth is not True if is_and else p.truth is True))
    if deciding and truth is not is_and:
        parts = deciding
    joiner = "; " if is_and else " or "
    return joiner.join(_text(p, ctx, p.truth is True) for p in parts)


def _subject(name: str, trace: Trace, ctx: _Ctx) -> str:
    """``effective live time of host h2: 12.5 hours``, ``12 orders``, ``kind is "agency"``."""
    program = ctx.plan.program
    value_type = _type(name, ctx)
    value = trace.read(name)
    shown = format_value(program, value_type, value)
    words = _words(ctx.plan, name)
    if ctx.member is not None:
        return f"{words} of {ctx.member}: {shown}"
    if value_type == "count" and value is not None:
        # "1 order", "12 orders": labels of counts are plural nouns.
        return f"{shown} {words[:-1] if value == 1 and words.endswith('s') else words}"
    if value_type in ("string", "bool"):
        return f"{words} is {shown}"
    detail = _ratio_detail(name, trace, ctx) if value_type == "ratio" else ""
    return f"{words} {shown}{detail}"


def _ratio_detail(name: str, trace: Trace, ctx: _Ctx) -> str:
    """`` (7 of 20 orders)``: the ratio's parts, as the trace read them with the ratio."""
    metric = ctx.plan.metric(name)
    if metric is None or metric.parts is None:
        return ""
    numerator, denominator = metric.parts
    top, bottom = trace.read(numerator), trace.read(denominator)
    if top is None or bottom is None:
        return ""
    program = ctx.plan.program
    top_text = format_value(program, _type(numerator, ctx), top)
    bottom_text = format_value(program, _type(denominator, ctx), bottom)
    return f" ({top_text} of {bottom_text} {_words(ctx.plan, denominator)})"


_FLIP = {
    ir.CompareOp.LT: ir.CompareOp.GT,
    ir.CompareOp.GT: ir.CompareOp.LT,
    ir.CompareOp.LE: ir.CompareOp.GE,
    ir.CompareOp.GE: ir.CompareOp.LE,
    ir.CompareOp.EQ: ir.CompareOp.EQ,
    ir.CompareOp.NE: ir.CompareOp.NE,
}

_NON_LITERALS = (
    ir.NameRef, ir.QualifiedRef, ir.Compare, ir.InList, ir.BoolOp, ir.Not, ir.Quantified, ir.WindowBound, ir.Shift
)  # fmt: skip


def _normalised(expr: ir.Compare) -> tuple[str, ir.CompareOp, ir.Literal] | None:
    """``name op literal``, flipping ``literal op name``; ``None`` for other shapes."""
    left, right = expr.left, expr.right
    if isinstance(left, ir.NameRef | ir.QualifiedRef) and not isinstance(right, _NON_LITERALS):
        return _ref_name(left), expr.op, right
    if isinstance(right, ir.NameRef | ir.QualifiedRef) and not isinstance(left, _NON_LITERALS):
        return _ref_name(right), _FLIP[expr.op], left
    return None


_GOOD = {
    ir.CompareOp.GT: "more than {x}",
    ir.CompareOp.GE: "at least {x}",
    ir.CompareOp.LT: "less than {x}",
    ir.CompareOp.LE: "at most {x}",
    ir.CompareOp.EQ: "{x}",
    ir.CompareOp.NE: "anything but {x}",
}
# (when the bad condition holds, when it does not)
_BAD = {
    ir.CompareOp.GT: ("over the {x} limit", "within the {x} limit"),
    ir.CompareOp.GE: ("at or over the {x} limit", "under the {x} limit"),
    ir.CompareOp.LT: ("under the {x} minimum", "at or over the {x} minimum"),
    ir.CompareOp.LE: ("at or under the {x} minimum", "over the {x} minimum"),
    ir.CompareOp.EQ: ("equal to {x}", "not {x}"),
    ir.CompareOp.NE: ("not {x}", "equal to {x}"),
}


def _phrase(op: ir.CompareOp, lit: ir.Literal, ctx: _Ctx, truth: bool) -> str:
    x = format_literal(lit)
    if ctx.bad:
        return _BAD[op][0 if truth else 1].format(x=x)
    return _GOOD[op].format(x=x)


def _compare_text(expr: ir.Compare, trace: Trace, ctx: _Ctx, truth: bool) -> str:
    if isinstance(expr.left, ir.POINTS) or isinstance(expr.right, ir.POINTS):  # points in time (issue 10)
        return point_reason(expr, trace.parts[0].value, trace.parts[1].value, ctx.plan.tz, truth)
    parts = _normalised(expr)
    if parts is None:
        return _two_names_text(expr, trace, ctx, truth)
    name, op, lit = parts
    subject = _subject(name, trace, ctx) + _precision_note(trace.read(name), lit, ctx)
    if not ctx.bad and op is ir.CompareOp.EQ and _type(name, ctx) in ("string", "bool") and ctx.member is None:
        return subject if truth else f"{subject} — needs {format_literal(lit)}"
    phrase = _phrase(op, lit, ctx, truth)
    if ctx.bad:
        return f"{subject} — {phrase}"
    return f"{subject} — {phrase}" if truth else f"{subject} — needs {phrase}"


def _precision_note(value: object, lit: ir.Literal, ctx: _Ctx) -> str:
    """Exact seconds when a duration rounds to the threshold it does not equal."""
    if not isinstance(lit, ir.Duration) or not isinstance(value, Decimal | int):
        return ""
    program = ctx.plan.program
    shown = format_value(program, "duration", value)
    if shown == format_value(program, "duration", lit.total_seconds) and value != lit.total_seconds:
        return f" ({_plain(value)} seconds)"
    return ""


def _two_names_text(expr: ir.Compare, trace: Trace, ctx: _Ctx, truth: bool) -> str:
    sides = []
    for side, traced in zip((expr.left, expr.right), trace.parts, strict=True):
        if isinstance(side, ir.NameRef | ir.QualifiedRef):
            sides.append(_subject(_ref_name(side), traced, replace(ctx, member=None)))
        else:
            sides.append(_text(traced, ctx, truth))
    verdict = "holds" if truth else "does not hold"
    return f"{sides[0]} {expr.op.value} {sides[1]}: {verdict}"


def _in_text(expr: ir.InList, trace: Trace, ctx: _Ctx, truth: bool) -> str:
    if not isinstance(expr.operand, ir.NameRef | ir.QualifiedRef):
        return "holds" if truth else "does not hold"
    subject = _subject(_ref_name(expr.operand), trace, ctx)
    options = ", ".join(format_literal(o) for o in expr.options)
    wanted = f"not one of {options}" if expr.negated else f"one of {options}"
    if ctx.bad:
        return f"{subject} — {wanted}" if truth else f"{subject} — not {wanted}"
    return f"{subject}" if truth else f"{subject} — needs {wanted}"


def _flag_text(name: str, trace: Trace, ctx: _Ctx, truth: bool) -> str:
    """A yes/no column or flag: ``click farming flag: yes``."""
    value = trace.read(name)
    where = f" of {ctx.member}" if ctx.member else ""
    shown = "no value" if value is None else ("yes" if value else "no")
    text = f"{_words(ctx.plan, name)}{where}: {shown}"
    if not ctx.bad and not truth:
        return f"{text} — needs yes"
    return text


def _quantified_text(expr: ir.Quantified, trace: Trace, ctx: _Ctx, truth: bool) -> str:
    noun = expr.noun
    # Members in id order, so the words do not depend on the order the facts came in.
    members = sorted(trace.members, key=lambda m: m.id)
    if not members:
        return f"there are no {noun}s" + (f" (every {noun} passes trivially)" if truth else "")
    passing = [m for m in members if m.passes]
    if expr.quantifier is ir.Quantifier.EVERY:
        shown = members if truth else [m for m in members if not m.passes]
    elif expr.quantifier is ir.Quantifier.ANY:
        shown = passing if truth else members
    elif expr.quantifier is ir.Quantifier.NO:
        shown = members if truth else passing
    else:
        shown = members
    detail = "; ".join(_text(m.trace, _Ctx(ctx.plan, ctx.bad, f"{noun} {m.id}"), m.passes) for m in shown)
    if expr.quantifier is ir.Quantifier.AT_LEAST:
        return f"{len(passing)} of {len(members)} {noun}s pass, needs at least {expr.count or 0}: {detail}"
    return detail


Wording = Callable[[Plan, ClausePlan, Trace, "Trace | None"], str]


def traced_reason(
    plan: Plan, traced: TracedClause, env: Env, memo: dict[Any, str], word: Wording = clause_reason
) -> str:
    """The reason of one clause over ``env`` (a participant's values, its members under
    ``MEMBERS``): traced with the clause's compiled tracer and worded by ``word``.

    Memoised in ``memo`` by the values the words read, for clauses without a quantifier:
    most participants share the few distinct inputs of a clause such as `region = "US"`.
    """
    key = traced.key(env)
    reason = memo.get(key) if key is not None else None
    if reason is None:
        condition, guard = traced.trace(env)
        reason = word(plan, traced.plan, condition, guard)
        if key is not None:
            memo[key] = reason
    return reason


class _Values(dict[str, Any]):
    """Given values; a name not given reads as no value."""

    def __missing__(self, name: str) -> None:
        return None


def reason_for(
    plan: Plan, clause: str, values: Mapping[str, object], members: Mapping[str, Mapping[str, object]]
) -> str:
    """The reason of the clause named ``clause`` for a participant with these values: its
    participant-level metrics and columns, and per member id its member values. The clause
    is traced with its compiled tracer (a name not given reads as no value)."""
    traced = next(t for t in traced_clauses(plan) if t.plan.name == clause)
    env = _Values(values)
    ids = sorted(members)
    env[MEMBERS] = [_Values({**values, **members[mid]}) for mid in ids]
    env[MEMBER_IDS] = ids
    condition, guard = traced.trace(env)
    return clause_reason(plan, traced.plan, condition, guard)
