"""Pay periods (issue 10, construct 6): `paid monthly`, `during W to date`, caps per period.

Hand-computed settlements (arithmetic in the comments), both evaluators (`settle_periods`
in SQL, `decide_periods` in Python) on each, and a hypothesis cross-check of both against
the pure-Python reference in ``tests/reference/periods.py``.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import rulekit
from rulekit.cli import app
from rulekit.periods import periods
from rulekit.periods.run import PeriodLine, decide_periods, settle_periods
from tests.reference import periods as reference

UTC = dt.UTC
D = Decimal

HEADER = """program p:
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
  key: order_id
  time: ts

participant seller: sellers
"""

YTD = (
    HEADER
    + """
window season: from 2024-01-01 to 2024-03-31 inclusive

metric ytd_sales = sum gmv in orders during season to date
metric order_count = count orders during season

rebate ytd_bonus: marginal brackets of ytd_sales
  from $0: 0%
  from $1,000: 2%
  from $5,000: 5%
  cap: $CAP per seller per month

bonus per_order: $10 per unit of order_count
  cap: $25 per seller per month

payout:
  paid monthly
  due: 10 business days after season
"""
)


def tables(orders: list[tuple[str, str, dt.datetime, str]], sellers: tuple[str, ...] = ("s1",)) -> dict[str, pa.Table]:
    seller_schema = pa.schema([("seller_id", pa.string())])
    order_schema = pa.schema(
        [
            ("order_id", pa.string()),
            ("seller_id", pa.string()),
            ("ts", pa.timestamp("us", tz="UTC")),
            ("gmv", pa.decimal128(18, 2)),
        ]
    )
    rows = [{"order_id": o, "seller_id": s, "ts": ts, "gmv": D(g)} for o, s, ts, g in orders]
    return {
        "sellers": pa.Table.from_pylist([{"seller_id": s} for s in sellers], schema=seller_schema),
        "orders": pa.Table.from_pylist(rows, schema=order_schema),
    }


def facts(data: dict[str, pa.Table], seller: str) -> dict[str, Any]:
    orders = [r for r in data["orders"].to_pylist() if r["seller_id"] == seller]
    return {"sellers": {"seller_id": seller}, "orders": orders}


def both(source: str, data: dict[str, pa.Table], seller: str) -> list[PeriodLine]:
    """The seller's lines from SQL, after checking the Python decisions give the same amounts."""
    program = rulekit.loads(source)
    settled = settle_periods(program.ir, data).lines_of(seller)
    decided = decide_periods(program.ir, facts(data, seller))
    assert [amounts(x) for x in settled] == [amounts(x) for x in decided]
    return settled


def amounts(line: PeriodLine) -> tuple[str, dict[str, Decimal], Decimal, dt.date | None]:
    result = line.result
    return (line.period.label, {r.name: r.amount for r in result.rewards}, result.total_payout, result.payout_due)


def at(day: str, hour: int = 17) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


# ------------------------------------------------------------------ period boundaries


def test_months_weeks_and_days_are_calendar_periods_clipped_to_the_window() -> None:
    start, end = dt.datetime(2024, 1, 15), dt.datetime(2024, 3, 11)  # 15 January to 10 March inclusive
    months = periods("month", start, end)
    assert [(p.label, p.start, p.end) for p in months] == [
        ("2024-01", dt.datetime(2024, 1, 15), dt.datetime(2024, 2, 1)),  # partial first month
        ("2024-02", dt.datetime(2024, 2, 1), dt.datetime(2024, 3, 1)),
        ("2024-03", dt.datetime(2024, 3, 1), dt.datetime(2024, 3, 11)),  # partial last month
    ]
    assert months[1].last_day == dt.date(2024, 2, 29)  # leap year
    # 2024-12-30 is a Monday in ISO week 1 of 2025; the window starts on Wednesday 2025-01-01.
    weeks = periods("week", dt.datetime(2025, 1, 1), dt.datetime(2025, 1, 14))
    assert [(p.label, p.start.date(), p.last_day) for p in weeks] == [
        ("2025-W01", dt.date(2025, 1, 1), dt.date(2025, 1, 5)),
        ("2025-W02", dt.date(2025, 1, 6), dt.date(2025, 1, 12)),
        ("2025-W03", dt.date(2025, 1, 13), dt.date(2025, 1, 13)),
    ]
    days = periods("day", dt.datetime(2024, 3, 9), dt.datetime(2024, 3, 11))
    assert [p.label for p in days] == ["2024-03-09", "2024-03-10"]


