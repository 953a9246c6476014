"""Damaged or hostile data folders (issue 14, item 3): one clear message naming the file,
the line and the fix, and no input name that changes results.

On 99a2949: an empty CSV said "Sniffer detected value different than the user input for
the Header options"; a Latin-1 file said only "CSV Error on Line: 2"; a duplicated
header was read silently (DuckDB renamed the second column); a Cyrillic look-alike
letter in a header got no hint; an input column named `__rk_row` decided which
duplicate was kept.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import rulekit
from rulekit.data import DataError, describe

ROOT = Path(__file__).resolve().parent.parent

PROGRAM = """program spring:
  market: US
  currency: USD
  timezone: "America/New_York"
  calendar: US

table sellers:
  seller_id: string
  key: seller_id

table orders:
  order_id: string
  seller_id: string
  ts: timestamp
  gmv: money
  refunded: bool
  key: order_id
  time: ts

participant seller: sellers

window spring: from 2024-03-01 to 2024-03-31 inclusive

metric net_gmv = sum gmv in orders during spring where not refunded
  label: "GMV"

rebate cash: 10% of net_gmv
  budget: $1,000
  overflow: scale down
"""


def _folder(tmp_path: Path, orders: bytes) -> Path:
    (tmp_path / "sellers.csv").write_text("seller_id\ns1\n", encoding="utf-8")
    (tmp_path / "orders.csv").write_bytes(orders)
    return tmp_path


def _problems(folder: Path) -> list[str]:
    with pytest.raises(DataError) as caught:
        rulekit.loads(PROGRAM).settle(str(folder))
    return [describe(issue) for issue in caught.value.issues]


GOOD_ROW = b"o1,s1,2024-03-05T10:00:00,10.00,false\n"


def test_empty_csv(tmp_path: Path) -> None:
    [problem] = _problems(_folder(tmp_path, b""))
    assert "orders.csv is empty" in problem and "header line" in problem


def test_latin1_csv_names_the_line_and_the_fix(tmp_path: Path) -> None:
    # Line 1 is the header, line 2 a good row, line 3 holds é as the Latin-1 byte 0xE9.
    data = b"order_id,seller_id,ts,gmv,refunded\n" + GOOD_ROW + b"o\xe9,s1,2024-03-05T10:00:00,1.00,false\n"
    [problem] = _problems(_folder(tmp_path, data))
    assert "orders.csv line 3: byte 0xE9 is not UTF-8" in problem and "save it as UTF-8" in problem


def test_duplicated_header(tmp_path: Path) -> None:
    data = b"order_id,seller_id,ts,gmv,gmv,refunded\no1,s1,2024-03-05T10:00:00,10.00,99.00,false\n"
    [problem] = _problems(_folder(tmp_path, data))
    assert "orders.csv line 1: column `gmv` is named twice in the header (columns 4 and 5)" in problem


def test_lookalike_letter_in_a_header_is_named_with_its_code_point(tmp_path: Path) -> None:
    # `r\u0435funded`: the second letter is CYRILLIC SMALL LETTER IE (U+0435), not Latin e.
    header = "order_id,seller_id,ts,gmv,r\u0435funded\n".encode()
    [problem] = _problems(_folder(tmp_path, header + GOOD_ROW))
    assert "U+0435 CYRILLIC SMALL LETTER IE where `e` is expected" in problem


def test_an_input_column_named_like_an_internal_one_changes_nothing(tmp_path: Path) -> None:
    # Two rows with key o1: the first in the file (gmv $10.00) is kept. An input `__rk_row`
    # numbering them the other way round made 99a2949 keep the $99.00 row (rebate $9.90).
    data = (
        b"order_id,seller_id,ts,gmv,refunded,__rk_row,__rk_dup\n"
        b"o1,s1,2024-03-05T10:00:00,10.00,false,5,1\n"
        b"o1,s1,2024-03-05T10:00:00,99.00,false,1,1\n"
    )
    settlement = rulekit.loads(PROGRAM).settle(str(_folder(tmp_path, data)))
    # 10% of $10.00 = $1.00
    assert [(p.id, str(p.total_payout)) for p in settlement.participants] == [("s1", "1.00")]
    assert [issue.rows for issue in settlement.data_quality] == [1]  # the one duplicate row


def test_amounts_beyond_12_decimals_are_refused_by_both_evaluators(tmp_path: Path) -> None:
    # $10.0000000000001 has 13 decimal places: 99a2949 settled it as $10.000000000000
    # (DECIMAL(38, 12)) while decide kept it exact, so a `>= $10.0000000000001` test differed.
    row = b"o1,s1,2024-03-05T10:00:00,10.0000000000001,false\n"
    [problem] = _problems(_folder(tmp_path, b"order_id,seller_id,ts,gmv,refunded\n" + row))
    assert "orders.gmv: values that cannot be read as money (exactly: at most 12 decimal places)" in problem
    facts = {
        "sellers": {"seller_id": "s1"},
        "orders": [
            {
                "order_id": "o1",
                "seller_id": "s1",
                "ts": "2024-03-05T10:00:00",
                "gmv": "10.0000000000001",
                "refunded": False,
            }
        ],
    }
    with pytest.raises(rulekit.FactsError, match="at most 12 decimal places"):
        rulekit.loads(PROGRAM).decide(facts)


def test_trailing_zeros_beyond_12_decimals_are_exact(tmp_path: Path) -> None:
    # 10.123456789012000 is 10.123456789012 exactly: accepted; 10% of it is 1.0123456789012,
    # paid as $1.01 (the rebate rounds to cents).
    row = b"o1,s1,2024-03-05T10:00:00,10.123456789012000,false\n"
    settlement = rulekit.loads(PROGRAM).settle(str(_folder(tmp_path, b"order_id,seller_id,ts,gmv,refunded\n" + row)))
    assert [str(p.total_payout) for p in settlement.participants] == ["1.01"]


def test_an_empty_json_array_is_a_table_without_rows(tmp_path: Path) -> None:
    """`[]` in orders.json means no orders this time (it used to report every column missing,
    "the table has: json"); the merchant settles with nothing: 0 orders, no commission."""
    program = rulekit.load(ROOT / "campaigns" / "uk_shop.rules")
    (tmp_path / "merchants.json").write_text(
        '[{"merchant_id": "m1", "region": "GB", "joined_at": "2022-03-01T00:00:00Z"}]', encoding="utf-8"
    )
    (tmp_path / "orders.json").write_text("[]", encoding="utf-8")
    settlement = program.settle(tmp_path)
    row = settlement.participant("m1")
    assert row.metrics["order_count"] == 0
    assert row.commission_due == Decimal("0.00")
    assert settlement.data_quality == []
