"""Deciding a program paid per period (issue 10, construct 6) through every decision surface:
the Python API, `rulekit decide` and the service. A decision for the whole window would pay
what no period pays (caps and to-date differences are per period), so it is refused and the
period-by-period decision is offered instead.

Amounts are worked out by hand from campaigns/ytd_bonus.rules: marginal brackets on net
sales to date (0% to $10,000, 2% to $50,000, 4% above), each month paying what is due to date
minus what earlier months paid, capped at $2,000 a month; $0.50 per order that month.
"""

from __future__ import annotations

import json
import warnings
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from typer.testing import CliRunner

import rulekit
from rulekit.cli import app as cli_app
from rulekit.errors import CompileError
from rulekit.render import render_document
from rulekit.serve import Registry, ServeConfig, create_app

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from starlette.testclient import TestClient

YTD = Path("campaigns/ytd_bonus.rules")
UK = Path("campaigns/uk_shop.rules")


def _order(order_id: str, at: str, gmv: str, refunded: bool = False) -> dict[str, Any]:
    return {"order_id": order_id, "seller_id": "s1", "ordered_at": at, "gmv": gmv, "refunded": refunded}


FACTS: dict[str, Any] = {
    "sellers": {"seller_id": "s1", "region": "US", "fraud_flag": False},
    "orders": [
        _order("o1", "2024-01-10T15:00:00Z", "12000"),
        _order("o2", "2024-02-05T15:00:00Z", "8000"),
        _order("o3", "2024-03-05T15:00:00Z", "40000"),
        _order("o4", "2024-03-06T15:00:00Z", "100", refunded=True),
    ],
}
# Net sales to date: Jan $12,000, Feb $20,000, Mar $60,000 (the refunded $100 does not count),
# then $60,000 every later month.
# Due to date: Jan 2% x 2,000 = $40; Feb 2% x 10,000 = $200; Mar 2% x 40,000 + 4% x 10,000
# = $1,200. Paid: Jan $40, Feb $200 - $40 = $160, Mar $1,200 - $200 = $1,000 (under the
# $2,000 cap), Apr-Jun nothing (no order that month: the gate fails).
# Order bonus: one order in each of Jan, Feb, Mar: $0.50 each.
PAID = {
    "2024-01": Decimal("40.50"),
    "2024-02": Decimal("160.50"),
    "2024-03": Decimal("1000.50"),
    "2024-04": Decimal("0"),
    "2024-05": Decimal("0"),
    "2024-06": Decimal("0"),
}


def _total(decision: dict[str, Any]) -> Decimal:
    return Decimal(str(decision["total_payout"] or 0))


def test_the_api_decides_period_by_period_and_refuses_a_whole_window_decision() -> None:
    program = rulekit.load(YTD)
    lines = program.decide_periods(FACTS)
    assert {line.period.label: line.result.total_payout or Decimal(0) for line in lines} == PAID
    for decide in (program.decide, program.decide_fast):
        with pytest.raises(CompileError, match=r"paid monthly .*decide_periods"):
            decide(FACTS)
    with pytest.raises(CompileError, match=r"paid monthly .*decide_periods"):
        program.decide_batch(pa.table({"seller_id": ["s1"]}))
    with pytest.raises(CompileError, match=r"paid monthly .*settle_periods"):
        program.settle({})


def test_rulekit_decide_prints_one_decision_per_period(tmp_path: Path) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps(FACTS))
    result = CliRunner().invoke(cli_app, ["decide", str(YTD), "--input", str(facts), "--format", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert {line["period"]: _total(line["participant"]) for line in body} == PAID
    one = CliRunner().invoke(cli_app, ["decide", str(YTD), "--input", str(facts), "--period", "2024-03"])
    assert one.exit_code == 0, one.output
    assert one.output.startswith("March 2024 (2024-03)\n")
    assert "$1,200.00 due to date, $200.00 paid in earlier periods: pays $1,000.00" in one.output


def test_rulekit_decide_names_the_periods_when_the_one_asked_for_is_not_one(tmp_path: Path) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps(FACTS))
    result = CliRunner().invoke(cli_app, ["decide", str(YTD), "--input", str(facts), "--period", "2024-07"])
    assert result.exit_code == 1
    assert "no pay period `2024-07`; the periods are 2024-01, 2024-02, 2024-03, 2024-04, 2024-05, 2024-06" in (
        result.output
    )


def test_period_on_a_program_paid_once_is_a_usage_error(tmp_path: Path) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text("{}")
    result = CliRunner().invoke(cli_app, ["decide", str(UK), "--input", str(facts), "--period", "2024-03"])
    assert result.exit_code == 2
    assert "is paid once, not per period" in result.output


def test_the_service_decides_period_by_period() -> None:
    registry = Registry.load([str(YTD), str(UK)])
    client = TestClient(create_app(registry, ServeConfig(reload=False)))
    response = client.post("/programs/ytd_bonus/decide-periods", json=FACTS)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["program"] == "ytd_bonus"
    assert {line["period"]: _total(line["decision"]) for line in body["periods"]} == PAID
    whole = client.post("/programs/ytd_bonus/decide", json=FACTS)
    assert (whole.status_code, whole.json()["error"]["code"]) == (422, "paid_per_period")
    assert "/programs/ytd_bonus/decide-periods" in whole.json()["error"]["message"]
    once = client.post("/programs/uk_shop/decide-periods", json={})
    assert (once.status_code, once.json()["error"]["code"]) == (422, "paid_once")
    paths = client.get("/openapi.json").json()["paths"]
    assert "/programs/ytd_bonus/decide-periods" in paths
    assert "/programs/ytd_bonus/decide" not in paths
    assert "/programs/uk_shop/decide-periods" not in paths


def test_diff_with_data_reports_each_period_that_changes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "sellers.csv").write_text("seller_id,region,fraud_flag\ns1,US,false\n")
    rows = "".join(
        f"{o['order_id']},s1,{o['ordered_at']},{o['gmv']},{str(o['refunded']).lower()}\n" for o in FACTS["orders"]
    )
    (data / "orders.csv").write_text("order_id,seller_id,ordered_at,gmv,refunded\n" + rows)
    new = tmp_path / "ytd_new.rules"
    new.write_text(YTD.read_text().replace("from $10,000: 2%", "from $10,000: 3%"))
    result = CliRunner().invoke(cli_app, ["diff", str(YTD), str(new), "--data", str(data), "--format", "json"])
    assert result.exit_code == 1, result.output  # 1: the versions differ
    impact = json.loads(result.output)["impact"]
    # At 3%: due to date Jan 3% x 2,000 = $60, Feb 3% x 10,000 = $300, Mar 3% x 40,000 +
    # 4% x 10,000 = $1,600; paid Jan $60, Feb $240, Mar $1,300 instead of $40, $160, $1,000.
    changed = {p["id"]: Decimal(p["new_payout"]) - Decimal(p["old_payout"]) for p in impact["participants"]}
    assert changed == {"s1 in 2024-01": Decimal(20), "s1 in 2024-02": Decimal(80), "s1 in 2024-03": Decimal(300)}
    assert Decimal(impact["difference"]) == Decimal(400)


def test_the_document_bounds_one_months_payment_not_the_programs() -> None:
    # Every cap of ytd_bonus is per month ($2,000 rebate, $100 order bonus): $2,100 is the most
    # for one month; over six months a seller can get up to 6 x $2,100.
    text = render_document(rulekit.load(YTD).ir, "md", "en-US")
    assert "| Maximum per seller per month | $2,100 |" in text
    assert "The most one seller can receive for one month is $2,100: " in text
    assert "Maximum per seller |" not in text
