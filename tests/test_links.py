"""Sub-entities and links between tables (issue 10, construct 4).

Links are declared in a table block (`link: listing_id -> listings`); a metric `per listing`
has one value per listing row, and a metric over `listings` reads it in its `where` (the
nested aggregate). Every expected value below is worked out by hand in a comment.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import rulekit
from rulekit import codes, ir
from rulekit.checker import check_source
from rulekit.diff import diff_programs, render_changes
from rulekit.errors import FactsError
from rulekit.formatter import format_source
from rulekit.plan import Level
from tests.test_crosscheck import arrow_tables

ROOT = Path(__file__).resolve().parent.parent
UTC = dt.UTC
Rows = list[dict[str, Any]]

SOURCE = """\
program shop:
  title: "Listings"
  market: US
  currency: USD
  timezone: "America/New_York"
  calendar: US

table sellers:
  seller_id: string
  joined_at: timestamp
  key: seller_id

table listings:
  listing_id: string
  seller_id: string
  created_at: timestamp
  photos: int
  key: listing_id
  time: created_at

table orders:
  order_id: string
  listing_id: string
  ts: timestamp
  gmv: money
  key: order_id
  time: ts
  link: listing_id -> listings.listing_id

participant seller: sellers

window march: from 2024-03-01 to 2024-03-31 inclusive
window first_week: first 7 days from joined_at

metric listing_orders = count orders during march per listing
  label: "orders"
metric listing_sales = sum gmv in orders per listing
  label: "sales"
metric average_order = average gmv in orders per listing
  label: "average order"
metric early_orders = count orders during first_week per listing
  label: "early orders"
metric good_listings = count listings where listing_orders >= 1 and photos >= 3
metric selling_listings = count listings where listing_sales > $0
metric big_listings = count listings where average_order >= $20
metric early_listings = count listings where early_orders >= 1
metric photos_sold = sum photos in listings where listing_orders >= 1

gate any_good: good_listings >= 1

bonus per_listing: $5 per unit of good_listings
  cap: $100 per seller
"""

MAR = dt.datetime(2024, 3, 10, 17, tzinfo=UTC)  # inside March in New York


def _tables() -> dict[str, Rows]:
    def listing(lid: str, seller: str, photos: int) -> dict[str, Any]:
        return {"listing_id": lid, "seller_id": seller, "created_at": MAR, "photos": photos}

    def order(oid: str, lid: str | None, gmv: str, ts: dt.datetime = MAR) -> dict[str, Any]:
        return {"order_id": oid, "listing_id": lid, "ts": ts, "gmv": Decimal(gmv)}

    return {
        "sellers": [
            {"seller_id": "s1", "joined_at": dt.datetime(2024, 3, 8, tzinfo=UTC)},
            {"seller_id": "s2", "joined_at": dt.datetime(2024, 1, 1, tzinfo=UTC)},
        ],
        "listings": [
            listing("L1", "s1", 3),  # 2 March orders of $10 and $40
            listing("L2", "s1", 5),  # one April order of $30: 0 March orders
            listing("L3", "s1", 2),  # 1 order but 2 photos
            listing("L4", "s1", 4),  # no orders at all
            listing("L5", "s2", 6),  # 1 order of $25
        ],
        "orders": [
            order("o1", "L1", "10.00"),
            order("o2", "L1", "40.00"),
            order("o3", "L2", "30.00", dt.datetime(2024, 4, 2, 17, tzinfo=UTC)),
            order("o4", "L3", "5.00"),
            order("o5", "L5", "25.00"),
            order("o6", "L9", "99.00"),  # an orphan: no listing L9
            order("o7", None, "99.00"),  # a null link: no listing
        ],
    }


# s1: listing_orders L1=2, L2=0, L3=1, L4=0 -> good (>= 1 order and >= 3 photos): L1 only = 1.
#     listing_sales L1=$50, L2=$30, L3=$5, L4=$0 -> selling (> $0): L1, L2, L3 = 3.
#     average_order L1=$25, L2=$30, L3=$5, L4 none -> big (>= $20): L1, L2 = 2 (L4 has no value).
#     early_orders (8-15 March from joined_at): L1=2 (10 March), L3=1 -> early: L1, L3 = 2.
#     photos_sold: photos of listings with a March order: L1 3 + L3 2 = 5.
#     bonus: 1 x $5 = $5.
# s2: L5 1 order, 6 photos -> good 1, selling 1, big 1 ($25), early 0 (joined 1 January,
#     the first week ended 8 January), photos_sold 6, bonus $5.
EXPECTED = {
    "s1": {
        "good_listings": 1,
        "selling_listings": 3,
        "big_listings": 2,
        "early_listings": 2,
        "photos_sold": Decimal(5),
    },
    "s2": {
        "good_listings": 1,
        "selling_listings": 1,
        "big_listings": 1,
        "early_listings": 0,
        "photos_sold": Decimal(6),
    },
}


def _facts(tables: dict[str, Rows], pid: str) -> dict[str, Any]:
    """One seller's facts: its row, its listings and the orders linked to them."""
    mine = [r for r in tables["listings"] if r["seller_id"] == pid]
    keys = {r["listing_id"] for r in mine}
    return {
        "sellers": next(r for r in tables["sellers"] if r["seller_id"] == pid),
        "listings": mine,
        "orders": [r for r in tables["orders"] if r["listing_id"] in keys],
    }