# ------------------------------------------------------------------ hand-computed settlements


def test_ytd_marginal_brackets_pay_each_month_the_difference() -> None:
    data = tables(
        [
            ("o1", "s1", at("2024-01-10"), "800"),
            ("o2", "s1", at("2024-01-11"), "700"),
            ("o3", "s1", at("2024-02-10"), "4000"),
            ("o4", "s1", at("2024-03-10"), "2000"),
        ]
    )
    lines = both(YTD.replace("$CAP", "$1,000"), data, "s1")
    # January: to date $1,500 -> 2% x $500 = $10.00; 2 orders x $10 = $20 (under the $25 cap).
    # February: to date $5,500 -> 2% x $4,000 + 5% x $500 = $105.00, minus $10 paid = $95.00; 1 order $10.
    # March: to date $7,500 -> $80 + 5% x $2,500 = $205.00, minus $105 paid = $100.00; 1 order $10.
    # Due dates: 10 US business days after 31 January (14 February), 29 February (14 March),
    # 31 March (12 April: 1 April is a Monday; no federal holiday in between).
    assert [amounts(x) for x in lines] == [
        ("2024-01", {"ytd_bonus": D("10.00"), "per_order": D("20.00")}, D("30.00"), dt.date(2024, 2, 14)),
        ("2024-02", {"ytd_bonus": D("95.00"), "per_order": D("10.00")}, D("105.00"), dt.date(2024, 3, 14)),
        ("2024-03", {"ytd_bonus": D("100.00"), "per_order": D("10.00")}, D("110.00"), dt.date(2024, 4, 12)),
    ]
    # The reason says what is due to date and what was paid before.
    february = next(r for r in lines[1].result.rewards if r.name == "ytd_bonus")
    assert february.reason.startswith("February 2024: marginal rebate on ytd sales $5,500.00")
    assert "$105.00 due to date, $10.00 paid in earlier periods: pays $95.00" in february.reason


def test_a_monthly_cap_holds_back_what_a_later_month_pays_when_still_due() -> None:
    data = tables(
        [
            ("o1", "s1", at("2024-01-10"), "20000"),  # to date $20,000: $80 + 5% x $15,000 = $830
            ("o2", "s1", at("2024-01-11"), "1"),
            ("o3", "s1", at("2024-01-12"), "1"),
            ("o4", "s1", at("2024-02-10"), "100"),  # to date $20,102: $80 + 5% x $15,102 = $835.10
        ]
    )
    lines = both(YTD.replace("$CAP", "$500"), data, "s1")
    # January: $830 due to date (the two $1 orders add 5% x $2 = $0.10 -> $830.10), capped at $500.
    # February: $835.10 due - $500 paid = $335.10 (under the cap). March: $835.10 - $835.10 = $0.
    # Orders: January 3 x $10 = $30 -> capped at $25; February 1 x $10 = $10; March none.
    assert [amounts(x)[1] for x in lines] == [
        {"ytd_bonus": D("500.00"), "per_order": D("25.00")},
        {"ytd_bonus": D("335.10"), "per_order": D("10.00")},
        {"ytd_bonus": D("0.00"), "per_order": D("0.00")},
    ]
    january = next(r for r in lines[0].result.rewards if r.name == "ytd_bonus")
    assert "$830.10 earned, the monthly cap is $500: pays $500.00" in january.reason
    assert lines[2].result.payout_due is None  # nothing to pay in March, so nothing falls due


def test_a_falling_amount_due_is_not_clawed_back() -> None:
    data = tables(
        [
            ("o1", "s1", at("2024-01-10"), "3000"),  # to date $3,000 -> 2% x $2,000 = $40
            ("o2", "s1", at("2024-02-10"), "-1500"),  # a return: to date $1,500 -> $10 due, $40 paid
            ("o3", "s1", at("2024-03-10"), "1600"),  # to date $3,100 -> $42 due, $40 paid -> $2
        ]
    )
    lines = both(YTD.replace("$CAP", "$1,000"), data, "s1")
    assert [amounts(x)[1]["ytd_bonus"] for x in lines] == [D("40.00"), D("0.00"), D("2.00")]


def test_periods_follow_the_program_time_zone() -> None:
    # 2024-02-01 03:00 UTC is 31 January 22:00 in New York: a January order.
    data = tables([("o1", "s1", dt.datetime(2024, 2, 1, 3, tzinfo=UTC), "2000")])
    lines = both(YTD.replace("$CAP", "$1,000"), data, "s1")
    # January: 2% x $1,000 = $20 and one order ($10).
    assert amounts(lines[0])[1] == {"ytd_bonus": D("20.00"), "per_order": D("10.00")}
    assert amounts(lines[1])[1] == {"ytd_bonus": D("0.00"), "per_order": D("0.00")}


