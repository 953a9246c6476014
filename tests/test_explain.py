"""Explanations of settlement rows and decisions, and `rulekit explain`."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

import rulekit
import rulekit.cli  # registers the commands
from rulekit.cli.app import app
from rulekit.explain import UnknownParticipantError, explain_decision, explain_participant, find_participant
from rulekit.results import ClauseOutcome, ParticipantResult, RewardAmount, Settlement

ROOT = Path(__file__).resolve().parent.parent
APOLLO_PATH = ROOT / "campaigns" / "apollo.rules"
UK_PATH = ROOT / "campaigns" / "uk_shop.rules"
runner = CliRunner()


@pytest.fixture(scope="module")
def apollo() -> rulekit.CompiledProgram:
    return rulekit.load(APOLLO_PATH)


def outcome(name: str, kind: str, holds: bool, reason: str, judged: bool = True) -> ClauseOutcome:
    return ClauseOutcome(name=name, kind=kind, holds=holds, judged=judged, reason=reason)  # type: ignore[arg-type]


def winner() -> ParticipantResult:
    return ParticipantResult(
        id="a1",
        eligible=True,
        qualified=True,
        disqualified=False,
        warnings=["idle_streaming"],
        clauses=[
            outcome("partner_agency", "eligible", True, 'kind is "agency"'),
            outcome("live_hours", "gate", True, "effective live time of host h1: 16 hours — more than 14 hours"),
            outcome("idle_streaming", "warn", True, "idle live time of host h1: 3 hours — over the 2 hours limit"),
            outcome("click_farming", "disqualify", False, "click farming flag: no"),
            outcome(
                "high_refund_rate", "disqualify", False, "refund rate not judged: 4 orders, needs at least 20", False
            ),
        ],
        rank=2,
        rewards=[
            RewardAmount(
                name="leaderboard_cash",
                kind="prize",
                amount=Decimal("2000.00"),
                before_limits=Decimal("2500.00"),
                reason="rank 2 of 5: prize $2,500.00",
            ),
            RewardAmount(
                name="gmv_rebate",
                kind="rebate",
                amount=Decimal("246.90"),
                before_limits=Decimal("246.90"),
                reason="rebate 2% of net GMV $12,345.00 = $246.90",
            ),
        ],
        total_payout=Decimal("2246.90"),
        payout_due=dt.date(2022, 3, 25),
    )


def test_explain_participant_goes_clause_by_clause(apollo: rulekit.CompiledProgram) -> None:
    text = explain_participant(apollo.ir, winner())
    lines = text.splitlines()
    assert lines[0] == "account a1 — apollo (Apollo US Live Shopping Incentive)"
    assert '  ✓ partner_agency: kind is "agency"' in lines
    assert "  ✓ live_hours: effective live time of host h1: 16 hours — more than 14 hours" in lines
    # A warning that fired is against the participant; a rule that did not fire is for it.
    assert "  ✗ idle_streaming: idle live time of host h1: 3 hours — over the 2 hours limit" in lines
    assert "  ✓ click_farming: click farming flag: no" in lines
    assert "  · high_refund_rate (not judged): refund rate not judged: 4 orders, needs at least 20" in lines
    assert "Rank: 2" in lines
    assert "  leaderboard_cash (prize): $2,000.00 — rank 2 of 5: prize $2,500.00" in lines
    # The pool cap took $500 away: both amounts are shown.
    assert "    before pool/budget limits $2,500.00; after them $2,000.00" in lines
    assert "Total payout: $2,246.90" in lines
    assert "Payout: due 2022-03-25, by bank transfer" in lines
    # Sections come in the order eligibility, gates, disqualification, warnings.
    order = [lines.index(h) for h in ("Eligibility:", "Gates:", "Disqualification rules:", "Warnings:")]
    assert order == sorted(order)


def test_explain_participant_not_eligible(apollo: rulekit.CompiledProgram) -> None:
    row = ParticipantResult(
        id="m1",
        eligible=False,
        qualified=False,
        disqualified=False,
        clauses=[outcome("partner_agency", "eligible", False, 'kind is "individual" — needs "agency"')],
    )
    text = explain_participant(apollo.ir, row)
    assert '  ✗ partner_agency: kind is "individual" — needs "agency"' in text.splitlines()
    assert "Outcome: not eligible, does not qualify" in text
    assert "Rank: not ranked" in text
    assert "Rewards: none" in text
    assert "Total payout: $0.00" in text


def test_find_participant_suggests_a_close_id() -> None:
    settlement = Settlement(program="p", currency="USD", timezone="UTC", participants=[winner()])
    assert find_participant(settlement, "a1").id == "a1"
    with pytest.raises(UnknownParticipantError) as caught:
        find_participant(settlement, "a2")
    assert caught.value.suggestion == "a1"
    assert "did you mean `a1`?" in str(caught.value)
    with pytest.raises(UnknownParticipantError) as caught:
        find_participant(settlement, "zzzzzzzz")
    assert caught.value.suggestion is None


def test_explain_decision_lists_clauses_and_order_effects() -> None:
    uk = rulekit.load(UK_PATH)
    merchant = {"merchant_id": "m1", "region": "GB", "joined_at": "2022-01-01T10:00:00Z"}
    order = {
        "order_id": "o7",
        "merchant_id": "m1",
        "created_at": "2022-04-01T09:01:00Z",
        "item_total": "20.00",
        "shipping_fee": "6.50",
        "currency": "GBP",
        "refunded": False,
    }
    text = explain_decision(uk.ir, uk.decide({"merchants": merchant, "orders": order}))
    assert '  ✓ uk_merchant: region is "GB"' in text
    # 5% of £20.00 = £1.00: the order is a minute after the free period ended at 09:00 UTC.
    assert "order o7, new_merchant_waiver (commission): 5% commission on item total £20.00 = £1.00" in text
    assert "outside the free period" in text
    assert "2022-04-01 09:00:00 UTC" in text
    assert "order o7, free_shipping (subsidy): free shipping £4.99 on shipping fee £6.50, capped at £4.99" in text
    assert "Note: free_shipping: at most 500 orders per merchant" in text


# -------------------------------------------------------------------------------- CLI


def write_uk_data(folder: Path) -> None:
    folder.mkdir()
    (folder / "merchants.csv").write_text(
        "merchant_id,region,joined_at\nm1,GB,2022-01-01 10:00:00\nm2,IE,2022-03-01 00:00:00\n"
    )
    (folder / "orders.csv").write_text(
        "order_id,merchant_id,created_at,item_total,shipping_fee,currency,refunded\n"
        "o1,m1,2022-04-01 08:59:00,12.50,6.50,GBP,false\n"
        "o2,m1,2022-04-01 09:01:00,12.50,3.20,GBP,false\n"
        "o3,m2,2022-04-01 09:01:00,37.90,3.20,GBP,false\n"
    )


def test_cli_explain(tmp_path: Path) -> None:
    write_uk_data(tmp_path / "data")
    result = runner.invoke(app, ["explain", str(UK_PATH), "--data", str(tmp_path / "data"), "--id", "m1"])
    assert result.exit_code == 0, result.output
    # o1 is inside the free period (0%), o2 a minute after it: 5% of £12.50 = £0.625 → £0.62.
    assert "Commission: £0.62 due" in result.stdout
    # Subsidies: o1 £6.50 capped at £4.99, o2 £3.20 in full: £8.19.
    assert "Total payout: £8.19" in result.stdout
    assert '✓ uk_merchant: region is "GB"' in result.stdout
    # The outcome line says the status once; the notes do not repeat it ("Note: qualifies").
    assert "Outcome: eligible, qualifies" in result.stdout.splitlines()
    assert "Note: eligible" not in result.stdout and "Note: qualifies" not in result.stdout


def test_cli_explain_json(tmp_path: Path) -> None:
    write_uk_data(tmp_path / "data")
    args = ["explain", str(UK_PATH), "--data", str(tmp_path / "data"), "--id", "m2", "--format", "json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["participant"]["eligible"] is False
    assert data["participant"]["commission_due"] == "1.90"  # 5% of £37.90 = £1.895 → half-even £1.90
    assert 'needs "GB"' in data["explanation"]


def test_cli_explain_unknown_id_suggests(tmp_path: Path) -> None:
    write_uk_data(tmp_path / "data")
    result = runner.invoke(app, ["explain", str(UK_PATH), "--data", str(tmp_path / "data"), "--id", "m3"])
    assert result.exit_code == 1
    assert "no participant `m3`" in result.output
    assert "did you mean" in result.output


def test_cli_explain_missing_data_exit_1(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = runner.invoke(app, ["explain", str(UK_PATH), "--data", str(tmp_path / "empty"), "--id", "m1"])
    assert result.exit_code == 1
    assert "merchants" in result.output
    assert "Traceback" not in result.output


# ---------------------------------------------------------------------------- reasons


def test_format_value_units(apollo: rulekit.CompiledProgram) -> None:
    from fractions import Fraction

    from rulekit.reasons import format_value

    program = apollo.ir
    assert format_value(program, "duration", Decimal(45000)) == "12.5 hours"  # 45,000 s / 3,600
    assert format_value(program, "duration", Decimal(3600)) == "1 hour"
    assert format_value(program, "duration", Decimal(50460)) == "14.02 hours"  # 14 h 1 min = 14.0166…
    assert format_value(program, "ratio", Fraction(7, 19)) == "36.84%"  # 36.842…%
    assert format_value(program, "ratio", Decimal("0.350000")) == "35%"
    assert format_value(program, "money", Decimal("-1234.5")) == "-$1,234.50"
    assert format_value(program, "string", "agency") == '"agency"'
    assert format_value(program, "count", None) == "no value"


def test_clause_reasons_in_words(apollo: rulekit.CompiledProgram) -> None:
    from fractions import Fraction

    from rulekit.clause_reasons import reason_for

    # Reasons are worded from a trace of the clause over the values given: whether it holds
    # and whether it is judged come from that evaluation (they used to be passed in).
    plan = apollo.plan
    within = {"refund_rate": Fraction(6, 20), "refunded_orders": 6, "order_count": 20}
    assert reason_for(plan, "high_refund_rate", within, {}) == "refund rate 30% (6 of 20 orders) — within the 30% limit"
    one = {"refund_rate": Fraction(1, 1), "refunded_orders": 1, "order_count": 1}
    assert reason_for(plan, "high_refund_rate", one, {}) == "refund rate not judged: 1 order, needs at least 20"
    members = {"h1": {"effective_live_time": Decimal(50400)}, "h2": {"effective_live_time": Decimal(50401)}}
    # Only the failing host is named.
    assert reason_for(plan, "live_hours", {}, members) == (
        "effective live time of host h1: 14 hours — needs more than 14 hours"
    )
    # 50,401 s also shows as 14 hours, so its exact seconds are added.
    passing = {"h2": {"effective_live_time": Decimal(50401)}}
    assert reason_for(plan, "live_hours", {}, passing) == (
        "effective live time of host h2: 14 hours (50,401 seconds) — more than 14 hours"
    )
    assert reason_for(plan, "live_hours", {}, {}) == "there are no hosts (every host passes trivially)"


def test_prize_reason_for_a_shared_rank(apollo: rulekit.CompiledProgram) -> None:
    from rulekit.reasons import reward_reason

    prize = next(r for r in apollo.ir.rewards if r.name == "leaderboard_cash")
    # Ranks 3 and 4 tied: positions 3–4 share $1,500 + $1,000 = $2,500, $1,250 each.
    text = reward_reason(
        apollo.ir, prize, {}, amount=Decimal("1250"), before_limits=Decimal("1250"), rank=3, ranked=5, tied=2
    )
    assert text == "rank 3 of 5, tied with 1 other: positions 3–4 share $2,500, $1,250.00 each"


TIES = """program ties:
  market: US
  currency: USD
  timezone: "UTC"
  calendar: US

