"""`rulekit serve`: the HTTP decision service, end to end through the ASGI app in-process
(Starlette's TestClient), plus one run of the real server on 127.0.0.1.

Amounts asserted here are worked out by hand from campaigns/uk_shop.rules (5% standard
commission after the first 90 days, rounded half-even; shipping paid up to £4.99 an
order), and every decision is also compared with `program.decide` on the same facts.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import rulekit
from rulekit.cli import app as cli_app
from rulekit.serve import Registry, ServeConfig, ServeSetupError, create_app

with warnings.catch_warnings():
    # Starlette 1.x asks for the `httpx2` package and warns on import when it finds httpx;
    # the dev group installs httpx, which every Starlette from 0.41 (our lower bound) uses.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent
UK = ROOT / "campaigns" / "uk_shop.rules"
APOLLO = ROOT / "campaigns" / "apollo.rules"
RULEKIT = str(Path(sys.executable).parent / "rulekit")

MERCHANT = {"merchant_id": "m1", "region": "GB", "joined_at": "2022-01-01T10:00:00Z"}


def order(order_id: str, created_at: str, item_total: Any, shipping_fee: Any, **extra: Any) -> dict[str, Any]:
    row = {
        "order_id": order_id,
        "merchant_id": "m1",
        "created_at": created_at,
        "item_total": item_total,
        "shipping_fee": shipping_fee,
        "currency": "GBP",
        "refunded": False,
    }
    return {**row, **extra}


# Joined 2022-01-01 10:00 UTC: the 90 free days end 2022-04-01 09:00 UTC, so an order at
# 09:01 pays the standard 5%: 5% of £12.50 = £0.625 -> £0.62 (half-even); its £6.50
# shipping is capped at £4.99.
ONE_ORDER = {"merchants": MERCHANT, "orders": order("o1", "2022-04-01T09:01:00Z", "12.50", "6.50")}


def assert_no_traceback(body: str) -> None:
    for leak in ("Traceback", 'File "', "Error(", "rulekit/", ".py"):
        assert leak not in body, body


@pytest.fixture(scope="module")
def uk() -> rulekit.api.CompiledProgram:
    return rulekit.load(UK)


@pytest.fixture(scope="module")
def client() -> TestClient:
    registry = Registry.load([str(UK)])
    return TestClient(create_app(registry, ServeConfig(reload=False)))


def post(client: TestClient, path: str, payload: Any) -> Any:
    return client.post(path, content=json.dumps(payload), headers={"content-type": "application/json"})


# ----------------------------------------------------------------------------- decide


def test_decide_gives_the_hand_computed_amounts_as_decimal_strings(client: TestClient, uk: Any) -> None:
    response = post(client, "/programs/uk_shop/decide", ONE_ORDER)
    assert response.status_code == 200
    body = response.json()
    effects = {e["name"]: e for e in body["effects"]}
    assert effects["new_merchant_waiver"]["rate"] == "0.05"
    assert effects["new_merchant_waiver"]["amount"] == "0.62"  # 5% of £12.50 = £0.625 -> £0.62
    assert effects["free_shipping"]["amount"] == "4.99"  # £6.50 capped at £4.99
    assert body == json.loads(uk.decide(ONE_ORDER).model_dump_json())


def test_money_given_as_json_numbers_reads_exactly(client: TestClient) -> None:
    # 0.1 + 0.2 as floats is not 0.3; here the raw JSON numbers must stay exact decimals.
    # An order inside the free period (joined 2022-03-01, ordered 2022-03-10) with
    # shipping 0.30 (< £4.99, paid in full).
    facts = (
        '{"merchants": {"merchant_id": "m1", "region": "GB", "joined_at": "2022-03-01T10:00:00Z"},'
        ' "orders": {"order_id": "o1", "merchant_id": "m1", "created_at": "2022-03-10T12:00:00Z",'
        ' "item_total": 12.5, "shipping_fee": 0.30, "currency": "GBP", "refunded": false}}'
    )
    response = client.post("/programs/uk_shop/decide", content=facts)
    assert response.status_code == 200
    effects = {e["name"]: e["amount"] for e in response.json()["effects"]}
    assert effects == {"new_merchant_waiver": "0.00", "free_shipping": "0.30"}


@pytest.mark.parametrize("number", ["1e999999999", "12.5e1", "0.1234567890123"])
def test_a_json_number_is_read_by_the_numeric_string_rule(client: TestClient, number: str) -> None:
    # docs/api.md: decimals are exact, with no exponent and at most 12 decimal places; a
    # JSON number breaking that is bad facts, named like any other bad value.
    facts = json.dumps({"merchants": MERCHANT, "orders": [order("o1", "2022-04-01T09:01:00Z", "ITEM", "6.50")]})
    response = client.post("/programs/uk_shop/decide", content=facts.replace('"ITEM"', number))
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["table"], error["column"], error["row"]) == ("orders", "item_total", 0)
    assert number in error["message"]


def test_a_participant_decision_matches_program_decide(client: TestClient, uk: Any) -> None:
    # The file's own example: joined 2022-03-01 10:00 UTC, three orders; shipping paid
    # £3.50 + £4.99 (exactly the cap) + £4.99 (£6 capped) = £13.48.
    facts = {
        "merchants": {**MERCHANT, "joined_at": "2022-03-01T10:00:00Z"},
        "orders": [
            order("o1", "2022-03-10T12:00:00Z", "20", "3.50"),
            order("o3", "2022-05-30T08:30:00Z", "10", "4.99"),
            order("o2", "2022-05-30T09:30:00Z", "40", "6"),
        ],
    }
    body = post(client, "/programs/uk_shop/decide", facts).json()
    assert body["total_payout"] == "13.48"
    assert body["metrics"]["order_count"] == 3
    assert Decimal(body["metrics"]["net_sales"]) == Decimal("70")  # 20 + 10 + 40, none refunded
    assert body == json.loads(uk.decide(facts).model_dump_json())


def test_explain_returns_the_decision_and_its_words(client: TestClient, uk: Any) -> None:
    body = post(client, "/programs/uk_shop/explain", ONE_ORDER).json()
    assert body["decision"] == json.loads(uk.decide(ONE_ORDER).model_dump_json())
    assert "5% commission on item total £12.50 = £0.62" in body["explanation"]
    assert body["explanation"] == uk.decide(ONE_ORDER).explain(uk.ir)


def test_batch_decides_each_facts_in_order(client: TestClient, uk: Any) -> None:
    # Second order: inside the free period (0%), shipping £2 paid in full.
    second = {"merchants": {**MERCHANT, "joined_at": "2022-03-01T10:00:00Z"}}
    second["orders"] = order("o2", "2022-03-10T12:00:00Z", "40.00", "2.00")
    batch = [ONE_ORDER, second]
    response = post(client, "/programs/uk_shop/decide-batch", batch)
    assert response.status_code == 200
    body = response.json()
    assert body["program"] == "uk_shop"
    assert body["count"] == 2
    assert [{e["name"]: e["amount"] for e in d["effects"]} for d in body["decisions"]] == [
        {"new_merchant_waiver": "0.62", "free_shipping": "4.99"},
        {"new_merchant_waiver": "0.00", "free_shipping": "2.00"},
    ]
    assert body["decisions"] == [json.loads(uk.decide(f).model_dump_json()) for f in batch]


# ----------------------------------------------------------------------------- errors


def test_bad_facts_name_the_table_column_and_row(client: TestClient) -> None:
    facts = {
        "merchants": MERCHANT,
        "orders": [
            order("o1", "2022-04-01T09:01:00Z", "12.50", "6.50"),
            order("o2", "10/03/2022", "12.50", "6.50"),
        ],
    }
    response = post(client, "/programs/uk_shop/decide", facts)
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["table"], error["column"], error["row"]) == ("bad_facts", "orders", "created_at", 1)
    assert "10/03/2022" in error["message"]
    assert_no_traceback(response.text)


def test_a_missing_participant_column_is_named_without_a_row(client: TestClient) -> None:
    facts = {"merchants": {"merchant_id": "m1", "joined_at": "2022-01-01T10:00:00Z"}, "orders": []}
    error = post(client, "/programs/uk_shop/decide", facts).json()["error"]
    assert (error["table"], error["column"], error["row"]) == ("merchants", "region", None)


def test_a_bad_item_of_a_batch_is_named_with_its_index(client: TestClient) -> None:
    bad = {"merchants": MERCHANT, "orders": [order("o1", "2022-04-01T09:01:00Z", "twelve", "6.50")]}
    response = post(client, "/programs/uk_shop/decide-batch", [ONE_ORDER, ONE_ORDER, bad])
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["item"], error["table"], error["column"], error["row"]) == (2, "orders", "item_total", 0)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b'{"merchants": ', 400, "bad_json"),
        (b"", 400, "bad_json"),
        (b'{"x": NaN}', 400, "bad_json"),
        (b"\xff\xfe{", 400, "bad_json"),
        (b"[" * 100_000, 400, "bad_json"),
        (b"[1, 2]", 422, "bad_facts"),  # facts must be an object of tables
    ],
)
def test_unreadable_bodies_get_structured_errors(client: TestClient, body: bytes, status: int, code: str) -> None:
    response = client.post("/programs/uk_shop/decide", content=body)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert_no_traceback(response.text)


def test_json_syntax_errors_give_line_and_column(client: TestClient) -> None:
    error = client.post("/programs/uk_shop/decide", content=b'{\n  "merchants": }').json()["error"]
    assert (error["line"], error["col"]) == (2, 16)


def test_unknown_programs_routes_and_methods_are_json(client: TestClient) -> None:
    unknown = post(client, "/programs/nope/decide", ONE_ORDER)
    assert unknown.status_code == 404
    assert unknown.json()["error"] == {
        "code": "unknown_program",
        "message": "no program named `nope`",
        "programs": ["uk_shop"],
    }
    assert client.get("/nowhere").json()["error"]["code"] == "not_found"
    wrong = client.get("/programs/uk_shop/decide")
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (405, "method_not_allowed")


def test_an_unexpected_error_is_a_500_with_an_id_and_no_details(
    uk: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    registry = Registry.load([str(UK)])
    program = registry.get("uk_shop")

    def boom(facts: Any) -> Any:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(program, "decide", boom)
    client = TestClient(create_app(registry, ServeConfig(reload=False)))
    with caplog.at_level(logging.ERROR, logger="rulekit.serve"):
        response = post(client, "/programs/uk_shop/decide", ONE_ORDER)
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "internal"
    assert len(error["id"]) == 32
    assert "secret" not in response.text and "RuntimeError" not in response.text
    assert_no_traceback(response.text)
    # The log has the id and the traceback, for the operator.
    logged = [r for r in caplog.records if error["id"] in r.getMessage()]
    assert logged and logged[0].exc_info is not None


# ----------------------------------------------------------------------------- limits


def test_a_body_over_the_limit_is_refused_and_one_at_the_limit_is_read() -> None:
    limit = 400
    client = TestClient(create_app(Registry.load([str(UK)]), ServeConfig(max_body_bytes=limit, reload=False)))
    text = json.dumps(ONE_ORDER)
    assert len(text) < limit
    at_limit = text.encode() + b" " * (limit - len(text))  # trailing spaces are valid JSON
    assert client.post("/programs/uk_shop/decide", content=at_limit).status_code == 200
    over = client.post("/programs/uk_shop/decide", content=at_limit + b" ")
    assert over.status_code == 413
    assert over.json()["error"] == {
        "code": "body_too_large",
        "message": "the request body is over the limit of 400 bytes",
        "limit": 400,
    }


def test_a_chunked_body_without_length_is_cut_off_at_the_limit() -> None:
    client = TestClient(create_app(Registry.load([str(UK)]), ServeConfig(max_body_bytes=100, reload=False)))

    def chunks() -> Iterator[bytes]:
        yield b'{"merchants": {'
        for _ in range(50):
            yield b" " * 10

    response = client.post("/programs/uk_shop/decide", content=chunks())
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"


def test_a_batch_over_the_limit_is_refused() -> None:
    client = TestClient(create_app(Registry.load([str(UK)]), ServeConfig(max_batch=2, reload=False)))
    assert post(client, "/programs/uk_shop/decide-batch", [ONE_ORDER] * 2).status_code == 200
    response = post(client, "/programs/uk_shop/decide-batch", [ONE_ORDER] * 3)
    assert response.status_code == 413
    assert response.json()["error"] == {
        "code": "batch_too_large",
        "message": "3 facts in a batch; the limit is 2",
        "limit": 2,
    }
    not_a_list = post(client, "/programs/uk_shop/decide-batch", ONE_ORDER)
    assert (not_a_list.status_code, not_a_list.json()["error"]["code"]) == (422, "bad_batch")


# ----------------------------------------------------------------------------- schema and info

# The column types as campaigns/uk_shop.rules declares them.
UK_COLUMNS = {
    "merchants": {"merchant_id": "string", "region": "string", "joined_at": "timestamp"},
    "orders": {
        "order_id": "string",
        "merchant_id": "string",
        "created_at": "timestamp",
        "item_total": "money",
        "shipping_fee": "money",
        "currency": "string",
        "refunded": "bool",
    },
}


def test_openapi_lists_the_tables_and_columns_with_their_types(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    facts = doc["components"]["schemas"]["UkShopFacts"]
    assert facts["required"] == ["merchants", "orders"]
    merchants = facts["properties"]["merchants"]
    orders = facts["properties"]["orders"]["oneOf"][0]["items"]  # a list of rows, or one row
    rows = {"merchants": merchants, "orders": orders}
    found = {t: {c: s["x-rulekit-type"] for c, s in rows[t]["properties"].items()} for t in rows}
    assert found == UK_COLUMNS
    item_total = orders["properties"]["item_total"]
    assert item_total["x-currency"] == "GBP"
    assert "string" in item_total["type"]  # money is accepted as a decimal string
    assert orders["properties"]["created_at"]["format"] == "date-time"
    assert orders["required"] == list(UK_COLUMNS["orders"])
    metrics = doc["components"]["schemas"]["UkShopDecision"]["properties"]["metrics"]["properties"]
    assert metrics["order_count"]["type"] == ["integer", "null"]
    assert metrics["net_sales"]["type"] == ["string", "null"]  # money out is a string, never a float
    assert metrics["net_sales"]["x-rulekit-type"] == "money"
    decide = doc["paths"]["/programs/uk_shop/decide"]["post"]
    assert decide["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/UkShopFacts"
    }
    assert {"/health", "/programs/uk_shop/explain", "/programs/uk_shop/decide-batch"} <= set(doc["paths"])


def test_program_info_lists_tables_metrics_and_rewards(client: TestClient) -> None:
    info = client.get("/programs/uk_shop").json()
    assert info["currency"] == "GBP"
    assert info["participant"] == {"noun": "merchant", "table": "merchants", "key": "merchant_id"}
    assert {t["name"]: {c["name"]: c["type"] for c in t["columns"]} for t in info["tables"]} == UK_COLUMNS
    assert [m["name"] for m in info["metrics"]] == ["order_count", "net_sales"]
    assert {r["name"]: r["kind"] for r in info["rewards"]} == {
        "new_merchant_waiver": "commission",
        "free_shipping": "subsidy",
    }


def test_several_files_are_routed_by_program_name() -> None:
    client = TestClient(create_app(Registry.load([str(UK), str(APOLLO)]), ServeConfig(reload=False)))
    assert client.get("/programs").json() == {"programs": ["uk_shop", "apollo"]}
    assert client.get("/programs/apollo").json()["participant"]["table"] == "accounts"
    assert post(client, "/programs/uk_shop/decide", ONE_ORDER).status_code == 200
    wrong_program = post(client, "/programs/apollo/decide", ONE_ORDER).json()["error"]
    assert (wrong_program["code"], wrong_program["table"]) == ("bad_facts", "accounts")


def test_the_same_program_twice_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "copy.rules"
    copy.write_text(UK.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ServeSetupError, match="uk_shop"):
        Registry.load([str(UK), str(copy)])


# ----------------------------------------------------------------------------- reload

# The UK program without its examples (they pin the £4.99 cap the edits below change).
UK_RULES = UK.read_text(encoding="utf-8").split("# ----")[0]


def shipping_paid(client: TestClient) -> str:
    effects = post(client, "/programs/uk_shop/decide", ONE_ORDER).json()["effects"]
    return next(e["amount"] for e in effects if e["name"] == "free_shipping")


def test_a_broken_edit_keeps_the_program_and_a_clean_one_replaces_it(tmp_path: Path) -> None:
    path = tmp_path / "uk.rules"
    path.write_text(UK_RULES, encoding="utf-8")
    registry = Registry.load([str(path)])
    client = TestClient(create_app(registry, ServeConfig(reload=False)))
    assert shipping_paid(client) == "4.99"  # £6.50 capped at £4.99

    broken = UK_RULES + "\nmetric broken = sum no_such_column in orders\n"
    path.write_text(broken, encoding="utf-8")
    assert registry.poll() == []
    assert shipping_paid(client) == "4.99"  # still the working program
    health = client.get("/health").json()
    assert health["status"] == "degraded"
    problem = health["programs"][0]["reload_error"]
    line = broken.splitlines().index("metric broken = sum no_such_column in orders") + 1
    assert [(d["line"], d["severity"]) for d in problem["diagnostics"]] == [(line, "error")]
    assert problem["diagnostics"][0]["code"].startswith("RK")
    assert "no_such_column" in problem["diagnostics"][0]["message"]
    assert registry.poll() == []  # the same broken bytes are not tried again

    path.write_text(UK_RULES.replace("cap per order: £4.99", "cap per order: £3.00"), encoding="utf-8")
    assert registry.poll() == [str(path)]
    assert shipping_paid(client) == "3.00"  # £6.50 capped at the new £3.00
    health = client.get("/health").json()
    assert health["status"] == "ok" and health["programs"][0]["reload_error"] is None


def test_the_running_service_reloads_on_its_own(tmp_path: Path) -> None:
    path = tmp_path / "uk.rules"
    path.write_text(UK_RULES, encoding="utf-8")
    app = create_app(Registry.load([str(path)]), ServeConfig(reload=True, reload_interval=0.05))
    with TestClient(app) as client:  # the context runs the lifespan, hence the reload loop
        path.write_text(UK_RULES.replace("cap per order: £4.99", "cap per order: £2.00"), encoding="utf-8")
        deadline = time.monotonic() + 20
        while shipping_paid(client) != "2.00" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert shipping_paid(client) == "2.00"


# ----------------------------------------------------------------------------- generated cases

_DAY = st.integers(min_value=0, max_value=150)  # days after 2022-01-01
_CENTS = st.integers(min_value=0, max_value=99_999)


def _when(day: int, minute: int) -> str:
    stamp = dt.datetime(2022, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=day, minutes=minute)
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def _amount(cents: int, as_number: bool) -> str:
    text = str(Decimal(cents) / 100)
    return text if as_number else json.dumps(text)  # a JSON number or a JSON string


@st.composite
def uk_bodies(draw: st.DrawFn) -> str:
    """Raw JSON facts for one UK merchant: money as JSON numbers or strings, orders as a list or one row."""
    merchant = {"merchant_id": "m1", "region": draw(st.sampled_from(["GB", "IE"])), "joined_at": _when(draw(_DAY), 600)}
    rows = []
    for i in range(draw(st.integers(min_value=1, max_value=4))):
        minute = draw(st.integers(min_value=0, max_value=1439))
        item = _amount(draw(_CENTS), draw(st.booleans()))
        fee = _amount(draw(st.integers(min_value=0, max_value=900)), draw(st.booleans()))
        refunded = json.dumps(draw(st.booleans()))
        rows.append(
            f'{{"order_id": "o{i}", "merchant_id": "m1", "created_at": "{_when(draw(_DAY), minute)}",'
            f' "item_total": {item}, "shipping_fee": {fee}, "currency": "GBP", "refunded": {refunded}}}'
        )
    orders = rows[0] if len(rows) == 1 and draw(st.booleans()) else f"[{', '.join(rows)}]"
    return f'{{"merchants": {json.dumps(merchant)}, "orders": {orders}}}'


@settings(max_examples=40, deadline=None, database=None, derandomize=True)
@given(bodies=st.lists(uk_bodies(), min_size=1, max_size=3))
def test_the_service_agrees_with_decide_on_generated_cases(client: TestClient, uk: Any, bodies: list[str]) -> None:
    # decide reads the facts from the same text, with every number as an exact Decimal.
    expected = [json.loads(uk.decide(json.loads(b, parse_float=Decimal)).model_dump_json()) for b in bodies]
    for body, decision in zip(bodies, expected, strict=True):
        assert client.post("/programs/uk_shop/decide", content=body).json() == decision
    batch = client.post("/programs/uk_shop/decide-batch", content=f"[{', '.join(bodies)}]").json()
    assert batch["decisions"] == expected


# ----------------------------------------------------------------------------- command line


def test_serve_refuses_a_broken_rule_file_at_start(tmp_path: Path) -> None:
    path = tmp_path / "broken.rules"
    path.write_text(UK_RULES + "\nmetric broken = sum no_such_column in orders\n", encoding="utf-8")
    result = CliRunner().invoke(cli_app, ["serve", str(path)])
    assert result.exit_code == 1
    assert "no_such_column" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_serve_refuses_standard_input() -> None:
    result = CliRunner().invoke(cli_app, ["serve", "-"])
    assert result.exit_code == 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_real_server_answers_over_http() -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    command = [RULEKIT, "serve", str(UK), "--port", str(port), "--no-reload", "--no-access-log"]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30  # starting Python and loading the program: ~3 s when idle
        while True:
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=2) as health:
                    assert json.load(health)["status"] == "ok"
                    break
            except OSError:
                assert time.monotonic() < deadline, "the server did not answer /health in time"
                time.sleep(0.1)
        request = urllib.request.Request(
            f"{base}/programs/uk_shop/decide",
            data=json.dumps(ONE_ORDER).encode(),
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            effects = {e["name"]: e["amount"] for e in json.load(response)["effects"]}
        assert effects == {"new_merchant_waiver": "0.62", "free_shipping": "4.99"}
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log = server.stderr.read().decode() if server.stderr else ""
        if server.stderr:
            server.stderr.close()
    # uvicorn shuts down cleanly on SIGTERM, then re-raises the signal, as servers do.
    assert server.returncode in (0, -signal.SIGTERM), log
    assert "Application shutdown complete" in log
    assert "Traceback" not in log
