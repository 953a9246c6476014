"""Metric arithmetic end to end: grammar, units, plan, both evaluators (cross-checked), words, fmt, diff, LSP.

Expected values are worked out by hand in the comments, never read back from the code.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import rulekit
from rulekit import codes, ir
from rulekit import types as t
from rulekit.checker import check_source
from rulekit.diff import diff_programs, format_arith, render_changes
from rulekit.formatter import format_source
from rulekit.lsp.analysis import analyse
from rulekit.lsp.symbols import Symbol, SymbolKind
from rulekit.parser import parse
from rulekit.plan import Empty, Level, Shape
from rulekit.render import render_document
from rulekit.result_schema import result_schema
from tests.test_crosscheck import CHECK, Rows, assert_same, settle_and_decide

ROOT = Path(__file__).resolve().parent.parent
UTC = dt.UTC
USD = t.ValueType(t.Kind.MONEY, "USD")

HEADER = """program growth:
  market: US
  currency: USD
  timezone: "America/New_York"
  calendar: US

table sellers:
  seller_id: string
  key: seller_id

table shops:
  seller_id: string
  shop_id: string
  key: seller_id, shop_id

table orders:
  order_id: string
  seller_id: string
  shop_id: string
  ts: timestamp
  gmv: money
  refunded: bool
  key: order_id
  time: ts

table sessions:
  seller_id: string
  start_ts: timestamp
  end_ts: timestamp
  period: start_ts to end_ts

participant seller: sellers
member shop: shops

window q1: from 2024-01-01 to 2024-04-01 exclusive
window q2: from 2024-04-01 to 2024-07-01 exclusive

metric q1_sales = sum gmv in orders during q1
metric q2_sales = sum gmv in orders during q2
metric order_count = count orders during q2
metric refunds = count orders during q2 where refunded
metric refund_rate = refunds / order_count
metric avg_order = average gmv in orders during q2
metric live = total time in sessions
metric shop_q1 = sum gmv in orders during q1 per shop
metric shop_q2 = sum gmv in orders during q2 per shop
"""

COMPUTED = """
metric growth = q2_sales - q1_sales
  label: "sales growth"
metric fee = q2_sales * {rate}
metric boosted = growth * 1.5 + -$50
metric floor = max(min(growth, $500), -$100)
metric thirds = growth / {divisor}
metric per_order = q2_sales / (order_count + 0)
metric rate = refund_rate or 0%
metric share = q2_sales / (q1_sales + $1)
metric neg = -growth
metric doubled = order_count * 2
metric half = order_count / 2
metric gap = avg_order - $10
metric live_extra = live * 50% + 1 hour
metric live_third = live / 3
metric shop_growth = shop_q2 - shop_q1

gate grew: growth > {threshold}
warn refunds_high: rate > 10%
warn thin: thirds < $10 and per_order < $20 and share < 200% and gap < $0
warn short: live_extra < 2 hours and live_third < 30 minutes and boosted < $0 and fee < $1
warn shop_fell: any shop has shop_growth < $0
warn tiny: half < 1 and doubled < 3 and neg > $0

ranking board: by growth descending
  then by seller_id ascending
  top 3

prize top: ranking board
  rank 1: $100
  rank 2 to 3: $50

rebate growth_rebate: 10% of floor
  budget: $10,000
  overflow: scale down

rebate fee_rebate: marginal brackets of fee
  from $0: 1%
  from $5: 2%
  budget: $10,000
  overflow: scale down
