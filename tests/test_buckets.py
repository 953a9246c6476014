"""Calendar buckets and streaks (issue 10, construct 3).

* the bucket arithmetic (`rulekit/buckets.py`) on 23- and 25-hour days, ISO weeks and months;
* hints of the bucket diagnostics suggest code that checks clean;
* the streak challenge settled on its example data: both evaluators agree, and the
  outcomes the data was designed for (worked out by hand in `examples/README.md`) come out;
* hypothesis: `decide`, `settle` and an independent reference (local dates walked one by
  one with `zoneinfo`, not `rulekit.buckets`) agree on generated sessions and events around
  the daylight-saving changes of New York and London, including intervals across midnight.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

import rulekit
from rulekit.buckets import BucketUnit, buckets, longest_run
from rulekit.checker import check_source
from tests.test_crosscheck import CHECK, Rows, assert_same, facts_of, settle_and_decide

ROOT = Path(__file__).resolve().parent.parent
UTC = dt.UTC
NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
HOUR = dt.timedelta(hours=1)


def _utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


# ------------------------------------------------------------------------ bucket arithmetic


def test_days_of_23_and_25_hours_in_new_york() -> None:
    # 2024-03-10 starts 05:00 UTC (EST) and ends 04:00 UTC on the 11th (EDT): 23 hours.
    spring = buckets(_utc(2024, 3, 10, 5), _utc(2024, 3, 11, 4), BucketUnit.DAY, NY)
    assert [(b.first_day, b.end - b.start) for b in spring] == [(dt.date(2024, 3, 10), 23 * HOUR)]
    # 2024-11-03 starts 04:00 UTC (EDT) and ends 05:00 UTC on the 4th (EST): 25 hours.
    autumn = buckets(_utc(2024, 11, 3, 4), _utc(2024, 11, 4, 5), BucketUnit.DAY, NY)
    assert [(b.first_day, b.end - b.start) for b in autumn] == [(dt.date(2024, 11, 3), 25 * HOUR)]


def test_london_days_weeks_and_months() -> None:
    # 2024-03-31: clocks go forward at 01:00 GMT; the day runs 00:00 UTC to 23:00 UTC.
    day = buckets(_utc(2024, 3, 31), _utc(2024, 3, 31, 23), BucketUnit.DAY, LONDON)
    assert [(b.start, b.end) for b in day] == [(_utc(2024, 3, 31), _utc(2024, 3, 31, 23))]
    # ISO weeks start on Monday: Wednesday 2024-03-27 .. Wednesday 2024-04-03 (local) cuts
    # into [Wed 27, Mon 1 Apr) and [Mon 1 Apr, Wed 3 Apr); Monday 1 April 00:00 BST = 31 March 23:00 UTC.
    weeks = buckets(_utc(2024, 3, 27), _utc(2024, 4, 2, 23), BucketUnit.WEEK, LONDON)
    assert [(b.first_day, b.start, b.end) for b in weeks] == [
        (dt.date(2024, 3, 25), _utc(2024, 3, 27), _utc(2024, 3, 31, 23)),
        (dt.date(2024, 4, 1), _utc(2024, 3, 31, 23), _utc(2024, 4, 2, 23)),
    ]
    # Months: 15 Feb to 10 Apr (UTC bounds) gives a partial February, all of March, part of April.
    months = buckets(_utc(2024, 2, 15), _utc(2024, 4, 10), BucketUnit.MONTH, LONDON)
    assert [b.first_day for b in months] == [dt.date(2024, 2, 1), dt.date(2024, 3, 1), dt.date(2024, 4, 1)]
    assert months[1].start == _utc(2024, 3, 1) and months[1].end == _utc(2024, 3, 31, 23)
    assert [b.index for b in months] == [0, 1, 2]


def test_a_window_off_the_boundaries_has_partial_first_and_last_buckets() -> None:
    # 10:00 UTC on 1 March (05:00 EST) to 12:00 UTC on 3 March: three days, the first and last cut.
    cut = buckets(_utc(2024, 3, 1, 10), _utc(2024, 3, 3, 12), BucketUnit.DAY, NY)
    assert [(b.start, b.end) for b in cut] == [
        (_utc(2024, 3, 1, 10), _utc(2024, 3, 2, 5)),
        (_utc(2024, 3, 2, 5), _utc(2024, 3, 3, 5)),
        (_utc(2024, 3, 3, 5), _utc(2024, 3, 3, 12)),
    ]
    assert buckets(_utc(2024, 3, 1), _utc(2024, 3, 1), BucketUnit.DAY, NY) == []


def test_longest_run() -> None:
    assert longest_run([]) == 0
    assert longest_run([False, False]) == 0
    assert longest_run([True, True, False, True, True, True, False, True]) == 3


# ------------------------------------------------------------------------ diagnostics' hints

HINT_BASE = (ROOT / "tests" / "fixtures" / "diagnostics" / "buckets.rules").read_text()


def test_every_hint_of_the_bucket_codes_suggests_code_that_checks() -> None:
    """The `metric …` a bucket hint suggests is valid in the fixture's own program."""
    out = (ROOT / "tests" / "fixtures" / "diagnostics" / "buckets.out").read_text()
    suggested = set(re.findall(r"help: .*?`(metric [^`]+)`", out))
    assert len(suggested) >= 3
    # The fixture's header, tables and windows, and its one good metric by day.
    base = HINT_BASE.split("metric weekly_live")[0]
    for code in suggested:
        errors = [d for d in check_source(base + code + '\n  label: "x"\n', "x.rules").diagnostics if d.is_error]
        assert errors == [], (code, errors)


