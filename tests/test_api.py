"""The public API: load/loads, RuleFileError, facts errors, JSON results, `rulekit decide`."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import rulekit
import rulekit.cli  # registers the commands
from rulekit.cli.app import app

ROOT = Path(__file__).resolve().parent.parent
UK_PATH = ROOT / "campaigns" / "uk_shop.rules"
APOLLO_PATH = ROOT / "campaigns" / "apollo.rules"
runner = CliRunner()


@pytest.fixture(scope="module")
def uk() -> rulekit.CompiledProgram:
    return rulekit.load(UK_PATH)


def merchant(**changes: Any) -> dict[str, Any]:
    return {"merchant_id": "m1", "region": "GB", "joined_at": "2022-01-01T10:00:00Z", **changes}


def order(**changes: Any) -> dict[str, Any]:
    row = {
        "order_id": "o1",
        "merchant_id": "m1",
        "created_at": "2022-03-10T12:00:00Z",
        "item_total": "12.50",
        "shipping_fee": "6.50",
        "currency": "GBP",
        "refunded": False,
    }
    return {**row, **changes}


# ---------------------------------------------------------------------------- loading


def test_load_records_path_and_hash_of_the_file_bytes(uk: rulekit.CompiledProgram) -> None:
    assert uk.path == str(UK_PATH)
    assert uk.source_hash == hashlib.sha256(UK_PATH.read_bytes()).hexdigest()
    assert uk.ir.header is not None and uk.ir.header.name == "uk_shop"


BROKEN = """program broken:
  currency: USD
  timezone: "America/New_York"

table accounts:
  account_id: string
  key: account_id

participant account: accounts