"""

SOURCE = HEADER + COMPUTED.format(rate="2%", divisor="3", threshold="-$1,000")


def _program(extra: str = "", computed: str = "") -> str:
    return HEADER + computed + extra


# ------------------------------------------------------------------------------ grammar


def _definition(line: str) -> ir.Definition:
    result = parse(_program(computed=f"metric x = {line}\n"), "x.rules")
    assert not result.diagnostics, result.diagnostics
    metric = result.program.metric("x")
    assert metric is not None
    return metric.definition


def test_a_ratio_of_two_metric_names_stays_a_ratio() -> None:
    assert isinstance(_definition("refunds / order_count"), ir.Ratio)
    # With anything more than two names it is arithmetic.
    assert isinstance(_definition("refunds / (order_count + 1)"), ir.Computed)


def test_precedence_and_associativity() -> None:
    computed = _definition("a - b * c - d")
    assert isinstance(computed, ir.Computed)
    # (a - (b * c)) - d
    expr = computed.expr
    assert isinstance(expr, ir.Arith) and expr.op is ir.ArithOp.SUB and expr.right == ir.NameRef("d")
    inner = expr.left
    assert isinstance(inner, ir.Arith) and inner.op is ir.ArithOp.SUB and inner.left == ir.NameRef("a")
    assert inner.right == ir.Arith(ir.ArithOp.MUL, ir.NameRef("b"), ir.NameRef("c"))


def test_negative_literals_are_literals() -> None:
    computed = _definition("-$50 + -3 * -2% - -(1 hour)")
    assert isinstance(computed, ir.Computed)
    assert format_arith(computed.expr) == "-$50 + -3 * -2% - -1 hour"
    literals = [n for n in _nodes(computed.expr) if isinstance(n, ir.Money | ir.Number | ir.Percent | ir.Duration)]
    assert literals == [
        ir.Money(Decimal(-50), "USD"),
        ir.Number(Decimal(-3)),
        ir.Percent(Decimal(-2)),
        ir.Duration(Decimal(-1), ir.TimeUnit.HOURS),
    ]


def _nodes(expr: ir.NumExpr) -> list[ir.Node]:
    from rulekit import walk

    return list(walk.walk(expr))


def test_min_max_calls_and_the_min_max_aggregates_both_parse() -> None:
    call = _definition("min(q1_sales, max(q2_sales, $5))")
    assert isinstance(call, ir.Computed) and isinstance(call.expr, ir.Call) and call.expr.function == "min"
    aggregate = _definition("min gmv in orders")
    assert isinstance(aggregate, ir.Aggregate) and aggregate.func is ir.AggregateFunc.MIN


def test_or_is_a_default_in_a_metric_and_boolean_in_a_clause() -> None:
    default = _definition("refund_rate or 0%")
    assert isinstance(default, ir.Computed)
    assert default.expr == ir.Default(ir.NameRef("refund_rate"), ir.Percent(Decimal(0)))


def _errors(source: str) -> list[tuple[str, int, int]]:
    found = check_source(source, "x.rules").diagnostics
    return [(d.code, d.span.line, d.span.column) for d in found if d.severity.value == "error"]


def test_a_negative_literal_in_a_clause_needs_no_metric() -> None:
    assert _errors(_program("gate g: q2_sales > -$50\n")) == []


# -------------------------------------------------------------------------------- units


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("q2_sales - q1_sales", USD),  # money - money is money
        ("q2_sales * 2%", USD),  # money x percentage keeps the unit
        ("2 * q2_sales", USD),
        ("q2_sales * refund_rate", USD),  # money x ratio
        ("q2_sales / 4", USD),  # money / number
        ("q2_sales / q1_sales", t.RATIO),  # a ratio, kept as ir.Ratio
        ("(q2_sales + $1) / q1_sales", t.RATIO),  # money / money
        ("live / 3 + 1 hour", t.DURATION),
        ("(live + 1 hour) / live", t.RATIO),
        ("(order_count - refunds) / order_count", t.RATIO),  # a number / a count
        ("q2_sales / $100", t.RATIO),  # money / money, even by a constant
        ("order_count * 2", t.ValueType(t.Kind.INT)),  # whole x whole stays whole
        ("order_count - refunds", t.ValueType(t.Kind.INT)),  # may be negative: not a count
        ("order_count * 1.5", t.ValueType(t.Kind.DECIMAL)),
        ("order_count / 2", t.ValueType(t.Kind.DECIMAL)),
        ("refund_rate + 5%", t.RATIO),
        ("refund_rate or 0%", t.RATIO),
        ("-order_count", t.ValueType(t.Kind.INT)),
        ("min(q2_sales, $100)", USD),
        ("max(refund_rate, 0.5)", t.RATIO),
    ],
)
def test_result_types(expression: str, expected: t.ValueType) -> None:
    program = parse(_program(computed=f"metric x = {expression}\n"), "x.rules").program
    assert [d for d in check_source(program.source, "x.rules").diagnostics if d.severity.value == "error"] == []
    plan = rulekit.loads(program.source + "eligible e: x = x\n", "x.rules").plan
    found = plan.metric("x")
    assert found is not None and found.type == expected


@pytest.mark.parametrize(
    ("expression", "code", "message"),
    [
        ("q2_sales * q1_sales", codes.RK217, "cannot multiply money (USD) by money (USD)"),
        ("live * live", codes.RK217, "cannot multiply a duration by a duration"),
        ("q2_sales + live", codes.RK217, "cannot add a duration to money (USD)"),
        ("q2_sales - 5", codes.RK217, "cannot subtract a whole number from money (USD)"),
        ("(order_count + 1) / q2_sales", codes.RK217, "cannot divide a whole number by money (USD)"),
        ("min(q2_sales, 5%)", codes.RK217, "`min` needs two values of one unit"),
        ("q2_sales or 0", codes.RK217, "the default must be money (USD)"),
        ("q2_sales / 0", codes.RK217, "division by zero"),
        ("shop_q2 - q2_sales", codes.RK219, "`shop_q2` has one value per shop but `q2_sales`"),
        ("q2_sales - nothing", codes.RK103, "unknown metric `nothing`"),
    ],
)
def test_unit_errors(expression: str, code: str, message: str) -> None:
    found = check_source(_program(computed=f"metric x = {expression}\n"), "x.rules").diagnostics
    errors = [(d.code, d.message) for d in found if d.severity.value == "error"]
    assert len(errors) == 1 and errors[0][0] == code and errors[0][1].startswith(message), errors


def test_a_metric_computed_from_itself_is_refused() -> None:
    found = check_source(_program(computed="metric x = y + $1\nmetric y = x * 2\n"), "x.rules").diagnostics
    assert {d.code for d in found if d.severity.value == "error"} == {codes.RK117}


def test_arithmetic_inside_a_clause_asks_for_a_metric() -> None:
    # `gate g: ` is 8 characters: the arithmetic starts in column 9 of the line after the header.
    assert _errors(_program("gate g: q2_sales - q1_sales > $5\n")) == [(codes.RK218, HEADER.count("\n") + 1, 9)]


def test_a_fraction_cannot_be_a_reward_base() -> None:
    # q2_sales / 3 has no finite decimal value ($100 / 3 = $33.333…): it cannot be paid on.
    source = _program(
        "rebate r: 2% of third\n  budget: $100\n  overflow: scale down\n", "metric third = q2_sales / 3\n"
    )
    assert [code for code, _, _ in _errors(source)] == [codes.RK220]
    # Dividing by 4 is multiplying by 0.25: an exact decimal, so a fine base.
    assert _errors(source.replace("q2_sales / 3", "q2_sales / 4")) == []


def test_every_hint_of_the_new_codes_suggests_code_that_checks() -> None:
    """The `metric …` a hint suggests is valid rule code, with the hint's own names declared."""
    out = (ROOT / "tests" / "fixtures" / "diagnostics" / "arithmetic.out").read_text()
    suggested = re.findall(r"help: .*?`(metric [^`]+)`", out)
    assert len(suggested) >= 6
    names = "metric q2_sales = sum gmv in orders\nmetric q1_sales = sum gmv in orders during q1\n"
    names += "metric net_sales = sum gmv in orders during q2\nmetric sales = sum gmv in orders\n"
    base = HEADER.replace("metric q1_sales = sum gmv in orders during q1\n", "").replace(
        "metric q2_sales = sum gmv in orders during q2\n", ""
    )
    for code in suggested:
        source = base + names + code + "\n"
        errors = [d for d in check_source(source, "x.rules").diagnostics if d.severity.value == "error"]
        assert errors == [], (code, errors)


