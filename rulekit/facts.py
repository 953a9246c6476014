"""Input facts for a single decision: JSON-friendly values to typed rows.

Facts are a mapping from table name to rows. The participant table maps to one row
(a dict); every other table maps to a list of rows, or to one dict — the event being
decided (one order). Values may be Python objects or JSON-friendly strings:

* ``timestamp``: ``datetime`` or an ISO-8601 string; a naive time is UTC;
* ``money`` / ``decimal`` / ``percent``: ``Decimal``, ``int`` or a numeric string
  (a ``float`` is converted through ``str()``, never used in arithmetic);
* ``bool``: ``True``/``False`` or ``"true"``/``"false"``; ``int``: whole numbers;
* ``duration``: seconds, or a ``timedelta``; ``date``: ``date`` or ``YYYY-MM-DD``.

Every problem is a :class:`FactsError` naming the table, column and row index.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from rulekit import ir
from rulekit.conversion import text_bool, text_date, text_number, text_timestamp, too_fine
from rulekit.errors import FactsError as FactsError  # re-exported: its long-standing home
from rulekit.errors import RulekitError

UTC = dt.UTC

Row = dict[str, Any]
Converter = Callable[[Any], Any]


class _BadValueError(RulekitError):
    """A value a converter cannot use; becomes a :class:`FactsError` with its position."""


# ----------------------------------------------------------------------- converters


def _to_text(value: Any) -> str:
    if type(value) is str:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # numeric ids from JSON read as the same text
    raise _BadValueError(f"expected text, got {_shown(value)}")


_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1


def _to_int(value: Any) -> int:
    if type(value) is int and _INT_MIN <= value <= _INT_MAX:
        return value
    if isinstance(value, bool):
        raise _BadValueError(f"expected a whole number, got {_shown(value)}")
    number = _to_decimal(value)
    if number != number.to_integral_value():
        raise _BadValueError(f"expected a whole number, got {_shown(value)}")
    if not _INT_MIN <= number <= _INT_MAX:  # the settlement stores ints as BIGINT
        raise _BadValueError(f"expected a whole number between {_INT_MIN} and {_INT_MAX}, got {_shown(value)}")
    return int(number)


def _to_decimal(value: Any) -> Decimal:
    if type(value) is Decimal:
        number = value
    elif isinstance(value, bool):
        raise _BadValueError(f"expected a number, got {_shown(value)}")
    elif isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, str):
        found = text_number(value)  # the spelling rule shared with the settle loader
        if found is None and too_fine(value):
            raise _BadValueError(f"expected at most {MAX_DECIMALS} decimal places, got {_shown(value)}")
        if found is None:
            raise _BadValueError(f"expected a number like -12.50, got {_shown(value)}")
        number = found
    elif isinstance(value, float):
        # A float goes through its shortest repr, so 0.1 reads as 0.1, not 0.1000000000000000055….
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise _BadValueError(f"expected a number, got {_shown(value)}") from None
    else:
        raise _BadValueError(f"expected a number, got {_shown(value)}")
    if not number.is_finite():
        raise _BadValueError(f"expected a finite number, got {_shown(value)}")
    if number and number.adjusted() >= MAX_WHOLE_DIGITS:
        # The SQL evaluator holds amounts as DECIMAL(38, 12): 26 digits before the point.
        raise _BadValueError(
            f"expected at most {MAX_WHOLE_DIGITS} digits before the decimal point, got {_shown(value)}"
        )
    if _decimal_places(number) > MAX_DECIMALS:
        # The SQL evaluator holds amounts as DECIMAL(38, 12); a finer value would be rounded
        # there and exact here, so neither evaluator accepts it (see data.py).
        raise _BadValueError(f"expected at most {MAX_DECIMALS} decimal places, got {_shown(value)}")
    return number


def _decimal_places(number: Decimal) -> int:
    """Significant decimal places (trailing zeros do not count), exactly for any size.

    Read off the digits and exponent, never through a context: ``normalize()`` would
    round, overflow or underflow for numbers like ``1E+999999999`` or ``1E-999999999``.
    """
    _, digits, exponent = number.as_tuple()
    if not isinstance(exponent, int) or exponent >= 0:
        return 0
    zeros = 0
    for digit in reversed(digits):
        if digit != 0 or zeros >= -exponent:
            break
        zeros += 1
    return max(-exponent - zeros, 0)


MAX_DECIMALS = 12
MAX_WHOLE_DIGITS = 26


def _to_bool(value: Any) -> bool:
    if value is True or value is False:
        return bool(value)
    if isinstance(value, str) and (found := text_bool(value)) is not None:
        return found  # the spelling rule shared with the settle loader
    if type(value) is int and value in (0, 1):
        return value == 1
    raise _BadValueError(f"expected true or false (or yes/no, 1/0), got {_shown(value)}")


def _to_timestamp(value: Any) -> dt.datetime:
    if type(value) is dt.datetime:
        stamp = value
    elif isinstance(value, str):
        found = text_timestamp(value)  # the spelling rule shared with the settle loader
        if found is None:
            raise _BadValueError(f"expected an ISO-8601 timestamp like 2022-02-14T09:30:00Z, got {_shown(value)}")
        stamp = found
    elif isinstance(value, dt.datetime):
        stamp = value
    else:
        raise _BadValueError(f"expected a timestamp, got {_shown(value)}")
    if stamp.tzinfo is None:
        return stamp.replace(tzinfo=UTC)
    return stamp if stamp.tzinfo is UTC else stamp.astimezone(UTC)


def _to_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        raise _BadValueError(f"expected a date, got the timestamp {_shown(value)}")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        found = text_date(value)  # the spelling rule shared with the settle loader
        if found is None:
            raise _BadValueError(f"expected a date like 2022-02-14, got {_shown(value)}")
        return found
    raise _BadValueError(f"expected a date, got {_shown(value)}")


def _to_seconds(value: Any) -> Decimal:
    if isinstance(value, dt.timedelta):
        return Decimal(value.days * 86400 + value.seconds) + Decimal(value.microseconds).scaleb(-6)
    return _to_decimal(value)


CONVERTERS: dict[ir.ColumnType, Converter] = {
    ir.ColumnType.STRING: _to_text,
    ir.ColumnType.INT: _to_int,
    ir.ColumnType.DECIMAL: _to_decimal,
    ir.ColumnType.MONEY: _to_decimal,
    ir.ColumnType.PERCENT: _to_decimal,
    ir.ColumnType.BOOL: _to_bool,
    ir.ColumnType.TIMESTAMP: _to_timestamp,
    ir.ColumnType.DATE: _to_date,
    ir.ColumnType.DURATION: _to_seconds,
}


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# ------------------------------------------------------------------------ row shapes


@dataclass(frozen=True)
class TableShape:
    """How to read one table's rows: each column's converter, and which may not be null."""

    name: str
    columns: tuple[tuple[str, Converter, bool], ...]  # (column, converter, required)
    period: tuple[str, str] | None = None
    currency: str | None = None  # rows must be in this currency (tables with money and a `currency` column)

    def row(self, raw: Any, index: int | None) -> Row:
        """Convert one raw row; ``index`` is reported in errors (``None`` for a single row)."""
        if type(raw) is not dict and not isinstance(raw, Mapping):
            raise FactsError(f"a row must be an object of column values, got {_shown(raw)}", self.name, None, index)
        out: Row = {}
        for name, convert, required in self.columns:
            try:
                value = raw[name]
            except KeyError:
                raise FactsError("missing column", self.name, name, index) from None
            if value is None:
                if required:
                    raise FactsError("null in a required column", self.name, name, index)
                out[name] = None
                continue
            try:
                out[name] = convert(value)
            except _BadValueError as exc:
                raise FactsError(str(exc), self.name, name, index) from None
        if self.currency is not None and out.get("currency") != self.currency:
            found = out.get("currency")
            raise FactsError(f"money in {found} but the program pays in {self.currency}", self.name, "currency", index)
        return out


def table_shape(table: ir.Table, required: Collection[str], currency: str | None = None) -> TableShape:
    """How to read ``table``; ``currency`` is the program's, checked when the table has money."""
    has_money = any(c.type is ir.ColumnType.MONEY for c in table.columns)
    checked = currency if has_money and table.column("currency") is not None else None
    columns = []
    for column in table.columns:
        convert = CONVERTERS.get(column.type, _to_text) if column.type is not None else _to_text
        columns.append((column.name, convert, column.name in required))
    return TableShape(table.name, tuple(columns), table.period, checked)


