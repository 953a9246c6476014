"""Points in time in conditions (issue 10, constructs 2 and 7): `joined_at + 6 months`,
`start of W` / `end of W`, in both evaluators.

Every expected truth is worked out by hand from the calendar (New York is UTC-5 in winter,
UTC-4 in summer; clocks went forward on 10 March 2024); comments give the instants.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

import rulekit
from rulekit import codes
from rulekit.checker import check_source
from rulekit.render import render_document

ROOT = Path(__file__).resolve().parent.parent

PROGRAM = """\
program points:
  market: US
  currency: USD
  timezone: "America/New_York"
  calendar: US

table sellers:
  seller_id: string
  joined_at: timestamp
  brand_registered_at: timestamp
  registered_on: date
  key: seller_id

table orders:
  order_id: string
  seller_id: string
  ordered_at: timestamp
  key: order_id
  time: ordered_at

participant seller: sellers

window campaign: from 2024-01-01 to 2024-06-30 inclusive
window first_month: first 1 month from joined_at

metric late_orders = count orders where ordered_at > end of campaign - 7 days
  label: "orders in the campaign's last week"

gate g_brand: brand_registered_at <= joined_at + 6 months
gate g_day: brand_registered_at <= joined_at + 1 day
gate g_hours: brand_registered_at <= joined_at + 24 hours
gate g_end: joined_at <= end of campaign
gate g_end_lt: joined_at < end of campaign
gate g_start: joined_at >= start of campaign
gate g_first_month: brand_registered_at <= end of first_month
gate g_minus: joined_at - 1 day >= 2024-01-01
gate g_date: registered_on <= joined_at + 6 months
gate g_swapped: brand_registered_at <= 6 months + joined_at
"""

SELLERS = [
    # 31 Aug 2023 10:00 EDT; + 6 months = 29 Feb 2024 10:00 EST = 15:00 UTC (leap year, clamped).
    {"seller_id": "aug31", "joined_at": "2023-08-31T14:00:00Z", "brand_registered_at": "2024-02-29T15:00:00Z",
     "registered_on": "2024-02-29"},
    # One second later than the clamped month end; 1 March is after it too.
    {"seller_id": "aug31_late", "joined_at": "2023-08-31T14:00:00Z", "brand_registered_at": "2024-02-29T15:00:01Z",
     "registered_on": "2024-03-01"},
    # 9 Mar 2024 12:00 EST (17:00 UTC). + 1 day keeps the wall clock: 10 Mar 12:00 EDT = 16:00 UTC
    # (23 hours later); + 24 hours is 17:00 UTC. The brand at 16:30 UTC is between the two.
    {"seller_id": "dst", "joined_at": "2024-03-09T17:00:00Z", "brand_registered_at": "2024-03-10T16:30:00Z",
     "registered_on": None},
    # The campaign's last instant: 30 Jun 2024 23:59:59.999999 EDT = 1 Jul 03:59:59.999999 UTC.
    {"seller_id": "edge", "joined_at": "2024-07-01T03:59:59.999999Z", "brand_registered_at": None,
     "registered_on": None},
    # The first instant after the campaign.
    {"seller_id": "after", "joined_at": "2024-07-01T04:00:00Z", "brand_registered_at": None,
     "registered_on": None},
]  # fmt: skip

ORDERS = [
    # end of campaign - 7 days = 23 Jun 2024 23:59:59.999999 EDT = 24 Jun 03:59:59.999999 UTC:
    # o1 is at that instant (not after it), o2 one microsecond later.
    {"order_id": "o1", "seller_id": "dst", "ordered_at": "2024-06-24T03:59:59.999999Z"},
    {"order_id": "o2", "seller_id": "dst", "ordered_at": "2024-06-24T04:00:00Z"},
]

# The clauses that hold, per seller (an unknown comparison, over a null, does not hold).
EXPECTED = {
    # g_brand: 15:00 <= 15:00. g_day/g_hours: 29 Feb > 1 Sep 2023. g_end(_lt): 2023 is before the end.
    # g_start: 31 Aug 2023 < 1 Jan 2024 05:00 UTC. g_first_month: the month ends 30 Sep 2023.
    # g_minus: 30 Aug 2023 < 1 Jan 2024. g_date: 29 Feb 00:00 EST (05:00 UTC) <= 15:00 UTC.
    "aug31": {"g_brand", "g_swapped", "g_end", "g_end_lt", "g_date"},
    # g_date: 1 Mar 00:00 EST (05:00 UTC) > 29 Feb 15:00 UTC.
    "aug31_late": {"g_end", "g_end_lt"},
    # g_brand: 10 Mar < 9 Sep. g_day: 16:30 > 16:00. g_hours: 16:30 <= 17:00.
    # g_first_month: the month ends 9 Apr 12:00 EDT. g_minus: 8 Mar 17:00 UTC >= 1 Jan 05:00 UTC.
    "dst": {"g_brand", "g_swapped", "g_hours", "g_end", "g_end_lt", "g_start", "g_first_month", "g_minus"},
    # joined at the last instant: <= holds, < does not.
    "edge": {"g_end", "g_start", "g_minus"},
    "after": {"g_start", "g_minus"},
}


def _program() -> rulekit.CompiledProgram:
    return rulekit.loads(PROGRAM, "points.rules")


def _frames() -> dict[str, pa.Table]:
    return {
        "sellers": pa.table({k: [r[k] for r in SELLERS] for k in SELLERS[0]}),
        "orders": pa.table({k: [r[k] for r in ORDERS] for k in ORDERS[0]}),
    }


def _holding(clauses: Any) -> set[str]:
    return {c.name for c in clauses if c.holds}


def test_points_in_both_evaluators() -> None:
    program = _program()
    settled = {p.id: _holding(p.clauses) for p in program.settle(_frames()).participants}
    assert settled == EXPECTED
    for seller in SELLERS:
        facts = {"sellers": seller, "orders": [o for o in ORDERS if o["seller_id"] == seller["seller_id"]]}
        assert _holding(program.decide(facts).clauses) == EXPECTED[str(seller["seller_id"])], seller


def test_a_bound_minus_a_duration_in_a_where() -> None:
    # Only o2 is after 24 Jun 03:59:59.999999 UTC (see ORDERS).
    program = _program()
    settled = {p.id: int(p.metrics["late_orders"]) for p in program.settle(_frames()).participants}
    assert settled["dst"] == 1 and settled["aug31"] == 0
    facts = {"sellers": SELLERS[2], "orders": ORDERS}
    assert program.decide(facts).metrics["late_orders"] == 1


def test_the_reason_shows_both_instants_in_local_time() -> None:
    facts = {"sellers": SELLERS[1], "orders": []}
    reasons = {c.name: c.reason for c in _program().decide(facts).clauses}
    # 29 Feb 15:00:01 UTC is 10:00:01 EST; the limit 10:00:00 EST.
    assert reasons["g_brand"] == (
        "brand registered at (2024-02-29 10:00:01) is at or before 6 months after joined at "
        "(2024-02-29 10:00:00): does not hold"
    )


def test_the_document_words_points_for_readers() -> None:
    text = " ".join(render_document(_program().ir, "md", "en-US").split())
    assert "is no later than 6 months after the seller's “joined at” time" in text, text
    assert "is no later than the end of the campaign window" in text


# ------------------------------------------------------------------------- diagnostics

FIXTURE = ROOT / "tests" / "fixtures" / "diagnostics" / "points.out"


def _errors(source: str) -> list[str]:
    return [d.code for d in check_source(source, "x.rules").diagnostics if d.severity.value == "error"]


@pytest.mark.parametrize(
    ("clause", "code"),
    [
        ("gate g: brand_registered_at <= joined_at + $5", codes.RK221),
        ("gate g: brand_registered_at <= 5 + joined_at", codes.RK221),
        ("gate g: brand_registered_at <= joined_at - 2024-01-01", codes.RK222),
        ("gate g: brand_registered_at - joined_at < 30 days", codes.RK222),
        ("gate g: late_orders + 1 day > 1", codes.RK218),  # not a point: arithmetic, as before
        ("gate g: joined_at <= end of nowhere", codes.RK104),
        ("gate g: joined_at <= end of campaign + 1.5 months", codes.RK309),
    ],
)
def test_misuse_is_reported(clause: str, code: str) -> None:
    assert _errors(PROGRAM + clause + "\n") == [code]


def test_a_relative_bound_in_a_where_is_refused() -> None:
    source = PROGRAM + 'metric early = count orders where ordered_at < end of first_month\n  label: "x"\n'
    assert _errors(source) == [codes.RK223]


def test_every_hint_suggests_code_that_checks() -> None:
    """The conditions and filters the fixture's hints suggest check clean in this program."""
    out = FIXTURE.read_text(encoding="utf-8")
    hints = re.findall(r"help: .*?`([^`]+)`", out)
    assert len(hints) == 4
    for hint in hints:
        if hint.startswith("during "):
            line = f'metric m = count orders {hint}\n  label: "m"\n'
        elif "<=" in hint:
            line = f"gate h: {hint}\n"
        else:
            line = f"gate h: brand_registered_at <= {hint}\n"
        assert _errors(PROGRAM + line) == [], hint


