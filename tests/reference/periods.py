"""A pure-Python reference for pay periods (``docs/semantics.md#pay-periods``).

Written from the semantics document alone; imports nothing from ``rulekit``. It settles
one shape of program paid per period: a marginal-bracket rebate on sales to date (with an
optional cap per period) and a per-order bonus with a cap per period, over orders
``(seller, instant, gmv)``. Money is in integer cents so every rounding is explicit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Shape:
    """The generated program's parameters."""

    unit: str  # "month" | "week" | "day"
    first: dt.date  # the pay window's first local day
    last: dt.date  # its last local day (inclusive)
    brackets: tuple[tuple[int, Decimal], ...]  # (threshold in cents, rate as a fraction), from 0 up
    rebate_cap: int | None  # cents per period, or None
    bonus_unit: int  # cents per order
    bonus_cap: int  # cents per period
    timezone: str


def period_key(unit: str, day: dt.date) -> str:
    """The label of the calendar period a local day is in."""
    if unit == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if unit == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return day.isoformat()


def labels(shape: Shape) -> list[str]:
    """Every period the window touches, in order (one per distinct key of its days)."""
    out: list[str] = []
    day = shape.first
    while day <= shape.last:
        key = period_key(shape.unit, day)
        if not out or out[-1] != key:
            out.append(key)
        day += dt.timedelta(days=1)
    return out


def marginal(base: int, brackets: Sequence[tuple[int, Decimal]]) -> int:
    """Cents due on ``base`` cents: each slice above a threshold at its bracket's rate, rounded once."""
    if base <= 0:
        return 0
    total = Decimal(0)
    for i, (threshold, rate) in enumerate(brackets):
        upper = brackets[i + 1][0] if i + 1 < len(brackets) else None
        top = base if upper is None else min(base, upper)
        if top > threshold:
            total += (top - threshold) * rate
    return int(total.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def settle(
    shape: Shape, sellers: Sequence[str], orders: Sequence[tuple[str, dt.datetime, int]]
) -> dict[tuple[str, str], tuple[int, int]]:
    """(seller, period label) -> (rebate cents, bonus cents) paid in that period."""
    tz = ZoneInfo(shape.timezone)
    periods = labels(shape)
    inside: dict[str, list[tuple[str, int]]] = {s: [] for s in sellers}  # (period label, gmv)
    for seller, instant, gmv in orders:
        day = instant.astimezone(tz).date()
        if shape.first <= day <= shape.last:
            inside[seller].append((period_key(shape.unit, day), gmv))
    out: dict[tuple[str, str], tuple[int, int]] = {}
    for seller in sellers:
        paid = 0
        to_date = 0
        for label in periods:
            mine = [gmv for key, gmv in inside[seller] if key == label]
            to_date += sum(mine)
            pay = max(0, marginal(to_date, shape.brackets) - paid)
            if shape.rebate_cap is not None:
                pay = min(pay, shape.rebate_cap)
            paid += pay
            bonus = min(len(mine) * shape.bonus_unit, shape.bonus_cap)
            out[(seller, label)] = (pay, bonus)
    return out
