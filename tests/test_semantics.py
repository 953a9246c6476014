"""Semantics decided once (docs/semantics.md), checked in both evaluators.

Each test here failed on 99a2949, where the two evaluators disagreed:
dates against timestamps, `date` row times, text spellings of values, and explanations.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from sqlglot import exp
from typer.testing import CliRunner

import rulekit
from rulekit import ir
from rulekit.cli import app
from rulekit.data import _typed_expr, load_tables
from rulekit.errors import FactsError
from rulekit.facts import CONVERTERS

# Los Angeles is UTC-8 in January: local midnight of 2023-01-01 is 2023-01-01 08:00 UTC.
LA_PROGRAM = """\
program la:
  market: US
  currency: USD
  timezone: "America/Los_Angeles"
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

table visits:
  visit_id: string
  seller_id: string
  day: date
  points: int
  key: visit_id
  time: day

participant seller: sellers

window january: from 2023-01-01 to 2023-01-31 inclusive

metric new_year_sales = sum amount in sales where sold_at >= 2023-01-01
  label: "new-year sales"

metric january_points = sum points in visits during january
  label: "January points"

eligible joined_this_year: joined_at >= 2023-01-01
"""

SELLERS = [
    # 03:00 UTC on 1 January is 19:00 on 31 December in Los Angeles: not this year.
    {"seller_id": "s1", "joined_at": "2023-01-01T03:00:00Z"},
    # 09:00 UTC is 01:00 on 1 January in Los Angeles: this year.
    {"seller_id": "s2", "joined_at": "2023-01-01T09:00:00Z"},
]
SALES = [
    {"sale_id": "a", "seller_id": "s1", "sold_at": "2023-01-01T03:00:00Z", "amount": "1"},  # 31 Dec local
    {"sale_id": "b", "seller_id": "s1", "sold_at": "2023-01-01T09:00:00Z", "amount": "10"},  # 1 Jan local
]
VISITS = [
    {"visit_id": "v1", "seller_id": "s1", "day": "2022-12-31", "points": "1"},
    {"visit_id": "v2", "seller_id": "s1", "day": "2023-01-01", "points": "10"},
    {"visit_id": "v3", "seller_id": "s1", "day": "2023-01-31", "points": "100"},
    {"visit_id": "v4", "seller_id": "s1", "day": "2023-02-01", "points": "1000"},
]


def _arrow(rows: list[dict[str, str]]) -> pa.Table:
    return pa.table({name: [r[name] for r in rows] for name in rows[0]})


def _settled(program: rulekit.CompiledProgram) -> dict[str, Any]:
    frames = {"sellers": _arrow(SELLERS), "sales": _arrow(SALES), "visits": _arrow(VISITS)}
    return {p.id: p for p in program.settle(frames).participants}


def _decided(program: rulekit.CompiledProgram, seller: str) -> Any:
    facts = {
        "sellers": next(s for s in SELLERS if s["seller_id"] == seller),
        "sales": [s for s in SALES if s["seller_id"] == seller],
        "visits": [v for v in VISITS if v["seller_id"] == seller],
    }
    return program.decide(facts)


def test_a_date_against_a_timestamp_is_local_midnight_in_both_evaluators() -> None:
    program = rulekit.loads(LA_PROGRAM, "la.rules")
    settled = _settled(program)
    for seller, eligible in (("s1", False), ("s2", True)):
        assert settled[seller].eligible is eligible, seller  # settle read UTC midnight on 99a2949
        assert _decided(program, seller).eligible is eligible, seller
    # Only sale b (10) is on or after local midnight; sale a (1) is on 31 December local.
    assert settled["s1"].metrics["new_year_sales"] == Decimal("10")
    assert _decided(program, "s1").metrics["new_year_sales"] == Decimal("10")


def test_a_date_time_column_is_the_local_calendar_date_in_both_evaluators() -> None:
    program = rulekit.loads(LA_PROGRAM, "la.rules")
    # January holds the visits of 1 and 31 January: 10 + 100 = 110 (not 31 Dec, not 1 Feb).
    # 99a2949: decide raised TypeError; settle read the dates as UTC midnight and got
    # 100 + 1000 = 1100 (1 Jan 00:00 UTC is before the window's 08:00 UTC start).
    assert _decided(program, "s1").metrics["january_points"] == 110
    assert _settled(program)["s1"].metrics["january_points"] == 110


def test_rulekit_decide_accepts_a_date_time_column(tmp_path: Path) -> None:
    rules = tmp_path / "la.rules"
    rules.write_text(LA_PROGRAM, encoding="utf-8")
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"sellers": SELLERS[0], "sales": SALES, "visits": VISITS}), encoding="utf-8")
    result = CliRunner().invoke(app, ["decide", str(rules), "--input", str(facts), "--format", "json"])
    assert result.exit_code == 0, result.output  # 3 ("internal error") on 99a2949
    assert json.loads(result.output)["metrics"]["january_points"] == 110


# ---------------------------------------------------------------- text spellings

# (column type, text, the value both read, or None when both refuse it)
SPELLINGS: list[tuple[ir.ColumnType, str, object]] = [
    (ir.ColumnType.BOOL, "true", True),
    (ir.ColumnType.BOOL, "FALSE", False),
    (ir.ColumnType.BOOL, "yes", True),  # settle read this as true, decide refused it (99a2949)
    (ir.ColumnType.BOOL, "No", False),
    (ir.ColumnType.BOOL, " t ", True),
    (ir.ColumnType.BOOL, "f", False),
    (ir.ColumnType.BOOL, "y", True),
    (ir.ColumnType.BOOL, "n", False),
    (ir.ColumnType.BOOL, "1", True),
    (ir.ColumnType.BOOL, "0", False),
    (ir.ColumnType.BOOL, "on", None),
    (ir.ColumnType.BOOL, "2", None),
    (ir.ColumnType.BOOL, "", None),
    (ir.ColumnType.MONEY, "12.50", Decimal("12.50")),
    (ir.ColumnType.MONEY, " -0.5 ", Decimal("-0.5")),
    (ir.ColumnType.MONEY, "+5", Decimal("5")),
    (ir.ColumnType.MONEY, ".5", Decimal("0.5")),
    (ir.ColumnType.MONEY, "1e3", None),  # settle and decide both read 1000 before; now no exponents
    (ir.ColumnType.MONEY, "1.0000000000001", None),  # 13 places: settle rounded it to 1 (99a2949)
    (ir.ColumnType.MONEY, "0.000000000001", Decimal("0.000000000001")),  # 12 places: exact in both
    (ir.ColumnType.MONEY, "9" * 27, None),  # 27 digits: settle refused it, decide read it (99a2949)
    (ir.ColumnType.MONEY, "1,234.50", None),  # decide read 1234.50, settle refused it (99a2949)
    (ir.ColumnType.MONEY, "1_000", None),  # settle read 1000 (99a2949)
    (ir.ColumnType.MONEY, "$5", None),
    (ir.ColumnType.MONEY, "NaN", None),
    (ir.ColumnType.INT, "42", 42),
    (ir.ColumnType.INT, "4.0", 4),
    (ir.ColumnType.INT, "4.5", None),
    (ir.ColumnType.INT, "0x10", None),
    (ir.ColumnType.INT, str(2**63 - 1), 2**63 - 1),  # the largest BIGINT
    (ir.ColumnType.INT, str(2**63), None),  # settle refused it, decide read it (99a2949)
    (ir.ColumnType.TIMESTAMP, "2023-01-01T09:30:00Z", dt.datetime(2023, 1, 1, 9, 30)),
    (ir.ColumnType.TIMESTAMP, "2023-01-01 09:30", dt.datetime(2023, 1, 1, 9, 30)),
    (ir.ColumnType.TIMESTAMP, "2023-01-01T09:30:00+01:00", dt.datetime(2023, 1, 1, 8, 30)),
    (ir.ColumnType.TIMESTAMP, "2023-01-01T09:30:00-0530", dt.datetime(2023, 1, 1, 15, 0)),
    (ir.ColumnType.TIMESTAMP, "2023-01-01", dt.datetime(2023, 1, 1, 0, 0)),  # a date alone: UTC midnight
    (ir.ColumnType.TIMESTAMP, "20230101T093000", None),  # decide read this (99a2949), settle refused it
    (ir.ColumnType.TIMESTAMP, "2023-02-30T00:00:00Z", None),
    (ir.ColumnType.TIMESTAMP, "yesterday", None),
    (ir.ColumnType.DATE, " 2023-01-31 ", dt.date(2023, 1, 31)),
    (ir.ColumnType.DATE, "20230131", None),  # decide read this (99a2949), settle refused it
    (ir.ColumnType.DATE, "2023-1-31", None),  # settle read this (99a2949), decide refused it
    (ir.ColumnType.DATE, "2023-W05-2", None),  # a week date: decide read it (99a2949)
    (ir.ColumnType.DATE, "2023-02-30", None),
]


def _decide_reads(ctype: ir.ColumnType, text: str) -> object:
    shape_value: object
    try:
        shape_value = CONVERTERS[ctype](text)
    except Exception:
        return None
    if isinstance(shape_value, dt.datetime):
        return shape_value.astimezone(dt.UTC).replace(tzinfo=None)  # settle gives naive UTC
    return shape_value


def _settle_reads(ctype: ir.ColumnType, text: str) -> object:
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE TABLE raw (v VARCHAR)")
    con.execute("INSERT INTO raw VALUES (?)", [text])
    query = exp.select(_typed_expr(exp.column("v"), ctype, "VARCHAR")).from_("raw")
    [(value,)] = con.execute(query.sql("duckdb")).fetchall()
    con.close()
    return value


@pytest.mark.parametrize(("ctype", "text", "expected"), SPELLINGS)
def test_decide_and_settle_read_text_the_same_way(ctype: ir.ColumnType, text: str, expected: object) -> None:
    assert _decide_reads(ctype, text) == expected
    assert _settle_reads(ctype, text) == expected


def test_a_refused_spelling_names_table_column_and_row() -> None:
    program = rulekit.loads(LA_PROGRAM, "la.rules")
    bad = [{**VISITS[0], "points": "1,000"}]
    with pytest.raises(FactsError) as caught:
        program.decide({"sellers": SELLERS[0], "sales": SALES, "visits": bad})
    assert (caught.value.table, caught.value.column, caught.value.row) == ("visits", "points", 0)


# ---------------------------------------------------------------- explanations

ROOT = Path(__file__).resolve().parent.parent


def test_a_compound_condition_names_only_the_part_that_failed() -> None:
    source = (ROOT / "campaigns" / "uk_shop.rules").read_text(encoding="utf-8")
    source = source.replace(
        'eligible uk_merchant: region = "GB"', 'eligible uk_merchant: joined_at >= 2022-01-01 and region = "GB"'
    )
    program = rulekit.loads(source, "uk_shop.rules")
    merchant = {"merchant_id": "m1", "region": "IE", "joined_at": "2022-02-01T00:00:00Z"}
    decision = program.decide({"merchants": merchant, "orders": []})
    [clause] = decision.clauses
    # Joined 2022-02-01, on or after 2022-01-01: that part holds; only the region fails.
    # 99a2949 also said "joined at 2022-02-01 00:00 UTC — needs at least 2022-01-01".
    assert (clause.holds, clause.reason) == (False, 'region is "IE" — needs "GB"')
    settlement = program.settle({"merchants": pa.table({k: [v] for k, v in merchant.items()}), "orders": _no_orders()})
    [row] = settlement.participants
    assert row.clauses[0].reason == clause.reason


def _no_orders() -> pa.Table:
    names = ["order_id", "merchant_id", "created_at", "item_total", "shipping_fee", "currency", "refunded"]
    return pa.table({name: pa.array([], pa.string()) for name in names})


def _used_rows(program: rulekit.CompiledProgram, folder: Path) -> dict[str, list[dict[str, Any]]]:
    """Each table's rows as the settlement uses them (rows with data issues left out), typed."""
    loaded = load_tables(program.ir, str(folder))
    tables = {}
    for table in program.ir.tables:
        cursor = loaded.connection.execute(
            exp.select("*").from_(exp.to_identifier(table.name, quoted=True)).sql("duckdb")
        )
        names = [d[0] for d in cursor.description or []]
        tables[table.name] = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    loaded.connection.close()
    return tables


