"""Budgets per calendar period (issue 10, construct 6): ``budget: $1,000 per day``.

* the SQL settlement against the pure-Python reference (``tests/reference/population.py``)
  on generated programs whose subsidy always has a budget per day, week or month, with
  orders at local midnights and on both March daylight-saving days;
* a hand-worked settlement across London's 23-hour day;
* the liability bound of ``rulekit check``, decide's note, and the hints of RK430-RK433.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import rulekit
from rulekit.checker import check_source
from tests.reference.programs import Limits, population_data, specs
from tests.test_population import expected, settled

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "diagnostics"
UTC = dt.UTC

CHECK = settings(
    max_examples=int(os.environ.get("RULEKIT_POPULATION_EXAMPLES", "25")),
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@st.composite
def budgeted(draw: st.DrawFn) -> tuple[object, dict[str, list[dict[str, object]]]]:
    """A generated program whose subsidy has a small budget per period, and its data."""
    spec = draw(specs())
    limits = Limits(
        pool=draw(st.sampled_from([1, 300, 650, 1_000])),
        overflow=draw(st.sampled_from([None, "scale down", "first come"])),
        period=draw(st.sampled_from(["day", "week", "month"])),
    )
    spec = dataclasses.replace(spec, subsidy_limits=limits, eligible_gold=False, min_orders=None)
    return spec, draw(population_data(spec.zone))


@CHECK
@given(budgeted())
def test_a_budget_per_period_settles_as_the_reference_says(
    case: tuple[object, dict[str, list[dict[str, object]]]],
) -> None:
    spec, rows = case
    want = expected(spec, rows)  # type: ignore[arg-type]
    got = settled(spec, rows)  # type: ignore[arg-type]
    for pid, mine in want.items():
        assert got[pid]["ship"] == mine["ship"], (pid, got[pid], mine, spec.source())  # type: ignore[attr-defined]


# ------------------------------------------------------------------ worked by hand

LONDON = """program flash:
  market: GB
  currency: GBP
  timezone: "Europe/London"
  calendar: GB

table merchants:
  merchant_id: string
  key: merchant_id

table orders:
  order_id: string
  merchant_id: string
  ts: timestamp
  fee: money
  key: order_id
  time: ts

participant merchant: merchants

window w: from 2024-03-30 to 2024-03-31 inclusive

subsidy ship: full fee in orders during w
  budget: £10 per day
  overflow: {overflow}

payout:
  channel: platform balance
  due: 5 days after w
