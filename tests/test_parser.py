"""The parser: every construct into exactly the IR expected, spans, and syntax diagnostics.

Expected IR is built by hand with the IR constructors; spans are excluded from equality,
so whole nodes are compared.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from rulekit import ir
from rulekit.diagnostics import render
from rulekit.parser import parse, parse_file, tree_free

ROOT = Path(__file__).resolve().parent.parent
CAMPAIGNS = sorted((ROOT / "campaigns").glob("*.rules"))


def program(source: str) -> ir.Program:
    result = parse(source, "t.rules")
    assert result.diagnostics == (), [render(d, source) for d in result.diagnostics]
    return result.program


def condition(text: str) -> ir.Expr:
    return program(f"eligible e: {text}\n").clauses[0].condition


def usd(amount: str) -> ir.Money:
    return ir.Money(Decimal(amount), "USD")


def name(n: str) -> ir.NameRef:
    return ir.NameRef(n)


def messages(source: str) -> list[str]:
    """Each diagnostic as `line:col code message | help`."""
    return [
        f"{d.span.line}:{d.span.column} {d.code} {d.message} | {d.help}" for d in parse(source, "t.rules").diagnostics
    ]


# ------------------------------------------------------------------- header, tables


def test_program_header_with_every_line() -> None:
    source = """program apollo:
  title: "Apollo US"
  market: US
  currency: USD
  timezone: "America/New_York"
  calendar: US
  rounding: half even
  label: "Apollo"
  description: "A program."
  note: "first"
  note: "second"
"""
    expected = ir.Header(
        "apollo",
        "Apollo US",
        "US",
        "USD",
        "America/New_York",
        "US",
        "half even",
        ir.Text("Apollo", "A program.", ("first", "second")),
    )
    assert program(source).header == expected


def test_program_header_without_a_block() -> None:
    assert program("program p:\n").header == ir.Header("p", None, None, None, None, None, None)


def test_table_with_columns_key_time_and_period() -> None:
    source = """table live_sessions:
  account_id: string
  host_id: string
  start_ts: timestamp
  end_ts: timestamp
  key: account_id, host_id
  period: start_ts to end_ts
  note: "one row per session"

table views:
  ts: timestamp
  time: ts