# --------------------------------------------------------------------------------- plan


def test_the_plan_of_computed_metrics() -> None:
    plan = rulekit.loads(SOURCE, "g.rules").plan
    growth, thirds, rate, shop = (plan.metric(n) for n in ("growth", "thirds", "rate", "shop_growth"))
    assert growth is not None and thirds is not None and rate is not None and shop is not None
    assert (growth.level, growth.type, growth.shape, growth.empty) == (Level.PARTICIPANT, USD, Shape.VALUE, Empty.ZERO)
    assert growth.depends == ("q2_sales", "q1_sales")
    assert (thirds.shape, thirds.depends) == (Shape.QUOTIENT, ("growth", "q2_sales", "q1_sales"))
    assert (rate.type, rate.shape) == (t.RATIO, Shape.QUOTIENT)
    assert rate.empty is Empty.NONE  # refund_rate has no value without orders (the default gives one)
    assert (shop.level, shop.shape) == (Level.MEMBER, Shape.VALUE)
    # A fraction is exported exactly, as its two parts.
    columns = set(result_schema(plan).names)
    assert {"metric.thirds.numerator", "metric.thirds.denominator", "metric.growth"} <= columns


# --------------------------------------------------------------------------- evaluation

Q1 = dt.datetime(2024, 2, 1, tzinfo=UTC)
Q2 = dt.datetime(2024, 5, 1, tzinfo=UTC)