def _metrics(values: dict[str, Any]) -> dict[str, Any]:
    return {k: Decimal(v) if k == "photos_sold" else v for k, v in values.items() if k in EXPECTED["s1"]}


# ------------------------------------------------------------------------ language


def test_links_parse_and_format_round_trip() -> None:
    program = rulekit.loads(SOURCE, "shop.rules").ir
    orders = program.table("orders")
    assert orders is not None
    assert orders.links == (ir.Link("listing_id", "listings", "listing_id"),)
    # fmt keeps the link line (and both spellings) as written, with canonical spacing.
    messy = SOURCE.replace("  link: listing_id -> listings.listing_id", "  link:   listing_id->listings . listing_id")
    formatted = format_source(messy).formatted
    canonical = format_source(SOURCE).formatted
    assert formatted is not None and formatted == canonical
    assert "\n  link: listing_id -> listings.listing_id\n" in formatted
    short = format_source(SOURCE.replace("-> listings.listing_id", "->  listings")).formatted
    assert short is not None and "\n  link: listing_id -> listings\n" in short


def test_the_plan_gives_entity_metrics_their_own_level() -> None:
    plan = rulekit.loads(SOURCE, "shop.rules").plan
    entity = plan.metric("listing_orders")
    nested = plan.metric("good_listings")
    assert entity is not None and nested is not None
    assert (entity.level, entity.entity, entity.table) == (Level.ENTITY, "listings", "orders")
    assert entity.link is not None and (entity.link.column, entity.link.target_column) == ("listing_id", "listing_id")
    assert nested.level is Level.PARTICIPANT
    assert [m.name for m in plan.entity_metrics("listings")] == [
        "listing_orders",
        "listing_sales",
        "average_order",
        "early_orders",
    ]
    # Entity metrics are not participant results: the schema has no column for them.
    assert "metric.listing_orders" not in plan.schema.names
    assert "metric.good_listings" in plan.schema.names


def test_every_link_diagnostic_hint_that_suggests_a_metric_checks_clean() -> None:
    out = (ROOT / "tests" / "fixtures" / "diagnostics" / "links.out").read_text()
    suggested = set(re.findall(r"help: .*?`(metric [^`]+)`", out))
    assert suggested == {"metric counted_listings = count listings where listing_orders >= 1"}
    for code in suggested:
        report = check_source(SOURCE + code + "\n", "x.rules")
        assert [d for d in report.diagnostics if d.severity.value == "error"] == []


def test_a_link_hint_that_names_the_key_checks_clean() -> None:
    bad = SOURCE.replace("-> listings.listing_id", "-> listings.photos")
    found = [d for d in check_source(bad, "x.rules").diagnostics if d.code == codes.RK122]
    assert len(found) == 1 and found[0].help == "point the link at the key: `-> listings.listing_id`"
    fixed = bad.replace("-> listings.photos", "-> listings.listing_id")
    assert [d for d in check_source(fixed, "x.rules").diagnostics if d.severity.value == "error"] == []