# 9 Mar 2024 02:30 EST (07:30 UTC) + 1 day is 10 Mar 02:30, a time clocks skip: read with the
# offset before the change (EST), 07:30 UTC. 2 Nov 2024 01:30 EDT (05:30 UTC) + 1 day is 3 Nov
# 01:30, which occurs twice: the first occurrence (EDT), 05:30 UTC. One second later fails each.
GAP_AND_FOLD = [
    ("gap_at", "2024-03-09T07:30:00Z", "2024-03-10T07:30:00Z", True),
    ("gap_after", "2024-03-09T07:30:00Z", "2024-03-10T07:30:01Z", False),
    ("fold_at", "2024-11-02T05:30:00Z", "2024-11-03T05:30:00Z", True),
    ("fold_after", "2024-11-02T05:30:00Z", "2024-11-03T05:30:01Z", False),
]


def test_a_skipped_or_repeated_wall_clock_time_in_both_evaluators() -> None:
    program = _program()
    sellers = [
        {"seller_id": s, "joined_at": j, "brand_registered_at": b, "registered_on": None} for s, j, b, _ in GAP_AND_FOLD
    ]
    frames = {
        "sellers": pa.table({k: [r[k] for r in sellers] for k in sellers[0]}),
        "orders": pa.table({k: pa.array([], pa.string()) for k in ("order_id", "seller_id", "ordered_at")}),
    }
    expected = {s: holds for s, _, _, holds in GAP_AND_FOLD}
    settled = {p.id: "g_day" in _holding(p.clauses) for p in program.settle(frames).participants}
    decided = {
        str(s["seller_id"]): "g_day" in _holding(program.decide({"sellers": s, "orders": []}).clauses) for s in sellers
    }
    assert settled == expected and decided == expected


def test_the_fast_path_leaves_points_in_time_to_the_reference_evaluator() -> None:
    # The generated clauses do not handle `joined_at + 6 months` or `end of W`: the program
    # runs the reference evaluator throughout, and decide_fast gives what decide gives.
    program = _program()
    assert program._fast.generated is False
    for seller in SELLERS:
        facts = {"sellers": seller, "orders": [o for o in ORDERS if o["seller_id"] == seller["seller_id"]]}
        assert _holding(program.decide_fast(facts).clauses) == EXPECTED[str(seller["seller_id"])], seller
