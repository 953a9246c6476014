"""Time zones, windows and business-day calendars: the one place both evaluators and
the document renderer get their dates from.

Conventions (see ``docs/semantics.md``):

* a window is a half-open interval ``[start, end)`` of instants; an inclusive
  date-only end covers that whole local day;
* absolute windows are wall-clock times in the program's IANA time zone, converted
  to UTC with :mod:`zoneinfo`, so a window crossing a daylight-saving change is as
  long as the clock says, not ``days * 24`` hours;
* relative windows of days or weeks advance the local calendar date (90 days after
  10:00 on 1 March is 10:00 on 30 May, local time); shorter units are exact lengths;
* business days skip weekends and the public holidays of the market's calendar,
  from the ``holidays`` package.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import holidays

from rulekit import ir

UTC = dt.UTC

# Calendars a rule file may name, mapped to the ``holidays`` country and subdivision.
CALENDARS: dict[str, tuple[str, str | None]] = {
    "US": ("US", None),
    "GB": ("GB", None),
    "UK": ("GB", None),
    "GB-ENG": ("GB", "ENG"),
    "GB-SCT": ("GB", "SCT"),
    "GB-WLS": ("GB", "WLS"),
    "GB-NIR": ("GB", "NIR"),
    "DE": ("DE", None),
    "FR": ("FR", None),
    "ES": ("ES", None),
    "IT": ("IT", None),
    "ID": ("ID", None),
    "MY": ("MY", None),
    "PH": ("PH", None),
    "SG": ("SG", None),
    "TH": ("TH", None),
    "VN": ("VN", None),
    "MX": ("MX", None),
    "BR": ("BR", None),
    "JP": ("JP", None),
}


# Names the tz database holds that are not places: the machine's own setting, a
# placeholder, and the POSIX default rules. `posix/…` and `right/…` (leap-second
# clocks) are copies of the canonical zones; DuckDB knows none of them.
_NOT_ZONES = frozenset({"localtime", "Factory", "posixrules"})
_COPY_PREFIXES = ("posix/", "right/")


def zone(name: str) -> ZoneInfo | None:
    """The IANA zone, or ``None`` when the name is not a canonical time zone (see :func:`zone_names`)."""
    if name not in zone_names():
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


@functools.cache
def zone_names() -> frozenset[str]:
    """The IANA zone names both evaluators support (not ``localtime``, ``posixrules``,
    ``posix/…`` or ``right/…``)."""
    return frozenset(n for n in available_timezones() if n not in _NOT_ZONES and not n.startswith(_COPY_PREFIXES))


def canonical_spelling(name: str) -> str | None:
    """The canonical zone a non-canonical name stands for (``posix/Europe/London`` is
    ``Europe/London``; ``posixrules`` is ``America/New_York``), for a did-you-mean hint."""
    for prefix in _COPY_PREFIXES:
        if name.startswith(prefix) and name[len(prefix) :] in zone_names():
            return name[len(prefix) :]
    return "America/New_York" if name == "posixrules" else None


# The years whose clock changes are checked: data before 1970 is out of scope, and the
# tz database repeats its rules after 2037.
_SHIFT_YEARS = (1970, 2038)
_ONE_HOUR = dt.timedelta(hours=1)


@functools.cache
def irregular_shift(name: str) -> tuple[dt.date, dt.timedelta] | None:
    """The first clock change of zone ``name`` by other than exactly one hour (Lord Howe
    Island's 30-minute daylight saving, Troll's 2 hours, Apia's skipped day), or None.

    Relative windows resolve a repeated local time to its first occurrence; the SQL
    evaluator finds it by looking one hour earlier, so such zones are refused (RK307)."""
    tz = zone(name)
    if tz is None:
        return None
    start = dt.datetime(_SHIFT_YEARS[0], 1, 1, tzinfo=UTC)
    previous = start.astimezone(tz).utcoffset()
    day = dt.timedelta(days=1)
    for index in range(1, (dt.date(_SHIFT_YEARS[1], 1, 1) - start.date()).days):
        instant = start + index * day
        offset = instant.astimezone(tz).utcoffset()
        changed = offset is not None and previous is not None and offset != previous
        if changed and offset is not None and previous is not None and abs(offset - previous) != _ONE_HOUR:
            return instant.date(), offset - previous
        previous = offset
    return None


def to_utc(local: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """A naive local wall-clock time to an aware UTC instant (``fold=0`` on overlaps)."""
    return local.replace(tzinfo=tz).astimezone(UTC)


def local_midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """The instant (aware UTC) a local calendar date starts: what a date means wherever it is
    compared with a timestamp or used as a row time (``docs/semantics.md``)."""
    return to_utc(dt.datetime.combine(day, dt.time()), tz)


def instant(value: dt.date, tz: ZoneInfo) -> dt.datetime:
    """``value`` as an aware UTC instant: a date is its local midnight, a naive timestamp is UTC."""
    if not isinstance(value, dt.datetime):
        return local_midnight(value, tz)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def absolute_bounds(window: ir.AbsoluteWindow, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The window as aware UTC instants ``[start, end)``."""
    start, end = window.local_bounds()
    return to_utc(start, tz), to_utc(end, tz)


def relative_end(anchor: dt.datetime, length: ir.Duration, tz: ZoneInfo, *, inclusive: bool = False) -> dt.datetime:
    """End (exclusive, aware UTC) of a window of ``length`` that starts at ``anchor``.

    ``anchor`` is an aware instant. Days and weeks move the local calendar date and
    keep the local time of day; months and years move the local calendar month, keeping
    the day of the month and the time of day, or taking the month's last day when it is
    shorter (31 August + 6 months is 28 or 29 February); other units add an exact length.
    With ``inclusive`` the window also covers the rest of the local day it ends on: its
    end is the next local midnight.
    """
    unit = length.unit
    if unit.calendar:
        local = anchor.astimezone(tz).replace(tzinfo=None)
        if unit.months:
            shifted = add_months(local, int(length.total_months))
        else:
            days = length.amount * (7 if unit is ir.TimeUnit.WEEKS else 1)
            whole = int(days)
            shifted = local + dt.timedelta(days=whole) + dt.timedelta(seconds=float((days - whole) * 86400))
        end = to_utc(shifted, tz)
    else:
        end = anchor + dt.timedelta(seconds=float(length.total_seconds))
    if inclusive:
        return local_midnight(end.astimezone(tz).date() + dt.timedelta(days=1), tz)
    return end


def add_months(local: dt.datetime, months: int) -> dt.datetime:
    """``local`` moved by whole calendar ``months``, the day clamped to the month's last day."""
    index = local.year * 12 + (local.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return local.replace(year=year, month=month + 1, day=min(local.day, last))


def last_local_day(end_exclusive_utc: dt.datetime, tz: ZoneInfo) -> dt.date:
    """The last local calendar day a window covers."""
    return (end_exclusive_utc - dt.timedelta(microseconds=1)).astimezone(tz).date()


@functools.cache
def _holiday_calendar(code: str, year: int) -> holidays.HolidayBase:
    country, subdiv = CALENDARS[code]
    return holidays.country_holidays(country, subdiv=subdiv, years=range(year - 1, year + 3))


def is_business_day(day: dt.date, calendar: str) -> bool:
    return day.weekday() < 5 and day not in _holiday_calendar(calendar, day.year)


def add_business_days(day: dt.date, count: int, calendar: str) -> dt.date:
    """The ``count``-th business day after ``day`` (``day`` itself never counts)."""
    current = day
    remaining = count
    while remaining > 0:
        current += dt.timedelta(days=1)
        if is_business_day(current, calendar):
            remaining -= 1
    return current


def holidays_between(first: dt.date, last: dt.date, calendar: str) -> list[tuple[dt.date, str]]:
    """Public holidays on weekdays in ``[first, last]``: the ones that moved a due date."""
    found: list[tuple[dt.date, str]] = []
    day = first
    while day <= last:
        names = _holiday_calendar(calendar, day.year).get(day)
        if names and day.weekday() < 5:
            found.append((day, str(names)))
        day += dt.timedelta(days=1)
    return found


def due_date(program: ir.Program) -> dt.date | None:
    """The payout due date when the payout is anchored on an absolute window."""
    payout, header = program.payout, program.header
    if payout is None or payout.due is None or header is None or header.timezone is None:
        return None
    window = program.window(payout.due.after)
    tz = zone(header.timezone)
    if not isinstance(window, ir.AbsoluteWindow) or tz is None:
        return None
    last = last_local_day(absolute_bounds(window, tz)[1], tz)
    if payout.due.business:
        if header.calendar not in CALENDARS:
            return None
        return add_business_days(last, payout.due.amount, header.calendar)
    return last + dt.timedelta(days=payout.due.amount)