def test_a_cap_without_a_period_caps_the_whole_program() -> None:
    source = (
        HEADER
        + """
window season: from 2024-01-01 to 2024-03-31 inclusive

metric order_count = count orders during season

bonus per_order: $10 per unit of order_count
  cap: $25 per seller

payout:
  paid monthly
  due: 10 business days after season
"""
    )
    orders = [(f"o{i}", "s1", at(f"2024-0{m}-1{i}"), "1") for i, m in enumerate([1, 1, 2, 3, 3])]
    lines = both(source, tables(orders), "s1")
    # January 2 orders $20 (left of $25: $25); February 1 order $10, $5 left; March $20, nothing left.
    assert [amounts(x)[1]["per_order"] for x in lines] == [D("20.00"), D("5.00"), D("0.00")]


def test_weekly_lines_and_a_metric_without_during_reads_the_period() -> None:
    source = (
        HEADER
        + """
window june: from 2024-06-05 to 2024-06-18 inclusive

metric order_count = count orders

bonus per_order: $1 per unit of order_count
  cap: $2 per seller per week

payout:
  paid weekly
  due: 3 days after june
"""
    )
    # Wed 5 June to Tue 18 June: weeks 23 (5-9 June), 24 (10-16), 25 (17-18).
    # Orders: 4 June (before the window, but a metric without `during` reads only the period),
    # 6 and 7 June (week 23), 10, 11 and 12 June (week 24: 3 x $1 capped at $2), 18 June (week 25).
    days = ["2024-06-04", "2024-06-06", "2024-06-07", "2024-06-10", "2024-06-11", "2024-06-12", "2024-06-18"]
    lines = both(source, tables([(f"o{i}", "s1", at(d), "1") for i, d in enumerate(days)]), "s1")
    assert [(x.period.label, amounts(x)[1]["per_order"]) for x in lines] == [
        ("2024-W23", D("2.00")),
        ("2024-W24", D("2.00")),
        ("2024-W25", D("1.00")),
    ]
    # 3 calendar days after each period's last local day: 9 -> 12 June, 16 -> 19 June, 18 -> 21 June.
    assert [x.result.payout_due for x in lines] == [dt.date(2024, 6, 12), dt.date(2024, 6, 19), dt.date(2024, 6, 21)]


def test_the_table_has_one_row_per_participant_per_period(tmp_path: Path) -> None:
    program = rulekit.loads(YTD.replace("$CAP", "$1,000"))
    data = tables([("o1", "s2", at("2024-02-10"), "2000")], sellers=("s1", "s2"))
    table = settle_periods(program.ir, data).to_arrow()
    assert table.column_names[:4] == ["period", "period_start", "period_end", "id"]
    got = list(zip(table.column("period").to_pylist(), table.column("id").to_pylist(), strict=True))
    assert got == [(m, s) for m in ("2024-01", "2024-02", "2024-03") for s in ("s1", "s2")]
    # s2 in February: 2% x $1,000 = $20 plus one order $10.
    assert table.column("total_payout").to_pylist() == [D(0), D(0), D(0), D("30.00"), D(0), D(0)]


