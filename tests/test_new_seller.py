"""The new-seller program (campaigns/new_seller.rules) settled over examples/new_seller/ by
both evaluators: `settle` (DuckDB) over the folder, and `decide` per seller over the same rows.

Expected outcomes are worked out by hand from examples/generate.py (comments there give the
instants; New York is UTC-5 until 10 March 2024, UTC-4 after).
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

import rulekit

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "examples" / "new_seller"

# seller: (eligible, qualified, disqualified, total payout)
EXPECTED = {
    "N01": (True, True, False, Decimal("75.00")),  # 5% of $1,000 + $500 (Q003 is after 10 Apr 14:00 UTC)
    "N02": (True, True, False, Decimal("5.00")),  # brand exactly 6 months later; 5% of $100
    "N03": (False, False, False, Decimal("0.00")),  # brand one second too late
    "N04": (False, False, False, Decimal("0.00")),  # joined 31 Dec 2023 23:59 EST
    "N05": (True, False, False, Decimal("0.00")),  # first non-refunded sale on day 31
    "N06": (True, False, False, Decimal("0.00")),  # rating 4.1 at 30 Jun 23:59:59 EDT; the 5.0 is after the end
    "N07": (True, False, True, Decimal("0.00")),  # suspended on 20 June
    "N08": (True, False, False, Decimal("0.00")),  # no rating: no value, fails well_rated
    # R012/R013 tie on time: R013 (4.7) is the later by key; 5% of $12,000 = $600, capped at $500.
    "N09": (True, True, False, Decimal("500.00")),
    "N10": (False, False, False, Decimal("0.00")),  # brand never registered: unknown, not eligible
}
RATING_AT_END = {"N01": Decimal("4.8"), "N06": Decimal("4.1"), "N08": None, "N09": Decimal("4.7")}


def _rows(name: str) -> list[dict[str, Any]]:
    with (DATA / f"{name}.csv").open(encoding="utf-8") as handle:
        return [{k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(handle)]


def _outcome(result: Any) -> tuple[bool, bool, bool, Decimal]:
    return (result.eligible, result.qualified, result.disqualified, result.total_payout)


def test_both_evaluators_settle_the_example_data_as_worked_out_by_hand() -> None:
    program = rulekit.load(ROOT / "campaigns" / "new_seller.rules")
    settled = program.settle(DATA)
    assert {str(p.id): _outcome(p) for p in settled.participants} == EXPECTED
    assert {s: settled.participant(s).metrics["rating_at_end"] for s in RATING_AT_END} == RATING_AT_END
    sellers, ratings, orders = _rows("sellers"), _rows("seller_ratings"), _rows("orders")
    for seller in sellers:
        sid = seller["seller_id"]
        facts = {
            "sellers": seller,
            "seller_ratings": [r for r in ratings if r["seller_id"] == sid],
            "orders": [o for o in orders if o["seller_id"] == sid],
        }
        decision = program.decide(facts)
        assert _outcome(decision) == EXPECTED[sid], sid
        # The same clauses hold, with the same reasons, in both evaluators.
        both = [(c.name, c.holds, c.reason) for c in settled.participant(sid).clauses]
        assert [(c.name, c.holds, c.reason) for c in decision.clauses] == both, sid