def test_an_entity_metric_of_another_entity_is_refused() -> None:
    # `listing_orders` is per listing; a `where` over `orders` (or any other table) cannot read it.
    bad = SOURCE + "metric odd = count listings where photos >= 1 and early_orders > listing_orders\n"
    assert [d.code for d in check_source(bad, "x.rules").diagnostics if d.severity.value == "error"] == []
    other = SOURCE.replace(
        "  link: listing_id -> listings.listing_id", "  seller_id: string\n  link: listing_id -> listings"
    )
    other += "metric wrong = count orders where listing_orders >= 1\n"
    errors = [d for d in check_source(other, "x.rules").diagnostics if d.severity.value == "error"]
    assert [d.code for d in errors] == [codes.RK126]
    assert errors[0].message == "`listing_orders` has one value per listing, so a `where` over `orders` cannot read it"


# ---------------------------------------------------------------------- evaluation


def test_settle_gives_the_hand_computed_values() -> None:
    program = rulekit.loads(SOURCE, "shop.rules")
    settlement = program.settle(arrow_tables(program.ir, _tables()))
    for row in settlement.participants:
        assert _metrics(row.metrics) == EXPECTED[row.id], row.id
        assert row.total_payout == Decimal("5.00")
    # The orphan and the null link are reported, kept, and counted for no listing.
    issues = {(i.table, i.column, i.problem, i.rows) for i in settlement.data_quality}
    assert issues == {
        ("orders", "listing_id", "null listing_id; rows kept, counted for no listing", 1),
        ("orders", "listing_id", "listing_id not in listings; rows kept, counted for no listing", 1),
    }


def test_decide_gives_the_hand_computed_values() -> None:
    program = rulekit.loads(SOURCE, "shop.rules")
    tables = _tables()
    for pid, expected in EXPECTED.items():
        decision = program.decide(_facts(tables, pid))
        assert _metrics(decision.metrics) == expected, pid


def test_decide_ignores_orders_of_no_listing_of_the_seller() -> None:
    # o6 names L9, a listing that is not the seller's: it counts for none, as in settle.
    program = rulekit.loads(SOURCE, "shop.rules")
    tables = _tables()
    facts = _facts(tables, "s1")
    facts["orders"] = facts["orders"] + [tables["orders"][5], tables["orders"][6]]
    assert _metrics(program.decide(facts).metrics) == EXPECTED["s1"]


def test_entity_metric_values_cannot_be_given() -> None:
    program = rulekit.loads(SOURCE, "shop.rules")
    facts = _facts(_tables(), "s1")
    facts["listings"] = [{**row, "listing_orders": 3} for row in facts["listings"]]
    with pytest.raises(FactsError, match="`listing_orders` has one value per row of `listings` and cannot be given"):
        program.decide(facts)
    # A participant metric computed from them can be given, like any participant metric.
    # Every metric over listings given: neither listings nor orders need be given.
    values = {"good_listings": 4, "selling_listings": 0, "big_listings": 0, "early_listings": 0, "photos_sold": 0}
    decision = program.decide({"sellers": _facts(_tables(), "s1")["sellers"], **values})
    assert decision.metrics["good_listings"] == 4
    assert decision.total_payout == Decimal("20.00")  # 4 x $5