def _tables() -> dict[str, Rows]:
    def order(n: int, seller: str, ts: dt.datetime, gmv: str, refunded: bool = False) -> dict[str, Any]:
        return {
            "order_id": f"o{n}",
            "seller_id": seller,
            "shop_id": "x",
            "ts": ts,
            "gmv": Decimal(gmv),
            "refunded": refunded,
        }

    return {
        "sellers": [{"seller_id": "s1"}, {"seller_id": "s2"}, {"seller_id": "s3"}],
        "shops": [{"seller_id": "s1", "shop_id": "x"}],
        "orders": [
            order(1, "s1", Q1, "100.00"),
            order(2, "s1", Q2, "250.50"),
            order(3, "s1", Q2, "10.01", True),
            order(4, "s2", Q1, "300.00"),
        ],
        "sessions": [{"seller_id": "s1", "start_ts": Q2, "end_ts": Q2 + dt.timedelta(minutes=67)}],
    }


def test_values_worked_by_hand_in_both_evaluators() -> None:
    _, settlement, decisions = settle_and_decide(SOURCE, _tables(), "seller_id")
    s1 = decisions["s1"].metrics
    # q1 = 100.00, q2 = 250.50 + 10.01 = 260.51, 2 orders in q2, 1 refunded, 67 minutes live.
    assert s1["growth"] == Decimal("160.51")  # 260.51 - 100.00
    assert s1["fee"] == Decimal("5.2102")  # 260.51 x 0.02, not rounded
    assert s1["boosted"] == Decimal("190.765")  # 160.51 x 1.5 - 50
    assert s1["floor"] == Decimal("160.51")  # between -100 and 500
    assert s1["thirds"] == Fraction(16051, 300)  # 160.51 / 3 = 53.50333…
    assert s1["per_order"] == Fraction(26051, 200)  # 260.51 / 2
    assert s1["rate"] == Fraction(1, 2)  # 1 refunded of 2
    assert s1["share"] == Fraction(26051, 10100)  # 260.51 / 101.00
    assert s1["neg"] == Decimal("-160.51")
    assert (s1["doubled"], s1["half"]) == (4, Decimal(1))  # 2 x 2, 2 / 2
    assert s1["gap"] == Fraction(24051, 200)  # 260.51 / 2 - 10 = 120.255
    assert s1["live_extra"] == Decimal(5610)  # 4020 s / 2 + 3600 s
    assert s1["live_third"] == Fraction(1340)  # 4020 s / 3
    assert decisions["s1"].members["x"]["shop_growth"] == Decimal("160.51")
    s2 = decisions["s2"].metrics
    # No q2 orders: the ratio has no value, so `rate` takes its default 0%; per_order divides by 0.
    assert s2["growth"] == Decimal(-300) and s2["floor"] == Decimal(-100)  # -300 kept at -100
    assert (s2["refund_rate"], s2["rate"], s2["per_order"]) == (None, Fraction(0), None)
    assert s2["boosted"] == Decimal(-500)  # -300 x 1.5 - 50
    for row in settlement.participants:
        assert_same(decisions[row.id], row)
    # Ranked on growth: s1 (160.51), s3 (0), s2 (-300).
    assert {row.id: row.rank for row in settlement.participants} == {"s1": 1, "s3": 2, "s2": 3}
    paid = {row.id: {r.name: r.amount for r in row.rewards} for row in settlement.participants}
    # 10% of 160.51 = 16.051 → $16.05; a negative base (s2: floor -100) pays nothing.
    assert paid["s1"]["growth_rebate"] == Decimal("16.05") and paid["s2"]["growth_rebate"] == Decimal("0.00")
    # marginal brackets of fee 5.2102: 5 x 1% + 0.2102 x 2% = 0.05 + 0.004204 = 0.054204 → $0.05
    assert paid["s1"]["fee_rebate"] == Decimal("0.05")


