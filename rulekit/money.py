"""Money arithmetic: ``Decimal`` only, rounded half-even to the currency's minor unit."""

from __future__ import annotations

import functools
from decimal import ROUND_HALF_EVEN, Decimal

from babel.numbers import UnknownCurrencyError, get_currency_precision, list_currencies


@functools.cache
def known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def is_currency(code: str) -> bool:
    return code in known_currencies()


@functools.cache
def _quantum(currency: str) -> Decimal:
    try:
        digits = get_currency_precision(currency)
    except UnknownCurrencyError:
        digits = 2
    return Decimal(1).scaleb(-digits)


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round half-even to the minor unit of ``currency`` (cents for USD, pence for GBP)."""
    return amount.quantize(_quantum(currency), rounding=ROUND_HALF_EVEN)


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of ``currency``: ``Decimal("0.01")`` for USD."""
    return _quantum(currency)
