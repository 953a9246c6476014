"""Cleaning and the data-quality report do not depend on the order rows are read in.

A damaged copy of the UK data (every kind of finding, duplicates that differ in a non-key
column) is settled in several row orders on DuckDB: the settlement and the report are the
same each time, and the report's counts are the ones worked out by hand below. The same
data set is settled on Spark and Postgres in tests/test_engines.py.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pandas as pd

from rulekit import ir
from rulekit.parser import parse_file
from rulekit.results import DataIssue, Settlement
from rulekit.settle import settle

ROOT = Path(__file__).parent.parent
UK = parse_file(str(ROOT / "campaigns" / "uk_shop.rules"))[0].program
assert isinstance(UK, ir.Program)

MERCHANTS = [
    ("M1", "GB", "2022-01-01T00:00:00Z"),
    ("M2", "GB", "2022-03-05T00:00:00Z"),
    ("M2", "GB", "2022-03-01T00:00:00Z"),  # duplicate key, earlier joined_at: the one kept
    (None, "GB", "2022-01-01T00:00:00Z"),  # null key
    ("M3", "GB", None),  # null anchor of the free period: not used, so its orders are orphans
]
ORDERS = [
    ("O1", "M1", "2022-03-02T10:00:00Z", "10.00", "2.00", "GBP", "false"),
    ("O1", "M1", "2022-03-02T10:00:00Z", "10.00", "2.00", "GBP", "true"),  # duplicate: differs in refunded
    ("O2", "M1", "2022-03-03T10:00:00Z", "20.00", "3.00", "GBP", "false"),
    ("O2", "M1", "2022-03-03T10:00:00Z", "25.00", "3.00", "GBP", "false"),  # duplicate: differs in item_total
    ("O3", "M1", None, "10.00", "2.00", "GBP", "false"),  # null time
    ("O4", "M1", "2022-03-02T10:00:00Z", None, "2.00", "GBP", "false"),  # null money
    ("O5", "M1", "2022-03-02T10:00:00Z", "10.00", "2.00", "XYZ", "false"),  # unknown currency
    ("O6", "M1", "2022-03-02T10:00:00Z", "10.00", "2.00", "EUR", "false"),  # another currency
    ("O7", "M9", "2022-03-02T10:00:00Z", "10.00", "2.00", "GBP", "false"),  # unknown merchant
    ("O8", "M2", "2022-03-06T10:00:00Z", "-5.00", "1.00", "GBP", "false"),  # negative: kept
    ("O9", "M3", "2022-03-02T10:00:00Z", "10.00", "2.00", "GBP", "false"),  # M3 not used: orphan
]

# Worked out by hand from the rows above, in report order (participants first, then per
# table: required nulls, currencies, orphans, duplicates, negative amounts):
# merchants: 1 null merchant_id, 1 null joined_at (the anchor of `first 90 days from
# joined_at`), 1 duplicate M2 (of M2's two rows the smaller by content is kept: equal
# merchant_id and region, then joined_at 03-01 < 03-05).
# orders: O3 null created_at, O4 null item_total, O5 unknown code XYZ, O6 EUR; O7 (M9) and
# O9 (M3, whose row was not used) name no usable merchant: 2; duplicates: the second O1
# (refunded 'true' > 'false') and the second O2 (25.00 > 20.00): 2; O8's -5.00 is kept: 1.
EXPECTED = [
    ("merchants", "merchant_id", "null in a required column", 1),
    ("merchants", "joined_at", "null in a required column", 1),
    ("merchants", "merchant_id", "duplicate merchant_id", 1),
    ("orders", "created_at", "null in a required column", 1),
    ("orders", "item_total", "null in a required column", 1),
    ("orders", "currency", "unknown currency code", 1),
    ("orders", "currency", "money in another currency than GBP", 1),
    ("orders", "merchant_id", "merchant_id not in merchants", 2),
    ("orders", "order_id", "duplicate order_id", 2),
    ("orders", "item_total", "negative amount", 1),
]
# Rows used: merchants 5 - 3 = 2 (M1, M2 of 03-01); orders 11 - 6 not used - 2 duplicates = 3 (O1, O2, O8).
USED = {"merchants": 2, "orders": 3}


def damaged(seed: int | None = None) -> dict[str, pd.DataFrame]:
    """The damaged UK tables as text, rows shuffled by ``seed`` (``None``: as listed)."""
    merchants, orders = list(MERCHANTS), list(ORDERS)
    if seed is not None:
        random.Random(seed).shuffle(merchants)
        random.Random(seed).shuffle(orders)
    order_columns = ["order_id", "merchant_id", "created_at", "item_total", "shipping_fee", "currency", "refunded"]
    return {
        "merchants": pd.DataFrame(merchants, columns=["merchant_id", "region", "joined_at"]),
        "orders": pd.DataFrame(orders, columns=order_columns),
    }


def summary(issues: list[DataIssue]) -> list[tuple[str, str | None, str, int]]:
    """Each finding as (table, column, problem without its consequence, rows)."""
    return [(i.table, i.column, i.problem.split(";")[0], i.rows) for i in issues]


def without_positions(issues: list[DataIssue]) -> list[DataIssue]:
    """The report with each example's input position (``row 3: ``) taken out: the example row
    is chosen by content, but where it stands in the input moves when the input is shuffled."""
    return [i.model_copy(update={"example": re.sub(r"^row \d+: ", "", i.example or "")}) for i in issues]


def test_the_damaged_data_gives_the_findings_worked_out_by_hand() -> None:
    settlement = settle(UK, damaged())
    assert summary(settlement.data_quality) == EXPECTED
    by_problem = {(i.table, i.problem.split(";")[0]): i.example or "" for i in settlement.data_quality}
    # The dropped duplicates are the second O1 (row 2 as listed) and the second O2 (row 4);
    # the example is the smaller of the two by content: O1 < O2.
    assert by_problem[("orders", "duplicate order_id")].startswith("row 2: order_id='O1'")
    assert "refunded='true'" in by_problem[("orders", "duplicate order_id")]
    # Of the two orphans O7 (row 9) and O9 (row 11) the smaller by content is O7.
    assert by_problem[("orders", "merchant_id not in merchants")].startswith("row 9: order_id='O7'")


def test_settlement_and_report_do_not_depend_on_row_order() -> None:
    reference = settle(UK, damaged())
    for seed in (1, 2, 3, 4):
        shuffled = settle(UK, damaged(seed))
        assert_same_settlement(reference, shuffled)
        assert without_positions(shuffled.data_quality) == without_positions(reference.data_quality)


def test_the_kept_duplicates_are_the_smallest_by_content() -> None:
    # M2 keeps joined_at 2022-03-01: its free period (90 days) covers O8 of 2022-03-06, so O8's
    # commission is waived; O1 keeps refunded false and O2 item total 20.00, so M1's net sales
    # in the offer period are 10.00 + 20.00 = 30.00 whatever the order of the rows.
    for seed in (None, 5, 6):
        settlement = settle(UK, damaged(seed))
        m1 = next(p for p in settlement.participants if p.id == "M1")
        assert str(m1.metrics["net_sales"]) == "30.00"
        assert m1.metrics["order_count"] == 2


def test_rows_used_are_counted_by_hand() -> None:
    from rulekit.data import load_tables

    loaded = load_tables(UK, damaged(7))
    assert loaded.rows_used == USED


def assert_same_settlement(a: Settlement, b: Settlement) -> None:
    """Cell by cell, with totals and due date."""
    left, right = a.to_arrow(), b.to_arrow()
    assert left.schema == right.schema
    for name in left.column_names:
        assert left[name].to_pylist() == right[name].to_pylist(), name
    assert a.totals == b.totals
    assert a.payout_due == b.payout_due