metric m = count acounts
eligible e: missing_name > 3
gate g: m >>> 2
"""


def test_load_of_a_broken_file_raises_with_every_diagnostic(tmp_path: Path) -> None:
    path = tmp_path / "broken.rules"
    path.write_text(BROKEN)
    with pytest.raises(rulekit.RuleFileError) as caught:
        rulekit.load(path)
    error = caught.value
    lines = {d.span.line for d in error.diagnostics if d.is_error}
    # Three independent problems on lines 11 (unknown table), 12 (unknown name), 13 (syntax).
    assert {11, 12, 13} <= lines
    assert f"{path}:13:" in error.rendered
    assert "^" in error.rendered  # the caret under the problem
    assert all(d.code.startswith("RK") for d in error.diagnostics)


def test_loads_checks_text_too() -> None:
    with pytest.raises(rulekit.RuleFileError) as caught:
        rulekit.loads(BROKEN, "inline.rules")
    assert "inline.rules:12:" in caught.value.rendered
    program = rulekit.loads(UK_PATH.read_text(), "copy.rules")
    assert program.source_hash == hashlib.sha256(UK_PATH.read_text().encode()).hexdigest()


def test_load_of_a_missing_file_is_a_rule_file_error(tmp_path: Path) -> None:
    with pytest.raises(rulekit.RuleFileError) as caught:
        rulekit.load(tmp_path / "nope.rules")
    assert any(d.code == "RK003" for d in caught.value.diagnostics)


# ---------------------------------------------------------------------------- results


def test_decision_serialises_money_as_strings(uk: rulekit.CompiledProgram) -> None:
    decision = uk.decide({"merchants": merchant(joined_at="2021-01-01T00:00:00Z"), "orders": order()})
    data = json.loads(decision.model_dump_json())
    commission = next(e for e in data["effects"] if e["kind"] == "commission")
    subsidy = next(e for e in data["effects"] if e["kind"] == "subsidy")
    assert commission["amount"] == "0.62"  # 5% of 12.50 = 0.625 → half-even 0.62
    assert commission["rate"] == "0.05"
    assert subsidy["amount"] == "4.99"
    assert data["participant_id"] == "m1"


def test_facts_accept_python_objects_and_floats(uk: rulekit.CompiledProgram) -> None:
    joined = dt.datetime(2021, 1, 1)  # naive: UTC
    facts = {
        "merchants": merchant(joined_at=joined),
        "orders": order(
            created_at=dt.datetime(2022, 3, 10, 12, tzinfo=dt.UTC), item_total=12.5, shipping_fee=Decimal("3.2")
        ),
    }
    decision = uk.decide(facts)
    amounts = {e.kind: e.amount for e in decision.effects}
    assert amounts == {"commission": Decimal("0.62"), "subsidy": Decimal("3.20")}


# ------------------------------------------------------------------------ facts errors


@pytest.mark.parametrize(
    ("facts", "table", "column", "row", "words"),
    [
        ({"orders": order()}, "merchants", None, None, "missing table"),
        ({"merchants": merchant(), "orders": {k: v for k, v in order().items() if k != "shipping_fee"}},
         "orders", "shipping_fee", None, "missing column"),
        ({"merchants": merchant(), "orders": order(item_total="twelve")}, "orders", "item_total", None, "number"),
        ({"merchants": merchant(joined_at=None), "orders": order()}, "merchants", "joined_at", None, "null"),
        ({"merchants": merchant(), "orders": [order(), order(order_id="o2", created_at="10/03/2022")]},
         "orders", "created_at", 1, "ISO-8601"),
        ({"merchants": merchant(), "orders": order(refunded="maybe")}, "orders", "refunded", None, "true or false"),
        ({"merchants": merchant(), "orders": order(merchant_id="m2")}, "orders", "merchant_id", None, "belongs"),
        ({"merchants": merchant(), "orders": order(currency="EUR")}, "orders", "currency", None, "GBP"),
        ({"merchants": [merchant()], "orders": order()}, "merchants", None, None, "one row"),
    ],
)  # fmt: skip
def test_facts_errors_name_table_column_and_row(
    uk: rulekit.CompiledProgram, facts: dict[str, Any], table: str, column: str | None, row: int | None, words: str
) -> None:
    with pytest.raises(rulekit.FactsError) as caught:
        uk.decide(facts)
    error = caught.value
    assert (error.table, error.column, error.row) == (table, column, row)
    assert words in str(error)
    assert f"`{table}`" in str(error)


def test_facts_that_are_not_a_mapping(uk: rulekit.CompiledProgram) -> None:
    with pytest.raises(rulekit.FactsError):
        uk.decide(["merchants"])  # type: ignore[arg-type]


def test_session_ending_before_it_starts_is_a_facts_error() -> None:
    apollo = rulekit.load(APOLLO_PATH)
    facts = {
        "accounts": {
            "account_id": "a1",
            "kind": "agency",
            "program": "TikTok Shopping Partner",
            "region": "US",
            "hosts_submitted": True,
            "click_farming_flag": False,
        },
        "hosts": [],
        "live_sessions": [
            {
                "account_id": "a1",
                "host_id": "h1",
                "start_ts": "2022-02-15T10:00:00Z",
                "end_ts": "2022-02-15T09:00:00Z",
                "products_shown": 1,
            }
        ],
        "product_views": [],
        "orders": [],
    }
    with pytest.raises(rulekit.FactsError) as caught:
        apollo.decide(facts)
    assert (caught.value.table, caught.value.column, caught.value.row) == ("live_sessions", "end_ts", 0)


# -------------------------------------------------------------------------------- CLI


def write_facts(tmp_path: Path, facts: Any) -> Path:
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts))
    return path


def test_cli_decide_json(tmp_path: Path) -> None:
    facts = write_facts(tmp_path, {"merchants": merchant(joined_at="2021-01-01T00:00:00Z"), "orders": order()})
    result = runner.invoke(app, ["decide", str(UK_PATH), "--input", str(facts), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {e["kind"]: e["amount"] for e in data["effects"]} == {"commission": "0.62", "subsidy": "4.99"}


def test_cli_decide_reads_json_numbers_as_decimals(tmp_path: Path) -> None:
    # A JSON number (not a string) for money is read exactly: 5% of 12.50 = 0.625 → half-even 0.62.
    raw = json.dumps({"merchants": merchant(joined_at="2021-01-01T00:00:00Z"), "orders": order(item_total="X")})
    (tmp_path / "f.json").write_text(raw.replace('"X"', "12.50"))
    result = runner.invoke(app, ["decide", str(UK_PATH), "--input", str(tmp_path / "f.json"), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["effects"][0]["amount"] == "0.62"


def test_cli_decide_human(tmp_path: Path) -> None:
    facts = write_facts(tmp_path, {"merchants": merchant(region="FR"), "orders": order()})
    result = runner.invoke(app, ["decide", str(UK_PATH), "--input", str(facts)])
    assert result.exit_code == 0, result.output
    assert '✗ uk_merchant: region is "FR" — needs "GB"' in result.stdout


def test_cli_decide_bad_facts_exit_1(tmp_path: Path) -> None:
    facts = write_facts(tmp_path, {"merchants": merchant(), "orders": [order(), order(item_total=None)]})
    result = runner.invoke(app, ["decide", str(UK_PATH), "--input", str(facts)])
    assert result.exit_code == 1
    assert "table `orders`, row 1, column `item_total`: null in a required column" in result.output
    assert "Traceback" not in result.output


def test_cli_decide_bad_json_exit_1(tmp_path: Path) -> None:
    (tmp_path / "f.json").write_text('{"merchants": ')
    result = runner.invoke(app, ["decide", str(UK_PATH), "--input", str(tmp_path / "f.json")])
    assert result.exit_code == 1
    assert "not valid JSON" in result.output


def test_cli_decide_broken_rules_exit_1(tmp_path: Path) -> None:
    rules = tmp_path / "broken.rules"
    rules.write_text(BROKEN)
    facts = write_facts(tmp_path, {})
    result = runner.invoke(app, ["decide", str(rules), "--input", str(facts)])
    assert result.exit_code == 1
    assert f"{rules}:12:" in result.output


def test_load_reads_the_rule_file_once_and_hashes_the_bytes_it_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 9: `load` used to read the file twice (once to hash, once to check), so an edit
    in between could hash one version and run another."""
    import builtins

    text = (ROOT / "campaigns" / "uk_shop.rules").read_bytes()
    target = tmp_path / "shop.rules"
    target.write_bytes(b"\xef\xbb\xbf" + text)  # with a UTF-8 byte-order mark, which the checker drops
    opened: list[str] = []
    real_open = builtins.open

    def spy(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file) == str(target):
            opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy)
    program = rulekit.load(target)
    assert len(opened) == 1
    assert program.source_hash == hashlib.sha256(b"\xef\xbb\xbf" + text).hexdigest()
