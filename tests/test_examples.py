"""`example` items: parsing, validation, running, diffs and clause coverage (`rulekit test`).

Expected values are computed by hand in the comments (and in the fixture's comments),
never copied from the code under test.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
from typer.testing import CliRunner

from rulekit import ir
from rulekit.cli import app
from rulekit.examples import Observations, check_examples, coverage, run_examples, run_file
from rulekit.examples.compare import compare_order, compare_participant
from rulekit.examples.tables import arrow_tables, participant_facts
from rulekit.parser import parse, parse_file
from rulekit.results import ClauseOutcome, Decision, OrderEffect, ParticipantResult, RewardAmount, Settlement

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "examples"
SHOP = str(FIXTURES / "shop.rules")
runner = CliRunner()

HEADER = """program tiny:
  market: US
  currency: USD
  timezone: "UTC"
  calendar: US

table accounts:
  account_id: string
  region: string
  joined: timestamp
  key: account_id

participant account: accounts
"""


def _program(source: str) -> ir.Program:
    result = parse(source, "t.rules")
    assert result.diagnostics == ()
    return result.program


def _shop() -> ir.Program:
    parsed, _ = parse_file(SHOP)
    assert parsed.diagnostics == ()
    return parsed.program


# ----------------------------------------------------------------------------- parser


def test_parser_builds_example_ir() -> None:
    source = (
        HEADER
        + """
example first:
  description: "Two rows, one spread over two lines."
  given accounts: account_id = "a1", region = "US", joined = 2022-02-14 09:30
  given accounts: (account_id = "a2",
      region = null)
  # a comment between lines
  expect a1: eligible, not warned, rank 2, prize cash = $4,000, host h1 live = 14 hours
  expect order "o 1": commission waiver = 0%, subsidy ship = £3.50