# ----------------------------------------------------------------------- whole facts


@dataclass
class Facts:
    """Converted facts for one participant."""

    participant: Row
    members: list[Row] = field(default_factory=list)
    tables: dict[str, list[Row]] = field(default_factory=dict)
    events: dict[str, Row] = field(default_factory=dict)  # tables given as the one event decided
    # Metric values given instead of events (rulekit.pyeval.given): participant-level, and per member id.
    given: dict[str, Any] = field(default_factory=dict)
    given_members: dict[str, dict[str, Any]] = field(default_factory=dict)


def read_facts(
    program: ir.Program,
    shapes: Mapping[str, TableShape],
    facts: Any,
    participant_key: str | None,
    optional: Collection[str] = (),
) -> Facts:
    """Check and convert the facts of one participant (see the module docstring); a table in
    ``optional`` (read only by metrics whose values are given) may be left out."""
    if not isinstance(facts, Mapping):
        raise FactsError(f"facts must be an object mapping table names to rows, got {_shown(facts)}")
    if program.participant is None:
        raise FactsError("the program declares no participant table")
    ptable = program.participant.table
    raw_participant = _table(facts, ptable)
    if isinstance(raw_participant, Sequence) and not isinstance(raw_participant, str):
        raise FactsError("give the participant as one row (an object), not a list", ptable)
    participant = shapes[ptable].row(raw_participant, None)
    pid = participant.get(participant_key) if participant_key else None
    out = Facts(participant)
    for name, shape in shapes.items():
        if name == ptable or (name in optional and name not in facts):
            continue
        raw = _table(facts, name)
        if isinstance(raw, Mapping):
            row = shape.row(raw, None)
            _check_link(row, participant_key, pid, name, None)
            check_periods(shape, [row], single=True)
            out.events[name] = row
            out.tables[name] = [row]
        elif isinstance(raw, Sequence) and not isinstance(raw, str | bytes):
            rows = [shape.row(r, i) for i, r in enumerate(raw)]
            for index, row in enumerate(rows):
                _check_link(row, participant_key, pid, name, index)
            check_periods(shape, rows)
            out.tables[name] = rows
        else:
            raise FactsError(f"expected a list of rows or one row, got {_shown(raw)}", name)
    if program.member is not None:
        out.members = out.tables.get(program.member.table, [])
        if program.member.table in out.events:
            del out.events[program.member.table]  # one member given as a dict is still a list of one
    return out


def _table(facts: Mapping[str, Any], name: str) -> Any:
    try:
        return facts[name]
    except KeyError:
        raise FactsError("missing table", name) from None


def _check_link(row: Row, key: str | None, pid: Any, table: str, index: int | None) -> None:
    if key is None or key not in row or pid is None:
        return
    if row[key] != pid:
        raise FactsError(f"the row belongs to {key} {row[key]!r}, not to the participant {pid!r}", table, key, index)


def check_periods(shape: TableShape, rows: list[Row], *, single: bool = False) -> None:
    """An interval that ends before it starts is bad data, not a zero-length session."""
    if shape.period is None:
        return
    start, end = shape.period
    for index, row in enumerate(rows):
        if row[end] < row[start]:
            raise FactsError(f"{end} is before {start}", shape.name, end, None if single else index)


BadValueError = _BadValueError  # what a converter raises: a value that does not fit its column
