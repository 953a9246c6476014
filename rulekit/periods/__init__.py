"""Pay periods (issue 10, construct 6): ``paid monthly`` / ``weekly`` / ``daily``.

A program paid per period settles once per calendar period of its pay window (the
window its ``due:`` line names), in the program's time zone: calendar months, ISO weeks
(Monday to Sunday) or local days. The first and last periods are partial when the
window does not start or end on a period boundary. Boundaries are naive local
wall-clock datetimes, like :meth:`rulekit.ir.AbsoluteWindow.local_bounds`; converting
them to instants (and so daylight saving) is the evaluators' usual window arithmetic.

The submodules: :mod:`.program` (the program of one period), :mod:`.adjust` (what each
period pays: to-date differences and caps), :mod:`.run` (settle and decide per period).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rulekit import ir

__all__ = ["PAY_UNITS", "Period", "pay_unit", "periods"]

# `paid monthly` -> the unit of its periods; the unit is also how a cap names its period.
PAY_UNITS: dict[str, str] = {"daily": "day", "weekly": "week", "monthly": "month"}
# How a period's unit is said in words ("the monthly cap").
ADJECTIVES: dict[str, str] = {unit: word for word, unit in PAY_UNITS.items()}


@dataclass(frozen=True, slots=True)
class Period:
    """One pay period: ``[start, end)`` in local wall-clock time, clipped to the pay window."""

    label: str  # "2024-03", "2024-W09", "2024-03-05"
    start: dt.datetime
    end: dt.datetime

    @property
    def last_day(self) -> dt.date:
        """The last local day the period covers (its end is exclusive)."""
        return (self.end - dt.timedelta(microseconds=1)).date()

    def words(self) -> str:
        """The period as a reader says it: ``March 2024``, ``week 9 of 2024``, ``5 March 2024``."""
        if len(self.label) == 7:
            return self.start.strftime("%B %Y")
        if "W" in self.label:
            year, week = self.label.split("-W")
            return f"week {int(week)} of {year}"
        return f"{self.start.day} {self.start.strftime('%B %Y')}"


def is_paid_per_period(program: ir.Program) -> bool:
    """Whether ``program`` says ``paid monthly`` (``weekly``, ``daily``) in its payout block."""
    return program.payout is not None and program.payout.paid is not None


def pay_unit(paid: str | None) -> str | None:
    """``monthly`` -> ``month``; None when the program is not paid per period (or the word is unknown)."""
    return PAY_UNITS.get(paid) if paid is not None else None


def periods(unit: str, start: dt.datetime, end: dt.datetime) -> tuple[Period, ...]:
    """The calendar periods of ``unit`` that overlap ``[start, end)``, each clipped to it, in order."""
    out: list[Period] = []
    at = start
    while at < end:
        first = _period_start(unit, at)
        following = _next_start(unit, first)
        out.append(Period(_label(unit, first), at, min(following, end)))
        at = following
    return tuple(out)


def _period_start(unit: str, at: dt.datetime) -> dt.datetime:
    day = dt.datetime.combine(at.date(), dt.time())
    if unit == "month":
        return day.replace(day=1)
    if unit == "week":
        return day - dt.timedelta(days=day.weekday())  # ISO weeks start on Monday
    return day


def _next_start(unit: str, first: dt.datetime) -> dt.datetime:
    if unit == "month":
        return (
            first.replace(year=first.year + 1, month=1) if first.month == 12 else first.replace(month=first.month + 1)
        )
    return first + dt.timedelta(days=7 if unit == "week" else 1)


def _label(unit: str, first: dt.datetime) -> str:
    if unit == "month":
        return first.strftime("%Y-%m")
    if unit == "week":
        year, week, _ = first.isocalendar()
        return f"{year}-W{week:02d}"
    return first.strftime("%Y-%m-%d")