"""
    )
    (example,) = _program(source).examples
    rows = (
        ir.ExampleRow(
            "accounts",
            (
                ir.ExampleField("account_id", ir.String("a1")),
                ir.ExampleField("region", ir.String("US")),
                ir.ExampleField("joined", ir.TimestampValue(dt.datetime(2022, 2, 14, 9, 30))),
            ),
        ),
        ir.ExampleRow(
            "accounts", (ir.ExampleField("account_id", ir.String("a2")), ir.ExampleField("region", ir.NullValue()))
        ),
    )
    k = ir.ExpectKind
    expects = (
        ir.ExampleExpect(
            "a1",
            False,
            (
                ir.Expectation(k.ELIGIBLE),
                ir.Expectation(k.WARNED, negated=True),
                ir.Expectation(k.RANK, value=ir.Number(Decimal(2))),
                ir.Expectation(k.REWARD, name="cash", value=ir.Money(Decimal(4000), "USD"), reward_kind="prize"),
                ir.Expectation(
                    k.METRIC,
                    name="live",
                    value=ir.Duration(Decimal(14), ir.TimeUnit.HOURS),
                    member_noun="host",
                    member="h1",
                ),
            ),
        ),
        ir.ExampleExpect(
            "o 1",
            True,
            (
                ir.Expectation(k.REWARD, name="waiver", value=ir.Percent(Decimal(0)), reward_kind="commission"),
                ir.Expectation(k.REWARD, name="ship", value=ir.Money(Decimal("3.50"), "GBP"), reward_kind="subsidy"),
            ),
        ),
    )
    assert example == ir.Example("first", rows, expects, ir.Text(description="Two rows, one spread over two lines."))
    # Spans point at the source: HEADER has 13 lines and a blank follows, so the example's
    # name is on line 15 and `expect a1` on line 21 (after 5 lines: description, 3 given, comment).
    assert (example.span.line, example.span.column) == (15, 9)
    assert (example.expects[0].span.line, example.expects[0].span.column) == (21, 10)


def test_every_negated_and_named_item_parses() -> None:
    source = HEADER + (
        "\nexample e:\n  expect a1: not eligible, qualified, not qualified, disqualified by x, not disqualified,"
        " warned y, passes z, fails z, not judged w, unranked, total = $1, m = 3\n"
    )
    items = _program(source).examples[0].expects[0].items
    k = ir.ExpectKind
    shapes = [(i.kind, i.negated, i.name) for i in items]
    assert shapes == [
        (k.ELIGIBLE, True, None),
        (k.QUALIFIED, False, None),
        (k.QUALIFIED, True, None),
        (k.DISQUALIFIED, False, "x"),
        (k.DISQUALIFIED, True, None),
        (k.WARNED, False, "y"),
        (k.PASSES, False, "z"),
        (k.FAILS, False, "z"),
        (k.NOT_JUDGED, False, "w"),
        (k.RANK, False, None),
        (k.TOTAL, False, None),
        (k.METRIC, False, "m"),
    ]
    assert isinstance(items[9].value, ir.NullValue)


def test_syntax_error_in_an_example_is_a_diagnostic_and_other_items_survive() -> None:
    source = HEADER + '\nexample e:\n  expect a1: eligble\n\neligible us: region = "US"\n'
    result = parse(source, "t.rules")
    (problem,) = result.diagnostics
    # Line 16 is "  expect a1: eligble" (20 characters): `eligble` reads as a metric name,
    # so the parser wants `=` and finds the end of the line at column 21.
    assert (problem.code, problem.span.line, problem.span.column) == ("RK001", 16, 21)
    assert [c.name for c in result.program.clauses] == ["us"]


# ------------------------------------------------------------------------------ data


def test_arrow_tables_are_typed_from_the_declarations() -> None:
    program = _shop()
    example = program.examples[0]
    tables = arrow_tables(program, example)
    orders = tables["orders"]
    assert orders.schema.field("amount").type == pa.decimal128(38, 6)
    assert orders.schema.field("ts").type == pa.timestamp("us")
    assert orders.schema.field("refunded").type == pa.bool_()
    first = orders.to_pylist()[0]
    # The fixture's first order: o1, s1, 2024-01-10 12:00 UTC, $150, shipping $7, not refunded.
    assert first == {
        "order_id": "o1",
        "seller_id": "s1",
        "ts": dt.datetime(2024, 1, 10, 12, 0),
        "amount": Decimal("150.000000"),
        "shipping": Decimal("7.000000"),
        "refunded": False,
    }
    assert tables["sellers"].num_rows == 4 and orders.num_rows == 6


def test_unlisted_columns_are_null_and_undeclared_tables_are_empty() -> None:
    program = _program(HEADER + '\nexample e:\n  given accounts: account_id = "a1"\n  expect a1: eligible\n')
    tables = arrow_tables(program, program.examples[0])
    assert tables["accounts"].to_pylist() == [{"account_id": "a1", "region": None, "joined": None}]


def test_participant_facts_keep_only_the_participants_rows() -> None:
    program = _shop()
    example = program.examples[0]
    s2 = next(r for r in example.rows if r.table == "sellers" and r.value("seller_id") == ir.String("s2"))
    facts = participant_facts(program, example, s2)
    assert facts["sellers"] == {"seller_id": "s2", "region": "US", "flagged": False}
    # s2 has orders o3, o4 and o5 in the fixture.
    assert [o["order_id"] for o in facts["orders"]] == ["o3", "o4", "o5"]


# ------------------------------------------------------------------------ validation


def test_invalid_examples_are_rk7xx_diagnostics_at_the_right_place() -> None:
    parsed, _ = parse_file(str(FIXTURES / "invalid.rules"))
    found = [(d.code, d.span.line, d.span.column) for d in check_examples(parsed.program)]
    # Positions read off tests/fixtures/examples/invalid.rules by hand.
    assert sorted(found) == sorted(
        [
            ("RK702", 20, 9),  # given acounts
            ("RK703", 21, 38),  # regoin
            ("RK704", 21, 62),  # region = 5 (a number in a string column)
            ("RK705", 22, 9),  # a row without account_id
            ("RK706", 23, 10),  # expect a2: no such account
            ("RK708", 24, 21),  # passes uss
            ("RK708", 24, 42),  # disqualified by us: `us` is an eligible clause
            ("RK704", 24, 50),  # n = $3: n is a count
            ("RK701", 26, 9),  # a second example named broken
            ("RK704", 28, 32),  # total = £1 in a USD program
        ]
    )
    messages = {d.message for d in check_examples(parsed.program)}
    assert "`us` is an `eligible` clause, not a `disqualify` clause" in messages


def test_order_and_reward_checks() -> None:
    program = _shop()
    source = program.source + (
        "\nexample extra:\n"
        '  given sellers: seller_id = "s1", region = "US", flagged = false\n'
        '  given orders: order_id = "o1", seller_id = "s1", amount = $1, shipping = $1, refunded = false\n'
        "  expect order o1: rank 1, subsidy best = $1, commission intro = 5 hours\n"
        "  expect order o2: subsidy ship = $1\n"
        "  expect s1: commission intro = 0%, rebate best = $1\n"
    )
    codes = [d.code for d in check_examples(parse(source, "x.rules").program)]
    # rank on an order (RK711); `best` is a prize (RK709); 5 hours is no rate (RK704);
    # o2 has no row (RK707); a commission per participant (RK711); `best` is not a rebate (RK709).
    assert codes == ["RK711", "RK709", "RK704", "RK707", "RK711", "RK709"]


# ------------------------------------------------------------------------ comparisons


def _items(text: str) -> tuple[ir.Expectation, ...]:
    program = _program(HEADER + f"\nexample e:\n  expect a1: {text}\n")
    return program.examples[0].expects[0].items


def _result(**values: Any) -> ParticipantResult:
    base: dict[str, Any] = {"id": "a1", "eligible": True, "qualified": True, "disqualified": False}
    return ParticipantResult(**(base | values))


def test_diffs_show_both_sides_in_the_unit_written() -> None:
    result = _result(
        rank=2,
        metrics={"uv": 3, "rate": Decimal("0.666667"), "gmv": None},
        members={"h1": {"live": Decimal(52200)}},  # 14.5 hours = 52,200 seconds
        rewards=[
            RewardAmount(name="cash", kind="prize", amount=Decimal("2500.00"), before_limits=Decimal(2500), reason="")
        ],
        total_payout=Decimal("2500.00"),
    )
    items = _items(
        "rank 1, prize cash = $4,000, uv = 3, rate = 60%, gmv = null, host h1 live = 14 hours, total = $2,500"
    )
    diffs = [compare_participant("a1", i, result) for i in items]
    assert [d.diff() for d in diffs if not d.passed] == [
        "a1 rank: expected 1, got 2",
        "a1 prize cash: expected $4,000.00, got $2,500.00",
        "a1 rate: expected 60%, got 66.6667%",
        "a1 host h1 live: expected 14 hours, got 14.5 hours",
    ]
    # uv = 3, gmv = null and total = $2,500 (vs 2500.00) pass.
    assert sum(d.passed for d in diffs) == 3


def test_clause_items_use_outcomes() -> None:
    clauses = [
        ClauseOutcome(name="gate1", kind="gate", holds=False, reason=""),
        ClauseOutcome(name="w", kind="warn", holds=True, reason=""),
        ClauseOutcome(name="d", kind="disqualify", holds=True, judged=False, reason=""),
    ]
    result = _result(clauses=clauses, qualified=False)
    items = _items("fails gate1, warned w, not warned, passes d, not judged d, disqualified by d, qualified")
    got = {d.diff(): d.passed for d in (compare_participant("a1", i, result) for i in items)}
    # gate1 does not hold: fails. w holds and is judged: warned. d holds but its guard is
    # not met: not judged, so the participant passes it and is not disqualified by it.
    assert got == {
        "a1: expected fails gate1, got fails gate1": True,
        "a1: expected warned w, got warned w": True,
        "a1: expected not warned, got warned w": False,
        "a1: expected passes d, got passes d": True,
        "a1: expected not judged d, got not judged d": True,
        "a1: expected disqualified by d, got not disqualified by d": False,
        "a1: expected qualified, got not qualified": False,
    }


def test_order_effects_compare_rate_and_amount() -> None:
    effects = [
        OrderEffect(name="intro", kind="commission", order_id="o1", applies=False, rate=Decimal("0.05"),
                    amount=Decimal("7.50"), reason=""),
        OrderEffect(name="ship", kind="subsidy", order_id="o1", applies=False, amount=Decimal(0), reason=""),
    ]  # fmt: skip
    program = _shop()
    source = program.source.split("# Hand-computed")[0] + (
        '\nexample e:\n  given orders: order_id = "o1"\n'
        "  expect order o1: commission intro = 0%, commission intro = $7.50, subsidy ship = $5, subsidy nope = $1\n"
    )
    items = parse(source, "x.rules").program.examples[0].expects[0].items
    diffs = [compare_order("order o1", i, effects).diff() for i in items]
    assert diffs == [
        "order o1 commission intro: expected 0%, got 5%",
        "order o1 commission intro: expected $7.50, got $7.50",
        "order o1 subsidy ship: expected $5.00, got $0.00",
        "order o1 subsidy nope: expected $1.00, got no such effect on this order",
    ]


# -------------------------------------------------------------------------- coverage


def _clause(name: str, kind: str, holds: bool, judged: bool = True) -> ClauseOutcome:
    return ClauseOutcome(name=name, kind=kind, holds=holds, judged=judged, reason="")  # type: ignore[arg-type]


def _reward(name: str, kind: str, amount: Decimal) -> RewardAmount:
    return RewardAmount(name=name, kind=kind, amount=amount, before_limits=amount, reason="")  # type: ignore[arg-type]


def test_coverage_on_a_hand_built_case() -> None:
    program = _shop()  # clauses: us_seller, some_sales, many_refunds (guarded), fraud
    settlement = Settlement(
        program="shop",
        currency="USD",
        timezone="UTC",
        participants=[
            _result(
                id="p1",
                clauses=[_clause("us_seller", "eligible", True), _clause("some_sales", "gate", True),
                         _clause("many_refunds", "warn", True), _clause("fraud", "disqualify", False, judged=False)],
                rewards=[_reward("best", "prize", Decimal(50)), _reward("cashback", "rebate", Decimal(0))],
            ),
            _result(id="p2", clauses=[_clause("us_seller", "eligible", False), _clause("many_refunds", "warn", False)]),
        ],
    )  # fmt: skip
    seen = Observations()
    seen.see_settlement(settlement)
    effects = [OrderEffect(name="ship", kind="subsidy", order_id="o1", applies=True, amount=Decimal(3), reason=""),
               OrderEffect(name="intro", kind="commission", order_id="o1", applies=False, rate=Decimal("0.05"),
                           amount=Decimal(1), reason="")]  # fmt: skip
    seen.see_decision(Decision(program="shop", participant_id="p1", eligible=True, qualified=True, effects=effects))
    seen.expected = {"best", "cashback", "intro"}
    cover = coverage(program, seen)
    # By hand: us_seller held (p1) and did not (p2): covered. some_sales only held.
    # many_refunds held and did not, but its guard was never unmet. fraud was only
    # "not judged": it never held nor failed while judged.
    # Rewards: best paid $50 and expected: covered. cashback paid $0. intro never applied
    # (standard rate only). ship paid $3 but no example expects it.
    assert [g.message for g in cover.gaps] == [
        "clause `some_sales` never decided an outcome: no example where it did not hold",
        "clause `many_refunds` never decided an outcome: no example where its `when` guard was not met",
        "clause `fraud` never decided an outcome: no example where it held; no example where it did not hold",
        "rebate `cashback` is not covered: no example pays it a non-zero amount",
        "commission `intro` is not covered: no example applies it to an order",
        "subsidy `ship` is not covered: no example expects it",
    ]
    assert (cover.clauses, cover.clauses_covered, cover.rewards, cover.rewards_covered) == (4, 1, 4, 1)
    assert not cover.full


# ---------------------------------------------------------------------- running files


def test_fixture_pass_and_fail_with_pinned_diffs() -> None:
    report = run_file(SHOP)
    assert not [d for d in report.diagnostics if d.is_error]
    assert [(r.name, r.passed) for r in report.results] == [("two_sellers", True), ("wrong_expectations", False)]
    # From the fixture's hand computation: s1 ranks 2nd ($20), s2 is warned with a
    # 2/3 refund rate, and o1 ($150, not below $100) pays the standard 5%.
    assert [o.diff() for o in report.results[1].failures] == [
        "s1 rank: expected 1, got 2",
        "s1 prize best: expected $50.00, got $20.00",
        "s2: expected not warned, got warned many_refunds",
        "s2 refund_rate: expected 50%, got 66.6667%",
        "order o1 commission intro: expected 0%, got 5%",
    ]
    assert report.coverage is not None
    # No example has a flagged seller, so `fraud` never held; everything else is covered.
    assert [g.message for g in report.coverage.gaps] == [
        "clause `fraud` never decided an outcome: no example where it held"
    ]
    assert not report.ok(coverage_gate=True)


class _BrokenEngine:
    def settle(self, program: ir.Program, tables: Mapping[str, pa.Table]) -> Settlement:
        raise RuntimeError("boom\nsecond line")

    def decide(self, program: ir.Program, facts: Mapping[str, Any]) -> Decision:
        raise AssertionError("not reached")


class _DirtyEngine:
    def settle(self, program: ir.Program, tables: Mapping[str, pa.Table]) -> Settlement:
        from rulekit.results import DataIssue

        issue = DataIssue(table="orders", column="amount", problem="null in a required column", rows=2)
        return Settlement(program="shop", currency="USD", timezone="UTC", participants=[], data_quality=[issue])

    def decide(self, program: ir.Program, facts: Mapping[str, Any]) -> Decision:
        return Decision(program="shop", participant_id=None, eligible=True, qualified=True)


def test_an_engine_failure_is_the_examples_error_not_a_crash() -> None:
    results, _ = run_examples(_shop(), _BrokenEngine())
    assert [(r.passed, r.error) for r in results] == [(False, "RuntimeError: boom")] * 2


def test_data_issues_fail_the_example() -> None:
    results, _ = run_examples(_shop(), _DirtyEngine())
    first = results[0].failures[0].diff()
    assert first == "data orders.amount: expected usable rows, got null in a required column (2 rows)"


# ------------------------------------------------------------------------------- CLI


def test_cli_campaign_files_pass_with_full_coverage() -> None:
    files = [str(ROOT / "campaigns" / "apollo.rules"), str(ROOT / "campaigns" / "uk_shop.rules")]
    result = runner.invoke(app, ["test", *files])
    assert result.exit_code == 0, result.output
    assert "FAIL" not in result.output and "ERROR" not in result.output
    assert "full coverage in 2 of 2 files" in result.output


def test_cli_failures_and_the_coverage_gate(tmp_path: Path) -> None:
    result = runner.invoke(app, ["test", SHOP])
    assert result.exit_code == 1
    assert "  FAIL  wrong_expectations" in result.output
    assert "        s1 prize best: expected $50.00, got $20.00" in result.output
    # Only the passing example: all pass, but `fraud` is uncovered.
    text = Path(SHOP).read_text(encoding="utf-8").split("example wrong_expectations")[0]
    only_pass = tmp_path / "pass.rules"
    only_pass.write_text(text, encoding="utf-8")
    gated = runner.invoke(app, ["test", str(only_pass)])
    assert gated.exit_code == 1 and "clause `fraud` never decided an outcome" in gated.output
    assert runner.invoke(app, ["test", "--no-coverage-gate", str(only_pass)]).exit_code == 0


def test_cli_json_and_invalid_files(tmp_path: Path) -> None:
    result = runner.invoke(app, ["test", "--format", "json", SHOP])
    data = json.loads(result.output)
    (entry,) = data["files"]
    assert data["ok"] is False and entry["coverage"]["clauses_covered"] == 3
    assert [e["passed"] for e in entry["examples"]] == [True, False]
    assert entry["examples"][1]["failures"][0]["text"] == "s1 rank: expected 1, got 2"
    invalid = runner.invoke(app, ["test", str(FIXTURES / "invalid.rules")])
    assert invalid.exit_code == 1 and "error[RK702]: unknown table `acounts`" in invalid.output
    missing = runner.invoke(app, ["test", str(tmp_path / "nope.rules")])
    assert missing.exit_code == 1 and "RK003" in missing.output


# ----------------------------------------------------------- tables, repeats, local times

ORDERS_HEADER = """program shop:
  market: GB
  currency: GBP
  timezone: "Europe/London"
  calendar: GB

