"""Single decisions on the two campaign programs, against hand-computed values.

UK (Europe/London): GMT until 2022-03-27 01:00 UTC, BST (UTC+1) after.
Apollo (America/New_York): EST (UTC-5) throughout February 2022, so the activity
window [2022-02-14, 2022-02-28) local is [2022-02-14 05:00Z, 2022-02-28 05:00Z).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import rulekit
from rulekit.results import Decision

ROOT = Path(__file__).resolve().parent.parent
UK_PATH = ROOT / "campaigns" / "uk_shop.rules"
APOLLO_PATH = ROOT / "campaigns" / "apollo.rules"


@pytest.fixture(scope="module")
def uk() -> rulekit.CompiledProgram:
    return rulekit.load(UK_PATH)


@pytest.fixture(scope="module")
def apollo() -> rulekit.CompiledProgram:
    return rulekit.load(APOLLO_PATH)


def merchant(joined: str = "2022-01-01T10:00:00Z", region: str = "GB") -> dict[str, Any]:
    return {"merchant_id": "m1", "region": region, "joined_at": joined}


def order(created: str, item_total: str = "20.00", fee: str = "3.20", refunded: bool = False) -> dict[str, Any]:
    return {
        "order_id": "o1",
        "merchant_id": "m1",
        "created_at": created,
        "item_total": item_total,
        "shipping_fee": fee,
        "currency": "GBP",
        "refunded": refunded,
    }


def effect(decision: Decision, kind: str) -> Any:
    (found,) = [e for e in decision.effects if e.kind == kind]
    return found


# ----------------------------------------------------------------------------- UK shop


def test_order_in_first_90_days_pays_no_commission(uk: rulekit.CompiledProgram) -> None:
    decision = uk.decide({"merchants": merchant("2022-03-01T12:00:00Z"), "orders": order("2022-03-10T12:00:00Z")})
    commission = effect(decision, "commission")
    assert commission.applies is True
    assert commission.rate == Decimal(0)
    assert commission.amount == Decimal("0.00")
    assert "free period" in commission.reason


def test_order_after_90_days_pays_standard_rate(uk: rulekit.CompiledProgram) -> None:
    # joined 2021-06-01: the free period ended 2021-08-30, long before this order.
    # 5% of £12.50 = £0.625, rounded half-even to £0.62 (half-up would give £0.63).
    decision = uk.decide(
        {"merchants": merchant("2021-06-01T00:00:00Z"), "orders": order("2022-03-10T12:00:00Z", "12.50")}
    )
    commission = effect(decision, "commission")
    assert commission.applies is False
    assert commission.rate == Decimal("0.05")
    assert commission.amount == Decimal("0.62")
    # 5% of £37.90 = £1.895 → £1.90 (ties go to the even cent: 1.90, not 1.89).
    decision = uk.decide(
        {"merchants": merchant("2021-06-01T00:00:00Z"), "orders": order("2022-03-10T12:00:00Z", "37.90")}
    )
    assert effect(decision, "commission").amount == Decimal("1.90")
    assert "outside the free period" in effect(decision, "commission").reason


@pytest.mark.parametrize(
    ("created", "waived"),
    [
        # Joined 2022-01-01 10:00 GMT. 90 local days later is 2022-04-01 10:00 local,
        # which is BST (UTC+1) after the clocks went forward on 2022-03-27: 09:00 UTC.
        ("2022-04-01T08:59:00Z", True),
        ("2022-04-01T08:59:59Z", True),
        ("2022-04-01T09:00:00Z", False),  # half-open: the end instant is outside
        ("2022-04-01T09:01:00Z", False),
        # Naive timestamps are UTC, so the same instants without a zone agree.
        ("2022-04-01T08:59:00", True),
        ("2022-04-01T09:01:00", False),
        # The exact 24-hour arithmetic (90 × 24 h = 10:00 UTC) would wrongly waive this one.
        ("2022-04-01T09:30:00Z", False),
    ],
)
def test_free_period_across_the_bst_change(uk: rulekit.CompiledProgram, created: str, waived: bool) -> None:
    decision = uk.decide({"merchants": merchant("2022-01-01T10:00:00Z"), "orders": order(created, "20.00")})
    commission = effect(decision, "commission")
    assert commission.applies is waived
    assert commission.amount == (Decimal("0.00") if waived else Decimal("1.00"))  # 5% of £20.00 = £1.00


@pytest.mark.parametrize(
    ("fee", "paid"),
    [
        ("3.20", "3.20"),  # below the £4.99 cap: the full fee
        ("4.99", "4.99"),  # exactly the cap
        ("6.50", "4.99"),  # above: capped
        ("0.00", "0.00"),  # free shipping already: nothing to pay
    ],
)
def test_shipping_subsidy_is_full_fee_up_to_cap(uk: rulekit.CompiledProgram, fee: str, paid: str) -> None:
    decision = uk.decide({"merchants": merchant(), "orders": order("2022-03-10T12:00:00Z", fee=fee)})
    subsidy = effect(decision, "subsidy")
    assert subsidy.amount == Decimal(paid)
    assert subsidy.amount <= Decimal(fee)


def test_refunded_order_gets_no_subsidy(uk: rulekit.CompiledProgram) -> None:
    decision = uk.decide({"merchants": merchant(), "orders": order("2022-03-10T12:00:00Z", refunded=True)})
    subsidy = effect(decision, "subsidy")
    assert subsidy.applies is False
    assert subsidy.amount == Decimal("0.00")
    assert "not refunded" in subsidy.reason


def test_order_outside_offer_period_gets_no_subsidy(uk: rulekit.CompiledProgram) -> None:
    # The offer ends at local midnight starting 1 June 2022, BST: 2022-05-31 23:00 UTC.
    inside = uk.decide({"merchants": merchant(), "orders": order("2022-05-31T22:59:59Z")})
    outside = uk.decide({"merchants": merchant(), "orders": order("2022-05-31T23:00:00Z")})
    assert effect(inside, "subsidy").amount == Decimal("3.20")
    assert effect(outside, "subsidy").amount == Decimal("0.00")
    assert "outside the offer period" in effect(outside, "subsidy").reason


def test_non_gb_merchant_gets_nothing_and_pays_standard(uk: rulekit.CompiledProgram) -> None:
    # Joined a week before the order: inside 90 days, but not eligible.
    decision = uk.decide(
        {"merchants": merchant("2022-03-01T00:00:00Z", region="IE"), "orders": order("2022-03-08T00:00:00Z")}
    )
    assert decision.eligible is False
    assert decision.qualified is False
    commission = effect(decision, "commission")
    assert (commission.applies, commission.amount) == (False, Decimal("1.00"))
    assert effect(decision, "subsidy").amount == Decimal("0.00")
    (clause,) = decision.clauses
    assert (clause.name, clause.holds) == ("uk_merchant", False)
    assert clause.reason == 'region is "IE" — needs "GB"'


def test_fast_path_agrees_with_decide(uk: rulekit.CompiledProgram) -> None:
    m, o = merchant("2022-01-01T10:00:00Z"), order("2022-04-01T09:01:00Z", "12.50", "6.50")
    fast = uk.decide_order(m, o)
    full = uk.decide({"merchants": m, "orders": o})
    assert fast.commission == effect(full, "commission").amount == Decimal("0.62")
    assert fast.subsidy == effect(full, "subsidy").amount == Decimal("4.99")
    assert (fast.eligible, fast.qualified, fast.order_id) == (True, True, "o1")


def test_order_list_gives_subsidy_total_before_limits(uk: rulekit.CompiledProgram) -> None:
    rows = [
        {**order("2022-03-02T10:00:00Z", fee="3.20"), "order_id": "a"},
        {**order("2022-03-03T10:00:00Z", fee="6.50"), "order_id": "b"},
        {**order("2022-03-04T10:00:00Z", fee="2.00", refunded=True), "order_id": "c"},
    ]
    decision = uk.decide({"merchants": merchant(), "orders": rows})
    (subsidy,) = decision.rewards
    assert subsidy.amount == Decimal("8.19")  # 3.20 + 4.99 (capped); the refunded order gets nothing
    assert decision.metrics == {"order_count": 3, "net_sales": Decimal("40.00")}  # 20 + 20, c refunded
    assert any("500 orders" in r for r in decision.reasons)


def test_fixed_subsidy_never_exceeds_the_fee() -> None:
    source = UK_PATH.read_text().replace("full shipping_fee", "£5 of shipping_fee")
    program = rulekit.loads(source, "fixed.rules")
    cheap = program.decide({"merchants": merchant(), "orders": order("2022-03-10T12:00:00Z", fee="3.00")})
    dear = program.decide({"merchants": merchant(), "orders": order("2022-03-10T12:00:00Z", fee="9.00")})
    assert effect(cheap, "subsidy").amount == Decimal("3.00")  # £5 but never above the £3.00 fee
    assert effect(dear, "subsidy").amount == Decimal("4.99")  # £5 capped at £4.99 per order


# ------------------------------------------------------------------------------ Apollo


def account(**changes: Any) -> dict[str, Any]:
    row = {
        "account_id": "a1",
        "kind": "agency",
        "program": "TikTok Shopping Partner",
        "region": "US",
        "hosts_submitted": True,
        "click_farming_flag": False,
    }
    return {**row, **changes}


def session(host: str, start: str, end: str, products: int = 3) -> dict[str, Any]:
    return {"account_id": "a1", "host_id": host, "start_ts": start, "end_ts": end, "products_shown": products}


def orders(count: int, refunded: int, gmv: str = "100.00", ts: str = "2022-02-20T12:00:00Z") -> list[dict[str, Any]]:
    return [
        {"order_id": f"o{i}", "account_id": "a1", "ts": ts, "gmv": gmv, "refunded": i < refunded} for i in range(count)
    ]


def h1_sessions(middle_end: str = "2022-02-20T17:00:00Z") -> list[dict[str, Any]]:
    return [
        # Straddles the start: 03:00Z–09:00Z, only 05:00Z–09:00Z counts = 4 h.
        session("h1", "2022-02-14T03:00:00Z", "2022-02-14T09:00:00Z"),
        # Inside: 10:00Z–17:00Z = 7 h (or 7 h 1 min with middle_end 17:01Z).
        session("h1", "2022-02-20T10:00:00Z", middle_end),
        # Straddles the end: 02:00Z–08:00Z on 28 Feb, only 02:00Z–05:00Z counts = 3 h.
        session("h1", "2022-02-28T02:00:00Z", "2022-02-28T08:00:00Z"),
        # Idle (no products shown): 2.5 h, never effective.
        session("h1", "2022-02-21T10:00:00Z", "2022-02-21T12:30:00Z", products=0),
        # Entirely before the window: does not count at all.
        session("h1", "2022-02-13T10:00:00Z", "2022-02-13T20:00:00Z"),
    ]


def apollo_facts(**overrides: Any) -> dict[str, Any]:
    facts = {
        "accounts": account(),
        "hosts": [{"account_id": "a1", "host_id": "h1", "registered_at": "2022-01-05T00:00:00Z"}],
        "live_sessions": h1_sessions(),
        "product_views": [
            {"account_id": "a1", "viewer_id": "v1", "ts": "2022-02-15T00:00:00Z"},
            {"account_id": "a1", "viewer_id": "v1", "ts": "2022-02-16T00:00:00Z"},  # same viewer: counts once
            {"account_id": "a1", "viewer_id": "v2", "ts": "2022-02-14T04:59:59Z"},  # before the window
            {"account_id": "a1", "viewer_id": "v3", "ts": "2022-02-28T04:59:59Z"},  # last second inside
        ],
        "orders": orders(10, 0),
    }
    return {**facts, **overrides}


def clause(decision: Decision, name: str) -> Any:
    (found,) = [c for c in decision.clauses if c.name == name]
    return found


def test_sessions_count_only_inside_the_window(apollo: rulekit.CompiledProgram) -> None:
    decision = apollo.decide(apollo_facts())
    # 4 h + 7 h + 3 h = 14 h = 50,400 s; the idle 2.5 h = 9,000 s.
    assert decision.members["h1"]["effective_live_time"] == Decimal(50400)
    assert decision.members["h1"]["idle_live_time"] == Decimal(9000)
    assert decision.metrics["product_uv"] == 2  # v1 and v3


def test_exactly_14_hours_fails_the_gate(apollo: rulekit.CompiledProgram) -> None:
    decision = apollo.decide(apollo_facts())
    gate = clause(decision, "live_hours")
    assert gate.holds is False  # needs MORE than 14 hours
    assert gate.reason == "effective live time of host h1: 14 hours — needs more than 14 hours"
    assert decision.qualified is False


def test_14_hours_and_a_minute_passes_the_gate(apollo: rulekit.CompiledProgram) -> None:
    decision = apollo.decide(apollo_facts(live_sessions=h1_sessions("2022-02-20T17:01:00Z")))
    assert decision.members["h1"]["effective_live_time"] == Decimal(50460)  # 14 h 1 min
    assert clause(decision, "live_hours").holds is True
    assert decision.qualified is True


def test_idle_streaming_warns(apollo: rulekit.CompiledProgram) -> None:
    decision = apollo.decide(apollo_facts())
    warn = clause(decision, "idle_streaming")
    assert (warn.holds, warn.judged) == (True, True)  # 2.5 h > 2 h
    assert warn.reason == "idle live time of host h1: 2.5 hours — over the 2 hours limit"


def test_refund_rate_of_7_in_20_disqualifies(apollo: rulekit.CompiledProgram) -> None:
    passing = h1_sessions("2022-02-20T17:01:00Z")
    decision = apollo.decide(apollo_facts(live_sessions=passing, orders=orders(20, 7)))
    rule = clause(decision, "high_refund_rate")
    assert decision.metrics["refund_rate"] == Decimal("0.35")  # 7 / 20
    assert (rule.holds, rule.judged) == (True, True)  # 35% > 30%, 20 orders >= 20
    assert rule.reason == "refund rate 35% (7 of 20 orders) — over the 30% limit"
    assert decision.qualified is False
    assert decision.rewards == []


def test_refund_rate_of_7_in_19_is_not_judged(apollo: rulekit.CompiledProgram) -> None:
    passing = h1_sessions("2022-02-20T17:01:00Z")
    decision = apollo.decide(apollo_facts(live_sessions=passing, orders=orders(19, 7)))
    rule = clause(decision, "high_refund_rate")
    assert rule.judged is False  # 19 orders: below the minimum sample of 20
    assert rule.reason == "refund rate not judged: 19 orders, needs at least 20"
    assert decision.qualified is True


def test_refund_rate_exactly_30_percent_is_not_over(apollo: rulekit.CompiledProgram) -> None:
    passing = h1_sessions("2022-02-20T17:01:00Z")
    decision = apollo.decide(apollo_facts(live_sessions=passing, orders=orders(20, 6)))
    assert clause(decision, "high_refund_rate").holds is False  # 6/20 = 30%, not > 30%


def test_click_farming_disqualifies(apollo: rulekit.CompiledProgram) -> None:
    passing = h1_sessions("2022-02-20T17:01:00Z")
    decision = apollo.decide(apollo_facts(accounts=account(click_farming_flag=True), live_sessions=passing))
    assert clause(decision, "click_farming").holds is True
    assert decision.eligible is True
    assert decision.qualified is False


def test_individual_account_is_not_eligible(apollo: rulekit.CompiledProgram) -> None:
    decision = apollo.decide(apollo_facts(accounts=account(kind="individual")))
    rule = clause(decision, "partner_agency")
    assert rule.holds is False
    assert rule.reason.startswith('kind is "individual" — needs "agency"')


@pytest.mark.parametrize(
    ("gmv", "refunded", "expected"),
    [
        # 20 orders of $617.25 = $12,345.00 net GMV; 2% = $246.90.
        ("617.25", 0, "246.90"),
        # 20 × $6,000 = $120,000; 2% = $2,400, capped at $2,000 per account.
        ("6000.00", 0, "2000.00"),
        # 5 refunded of 20 (25%, not disqualified): net 15 × $617.25 = $9,258.75; 2% = $185.175 → $185.18.
        ("617.25", 5, "185.18"),
    ],
)
def test_rebate_two_percent_capped(apollo: rulekit.CompiledProgram, gmv: str, refunded: int, expected: str) -> None:
    passing = h1_sessions("2022-02-20T17:01:00Z")
    decision = apollo.decide(apollo_facts(live_sessions=passing, orders=orders(20, refunded, gmv)))
    (rebate,) = decision.rewards
    assert (rebate.name, rebate.kind) == ("gmv_rebate", "rebate")
    assert rebate.amount == rebate.before_limits == Decimal(expected)
    assert any("prize depends on the ranking" in r for r in decision.reasons)


def test_orders_outside_the_window_do_not_count(apollo: rulekit.CompiledProgram) -> None:
    late = orders(3, 0, "50.00", ts="2022-02-28T05:00:00Z")  # the end instant is outside
    late = [{**o, "order_id": f"late{i}"} for i, o in enumerate(late)]
    decision = apollo.decide(apollo_facts(orders=orders(2, 0, "50.00") + late))
    assert decision.metrics["order_count"] == 2
    assert decision.metrics["net_gmv"] == Decimal("100.00")


def test_every_host_must_pass(apollo: rulekit.CompiledProgram) -> None:
    hosts = [
        {"account_id": "a1", "host_id": "h1", "registered_at": "2022-01-05T00:00:00Z"},
        {"account_id": "a1", "host_id": "h2", "registered_at": "2022-01-05T00:00:00Z"},
    ]
    # h2 streams 12.5 h inside the window: 2022-02-15 10:00Z–22:30Z.
    sessions = [*h1_sessions("2022-02-20T17:01:00Z"), session("h2", "2022-02-15T10:00:00Z", "2022-02-15T22:30:00Z")]
    decision = apollo.decide(apollo_facts(hosts=hosts, live_sessions=sessions))
    gate = clause(decision, "live_hours")
    assert gate.holds is False
    assert gate.reason == "effective live time of host h2: 12.5 hours — needs more than 14 hours"
    assert decision.metrics["host_count"] == 2


# ------------------------------------------------------------- other reward shapes

EXTRAS = """program extras:
  market: US
  currency: USD
  timezone: "America/New_York"
  calendar: US

