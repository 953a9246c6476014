"""Top-level and reward-level reasons in plain words, and the value formatting they share.

Both evaluators call these functions, so a decision and a settlement explain the same
outcome with the same words. They are pure and deterministic: same inputs, same text.
Clause reasons are worded from the trace of the clause's evaluation, in
:mod:`rulekit.clause_reasons`; :func:`outcome_reasons` is the one function that words the
top-level reasons of a decision and of a settlement row.

Conventions for the inputs of reward reasons: ``values`` maps names to values for one
participant: its participant-level metrics and its participant columns. Metric values are
canonical (``docs/semantics.md``): ``int`` counts, ``Decimal`` money and seconds, ratios
as ``Fraction`` or as the reported ``Decimal``.

Examples::

    rank 1 of 4: prize $600.00; scaled down to $545.45 by the $1,000 pool cap
    rebate 2% of net sales $12,000.00 = $240.00
    not eligible: fails uk_merchant
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

from babel.numbers import UnknownCurrencyError, get_currency_precision, get_currency_symbol

from rulekit import ir
from rulekit.money import round_money
from rulekit.pyeval import rewards as arithmetic
from rulekit.pyeval.types import ValueType, currency, label, metric_type, name_type
from rulekit.results import ClauseOutcome

__all__ = [
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
        return f"first {length} from {window.anchor.replace('_', ' ')}"
    return name.replace("_", " ")


# -------------------------------------------------------------------- top-level reasons


def outcome_reasons(clauses: Iterable[ClauseOutcome], qualified: bool) -> list[str]:
    """The top-level reasons of a decision or a settlement row: the one function that words
    them, from the clause outcomes both report (``decide`` adds notes on what a single
    decision cannot know after these)."""
    rows = [(c.kind, c.name, c.holds, c.judged) for c in clauses]
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
    """Why a participant gets a reward, with the arithmetic.

    ``amount`` is what is paid, ``before_limits`` what it would be without pool or
    budget limits (both after the per-participant cap). For prizes, ``rank`` is the
    participant's rank, ``ranked`` how many were ranked and ``tied`` the size of its
    tie group; for subsidies, ``orders`` is the number of subsidised orders and
    ``candidates`` the number that qualified before ``max orders`` cut them.
    """
    code = currency(program)
    if isinstance(reward, ir.Prize):
        text = _prize_text(reward, code, rank, ranked, tied, before_limits)
    elif isinstance(reward, ir.Rebate):
        text = _rebate_text(program, reward, values.get(reward.base), code)
    elif isinstance(reward, ir.Bonus):
        text = _bonus_text(program, reward, values.get(reward.metric), code)
    elif isinstance(reward, ir.Milestone):
        text = _milestone_text(program, reward, values.get(reward.metric), code)
    elif isinstance(reward, ir.Subsidy):
        count = "" if orders is None else f" on {orders:,} order" + ("" if orders == 1 else "s")
        text = f"{reward.name.replace('_', ' ')}{count}: {format_money(before_limits, code)}"
        text += _order_limit_text(reward, candidates)
    else:
        text = f"{reward.name.replace('_', ' ')}: {format_money(before_limits, code)}"
    return text + _limit_text(reward, amount, before_limits, code)


def _order_limit_text(subsidy: ir.Subsidy, candidates: int | None) -> str:
    """``; only the first 500 of its 512 qualifying orders (500 per merchant)``, when the limit cut."""
    limit = subsidy.limits.max_orders
    if limit is None or candidates is None or candidates <= limit:
        return ""
    noun = subsidy.limits.max_orders_noun or "participant"
    return f"; only the first {limit:,} of its {candidates:,} qualifying orders ({limit:,} per {noun})"


def _limit_text(reward: ir.Reward, amount: Decimal, before: Decimal, code: str) -> str:
    limits = getattr(reward, "limits", None)
    if amount == before or limits is None or limits.pool is None:
        return ""
    mode = "scaled down" if (limits.overflow or "scale down") == "scale down" else "limited"
    word = "pool cap" if isinstance(reward, ir.Prize) else "budget"
    pool = format_money(limits.pool.amount, code, whole=True)
    return f"; {mode} to {format_money(amount, code)} by the {pool} {word}"


def _prize_text(prize: ir.Prize, code: str, rank: int | None, ranked: int | None, tied: int, paid: Decimal) -> str:
    if rank is None:
        return "not ranked: no prize"
    of = f" of {ranked}" if ranked is not None else ""
    if tied <= 1:
        return f"rank {rank}{of}: prize {format_money(paid, code)}"
    positions = range(rank, rank + tied)
    pot = sum((arithmetic.prize_for_position(prize, p) for p in positions), Decimal(0))
    return (
        f"rank {rank}{of}, tied with {tied - 1} other" + ("s" if tied > 2 else "") + f": positions {rank}–"
        f"{rank + tied - 1} share {format_money(pot, code, whole=True)}, {format_money(paid, code)} each"
    )


def _cap_text(raw: Decimal, limits: ir.Limits, code: str) -> str:
    cap = limits.per_participant
    if cap is not None and raw > cap.amount:
        return f", capped at {format_money(cap.amount, code, whole=True)}"
    return ""


def _rebate_text(program: ir.Program, rebate: ir.Rebate, base: object, code: str) -> str:
    words = label(program, rebate.base)
    base_type = name_type(program, rebate.base)
    shown = format_value(program, base_type, base)
    decimal_base = arithmetic.as_decimal(base)
    if decimal_base is None or decimal_base <= 0:
        return f"no rebate: {words} is {shown}"
    raw = arithmetic.rebate_raw(rebate, base)
    raw_text = format_money(round_money(raw, code), code)
    if rebate.rate is not None:
        head = f"rebate {format_literal(rebate.rate)} of {words} {shown} = {raw_text}"
    elif rebate.mode is ir.BracketMode.WHOLE_TIER:
        reached = [b for b in rebate.brackets if decimal_base >= b.threshold.amount]
        if not reached:
            first = min(b.threshold.amount for b in rebate.brackets)
            return f"no rebate: {words} {shown} is below the first bracket ({format_money(first, code, whole=True)})"
        top = max(reached, key=lambda b: b.threshold.amount)
        head = (
            f"rebate {format_literal(top.rate)} (bracket from {format_literal(top.threshold)}) "
            f"of {words} {shown} = {raw_text}"
        )
    else:
        head = f"marginal rebate on {words} {shown}: {_slices(rebate, decimal_base, code)} = {raw_text}"
    return head + _cap_text(raw, rebate.limits, code)


def _slices(rebate: ir.Rebate, base: Decimal, code: str) -> str:
    brackets = sorted(rebate.brackets, key=lambda b: b.threshold.amount)
    parts = []
    for index, bracket in enumerate(brackets):
        upper = brackets[index + 1].threshold.amount if index + 1 < len(brackets) else None
        top = base if upper is None else min(base, upper)
        if top > bracket.threshold.amount:
            low = format_money(bracket.threshold.amount, code, whole=True)
            high = format_money(top, code, whole=top == upper)
            parts.append(f"{format_literal(bracket.rate)} of {low}–{high}")
    return " + ".join(parts) if parts else "below the first bracket"


def _bonus_text(program: ir.Program, bonus: ir.Bonus, value: object, code: str) -> str:
    words = label(program, bonus.metric)
    shown = format_value(program, name_type(program, bonus.metric), value)
    raw = arithmetic.bonus_raw(bonus, value)
    unit = format_literal(bonus.unit_amount)
    text = f"{unit} per unit × {words} {shown} = {format_money(round_money(raw, code), code)}"
    return text + _cap_text(raw, bonus.limits, code)


def _milestone_text(program: ir.Program, milestone: ir.Milestone, value: object, code: str) -> str:
    words = label(program, milestone.metric)
    metric = program.metric(milestone.metric)
    value_type = metric_type(program, metric) if metric else name_type(program, milestone.metric)
    shown = format_value(program, value_type, value)
    reached = arithmetic.milestone_tiers(milestone, value)
    if not reached:
        first = milestone.tiers[0] if milestone.tiers else None
        need = f", the first tier ({first.name}) needs {format_literal(first.threshold)}" if first else ""
        return f"no tier reached: {words} {shown}{need}"
    raw = arithmetic.milestone_raw(milestone, value)
    if milestone.mode == "cumulative":
        paid = " + ".join(f"{t.name} {format_literal(t.amount)}" for t in reached)
        text = f"{words} {shown} reaches {paid} = {format_money(raw, code)}"
    else:
        top = max(reached, key=lambda t: t.amount.amount)
        text = (
            f"{top.name} reached ({words} {shown}, needs {format_literal(top.threshold)}): {format_literal(top.amount)}"
        )
    return text + _cap_text(raw, milestone.limits, code)
