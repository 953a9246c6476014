"""Locale-aware formatting of the values a policy document states, with Babel.

Every number, amount, date and duration in a generated document goes through a
:class:`Formatter`, so the same program reads "$10,000" and "February 14, 2022" in
en-US and "US$10,000" and "14 February 2022" in en-GB.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time, get_timezone_name
from babel.lists import format_list
from babel.numbers import format_currency, format_decimal, format_percent
from babel.units import format_unit

from rulekit import ir
from rulekit.errors import OutputError
from rulekit.render.i18n import _, active

# The document locales the CLI accepts, mapped to Babel's identifiers.
LOCALES: dict[str, str] = {"en-US": "en_US", "en-GB": "en_GB", "de-DE": "de_DE"}

_UNIT_NAMES: dict[ir.TimeUnit, str] = {
    ir.TimeUnit.SECONDS: "duration-second",
    ir.TimeUnit.MINUTES: "duration-minute",
    ir.TimeUnit.HOURS: "duration-hour",
    ir.TimeUnit.DAYS: "duration-day",
    ir.TimeUnit.WEEKS: "duration-week",
    ir.TimeUnit.MONTHS: "duration-month",
    ir.TimeUnit.YEARS: "duration-year",
}


class UnknownLocaleError(OutputError):
    """The requested document locale is not one rulekit renders."""


def resolve_locale(name: str) -> str:
    """The supported locale ``name`` means: ``de``, ``de_DE`` and ``DE-de`` are ``de-DE``.

    A bare language names its one supported country (``en`` is ambiguous: en-US or en-GB).
    Raises :class:`UnknownLocaleError`, listing the supported locales, for anything else.
    """
    wanted = name.strip().replace("_", "-").casefold()
    exact = [known for known in LOCALES if known.casefold() == wanted]
    by_language = [known for known in LOCALES if known.split("-")[0].casefold() == wanted]
    found = exact or (by_language if len(by_language) == 1 else [])
    if not found:
        known = ", ".join(sorted(LOCALES))
        raise UnknownLocaleError(f"unknown or unsupported locale `{name}`; supported locales: {known}")
    return found[0]


def _plain(value: Decimal) -> Decimal:
    """Drop trailing zeros so ``Decimal("2.50")`` formats as 2.5 and ``Decimal("4E+3")`` as 4000."""
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal


@dataclass(frozen=True)
class Formatter:
    """Formats values for one locale (``en-US``, ``en-GB``, ``de-DE``) and one program currency."""

    locale: str
    currency: str = "USD"

    def __post_init__(self) -> None:
        object.__setattr__(self, "locale", resolve_locale(self.locale))

    @property
    def babel_locale(self) -> str:
        return LOCALES[self.locale]

    # ------------------------------------------------------------------ numbers
    def money(self, amount: ir.Money | Decimal, currency: str | None = None) -> str:
        """``$10,000`` for whole amounts, ``£4.99`` otherwise (never a float on the way)."""
        if isinstance(amount, ir.Money):
            currency, value = amount.currency, amount.amount
        else:
            value = amount
        code = currency or self.currency
        if value == value.to_integral_value():
            # The locale's own pattern without its decimals: "$10,000" (en-US), "10.000 $" (de-DE).
            standard = Locale.parse(self.babel_locale).currency_formats["standard"].pattern
            whole = standard.split(";")[0].replace("#,##0.00", "#,##0")
            return str(
                format_currency(_plain(value), code, format=whole, currency_digits=False, locale=self.babel_locale)
            )
        return str(format_currency(value, code, locale=self.babel_locale))

    def percent(self, value: ir.Percent | Decimal) -> str:
        """A percentage as written: ``Percent(2)`` is ``2%``; ``2.5`` stays ``2.5%``."""
        number = value.value if isinstance(value, ir.Percent) else value
        # The locale's pattern ("#,##0%" in English, "#,##0 %" in German) with up to four decimals.
        pattern = Locale.parse(self.babel_locale).percent_formats[None].pattern.split(";")[0]
        return str(
            format_percent(number / 100, format=pattern.replace("#,##0", "#,##0.####"), locale=self.babel_locale)
        )

    def number(self, value: Decimal | int) -> str:
        return str(format_decimal(_plain(Decimal(value)), locale=self.babel_locale))

    def duration(self, value: ir.Duration) -> str:
        """``14 hours``, ``90 days``, ``1 hour`` — the unit the author wrote, spelled out."""
        amount = _plain(value.amount)
        return str(format_unit(amount, _UNIT_NAMES[value.unit], length="long", locale=self.babel_locale))

    # -------------------------------------------------------------------- dates
    def date(self, value: dt.date) -> str:
        """``February 14, 2022`` (en-US) or ``14 February 2022`` (en-GB)."""
        return str(format_date(value, format="long", locale=self.babel_locale))

    def weekday_date(self, value: dt.date) -> str:
        """``Friday, March 25, 2022``: used for due dates, where the weekday helps."""
        return str(format_date(value, format="full", locale=self.babel_locale))

    def time(self, value: dt.time) -> str:
        return str(format_time(value, format="short", locale=self.babel_locale))

    def datetime(self, value: dt.datetime) -> str:
        """``00:00 on 14 February 2022``: a time of day, then the long date."""
        # In the formatter's own language, even outside a document being built.
        with active(self.locale):
            text = _("{time} on {date}")
        return text.format(time=self.time(value.time()), date=self.date(value.date()))

    def zone_name(self, zone: ZoneInfo) -> str:
        """The zone's everyday name: ``Eastern Time``, ``United Kingdom Time``."""
        return str(get_timezone_name(zone, "long", locale=self.babel_locale))

    def list(self, items: list[str], style: str = "standard") -> str:
        """``a, b and c`` in the locale (Babel's list patterns); ``unit`` joins with commas only."""
        return str(format_list(items, style=style, locale=self.babel_locale))  # type: ignore[arg-type]

    def territory(self, code: str) -> str:
        """``United States`` for ``US``; the code itself when Babel does not know it."""
        name = Locale.parse(self.babel_locale).territories.get(code.split("-")[0].upper())
        return str(name) if name else code
