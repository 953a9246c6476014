"""`shared ranks: split, rounded down | remainder by key` (issue 10, construct 8).

Three shops tie for first place on `points`; positions 1 to 3 pay $100, $50 and $25.
Split, the three share $175.00: $58.333… each. Rounded down, each gets $58.33 and one cent
is not paid; with the remainder by key, the first shop by key (A) gets the cent: $58.34.
"""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest

import rulekit
from rulekit.checker import check_source

PROGRAM = """\
program ties:
  market: US
  currency: USD
  timezone: "UTC"
  calendar: US

table shops:
  shop_id: string
  points: int
  key: shop_id

participant shop: shops

ranking board: by points descending
  top 4
  shared ranks: {shared}

prize cash: ranking board
  rank 1: $100
  rank 2: $50
  rank 3: $25
  rank 4: $10
"""

SHOPS = pa.table({"shop_id": ["C", "A", "B", "D"], "points": ["7", "7", "7", "3"]})


def _paid(shared: str) -> dict[str, Decimal]:
    program = rulekit.loads(PROGRAM.format(shared=shared), "ties.rules")
    return {p.id: p.rewards[0].amount for p in program.settle({"shops": SHOPS}).participants}


@pytest.mark.parametrize("shared", ["split", "split, rounded down"])
def test_split_rounds_each_share_down(shared: str) -> None:
    assert _paid(shared) == {
        "A": Decimal("58.33"),
        "B": Decimal("58.33"),
        "C": Decimal("58.33"),
        "D": Decimal("10.00"),  # alone at rank 4
    }


def test_split_with_the_remainder_by_key_pays_the_whole_positions() -> None:
    paid = _paid("split, remainder by key")
    assert paid == {"A": Decimal("58.34"), "B": Decimal("58.33"), "C": Decimal("58.33"), "D": Decimal("10.00")}
    assert paid["A"] + paid["B"] + paid["C"] == Decimal("175.00")  # 100 + 50 + 25, nothing lost


def test_a_rounding_needs_a_split_and_a_known_word() -> None:
    same = check_source(PROGRAM.format(shared="same, remainder by key"), "t.rules")
    typo = check_source(PROGRAM.format(shared="split, remainder by kee"), "t.rules")
    assert [d.code for d in same.diagnostics if d.is_error] == ["RK415"]
    assert [(d.code, d.help) for d in typo.diagnostics if d.is_error] == [("RK415", "did you mean `remainder by key`?")]