table merchants:
  merchant_id: string
  key: merchant_id

table orders:
  order_id: string
  merchant_id: string
  created_at: timestamp
  item_total: money
  refunded: bool
  key: order_id
  time: created_at

participant merchant: merchants

window june: from 2022-06-01 to 2022-06-30 inclusive

metric order_count = count orders during june
  label: "orders"

metric refunds = count orders during june where refunded
  label: "refunded orders"

eligible busy: order_count >= 10
"""


def _rows(program: ir.Program, table: str) -> list[dict[str, Any]]:
    [example] = program.examples
    return list(arrow_tables(program, example)[table].to_pylist())


def test_repeated_rows_number_their_keys_and_apply_groups_in_turn() -> None:
    program = _program(
        ORDERS_HEADER
        + """
example repeated:
  given merchants: merchant_id = "m1"
  given 5 orders like (order_id = "o#", merchant_id = "m1", created_at = 2022-06-10 12:00,
      item_total = £20, refunded = false), 2 of them (refunded = true), 1 of them (item_total = £5)
  expect m1: refunds = 2
"""
    )
    rows = _rows(program, "orders")
    assert [r["order_id"] for r in rows] == ["o1", "o2", "o3", "o4", "o5"]
    assert [r["refunded"] for r in rows] == [True, True, False, False, False]
    assert [r["item_total"] for r in rows] == [Decimal(20), Decimal(20), Decimal(5), Decimal(20), Decimal(20)]


def test_a_table_block_is_the_same_as_one_given_line_per_row() -> None:
    as_lines = _program(
        ORDERS_HEADER
        + """
