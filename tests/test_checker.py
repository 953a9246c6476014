"""The checker: pinned diagnostic fixtures, the campaign files, name resolution and
maximum payout."""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path

import pytest

from rulekit import ir
from rulekit import types as t
from rulekit.checker import (
    MEMBER_SCOPE,
    PARTICIPANT_SCOPE,
    NameKind,
    Scope,
    check_file,
    check_program,
    check_source,
    metric_type,
    resolve_name,
)
from rulekit.cli.check import human
from rulekit.codes import REGISTRY
from rulekit.parser import parse
from tests.lockfile import data_provenance

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "diagnostics"
CASES = sorted(p.stem for p in FIXTURES.glob("*.rules"))
APOLLO = (ROOT / "campaigns" / "apollo.rules").read_text(encoding="utf-8")
UK = (ROOT / "campaigns" / "uk_shop.rules").read_text(encoding="utf-8")


# ------------------------------------------------------------------------- fixtures


@pytest.mark.parametrize("name", CASES)
def test_fixture_output_is_pinned(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each `NAME.rules` renders exactly `NAME.out` (see the folder's README)."""
    monkeypatch.chdir(FIXTURES)
    rendered = human([check_file(f"{name}.rules")]) + "\n"
    expected_path = FIXTURES / f"{name}.out"
    if os.environ.get("UPDATE_FIXTURES") == "1" and not expected_path.exists():
        expected_path.write_text(rendered, encoding="utf-8")
    assert expected_path.exists(), f"no {name}.out: run with UPDATE_FIXTURES=1 and review it"
    assert rendered == expected_path.read_text(encoding="utf-8"), data_provenance("babel")


def _codes(text: str) -> set[str]:
    return set(re.findall(r"\bRK\d{3}\b", text))


def test_every_documented_code_has_a_fixture_and_vice_versa() -> None:
    documented = _codes((ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8"))
    pinned = set().union(*(_codes(p.read_text(encoding="utf-8")) for p in FIXTURES.glob("*.out")))
    # Internal errors (RK900, RK901, RK951-956) are documented but no rule file should ever
    # produce them; RK7xx are documented as a table and tested in tests/test_examples.py.
    internal = {code for code, entry in REGISTRY.items() if entry.internal}
    examples = {code for code in documented if code.startswith("RK7")}
    assert "RK900" in internal
    assert documented - internal - examples == pinned


def test_misspelt_table_gets_caret_and_suggestion() -> None:
    source = (FIXTURES / "unknown_table.rules").read_text(encoding="utf-8")
    report = check_source(source, "x.rules")
    [diag] = report.diagnostics
    line = source.splitlines()[diag.span.line - 1]
    assert diag.code == "RK101"
    assert line[diag.span.column - 1 : diag.span.end_column - 1] == "product_view"
    assert diag.help == "did you mean `product_views`?"


# ------------------------------------------------------------------ campaign files


def test_apollo_is_clean_with_maximum_payout() -> None:
    report = check_file(str(ROOT / "campaigns" / "apollo.rules"))
    assert report.diagnostics == ()
    assert report.ok
    # prize: min(schedule 4000 + 2500 + 1500 + 1000 * 2 = 10,000, pool cap 10,000) + rebate budget 50,000
    assert report.max_payout == ir.Money(Decimal("60000"), "USD")


def test_uk_shop_is_clean_with_maximum_payout() -> None:
    report = check_file(str(ROOT / "campaigns" / "uk_shop.rules"))
    assert report.diagnostics == ()
    # the commission is a charge, not a payout; the subsidy budget is £250,000
    assert report.max_payout == ir.Money(Decimal("250000"), "GBP")


def test_several_independent_errors_are_all_reported() -> None:
    broken = (
        APOLLO.replace('timezone: "America/New_York"', 'timezone: "America/NewYork"')
        .replace("in product_views during", "in product_view during")
        .replace("pool cap: $10,000", "pool cap: $9,000")
        .replace("every host has effective_live_time > 14 hours", "effective_live_time > 14 hours")
        .replace("refund_rate > 30%", "refund_rate > $30")
    )
    report = check_source(broken, "apollo.rules")
    lines = broken.splitlines()
    found = {(d.code, lines[d.span.line - 1].strip()[:12]) for d in report.diagnostics}
    assert found == {
        ("RK301", 'timezone: "A'),
        ("RK101", "metric produ"),
        ("RK405", "pool cap: $9"),
        ("RK111", "gate live_ho"),
        ("RK209", "disqualify h"),
    }
    assert not report.ok
    assert report.max_payout is None
    over = next(d for d in report.diagnostics if d.code == "RK405")
    # the schedule is 4000 + 2500 + 1500 + 1000 + 1000 = 10,000 against a 9,000 cap
    assert "$10,000.00" in over.message and "$9,000.00" in over.message


def test_diagnostics_are_sorted_by_position() -> None:
    report = check_source(APOLLO.replace("calendar: US", "calendar: XX").replace("top 5", "top 0"), "a.rules")
    positions = [(d.span.line, d.span.column) for d in report.diagnostics]
    assert positions == sorted(positions)
    assert [d.code for d in report.diagnostics] == ["RK302", "RK507"]


def test_check_program_takes_a_parsed_program() -> None:
    program = parse(UK.replace("standard rate: 5%", "standard rate: 150%"), "uk.rules").program
    [diag] = check_program(program)
    assert (diag.code, diag.span.line) == (
        "RK414",
        UK.splitlines().index("  standard rate: 5%  # ASSUMPTION: standard commission rate") + 1,
    )


# ----------------------------------------------------------------- resolved view


def _apollo() -> ir.Program:
    return parse(APOLLO, "apollo.rules").program


def test_resolve_name_follows_the_scope_rules() -> None:
    program = _apollo()
    live = resolve_name(program, "effective_live_time", PARTICIPANT_SCOPE)
    assert (live.kind, live.visible) == (NameKind.MEMBER_METRIC, False)
    assert resolve_name(program, "effective_live_time", MEMBER_SCOPE).visible
    assert resolve_name(program, "region", PARTICIPANT_SCOPE).kind is NameKind.PARTICIPANT_COLUMN
    assert resolve_name(program, "host_id", MEMBER_SCOPE).kind is NameKind.MEMBER_COLUMN
    assert not resolve_name(program, "host_id", PARTICIPANT_SCOPE).visible
    assert resolve_name(program, "net_gmv", PARTICIPANT_SCOPE).kind is NameKind.PARTICIPANT_METRIC
    shown = resolve_name(program, "products_shown", Scope.row("live_sessions"))
    assert (shown.kind, shown.type, shown.table) == (NameKind.ROW_COLUMN, t.ValueType(t.Kind.INT), "live_sessions")
    assert resolve_name(program, "gmv", Scope.row("live_sessions")).kind is NameKind.UNKNOWN


def test_metric_types() -> None:
    program = _apollo()

    def kind(name: str) -> t.ValueType:
        metric = program.metric(name)
        assert metric is not None
        return metric_type(program, metric)

    assert kind("net_gmv") == t.ValueType(t.Kind.MONEY, "USD")
    assert kind("product_uv") == t.ValueType(t.Kind.COUNT)
    assert kind("effective_live_time") == t.ValueType(t.Kind.DURATION)
    assert kind("refund_rate") == t.ValueType(t.Kind.RATIO)


# ------------------------------------------------------------------ liability


_SMALL = """program p:
  market: US
  currency: USD
  timezone: "America/New_York"
  calendar: US

table accounts:
  account_id: string
  score: int
  key: account_id

participant account: accounts

ranking board: by score descending
  then by account_id ascending
  top 3
  shared ranks: split

prize cash: ranking board
  rank 1: $300
  rank 2 to 3: $150
  pool cap: $1,000
  overflow: scale down
"""


def test_prize_is_bounded_by_its_schedule_below_the_pool_cap() -> None:
    report = check_source(_SMALL)
    assert report.diagnostics == ()
    # 300 + 150 * 2 = 600, below the 1,000 cap
    assert report.max_payout == ir.Money(Decimal("600"), "USD")


def test_rewards_add_up() -> None:
    bonus = (
        "\nmetric score_total = sum score in accounts\n\n"
        "bonus b: $2 per unit of score_total\n  budget: $25.50\n  overflow: first come\n"
    )
    report = check_source(_SMALL + bonus)
    assert report.diagnostics == ()
    assert report.max_payout == ir.Money(Decimal("625.50"), "USD")  # 600 + 25.50


def test_shared_ranks_same_without_pool_is_unbounded() -> None:
    source = _SMALL.replace("shared ranks: split", "shared ranks: same").replace(
        "  pool cap: $1,000\n  overflow: scale down\n", ""
    )
    report = check_source(source)
    assert [d.code for d in report.diagnostics] == ["RK418"]
    assert report.ok and report.max_payout is None


def test_reward_without_budget_is_unbounded() -> None:
    report = check_source(APOLLO.replace("  budget: $50,000  # ASSUMPTION\n  overflow: scale down\n", ""))
    assert [d.code for d in report.diagnostics] == ["RK418"]
    assert report.ok and report.max_payout is None


# ------------------------------------------------------------------------ types


@pytest.mark.parametrize(
    ("left", "right", "ok"),
    [
        (t.ValueType(t.Kind.MONEY, "USD"), t.ValueType(t.Kind.MONEY, "USD"), True),
        (t.ValueType(t.Kind.MONEY, "USD"), t.DURATION, False),
        (t.COUNT, t.ValueType(t.Kind.INT), True),
        (t.COUNT, t.ValueType(t.Kind.MONEY, "USD"), False),
        (t.RATIO, t.ValueType(t.Kind.PERCENT), True),
        (t.RATIO, t.ValueType(t.Kind.DECIMAL), True),
        (t.RATIO, t.COUNT, False),  # a share against a count is a unit mistake
        (t.ValueType(t.Kind.TIMESTAMP), t.ValueType(t.Kind.DATE), True),
        (t.ValueType(t.Kind.PERCENT), t.ValueType(t.Kind.INT), False),
        (t.UNKNOWN, t.BOOL, True),  # an unresolved name never adds a second error
    ],
)
def test_comparable(left: t.ValueType, right: t.ValueType, ok: bool) -> None:
    assert t.comparable(left, right) is ok
    assert t.comparable(right, left) is ok


def test_clean_program_with_every_reward_kind() -> None:
    source = _SMALL + (
        "\ntable orders:\n  order_id: string\n  account_id: string\n  ts: timestamp\n  gmv: money\n"
        "  key: order_id\n  time: ts\n\n"
        "metric order_count = count orders\nmetric gmv_total = sum gmv in orders\n\n"
        "rebate r: whole-tier brackets of gmv_total\n  from $0: 1%\n  from $1,000: 2%\n"
        "  cap: $50 per account\n  budget: $200\n  overflow: scale down\n\n"
        "bonus b: $1 per unit of order_count\n  pool cap: $30\n  overflow: first come\n\n"
        "milestone m: order_count, highest\n  bronze at 10: $5\n  silver at 20: $10\n"
        "  budget: $70\n  overflow: scale down\n\n"
        "subsidy s: 50% of gmv in orders where gmv > $10\n  cap per order: $2\n  max orders: 3 per account\n"
        "  budget: $100\n  overflow: first come\n\n"
        "commission c: 1% of gmv in orders\n  standard rate: 2%\n"
    )
    report = check_source(source)
    assert report.diagnostics == ()
    # prize 600 + rebate 200 + bonus 30 + milestone 70 + subsidy 100; the commission is a charge
    assert report.max_payout == ir.Money(Decimal("1000"), "USD")
