"""The compiled fast path and batch decisions (issue 12, items 2 and 3): `decide_fast`,
`decide_batch` and the service agree with `decide` record by record, and with a reference
written by hand from the rule file (tests/apollo_reference.py)."""

from __future__ import annotations

import json
import warnings
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rulekit
import rulekit.fastpath as fastpath
from rulekit.fastpath import FastProgram
from rulekit.fastpath.batch import BatchFactsError
from rulekit.fastpath.codegen import Unsupported
from rulekit.serve import Registry, ServeConfig, create_app
from tests.apollo_reference import flat, records, reference

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent
APOLLO = ROOT / "campaigns" / "apollo.rules"
UK = ROOT / "campaigns" / "uk_shop.rules"
GROWTH = ROOT / "campaigns" / "growth_leaderboard.rules"


@pytest.fixture(scope="module")
def apollo() -> rulekit.CompiledProgram:
    return rulekit.load(APOLLO)


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(Registry.load([str(APOLLO)]), ServeConfig(reload=False)))


def one(**changes: Any) -> dict[str, Any]:
    """A qualifying agency with one host: 14:00:01 effective (> 14 h), 10 min idle; 3 of 30 refunded."""
    record: dict[str, Any] = {
        "accounts": {
            "account_id": "a1",
            "kind": "agency",
            "program": "TikTok Shopping Partner",
            "region": "US",
            "hosts_submitted": True,
            "click_farming_flag": False,
        },
        "hosts": [
            {
                "account_id": "a1",
                "host_id": "h1",
                "registered_at": "2022-01-05T00:00:00Z",
                "effective_live_time": 50401,
                "idle_live_time": 600,
            }
        ],
        "product_uv": 120,
        "net_gmv": "1000.00",
        "order_count": 30,
        "refunded_orders": 3,
        "host_count": 1,
    }
    record.update(changes)
    return record


def core(outcome: Any) -> tuple[Any, ...]:
    rewards = {r.name: r.amount for r in outcome.rewards}
    return outcome.eligible, outcome.qualified, outcome.disqualified, tuple(outcome.warnings), rewards


# ------------------------------------------------------------------ hand-worked values


def test_the_fast_path_decides_without_wording(apollo: rulekit.CompiledProgram) -> None:
    outcome = apollo.decide_fast(one())
    # 50,401 s > 14 h; 600 s idle is not > 2 h; 3 of 30 refunded is 10%; rebate 2% of $1,000.00 = $20.00.
    assert (outcome.eligible, outcome.qualified, outcome.disqualified, outcome.warnings) == (True, True, False, ())
    assert [(r.name, r.amount) for r in outcome.rewards] == [("gmv_rebate", Decimal("20.00"))]
    assert outcome.total_payout == Decimal("20.00")
    assert outcome.metrics["refund_rate"] == Fraction(1, 10)
    assert outcome.members["h1"]["effective_live_time"] == Decimal(50401)
    assert outcome._clauses is None and outcome._reasons is None  # nothing worded yet
    # Worded when read: 50,401 s shows as 14 hours to two places, so the seconds are said too.
    live = next(c for c in outcome.clauses if c.name == "live_hours")
    assert live.holds and "host h1" in live.reason and "50,401 seconds" in live.reason
    assert outcome._clauses is not None


def test_a_disqualified_and_warned_account(apollo: rulekit.CompiledProgram) -> None:
    # 7 of 20 refunded is 35% > 30%; 2 h 0 min 1 s idle is more than 2 hours.
    host = {**one()["hosts"][0], "idle_live_time": 7201}
    outcome = apollo.decide_fast(one(order_count=20, refunded_orders=7, hosts=[host]))
    assert (outcome.eligible, outcome.qualified, outcome.disqualified) == (True, False, True)
    assert outcome.warnings == ("idle_streaming",)
    assert outcome.rewards == () and outcome.total_payout == Decimal("0.00")
    assert "disqualified by high_refund_rate" in outcome.reasons


def test_the_outcome_builds_the_decision_decide_returns(apollo: rulekit.CompiledProgram) -> None:
    for record in records(200, seed=7):
        outcome = apollo.decide_fast(record)
        decision = apollo.decide(record)
        assert outcome.decision() == decision
        assert outcome.reasons == decision.reasons
        assert [(c.name, c.holds, c.judged, c.reason) for c in outcome.clauses] == [
            (c.name, c.holds, c.judged, c.reason) for c in decision.clauses
        ]


