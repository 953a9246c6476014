"""One rule for reading text as a boolean, a number or a timestamp, for both evaluators.

``decide`` reads facts with the Python functions here (:mod:`rulekit.facts`); the loader
of ``settle`` reads text columns (every CSV column, text in JSON or frames) with SQL
generated from the same word lists and patterns (:mod:`rulekit.data`), so a value is
accepted by one exactly when it is accepted by the other. ``docs/semantics.md`` lists
the spellings:

* **booleans**: ``true``/``false``, ``t``/``f``, ``yes``/``no``, ``y``/``n``, ``1``/``0``,
  in any case, with surrounding spaces ignored;
* **numbers**: an optional sign, up to 26 digits, a decimal point and up to 12 more
  (``-12.50``, ``.5``) — what an exact ``DECIMAL(38, 12)`` holds, so settle never rounds
  a value ``decide`` reads exactly; no exponents, thousands separators, currency signs,
  underscores, ``NaN`` or infinity;
* **timestamps**: ISO 8601 ``YYYY-MM-DD``, optionally followed by ``T`` or a space and
  ``HH:MM[:SS[.fraction]]``, optionally followed by ``Z`` or an offset ``±HH:MM``
  (``±HHMM``, ``±HH``); without an offset the time is UTC, a date alone is UTC midnight;
* **dates**: ISO 8601 ``YYYY-MM-DD`` exactly (not ``20220214``, ``2022-2-14`` or a week date).

Values that already have a type (a JSON ``true``, a Parquet ``DOUBLE``, a ``datetime``)
are read by type, not by these text rules.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

TRUE_WORDS = ("true", "t", "yes", "y", "1")
FALSE_WORDS = ("false", "f", "no", "n", "0")

# Written in the syntax both Python's `re` and DuckDB's RE2 read the same way.
DATE_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
# Zeros after the 12th decimal place change nothing (10.123456789012000 is exact).
NUMBER_PATTERN = r"[+-]?([0-9]{1,26}(\.[0-9]{0,12}0*)?|\.[0-9]{1,12}0*)"  # fits rulekit.sql.build.AMOUNT_TYPE
# A number with a non-zero digit beyond the 12th decimal place: too fine to hold exactly.
TOO_FINE_PATTERN = r"[+-]?[0-9]*\.[0-9]{12}0*[1-9][0-9]*"
TIMESTAMP_PATTERN = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?)?"
    r"(Z|[+-][0-9]{2}(:?[0-9]{2})?)?"
)
_DATE = re.compile(DATE_PATTERN)
_NUMBER = re.compile(NUMBER_PATTERN)
_TOO_FINE = re.compile(TOO_FINE_PATTERN)
_TIMESTAMP = re.compile(TIMESTAMP_PATTERN)


def text_bool(text: str) -> bool | None:
    """The boolean ``text`` spells, or ``None`` when it is not one of the accepted words."""
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def too_fine(text: str) -> bool:
    """Whether ``text`` is a number with a non-zero digit beyond 12 decimal places."""
    return _TOO_FINE.fullmatch(text.strip()) is not None


def text_number(text: str) -> Decimal | None:
    """The exact number ``text`` spells, or ``None`` when it does not follow the pattern."""
    stripped = text.strip()
    return Decimal(stripped) if _NUMBER.fullmatch(stripped) else None


def text_date(text: str) -> dt.date | None:
    """The calendar date ``text`` spells, or ``None``."""
    stripped = text.strip()
    if not _DATE.fullmatch(stripped):
        return None
    try:
        return dt.date.fromisoformat(stripped)
    except ValueError:  # shaped right but not a real date, like 2022-02-30
        return None


def text_timestamp(text: str) -> dt.datetime | None:
    """The aware UTC instant ``text`` spells (no offset: UTC), or ``None``."""
    stripped = text.strip()
    if not _TIMESTAMP.fullmatch(stripped):
        return None
    try:
        stamp = dt.datetime.fromisoformat(stripped.replace("Z", "+00:00"))
    except ValueError:  # shaped right but not a real time, like 2022-02-30
        return None
    return stamp.replace(tzinfo=dt.UTC) if stamp.tzinfo is None else stamp.astimezone(dt.UTC)
