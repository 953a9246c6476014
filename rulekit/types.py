"""The value types of rule-file expressions, with their units.

The checker infers a :class:`ValueType` for every metric, column and expression, and
the evaluators use the same model to pick a representation (``Decimal`` money in the
program currency, ``int`` counts, seconds of ``Decimal`` time, exact ratios).

``UNKNOWN`` is the type of a name that did not resolve: it is compatible with
everything, so one misspelt name produces one diagnostic, not a cascade.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from rulekit import ir


class Kind(enum.Enum):
    MONEY = "money"
    PERCENT = "percent"
    RATIO = "ratio"
    DURATION = "duration"
    COUNT = "count"
    INT = "int"
    DECIMAL = "decimal"
    STRING = "string"
    BOOL = "bool"
    TIMESTAMP = "timestamp"
    DATE = "date"
    UNKNOWN = "unknown"


# Plain numbers without a unit: interchangeable with each other.
_PLAIN_NUMBERS = frozenset({Kind.COUNT, Kind.INT, Kind.DECIMAL})
# Kinds that `sum`, `average`, `min` and `max` accept.
NUMERIC = frozenset({Kind.COUNT, Kind.INT, Kind.DECIMAL, Kind.MONEY, Kind.DURATION, Kind.PERCENT})
# Kinds whose values have an order, so `<`/`>` apply.
_ORDERED = NUMERIC | {Kind.RATIO, Kind.TIMESTAMP, Kind.DATE}

_WORDS: dict[Kind, str] = {
    Kind.MONEY: "money",
    Kind.PERCENT: "a percentage",
    Kind.RATIO: "a ratio",
    Kind.DURATION: "a duration",
    Kind.COUNT: "a count",
    Kind.INT: "a whole number",
    Kind.DECIMAL: "a number",
    Kind.STRING: "text",
    Kind.BOOL: "a true/false value",
    Kind.TIMESTAMP: "a timestamp",
    Kind.DATE: "a date",
    Kind.UNKNOWN: "an unknown value",
}


@dataclass(frozen=True, slots=True)
class ValueType:
    """A value's kind; money also carries its ISO currency (``None`` when unknown)."""

    kind: Kind
    currency: str | None = None

    def describe(self) -> str:
        """Words for messages: ``money (USD)``, ``a duration``."""
        if self.kind is Kind.MONEY and self.currency:
            return f"money ({self.currency})"
        return _WORDS[self.kind]

    @property
    def is_unknown(self) -> bool:
        return self.kind is Kind.UNKNOWN

    @property
    def is_bool(self) -> bool:
        return self.kind in (Kind.BOOL, Kind.UNKNOWN)

    @property
    def is_numeric(self) -> bool:
        return self.kind in NUMERIC or self.kind is Kind.UNKNOWN

    @property
    def is_ordered(self) -> bool:
        return self.kind in _ORDERED or self.kind is Kind.UNKNOWN


UNKNOWN = ValueType(Kind.UNKNOWN)
BOOL = ValueType(Kind.BOOL)
COUNT = ValueType(Kind.COUNT)
RATIO = ValueType(Kind.RATIO)
DURATION = ValueType(Kind.DURATION)

_COLUMN_KINDS: dict[ir.ColumnType, Kind] = {
    ir.ColumnType.STRING: Kind.STRING,
    ir.ColumnType.INT: Kind.INT,
    ir.ColumnType.DECIMAL: Kind.DECIMAL,
    ir.ColumnType.MONEY: Kind.MONEY,
    ir.ColumnType.BOOL: Kind.BOOL,
    ir.ColumnType.TIMESTAMP: Kind.TIMESTAMP,
    ir.ColumnType.DATE: Kind.DATE,
    ir.ColumnType.DURATION: Kind.DURATION,
    ir.ColumnType.PERCENT: Kind.PERCENT,
}


def of_column(column: ir.Column, currency: str | None) -> ValueType:
    """A column's type; money columns hold amounts in the program currency."""
    declared = column.type
    if declared is None:
        return UNKNOWN
    kind = _COLUMN_KINDS[declared]
    return ValueType(kind, currency if kind is Kind.MONEY else None)


def of_literal(literal: ir.Literal) -> ValueType:
    """The type of a literal as written."""
    match literal:
        case ir.Money():
            return ValueType(Kind.MONEY, literal.currency)
        case ir.Percent():
            return ValueType(Kind.PERCENT)
        case ir.Duration():
            return DURATION
        case ir.Number():
            integral = literal.value == literal.value.to_integral_value()
            return ValueType(Kind.INT if integral else Kind.DECIMAL)
        case ir.String():
            return ValueType(Kind.STRING)
        case ir.Bool():
            return BOOL
        case ir.DateValue(time=None):
            return ValueType(Kind.DATE)
        case ir.DateValue():
            return ValueType(Kind.TIMESTAMP)  # a date and time of day: a moment
    return UNKNOWN  # pragma: no cover - the match is exhaustive


def comparable(left: ValueType, right: ValueType) -> bool:
    """Whether two values may be compared: same unit, or plain numbers.

    Money compares with money of any currency here; a foreign currency is reported
    once, where the literal is written. A ratio compares with a percentage or a plain
    number, never with money or time. A timestamp compares with a date.
    """
    a, b = left.kind, right.kind
    if Kind.UNKNOWN in (a, b) or a is b:
        return True
    if a in _PLAIN_NUMBERS and b in _PLAIN_NUMBERS:
        return True
    if Kind.RATIO in (a, b):
        # A ratio is a share, so it only makes sense against a share written out
        # (`30%`, `0.3`); a count or an amount would be a unit mistake.
        other = b if a is Kind.RATIO else a
        return other in (Kind.INT, Kind.DECIMAL, Kind.PERCENT)
    return {a, b} == {Kind.TIMESTAMP, Kind.DATE}


def unit_hint(expected: ValueType, written: ValueType) -> str | None:
    """How to rewrite a literal of type ``written`` where ``expected`` is needed."""
    if written.kind in _PLAIN_NUMBERS:
        if expected.kind is Kind.MONEY:
            return "write the amount with its currency symbol, like `$1,000`"
        if expected.kind is Kind.DURATION:
            return "write the time with its unit, like `14 hours`"
        if expected.kind is Kind.PERCENT:
            return "write a percentage with `%`, like `30%`"
    if expected.kind in _PLAIN_NUMBERS and written.kind in (Kind.MONEY, Kind.DURATION, Kind.PERCENT):
        return f"this value is {expected.describe()}; write a plain number, like `10`"
    return None
