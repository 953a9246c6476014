"""Relative windows in calendar months and years, and inclusive ends (issue 10, construct 2).

Expected counts are worked out by hand from the calendar (comments give the dates);
both evaluators (`decide` and `settle`) must give them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

import rulekit
from rulekit import ir, timeutil
from rulekit.timeutil import zone

PROGRAM = """\
program months:
  market: US
  currency: USD
  timezone: "America/New_York"
  calendar: US

table sellers:
  seller_id: string
  joined_at: timestamp
  key: seller_id

table sales:
  sale_id: string
  seller_id: string
  sold_at: timestamp
  amount: money
  key: sale_id
  time: sold_at

participant seller: sellers

window {window}

metric window_sales = count sales during first_period
  label: "sales in the first period"
"""

# New York is UTC-4 in summer (EDT) and UTC-5 in winter (EST).
SELLERS = [
    # 31 August 2022 10:00 EDT. + 6 months: February has 28 days in 2023, so 28 February 10:00 EST.
    {"seller_id": "aug31", "joined_at": "2022-08-31T14:00:00Z"},
    # 15 January 2024 09:00 EST. + 1 year: 15 January 2025 09:00 EST.
    {"seller_id": "jan15", "joined_at": "2024-01-15T14:00:00Z"},
]
SALES = [
    # aug31: 28 Feb 2023 09:59 EST (inside), 10:00 EST (the exclusive end), 23:00 EST (same day).
    {"sale_id": "a1", "seller_id": "aug31", "sold_at": "2023-02-28T14:59:00Z", "amount": "1"},
    {"sale_id": "a2", "seller_id": "aug31", "sold_at": "2023-02-28T15:00:00Z", "amount": "1"},
    {"sale_id": "a3", "seller_id": "aug31", "sold_at": "2023-03-01T04:00:00Z", "amount": "1"},
    # 1 March 2023 00:00 EST: outside even an inclusive end.
    {"sale_id": "a4", "seller_id": "aug31", "sold_at": "2023-03-01T05:00:00Z", "amount": "1"},
    # jan15: 15 January 2025 08:59 EST (inside), 09:00 EST (the end).
    {"sale_id": "j1", "seller_id": "jan15", "sold_at": "2025-01-15T13:59:00Z", "amount": "1"},
    {"sale_id": "j2", "seller_id": "jan15", "sold_at": "2025-01-15T14:00:00Z", "amount": "1"},
]

CASES = [
    # window, expected count per seller
    # jan15's sales are a year after it joined: outside any 6-month window.
    ("first_period: first 6 months from joined_at", {"aug31": 1, "jan15": 0}),
    ("first_period: first 6 months from joined_at inclusive", {"aug31": 3, "jan15": 0}),
    ("first_period: first 1 year from joined_at", {"aug31": 4, "jan15": 1}),
    ("first_period: first 1 year from joined_at inclusive", {"aug31": 4, "jan15": 2}),
]


def _program(window: str) -> rulekit.CompiledProgram:
    return rulekit.loads(PROGRAM.format(window=window), "months.rules")


def _settled(program: rulekit.CompiledProgram) -> dict[str, int]:
    frames = {
        "sellers": pa.table({k: [r[k] for r in SELLERS] for k in SELLERS[0]}),
        "sales": pa.table({k: [r[k] for r in SALES] for k in SALES[0]}),
    }
    return {p.id: int(p.metrics["window_sales"]) for p in program.settle(frames).participants}


def _decided(program: rulekit.CompiledProgram, seller: str) -> int:
    facts: dict[str, Any] = {
        "sellers": next(s for s in SELLERS if s["seller_id"] == seller),
        "sales": [s for s in SALES if s["seller_id"] == seller],
    }
    return int(program.decide(facts).metrics["window_sales"])


@pytest.mark.parametrize(("window", "expected"), CASES)
def test_calendar_months_and_inclusive_ends_in_both_evaluators(window: str, expected: dict[str, int]) -> None:
    program = _program(window)
    assert _settled(program) == expected
    assert {seller: _decided(program, seller) for seller in expected} == expected


def test_end_of_month_rule() -> None:
    """31 August + 6 months is the last day of February, at the same local time."""
    tz = zone("America/New_York")
    assert tz is not None
    anchor = dt.datetime(2022, 8, 31, 14, tzinfo=dt.UTC)  # 10:00 EDT
    six = ir.Duration(Decimal(6), ir.TimeUnit.MONTHS)
    end = timeutil.relative_end(anchor, six, tz)
    assert end == dt.datetime(2023, 2, 28, 15, tzinfo=dt.UTC)  # 10:00 EST
    # In a leap year, 29 February.
    leap = timeutil.relative_end(dt.datetime(2023, 8, 31, 14, tzinfo=dt.UTC), six, tz)
    assert leap == dt.datetime(2024, 2, 29, 15, tzinfo=dt.UTC)
