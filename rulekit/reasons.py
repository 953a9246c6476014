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
from typing import Protocol

from babel.numbers import UnknownCurrencyError, get_currency_precision, get_currency_symbol

from rulekit import ir
from rulekit.plan.kinds import kind_of
from rulekit.pyeval.types import ValueType, currency
from rulekit.rewards.base import Paid

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
    if literal.time is not None:
        return f"{literal.value.isoformat()} {literal.time.strftime('%H:%M')}"
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
        within = f" within {window.within.replace('_', ' ')}" if window.within else ""
        return f"first {length} from {window.anchor.replace('_', ' ')}{inclusive}{within}"
    return name.replace("_", " ")


# -------------------------------------------------------------------- top-level reasons


class ClauseLike(Protocol):
    """What the top-level reasons read of a clause outcome (a ``ClauseOutcome`` or the fast
    path's lightweight one)."""

    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def holds(self) -> bool: ...
    @property
    def judged(self) -> bool: ...


def outcome_reasons(clauses: Iterable[ClauseLike], qualified: bool) -> list[str]:
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
    budget_day: int | None = None,
    budget_used: int | None = None,
    budget_cut: int | None = None,
) -> str:
    """Why a participant gets a reward, with the arithmetic: its kind's words
    (:mod:`rulekit.rewards`), then what a pool or budget took.

    ``amount`` is what is paid, ``before_limits`` what it would be without pool or
    budget limits (both after the per-participant cap). For prizes, ``rank`` is the
    participant's rank, ``ranked`` how many were ranked and ``tied`` the size of its
    tie group; for subsidies, ``orders`` is the number of subsidised orders and
    ``candidates`` the number that qualified before ``max orders`` cut them. With a budget
    per day (week, month), ``budget_day`` is the first local day (``YYYYMMDD``) of the first
    period whose budget cut one of its orders, ``budget_used`` what that period's budget had
    already paid (minor units) when it did, and ``budget_cut`` how many periods cut its orders.
    """
    code = currency(program)
    kind = kind_of(reward)
    paid = Paid(amount, before_limits, rank, ranked, tied, orders, candidates)
    text = kind.reason(program, reward, values, code, paid)
    limits = kind.limits(reward)
    text += _limit_text(limits, kind.pool_word, amount, before_limits, code)
    if limits is not None and amount != before_limits and budget_day is not None:
        text += _period_text(limits, code, budget_day, budget_used, budget_cut)
    return text


def _period_text(limits: ir.Limits, code: str, day: int, used: int | None, cut: int | None) -> str:
    """``: on 2024-03-28 £47.88 of that day's £50 was already paid to earlier orders (and 1 more day)``."""
    period = limits.pool_period or "day"
    first = dt.date(day // 10_000, day // 100 % 100, day % 100)
    when = {"day": f"on {first.isoformat()}", "week": f"in the week of {first.isoformat()}"}.get(
        period, f"in {first.isoformat()[:7]}"
    )
    text = f" per {period}: {when}"
    pool = limits.pool
    if used is not None and pool is not None and (limits.overflow or "scale down") == "first come":
        spent = Decimal(used).scaleb(-get_currency_precision(code))
        text += f" {format_money(spent, code)} of that {period}'s {format_money(pool.amount, code, whole=True)} "
        text += "was already paid to earlier orders"
    more = (cut or 1) - 1
    if more > 0:
        text += f" (and {more} more {period}{'' if more == 1 else 's'})"
    return text


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