def test_ranking_on_a_computed_metric_is_exact() -> None:
    # fee = q2 x 0.1%: 1000.01 → 1.00001 and 1000.02 → 1.00002, apart only in the fifth decimal.
    source = SOURCE.replace("ranking board: by growth descending", "ranking board: by fee descending").replace(
        "metric fee = q2_sales * 2%", "metric fee = q2_sales * 0.1%"
    )
    tables = _tables()
    tables["orders"] = [
        {"order_id": "a", "seller_id": "s1", "shop_id": "x", "ts": Q2, "gmv": Decimal("1000.01"), "refunded": False},
        {"order_id": "b", "seller_id": "s2", "shop_id": "x", "ts": Q2, "gmv": Decimal("1000.02"), "refunded": False},
    ]
    _, settlement, decisions = settle_and_decide(source, tables, "seller_id")
    assert decisions["s1"].metrics["fee"] == Decimal("1.00001")
    assert {row.id: row.rank for row in settlement.participants} == {"s2": 1, "s1": 2, "s3": 3}


GMVS = [Decimal("0.01"), Decimal("19.99"), Decimal("617.25"), Decimal(6000), Decimal("33.33")]
WHEN = [Q1, Q2, dt.datetime(2023, 12, 31, 23, tzinfo=UTC), dt.datetime(2024, 4, 1, 3, 59, 59, tzinfo=UTC)]


@st.composite
def _data(draw: st.DrawFn) -> dict[str, Rows]:
    tables: dict[str, Rows] = {"sellers": [], "shops": [], "orders": [], "sessions": []}
    for s in range(draw(st.integers(1, 4))):
        seller = f"s{s}"
        tables["sellers"].append({"seller_id": seller})
        shops = [f"{seller}x", f"{seller}y"][: draw(st.integers(0, 2))]
        tables["shops"] += [{"seller_id": seller, "shop_id": shop} for shop in shops]
        for _ in range(draw(st.integers(0, 6))):
            tables["orders"].append(
                {
                    "order_id": f"o{len(tables['orders'])}",
                    "seller_id": seller,
                    "shop_id": draw(st.sampled_from([*shops, "other"])),
                    "ts": draw(st.sampled_from(WHEN)),
                    "gmv": draw(st.sampled_from(GMVS)),
                    "refunded": draw(st.booleans()),
                }
            )
        for _ in range(draw(st.integers(0, 2))):
            minutes = draw(st.sampled_from([0, 1, 7, 67, 600]))
            tables["sessions"].append(
                {"seller_id": seller, "start_ts": Q2, "end_ts": Q2 + dt.timedelta(minutes=minutes)}
            )
    return tables


@CHECK
@given(
    data=_data(),
    rate=st.sampled_from(["2%", "0.5%", "33.3%", "-1.25%"]),
    divisor=st.sampled_from(["3", "4", "7", "-6", "0.3"]),
    threshold=st.sampled_from(["$0", "-$1,000", "$100.01"]),
)
def test_decide_and_settle_agree_to_the_cent(data: dict[str, Rows], rate: str, divisor: str, threshold: str) -> None:
    source = HEADER + COMPUTED.format(rate=rate, divisor=divisor, threshold=threshold)
    # a negative rate makes `fee` negative: fine for a metric, so the fee rebate is dropped here
    source = source[: source.index("rebate fee_rebate")] if rate.startswith("-") else source
    _, settlement, decisions = settle_and_decide(source, data, "seller_id")
    for row in settlement.participants:
        decision = decisions[row.id]
        assert_same(decision, row)
        mine = {r.name: r.before_limits for r in decision.rewards}
        theirs = {r.name: r.before_limits for r in row.rewards if r.name in mine}
        assert mine == theirs, row.id