table sellers:
  seller_id: string
  key: seller_id

table sales:
  sale_id: string
  seller_id: string
  ts: timestamp
  amount: money
  key: sale_id
  time: ts

participant seller: sellers

window month: from 2022-03-01 to 2022-03-31 inclusive

metric gmv = sum amount in sales during month
metric sale_count = count sales during month

eligible some_sales: sale_count >= 1

rebate tiered: marginal brackets of gmv
  from $0: 1%
  from $1,000: 2%
  from $10,000: 3.5%

rebate whole: whole-tier brackets of gmv
  from $1,000: 2%
  from $10,000: 3.5%
  cap: $400 per seller

bonus per_sale: $0.50 per unit of sale_count
  cap: $1 per seller

milestone ladder: gmv, highest
  bronze at $1,000: $10
  silver at $10,000: $50

milestone steps: gmv, cumulative
  bronze at $1,000: $10
  silver at $10,000: $50
  gold at $20,000: $100
"""


def test_brackets_bonus_and_milestones() -> None:
    program = rulekit.loads(EXTRAS, "extras.rules")
    sales = [
        {"sale_id": "x1", "seller_id": "s1", "ts": "2022-03-10T12:00:00Z", "amount": "12000"},
        {"sale_id": "x2", "seller_id": "s1", "ts": "2022-03-11T12:00:00Z", "amount": "345"},
        {"sale_id": "x3", "seller_id": "s1", "ts": "2022-03-12T12:00:00Z", "amount": "0"},
        # 2022-04-01 03:00Z is still 31 March in New York (EDT, UTC-4): inside the month.
        {"sale_id": "x4", "seller_id": "s1", "ts": "2022-04-01T03:59:59Z", "amount": "0"},
        {"sale_id": "x5", "seller_id": "s1", "ts": "2022-04-01T04:00:00Z", "amount": "999"},  # 1 April: outside
    ]
    decision = program.decide({"sellers": {"seller_id": "s1"}, "sales": sales})
    assert decision.metrics == {"gmv": Decimal("12345"), "sale_count": 4}
    paid = {r.name: r.amount for r in decision.rewards}
    assert paid == {
        # 1% × 1,000 + 2% × 9,000 + 3.5% × 2,345 = 10 + 180 + 82.075 = 272.075 → half-even 272.08
        "tiered": Decimal("272.08"),
        # 3.5% × 12,345 = 432.075, capped at $400
        "whole": Decimal("400.00"),
        # $0.50 × 4 sales = $2.00, capped at $1
        "per_sale": Decimal("1.00"),
        # $12,345 reaches silver ($10,000): the highest tier only
        "ladder": Decimal("50.00"),
        # bronze $10 + silver $50; gold needs $20,000
        "steps": Decimal("60.00"),
    }
    tiered = next(r for r in decision.rewards if r.name == "tiered")
    assert tiered.reason == (
        "marginal rebate on gmv $12,345.00: 1% of $0–$1,000 + 2% of $1,000–$10,000 + 3.5% of $10,000–$12,345.00"
        " = $272.08"
    )


@pytest.mark.parametrize(
    ("amount", "problem"),
    [
        # Found through `rulekit serve`: these reached the decimal library and raised inside decide.
        (Decimal("1E+999999999"), "at most 26 digits before the decimal point"),
        (Decimal("123456789012345678901234567890.5"), "at most 26 digits before the decimal point"),
        (123456789012345678901234567890, "at most 26 digits before the decimal point"),
        (Decimal("1E-999999999"), "at most 12 decimal places"),
    ],
)
def test_numbers_beyond_the_exact_range_are_bad_facts_naming_the_column(
    uk: rulekit.CompiledProgram, amount: Any, problem: str
) -> None:
    bad = {**order("2022-03-10T12:00:00Z"), "item_total": amount}
    with pytest.raises(rulekit.FactsError, match=problem) as raised:
        uk.decide({"merchants": merchant(), "orders": bad})
    assert (raised.value.table, raised.value.column) == ("orders", "item_total")