"""
    sessions, views = program(source).tables
    assert sessions == ir.Table(
        "live_sessions",
        (
            ir.Column("account_id", "string"),
            ir.Column("host_id", "string"),
            ir.Column("start_ts", "timestamp"),
            ir.Column("end_ts", "timestamp"),
        ),
        key=("account_id", "host_id"),
        time=None,
        period=("start_ts", "end_ts"),
        text=ir.Text(notes=("one row per session",)),
    )
    assert views == ir.Table("views", (ir.Column("ts", "timestamp"),), time="ts")
    assert sessions.column("end_ts") == ir.Column("end_ts", "timestamp")
    assert sessions.column("missing") is None


@pytest.mark.parametrize(("type_name", "expected"), [("money", ir.ColumnType.MONEY), ("bool", ir.ColumnType.BOOL)])
def test_column_types_are_kept_as_written_and_resolved(type_name: str, expected: ir.ColumnType) -> None:
    column = program(f"table t:\n  c: {type_name}\n").tables[0].columns[0]
    assert column.type is expected
    assert program("table t:\n  c: moneys\n").tables[0].columns[0].type is None


def test_participant_and_member() -> None:
    p = program('participant account: accounts\nmember host: hosts\n  note: "the streamers"\n')
    assert p.participant == ir.Entity("account", "accounts")
    assert p.member == ir.Entity("host", "hosts", ir.Text(notes=("the streamers",)))


# ------------------------------------------------------------------------- windows


def test_absolute_window_date_only_inclusive() -> None:
    window = program("window activity: from 2022-02-14 to 2022-02-27 inclusive\n").windows[0]
    assert window == ir.AbsoluteWindow(
        "activity",
        ir.LocalDateTime(dt.date(2022, 2, 14), None),
        ir.LocalDateTime(dt.date(2022, 2, 27), None),
        True,
    )
    # An inclusive date-only end covers the whole day: the exclusive end is the next midnight.
    assert window.local_bounds() == (dt.datetime(2022, 2, 14), dt.datetime(2022, 2, 28))


def test_absolute_window_date_only_exclusive() -> None:
    window = program("window w: from 2022-02-14 to 2022-02-27 exclusive\n").windows[0]
    assert isinstance(window, ir.AbsoluteWindow)
    assert window.end_inclusive is False
    assert window.local_bounds() == (dt.datetime(2022, 2, 14), dt.datetime(2022, 2, 27))


def test_absolute_window_with_times() -> None:
    window = program("window w: from 2022-02-14 09:30 to 2022-02-27 18:00:15 inclusive\n").windows[0]
    assert window == ir.AbsoluteWindow(
        "w",
        ir.LocalDateTime(dt.date(2022, 2, 14), dt.time(9, 30)),
        ir.LocalDateTime(dt.date(2022, 2, 27), dt.time(18, 0, 15)),
        True,
    )
    # An inclusive end time covers that second.
    assert window.local_bounds()[1] == dt.datetime(2022, 2, 27, 18, 0, 16)


def test_relative_windows_with_and_without_first() -> None:
    first, plain = program(
        'window free: first 90 days from joined_at\n  note: "n"\nwindow trial: 2 weeks from joined_at\n'
    ).windows
    assert first == ir.RelativeWindow(
        "free", ir.Duration(Decimal(90), ir.TimeUnit.DAYS), "joined_at", ir.Text(notes=("n",))
    )
    assert plain == ir.RelativeWindow("trial", ir.Duration(Decimal(2), ir.TimeUnit.WEEKS), "joined_at")


def test_an_impossible_date_is_a_value_diagnostic() -> None:
    assert messages("window w: from 2022-02-30 to 2022-03-01 inclusive\n") == [
        "1:16 RK002 `2022-02-30` is not a real date | write dates as YYYY-MM-DD, like 2022-02-14"
    ]


# ------------------------------------------------------------------------- metrics


def metric(definition: str) -> ir.Aggregate | ir.Ratio:
    return program(f"metric m = {definition}\n").metrics[0].definition


def test_count() -> None:
    assert metric("count orders") == ir.Aggregate(ir.AggregateFunc.COUNT, "orders", None, ir.Filters())


def test_count_distinct_during() -> None:
    assert metric("count distinct viewer_id in product_views during activity") == ir.Aggregate(
        ir.AggregateFunc.COUNT_DISTINCT, "product_views", "viewer_id", ir.Filters(window="activity")
    )


def test_sum_with_during_where_and_per() -> None:
    assert metric("sum gmv in orders during activity where not refunded per host") == ir.Aggregate(
        ir.AggregateFunc.SUM, "orders", "gmv", ir.Filters("activity", ir.Not(name("refunded")), "host")
    )


@pytest.mark.parametrize(
    ("word", "func"),
    [("min", ir.AggregateFunc.MIN), ("max", ir.AggregateFunc.MAX), ("average", ir.AggregateFunc.AVERAGE)],
)
def test_min_max_average_with_where_only(word: str, func: ir.AggregateFunc) -> None:
    where = ir.Compare(ir.CompareOp.GT, name("gmv"), usd("0"))
    assert metric(f"{word} gmv in orders where gmv > $0") == ir.Aggregate(
        func, "orders", "gmv", ir.Filters(where=where)
    )


def test_total_time_per_member() -> None:
    where = ir.Compare(ir.CompareOp.GT, name("products_shown"), ir.Number(Decimal(0)))
    assert metric("total time in live_sessions during activity where products_shown > 0 per host") == ir.Aggregate(
        ir.AggregateFunc.TOTAL_TIME, "live_sessions", None, ir.Filters("activity", where, "host")
    )


def test_count_per_only() -> None:
    assert metric("count sessions per host") == ir.Aggregate(
        ir.AggregateFunc.COUNT, "sessions", None, ir.Filters(per="host")
    )


def test_ratio() -> None:
    assert metric("refunded_orders / order_count") == ir.Ratio("refunded_orders", "order_count")


def test_metric_text_lines() -> None:
    m = program('metric uv = count views\n  label: "viewers"\n  description: "distinct viewers"\n  note: "n"\n')
    assert m.metrics[0] == ir.Metric(
        "uv",
        ir.Aggregate(ir.AggregateFunc.COUNT, "views", None),
        ir.Text("viewers", "distinct viewers", ("n",)),
    )


# ------------------------------------------------------------------------- clauses


@pytest.mark.parametrize("kind", list(ir.ClauseKind))
def test_every_clause_kind(kind: ir.ClauseKind) -> None:
    clause = program(f'{kind.value} c: flag\n  label: "L"\n  note: "N"\n').clauses[0]
    assert clause == ir.Clause(kind, "c", name("flag"), None, ir.Text(label="L", notes=("N",)))


def test_clause_with_a_when_guard() -> None:
    clause = program("disqualify high_refund_rate: refund_rate > 30% when order_count >= 20\n").clauses[0]
    assert clause == ir.Clause(
        ir.ClauseKind.DISQUALIFY,
        "high_refund_rate",
        ir.Compare(ir.CompareOp.GT, name("refund_rate"), ir.Percent(Decimal(30))),
        ir.Compare(ir.CompareOp.GE, name("order_count"), ir.Number(Decimal(20))),
    )


def test_clauses_keep_source_order_and_can_be_selected_by_kind() -> None:
    p = program("gate b: x\neligible a: y\ngate c: z\n")
    assert [c.name for c in p.clauses] == ["b", "a", "c"]
    assert [c.name for c in p.clauses_of(ir.ClauseKind.GATE)] == ["b", "c"]


# --------------------------------------------------------------------- expressions


def test_or_binds_looser_than_and_which_binds_looser_than_not() -> None:
    assert condition("a or b and not c") == ir.BoolOp(
        ir.BoolOperator.OR, (name("a"), ir.BoolOp(ir.BoolOperator.AND, (name("b"), ir.Not(name("c")))))
    )
    assert condition("not a and b") == ir.BoolOp(ir.BoolOperator.AND, (ir.Not(name("a")), name("b")))


def test_chains_are_flat_and_parentheses_group() -> None:
    assert condition("a and b and c") == ir.BoolOp(ir.BoolOperator.AND, (name("a"), name("b"), name("c")))
    assert condition("(a or b) and c") == ir.BoolOp(
        ir.BoolOperator.AND, (ir.BoolOp(ir.BoolOperator.OR, (name("a"), name("b"))), name("c"))
    )
    assert condition("not not a") == ir.Not(ir.Not(name("a")))


@pytest.mark.parametrize("op", list(ir.CompareOp))
def test_every_comparison_operator(op: ir.CompareOp) -> None:
    assert condition(f"x {op.value} 3") == ir.Compare(op, name("x"), ir.Number(Decimal(3)))


@pytest.mark.parametrize(
    ("text", "literal"),
    [
        ("$10,000", ir.Money(Decimal(10000), "USD")),
        ("$10000", ir.Money(Decimal(10000), "USD")),
        ("$1,234,567.25", ir.Money(Decimal("1234567.25"), "USD")),
        ("£3.50", ir.Money(Decimal("3.50"), "GBP")),
        ("€5", ir.Money(Decimal(5), "EUR")),
        ("30%", ir.Percent(Decimal(30))),
        ("12.5%", ir.Percent(Decimal("12.5"))),
        ("1 second", ir.Duration(Decimal(1), ir.TimeUnit.SECONDS)),
        ("90 minutes", ir.Duration(Decimal(90), ir.TimeUnit.MINUTES)),
        ("14 hours", ir.Duration(Decimal(14), ir.TimeUnit.HOURS)),
        ("1.5 hour", ir.Duration(Decimal("1.5"), ir.TimeUnit.HOURS)),
        ("2 days", ir.Duration(Decimal(2), ir.TimeUnit.DAYS)),
        ("1 week", ir.Duration(Decimal(1), ir.TimeUnit.WEEKS)),
        ("20", ir.Number(Decimal(20))),
        ("0.25", ir.Number(Decimal("0.25"))),
        ('"US"', ir.String("US")),
        (r'"say \"hi\" \\ there"', ir.String('say "hi" \\ there')),
        (r'"C:\temp"', ir.String("C:\\temp")),  # an unknown escape keeps its backslash
        ("2022-02-14", ir.DateValue(dt.date(2022, 2, 14))),
        ("true", ir.Bool(True)),
        ("false", ir.Bool(False)),
    ],
)
def test_comparison_with_each_literal_kind(text: str, literal: ir.Literal) -> None:
    assert condition(f"x = {text}") == ir.Compare(ir.CompareOp.EQ, name("x"), literal)


def test_duration_total_seconds() -> None:
    # 14 hours = 14 * 3600 s = 50,400 s; 1.5 hours = 5,400 s.
    assert ir.Duration(Decimal(14), ir.TimeUnit.HOURS).total_seconds == Decimal(50400)
    duration = condition("x > 1.5 hours")
    assert isinstance(duration, ir.Compare) and isinstance(duration.right, ir.Duration)
    assert duration.right.total_seconds == Decimal(5400)


def test_qualified_reference() -> None:
    assert condition('accounts.region = "US"') == ir.Compare(
        ir.CompareOp.EQ, ir.QualifiedRef("accounts", "region"), ir.String("US")
    )


def test_in_and_not_in_lists() -> None:
    assert condition('region in ("US", "GB")') == ir.InList(name("region"), (ir.String("US"), ir.String("GB")))
    assert condition("tier not in (1, 2)") == ir.InList(
        name("tier"), (ir.Number(Decimal(1)), ir.Number(Decimal(2))), True
    )


@pytest.mark.parametrize("word", ["every", "any", "no"])
def test_quantifiers(word: str) -> None:
    body = ir.Compare(ir.CompareOp.GT, name("effective_live_time"), ir.Duration(Decimal(14), ir.TimeUnit.HOURS))
    assert condition(f"{word} host has effective_live_time > 14 hours") == ir.Quantified(
        ir.Quantifier(word), "host", body
    )


def test_at_least_n_quantifier_with_have_and_has() -> None:
    body = ir.Compare(ir.CompareOp.GE, name("sessions"), ir.Number(Decimal(3)))
    assert condition("at least 2 hosts have sessions >= 3") == ir.Quantified(ir.Quantifier.AT_LEAST, "hosts", body, 2)
    assert condition("at least 1 host has sessions >= 3") == ir.Quantified(ir.Quantifier.AT_LEAST, "host", body, 1)


def test_a_quantifier_body_stops_at_and() -> None:
    # `every host has a and b` is `(every host has a) and b`; parenthesise to quantify both.
    assert condition("every host has a and b") == ir.BoolOp(
        ir.BoolOperator.AND, (ir.Quantified(ir.Quantifier.EVERY, "host", name("a")), name("b"))
    )
    assert condition("every host has (a and b)") == ir.Quantified(
        ir.Quantifier.EVERY, "host", ir.BoolOp(ir.BoolOperator.AND, (name("a"), name("b")))
    )
    assert condition("not any host has a") == ir.Not(ir.Quantified(ir.Quantifier.ANY, "host", name("a")))


# ------------------------------------------------------------------ ranking, prizes


def test_ranking_with_then_by_top_and_shared_ranks() -> None:
    source = """ranking leaderboard: by product_uv descending
  then by net_gmv descending
  then by account_id ascending
  top 5
  shared ranks: split