# ------------------------------------------------------------------------ the streak campaign


def test_the_streak_challenge_settles_as_designed_in_both_evaluators() -> None:
    program = rulekit.load(str(ROOT / "campaigns" / "streak_challenge.rules"))
    folder = ROOT / "examples" / "streak_challenge"
    settlement = program.settle(str(folder))
    assert settlement.data_quality == []
    rows = {r.id: r for r in settlement.participants}
    # Worked out by hand (examples/README.md): (qualifying days, longest run, total payout).
    expected = {
        "K01": (10, 10, Decimal("80.00")),  # 1-10 March: $50 + $30
        "K02": (20, 7, Decimal("150.00")),  # 7 + 7 + 6 days: $120 + $30
        "K03": (9, 9, Decimal("0.00")),  # fails the gate
        "K04": (0, 0, Decimal("0.00")),  # 30 minutes on each side of midnight, every other night
        "K05": (29, 20, Decimal("200.00")),  # 10 March has only 40 minutes; 11-30 in a row: $120 + $80
        "K06": (12, 12, Decimal("0.00")),  # not eligible
        "K07": (14, 14, Decimal("0.00")),  # disqualified
        "K08": (14, 14, Decimal("130.00")),  # 17-30 March, the last one 23:00-24:00: $50 + $80
        "K09": (0, 0, Decimal("0.00")),  # 44 minutes, then 1 product
    }
    for pid, (days, run, total) in expected.items():
        row = rows[pid]
        assert (row.metrics["streaming_days"], row.metrics["best_streak"], row.total_payout) == (days, run, total), pid
    tables = _read_csv(folder)
    for row in settlement.participants:
        assert_same(program.decide(facts_of(program.ir, tables, "creator_id", row.id)), row)


def _read_csv(folder: Path) -> dict[str, Rows]:
    import csv

    out: dict[str, Rows] = {}
    for name in ("creators", "live_sessions"):
        with (folder / f"{name}.csv").open(encoding="utf-8") as handle:
            out[name] = list(csv.DictReader(handle))
    return out


# ------------------------------------------------------------------------ generated data

PROGRAM = """program buckets:
  market: US
  currency: USD
  timezone: "{zone}"
  calendar: US

table creators:
  creator_id: string
  key: creator_id

table sessions:
  session_id: string
  creator_id: string
  start_ts: timestamp
  end_ts: timestamp
  products: int
  key: session_id
  period: start_ts to end_ts

table sales:
  sale_id: string
  creator_id: string
  ts: timestamp
  amount: money
  key: sale_id
  time: ts

participant creator: creators

window w: from {first} to {last} inclusive

metric live = total time in sessions by {unit}

metric shown = sum products in sessions during w by {unit}

metric sold = count sales where amount > $5 by {unit}

metric income = sum amount in sales by {unit}

metric active = count {units} during w where live >= {minutes} minutes and shown >= 2 or sold >= 2

metric streak = longest streak of {units} during w where live >= {minutes} minutes or income > $20

metric quiet = count {units} during w where not (sold >= 1)

eligible any_activity: active >= 0 and streak >= 0 and quiet >= 0
"""