example e:
  given orders: order_id = "o1", merchant_id = "m1", created_at = 2022-06-01 00:30, item_total = £20, refunded = false
  given orders: order_id = "o2", merchant_id = "m1", created_at = null, item_total = £2,000, refunded = true
"""
    )
    as_table = _program(
        ORDERS_HEADER
        + """
example e:
  given orders:
    | order_id | merchant_id | created_at       | item_total | refunded |
    | "o1"     | "m1"        | 2022-06-01 00:30 | £20        | false    |
    | "o2"     | "m1"        | null             | £2000      | true     |
"""
    )
    assert as_table.examples == as_lines.examples


def test_local_times_are_read_in_the_programs_zone() -> None:
    source = (
        ORDERS_HEADER
        + """
example e:
  times: local
  given merchants: merchant_id = "m1"
  given orders: order_id = "o1", merchant_id = "m1", created_at = 2022-06-30 23:30, item_total = £1, refunded = false
  given orders: order_id = "o2", merchant_id = "m1", created_at = 2022-03-27 01:30, item_total = £1, refunded = false
  expect m1: order_count = 1
"""
    )
    program = _program(source)
    rows = _rows(program, "orders")
    # 23:30 BST (UTC+1) on 30 June is 22:30 UTC; 01:30 on 27 March 2022 does not exist in
    # London (clocks jump 01:00 GMT -> 02:00 BST) and is read with the offset before the
    # change, GMT: 01:30 UTC.
    assert [r["created_at"] for r in rows] == [dt.datetime(2022, 6, 30, 22, 30), dt.datetime(2022, 3, 27, 1, 30)]
    (result,), _ = run_examples(program)
    assert result.passed, result
    # Read as UTC instead, 23:30 UTC is 00:30 BST on 1 July: outside June, so the count differs.
    utc_program = _program(source.replace("  times: local\n", ""))
    (utc_result,), _ = run_examples(utc_program)
    assert not utc_result.passed


def test_table_and_repeat_mistakes_are_diagnostics() -> None:
    bad_table = parse(
        ORDERS_HEADER
        + """
