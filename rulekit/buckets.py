"""Calendar buckets of a time zone: local days, ISO weeks (Monday first) and calendar months.

The one place rulekit works out bucket boundaries (``docs/semantics.md``, *Calendar
buckets*), shared by both evaluators, the documents and any construct that pays or
counts per period. A bucket is the half-open interval ``[start, end)`` of UTC instants
between two local midnights of the zone: a day is 23 or 25 hours long on the days the
clocks change, a week starts at the local midnight that begins a Monday, a month at the
local midnight that begins its first day.

:func:`buckets` cuts a window into the buckets it overlaps, each clipped to the window
(a window that does not start or end on a boundary has a partial first or last bucket).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from rulekit import timeutil
from rulekit.ir import BucketUnit

__all__ = ["Bucket", "BucketUnit", "bucket_of", "bucket_start_day", "buckets", "longest_run", "next_start_day"]


@dataclass(frozen=True, slots=True)
class Bucket:
    """One bucket: its local first day (the bucket's name) and its UTC ``[start, end)``,
    clipped to the window it was cut from."""

    index: int  # 0 for the window's first bucket, consecutive after it
    first_day: dt.date
    start: dt.datetime  # aware UTC
    end: dt.datetime  # aware UTC


def bucket_start_day(day: dt.date, unit: BucketUnit) -> dt.date:
    """The local date on which the bucket holding ``day`` begins."""
    if unit is BucketUnit.DAY:
        return day
    if unit is BucketUnit.WEEK:
        return day - dt.timedelta(days=day.weekday())  # ISO weeks start on Monday
    return day.replace(day=1)


def next_start_day(first_day: dt.date, unit: BucketUnit) -> dt.date:
    """The local date on which the bucket after the one starting on ``first_day`` begins."""
    if unit is BucketUnit.DAY:
        return first_day + dt.timedelta(days=1)
    if unit is BucketUnit.WEEK:
        return first_day + dt.timedelta(days=7)
    return (first_day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def bucket_of(instant: dt.datetime, unit: BucketUnit, tz: ZoneInfo) -> dt.date:
    """The first local day of the bucket an instant falls in (a naive instant is UTC)."""
    aware = instant if instant.tzinfo is not None else instant.replace(tzinfo=dt.UTC)
    return bucket_start_day(aware.astimezone(tz).date(), unit)


def buckets(start: dt.datetime, end: dt.datetime, unit: BucketUnit, tz: ZoneInfo) -> list[Bucket]:
    """The buckets overlapping the window ``[start, end)`` (naive UTC or aware), clipped to it.

    An empty window (``end <= start``) has no buckets."""
    lo, hi = _aware(start), _aware(end)
    return list(_cut(lo, hi, unit, tz))


def _cut(lo: dt.datetime, hi: dt.datetime, unit: BucketUnit, tz: ZoneInfo) -> Iterator[Bucket]:
    day = bucket_of(lo, unit, tz)
    index = 0
    while True:
        begins = timeutil.local_midnight(day, tz).astimezone(dt.UTC)
        if begins >= hi:
            return
        following = next_start_day(day, unit)
        ends = timeutil.local_midnight(following, tz).astimezone(dt.UTC)
        clipped = (max(begins, lo), min(ends, hi))
        if clipped[1] > clipped[0]:
            yield Bucket(index, day, clipped[0], clipped[1])
            index += 1
        day = following


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def longest_run(flags: list[bool]) -> int:
    """The length of the longest run of consecutive true flags (0 when none is true)."""
    best = run = 0
    for flag in flags:
        run = run + 1 if flag else 0
        best = max(best, run)
    return best