def test_rulekit_run_writes_the_period_lines(tmp_path: Path) -> None:
    rules = tmp_path / "p.rules"
    rules.write_text(YTD.replace("$CAP", "$1,000"))
    data = tmp_path / "data"
    data.mkdir()
    (data / "sellers.csv").write_text("seller_id\ns1\n")
    (data / "orders.csv").write_text("order_id,seller_id,ts,gmv\no1,s1,2024-03-05T15:00:00Z,1500\n")
    out = tmp_path / "out.json"
    result = CliRunner().invoke(app, ["run", str(rules), "--data", str(data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    assert [p["label"] for p in document["periods"]] == ["2024-01", "2024-02", "2024-03"]
    # March: 2% x $500 = $10 plus one order $10 = $20.
    assert [line["result"]["total_payout"] for line in document["lines"]] == ["0.00", "0.00", "20.00"]


def test_a_program_without_paid_keeps_one_line_per_participant() -> None:
    source = YTD.replace(" to date", "").replace("  paid monthly\n", "").replace(" per month", "")
    program = rulekit.loads(source.replace("$CAP", "$1,000"))
    settlement = program.settle(tables([("o1", "s1", at("2024-02-10"), "2000")]))
    assert len(settlement) == 1 and "period" not in settlement.to_arrow().column_names


# ------------------------------------------------------------------ cross-check against the reference

CHECK = settings(
    max_examples=12,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=list(HealthCheck),
)
UNITS = {"month": "monthly", "week": "weekly", "day": "daily"}


@st.composite
def shapes(draw: st.DrawFn) -> reference.Shape:
    unit = draw(st.sampled_from(["month", "week", "day"]))
    first = dt.date(2024, 1, 1) + dt.timedelta(days=draw(st.integers(0, 70)))
    length = {"month": 120, "week": 30, "day": 6}[unit]
    last = first + dt.timedelta(days=draw(st.integers(0, length)))
    low = draw(st.integers(1, 500)) * 100
    high = low + draw(st.integers(1, 3000)) * 100
    rates = sorted(draw(st.lists(st.integers(1, 20), min_size=2, max_size=2)))
    return reference.Shape(
        unit=unit,
        first=first,
        last=last,
        brackets=((0, D(0)), (low, D(rates[0]) / 100), (high, D(rates[1]) / 100)),
        rebate_cap=draw(st.one_of(st.none(), st.integers(1, 200).map(lambda c: c * 100))),
        bonus_unit=draw(st.sampled_from([50, 100, 250])),
        bonus_cap=draw(st.integers(1, 10)) * 100,
        timezone=draw(st.sampled_from(["America/New_York", "Europe/London", "UTC"])),
    )


def source_of(shape: reference.Shape) -> str:
    def money(cents: int) -> str:
        return f"${Decimal(cents) / 100:.2f}"

    brackets = "\n".join(f"  from {money(t)}: {r * 100:f}%" for t, r in shape.brackets)
    cap = f"  cap: {money(shape.rebate_cap)} per seller per {shape.unit}\n" if shape.rebate_cap is not None else ""
    header = HEADER.replace("America/New_York", shape.timezone)
    return f"""{header}
window season: from {shape.first} to {shape.last} inclusive

metric ytd_sales = sum gmv in orders during season to date
metric order_count = count orders during season

rebate ytd: marginal brackets of ytd_sales
{brackets}
{cap}
bonus per_order: {money(shape.bonus_unit)} per unit of order_count
  cap: {money(shape.bonus_cap)} per seller per {shape.unit}

payout:
  paid {UNITS[shape.unit]}
  due: 5 days after season
"""


@st.composite
def cases(draw: st.DrawFn) -> tuple[reference.Shape, list[tuple[str, str, dt.datetime, str]]]:
    shape = draw(shapes())
    base = dt.datetime.combine(shape.first, dt.time(), UTC) - dt.timedelta(days=2)
    span = int(((shape.last - shape.first).days + 4) * 24)
    orders = []
    for i in range(draw(st.integers(0, 14))):
        hours = draw(st.integers(0, span))
        gmv = draw(st.integers(-500, 3000)) * 100 // draw(st.sampled_from([1, 7]))  # some odd cents
        orders.append(
            (
                f"o{i}",
                draw(st.sampled_from(["s1", "s2"])),
                base + dt.timedelta(hours=hours),
                f"{Decimal(gmv) / 100:.2f}",
            )
        )
    return shape, orders


@CHECK
@given(cases())
def test_both_evaluators_agree_with_the_reference(
    case: tuple[reference.Shape, list[tuple[str, str, dt.datetime, str]]],
) -> None:
    shape, orders = case
    program = rulekit.loads(source_of(shape))
    data = tables(orders, sellers=("s1", "s2"))
    settled = settle_periods(program.ir, data)
    cents = [(s, ts, int(Decimal(g) * 100)) for _, s, ts, g in orders]
    expected = reference.settle(shape, ["s1", "s2"], cents)
    assert [p.label for p in settled.periods] == reference.labels(shape)
    for seller in ("s1", "s2"):
        decided = decide_periods(program.ir, facts(data, seller))
        for sql_line, py_line in zip(settled.lines_of(seller), decided, strict=True):
            assert amounts(sql_line) == amounts(py_line)
            rebate, bonus = expected[(seller, sql_line.period.label)]
            got = {r.name: int(r.amount * 100) for r in sql_line.result.rewards}
            assert got == {"ytd": rebate, "per_order": bonus}, (seller, sql_line.period.label)


# ------------------------------------------------------------------ fmt, diff, check


def test_fmt_keeps_the_period_lines_and_diff_names_each_change() -> None:
    from rulekit.diff import diff_programs
    from rulekit.formatter import format_source
    from rulekit.parser import parse

    source = YTD.replace("$CAP", "$1,000")
    messy = source.replace("  paid monthly", "  paid    monthly").replace(
        "during season to date", "during season  to   date"
    )
    formatted = format_source(messy, "p.rules").formatted
    assert formatted == format_source(source, "p.rules").formatted
    assert formatted is not None and "  paid monthly\n" in formatted
    assert "during season to date\n" in formatted and "cap: $25 per seller per month\n" in formatted
    weekly = source.replace("paid monthly", "paid weekly").replace(" per month", " per week")
    changes = [c.summary for c in diff_programs(parse(source).program, parse(weekly.replace(" to date", "")).program)]
    assert "metric `ytd_sales` to date: yes -> no" in changes
    assert "rebate `ytd_bonus` cap: $1,000 per seller per month -> $1,000 per seller per week" in changes
    assert "payout pay period: paid monthly -> paid weekly" in changes


def test_check_counts_a_budget_once_per_period() -> None:
    from rulekit.checker import check_source
    from rulekit.liability import maximum_payout

    source = (
        YTD.replace("$CAP", "$1,000")
        .replace(" to date", "")
        .replace(
            "  cap: $25 per seller per month\n",
            "  cap: $25 per seller per month\n  budget: $100\n  overflow: scale down\n",
        )
    )
    source = source.replace(
        "  cap: $1,000 per seller per month\n",
        "  cap: $1,000 per seller per month\n  budget: $1,000\n  overflow: scale down\n",
    )
    report = check_source(source, "p.rules")
    assert not [d for d in report.diagnostics if d.is_error]
    # Three months x ($1,000 + $100) = $3,300.
    found = maximum_payout(report.program)
    assert found is not None and found.amount == D(3300)


# ------------------------------------------------------------------ the shipped campaign


def test_the_ytd_campaign_settles_alike_in_both_evaluators() -> None:
    import csv

    root = Path(__file__).resolve().parent.parent
    program = rulekit.load(root / "campaigns" / "ytd_bonus.rules")
    folder = root / "examples" / "ytd_bonus"
    settled = program.settle_periods(str(folder))
    with (folder / "sellers.csv").open() as handle:
        sellers = list(csv.DictReader(handle))
    with (folder / "orders.csv").open() as handle:
        orders = list(csv.DictReader(handle))
    for seller in sellers:
        mine = [o for o in orders if o["seller_id"] == seller["seller_id"]]
        decided = program.decide_periods({"sellers": seller, "orders": mine})
        assert [amounts(x) for x in settled.lines_of(seller["seller_id"])] == [amounts(x) for x in decided]
    # S02: $110,000 in January: $800 + 4% x $60,000 = $3,200 due, the monthly cap pays $2,000 (+ $0.50
    # for the order); February adds $250: $3,210 due - $2,000 paid = $1,210 (+ $0.50).
    assert [amounts(x)[2] for x in settled.lines_of("S02")][:2] == [D("2000.50"), D("1210.50")]
    # S03: $30,000 on 31 January in New York (2% x $20,000 = $400); a $12,000 chargeback in March
    # leaves $18,000 to date ($160 due, $400 paid): March pays only its $0.50 order bonus.
    s03 = [amounts(x)[1].get("growth_bonus") for x in settled.lines_of("S03")]
    assert s03 == [D("400.00"), None, D("0.00"), None, D("0.00"), None]  # None: no order, not qualified


def test_settle_refuses_a_program_paid_per_period() -> None:
    # One line per seller for the whole window would ignore the monthly cap and the to-date
    # differences: the program object says to use settle_periods instead of paying that.
    import pytest

    program = rulekit.load(str(Path(__file__).parent.parent / "campaigns" / "ytd_bonus.rules"))
    with pytest.raises(rulekit.CompileError, match="settle_periods"):
        program.settle(Path(__file__).parent.parent / "examples" / "ytd_bonus")


def test_rulekit_run_says_a_program_paid_per_period_settles_on_duckdb_only() -> None:
    # Asked for Spark, a run must not quietly settle on DuckDB instead: a usage error, nothing written.
    root = Path(__file__).parent.parent
    args = ["run", str(root / "campaigns" / "ytd_bonus.rules"), "--data", str(root / "examples" / "ytd_bonus")]
    result = CliRunner().invoke(app, [*args, "--engine", "spark"])
    assert result.exit_code == 2, result.output
    assert "settles on duckdb only (not yet on spark)" in result.output and "Traceback" not in result.output