"""
    assert program(source).rankings[0] == ir.Ranking(
        "leaderboard",
        (
            ir.RankKey("product_uv", ir.Direction.DESCENDING),
            ir.RankKey("net_gmv", ir.Direction.DESCENDING),
            ir.RankKey("account_id", ir.Direction.ASCENDING),
        ),
        top=5,
        shared_ranks="split",
    )


def test_prize_tiers_with_ranges_pool_cap_and_overflow() -> None:
    source = """prize cash: ranking leaderboard
  rank 1: $4,000
  rank 2 to 3: $1,500 each
  rank 4 to 5: $1,000
  pool cap: $10,000
  overflow: scale down
"""
    assert program(source).rewards[0] == ir.Prize(
        "cash",
        "leaderboard",
        (
            ir.PrizeTier(1, 1, usd("4000")),
            ir.PrizeTier(2, 3, usd("1500")),
            ir.PrizeTier(4, 5, usd("1000")),
        ),
        ir.Limits(pool=usd("10000"), overflow="scale down"),
    )


# ------------------------------------------------------------------------- rewards


def test_flat_rebate_with_cap_per_participant_budget_and_overflow() -> None:
    source = "rebate g: 2% of net_gmv\n  cap: $2,000 per account\n  budget: $50,000\n  overflow: scale down\n"
    assert program(source).rewards[0] == ir.Rebate(
        "g",
        "net_gmv",
        ir.Percent(Decimal(2)),
        limits=ir.Limits(
            per_participant=usd("2000"), per_participant_noun="account", pool=usd("50000"), overflow="scale down"
        ),
    )


@pytest.mark.parametrize("mode", list(ir.BracketMode))
def test_bracket_rebates(mode: ir.BracketMode) -> None:
    source = f"rebate b: {mode.value} brackets of net_gmv\n  from $0: 1%\n  from $10,000: 2.5%\n  cap: $500\n"
    assert program(source).rewards[0] == ir.Rebate(
        "b",
        "net_gmv",
        None,
        (ir.Bracket(usd("0"), ir.Percent(Decimal(1))), ir.Bracket(usd("10000"), ir.Percent(Decimal("2.5")))),
        mode,
        ir.Limits(per_participant=usd("500")),
    )


def test_commission() -> None:
    source = "commission waiver: 0% of item_total in orders during free_period\n  standard rate: 5%\n"
    assert program(source).rewards[0] == ir.Commission(
        "waiver",
        ir.Percent(Decimal(0)),
        "item_total",
        "orders",
        ir.Filters(window="free_period"),
        ir.Percent(Decimal(5)),
    )


def test_full_subsidy_with_every_limit() -> None:
    source = """subsidy ship: full shipping_fee in orders during offer where not refunded
  cap per order: £4.99
  max orders: 500 per merchant
  budget: £250,000
  overflow: first come
