"""Clause-level and reward-level reasons in plain words.

Both evaluators call these functions, so a decision and a settlement explain the same
outcome with the same words. They are pure and deterministic: same inputs, same text.

Conventions for the inputs:

* ``values`` maps names to values for one participant: its participant-level metrics
  and its participant columns. Metric values are canonical (``docs/semantics.md``):
  ``int`` counts, ``Decimal`` money and seconds, ratios as ``Fraction`` or as the
  reported ``Decimal``.
* ``members`` maps each member id to that member's ``per <member>`` metric values
  (and member columns, if the caller has them).
* ``holds`` is the truth of the clause's condition itself; ``judged`` is whether its
  ``when`` guard (the minimum sample) was met (always true without a guard). A
  ``warn``/``disqualify`` clause takes effect when both are true.

Examples::

    effective live time of host h2: 12.5 hours — needs more than 14 hours
    refund rate 35% (7 of 20 orders) — over the 30% limit
    refund rate not judged: 12 orders, needs at least 20
    kind is "individual" — needs "agency"
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from babel.numbers import UnknownCurrencyError, get_currency_precision, get_currency_symbol

from rulekit import ir, timeutil
from rulekit.plan.kinds import kind_of
from rulekit.pyeval.types import ValueType, currency, label, name_type
from rulekit.pyeval.values import compare, literal_value
from rulekit.rewards.base import Paid

__all__ = [
    "clause_reason",
    "format_literal",
    "format_money",
    "format_value",
    "outcome_reasons",
    "reward_reason",
    "window_text",
]

_CENT = Decimal("0.01")

# ------------------------------------------------------------------------ formatting


@functools.cache
def _currency_style(code: str) -> tuple[str, int]:
    """The en-US symbol and minor-unit digits of a currency (``("$", 2)``)."""
    try:
        return get_currency_symbol(code, locale="en_US"), get_currency_precision(code)
    except UnknownCurrencyError:
        return code + " ", 2


def format_money(amount: Decimal, code: str, *, whole: bool = False) -> str:
    """Money the way Babel's en-US ``format_currency`` writes it (``-$1,234.50``).

    Formatted with Python's own number formatting after looking the symbol up once,
    because Babel's formatter costs tens of microseconds per call on the decision path.
    ``whole=True`` drops the minor unit of a whole amount (``$2,000`` for a cap).
    """
    symbol, digits = _currency_style(code)
    places = 0 if whole and amount == amount.to_integral_value() else digits
    text = f"{abs(amount):,.{places}f}"
    return f"-{symbol}{text}" if amount < 0 else f"{symbol}{text}"


def _plain(number: Decimal | int) -> str:
    """A number without exponent or trailing zeros, with thousands separators."""
    if isinstance(number, int):
        return f"{number:,}"
    normal = number.normalize()
    if normal == normal.to_integral_value():
        return f"{int(normal):,}"
    return f"{normal:,f}"


def _hours(value: Decimal | int) -> str:
    hours = (Decimal(value) / 3600).quantize(_CENT, rounding=ROUND_HALF_EVEN)
    return f"{_plain(hours)} hour" + ("" if hours == 1 else "s")


def _percent(value: Decimal | Fraction | int) -> str:
    """A fraction as a percentage with up to 2 decimals (``0.35`` → ``35%``)."""
    exact = Fraction(value) * 100
    rounded = Decimal(round(exact * 100)).scaleb(-2)
    return f"{_plain(rounded)}%"


def format_value(program: ir.Program, value_type: ValueType | None, value: object) -> str:
    """A metric or column value in words: money with its symbol, durations in hours,
    ratios as percentages, text in quotes."""
    if value is None:
        return "no value"
    if isinstance(value, Fraction) and value_type in ("money", "duration"):
        # An exact fraction (an average, a computed metric) is shown to the display's precision.
        value = Decimal(value.numerator) / Decimal(value.denominator)
    if value_type == "money" and isinstance(value, Decimal | int):
        return format_money(Decimal(value), currency(program))
    if value_type == "duration" and isinstance(value, Decimal | int):
        return _hours(value)
    if value_type in ("ratio", "percent") and isinstance(value, Decimal | Fraction | int):
        return _percent(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dt.datetime):
        utc = value.astimezone(dt.UTC) if value.tzinfo else value
        return utc.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Fraction):
        return _plain(Decimal(value.numerator) / Decimal(value.denominator))
    if isinstance(value, Decimal | int):
        return _plain(value)
    return str(value)


def format_literal(literal: ir.Literal) -> str:
    """A rule-file value as the author wrote it: ``$2,000``, ``30%``, ``14 hours``."""
    if isinstance(literal, ir.Money):
        return format_money(literal.amount, literal.currency, whole=True)
    if isinstance(literal, ir.Percent):
        return f"{_plain(literal.value)}%"
    if isinstance(literal, ir.Duration):
        unit = literal.unit.value
        return f"{_plain(literal.amount)} {unit[:-1] if literal.amount == 1 else unit}"
    if isinstance(literal, ir.Number):
        return _plain(literal.value)
    if isinstance(literal, ir.String):
        return f'"{literal.value}"'
    if isinstance(literal, ir.Bool):
        return "yes" if literal.value else "no"
    return literal.value.isoformat()


def window_text(program: ir.Program, name: str) -> str:
    """A window in words: ``2022-02-14 to 2022-02-27 inclusive`` or ``first 90 days from joined at``."""
    window = program.window(name)
    if isinstance(window, ir.AbsoluteWindow):
        start, end = window.start, window.end
        first = start.date.isoformat() + (f" {start.time.strftime('%H:%M')}" if start.time else "")
        last = end.date.isoformat() + (f" {end.time.strftime('%H:%M')}" if end.time else "")
        bound = "inclusive" if window.end_inclusive else "exclusive"
        return f"{first} to {last} {bound}"
    if isinstance(window, ir.RelativeWindow):
        length = format_literal(window.length)
        inclusive = " inclusive" if window.end_inclusive else ""
        return f"first {length} from {window.anchor.replace('_', ' ')}{inclusive}"
    return name.replace("_", " ")


# -------------------------------------------------------------------- top-level reasons


def outcome_reasons(outcomes: Iterable[tuple[str, str, bool, bool]], qualified: bool) -> list[str]:
    """The top-level reasons of a decision or a settlement row, worded the same for both.

    ``outcomes`` is ``(kind, name, holds, judged)`` per clause, ``kind`` being the clause
    kind's word (``eligible``, ``gate``, ``disqualify``, ``warn``).
    """
    rows = list(outcomes)
    failed = [name for kind, name, holds, _ in rows if kind == "eligible" and not holds]
    gates = [name for kind, name, holds, _ in rows if kind == "gate" and not holds]
    disqualified = [name for kind, name, holds, judged in rows if kind == "disqualify" and holds and judged]
    warned = [name for kind, name, holds, judged in rows if kind == "warn" and holds and judged]
    reasons = ["eligible" if not failed else "not eligible: fails " + ", ".join(failed)]
    if gates:
        reasons.append("fails the gates " + ", ".join(gates))
    if disqualified:
        reasons.append("disqualified by " + ", ".join(disqualified))
    if warned:
        reasons.append("warned: " + ", ".join(warned))
    reasons.append("qualifies" if qualified else "does not qualify")
    return reasons


# --------------------------------------------------------------------- clause reasons


@dataclass(frozen=True)
class _Ctx:
    program: ir.Program
    values: Mapping[str, object]
    members: Mapping[str, Mapping[str, object]]
    bad: bool  # the condition describes something bad (warn / disqualify)
    member: str | None = None  # "host h2" inside a quantifier


def clause_reason(
    program: ir.Program,
    clause: ir.Clause,
    holds: bool,
    judged: bool,
    values: Mapping[str, object],
    members: Mapping[str, Mapping[str, object]],
) -> str:
    """Why a clause came out as it did, in plain words with labels and units."""
    bad = clause.kind in (ir.ClauseKind.WARN, ir.ClauseKind.DISQUALIFY)
    ctx = _Ctx(program, values, members, bad)
    if clause.guard is not None and not judged:
        subject = _first_label(program, clause.condition) or clause.name.replace("_", " ")
        guard = _guard_text(clause.guard, replace(ctx, bad=False))
        return f"{subject} not judged: {guard}"
    return _text(clause.condition, ctx, holds)


def _first_label(program: ir.Program, expr: ir.Expr) -> str | None:
    if isinstance(expr, ir.NameRef):
        return label(program, expr.name)
    if isinstance(expr, ir.QualifiedRef):
        return label(program, expr.column)
    if isinstance(expr, ir.Compare):
        return _first_label(program, expr.left) or _first_label(program, expr.right)
    if isinstance(expr, ir.InList | ir.Not):
        return _first_label(program, expr.operand)
    if isinstance(expr, ir.BoolOp):
        return next((x for x in (_first_label(program, o) for o in expr.operands) if x), None)
    if isinstance(expr, ir.Quantified):
        return _first_label(program, expr.body)
    return None


def _guard_text(guard: ir.Expr, ctx: _Ctx) -> str:
    if isinstance(guard, ir.Compare):
        parts = _normalised(guard)
        if parts is not None:
            name, op, lit = parts
            return f"{_subject(name, ctx)}, needs {_phrase(op, lit, ctx, False, name)}"
    return _text(guard, ctx, False)


def _text(expr: ir.Expr, ctx: _Ctx, truth: bool) -> str:
    if isinstance(expr, ir.Compare):
        return _compare_text(expr, ctx, truth)
    if isinstance(expr, ir.InList):
        return _in_text(expr, ctx, truth)
    if isinstance(expr, ir.NameRef | ir.QualifiedRef):
        return _flag_text(_ref_name(expr), ctx, truth)
    if isinstance(expr, ir.Not):
        # `not x` is good exactly when `x` is bad: describe x with the sense flipped.
        return _text(expr.operand, replace(ctx, bad=not ctx.bad), not truth)
    if isinstance(expr, ir.BoolOp):
        return _bool_text(expr, ctx, truth)
    if isinstance(expr, ir.Quantified):
        return _quantified_text(expr, ctx, truth)
    if isinstance(expr, ir.Bool):
        return "always" if expr.value else "never"
    return format_literal(expr)


def _bool_text(expr: ir.BoolOp, ctx: _Ctx, truth: bool) -> str:
    """The parts that decided the outcome: a failed `and` names only the parts that failed
    (or are unknown), a holding `or` only the parts that hold; otherwise every part."""
    parts = [(o, _truth(o, ctx)) for o in expr.operands]
    is_and = expr.op is ir.BoolOperator.AND
    deciding = [(o, t) for o, t in parts if (t is not True if is_and else t is True)]
    if deciding and truth is not is_and:
        parts = deciding
    joiner = "; " if is_and else " or "
    return joiner.join(_text(o, ctx, t is True) for o, t in parts)


def _ref_name(expr: ir.NameRef | ir.QualifiedRef) -> str:
    return expr.name if isinstance(expr, ir.NameRef) else expr.column


def _lookup(name: str, ctx: _Ctx) -> object:
    return ctx.values.get(name)


def _subject(name: str, ctx: _Ctx) -> str:
    """``effective live time of host h2: 12.5 hours``, ``12 orders``, ``kind is "agency"``."""
    program = ctx.program
    value_type = name_type(program, name)
    value = _lookup(name, ctx)
    shown = format_value(program, value_type, value)
    words = label(program, name)
    if ctx.member is not None:
        return f"{words} of {ctx.member}: {shown}"
    if value_type == "count" and value is not None:
        # "1 order", "12 orders": labels of counts are plural nouns.
        return f"{shown} {words[:-1] if value == 1 and words.endswith('s') else words}"
    if value_type in ("string", "bool"):
        return f"{words} is {shown}"
    detail = _ratio_detail(name, ctx) if value_type == "ratio" else ""
    return f"{words} {shown}{detail}"


def _ratio_detail(name: str, ctx: _Ctx) -> str:
    metric = ctx.program.metric(name)
    if metric is None or not isinstance(metric.definition, ir.Ratio):
        return ""
    top, bottom = ctx.values.get(metric.definition.numerator), ctx.values.get(metric.definition.denominator)
    if top is None or bottom is None:
        return ""
    top_text = format_value(ctx.program, name_type(ctx.program, metric.definition.numerator), top)
    bottom_text = format_value(ctx.program, name_type(ctx.program, metric.definition.denominator), bottom)
    return f" ({top_text} of {bottom_text} {label(ctx.program, metric.definition.denominator)})"


_FLIP = {
    ir.CompareOp.LT: ir.CompareOp.GT,
    ir.CompareOp.GT: ir.CompareOp.LT,
    ir.CompareOp.LE: ir.CompareOp.GE,
    ir.CompareOp.GE: ir.CompareOp.LE,
    ir.CompareOp.EQ: ir.CompareOp.EQ,
    ir.CompareOp.NE: ir.CompareOp.NE,
}


def _normalised(expr: ir.Compare) -> tuple[str, ir.CompareOp, ir.Literal] | None:
    """``name op literal``, flipping ``literal op name``; ``None`` for other shapes."""
    left, right = expr.left, expr.right
    if isinstance(left, ir.NameRef | ir.QualifiedRef) and not isinstance(right, _NON_LITERALS):
        return _ref_name(left), expr.op, right
    if isinstance(right, ir.NameRef | ir.QualifiedRef) and not isinstance(left, _NON_LITERALS):
        return _ref_name(right), _FLIP[expr.op], left
    return None


_NON_LITERALS = (ir.NameRef, ir.QualifiedRef, ir.Compare, ir.InList, ir.BoolOp, ir.Not, ir.Quantified)

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


def _phrase(op: ir.CompareOp, lit: ir.Literal, ctx: _Ctx, truth: bool, name: str) -> str:
    x = format_literal(lit)
    if ctx.bad:
        return _BAD[op][0 if truth else 1].format(x=x)
    return _GOOD[op].format(x=x)


def _compare_text(expr: ir.Compare, ctx: _Ctx, truth: bool) -> str:
    parts = _normalised(expr)
    if parts is None:
        return _two_names_text(expr, ctx, truth)
    name, op, lit = parts
    subject = _subject(name, ctx)
    subject += _precision_note(name, lit, ctx)
    value_type = name_type(ctx.program, name)
    if not ctx.bad and op is ir.CompareOp.EQ and value_type in ("string", "bool") and ctx.member is None:
        return subject if truth else f"{subject} — needs {format_literal(lit)}"
    phrase = _phrase(op, lit, ctx, truth, name)
    if ctx.bad:
        return f"{subject} — {phrase}"
    return f"{subject} — {phrase}" if truth else f"{subject} — needs {phrase}"


def _precision_note(name: str, lit: ir.Literal, ctx: _Ctx) -> str:
    """Exact seconds when a duration rounds to the threshold it does not equal."""
    value = _lookup(name, ctx)
    if not isinstance(lit, ir.Duration) or not isinstance(value, Decimal | int):
        return ""
    shown = format_value(ctx.program, "duration", value)
    if shown == format_value(ctx.program, "duration", lit.total_seconds) and value != lit.total_seconds:
        return f" ({_plain(value)} seconds)"
    return ""


def _two_names_text(expr: ir.Compare, ctx: _Ctx, truth: bool) -> str:
    sides = []
    for side in (expr.left, expr.right):
        if isinstance(side, ir.NameRef | ir.QualifiedRef):
            sides.append(_subject(_ref_name(side), replace(ctx, member=None)))
        else:
            sides.append(_text(side, ctx, truth))
    verdict = "holds" if truth else "does not hold"
    return f"{sides[0]} {expr.op.value} {sides[1]}: {verdict}"


def _in_text(expr: ir.InList, ctx: _Ctx, truth: bool) -> str:
    if not isinstance(expr.operand, ir.NameRef | ir.QualifiedRef):
        return "holds" if truth else "does not hold"
    subject = _subject(_ref_name(expr.operand), ctx)
    options = ", ".join(format_literal(o) for o in expr.options)
    wanted = f"not one of {options}" if expr.negated else f"one of {options}"
    if ctx.bad:
        return f"{subject} — {wanted}" if truth else f"{subject} — not {wanted}"
    return f"{subject}" if truth else f"{subject} — needs {wanted}"


def _flag_text(name: str, ctx: _Ctx, truth: bool) -> str:
    """A yes/no column or flag: ``click farming flag: yes``."""
    value = _lookup(name, ctx)
    words = label(ctx.program, name)
    where = f" of {ctx.member}" if ctx.member else ""
    shown = "no value" if value is None else ("yes" if value else "no")
    text = f"{words}{where}: {shown}"
    if not ctx.bad and not truth:
        return f"{text} — needs yes"
    return text


def _quantified_text(expr: ir.Quantified, ctx: _Ctx, truth: bool) -> str:
    noun = expr.noun
    # Members in id order, so the words do not depend on the order the facts came in.
    members = sorted(ctx.members.items())
    results = [(mid, _truth(expr.body, _member_ctx(ctx, noun, mid, vals)) is True) for mid, vals in members]
    if not results:
        return f"there are no {noun}s" + (f" (every {noun} passes trivially)" if truth else "")
    passing = [mid for mid, ok in results if ok]
    if expr.quantifier is ir.Quantifier.EVERY:
        shown = [mid for mid, ok in results if ok == truth] if not truth else [m for m, _ in results]
    elif expr.quantifier is ir.Quantifier.ANY:
        shown = passing if truth else [m for m, _ in results]
    elif expr.quantifier is ir.Quantifier.NO:
        shown = [m for m, _ in results] if truth else passing
    else:
        shown = [m for m, _ in results]
    texts = [_text(expr.body, _member_ctx(ctx, noun, mid, ctx.members[mid]), mid in passing) for mid in shown]
    detail = "; ".join(texts)
    if expr.quantifier is ir.Quantifier.AT_LEAST:
        need = expr.count or 0
        return f"{len(passing)} of {len(results)} {noun}s pass, needs at least {need}: {detail}"
    return detail


def _member_ctx(ctx: _Ctx, noun: str, mid: str, member_values: Mapping[str, object]) -> _Ctx:
    merged = {**ctx.values, **member_values}
    # Built directly: this runs for every member of every participant, and `replace` is slow.
    return _Ctx(ctx.program, merged, ctx.members, ctx.bad, f"{noun} {mid}")


# ------------------------------------------------------------ truth for sub-clauses


def _truth(expr: ir.Expr, ctx: _Ctx) -> bool | None:
    """Three-valued truth of a part of a condition, from the values given.

    Only used to word the parts of a compound condition; the caller's ``holds`` is the
    authority for the clause as a whole.
    """
    if isinstance(expr, ir.Compare):
        # The evaluators' own comparison: a date against a timestamp is local midnight.
        return compare(expr.op, _operand(expr.left, ctx), _operand(expr.right, ctx), _zone(ctx.program))
    if isinstance(expr, ir.InList):
        value = _operand(expr.operand, ctx)
        if value is None:
            return None
        found = any(value == literal_value(o) for o in expr.options)
        return found != expr.negated
    if isinstance(expr, ir.NameRef | ir.QualifiedRef):
        value = ctx.values.get(_ref_name(expr))
        return None if value is None else bool(value)
    if isinstance(expr, ir.Not):
        inner = _truth(expr.operand, ctx)
        return None if inner is None else not inner
    if isinstance(expr, ir.BoolOp):
        return _bool_op(expr, ctx)
    if isinstance(expr, ir.Quantified):
        passing = sum(
            1 for mid, vals in ctx.members.items() if _truth(expr.body, _member_ctx(ctx, expr.noun, mid, vals)) is True
        )
        total = len(ctx.members)
        return {
            ir.Quantifier.EVERY: passing == total,
            ir.Quantifier.ANY: passing >= 1,
            ir.Quantifier.NO: passing == 0,
            ir.Quantifier.AT_LEAST: passing >= (expr.count or 0),
        }[expr.quantifier]
    if isinstance(expr, ir.Bool):
        return expr.value
    return None


def _zone(program: ir.Program) -> ZoneInfo:
    header = program.header
    return _zone_named(header.timezone if header is not None else None)


@functools.cache
def _zone_named(name: str | None) -> ZoneInfo:
    return (timeutil.zone(name) if name else None) or ZoneInfo("UTC")


def _bool_op(expr: ir.BoolOp, ctx: _Ctx) -> bool | None:
    parts = [_truth(o, ctx) for o in expr.operands]
    if expr.op is ir.BoolOperator.AND:
        if any(p is False for p in parts):
            return False
        return None if any(p is None for p in parts) else True
    if any(p is True for p in parts):
        return True
    return None if any(p is None for p in parts) else False


def _operand(expr: ir.Expr, ctx: _Ctx) -> object:
    if isinstance(expr, ir.NameRef | ir.QualifiedRef):
        return ctx.values.get(_ref_name(expr))
    if isinstance(expr, ir.Money | ir.Percent | ir.Duration | ir.Number | ir.String | ir.Bool | ir.DateValue):
        return literal_value(expr)
    return None


# --------------------------------------------------------------------- reward reasons


def reward_reason(
    program: ir.Program,
    reward: ir.Reward,
    values: Mapping[str, object],
    *,
    amount: Decimal,
    before_limits: Decimal,
    rank: int | None = None,
    ranked: int | None = None,
    tied: int = 1,
    orders: int | None = None,
    candidates: int | None = None,
) -> str:
    """Why a participant gets a reward, with the arithmetic: its kind's words
    (:mod:`rulekit.rewards`), then what a pool or budget took.

    ``amount`` is what is paid, ``before_limits`` what it would be without pool or
    budget limits (both after the per-participant cap). For prizes, ``rank`` is the
    participant's rank, ``ranked`` how many were ranked and ``tied`` the size of its
    tie group; for subsidies, ``orders`` is the number of subsidised orders and
    ``candidates`` the number that qualified before ``max orders`` cut them.
    """
    code = currency(program)
    kind = kind_of(reward)
    paid = Paid(amount, before_limits, rank, ranked, tied, orders, candidates)
    text = kind.reason(program, reward, values, code, paid)
    return text + _limit_text(kind.limits(reward), kind.pool_word, amount, before_limits, code)


def _limit_text(limits: ir.Limits | None, word: str, amount: Decimal, before: Decimal, code: str) -> str:
    if amount == before or limits is None or limits.pool is None:
        return ""
    mode = "scaled down" if (limits.overflow or "scale down") == "scale down" else "limited"
    pool = format_money(limits.pool.amount, code, whole=True)
    return f"; {mode} to {format_money(amount, code)} by the {pool} {word}"


def cap_text(raw: Decimal, limits: ir.Limits, code: str) -> str:
    """``, capped at $500`` when the per-participant cap cut ``raw``."""
    cap = limits.per_participant
    if cap is not None and raw > cap.amount:
        return f", capped at {format_money(cap.amount, code, whole=True)}"
    return ""
