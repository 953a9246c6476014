"""Traced evaluation: the truth of every part of a condition and the values it read, and
explanations worded from it for ``decide`` and settlement rows alike.

Expected truths and words are worked out by hand from the values given (comments show how).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

import rulekit
from rulekit import ir
from rulekit.pyeval.exprs import MEMBERS, compile_expr
from rulekit.pyeval.scopes import ratio_parts, scopes
from rulekit.pyeval.trace import MEMBER_IDS, Trace, compile_trace, traced_clauses

ROOT = Path(__file__).resolve().parent.parent
UK = (ROOT / "campaigns" / "uk_shop.rules").read_text(encoding="utf-8")
COMPOUND = UK.replace('eligible uk_merchant: region = "GB"', 'eligible e: joined_at >= 2022-01-01 and region = "GB"')
ORDER_COLUMNS = ["order_id", "merchant_id", "created_at", "item_total", "shipping_fee", "currency", "refunded"]


@pytest.fixture(scope="module")
def apollo() -> rulekit.CompiledProgram:
    return rulekit.load(ROOT / "campaigns" / "apollo.rules")


def _condition(program: rulekit.CompiledProgram, clause: str) -> ir.Expr:
    return next(c.decl.condition for c in program.plan.clauses if c.name == clause)


def _trace(program: rulekit.CompiledProgram, clause: str, env: dict[str, Any]) -> Trace:
    scope, _ = scopes(program.plan)
    return compile_trace(_condition(program, clause), scope, ratio_parts(program.plan))(env)


# ------------------------------------------------------------------------ the trace tree


def test_a_compound_condition_traces_each_part_with_the_values_it_read() -> None:
    program = rulekit.loads(COMPOUND, "uk_shop.rules")
    joined = dt.datetime(2022, 2, 1, tzinfo=dt.UTC)
    trace = _trace(program, "e", {"merchant_id": "m1", "region": "IE", "joined_at": joined})
    dates, region = trace.parts
    # 2022-02-01 00:00 UTC is on or after local (London, GMT in winter) midnight of 2022-01-01: holds.
    assert (dates.truth, dates.reads) == (True, {"joined_at": joined})
    # "IE" is not "GB".
    assert (region.truth, region.reads) == (False, {"region": "IE"})
    # true and false is false; the whole condition read both names.
    assert (trace.truth, trace.reads) == (False, {"joined_at": joined, "region": "IE"})


def test_unknown_values_follow_three_valued_logic(apollo: rulekit.CompiledProgram) -> None:
    # `refund_rate > 30%` with no refund rate (no orders) is unknown, not false.
    trace = _trace(apollo, "high_refund_rate", {"refund_rate": None, "refunded_orders": 0, "order_count": 0})
    assert trace.truth is None
    # The reference to a ratio also read the ratio's parts, for "(7 of 20 orders)".
    assert trace.reads == {"refund_rate": None, "refunded_orders": 0, "order_count": 0}
    # unknown and false = false; unknown and true = unknown.
    env = {"kind": None, "program": "other"}
    assert _trace(apollo, "partner_agency", env).truth is False
    env = {"kind": None, "program": "TikTok Shopping Partner"}
    assert _trace(apollo, "partner_agency", env).truth is None


def test_a_quantifier_traces_its_body_per_member(apollo: rulekit.CompiledProgram) -> None:
    # `every host has effective_live_time > 14 hours` (50,400 s): h1 has 50,401 s (passes),
    # h2 has 50,400 s (not more than 14 hours: fails), so not every host passes.
    members = [{"effective_live_time": Decimal(50401)}, {"effective_live_time": Decimal(50400)}]
    trace = _trace(apollo, "live_hours", {MEMBERS: members, MEMBER_IDS: ["h1", "h2"]})
    assert trace.truth is False
    assert [(m.id, m.passes) for m in trace.members] == [("h1", True), ("h2", False)]
    assert trace.members[1].trace.reads == {"effective_live_time": Decimal(50400)}
    assert trace.passing == 1


@pytest.mark.parametrize(
    "env",
    [
        {"kind": "agency", "program": "TikTok Shopping Partner"},
        {"kind": "agency", "program": None},
        {"kind": None, "program": None},
        {"kind": "individual", "program": None},
    ],
)
def test_the_trace_gives_the_truth_the_fast_closure_gives(apollo: rulekit.CompiledProgram, env: dict[str, Any]) -> None:
    scope, _ = scopes(apollo.plan)
    condition = _condition(apollo, "partner_agency")
    fast = compile_expr(condition, scope)(env)
    assert compile_trace(condition, scope, {})(env).truth == fast


def test_every_clause_of_a_plan_is_traced_and_keyed_by_what_it_reads(apollo: rulekit.CompiledProgram) -> None:
    traced = {t.plan.name: t for t in traced_clauses(apollo.plan)}
    assert list(traced) == [c.name for c in apollo.ir.clauses]
    # A ratio's reason reads its parts; a guard's names are read too.
    assert traced["high_refund_rate"].names == ("refund_rate", "refunded_orders", "order_count")
    # A quantifier's reason reads the members: not memoised by participant values.
    assert traced["live_hours"].names is None
    # Equal values in different spellings are worded differently, so they key differently.
    rule = traced["high_refund_rate"]
    one = {"refund_rate": Decimal("0.5"), "refunded_orders": 1, "order_count": 2}
    assert rule.key(one) != rule.key({**one, "refund_rate": Decimal("0.50")})


# ----------------------------------------------- the drift of issue 9, in decide and settle


def _settle_one(program: rulekit.CompiledProgram, merchant: dict[str, Any]) -> rulekit.results.ParticipantResult:
    merchants = pa.table({k: [v] for k, v in merchant.items()})
    orders = pa.table({name: pa.array([], pa.string()) for name in ORDER_COLUMNS})
    [row] = program.settle({"merchants": merchants, "orders": orders}).participants
    return row


def test_a_failing_region_is_named_and_the_holding_date_is_not() -> None:
    program = rulekit.loads(COMPOUND, "uk_shop.rules")
    merchant = {"merchant_id": "m1", "region": "IE", "joined_at": "2022-02-01T00:00:00Z"}
    decision = program.decide({"merchants": merchant, "orders": []})
    row = _settle_one(program, merchant)
    # Joined 2022-02-01, on or after 2022-01-01: the date part holds; "IE" is not "GB": only the
    # region part is named (99a2949 said "joined at 2022-02-01 00:00 UTC — needs at least 2022-01-01").
    expected = 'region is "IE" — needs "GB"'
    assert [(c.name, c.holds, c.reason) for c in decision.clauses] == [("e", False, expected)]
    assert [(c.name, c.holds, c.reason) for c in row.clauses] == [("e", False, expected)]
    # The top-level reasons are the same words from the same function: the one eligibility
    # clause fails, so not eligible and not qualified. decide adds its notes after them.
    assert row.reasons == ["not eligible: fails e", "does not qualify"]
    assert decision.reasons[:2] == row.reasons
    assert len(decision.reasons) > 2 and all(r not in row.reasons for r in decision.reasons[2:])


def test_a_holding_compound_condition_names_every_part() -> None:
    program = rulekit.loads(COMPOUND, "uk_shop.rules")
    merchant = {"merchant_id": "m1", "region": "GB", "joined_at": "2022-02-01T00:00:00Z"}
    decision = program.decide({"merchants": merchant, "orders": []})
    row = _settle_one(program, merchant)
    # Both parts hold, and a holding `and` names both: the timestamp is shown in UTC, the date
    # literal as written, the text value in quotes.
    expected = 'joined at 2022-02-01 00:00 UTC — at least 2022-01-01; region is "GB"'
    assert decision.clauses[0].reason == row.clauses[0].reason == expected
    assert row.reasons == ["eligible", "qualifies"]
    assert decision.reasons[:2] == row.reasons


def test_a_ratio_reason_reads_its_parts_from_the_trace(apollo: rulekit.CompiledProgram) -> None:
    from rulekit.clause_reasons import reason_for

    # 7 of 20 orders refunded: 35% > 30%, judged (20 >= 20): over the limit.
    values = {"refund_rate": Fraction(7, 20), "refunded_orders": 7, "order_count": 20}
    assert reason_for(apollo.plan, "high_refund_rate", values, {}) == (
        "refund rate 35% (7 of 20 orders) — over the 30% limit"
    )