# The daylight-saving changes the data crowds around, per zone (UTC instants of the change).
CHANGES = {
    "America/New_York": [_utc(2024, 3, 10, 7), _utc(2024, 11, 3, 6)],
    "Europe/London": [_utc(2024, 3, 31, 1), _utc(2024, 10, 27, 1)],
}
WINDOWS = {  # local first and last day around each change
    "America/New_York": [("2024-03-08", "2024-03-12"), ("2024-11-01", "2024-11-05"), ("2024-10-28", "2024-11-10")],
    "Europe/London": [("2024-03-29", "2024-04-02"), ("2024-10-25", "2024-10-29"), ("2024-03-01", "2024-04-30")],
}


Case = tuple[str, dict[str, Rows], dict[str, Any]]  # the program, its tables, the parameters drawn


@st.composite
def bucket_case(draw: st.DrawFn) -> Case:
    zone = draw(st.sampled_from(sorted(CHANGES)))
    first, last = draw(st.sampled_from(WINDOWS[zone]))
    unit = draw(st.sampled_from(["day", "week", "month"]))
    minutes = draw(st.sampled_from([30, 45, 60]))
    change = draw(st.sampled_from(CHANGES[zone]))

    def moment() -> dt.datetime:
        # Within about three days of the change, on the quarter hour or one second past it.
        quarters, second = draw(st.integers(-300, 300)), draw(st.sampled_from([0, 0, 1]))
        return change + dt.timedelta(minutes=15 * quarters, seconds=second)

    creators = [f"c{i}" for i in range(draw(st.integers(1, 4)))]
    sessions, sales = [], []
    for index in range(draw(st.integers(0, 12))):
        start = moment()
        length = dt.timedelta(minutes=draw(st.sampled_from([10, 40, 50, 75, 180, 1500])))
        sessions.append(
            {
                "session_id": f"s{index}",
                "creator_id": draw(st.sampled_from(creators)),
                "start_ts": start,
                "end_ts": start + length,
                "products": draw(st.integers(0, 3)),
            }
        )
    for index in range(draw(st.integers(0, 8))):
        sales.append(
            {
                "sale_id": f"o{index}",
                "creator_id": draw(st.sampled_from(creators)),
                "ts": moment(),
                "amount": Decimal(draw(st.sampled_from(["3.00", "5.00", "12.50", "25.00"]))),
            }
        )
    tables = {"creators": [{"creator_id": c} for c in creators], "sessions": sessions, "sales": sales}
    params = {"zone": zone, "first": first, "last": last, "unit": unit, "units": unit + "s", "minutes": minutes}
    return PROGRAM.format(**params), tables, params


@CHECK
@given(case=bucket_case())
def test_bucket_counts_agree_with_decisions_and_the_reference(case: Case) -> None:
    source, tables, params = case
    _, settlement, decisions = settle_and_decide(source, tables, "creator_id")
    for row in settlement.participants:
        assert_same(decisions[row.id], row)
        assert row.metrics == reference(tables, row.id, params), (row.id, params)


# ------------------------------------------------------------------------ the reference


def reference(tables: dict[str, Rows], pid: str, params: dict[str, Any]) -> dict[str, int]:
    """The three counts, worked out independently: the window's local dates one by one."""
    tz = ZoneInfo(params["zone"])
    first, last = (dt.date.fromisoformat(params[k]) for k in ("first", "last"))
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    groups: dict[dt.date, list[dt.date]] = {}
    for day in days:  # the local dates of each bucket, grouped under the bucket's first day
        head = _head(day, params["unit"])
        groups.setdefault(head, []).append(day)
    active, streak_flags, quiet = 0, [], 0
    window = (_midnight(first, tz), _midnight(last + dt.timedelta(days=1), tz))
    mine = {name: [r for r in rows if r["creator_id"] == pid] for name, rows in tables.items()}
    for dates in groups.values():
        lo = max(_midnight(dates[0], tz), window[0])
        hi = min(_midnight(dates[-1] + dt.timedelta(days=1), tz), window[1])
        live = sum((_overlap(s, lo, hi) for s in mine["sessions"]), dt.timedelta())
        shown = sum(s["products"] for s in mine["sessions"] if _overlap(s, lo, hi) > dt.timedelta())
        inside = [o for o in mine["sales"] if lo <= o["ts"] < hi]
        sold = sum(1 for o in inside if o["amount"] > 5)
        income = sum((o["amount"] for o in inside), Decimal(0))
        enough = live >= dt.timedelta(minutes=params["minutes"])
        active += (enough and shown >= 2) or sold >= 2
        streak_flags.append(enough or income > 20)
        quiet += sold < 1
    best = run = 0
    for flag in streak_flags:
        run = run + 1 if flag else 0
        best = max(best, run)
    return {"active": active, "streak": best, "quiet": quiet}