"""

SCHEMA = pa.schema(
    [
        ("order_id", pa.string()),
        ("merchant_id", pa.string()),
        ("ts", pa.timestamp("us", tz="UTC")),
        ("fee", pa.decimal128(18, 2)),
    ]
)
# London leaves GMT for BST at 01:00 UTC on 31 March 2024: that day runs 00:00-23:00 UTC.
ORDERS = [
    ("a", "m1", dt.datetime(2024, 3, 30, 23, 59, 59, tzinfo=UTC), "6"),  # 30 March, 23:59:59 GMT
    ("b", "m2", dt.datetime(2024, 3, 31, 0, 0, tzinfo=UTC), "6"),  # 31 March at local midnight
    ("c", "m1", dt.datetime(2024, 3, 31, 12, 0, tzinfo=UTC), "6"),  # 31 March, 13:00 BST
    ("e", "m1", dt.datetime(2024, 3, 31, 22, 59, tzinfo=UTC), "6"),  # 31 March, 23:59 BST
    ("d", "m2", dt.datetime(2024, 3, 31, 23, 0, tzinfo=UTC), "6"),  # 00:00 BST on 1 April: outside w
]


def _settle_london(overflow: str) -> dict[str, Decimal]:
    program = rulekit.loads(LONDON.format(overflow=overflow), "flash.rules")
    rows = [{"order_id": o, "merchant_id": m, "ts": ts, "fee": Decimal(f)} for o, m, ts, f in ORDERS]
    tables = {
        "merchants": pa.Table.from_pylist([{"merchant_id": "m1"}, {"merchant_id": "m2"}]),
        "orders": pa.Table.from_pylist(rows, schema=SCHEMA),
    }
    settlement = program.settle(tables)
    return {r.id: next(x.amount for x in r.rewards if x.name == "ship") for r in settlement.participants}


def test_first_come_pays_each_local_day_from_its_own_budget_across_the_23_hour_day() -> None:
    # 30 March: a £6 (m1), under £10. 31 March (23 hours): b £6 (m2), then c gets the £4 left
    # (m1), e £0; d is on 1 April, outside the window. m1 = 6 + 4 + 0 = £10, m2 = £6.
    assert _settle_london("first come") == {"m1": Decimal("10.00"), "m2": Decimal("6.00")}


def test_scale_down_scales_each_day_within_that_day() -> None:
    # 30 March: £6 <= £10, paid in full. 31 March: b, c, e ask 3 x £6 = £18 > £10: each is
    # 600 x 1000 // 1800 = 333 pence. m1 = 6.00 + 3.33 + 3.33 = £12.66, m2 = £3.33.
    assert _settle_london("scale down") == {"m1": Decimal("12.66"), "m2": Decimal("3.33")}


def test_check_bounds_the_total_by_one_budget_per_day_of_the_window() -> None:
    # Two local days (30 and 31 March) x £10 = £20.
    result = check_source(LONDON.format(overflow="first come"), "flash.rules")
    assert result.max_payout is not None and result.max_payout.amount == Decimal(20)


def test_decide_says_the_budget_per_day_is_applied_at_settlement() -> None:
    program = rulekit.loads(LONDON.format(overflow="first come"), "flash.rules")
    facts = {
        "merchants": {"merchant_id": "m1"},
        "orders": [{"order_id": "a", "merchant_id": "m1", "ts": "2024-03-31T12:00:00", "fee": "6"}],
    }
    decision = program.decide(facts)
    notes = " ".join(decision.reasons)
    assert "£10 budget per day (local time) is shared by all merchants" in notes, notes
    # The decision is before the budget: the whole £6 fee.
    assert next(x.amount for x in decision.rewards if x.name == "ship") == Decimal("6.00")


# ------------------------------------------------------------------ hints that check clean


def test_every_budget_hint_suggests_a_line_that_checks_clean() -> None:
    """Each `budget: …` or `window …` line a hint of RK430-RK433 suggests, written in place of the
    line it is about, removes that diagnostic and adds no error."""
    tried = 0
    for name in ("budgets", "budgets_paid"):
        source = (FIXTURES / f"{name}.rules").read_text()
        before = check_source(source, f"{name}.rules").diagnostics
        for d in before:
            if d.code not in ("RK430", "RK431", "RK432", "RK433") or d.help is None:
                continue
            line = source.splitlines()[d.span.line - 1]
            for code in re.findall(r"`((?:budget|window)[^`]*)`", d.help):
                lines = source.splitlines()
                if code.startswith("window"):
                    index = next(i for i, x in enumerate(lines) if x.startswith(code.split(":")[0] + ":"))
                    lines[index] = code
                else:
                    lines[d.span.line - 1] = "  " + code
                fixed = "\n".join(lines) + "\n"
                after = check_source(fixed, f"{name}.rules").diagnostics
                assert not any(x.code == d.code and x.span.line == d.span.line for x in after), (line, code, after)
                assert sum(x.is_error for x in after) < sum(x.is_error for x in before), (line, code)
                tried += 1
    assert tried >= 6


# ------------------------------------------------------------------ the flash sale campaign

FLASH = ROOT / "campaigns" / "flash_sale.rules"
FLASH_DATA = ROOT / "examples" / "flash_sale"
# Worked out by hand from examples/generate.py (examples/README.md): (before the daily budget, paid).
FLASH_EXPECTED = {
    "F01": (Decimal("6.49"), Decimal("6.49")),  # 25 March £2.50 + 26 March £5.49 capped at £3.99
    # 28 March: F0201-F0212 take 12 x £3.99 = £47.88, F0213 (10:00) the £2.12 left: £50.00 of 13 x £3.99.
    "F02": (Decimal("51.87"), Decimal("50.00")),
    # F0301 at 10:00 too, but after F0213 by key, and F0302: £0; 29 March £4.25 capped: £3.99.
    "F03": (Decimal("11.97"), Decimal("3.99")),
    "F04": (None, None),  # not enrolled: not in the reward's population
    "F05": (None, None),  # outside the UK
    # Saturday 23:59 GMT £3.99; Sunday 00:00 GMT £3.99 (first of Sunday); Sunday 23:59 BST: Sunday's
    # budget is spent by then (below); 00:00 BST on 1 April is after the sale. 3 x £3.99 before.
    "F06": (Decimal("11.97"), Decimal("7.98")),
    # Sunday: F0602 £3.99 first, then F0701-F0711 11 x £3.99 = £43.89 (£47.88 used), F0712 £2.12.
    "F07": (Decimal("47.88"), Decimal("46.01")),
    "F08": (Decimal("1.99"), Decimal("1.99")),  # £14.99 is under £15, one cancelled, £15.00 counts
}


def _flash_rows() -> dict[str, list[dict[str, str]]]:
    import csv

    out: dict[str, list[dict[str, str]]] = {}
    for name in ("sellers", "orders"):
        with (FLASH_DATA / f"{name}.csv").open(encoding="utf-8") as handle:
            out[name] = list(csv.DictReader(handle))
    return out


def test_the_flash_sale_settles_as_worked_out_by_hand() -> None:
    program = rulekit.load(str(FLASH))
    settlement = program.settle(str(FLASH_DATA))
    assert settlement.data_quality == []
    paid = {
        r.id: next((x.amount for x in r.rewards if x.name == "flash_shipping"), None) for r in settlement.participants
    }
    assert paid == {pid: after for pid, (_, after) in FLASH_EXPECTED.items()}
    assert settlement.totals["payout"] == Decimal("116.46")  # 6.49 + 50 + 3.99 + 7.98 + 46.01 + 1.99


def test_the_flash_sale_reference_applies_the_same_daily_budget() -> None:
    """The pure-Python reference, from the raw rows: GB, enrolled, £15 or more, not cancelled, in the week."""
    from tests.reference import population as ref

    rows = _flash_rows()
    start, end = dt.datetime(2024, 3, 25, tzinfo=UTC), dt.datetime(2024, 3, 31, 23, tzinfo=UTC)  # GMT to BST midnights
    sellers = {s["seller_id"] for s in rows["sellers"] if s["region"] == "GB" and s["enrolled"] == "true"}
    candidates = [
        ref.Order(o["order_id"], o["seller_id"], at, Decimal(o["shipping_fee"]))
        for o in rows["orders"]
        if o["seller_id"] in sellers
        and o["cancelled"] == "false"
        and Decimal(o["item_total"]) >= 15
        and start <= (at := dt.datetime.fromisoformat(o["ordered_at"])) < end
    ]
    got = ref.order_subsidies(
        candidates, lambda c: c, Decimal("3.99"), None, 5_000, "first come", "day", "Europe/London"
    )
    assert {pid: Decimal(got.get(pid, 0)) / 100 for pid in sellers} == {
        pid: after for pid, (_, after) in FLASH_EXPECTED.items() if after is not None
    }


def test_decide_gives_each_seller_its_amount_before_the_daily_budget() -> None:
    program = rulekit.load(str(FLASH))
    tables = _flash_rows()
    for pid, (before, _) in FLASH_EXPECTED.items():
        mine = {
            "sellers": next(s for s in tables["sellers"] if s["seller_id"] == pid),
            "orders": [o for o in tables["orders"] if o["seller_id"] == pid],
        }
        decision = program.decide(mine)
        amount = next((x.amount for x in decision.rewards if x.name == "flash_shipping"), None)
        assert amount == before, pid


def test_explain_names_the_day_the_budget_and_what_it_had_already_paid() -> None:
    program = rulekit.load(str(FLASH))
    settlement = program.settle(str(FLASH_DATA))
    reasons = {
        r.id: next((x.reason for x in r.rewards if x.name == "flash_shipping"), "") for r in settlement.participants
    }
    # F03's first cut order, F0301 at 10:00 on 28 March, comes after F0213 took the last £2.12:
    # 12 x £3.99 + £2.12 = £50.00 already paid.
    assert "limited to £3.99 by the £50 budget per day: on 2024-03-28 £50.00 of that day's £50" in reasons["F03"]
    # F07's 12th order on Sunday: F0602 £3.99 + 11 x £3.99 = £47.88 already paid.
    assert "limited to £46.01 by the £50 budget per day: on 2024-03-31 £47.88 of that day's £50" in reasons["F07"]
    # F01's orders were never cut: no budget words.
    assert "budget" not in reasons["F01"]


def test_a_budget_per_day_in_a_program_paid_weekly_applies_to_each_day_of_each_week() -> None:
    """The flash sale over two ISO weeks, paid weekly: each week's line pays its days' orders."""
    from rulekit.checker import check_source as check
    from rulekit.periods.run import settle_periods

    source = FLASH.read_text().split("# ----")[0]
    source = source.replace("to 2024-03-31 inclusive", "to 2024-04-07 inclusive")
    source = source.replace("  due: 5 business days", "  paid weekly\n  due: 5 business days")
    report = check(source, "weekly.rules")
    # 14 local days (25 March to 7 April) x £50.
    assert report.ok and report.max_payout is not None and report.max_payout.amount == Decimal(700)
    settled = settle_periods(report.program, str(FLASH_DATA))

    def paid(pid: str, period: str) -> Decimal | None:
        line = settled.line(pid, period)
        return next((x.amount for x in line.rewards if x.name == "flash_shipping"), None)

    # Week 13 (25-31 March) is the one-week program above: F02 £50.00, F06 £7.98.
    assert (paid("F02", "2024-W13"), paid("F06", "2024-W13")) == (Decimal("50.00"), Decimal("7.98"))
    # F0604 at 00:00 BST on 1 April is now in week 14, whose Monday has its own £50: £3.99.
    assert paid("F06", "2024-W14") == Decimal("3.99")


def test_the_overflow_policy_may_follow_the_budget_after_a_comma() -> None:
    """`budget: £10 per day, first come` (issue 10's spelling) means the two-line form."""
    two_lines = LONDON.format(overflow="first come")
    one_line = two_lines.replace(
        "  budget: £10 per day\n  overflow: first come\n", "  budget: £10 per day, first come\n"
    )
    assert one_line != two_lines
    inline = rulekit.loads(one_line, "flash.rules").ir.rewards[0].limits
    assert (inline.pool_period, inline.overflow) == ("day", "first come")
    # Both spellings at once is one overflow line too many.
    both = two_lines.replace("  budget: £10 per day\n", "  budget: £10 per day, scale down\n")
    assert [d.code for d in check_source(both, "flash.rules").diagnostics if d.is_error] == ["RK510"]


def test_fmt_keeps_a_budget_per_period_as_written() -> None:
    from rulekit.formatter import format_source

    source = LONDON.format(overflow="first come")
    assert format_source(source).source == source
    inline = source.replace("  budget: £10 per day\n  overflow: first come\n", "  budget: £10 per day, first come\n")
    assert format_source(inline).source == inline


def test_rulekit_check_says_how_the_budget_per_day_counts() -> None:
    from rulekit.cli.check import summary_line

    report = check_source(LONDON.format(overflow="first come"), "flash.rules")
    # 30 and 31 March: 2 days x £10 = £20.
    assert summary_line(report) == "flash.rules: ok — maximum total payout £20.00 (ship £10.00 per day × 2 days)"