def _top_level(reasons: list[str]) -> list[str]:
    """The reasons up to the verdict (decide adds notes about the program after it)."""
    end = next(i for i, r in enumerate(reasons) if r in ("qualifies", "does not qualify"))
    return reasons[: end + 1]


@pytest.mark.parametrize("campaign", ["apollo", "uk_shop"])
def test_decide_and_settle_give_the_same_reasons_for_every_participant(campaign: str) -> None:
    program = rulekit.load(ROOT / "campaigns" / f"{campaign}.rules")
    folder = ROOT / "examples" / campaign
    settlement = program.settle(str(folder))
    tables = _used_rows(program, folder)
    assert program.ir.participant is not None
    ptable = program.ir.participant.table
    key = program.ir.table(ptable).key[0]  # type: ignore[union-attr]
    compared = 0
    for row in settlement.participants:
        facts: dict[str, Any] = {}
        for name, rows in tables.items():
            mine = [r for r in rows if r.get(key) == row.id]
            facts[name] = mine[0] if name == ptable else mine
        decision = program.decide(facts)
        assert _top_level(decision.reasons) == row.reasons, row.id  # 99a2949: "fails x" against "not eligible: fails x"
        assert [(c.name, c.reason) for c in decision.clauses] == [(c.name, c.reason) for c in row.clauses], row.id
        compared += 1
    assert compared == len(tables[ptable]) >= 8  # every participant of the example data