example e:
  given orders:
    | order_id | merchant_id |
    | "o1"     |
""",
        "t.rules",
    )
    too_many = parse(
        ORDERS_HEADER + '\nexample e:\n  given 2 orders like (order_id = "o#"), 3 of them (refunded = true)\n',
        "t.rules",
    )
    bad_times = parse(ORDERS_HEADER + "\nexample e:\n  times: Paris\n", "t.rules")
    assert [d.code for d in bad_table.diagnostics] == ["RK713"]
    assert [d.code for d in too_many.diagnostics] == ["RK714"]
    assert [d.code for d in bad_times.diagnostics] == ["RK715"]
    assert "2 orders" in too_many.diagnostics[0].message and "3 rows" in too_many.diagnostics[0].message


def test_an_error_in_an_example_never_blocks_running_the_program(tmp_path: Path) -> None:
    broken = tmp_path / "uk.rules"
    # `expect m1 eligible` (no colon) is a syntax error inside an example block only.
    source = (ROOT / "campaigns" / "uk_shop.rules").read_text(encoding="utf-8")
    assert source.count("  expect m1: ") >= 1
    broken.write_text(source.replace("  expect m1: ", "  expect m1 ", 1), encoding="utf-8")
    checked = runner.invoke(app, ["check", str(broken)])
    assert checked.exit_code == 1 and "RK001" in checked.output
    ran = runner.invoke(app, ["run", str(broken), "--data", str(ROOT / "examples" / "uk_shop")])
    assert ran.exit_code == 0, ran.output
    assert "1 error in `example` blocks" in ran.output
    reference = runner.invoke(
        app, ["run", str(ROOT / "campaigns" / "uk_shop.rules"), "--data", str(ROOT / "examples" / "uk_shop")]
    )
    assert ran.output.splitlines()[1:] == reference.output.splitlines()
    # The same file with an error in the program itself (outside any example) is refused.
    broken.write_text(source.replace("eligible uk_merchant:", "eligible uk_merchant", 1), encoding="utf-8")
    refused = runner.invoke(app, ["run", str(broken), "--data", str(ROOT / "examples" / "uk_shop")])
    assert refused.exit_code == 1