table accounts:
  account_id: string
  key: account_id

table sales:
  account_id: string
  amount: money

participant account: accounts

metric total = sum amount in sales
  label: "total sales"

ranking board: by total descending
  top 3
  shared ranks: split

prize cash: ranking board
  rank 1: $100
  rank 2: $50
  rank 3: $25
"""


def test_explain_shows_the_value_ranked_on_who_shares_the_rank_and_the_neighbours(tmp_path: Path) -> None:
    rules = tmp_path / "ties.rules"
    rules.write_text(TIES, encoding="utf-8")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "accounts.csv").write_text("account_id\na\nb\nc\nd\ne\nf\n", encoding="utf-8")
    # Totals by hand: a 10, b = c = d 8 (tied at rank 2), e 1, f 0 (rank 6).
    sales = "account_id,amount\na,10\nb,8\nc,8\nd,5\nd,3\ne,1\n"
    (tmp_path / "data" / "sales.csv").write_text(sales, encoding="utf-8")
    result = CliRunner().invoke(app, ["explain", str(rules), "--data", str(tmp_path / "data"), "--id", "c"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "ranked on: total sales $8.00 (descending)" in text
    assert "shares rank 2 with b, d" in text
    # Neighbours within two ranks: a (1), b and d (2), e (5 is three away: not listed).
    assert "    1. a: total sales $10.00" in text and "    2. b: total sales $8.00" in text
    assert "    2. d: total sales $8.00" in text and "e: total sales" not in text
    # The split itself: positions 2-4 pay $50 + $25 + $0 = $75, shared 3 ways = $25.00 each.
    assert "positions 2–4 share $75, $25.00 each" in text


def test_a_subsidy_cut_by_its_order_limit_says_so_with_the_numbers(tmp_path: Path) -> None:
    source = (ROOT / "campaigns" / "uk_shop.rules").read_text(encoding="utf-8")
    assert source.count("max orders: 500 per merchant") == 1
    program = rulekit.loads(source.replace("max orders: 500 per merchant", "max orders: 2 per merchant"), "uk.rules")
    data = tmp_path / "data"
    data.mkdir()
    (data / "merchants.csv").write_text(
        "merchant_id,region,joined_at\nm1,GB,2022-03-01 10:00:00\nm2,GB,2022-03-01 10:00:00\n", encoding="utf-8"
    )
    header = "order_id,merchant_id,created_at,item_total,shipping_fee,currency,refunded\n"
    # m1: three qualifying orders in the offer period, the limit subsidises the first two
    # (£2 + £3 = £5); m2: one order, under the limit.
    rows = [
        "o1,m1,2022-03-10 12:00:00,20,2,GBP,false",
        "o2,m1,2022-03-11 12:00:00,20,3,GBP,false",
        "o3,m1,2022-03-12 12:00:00,20,4,GBP,false",
        "o4,m2,2022-03-10 12:00:00,20,1,GBP,false",
    ]
    (data / "orders.csv").write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    settlement = program.settle(str(data))
    [m1_subsidy] = [r for r in settlement.participant("m1").rewards if r.kind == "subsidy"]
    [m2_subsidy] = [r for r in settlement.participant("m2").rewards if r.kind == "subsidy"]
    assert m1_subsidy.amount == Decimal("5.00")
    assert m1_subsidy.reason.endswith("; only the first 2 of its 3 qualifying orders (2 per merchant)")
    assert "only the first" not in m2_subsidy.reason