MOMENT_PROGRAM = LA_PROGRAM.replace(
    "eligible joined_this_year: joined_at >= 2023-01-01",
    "eligible joined_after_half_past: joined_at >= 2023-01-01 00:30",
).replace(
    "metric new_year_sales = sum amount in sales where sold_at >= 2023-01-01",
    "metric new_year_sales = sum amount in sales where sold_at >= 2023-01-01 00:30",
)


def test_a_date_and_time_of_day_is_a_local_moment_in_both_evaluators() -> None:
    """`2023-01-01 00:30` in a Los Angeles program is 08:30 UTC (UTC-8 in January), not 00:30 UTC."""
    program = rulekit.loads(MOMENT_PROGRAM, "moment.rules")
    settled = _settled(program)
    # s1 joined 03:00 UTC (19:00 on 31 December local): before the moment. s2 joined 09:00 UTC (01:00 local): after.
    assert (settled["s1"].eligible, settled["s2"].eligible) == (False, True)
    assert (_decided(program, "s1").eligible, _decided(program, "s2").eligible) == (False, True)
    # Sale a at 03:00 UTC is before 08:30 UTC; sale b at 09:00 UTC is after: only $10 counts.
    assert settled["s1"].metrics["new_year_sales"] == Decimal("10")
    assert _decided(program, "s1").metrics["new_year_sales"] == Decimal("10")
