"""Window pushdown: rows outside every window of a table are not kept for the settlement,
yet still counted in the data-quality report; the settlement does not change."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

import rulekit
from rulekit.data import load_tables
from rulekit.results import Settlement
from rulekit.sql.pushdown import scan_windows
from tests.test_cleaning import assert_same_settlement

ROOT = Path(__file__).parent.parent
GROWTH = rulekit.load(ROOT / "campaigns" / "growth_leaderboard.rules")
UTC = dt.UTC

# Q1 and Q2 2024 in New York (EST, UTC-5, until 10 March; EDT, UTC-4, from then on): from
# 2024-01-01 00:00 local = 05:00 UTC to 2024-07-01 00:00 local = 04:00 UTC, exclusive.
INSIDE = [
    ("o1", "s1", dt.datetime(2024, 2, 1, 12, tzinfo=UTC), "100.00"),
    ("o2", "s1", dt.datetime(2024, 5, 1, 12, tzinfo=UTC), "250.50"),
    ("o5", "s2", dt.datetime(2024, 1, 1, 5, 0, 0, tzinfo=UTC), "70.00"),  # the first instant of Q1
]
OUTSIDE = [
    ("o3", "s1", dt.datetime(2023, 12, 31, 23, tzinfo=UTC), "40.00"),
    ("o4", "s2", dt.datetime(2024, 1, 1, 4, 59, 59, tzinfo=UTC), "41.00"),  # 23:59:59 on 31 December, local
    ("o6", "s2", dt.datetime(2024, 7, 1, 4, 0, 0, tzinfo=UTC), "42.00"),  # the exclusive end of Q2
    ("o7", "s2", dt.datetime(2024, 8, 1, 12, tzinfo=UTC), "-3.00"),  # negative: reported, not settled
    ("o2", "s1", dt.datetime(2024, 9, 1, 12, tzinfo=UTC), "999.00"),  # later duplicate of o2: not used
    ("o9", "s9", dt.datetime(2023, 6, 1, 12, tzinfo=UTC), "43.00"),  # unknown seller
    ("o8", "s1", dt.datetime(2023, 11, 1, 12, tzinfo=UTC), "44.00"),  # an earlier o8 outside:
    ("o8", "s1", dt.datetime(2024, 3, 1, 12, tzinfo=UTC), "45.00"),  # kept, so the o8 inside is not
]


def tables(rows: list[tuple[str, str, dt.datetime, str]]) -> dict[str, pa.Table]:
    columns = list(zip(*rows, strict=True))
    orders = pa.table(
        {
            "order_id": pa.array(columns[0]),
            "seller_id": pa.array(columns[1]),
            "created_at": pa.array(columns[2], pa.timestamp("us", tz="UTC")),
            "gmv": pa.array([Decimal(v) for v in columns[3]], pa.decimal128(18, 2)),
            "refunded": pa.array([False] * len(rows)),
        }
    )
    return {"sellers": pa.table({"seller_id": ["s1", "s2"], "region": ["US", "US"]}), "orders": orders}


def test_the_orders_table_is_filtered_by_both_quarters_as_one_interval() -> None:
    windows = scan_windows(GROWTH.plan)
    assert windows == {"orders": ((dt.datetime(2024, 1, 1, 5), dt.datetime(2024, 7, 1, 4)),)}


def test_rows_outside_every_window_are_not_kept_but_are_reported() -> None:
    loaded = load_tables(GROWTH.ir, tables(INSIDE + OUTSIDE))
    kept = loaded.connection.execute('SELECT order_id FROM "orders" ORDER BY order_id').fetchall()
    # o1, o2 and o5 lie inside; o8's smallest row (created 2023-11-01) is outside, so no o8.
    assert kept == [("o1",), ("o2",), ("o5",)]
    found = {(i.column, i.problem.split(";")[0]): i.rows for i in loaded.issues}
    # 11 rows: o9's unknown seller (1), the later o2 and the later o8 (2 duplicates), o7's -3.00 (1).
    assert found == {
        ("seller_id", "seller_id not in sellers"): 1,
        ("order_id", "duplicate order_id"): 2,
        ("gmv", "negative amount"): 1,
    }
    # Usable rows counted before the window filter: 11 - 1 orphan - 2 duplicates = 8.
    assert loaded.rows_used == {"sellers": 2, "orders": 8}


def settled(rows: list[tuple[str, str, dt.datetime, str]]) -> Settlement:
    return GROWTH.settle(tables(rows))


def test_the_settlement_is_that_of_the_rows_inside() -> None:
    everything = settled(INSIDE + OUTSIDE)
    assert_same_settlement(everything, settled(INSIDE))
    by_id = {p.id: p.metrics for p in everything.participants}
    # s1: Q1 100.00 (o1), Q2 250.50 (o2); s2: Q1 70.00 (o5), Q2 nothing.
    assert (by_id["s1"]["q1_sales"], by_id["s1"]["q2_sales"]) == (Decimal("100.00"), Decimal("250.50"))
    assert by_id["s2"]["q1_sales"] == Decimal("70.00")
