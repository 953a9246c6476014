"""Reward arithmetic for one participant or one order, in ``Decimal``.

Pure functions shared by the compiled evaluator and by :mod:`rulekit.reasons`, so a
reason never shows a different number from the one paid. Pool and budget limits
depend on every participant and are applied at settlement, not here.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from rulekit import ir
from rulekit.money import round_money
from rulekit.pyeval.values import literal_value

ZERO = Decimal(0)


def as_decimal(value: object) -> Decimal | None:
    """A numeric metric value as ``Decimal`` (ratios exactly to 28 digits)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    return None


def rebate_raw(rebate: ir.Rebate, base: object) -> Decimal:
    """The rebate before caps: flat rate, or marginal / whole-tier brackets.

    A null or negative base earns nothing.
    """
    amount = as_decimal(base)
    if amount is None or amount <= 0:
        return ZERO
    if rebate.rate is not None:
        return amount * rebate.rate.fraction
    brackets = sorted(rebate.brackets, key=lambda b: b.threshold.amount)
    if rebate.mode is ir.BracketMode.WHOLE_TIER:
        reached = [b for b in brackets if amount >= b.threshold.amount]
        return amount * reached[-1].rate.fraction if reached else ZERO
    total = ZERO
    for index, bracket in enumerate(brackets):
        upper = brackets[index + 1].threshold.amount if index + 1 < len(brackets) else None
        top = amount if upper is None else min(amount, upper)
        if top > bracket.threshold.amount:
            total += (top - bracket.threshold.amount) * bracket.rate.fraction
    return total


def capped(raw: Decimal, limits: ir.Limits, currency: str) -> Decimal:
    """Apply the per-participant cap, then round half-even to the minor unit."""
    if limits.per_participant is not None and raw > limits.per_participant.amount:
        raw = limits.per_participant.amount
    return round_money(raw, currency)


def bonus_raw(bonus: ir.Bonus, value: object) -> Decimal:
    """``unit amount × metric value``; a null or negative value earns nothing."""
    amount = as_decimal(value)
    if amount is None or amount <= 0:
        return ZERO
    return bonus.unit_amount.amount * amount


def milestone_tiers(milestone: ir.Milestone, value: object) -> list[ir.MilestoneTier]:
    """The tiers whose threshold ``value`` reaches, in source order."""
    if value is None:
        return []
    reached: list[ir.MilestoneTier] = []
    for tier in milestone.tiers:
        threshold = literal_value(tier.threshold)
        try:
            if value >= threshold:  # type: ignore[operator]
                reached.append(tier)
        except TypeError:
            continue
    return reached


def milestone_raw(milestone: ir.Milestone, value: object) -> Decimal:
    """``highest`` pays the top tier reached; ``cumulative`` pays every tier reached."""
    reached = milestone_tiers(milestone, value)
    if not reached:
        return ZERO
    if milestone.mode == "cumulative":
        return sum((t.amount.amount for t in reached), ZERO)
    return max(t.amount.amount for t in reached)


def subsidy_for_order(subsidy: ir.Subsidy, cost: Decimal, currency: str) -> Decimal:
    """One order's subsidy: full / share / fixed, the per-order cap, never above the cost."""
    if cost <= 0:
        return round_money(ZERO, currency)
    if subsidy.kind is ir.SubsidyKind.FULL:
        amount = cost
    elif isinstance(subsidy.amount, ir.Percent):
        amount = cost * subsidy.amount.fraction
    elif isinstance(subsidy.amount, ir.Money):
        amount = subsidy.amount.amount
    else:
        amount = cost
    if subsidy.limits.per_order is not None:
        amount = min(amount, subsidy.limits.per_order.amount)
    return round_money(min(amount, cost), currency)


def prize_for_position(prize: ir.Prize, position: int) -> Decimal:
    """The schedule's prize for one position (0 when the schedule has none)."""
    for tier in prize.schedule:
        if tier.first <= position <= tier.last:
            return tier.amount.amount
    return ZERO