"""
    gbp = lambda amount: ir.Money(Decimal(amount), "GBP")  # noqa: E731
    assert program(source).rewards[0] == ir.Subsidy(
        "ship",
        ir.SubsidyKind.FULL,
        None,
        "shipping_fee",
        "orders",
        ir.Filters("offer", ir.Not(name("refunded"))),
        ir.Limits(
            pool=gbp("250000"), overflow="first come", per_order=gbp("4.99"), max_orders=500, max_orders_noun="merchant"
        ),
    )


@pytest.mark.parametrize(
    ("amount", "kind", "value"),
    [("50%", ir.SubsidyKind.PERCENT, ir.Percent(Decimal(50))), ("$2", ir.SubsidyKind.FIXED, usd("2"))],
)
def test_percent_and_fixed_subsidies(amount: str, kind: ir.SubsidyKind, value: ir.Money | ir.Percent) -> None:
    subsidy = program(f"subsidy s: {amount} of shipping_fee in orders\n").rewards[0]
    assert subsidy == ir.Subsidy("s", kind, value, "shipping_fee", "orders", ir.Filters())


def test_bonus_per_unit_with_a_cap() -> None:
    source = "bonus b: $0.50 per unit of order_count\n  cap: $100 per account\n"
    assert program(source).rewards[0] == ir.Bonus(
        "b", usd("0.50"), "order_count", ir.Limits(per_participant=usd("100"), per_participant_noun="account")
    )


@pytest.mark.parametrize("mode", ["highest", "cumulative"])
def test_milestones(mode: str) -> None:
    source = f"milestone ladder: net_gmv, {mode}\n  bronze at $1,000: $10\n  gold at 10: $200\n  budget: $900\n"
    assert program(source).rewards[0] == ir.Milestone(
        "ladder",
        "net_gmv",
        mode,
        (
            ir.MilestoneTier("bronze", usd("1000"), usd("10")),
            ir.MilestoneTier("gold", ir.Number(Decimal(10)), usd("200")),
        ),
        ir.Limits(pool=usd("900")),
    )


def test_rewards_keep_source_order() -> None:
    p = program("bonus z: $1 per unit of m\nrebate a: 1% of m\n")
    assert [r.name for r in p.rewards] == ["z", "a"]


# -------------------------------------------------------------------------- payout


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        ("20 business days after activity", ir.Due(20, True, "activity")),
        ("1 business day after activity", ir.Due(1, True, "activity")),
        ("30 days after activity", ir.Due(30, False, "activity")),
    ],
)
def test_payout_channel_and_due(due: str, expected: ir.Due) -> None:
    p = program(f"payout:\n  channel: bank transfer\n  due: {due}\n")
    assert p.payout == ir.Payout("bank transfer", expected)


def test_payout_due_in_hours_is_rejected() -> None:
    assert messages("payout:\n  due: 3 hours after activity\n") == [
        "2:8 RK002 a payout is due a whole number of days after a window | "
        "write `due: 20 business days after activity` or `due: 30 days after activity`"
    ]


# --------------------------------------------------------------------------- spans


def _position(source: str, line_text: str, needle: str) -> tuple[int, int]:
    """1-based line and column of `needle` inside the line that starts with `line_text`."""
    lines = source.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith(line_text))
    return index + 1, lines[index].index(needle) + 1


def test_spans_point_at_the_written_text() -> None:
    path = str(ROOT / "campaigns" / "apollo.rules")
    result, source = parse_file(path)
    p = result.program
    assert p.header is not None
    assert (p.header.span.line, p.header.span.column) == _position(source, "program apollo", "apollo")
    uv = p.metric("product_uv")
    assert uv is not None and (uv.span.line, uv.span.column) == _position(source, "metric product_uv", "product_uv")
    assert isinstance(uv.definition, ir.Aggregate) and uv.definition.table_span is not None
    table_span = uv.definition.table_span
    assert (table_span.line, table_span.column) == _position(source, "metric product_uv", "product_views")
    assert table_span.end_column - table_span.column == len("product_views")
    prize = next(r for r in p.rewards if isinstance(r, ir.Prize))
    four_k = prize.schedule[0].amount.span
    assert (four_k.line, four_k.column, four_k.end_column) == (
        *_position(source, "  rank 1:", "$4,000"),
        11 + len("$4,000"),
    )
    assert four_k.file == path


def test_expression_spans_cover_the_expression() -> None:
    source = "program p:\n\ngate g: every host has effective_live_time > 14 hours\n"
    clause = program(source).clauses[0]
    quantified = clause.condition
    assert isinstance(quantified, ir.Quantified)
    # "every" starts at column 9; the line is 53 characters, so the expression ends at (exclusive) column 54.
    assert (quantified.span.line, quantified.span.column, quantified.span.end_column) == (3, 9, 54)
    assert isinstance(quantified.body, ir.Compare) and isinstance(quantified.body.right, ir.Duration)
    assert (quantified.body.right.span.column, quantified.body.right.span.end_column) == (46, 54)


@pytest.mark.parametrize("path", CAMPAIGNS, ids=lambda p: p.name)
def test_campaigns_parse_cleanly_and_hold_no_lark_objects(path: Path) -> None:
    result, source = parse_file(str(path))
    assert result.diagnostics == ()
    assert source == path.read_text(encoding="utf-8")
    assert tree_free(result.program)
    assert result.program.header is not None and result.program.payout is not None


def test_tree_free_detects_a_lark_token() -> None:
    from lark import Token

    clean = ir.Program(None, clauses=(ir.Clause(ir.ClauseKind.GATE, "g", name("x")),))
    leaked = ir.Program(None, clauses=(ir.Clause(ir.ClauseKind.GATE, "g", ir.NameRef(Token("NAME", "x"))),))
    assert tree_free(clean)
    assert not tree_free(leaked)


def test_campaign_programs_have_the_expected_shape() -> None:
    apollo = parse_file(str(ROOT / "campaigns" / "apollo.rules"))[0].program
    assert [t.name for t in apollo.tables] == ["accounts", "hosts", "live_sessions", "product_views", "orders"]
    assert [m.name for m in apollo.metrics][:2] == ["product_uv", "effective_live_time"]
    assert apollo.payout == ir.Payout("bank transfer", ir.Due(20, True, "activity"))


# ------------------------------------------------------------------- syntax errors


def test_an_error_in_one_item_does_not_hide_the_next_items() -> None:
    source = "metric a = count\nmetric b = count orders\nwindow w from 2022-01-01\ngate g: b > 1\n"
    result = parse(source, "t.rules")
    assert [(d.code, d.span.line) for d in result.diagnostics] == [("RK001", 1), ("RK001", 3)]
    assert [m.name for m in result.program.metrics] == ["b"]
    assert [c.name for c in result.program.clauses] == ["g"]


def test_a_comment_in_column_0_inside_a_block_is_fine() -> None:
    source = "ranking r: by x descending\n# top 3\n  top 5\n      # an odd comment\n  shared ranks: same\n"
    ranking = program(source).rankings[0]
    assert (ranking.top, ranking.shared_ranks) == (5, "same")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "program apollo\n  market: US\n",
            "1:15 RK001 missing `:` at the end of the line | "
            'add `:` at the end of the line, as in `window activity: …` or `note: "…"`',
        ),
        (
            "window a: from 2022-02-14 to 2022-02-27\n",
            "1:40 RK001 missing `inclusive` or `exclusive` after the window's end | "
            "say whether the last date counts: `… to 2022-02-27 inclusive` or `… exclusive`",
        ),
        (
            "prize p: ranking r\n  rank 1: 4000\n",
            "2:11 RK001 `4000` is not an amount of money | "
            "write money with its currency symbol: `$10,000`, `£3.50`, `€5`",
        ),
        (
            "metirc x = count orders\n",
            "1:1 RK001 `metirc` does not start a top-level item | did you mean `metric`? "
            "A top-level line starts with one of: program, table, participant, member, window, metric, eligible, "
            "gate, warn, disqualify, ranking, prize, rebate, commission, subsidy, bonus, milestone, payout, example",
        ),
        (
            'program a:\n  title: "abc\n',
            '2:10 RK001 this quoted text is not closed: the closing `"` is missing | '
            'end the text with `"` on the same line; write `\\"` for a quote inside it',
        ),
        (
            "program a:\n  market: US\n    currency: USD\n",
            "3:5 RK001 this line is indented more than the line above it | "
            "indent every detail line of an item by the same amount (two spaces)",
        ),
        (
            "  market: US\nprogram a:\n",
            "1:3 RK001 this indented line does not belong to any item above it | "
            "top-level lines start in column 0; indented detail lines go under one of them",
        ),
        (
            "prize p: ranking r\n  rnak 1: $5\n",
            "2:3 RK001 unexpected `rnak`; expected `description`, `label`, `note`, `overflow`, "
            "`pool cap` or `budget`, `rank`, … | did you mean `rank`?",
        ),
        (
            "ranking r: by x descending\n  top 5 accounts\n",
            "2:9 RK001 unexpected `accounts`; expected the end of the line | "
            "the line should end here; start a comment with `#`",
        ),
    ],
)
def test_friendly_syntax_messages(source: str, expected: str) -> None:
    assert messages(source) == [expected]


def test_rendered_syntax_error_has_location_caret_and_hint() -> None:
    source = "program apollo:\n  market: US\nmetirc x = count orders\n"
    (diagnostic,) = parse(source, "f.rules").diagnostics
    rendered = render(diagnostic, source).splitlines()
    assert rendered[0] == "f.rules:3:1: error[RK001]: `metirc` does not start a top-level item"
    assert rendered[2] == "3 | metirc x = count orders"
    assert rendered[3] == "  | ^^^^^^"
    assert rendered[4].startswith("  = help: did you mean `metric`?")


# ---------------------------------------------------------- lines written twice


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "ranking r: by x descending\n  top 5\n  top 3\n",
            "3:3 RK510 `top` is written twice in this block; only one is allowed | "
            "keep one of the two lines (the first is on line 2) and delete the other",
        ),
        (
            "prize p: ranking r\n  pool cap: $5\n  budget: $6\n",
            "3:3 RK510 `pool cap` or `budget` is written twice in this block; only one is allowed | "
            "keep one of the two lines (the first is on line 2) and delete the other",
        ),
        (
            'metric m = count t\n  label: "a"\n  note: "n"\n  note: "n2"\n  label: "b"\n',
            "5:3 RK510 `label` is written twice in this block; only one is allowed | "
            "keep one of the two lines (the first is on line 2) and delete the other",
        ),
        (
            "payout:\n  due: 2 days after w\n  due: 20 business days after w\n",
            "3:3 RK510 `due` is written twice in this block; only one is allowed | "
            "keep one of the two lines (the first is on line 2) and delete the other",
        ),
    ],
)
def test_a_single_line_written_twice_is_reported(source: str, expected: str) -> None:
    assert messages(source) == [expected]


def test_the_first_of_two_lines_is_kept() -> None:
    result = parse("ranking r: by x descending\n  top 5\n  top 3\n")
    assert result.program.rankings[0].top == 5


def test_a_second_program_header_is_reported() -> None:
    (diagnostic,) = parse("program a:\nprogram b:\n").diagnostics
    assert (diagnostic.code, diagnostic.span.line) == ("RK502", 2)


# ---------------------------------------------------------------------------- files


def test_unreadable_and_non_text_files_are_diagnostics(tmp_path: Path) -> None:
    missing = parse_file(str(tmp_path / "nope.rules"))[0]
    assert [d.code for d in missing.diagnostics] == ["RK003"]
    binary = tmp_path / "bin.rules"
    binary.write_bytes(b"program a:\n\xff\xfe\n")
    result, _ = parse_file(str(binary))
    assert [(d.code, d.span.line) for d in result.diagnostics] == [("RK003", 2)]


def test_absurdly_deep_nesting_is_a_diagnostic_not_a_crash() -> None:
    source = "metric m = count t\n\neligible e: " + "not " * 20_000 + "a\n"
    result = parse(source)
    assert [(d.code, d.span.line, d.message) for d in result.diagnostics] == [
        ("RK001", 3, "expressions are nested too deeply to read")
    ]
    assert [m.name for m in result.program.metrics] == ["m"]  # the other items still parse