def test_listing_bonus_settles_the_same_in_both_evaluators() -> None:
    program = rulekit.load(ROOT / "campaigns" / "listing_bonus.rules")
    settlement = program.settle(ROOT / "examples" / "listing_bonus")
    # By hand (examples/generate.py): S01 L101, L102 -> $10; S02 refunded/April only -> $0;
    # S03 30 listings x $5 = $150 capped at $100; S04 not in the US; S05 L501 (23:30 EDT on
    # 31 March, ordered 23:45) -> $5; S06 no listings -> $0. Total $115.
    paid = {row.id: row.total_payout for row in settlement.participants}
    assert paid == {
        "S01": Decimal("10.00"),
        "S02": Decimal("0.00"),
        "S03": Decimal("100.00"),
        "S04": Decimal("0.00"),
        "S05": Decimal("5.00"),
        "S06": Decimal("0.00"),
    }
    counts = {row.id: row.metrics["good_listings"] for row in settlement.participants}
    assert counts == {"S01": 2, "S02": 0, "S03": 30, "S04": 1, "S05": 1, "S06": 0}
    # The orphan order B0010 (listing L999) is reported.
    assert [(i.table, i.rows) for i in settlement.data_quality] == [("orders", 1)]

    def read(name: str) -> Rows:
        with (ROOT / "examples" / "listing_bonus" / f"{name}.csv").open(encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    tables = {name: read(name) for name in ("sellers", "listings", "orders")}
    for row in settlement.participants:
        decision = program.decide(_facts(tables, row.id))
        assert decision.metrics == row.metrics, row.id
        assert (decision.eligible, decision.qualified) == (row.eligible, row.qualified), row.id
        assert decision.total_payout == row.total_payout, row.id


# ----------------------------------------------------------------------------- diff


def test_diff_reports_a_changed_link_and_not_a_respelled_one() -> None:
    old = rulekit.loads(SOURCE, "old.rules").ir
    respelled = rulekit.loads(SOURCE.replace("-> listings.listing_id", "-> listings"), "new.rules").ir
    assert old != respelled and diff_programs(old, respelled) == []
    extra = "  listing_ref: string\n  link: listing_id -> listings.listing_id"
    moved = SOURCE.replace(
        "  link: listing_id -> listings.listing_id", extra.replace("listing_id ->", "listing_ref ->")
    )
    changes = render_changes(diff_programs(old, rulekit.loads(moved, "new.rules").ir))
    assert "  - link from `listing_id` removed (was: listings.listing_id)\n" in changes
    assert "  + link from `listing_ref` added: listings.listing_id\n" in changes


# ---------------------------------------------------------------------- explanations


def test_a_decision_names_the_listings_that_count() -> None:
    program = rulekit.loads(SOURCE, "shop.rules")
    decision = program.decide(_facts(_tables(), "s1"))
    # good_listings of s1 keeps L1 only (see EXPECTED); selling_listings L1, L2, L3.
    assert "1 of its listings count for good listings: L1 (listings whose number of orders" in "\n".join(
        decision.reasons
    )
    assert any(r.startswith("3 of its listings count for selling listings: L1, L2, L3 (") for r in decision.reasons)
    assert "Note: 1 of its listings count for good listings: L1" in decision.explain()


def test_a_settlement_explanation_states_the_counting_rule() -> None:
    program = rulekit.load(ROOT / "campaigns" / "listing_bonus.rules")
    settlement = program.settle(ROOT / "examples" / "listing_bonus")
    text = program.explain(settlement, "S01")
    assert (
        "Counted:\n  qualifying new listings 2: counts listings within the march window whose number of "
        "orders of the listing is at least 1 and whose number of photos is at least 3\n"
    ) in text


def test_a_per_order_reward_cannot_read_an_entity_metric() -> None:
    # Over orders the `where` cannot see it; over listings themselves a per-order reward still
    # decides one row alone, so it is refused there too (one diagnostic each).
    limits = "\n  cap per order: $1\n  budget: $10\n  overflow: first come\n"
    over_orders = SOURCE + "subsidy s: full gmv in orders where listing_orders >= 1" + limits
    with_fee = SOURCE.replace("  photos: int\n", "  photos: int\n  fee: money\n")
    over_listings = with_fee + "subsidy s: full fee in listings where listing_orders >= 1" + limits
    messages = []
    for source in (over_orders, over_listings):
        messages += [d.message for d in check_source(source, "x.rules").diagnostics if d.code == codes.RK126]
    assert messages == [
        "`listing_orders` has one value per listing, so a `where` over `orders` cannot read it",
        "`listing_orders` has one value per listing, so per-order reward `s` cannot use it",
    ]


def test_every_circle_of_links_is_reported_once() -> None:
    # A self-link (a -> a) and a circle through a table's second link (b -> c -> b).
    source = SOURCE + "\n".join(
        [
            "table a:",
            "  a_id: string",
            "  seller_id: string",
            "  key: a_id",
            "  link: a_id -> a",
            "table b:",
            "  b_id: string",
            "  c_id: string",
            "  x_id: string",
            "  key: b_id",
            "  link: x_id -> sellers",
            "  link: c_id -> c",
            "table c:",
            "  c_id: string",
            "  b_id: string",
            "  key: c_id",
            "  link: b_id -> b",
            "",
        ]
    )
    found = [d.message for d in check_source(source, "x.rules").diagnostics if d.code == codes.RK124]
    assert found == ["links go round in a circle: a -> a", "links go round in a circle: b -> c -> b"]