def test_fast_path_matches_the_hand_written_reference(apollo: rulekit.CompiledProgram) -> None:
    for record in records(2000, seed=11):
        eligible, qualified, disqualified, warned, rebate = reference(record)
        outcome = apollo.decide_fast(record)
        expected_rewards = {"gmv_rebate": rebate} if qualified else {}
        assert core(outcome) == (eligible, qualified, disqualified, warned, expected_rewards), record


# -------------------------------------------------------------------------- fallbacks


def test_events_are_decided_by_the_reference_evaluator(apollo: rulekit.CompiledProgram) -> None:
    from tests.test_decide import apollo_facts

    facts = apollo_facts()
    outcome = apollo.decide_fast(facts)
    assert outcome._pieces is None  # the generated reader does not take events
    assert outcome.decision() == apollo.decide(facts)


def test_order_decisions_keep_their_effects() -> None:
    uk = rulekit.load(UK)
    facts = {
        "merchants": {"merchant_id": "m1", "region": "GB", "joined_at": "2022-01-01T10:00:00Z"},
        "orders": {
            "order_id": "o1",
            "merchant_id": "m1",
            "created_at": "2022-04-01T09:01:00Z",
            "item_total": "12.50",
            "shipping_fee": "6.50",
            "currency": "GBP",
            "refunded": False,
        },
    }
    outcome = uk.decide_fast(facts)
    # 5% of £12.50 = £0.625 -> £0.62 half-even; shipping £6.50 capped at £4.99.
    assert {e.name: e.amount for e in outcome.effects} == {
        "new_merchant_waiver": Decimal("0.62"),
        "free_shipping": Decimal("4.99"),
    }
    assert outcome.decision() == uk.decide(facts)


