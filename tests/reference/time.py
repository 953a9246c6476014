"""A reference for points in time and as-of values (issue 10), for the hypothesis cross-check
of ``tests/test_crosscheck_time.py``: the program text, random data with ties on time in
shuffled order, and the expected values computed here from docs/semantics.md with
``zoneinfo`` and the calendar, independently of rulekit (nothing here imports ``rulekit``).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

UTC = dt.UTC
ZONES = ("America/New_York", "Europe/London", "Asia/Tokyo", "UTC")
OPS = ("<", "<=", ">", ">=", "=")
# (as written after `as of`, kind): the point's instant is computed by `point_instant`.
POINTS = (
    "2024-03-10",
    "2024-03-10 02:30",
    "2024-10-27 01:30",
    "end of w",
    "start of w",
    "end of w - 1 month",
    "end of w - 7 days",
    "start of w + 10 days",
    "start of w + 36 hours",
)
SHIFTS = (("+", 6, "months"), ("+", 1, "month"), ("-", 1, "year"), ("+", 1, "day"), ("+", 2, "weeks"),
          ("+", 24, "hours"), ("-", 3, "days"), ("+", 90, "minutes"))  # fmt: skip
JOINS = (
    dt.datetime(2024, 1, 31, 15, tzinfo=UTC),
    dt.datetime(2024, 3, 9, 7, 30, tzinfo=UTC),
    dt.datetime(2023, 8, 31, 14, tzinfo=UTC),
    dt.datetime(2023, 12, 31, 23, tzinfo=UTC),
    dt.datetime(2024, 6, 30, 22, tzinfo=UTC),
    dt.datetime(2024, 10, 26, 23, 30, tzinfo=UTC),
)


@dataclass(frozen=True)
class TimeSpec:
    zone: str
    point: str
    shift: tuple[str, int, str]
    op: str
    end_op: str

    def source(self) -> str:
        sign, amount, unit = self.shift
        return f"""\
program t:
  market: US
  currency: USD
  timezone: "{self.zone}"
  calendar: US

table sellers:
  seller_id: string
  joined_at: timestamp
  brand_at: timestamp
  key: seller_id

table log:
  change_id: string
  seller_id: string
  changed_at: timestamp
  score: int
  key: change_id
  time: changed_at

participant seller: sellers

window w: from 2024-01-01 to 2024-06-30 inclusive

metric last_score = latest score in log as of {self.point}
  label: "last score"
metric first_score = first score in log during w
  label: "first score"

gate cmp: brand_at {self.op} joined_at {sign} {amount} {unit}
gate end_cmp: joined_at {self.end_op} end of w
"""


def time_specs() -> st.SearchStrategy[TimeSpec]:
    return st.builds(
        TimeSpec,
        st.sampled_from(ZONES),
        st.sampled_from(POINTS),
        st.sampled_from(SHIFTS),
        st.sampled_from(OPS),
        st.sampled_from(OPS),
    )


# ------------------------------------------------------------------------------ reference


def _local(naive: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """A wall-clock time as an instant: the first occurrence when it repeats; a skipped one with
    the offset before the change (``fold=0``, docs/semantics.md)."""
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)


def window(zone: str) -> tuple[dt.datetime, dt.datetime]:
    tz = ZoneInfo(zone)
    return _local(dt.datetime(2024, 1, 1), tz), _local(dt.datetime(2024, 7, 1), tz)


def shift(instant: dt.datetime, sign: str, amount: int, unit: str, zone: str) -> dt.datetime:
    """``instant ± amount unit``: hours and minutes exact; days and weeks move the local date;
    months and years the local month, the day clamped to the month's last."""
    tz = ZoneInfo(zone)
    n = amount if sign == "+" else -amount
    if unit in ("hours", "minutes"):
        return instant + dt.timedelta(**{unit: n})
    local = instant.astimezone(tz).replace(tzinfo=None)
    if unit in ("day", "days", "weeks"):
        return _local(local + dt.timedelta(days=n * (7 if unit == "weeks" else 1)), tz)
    months = n * (12 if unit in ("year", "years") else 1)
    index = local.year * 12 + local.month - 1 + months
    year, month = index // 12, index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return _local(local.replace(year=year, month=month, day=day), tz)


