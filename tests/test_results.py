"""Settlement results: the output columns come from the rule file alone, values are exact,
totals are typed, and a participant is read (and explained) on demand.

Every expected value is worked out by hand in the comments; the expected schema is listed
by hand from the rule file below, not taken from ``result_schema``.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rulekit import ir
from rulekit.checker import check_source
from rulekit.plan import bind
from rulekit.results import Decision, ParticipantResult, Settlement, UnknownParticipantError
from rulekit.settle import settle

D = Decimal
UTC = dt.UTC

SHOP = """
program shop:
  market: US
  currency: USD
  timezone: "UTC"
  calendar: US

table accounts:
  account_id: string
  active: bool
  key: account_id

table orders:
  order_id: string
  account_id: string
  ts: timestamp
  amount: money
  refunded: bool
  key: order_id
  time: ts

participant account: accounts

window week: from 2022-03-01 to 2022-03-07 inclusive

metric gmv = sum amount in orders during week
metric order_count = count orders during week
metric refunds = count orders during week where refunded
metric refund_rate = refunds / order_count
metric mean_order = average amount in orders during week

eligible active_account: active

warn many_refunds: refund_rate > 30%

ranking board: by gmv descending
  top 1

prize cash: ranking board
  rank 1: $100

rebate back: 1% of gmv

payout:
  due: 20 business days after week