def test_a_plan_the_generator_cannot_handle_runs_the_reference(
    apollo: rulekit.CompiledProgram, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(plan: Any) -> Any:
        raise Unsupported("a construct added after the generator")

    monkeypatch.setattr(fastpath, "compile_clauses", refuse)
    fallback = FastProgram(apollo._py)
    assert fallback.generated is False
    for record in records(100, seed=3):
        outcome = fallback.decide(record)
        assert outcome._pieces is None
        assert outcome.decision() == apollo.decide(record)
        assert core(outcome) == core(apollo.decide_fast(record))


def test_computed_metrics_on_the_fast_path() -> None:
    growth = rulekit.load(GROWTH)
    facts = {"sellers": {"seller_id": "s1", "region": "US"}, "q1_sales": "1000", "q2_sales": "13500.50"}
    facts.update({"q2_orders": 10, "q2_refunds": 2})
    outcome = growth.decide_fast(facts)
    assert outcome._pieces is not None
    # growth $12,500.50; the bonus base min(growth, $10,000) = $10,000; 5% = $500.00. 2 of 10 = 20%: not over.
    assert outcome.metrics["growth"] == Decimal("12500.50")
    assert [(r.name, r.amount) for r in outcome.rewards] == [("growth_bonus", Decimal("500.00"))]
    assert outcome.decision() == growth.decide(facts)


@pytest.mark.parametrize(
    "change",
    [
        {"net_gmv": "a lot"},
        {"order_count": 2.5},
        {"accounts": {"account_id": "a1", "kind": "agency"}},
        {"hosts": [{"account_id": "a2", "host_id": "h1", "registered_at": None, "effective_live_time": 1}]},
        {"hosts": [{**one()["hosts"][0], "registered_at": "yesterday"}]},
        {"hosts": [{**one()["hosts"][0], "effective_live_time": "fourteen"}]},
    ],
)
def test_bad_facts_raise_what_decide_raises(apollo: rulekit.CompiledProgram, change: dict[str, Any]) -> None:
    facts = one(**change)
    with pytest.raises(rulekit.FactsError) as expected:
        apollo.decide(facts)
    with pytest.raises(rulekit.FactsError) as found:
        apollo.decide_fast(facts)
    assert str(found.value) == str(expected.value)


def test_an_account_without_hosts_decides_as_decide(apollo: rulekit.CompiledProgram) -> None:
    # No host carries effective_live_time, so decide needs the sessions to compute it from.
    facts = one(hosts=[], host_count=0)
    with pytest.raises(rulekit.FactsError) as expected:
        apollo.decide(facts)
    with pytest.raises(rulekit.FactsError) as found:
        apollo.decide_fast(facts)
    assert str(found.value) == str(expected.value)
    with pytest.raises(BatchFactsError, match="record 0"):
        apollo.decide_batch(pa.Table.from_pylist([flat(facts), flat(one(host_count=1))]))
    # With the (empty) sessions given, every host test holds over no hosts; host_count = 0 fails eligibility.
    outcome = apollo.decide_fast({**facts, "live_sessions": []})
    assert (outcome.eligible, outcome.holds[3]) == (False, True)


def test_rule_file_text_is_never_spliced_into_generated_code() -> None:
    text = "x' + str(1/0) + ')"  # Python, were it spliced into the source as text
    source = APOLLO.read_text(encoding="utf-8").replace('kind = "agency"', f'kind = "{text}"')
    program = rulekit.loads(source)
    assert program._fast.generated
    assert program._fast.clause_code is not None and text not in program._fast.clause_code.source
    facts = one(accounts={**one()["accounts"], "kind": text})
    assert program.decide_fast(facts).eligible is True
    assert core(program.decide_fast(one())) == core(program.decide(one()))


# ------------------------------------------------------------------------- batches


def test_a_batch_from_arrow_pandas_or_polars(apollo: rulekit.CompiledProgram) -> None:
    sample = records(300, seed=5)
    table = pa.Table.from_pylist([flat(r) for r in sample])
    out = apollo.decide_batch(table)
    assert out.num_rows == 300
    assert apollo.decide_batch(table.to_pandas()).equals(out)
    assert apollo.decide_batch(pl.from_arrow(table)).equals(out)
    for row, record in zip(out.to_pylist(), sample, strict=True):
        eligible, qualified, disqualified, warned, rebate = reference(record)
        assert (row["eligible"], row["qualified"], row["disqualified"]) == (eligible, qualified, disqualified)
        assert tuple(row["warnings"]) == warned
        assert row["reward.gmv_rebate"] == rebate
        assert row["total_payout"] == (rebate or Decimal("0.00"))


def test_a_bad_record_is_named(apollo: rulekit.CompiledProgram) -> None:
    sample = [{**flat(r), "net_gmv": str(r["net_gmv"])} for r in records(3, seed=5)]
    sample[2]["net_gmv"] = "a lot"
    with pytest.raises(BatchFactsError, match="record 2") as raised:
        apollo.decide_batch(pd.DataFrame(sample))
    assert raised.value.record == 2 and raised.value.column == "net_gmv"
    sample[2]["net_gmv"] = 12  # a column of text and numbers is not a table Arrow can hold
    with pytest.raises(rulekit.FactsError, match="net_gmv"):
        apollo.decide_batch(pd.DataFrame(sample))
    with pytest.raises(rulekit.FactsError, match="Arrow table"):
        apollo.decide_batch([1, 2])


# ------------------------------------------------------------- agreement, generated


@st.composite
def apollo_records(draw: st.DrawFn) -> dict[str, Any]:
    seconds = st.one_of(st.sampled_from([0, 7200, 7201, 50400, 50401]), st.integers(0, 200_000))
    hosts = [
        {
            "account_id": "a1",
            "host_id": f"h{i}",
            "registered_at": "2022-01-05T00:00:00Z",
            "effective_live_time": draw(seconds),
            "idle_live_time": draw(seconds),
        }
        for i in range(draw(st.integers(1, 3)))
    ]
    orders = draw(st.integers(0, 60))
    return one(
        accounts={
            "account_id": "a1",
            "kind": draw(st.sampled_from(["agency", "merchant"])),
            "program": "TikTok Shopping Partner",
            "region": draw(st.sampled_from(["US", "GB"])),
            "hosts_submitted": draw(st.booleans()),
            "click_farming_flag": draw(st.booleans()),
        },
        hosts=hosts,
        host_count=len(hosts),
        order_count=orders,
        refunded_orders=draw(st.integers(0, orders)),
        net_gmv=str(Decimal(draw(st.integers(0, 50_000_000))) / 100),
        product_uv=draw(st.integers(0, 10_000)),
    )


@settings(max_examples=40, deadline=None, database=None, derandomize=True)
@given(batch=st.lists(apollo_records(), min_size=1, max_size=4))
def test_decide_fast_batch_and_service_agree(
    apollo: rulekit.CompiledProgram, client: TestClient, batch: list[dict[str, Any]]
) -> None:
    table = apollo.decide_batch(pa.Table.from_pylist([flat(r) for r in batch])).to_pylist()
    served = client.post("/programs/apollo/decide-batch", content=json.dumps(batch)).json()["decisions"]
    rows = client.post("/programs/apollo/decide-batch?view=outcomes", content=json.dumps(batch)).json()["outcomes"]
    for record, row, service, served_row in zip(batch, table, served, rows, strict=True):
        assert (served_row["eligible"], served_row["qualified"], served_row["warnings"]) == (
            row["eligible"],
            row["qualified"],
            row["warnings"],
        )
        assert served_row["total_payout"] == str(row["total_payout"])
        decision = apollo.decide(record)
        outcome = apollo.decide_fast(record)
        assert outcome.decision() == decision
        assert service == json.loads(decision.model_dump_json())
        eligible, qualified, disqualified, warned, rebate = reference(record)
        assert core(outcome) == (eligible, qualified, disqualified, warned, {"gmv_rebate": rebate} if qualified else {})
        assert (row["eligible"], row["qualified"], row["disqualified"], tuple(row["warnings"])) == (
            decision.eligible,
            decision.qualified,
            decision.disqualified,
            tuple(decision.warnings),
        )
        assert row["total_payout"] == decision.total_payout
        assert [row[f"clause.{c.name}"] for c in decision.clauses] == [c.holds for c in decision.clauses]


# --------------------------------------------------------------- vectorised batches


def typed_table(sample: list[dict[str, Any]]) -> pa.Table:
    """The records as a typed batch: money as decimal128(14, 2), the rest as Arrow infers it."""
    rows = [{**flat(r), "net_gmv": None if r["net_gmv"] is None else Decimal(str(r["net_gmv"]))} for r in sample]
    table = pa.Table.from_pylist(rows)
    at = table.schema.get_field_index("net_gmv")
    return table.set_column(at, "net_gmv", table.column("net_gmv").cast(pa.decimal128(14, 2)))


def per_record(apollo: rulekit.CompiledProgram, table: pa.Table) -> pa.Table:
    from rulekit.fastpath.batch import _table, records

    plan = apollo.plan
    return _table(plan, [apollo._fast.decide(facts) for facts in records(plan, table)])


def vectorised(apollo: rulekit.CompiledProgram, table: pa.Table) -> pa.Table | None:
    from rulekit.fastpath.batch import result_schema
    from rulekit.fastpath.vector import vector_decide

    return vector_decide(apollo.plan, table, result_schema(apollo.plan), apollo._fast.due)


def test_the_vectorised_batch_matches_the_reference(apollo: rulekit.CompiledProgram) -> None:
    sample = records(3000, seed=21)
    table = typed_table(sample)
    out = vectorised(apollo, table)
    assert out is not None  # typed columns: decided vectorised
    assert out.equals(per_record(apollo, table))
    assert apollo.decide_batch(table).equals(out)
    for row, record in zip(out.to_pylist(), sample, strict=True):
        eligible, qualified, disqualified, warned, rebate = reference(record)
        assert (row["eligible"], row["qualified"], row["disqualified"], tuple(row["warnings"])) == (
            eligible,
            qualified,
            disqualified,
            warned,
        )
        assert row["reward.gmv_rebate"] == rebate


def test_tables_the_vectorised_path_does_not_take(apollo: rulekit.CompiledProgram) -> None:
    sample = records(20, seed=2)
    floats = pa.Table.from_pylist([flat(r) for r in sample])  # money as float: read record by record
    assert vectorised(apollo, floats) is None
    twice = [dict(r) for r in sample]
    twice[3] = {**twice[3], "hosts": [twice[3]["hosts"][0], twice[3]["hosts"][0]]}  # one host twice
    assert vectorised(apollo, typed_table(twice)) is None
    assert apollo.decide_batch(typed_table(twice)).equals(per_record(apollo, typed_table(twice)))
    stranger = [dict(r) for r in sample]
    stranger[5] = {**stranger[5], "hosts": [{**stranger[5]["hosts"][0], "account_id": "someone else"}]}
    assert vectorised(apollo, typed_table(stranger)) is None
    with pytest.raises(BatchFactsError, match="record 5"):
        apollo.decide_batch(typed_table(stranger))


@st.composite
def nullable_records(draw: st.DrawFn) -> dict[str, Any]:
    record = draw(apollo_records())
    record["accounts"]["account_id"] = f"a{draw(st.integers(0, 10**6))}"
    for host in record["hosts"]:
        host["account_id"] = record["accounts"]["account_id"]
        host["effective_live_time"] = draw(st.one_of(st.none(), st.just(host["effective_live_time"])))
    record["order_count"] = draw(st.one_of(st.none(), st.integers(0, 40)))
    record["refunded_orders"] = draw(st.one_of(st.none(), st.integers(0, 40)))
    record["net_gmv"] = draw(st.one_of(st.none(), st.sampled_from(["-5.00", "0.00", "0.25", "0.75", "99999.99"])))
    record["accounts"]["region"] = draw(st.sampled_from(["US", "GB", None]))
    return record


@settings(max_examples=40, deadline=None, database=None, derandomize=True)
@given(batch=st.lists(nullable_records(), min_size=1, max_size=8))
def test_vectorised_and_per_record_batches_agree(apollo: rulekit.CompiledProgram, batch: list[dict[str, Any]]) -> None:
    # Unknown values, zero orders (no refund rate), negative and half-cent rebates (0.25 × 2% = 0.005).
    table = typed_table(batch)
    out = vectorised(apollo, table)
    assert out is not None
    assert out.to_pylist() == per_record(apollo, table).to_pylist()
    for row, record in zip(out.to_pylist(), batch, strict=True):
        assert (row["eligible"], row["qualified"]) == (apollo.decide(record).eligible, apollo.decide(record).qualified)


# ------------------------------------------------------------- the service's batch view


def test_the_service_batch_view_outcomes_is_decide_batch(apollo: rulekit.CompiledProgram, client: TestClient) -> None:
    sample = records(60, seed=17)
    response = client.post("/programs/apollo/decide-batch?view=outcomes", content=json.dumps(sample))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 60 and len(body["outcomes"]) == 60
    for record, row in zip(sample, body["outcomes"], strict=True):
        eligible, qualified, disqualified, warned, rebate = reference(record)
        assert (row["id"], row["eligible"], row["qualified"], row["disqualified"]) == (
            record["accounts"]["account_id"],
            eligible,
            qualified,
            disqualified,
        )
        assert tuple(row["warnings"]) == warned
        # Amounts as decimal strings, as the decisions give them; nothing paid before the limits otherwise.
        assert row["reward.gmv_rebate"] == (None if rebate is None else str(rebate))
        assert row["total_payout"] == str(rebate if rebate is not None else Decimal("0.00"))


def test_a_bad_item_of_the_outcomes_view_is_named(client: TestClient) -> None:
    sample = records(3, seed=4)
    sample[1] = {**sample[1], "order_count": "many"}
    response = client.post("/programs/apollo/decide-batch?view=outcomes", content=json.dumps(sample))
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["item"]) == ("bad_facts", 1)
    assert "order_count" in error["message"]
    unknown = client.post("/programs/apollo/decide-batch?view=rows", content=json.dumps(sample))
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (422, "bad_view")


