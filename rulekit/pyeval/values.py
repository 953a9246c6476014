"""Literals as comparable Python values, and exact ratios.

Comparisons must be exact (``docs/semantics.md``): a percentage becomes a
:class:`~fractions.Fraction` (``30%`` is ``3/10``), a duration its seconds as
``Decimal``, money its ``Decimal`` amount. ``Decimal`` and ``Fraction`` compare
exactly with each other, so ``Fraction(7, 20) > Fraction(3, 10)`` needs no rounding.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from rulekit import ir
from rulekit.timeutil import instant

Comparable = Decimal | Fraction | int | str | bool | dt.date | dt.datetime

COMPARE_OPS: dict[ir.CompareOp, Callable[[Any, Any], Any]] = {
    ir.CompareOp.EQ: operator.eq,
    ir.CompareOp.NE: operator.ne,
    ir.CompareOp.LT: operator.lt,
    ir.CompareOp.LE: operator.le,
    ir.CompareOp.GT: operator.gt,
    ir.CompareOp.GE: operator.ge,
}


def compare(op: ir.CompareOp, left: object, right: object, tz: ZoneInfo) -> bool | None:
    """``left op right`` in three-valued logic, as both ``decide`` and the explanations read it.

    A date compared with a timestamp is the local midnight of that date in ``tz``; a naive
    timestamp is UTC. Values of kinds that do not compare (the checker rejects those) and
    nulls give ``None`` (unknown).
    """
    if left is None or right is None:
        return None
    try:
        return bool(COMPARE_OPS[op](left, right))
    except TypeError:
        if isinstance(left, dt.date) and isinstance(right, dt.date):
            return bool(COMPARE_OPS[op](instant(left, tz), instant(right, tz)))
        return None


def literal_value(literal: ir.Literal) -> Comparable:
    """The value a literal compares as."""
    if isinstance(literal, ir.Money):
        return literal.amount
    if isinstance(literal, ir.Percent):
        return Fraction(literal.value) / 100
    if isinstance(literal, ir.Duration):
        return literal.total_seconds
    if isinstance(literal, ir.Number):
        return literal.value
    return literal.value


def ratio(numerator: object, denominator: object) -> Fraction | None:
    """``a / b`` exactly; ``None`` when either is null or ``b`` is zero."""
    if numerator is None or denominator is None:
        return None
    if not isinstance(numerator, int | Decimal | Fraction) or not isinstance(denominator, int | Decimal | Fraction):
        return None
    if denominator == 0:
        return None
    return Fraction(numerator) / Fraction(denominator)


def seconds(delta: dt.timedelta) -> Decimal:
    """A timedelta as exact ``Decimal`` seconds (``total_seconds()`` is a float)."""
    whole = delta.days * 86400 + delta.seconds
    if delta.microseconds:
        return Decimal(whole) + Decimal(delta.microseconds).scaleb(-6)
    return Decimal(whole)