"""

MONEY = pa.decimal128(38, 2)  # USD: cents
AMOUNT = pa.decimal128(38, 12)  # money read from the data, as the loader types it

# The columns of SHOP, listed by hand from the rule file (docs/run.md has the rules).
EXPECTED_COLUMNS = [
    ("id", pa.string()),
    ("rank", pa.int64()),
    ("eligible", pa.bool_()),
    ("qualified", pa.bool_()),
    ("disqualified", pa.bool_()),
    ("warnings", pa.string()),
    ("metric.gmv", AMOUNT),  # sum of a money column
    ("metric.order_count", pa.int64()),
    ("metric.refunds", pa.int64()),
    ("metric.refund_rate.numerator", pa.int64()),  # refunds: a count
    ("metric.refund_rate.denominator", pa.int64()),  # order_count: a count
    ("metric.mean_order.numerator", AMOUNT),  # the sum of amount
    ("metric.mean_order.denominator", pa.int64()),  # the number of orders with an amount
    ("reward.cash", MONEY),
    ("reward.back", MONEY),
    ("commission_due", MONEY),
    ("commission_waived", MONEY),
    ("total_payout", MONEY),
    ("payout_due", pa.date32()),
]


def shop() -> ir.Program:
    report = check_source(SHOP, "shop.rules")
    assert report.ok, [(d.code, d.message) for d in report.diagnostics]
    return report.program


def tables(accounts: list[tuple[str, bool]], orders: list[tuple[str, str, int, str, bool]]) -> dict[str, pa.Table]:
    """``orders`` rows: (order id, account id, day of March 2022 at noon UTC, amount, refunded)."""
    return {
        "accounts": pa.table(
            {"account_id": [a for a, _ in accounts], "active": [b for _, b in accounts]},
            schema=pa.schema([("account_id", pa.string()), ("active", pa.bool_())]),
        ),
        "orders": pa.table(
            {
                "order_id": [o[0] for o in orders],
                "account_id": [o[1] for o in orders],
                "ts": [dt.datetime(2022, 3, o[2], 12, tzinfo=UTC) for o in orders],
                "amount": [D(o[3]) for o in orders],
                "refunded": [o[4] for o in orders],
            },
            schema=pa.schema(
                [
                    ("order_id", pa.string()),
                    ("account_id", pa.string()),
                    ("ts", pa.timestamp("us", tz="UTC")),
                    ("amount", pa.decimal128(18, 2)),
                    ("refunded", pa.bool_()),
                ]
            ),
        ),
    }


ORDERS = [
    ("o1", "A", 2, "10.00", True),
    ("o2", "A", 3, "20.00", False),
    ("o3", "A", 4, "30.00", False),
    ("o4", "B", 2, "5.00", False),
    ("o5", "D", 2, "99.00", False),
]


@pytest.fixture(scope="module")
def settled() -> Settlement:
    # A: 3 orders in the week ($10 refunded, $20, $30); B: one $5 order; C: no orders; D inactive.
    return settle(shop(), tables([("A", True), ("B", True), ("C", True), ("D", False)], ORDERS))


def names_and_types(schema: pa.Schema) -> list[tuple[str, pa.DataType]]:
    return [(f.name, f.type) for f in schema]


# ------------------------------------------------------------------------ one schema, whatever the data


def test_result_schema_is_derived_from_the_rule_file() -> None:
    assert names_and_types(bind(shop()).schema) == EXPECTED_COLUMNS


def test_zero_participants_have_every_column(tmp_path: Path) -> None:
    empty = settle(shop(), tables([], []))
    table = empty.to_arrow()
    assert table.num_rows == 0
    assert names_and_types(table.schema) == EXPECTED_COLUMNS
    pq.write_table(table, tmp_path / "empty.parquet")
    assert names_and_types(pq.read_schema(tmp_path / "empty.parquet")) == EXPECTED_COLUMNS
    # The JSON form lists the same columns, so its shape shows even without participants.
    document = json.loads(empty.model_dump_json())
    assert [c["name"] for c in document["columns"]] == [name for name, _ in EXPECTED_COLUMNS]
    assert document["participants"] == []
    # Counts are 0 and money 0.00, every key present.
    assert empty.totals == {
        "prizes": D("0.00"),
        "rebates": D("0.00"),
        "payout": D("0.00"),
        "participants": 0,
        "eligible": 0,
        "qualified": 0,
        "disqualified": 0,
        "warned": 0,
    }


def test_nobody_qualifying_keeps_the_reward_columns(tmp_path: Path) -> None:
    # Both accounts inactive: nobody qualifies, so nobody is ranked or rewarded.
    nobody = settle(shop(), tables([("A", False), ("B", False)], ORDERS[:4]))
    table = nobody.to_arrow()
    assert names_and_types(table.schema) == EXPECTED_COLUMNS
    assert table.column("reward.cash").to_pylist() == [None, None]
    assert table.column("reward.back").to_pylist() == [None, None]
    assert table.column("total_payout").to_pylist() == [D("0.00"), D("0.00")]
    pq.write_table(table, tmp_path / "nobody.parquet")
    assert names_and_types(pq.read_schema(tmp_path / "nobody.parquet")) == EXPECTED_COLUMNS
    assert nobody.totals["qualified"] == 0 and nobody.totals["prizes"] == D("0.00")


# ------------------------------------------------------------------------ exact values, typed totals


def test_ratio_is_exact_as_numerator_and_denominator(settled: Settlement) -> None:
    table = settled.to_arrow()
    a = table.column("id").to_pylist().index("A")
    # A: 1 refunded order of 3 in the week: 1/3, which no number of decimal places holds.
    assert table.column("metric.refund_rate.numerator")[a].as_py() == 1
    assert table.column("metric.refund_rate.denominator")[a].as_py() == 3
    assert settled.participant("A").metrics["refund_rate"] == Fraction(1, 3)
    # The JSON writes the exact fraction, not 0.333333.
    document = json.loads(settled.model_dump_json())
    row = next(p for p in document["participants"] if p["id"] == "A")
    assert row["metrics"]["refund_rate"] == "1/3"
    # The average: (10 + 20 + 30) / 3 orders = 20, as its parts 60 and 3.
    assert table.column("metric.mean_order.numerator")[a].as_py() == D("60")
    assert table.column("metric.mean_order.denominator")[a].as_py() == 3


def test_totals_are_typed(settled: Settlement) -> None:
    totals = settled.totals
    for key in ("participants", "eligible", "qualified", "disqualified", "warned"):
        assert type(totals[key]) is int, key
    for key in ("prizes", "rebates", "payout"):
        assert isinstance(totals[key], Decimal), key
    # 4 accounts; A, B, C active and qualified; A warned (1/3 > 30%).
    assert (totals["participants"], totals["eligible"], totals["qualified"], totals["warned"]) == (4, 3, 3, 1)
    # Prize: A (gmv $60, rank 1) $100. Rebates 1% of gmv: A $0.60, B $0.05, C 1% of $0 = $0.00.
    assert totals["prizes"] == D("100.00") and totals["rebates"] == D("0.65")
    assert totals["payout"] == D("100.65")


def test_non_qualifiers_null_qualifiers_out_of_the_money_zero(settled: Settlement) -> None:
    rows = {r["id"]: r for r in settled.to_arrow().to_pylist()}
    # D is not eligible: in no reward's population, so null rewards, a 0.00 total, no due date.
    assert (rows["D"]["reward.cash"], rows["D"]["reward.back"]) == (None, None)
    assert rows["D"]["total_payout"] == D("0.00") and rows["D"]["payout_due"] is None
    # B qualifies but is outside the top 1: prize 0.00 (not null); rebate 1% of $5 = $0.05.
    assert (rows["B"]["reward.cash"], rows["B"]["reward.back"]) == (D("0.00"), D("0.05"))
    # C qualifies with no orders: 0.00 of each, a 0.00 total, and so no due date.
    assert (rows["C"]["reward.cash"], rows["C"]["reward.back"], rows["C"]["total_payout"]) == (
        D("0.00"),
        D("0.00"),
        D("0.00"),
    )
    assert rows["C"]["payout_due"] is None
    # A: $100 + $0.60 = $100.60, due 20 US business days after Monday 2022-03-07: 2022-04-04
    # (Mar 8-11 (4), 14-18 (9), 21-25 (14), 28-31 (18), Apr 1 (19), Apr 4 (20)).
    assert rows["A"]["total_payout"] == D("100.60") and rows["A"]["payout_due"] == dt.date(2022, 4, 4)
    # The participant objects say the same.
    b, d = settled.participant("B"), settled.participant("D")
    assert [(r.name, r.amount) for r in b.rewards] == [("cash", D("0.00")), ("back", D("0.05"))]
    assert d.rewards == [] and d.payout_due is None


def test_money_columns_have_the_currency_scale() -> None:
    source = SHOP.replace("currency: USD", "currency: JPY").replace("prize cash: ranking board\n  rank 1: $100\n", "")
    report = check_source(source, "yen.rules")
    assert report.ok, [(d.code, d.message) for d in report.diagnostics]
    table = settle(report.program, tables([("A", True)], [("o1", "A", 2, "1000", False)])).to_arrow()
    # JPY has no minor unit: scale 0. 1% of ¥1,000 = ¥10.
    assert table.schema.field("reward.back").type == pa.decimal128(38, 0)
    assert table.schema.field("total_payout").type == pa.decimal128(38, 0)
    assert table.column("total_payout").to_pylist() == [D("10")]


# ------------------------------------------------------------------------ reading participants


def test_participant_by_id_explains_itself(settled: Settlement) -> None:
    a = settled.participant("A")
    assert (a.id, a.rank, a.total_payout) == ("A", 1, D("100.60"))
    text = a.explain()
    assert text.startswith("account A — shop")
    assert "Total payout: $100.60" in text and "Payout: due 2022-04-04" in text
    with pytest.raises(UnknownParticipantError, match="did you mean `A`"):
        settled.participant("AA")


def test_iteration_still_yields_every_participant_in_order(settled: Settlement) -> None:
    # Ranked first (A 1st by gmv $60, B $5, C $0), then by id; D is not ranked.
    ids = [p.id for p in settled.participants]
    assert ids[-1] == "D" and ids[0] == "A" and sorted(ids) == ["A", "B", "C", "D"]
    assert [p.id for p in settled] == ids and len(settled) == 4
    assert settled.participants[0] == settled.participant("A")


def test_to_pandas_and_to_polars(settled: Settlement) -> None:
    frame = settled.to_pandas()
    assert list(frame.columns) == [name for name, _ in EXPECTED_COLUMNS]
    assert frame.set_index("id").loc["A", "total_payout"] == D("100.60")
    polars_frame = settled.to_polars()
    assert polars_frame.columns == [name for name, _ in EXPECTED_COLUMNS]
    assert polars_frame.filter(polars_frame["id"] == "B")["reward.back"].to_list() == [D("0.05")]


# ------------------------------------------------------------------------ one model


def test_a_decision_and_a_settlement_row_are_one_model() -> None:
    assert issubclass(Decision, ParticipantResult)
    assert Decision.model_fields.keys() == ParticipantResult.model_fields.keys()
    decision = Decision(participant_id="m1", eligible=True, qualified=False)
    assert decision.id == decision.participant_id == "m1"
    dumped: dict[str, Any] = json.loads(decision.model_dump_json())
    assert dumped["id"] == dumped["participant_id"] == "m1"


def test_decide_reports_a_ratio_exactly() -> None:
    import rulekit

    program = rulekit.loads(SHOP, "shop.rules")
    orders = [
        {"order_id": o[0], "account_id": "A", "ts": f"2022-03-0{o[2]}T12:00:00Z", "amount": o[3], "refunded": o[4]}
        for o in ORDERS[:3]
    ]
    decision = program.decide({"accounts": {"account_id": "A", "active": True}, "orders": orders})
    # The same three orders of A as above: 1 refunded of 3.
    assert decision.metrics["refund_rate"] == Fraction(1, 3)
    assert decision.warnings == ["many_refunds"] and not decision.disqualified
