"""The bind pass: what it resolves, checked against the rule files read by hand.

Every expected value here is read off the rule text (quoted in the comments), not
taken from the code under test.
"""

from __future__ import annotations

import ast
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from rulekit import ir, walk
from rulekit import types as t
from rulekit.checker import check_source
from rulekit.parser import parse
from rulekit.plan import Empty, Level, Overflow, Plan, Shape, TiePolicy, bind, kind_of
from rulekit.plan.aggregates import AGGREGATES, column_aggregate_words

ROOT = Path(__file__).resolve().parent.parent


def planned(path: str) -> Plan:
    report = check_source((ROOT / path).read_text(encoding="utf-8"), path)
    assert report.ok, [(d.code, d.message) for d in report.diagnostics]
    return bind(report.program)


def test_apollo_metrics_are_resolved_with_level_type_shape_and_empty_value() -> None:
    plan = planned("campaigns/apollo.rules")
    assert (plan.currency, plan.timezone) == ("USD", "America/New_York")  # `currency: USD`, `timezone: …`
    expected = {
        # name: (level, kind, shape, value over no rows)
        "product_uv": (Level.PARTICIPANT, t.Kind.COUNT, Shape.VALUE, Empty.ZERO),  # count distinct viewer_id
        "effective_live_time": (Level.MEMBER, t.Kind.DURATION, Shape.VALUE, Empty.ZERO),  # total time … per host
        "net_gmv": (Level.PARTICIPANT, t.Kind.MONEY, Shape.VALUE, Empty.ZERO),  # sum gmv (money)
        "refund_rate": (Level.PARTICIPANT, t.Kind.RATIO, Shape.QUOTIENT, Empty.NONE),  # refunded / count
    }
    for name, want in expected.items():
        metric = plan.metric(name)
        assert metric is not None
        assert (metric.level, metric.type.kind, metric.shape, metric.empty) == want, name
    rate = plan.metric("refund_rate")
    assert rate is not None and rate.parts == ("refunded_orders", "order_count")
    names = [m.name for m in plan.metrics]
    assert names.index("refunded_orders") < names.index("refund_rate") > names.index("order_count")
    assert [m.name for m in plan.member_metrics()] == ["effective_live_time", "idle_live_time"]


def test_apollo_clauses_know_what_they_read() -> None:
    plan = planned("campaigns/apollo.rules")
    clauses = {c.name: c for c in plan.clauses}
    # `refund_rate > 30% when order_count >= 20`: the rate and its parts are needed.
    rate = clauses["high_refund_rate"]
    assert rate.reads == ("refund_rate", "order_count")
    assert rate.metrics == {"refund_rate", "refunded_orders", "order_count"}
    # `every host has effective_live_time > 14 hours`: nothing read outside the quantifier.
    hours = clauses["live_hours"]
    assert hours.reads == () and hours.metrics == {"effective_live_time"} and len(hours.quantifiers) == 1


def test_rankings_and_limits_get_their_defaults() -> None:
    apollo = planned("campaigns/apollo.rules")
    ranking = apollo.ranking("leaderboard")
    assert ranking is not None and ranking.ties is TiePolicy.SPLIT and ranking.top == 5  # `shared ranks: split`
    prize = apollo.reward("leaderboard_cash")
    assert prize is not None and prize.kind.name == "prize" and prize.ranking is ranking
    assert prize.limits.overflow is Overflow.SCALE_DOWN
    uk = planned("campaigns/uk_shop.rules")
    shipping = uk.reward("free_shipping")
    assert shipping is not None and shipping.limits.overflow is Overflow.FIRST_COME  # `overflow: first come`
    waiver = uk.reward("new_merchant_waiver")
    assert waiver is not None and not waiver.kind.paid and waiver.limits.overflow is None  # no pool
    window = uk.window("offer_period")
    # `from 2022-03-01 to 2022-05-31 inclusive` in Europe/London: GMT in March (UTC+0), BST on 31 May (UTC+1).
    assert window is not None and window.utc_bounds == (dt.datetime(2022, 3, 1), dt.datetime(2022, 5, 31, 23))
    free = uk.window("free_period")
    assert free is not None and free.relative and free.anchor == "joined_at" and free.utc_bounds is None


SMALL = """\
program p:
  currency: EUR
table shops:
  key: shop_id
  shop_id: string
ranking r: by shop_id ascending
prize cash: ranking r
  rank 1: €10
  pool cap: €10
"""


def test_defaults_without_lines() -> None:
    report = check_source(SMALL + "participant shop: shops\n", "small.rules")
    plan = bind(report.program)
    assert (plan.timezone, plan.rounding) == ("UTC", "half even")
    ranking = plan.ranking("r")
    assert ranking is not None and ranking.ties is TiePolicy.BY_KEY  # no `shared ranks` line
    cash = plan.reward("cash")
    assert cash is not None and cash.limits.overflow is Overflow.SCALE_DOWN  # a pool without `overflow`
    assert cash.limits.pool == ir.Money(Decimal(10), "EUR")


def test_an_unregistered_reward_class_is_refused() -> None:
    class Other(ir.Prize):
        pass

    with pytest.raises(TypeError, match="not registered"):
        kind_of(Other("x", "r", ()))


def test_the_walk_sees_every_node_once_in_source_order() -> None:
    program = parse("eligible e: a > 1 and not (b or every host has c)\n", "w.rules").program
    condition = program.clauses[0].condition
    assert list(walk.names(condition)) == ["a", "b", "c"]
    assert list(walk.names(condition, into_quantifiers=False)) == ["a", "b"]
    assert len(list(walk.quantifiers(condition))) == 1
    # Pre-order, by hand: and, (a > 1), a, 1, not, or, b, every, c.
    kinds = [type(n).__name__ for n in walk.walk(condition)]
    assert kinds == ["BoolOp", "Compare", "NameRef", "Number", "Not", "BoolOp", "NameRef", "Quantified", "NameRef"]


def test_every_aggregate_keyword_parses_and_is_in_the_registry() -> None:
    assert {a.func for a in AGGREGATES} == set(ir.AggregateFunc)
    for word in column_aggregate_words():
        program = parse(f"metric m = {word} amount in orders\n", "a.rules").program
        definition = program.metrics[0].definition
        assert isinstance(definition, ir.Aggregate) and definition.func.value == word


_AGGREGATE_OWNERS = {"plan/aggregates.py", "parser.py", "ir.py"}


def test_no_stage_tests_an_aggregate_function_outside_the_registry() -> None:
    """`ir.AggregateFunc.X` outside the parser and the registry is a stage re-deriving an aggregate's meaning."""
    uses: dict[str, int] = {}
    for path in sorted((ROOT / "rulekit").rglob("*.py")):
        rel = path.relative_to(ROOT / "rulekit").as_posix()
        if rel in _AGGREGATE_OWNERS:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            owner = node.value if isinstance(node, ast.Attribute) else None
            if isinstance(owner, ast.Attribute) and owner.attr == "AggregateFunc":
                uses[rel] = uses.get(rel, 0) + 1
    # settle_rows.py still reads an average's shape from the IR (its reasons are being
    # moved to the evaluator's trace); nothing else may.
    assert set(uses) <= {"settle_rows.py"}, uses