# ------------------------------------------------------------------ words, fmt, diff, LSP


def test_the_document_describes_computed_metrics_in_words() -> None:
    document = render_document(parse(SOURCE, "g.rules").program, "md", "en-US")
    assert "For each seller: its q2 sales minus its q1 sales." in document
    assert "For each seller: 2% of its q2 sales." in document
    assert "For each seller: its sales growth times 1.5 minus $50." in document
    assert "For each seller: its sales growth, kept between -$100 and $500." in document
    assert "For each seller: its refund rate, or 0% when that has no value." in document
    assert "There is no value while (its order count plus 0) is 0." not in document
    assert "There is no value while its order count plus 0 is 0." in document
    assert "For each shop of a seller: its shop q2 minus its shop q1." in document


def test_fmt_lays_out_arithmetic_and_keeps_its_meaning() -> None:
    messy = _program(computed="metric x = - $50+q2_sales*2 %\nmetric y = min (q1_sales,max( q2_sales , $5000 ))or $0\n")
    messy = messy.replace("* 2 %", "* 2%").replace("*2 %", "*2%")
    result = format_source(messy, "x.rules")
    assert result.formatted is not None
    assert "metric x = -$50 + q2_sales * 2%\n" in result.formatted
    assert "metric y = min(q1_sales, max(q2_sales, $5,000)) or $0\n" in result.formatted
    assert parse(result.formatted, "x.rules").program == parse(messy, "x.rules").program


def test_diff_shows_a_changed_computation() -> None:
    old = parse(SOURCE, "a.rules").program
    new = parse(SOURCE.replace("metric neg = -growth", "metric neg = -(growth - $1)"), "b.rules").program
    text = render_changes(diff_programs(old, new))
    assert "-growth" in text and "-(growth - $1)" in text


def test_lsp_finds_metrics_used_in_a_computation() -> None:
    index = analyse(SOURCE, "g.rules").index
    lines = [o.span.line for o in index.references(Symbol(SymbolKind.METRIC, "growth"))]
    first = SOURCE.splitlines().index("metric growth = q2_sales - q1_sales") + 1
    lines_of = SOURCE.splitlines()
    # Its declaration, the metrics computed from it, the gate and the ranking: every line naming
    # it but the program header (`program growth:`) and its label ("sales growth").
    uses = [
        n
        for n, line in enumerate(lines_of, start=1)
        if re.search(r"\bgrowth\b", line) and not line.startswith(("program", "  label"))
    ]
    # declaration, boosted, floor, thirds, neg, the gate, the ranking
    assert len(uses) == 7 and lines == uses and lines[0] == first


def test_the_loaders_wide_money_type_settles_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """The data loader types money as decimal128(38, 12): scales add up in products, no overflow."""
    import pyarrow as pa

    from tests import test_crosscheck

    wide = {**test_crosscheck._ARROW_TYPES, ir.ColumnType.MONEY: pa.decimal128(38, 12)}
    monkeypatch.setattr(test_crosscheck, "_ARROW_TYPES", wide)
    _, settlement, decisions = settle_and_decide(SOURCE, _tables(), "seller_id")
    for row in settlement.participants:
        assert_same(decisions[row.id], row)
    assert decisions["s1"].metrics["thirds"] == Fraction(16051, 300)  # 160.51 / 3


def test_examples_take_negative_values() -> None:
    source = (ROOT / "campaigns" / "growth_leaderboard.rules").read_text()
    example = next(e for e in parse(source, "g.rules").program.examples if e.name == "fell")
    values = [item.value for expect in example.expects for item in expect.items if item.name == "growth"]
    assert values == [ir.Money(Decimal(-500), "USD")]  # `growth = -$500`: $300 - $800
