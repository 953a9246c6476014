"""The steps of reward arithmetic in Python that every kind shares, in ``Decimal``.

A kind's formula is in its module of :mod:`rulekit.rewards` (used by the compiled
evaluator and by the reasons alike, so a reason never shows a different number from
the one paid); the per-participant cap and rounding are here. Pool and budget limits
depend on every participant and are applied at settlement, not here.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from rulekit import ir
from rulekit.money import round_money

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


def capped(raw: Decimal, limits: ir.Limits, currency: str) -> Decimal:
    """Apply the per-participant cap, then round half-even to the minor unit."""
    if limits.per_participant is not None and raw > limits.per_participant.amount:
        raw = limits.per_participant.amount
    return round_money(raw, currency)