# ---------------------------------------------------------------- the straight path


def test_apollo_decides_on_the_straight_path(apollo: rulekit.CompiledProgram) -> None:
    outcome = apollo.decide_fast(one())
    assert apollo._fast.straight is not None and outcome._state is not None  # one generated function
    # 3 of 30 refunded: 3 × 10 = 30 > 3 × 30 = 90 is false, so the refund rule holds not (10% ≤ 30%).
    assert outcome.holds == (True, True, True, True, False, False, False)
    # The metrics are read back only when asked: the ratio exactly, the seconds as Decimal.
    assert outcome.metrics["refund_rate"] == Fraction(3, 30)
    assert outcome.members["h1"]["effective_live_time"] == Decimal(50401)
    assert outcome.decision() == apollo.decide(one())


@pytest.mark.parametrize(
    "facts",
    [
        one(hosts=[{**one()["hosts"][0], "registered_at": "2022-01-05 00:00:00Z"}]),  # another spelling
        one(hosts=[{**one()["hosts"][0], "registered_at": "2022-02-30T00:00:00Z"}]),  # not a real day
        one(hosts=[{**one()["hosts"][0], "registered_at": "2022-01-05T00:00:00+01:00"}]),
        one(net_gmv=0.1 + 0.2),  # 0.30000000000000004: more than 12 places
        one(net_gmv=float("nan")),
        one(net_gmv=1e-5),  # repr 1e-05: read by the converter
        one(net_gmv=12),
        one(order_count=2**63),  # beyond BIGINT
        one(order_count=None, refunded_orders=None),
        one(refund_rate="0.5"),  # a ratio given: the slower reader reads it
        one(host_count=None),
        one(hosts=[{**one()["hosts"][0], "effective_live_time": 50400.5}]),
        one(hosts=[{**one()["hosts"][0], "idle_live_time": None}]),
        one(hosts=[one()["hosts"][0], one()["hosts"][0]]),  # the same host twice
        one(accounts={**one()["accounts"], "account_id": 17}),  # a numeric id reads as text
    ],
)
def test_unusual_facts_decide_as_decide_does(apollo: rulekit.CompiledProgram, facts: dict[str, Any]) -> None:
    try:
        expected = apollo.decide(facts)
    except rulekit.FactsError as exc:
        with pytest.raises(rulekit.FactsError) as found:
            apollo.decide_fast(facts)
        assert str(found.value) == str(exc)
        return
    outcome = apollo.decide_fast(facts)
    assert outcome.decision() == expected
    assert (outcome.eligible, outcome.qualified, outcome.disqualified) == (
        expected.eligible,
        expected.qualified,
        expected.disqualified,
    )
    assert list(outcome.warnings) == list(expected.warnings)
    assert outcome.total_payout == expected.total_payout


