"""Example values: typing them against declared columns, converting them to data, and
showing them to a reader.

A value in an example is a rule-language literal. In a ``given`` row it becomes the
Python value the data contract uses (money as ``Decimal`` in the program currency,
durations in seconds, percentages as fractions, timestamps as naive UTC); in an
expectation it is compared with the engines' canonical values the same way.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from rulekit import ir
from rulekit.money import minor_unit

CURRENCY_SIGNS = {code: sign for sign, code in ir.CURRENCY_SYMBOLS.items()}
RATIO_PLACES = Decimal("0.000001")  # an expected percentage compares with the exact ratio rounded to 6 places


_WORDS: dict[type, str] = {
    ir.Money: "an amount of money",
    ir.Percent: "a percentage",
    ir.Duration: "a duration",
    ir.Number: "a number",
    ir.String: "a text",
    ir.Bool: "true/false",
    ir.DateValue: "a date",
    ir.TimestampValue: "a timestamp",
    ir.NullValue: "null",
}


def kind_word(value: ir.ExampleValue) -> str:
    """What a value is, in words, for diagnostics."""
    return _WORDS[type(value)]


def type_word(value_type: type) -> str:
    """What a kind of value is, in words: ``type_word(ir.Money)`` is "an amount of money"."""
    return _WORDS[value_type]


_FITS: dict[ir.ColumnType, tuple[type, ...]] = {
    ir.ColumnType.STRING: (ir.String,),
    ir.ColumnType.INT: (ir.Number,),
    ir.ColumnType.DECIMAL: (ir.Number,),
    ir.ColumnType.MONEY: (ir.Money,),
    ir.ColumnType.BOOL: (ir.Bool,),
    ir.ColumnType.TIMESTAMP: (ir.TimestampValue, ir.DateValue),
    ir.ColumnType.DATE: (ir.DateValue,),
    ir.ColumnType.DURATION: (ir.Duration,),
    ir.ColumnType.PERCENT: (ir.Percent,),
}


def misfit(value: ir.ExampleValue, column_type: ir.ColumnType, currency: str | None) -> str | None:
    """Why ``value`` cannot go in a column of ``column_type``, or ``None`` when it fits."""
    if isinstance(value, ir.NullValue):
        return None
    if not isinstance(value, _FITS[column_type]):
        return f"the column is {column_type.value}, but the value is {kind_word(value)}"
    if isinstance(value, ir.Number) and column_type is ir.ColumnType.INT and value.value != int(value.value):
        return "the column is int, but the value has a fraction"
    if isinstance(value, ir.Money) and currency is not None and value.currency != currency:
        return f"the program pays in {currency}, but the amount is in {value.currency}"
    return None


def to_data(value: ir.ExampleValue, column_type: ir.ColumnType) -> object:
    """The value as the data contract carries it in a column of ``column_type``."""
    if isinstance(value, ir.NullValue):
        return None
    if isinstance(value, ir.Number):
        return int(value.value) if column_type is ir.ColumnType.INT else value.value
    if isinstance(value, ir.Money):
        return value.amount
    if isinstance(value, ir.Duration):
        return value.total_seconds
    if isinstance(value, ir.Percent):
        return value.fraction
    if isinstance(value, ir.DateValue) and column_type is ir.ColumnType.TIMESTAMP:
        return dt.datetime.combine(value.value, dt.time())
    return value.value


def show_money(amount: Decimal, currency: str) -> str:
    """``$4,000.00``: the currency sign (or code) and the amount to the minor unit."""
    places = max(0, -minor_unit(currency).as_tuple().exponent)  # type: ignore[operator]
    sign = "-" if amount < 0 else ""
    text = f"{abs(amount):,.{places}f}"
    symbol = CURRENCY_SIGNS.get(currency)
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency}"


def _plain(number: Decimal) -> str:
    """A decimal without trailing zeros or exponent: ``14``, ``14.5``."""
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def show(value: ir.ExampleValue) -> str:
    """An expected value, written the way a rule file writes it."""
    if isinstance(value, ir.Money):
        return show_money(value.amount, value.currency)
    if isinstance(value, ir.Percent):
        return f"{_plain(value.value)}%"
    if isinstance(value, ir.Duration):
        return f"{_plain(value.amount)} {value.unit.value}"
    if isinstance(value, ir.Number):
        return _plain(value.value)
    if isinstance(value, ir.String):
        return f'"{value.value}"'
    if isinstance(value, ir.Bool):
        return "true" if value.value else "false"
    if isinstance(value, ir.DateValue):
        return value.value.isoformat()
    if isinstance(value, ir.TimestampValue):
        return value.value.strftime("%Y-%m-%d %H:%M:%S").removesuffix(":00")
    return "null"


def expected_number(value: ir.ExampleValue) -> Decimal | None:
    """The number an expected metric or amount stands for, in canonical units
    (seconds for durations, a fraction rounded to 6 places for percentages)."""
    if isinstance(value, ir.Money):
        return value.amount
    if isinstance(value, ir.Duration):
        return value.total_seconds
    if isinstance(value, ir.Percent):
        return value.fraction.quantize(RATIO_PLACES)
    if isinstance(value, ir.Number):
        return value.value
    return None


def _decimal(actual: int | Decimal | Fraction) -> Decimal:
    """A canonical number as a ``Decimal``; an exact ratio rounded half-even to 6 places, the
    precision expectations are written and compared in."""
    if isinstance(actual, Fraction):
        return Decimal(round(actual * 10**6)).scaleb(-6)  # Fraction.__round__: half-even, exactly
    return Decimal(actual)


def show_like(actual: int | Decimal | Fraction | None, expected: ir.ExampleValue) -> str:
    """An actual canonical number, shown in the unit the expectation was written in."""
    if actual is None:
        return "null"
    number = _decimal(actual)
    if isinstance(expected, ir.Money):
        return show_money(number, expected.currency)
    if isinstance(expected, ir.Duration):
        return f"{_plain(number / expected.unit.seconds)} {expected.unit.value}"
    if isinstance(expected, ir.Percent):
        return f"{_plain(number * 100)}%"
    return _plain(number)


def same_number(actual: int | Decimal | Fraction | None, expected: ir.ExampleValue) -> bool:
    """Exact comparison in canonical units; percentages compare at 6 decimal places."""
    want = expected_number(expected)
    if actual is None or want is None:
        return actual is None and isinstance(expected, ir.NullValue)
    got = _decimal(actual)
    if isinstance(expected, ir.Percent):
        got = got.quantize(RATIO_PLACES)
    return got == want
