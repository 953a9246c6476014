"""A pure-Python reference for the population rules of ``docs/semantics.md``.

Ranking with competition ranks and shared-rank policies, prize positions, per-participant
caps, pools and budgets (scale down / first come), ``max orders`` and per-order budgets, for
the whole program or per local day, ISO week or month (``budget: … per day``).
It is written from the semantics document alone and imports nothing from ``rulekit``: it is
the oracle the SQL settlement is checked against (``tests/test_population.py``).

All money here is in integer minor units (cents), so every rounding is explicit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from zoneinfo import ZoneInfo

Key = tuple[object, ...]


def competition_ranks(ids: Sequence[str], sort_key: Callable[[str], Key], break_ties_by_id: bool) -> dict[str, int]:
    """1, 2, 2, 4: equal keys share a rank; with ``break_ties_by_id`` the id ends every tie."""
    full_key: Callable[[str], Key] = (lambda i: (*sort_key(i), i)) if break_ties_by_id else sort_key
    ordered = sorted(ids, key=full_key)
    ranks: dict[str, int] = {}
    for position, pid in enumerate(ordered, start=1):
        previous = ordered[position - 2] if position > 1 else None
        same = previous is not None and full_key(previous) == full_key(pid)
        ranks[pid] = ranks[previous] if same and previous is not None else position
    return ranks


def descending(value: Decimal | None) -> tuple[int, Decimal]:
    """Sort key part: largest first, nulls last."""
    return (1, Decimal(0)) if value is None else (0, -value)


def ascending(value: object) -> tuple[int, object]:
    return (1, "") if value is None else (0, value)


@dataclass(frozen=True)
class Schedule:
    """``rank A to B: amount`` tiers, in minor units."""

    tiers: tuple[tuple[int, int, int], ...]

    def at(self, position: int) -> int:
        return next((amount for first, last, amount in self.tiers if first <= position <= last), 0)


def prizes(
    ranks: dict[str, int], schedule: Schedule, top: int | None, shared: str | None, cap_each: int | None
) -> dict[str, int]:
    """Prize per ranked participant before the pool, in minor units."""
    group_size: dict[int, int] = {}
    for rank in ranks.values():
        group_size[rank] = group_size.get(rank, 0) + 1
    out: dict[str, int] = {}
    for pid, rank in ranks.items():
        if top is not None and rank > top:
            out[pid] = 0
            continue
        k = group_size[rank]
        # Under `split` the group occupies positions rank .. rank+k-1 and shares their prizes,
        # rounded down; otherwise each gets the prize of position `rank`.
        amount = sum(schedule.at(p) for p in range(rank, rank + k)) // k if shared == "split" else schedule.at(rank)
        out[pid] = amount if cap_each is None else min(amount, cap_each)
    return out


def apply_pool(amounts: dict[str, int], order: Sequence[str], pool: int | None, overflow: str | None) -> dict[str, int]:
    """A pool cap / budget over ``amounts``: scale down (each rounded down) or first come in ``order``."""
    total = sum(amounts.values())
    if pool is None or total <= pool:
        return dict(amounts)
    if (overflow or "scale down") == "scale down":
        return {pid: amount * pool // total for pid, amount in amounts.items()}
    paid: dict[str, int] = {}
    left = pool
    for pid in order:
        paid[pid] = min(amounts[pid], left)
        left -= paid[pid]
    return paid


def to_minor(amount: Decimal) -> int:
    """Half-even rounding to the cent, as the semantics requires for every paid amount."""
    return int(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN) * 100)


def floor_minor(amount: Decimal) -> int:
    return int(amount.quantize(Decimal("0.01"), rounding=ROUND_FLOOR) * 100)


def flat_rebate(base: Decimal | None, rate: Decimal) -> Decimal:
    return Decimal(0) if base is None or base <= 0 else base * rate


def bracket_rebate(base: Decimal | None, brackets: Sequence[tuple[Decimal, Decimal]], mode: str) -> Decimal:
    """``brackets``: (threshold, rate) pairs. marginal: each slice at its rate; whole-tier: all at the top one."""
    if base is None or base <= 0:
        return Decimal(0)
    ordered = sorted(brackets)
    if mode == "whole-tier":
        reached = [rate for threshold, rate in ordered if base >= threshold]
        return base * reached[-1] if reached else Decimal(0)
    total = Decimal(0)
    for index, (threshold, rate) in enumerate(ordered):
        top = ordered[index + 1][0] if index + 1 < len(ordered) else None
        upper = base if top is None else min(base, top)
        total += max(upper - threshold, Decimal(0)) * rate
    return total


@dataclass(frozen=True)
class Order:
    order_id: str
    participant: str
    ts: object  # comparable instant
    cost: Decimal


def budget_period(ts: dt.datetime, period: str | None, zone: str) -> object:
    """The calendar period of a budget ``per day|week|month`` an instant falls in: its local
    date, ISO (year, week) or (year, month) in ``zone``; one period for a budget without one."""
    if period is None:
        return None
    local = ts.astimezone(ZoneInfo(zone)).date()
    if period == "day":
        return local
    if period == "week":
        return local.isocalendar()[:2]
    return (local.year, local.month)


def order_subsidies(
    orders: Sequence[Order],
    amount_of: Callable[[Decimal], Decimal],
    per_order_cap: Decimal | None,
    max_orders: int | None,
    pool: int | None,
    overflow: str | None,
    period: str | None = None,
    zone: str = "UTC",
) -> dict[str, int]:
    """Subsidy paid per participant, in minor units, over its candidate orders (already filtered).

    With a budget ``period`` every local day (ISO week, month) of ``zone`` has its own pool."""
    chronological = sorted(orders, key=lambda o: (o.ts, o.order_id))
    before: dict[str, int] = {}
    taken: dict[str, int] = {}
    for order in chronological:
        amount = Decimal(0)
        if order.cost > 0:
            amount = amount_of(order.cost)
            if per_order_cap is not None:
                amount = min(amount, per_order_cap)
            amount = min(amount, order.cost)  # never above the cost itself
        count = taken.get(order.participant, 0) + 1
        taken[order.participant] = count
        within = max_orders is None or count <= max_orders
        before[order.order_id] = to_minor(amount) if within else 0
    groups: dict[object, list[Order]] = {}
    for order in chronological:
        groups.setdefault(budget_period(order.ts, period, zone), []).append(order)  # type: ignore[arg-type]
    paid: dict[str, int] = {}
    for group in groups.values():
        amounts = {o.order_id: before[o.order_id] for o in group}
        paid.update(apply_pool(amounts, [o.order_id for o in group], pool, overflow))
    per_participant: dict[str, int] = {}
    for order in chronological:
        per_participant[order.participant] = per_participant.get(order.participant, 0) + paid[order.order_id]
    return per_participant