def _head(day: dt.date, unit: str) -> dt.date:
    if unit == "day":
        return day
    if unit == "week":
        return day - dt.timedelta(days=day.isoweekday() - 1)
    return dt.date(day.year, day.month, 1)


def _midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)


def _overlap(session: dict[str, Any], lo: dt.datetime, hi: dt.datetime) -> dt.timedelta:
    """A session's time inside [lo, hi) (zero when it does not overlap)."""
    return max(dt.timedelta(), min(session["end_ts"], hi) - max(session["start_ts"], lo))


# ------------------------------------------------------------------------ fmt and diff


def test_fmt_keeps_bucket_syntax_and_diff_names_a_changed_bucket_condition() -> None:
    from typer.testing import CliRunner

    import rulekit.cli  # noqa: F401  registers the commands
    from rulekit.cli.app import app
    from rulekit.formatter import format_source

    path = ROOT / "campaigns" / "streak_challenge.rules"
    old = path.read_text(encoding="utf-8")
    messy = old.replace("during challenge by day", "during   challenge  by   day").replace(
        "longest streak of days", "longest  streak  of  days"
    )
    assert format_source(messy).formatted == old
    new = old.replace("daily_live_time >= 45 minutes", "daily_live_time >= 30 minutes")
    result = CliRunner().invoke(
        app, ["diff", str(path), "-", "--data", str(ROOT / "examples" / "streak_challenge")], input=new
    )
    assert result.exit_code == 1, result.output  # 1: the versions differ (docs/diff.md)
    assert "count days during challenge where daily_live_time >= 30 minutes and daily_products >= 2" in result.output
    # K09 streamed 44 minutes with 4 products on 1-10 March: with 30 minutes enough, 10 days in a row
    # now count, so it qualifies with the $50 badge and the $30 week-streak prize.
    k09 = result.output.split("  K09\n")[1].split("\n  K")[0]
    assert "payout: $0.00 -> $80.00 (+$80.00)" in k09


DATED = """program dated:
  market: US
  currency: USD
  timezone: "America/New_York"
  calendar: US

table creators:
  creator_id: string
  key: creator_id

table visits:
  creator_id: string
  day: date
  time: day

participant creator: creators

window w: from 2024-03-04 to 2024-03-17 inclusive

metric daily_visits = count visits by day

metric visited_days = count days during w where daily_visits >= 1
  label: "days visited"

metric visited_weeks = longest streak of weeks during w where weekly_visits >= 2
  label: "weeks in a row with two visits"

metric weekly_visits = count visits by week
"""


def test_a_date_column_puts_each_row_on_its_local_day_in_both_evaluators(tmp_path: Path) -> None:
    program = rulekit.loads(DATED, "dated.rules")
    (tmp_path / "creators.csv").write_text("creator_id\nc1\nc2\n", encoding="utf-8")
    days = ["2024-03-03", "2024-03-04", "2024-03-04", "2024-03-10", "2024-03-11", "2024-03-17", "2024-03-18"]
    rows = "".join(f"c1,{d}\n" for d in days)
    (tmp_path / "visits.csv").write_text("creator_id,day\n" + rows, encoding="utf-8")
    settlement = program.settle(str(tmp_path))
    # Inside 4-17 March: 4 (twice), 10, 11 and 17 March -> 4 different days. Weeks (Monday first):
    # 4-10 March has 3 visits, 11-17 March has 2: both have at least 2, so 2 weeks in a row.
    c1 = settlement.participant("c1")
    assert (c1.metrics["visited_days"], c1.metrics["visited_weeks"]) == (4, 2)
    c2 = settlement.participant("c2")
    assert (c2.metrics["visited_days"], c2.metrics["visited_weeks"]) == (0, 0)
    visits = [{"creator_id": "c1", "day": d} for d in days]
    assert_same(program.decide({"creators": {"creator_id": "c1"}, "visits": visits}), c1)