def test_the_timestamp_shape_gate_admits_only_what_the_pattern_admits() -> None:
    """The straight path checks a timestamp's separators and lets Python's parser check the
    digits; whatever passes both must be a string the reader's pattern matches (ASCII digits)."""
    import datetime as dt
    import random

    from rulekit.fastpath.reader import _UTC_STAMP
    from rulekit.fastpath.straight import _stamp_shape

    gate = eval(f"lambda v: {_stamp_shape('v')}")  # our own generated source, no input
    rng = random.Random(5)
    alphabet = "0123456789-:TZ +._,W\u0662\uff15\u00b2x"  # an Arabic-Indic and a full-width digit, a superscript
    admitted = 0
    for _ in range(200_000):
        chars = list("2022-01-05T03:00:00Z")
        for _ in range(rng.randrange(1, 4)):
            chars[rng.randrange(20)] = rng.choice(alphabet)
        text = "".join(chars)
        if not gate(text):
            continue
        try:
            dt.datetime.fromisoformat(text)
        except ValueError:
            continue
        admitted += 1
        assert _UTC_STAMP(text), text
    assert admitted > 1000  # the gate was exercised, not vacuous


def test_a_count_of_members_not_given_is_vectorised(apollo: rulekit.CompiledProgram) -> None:
    sample = records(400, seed=8)
    table = typed_table(sample).drop_columns(["host_count"])
    out = vectorised(apollo, table)
    assert out is not None
    for row, record in zip(out.to_pylist(), sample, strict=True):
        # host_count is the number of hosts listed (1 to 3 here), so eligibility is the reference's.
        assert row["eligible"] == reference(record)[0]
    assert out.equals(per_record(apollo, table))


def test_sliced_and_chunked_tables_are_vectorised_exactly(apollo: rulekit.CompiledProgram) -> None:
    # The member lists and money words are read in place: offsets and chunk boundaries must not shift them.
    sample = records(600, seed=9)
    table = typed_table(sample)
    pieces = [
        (table.slice(137, 300), sample[137:437]),
        (pa.concat_tables([table.slice(0, 100), table.slice(250, 200)]), sample[:100] + sample[250:450]),
    ]
    for piece, expected in pieces:
        out = vectorised(apollo, piece)
        assert out is not None
        assert out.equals(per_record(apollo, piece))
        found = [(r["id"], r["eligible"], r["qualified"], r["disqualified"]) for r in out.to_pylist()]
        assert found == [(r["accounts"]["account_id"], *reference(r)[:3]) for r in expected]