def point_instant(point: str, zone: str) -> dt.datetime:
    tz = ZoneInfo(zone)
    start, end = window(zone)
    if point.startswith(("end of w", "start of w")):
        base = end - dt.timedelta(microseconds=1) if point.startswith("end") else start
        rest = point.split(" w", 1)[1].split()
        if not rest:
            return base
        sign, amount, unit = rest
        return shift(base, sign, int(amount), unit, zone)
    if " " in point:
        return _local(dt.datetime.fromisoformat(point), tz)
    return _local(dt.datetime.fromisoformat(point + " 00:00"), tz)


def compare(op: str, a: dt.datetime | None, b: dt.datetime | None) -> bool:
    """The clause holds only when the comparison is true (a null makes it unknown)."""
    if a is None or b is None:
        return False
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "=": a == b}[op]


Row = dict[str, str | None]


def parse(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def pick(rows: list[Row], keep: object, last: bool) -> int | None:
    """`latest`/`first`: order the kept rows with a score by (time, key, score); take the end."""
    kept = [
        (parse(r["changed_at"]), r["change_id"], int(r["score"] or 0))
        for r in rows
        if r["score"] is not None and keep(parse(r["changed_at"]))  # type: ignore[operator]
    ]
    if not kept:
        return None
    ordered = sorted(kept)  # type: ignore[type-var]
    return (ordered[-1] if last else ordered[0])[2]


def expected(spec: TimeSpec, sellers: list[Row], log: list[Row]) -> dict[str, dict[str, object]]:
    start, end = window(spec.zone)
    at = point_instant(spec.point, spec.zone)
    found: dict[str, dict[str, object]] = {}
    for seller in sellers:
        sid = str(seller["seller_id"])
        mine = [r for r in log if r["seller_id"] == sid]
        joined = parse(seller["joined_at"])
        assert joined is not None
        moved = shift(joined, *spec.shift, spec.zone)
        found[sid] = {
            "last_score": pick(mine, lambda t: t <= at, last=True),
            "first_score": pick(mine, lambda t: start <= t < end, last=False),
            "cmp": compare(spec.op, parse(seller["brand_at"]), moved),
            "end_cmp": compare(spec.end_op, joined, end - dt.timedelta(microseconds=1)),
        }
    return found


# ------------------------------------------------------------------------------ data


def _text(instant: dt.datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@st.composite
def time_data(draw: st.DrawFn, spec: TimeSpec) -> tuple[list[Row], list[Row]]:
    """Sellers whose brand time sits on, just before or just after the moved joining time, and
    log rows at a few instants around the `as of` point and the window's ends (so rows tie on
    time), in shuffled order."""
    start, end = window(spec.zone)
    at = point_instant(spec.point, spec.zone)
    second, micro = dt.timedelta(seconds=1), dt.timedelta(microseconds=1)
    instants = [at - second, at, at + micro, start - micro, start, end - micro, end, at - dt.timedelta(days=40)]
    sellers: list[Row] = []
    log: list[Row] = []
    for s in range(draw(st.integers(1, 3))):
        sid = f"s{s}"
        joined = draw(st.sampled_from(JOINS)) + dt.timedelta(minutes=draw(st.sampled_from([0, 30, 90])))
        moved = shift(joined, *spec.shift, spec.zone)
        offset = draw(st.sampled_from([None, -second, -micro, dt.timedelta(0), micro, dt.timedelta(hours=1)]))
        brand = None if offset is None else _text(moved + offset)
        sellers.append({"seller_id": sid, "joined_at": _text(joined), "brand_at": brand})
        for _ in range(draw(st.integers(0, 5))):
            when = draw(st.sampled_from(instants))
            score = draw(st.sampled_from(["1", "2", "3", "9", None]))
            log.append({"change_id": f"c{len(log):02d}", "seller_id": sid, "changed_at": _text(when), "score": score})
    return sellers, draw(st.permutations(log))
