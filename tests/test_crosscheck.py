"""The two evaluators agree: compiled Python (`decide`) and SQL on DuckDB (`settle`).

Hypothesis generates small data sets around the edges that matter (window bounds,
daylight-saving changes, the 20-order minimum sample, the 14-hour threshold) and
variations of the programs (thresholds, rates, bracket modes, quantifiers). For every
participant, the settlement's metrics, clause outcomes, flags and pre-limit rewards
must equal what `decide` gives for that participant's facts.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import rulekit
from rulekit import ir
from rulekit.results import Decision, ParticipantResult, Settlement
from tests.test_decide import EXTRAS

ROOT = Path(__file__).resolve().parent.parent
APOLLO_SOURCE = (ROOT / "campaigns" / "apollo.rules").read_text()
UK_SOURCE = (ROOT / "campaigns" / "uk_shop.rules").read_text()
UTC = dt.UTC
Rows = list[dict[str, Any]]

# No shrinking: one settlement takes ~0.3 s, so shrinking a failure would take minutes;
# the generated data sets are small enough to read as they are.
CHECK = settings(
    max_examples=20,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

_ARROW_TYPES = {
    ir.ColumnType.STRING: pa.string(),
    ir.ColumnType.INT: pa.int64(),
    ir.ColumnType.MONEY: pa.decimal128(18, 2),
    ir.ColumnType.BOOL: pa.bool_(),
    ir.ColumnType.TIMESTAMP: pa.timestamp("us", tz="UTC"),
}


def arrow_tables(program: ir.Program, tables: dict[str, Rows]) -> dict[str, pa.Table]:
    """Typed Arrow tables (an empty table keeps its schema)."""
    out = {}
    for table in program.tables:
        schema = pa.schema([(c.name, _ARROW_TYPES[c.type]) for c in table.columns if c.type is not None])
        out[table.name] = pa.Table.from_pylist(tables[table.name], schema=schema)
    return out


def facts_of(program: ir.Program, tables: dict[str, Rows], key: str, pid: str) -> dict[str, Any]:
    """One participant's facts: its row, and the rows of every other table that link to it."""
    assert program.participant is not None
    facts: dict[str, Any] = {}
    for name, rows in tables.items():
        mine = [r for r in rows if r[key] == pid]
        facts[name] = mine[0] if name == program.participant.table else mine
    return facts


def assert_same(decision: Decision, row: ParticipantResult) -> None:
    assert decision.participant_id == row.id
    assert decision.metrics == row.metrics, row.id
    assert decision.members == row.members, row.id
    mine = [(c.name, c.kind, c.holds, c.judged) for c in decision.clauses]
    theirs = [(c.name, c.kind, c.holds, c.judged) for c in row.clauses]
    assert mine == theirs, row.id
    assert (decision.eligible, decision.qualified) == (row.eligible, row.qualified), row.id
    disqualified = any(c.kind == "disqualify" and c.holds and c.judged for c in decision.clauses)
    assert disqualified == row.disqualified, row.id
    warned = [c.name for c in decision.clauses if c.kind == "warn" and c.holds and c.judged]
    assert warned == row.warnings, row.id
    # Reasons too: both are worded from a trace of the same compiled clause over the same
    # values, and one function words the top-level reasons (decide adds notes after them on
    # what a single decision cannot know, so the settlement row's are its first ones).
    assert [(c.name, c.reason) for c in decision.clauses] == [(c.name, c.reason) for c in row.clauses], row.id
    assert decision.reasons[: len(row.reasons)] == row.reasons, row.id


def settle_and_decide(
    source: str, tables: dict[str, Rows], key: str
) -> tuple[rulekit.CompiledProgram, Settlement, dict[str, Decision]]:
    program = rulekit.loads(source, "generated.rules")
    settlement = program.settle(arrow_tables(program.ir, tables))
    assert settlement.data_quality == []
    decisions = {row.id: program.decide(facts_of(program.ir, tables, key, row.id)) for row in settlement.participants}
    assert len(settlement.participants) == len({r[key] for r in tables[next(iter(tables))]})
    return program, settlement, decisions


# ------------------------------------------------------------------------------ Apollo

W0 = dt.datetime(2022, 2, 14, 5, tzinfo=UTC)  # 2022-02-14 00:00 EST
W1 = dt.datetime(2022, 2, 28, 5, tzinfo=UTC)  # 2022-02-28 00:00 EST: the exclusive end


def instants(start: dt.datetime, end: dt.datetime) -> st.SearchStrategy[dt.datetime]:
    """Times near the window bounds (to the second) or anywhere around the window."""
    near = st.builds(
        lambda anchor, seconds: anchor + dt.timedelta(seconds=seconds),
        st.sampled_from([start, end]),
        st.sampled_from([-7200, -60, -1, 0, 1, 60, 3600]),
    )
    span = int((end - start).total_seconds() // 60)
    anywhere = st.builds(lambda m: start + dt.timedelta(minutes=m), st.integers(-600, span + 600))
    return st.one_of(near, anywhere, anywhere)


@st.composite
def apollo_data(draw: st.DrawFn) -> dict[str, Rows]:
    tables: dict[str, Rows] = {"accounts": [], "hosts": [], "live_sessions": [], "product_views": [], "orders": []}
    n_orders = 0
    for a in range(draw(st.integers(1, 4))):
        aid = f"a{a}"
        model = {
            "account_id": aid,
            "kind": "agency",
            "program": "TikTok Shopping Partner",
            "region": "US",
            "hosts_submitted": True,
            "click_farming_flag": False,
        }
        if draw(st.booleans()):  # half the accounts vary from a model agency in one or more fields
            model.update(
                kind=draw(st.sampled_from(["agency", "individual"])),
                program=draw(st.sampled_from(["TikTok Shopping Partner", "Other"])),
                region=draw(st.sampled_from(["US", "CA"])),
                hosts_submitted=draw(st.booleans()),
                click_farming_flag=draw(st.booleans()),
            )
        tables["accounts"].append(model)
        hosts = [f"h{h}" for h in range(draw(st.sampled_from([0, 1, 1, 2])))]
        for host in hosts:
            tables["hosts"].append({"account_id": aid, "host_id": host, "registered_at": W0 - dt.timedelta(days=30)})
        for host in [*hosts, "unlisted"]:  # a session of an unlisted host counts for nobody
            for _ in range(draw(st.integers(0, 3))):
                start = draw(st.one_of(st.just(W0 + dt.timedelta(days=2)), instants(W0, W1)))
                minutes = draw(st.sampled_from([0, 1, 90, 7 * 60, 14 * 60, 14 * 60 + 1, 15 * 60, 20 * 60]))
                tables["live_sessions"].append(
                    {
                        "account_id": aid,
                        "host_id": host,
                        "start_ts": start,
                        "end_ts": start + dt.timedelta(minutes=minutes),
                        "products_shown": draw(st.sampled_from([0, 1, 3])),
                    }
                )
        for _ in range(draw(st.integers(0, 5))):
            viewer = draw(st.sampled_from(["v1", "v2", "v3", "v4"]))
            tables["product_views"].append({"account_id": aid, "viewer_id": viewer, "ts": draw(instants(W0, W1))})
        for _ in range(draw(st.sampled_from([0, 1, 5, 19, 20, 21]))):
            n_orders += 1
            tables["orders"].append(
                {
                    "order_id": f"o{n_orders}",
                    "account_id": aid,
                    "ts": draw(st.one_of(st.just(W0 + dt.timedelta(days=3)), instants(W0, W1))),
                    "gmv": draw(st.sampled_from([Decimal("0.01"), Decimal("19.99"), Decimal("617.25"), Decimal(6000)])),
                    "refunded": draw(st.sampled_from([False, False, True])),
                }
            )
    return tables


@st.composite
def apollo_programs(draw: st.DrawFn) -> str:
    """The Apollo file with generated thresholds, rates, rebate shapes and quantifiers."""
    source = APOLLO_SOURCE
    hours = draw(st.sampled_from(["14 hours", "7 hours", "0 hours", "20 hours"]))
    quantifier = draw(st.sampled_from(["every host has", "any host has", "no host has", "at least 2 hosts have"]))
    source = source.replace(
        "every host has effective_live_time > 14 hours", f"{quantifier} effective_live_time > {hours}"
    )
    op = draw(st.sampled_from([">", ">="]))
    limit = draw(st.sampled_from(["30%", "5%", "35%", "50%"]))
    sample = draw(st.sampled_from(["20", "1", "21"]))
    source = source.replace(
        "refund_rate > 30% when order_count >= 20", f"refund_rate {op} {limit} when order_count >= {sample}"
    )
    rebate = draw(st.sampled_from(["flat", "marginal", "whole-tier"]))
    if rebate != "flat":
        brackets = (
            f"rebate gmv_rebate: {rebate} brackets of net_gmv\n  from $0: 1%\n  from $1,000: 2%\n  from $10,000: 3.5%\n"
        )
        source = source.replace("rebate gmv_rebate: 2% of net_gmv\n", brackets)
    cap = draw(st.sampled_from(["$2,000", "$100", "$1,000,000"]))
    return source.replace("cap: $2,000 per account", f"cap: {cap} per account")


@CHECK
@given(data=apollo_data(), source=apollo_programs())
def test_apollo_settlement_agrees_with_decisions(data: dict[str, Rows], source: str) -> None:
    _, settlement, decisions = settle_and_decide(source, data, "account_id")
    for row in settlement.participants:
        decision = decisions[row.id]
        assert_same(decision, row)
        mine = {r.name: r.before_limits for r in decision.rewards}
        theirs = {r.name: r.before_limits for r in row.rewards if r.kind == "rebate"}
        if row.qualified:
            assert mine == theirs, row.id
        else:
            assert mine == {} and not theirs, row.id


def test_apollo_generated_data_reaches_the_interesting_cases() -> None:
    """The generators must reach qualified accounts, disqualifications and unjudged rules."""
    seen: set[str] = set()
    program = rulekit.loads(APOLLO_SOURCE.replace("> 14 hours", "> 7 hours"), "p.rules")

    @settings(max_examples=80, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(data=apollo_data())
    def collect(data: dict[str, Rows]) -> None:
        for account in data["accounts"]:
            decision = program.decide(facts_of(program.ir, data, "account_id", account["account_id"]))
            seen.add("qualified" if decision.qualified else "not qualified")
            for clause in decision.clauses:
                if clause.kind == "disqualify":
                    seen.add(f"{clause.name}:{clause.holds}:{clause.judged}")

    collect()
    assert {"qualified", "not qualified", "high_refund_rate:False:False", "click_farming:True:True"} <= seen


# ------------------------------------------------------------------------------ UK shop

JOINS = [
    dt.datetime(2021, 12, 1, tzinfo=UTC),
    dt.datetime(2022, 1, 1, 10, tzinfo=UTC),  # 90 days later crosses the BST change
    dt.datetime(2022, 3, 1, tzinfo=UTC),
    dt.datetime(2022, 3, 27, 0, 30, tzinfo=UTC),  # half an hour before the clocks go forward
]
OFFER = (dt.datetime(2022, 3, 1, tzinfo=UTC), dt.datetime(2022, 5, 31, 23, tzinfo=UTC))


@st.composite
def uk_data(draw: st.DrawFn) -> dict[str, Rows]:
    tables: dict[str, Rows] = {"merchants": [], "orders": []}
    n_orders = 0
    for m in range(draw(st.integers(1, 4))):
        mid = f"m{m}"
        joined = draw(st.sampled_from(JOINS)) + dt.timedelta(minutes=draw(st.integers(-90, 90)))
        tables["merchants"].append(
            {"merchant_id": mid, "region": draw(st.sampled_from(["GB", "GB", "IE"])), "joined_at": joined}
        )
        free_end = draw(st.sampled_from([dt.timedelta(days=90), dt.timedelta(days=89, hours=23)]))
        for _ in range(draw(st.integers(0, 6))):
            n_orders += 1
            created = draw(
                st.one_of(instants(joined + free_end - dt.timedelta(hours=2), joined + free_end), instants(*OFFER))
            )
            tables["orders"].append(
                {
                    "order_id": f"o{n_orders}",
                    "merchant_id": mid,
                    "created_at": created,
                    "item_total": Decimal(draw(st.integers(0, 50000))) / 100,
                    "shipping_fee": Decimal(draw(st.sampled_from([0, 1, 320, 498, 499, 500, 1250]))) / 100,
                    "currency": "GBP",
                    "refunded": draw(st.sampled_from([False, False, True])),
                }
            )  # fmt: skip
    return tables


@st.composite
def uk_programs(draw: st.DrawFn) -> str:
    source = UK_SOURCE
    # Compound eligibility over a date and a timestamp: 2022-03-01 is local (GMT) midnight, and
    # merchants join within 90 minutes either side of it (see JOINS).
    eligible = draw(
        st.sampled_from(
            [
                'region = "GB"',
                'joined_at >= 2022-03-01 and region = "GB"',
                'region = "GB" or joined_at >= 2022-03-01',
                'not joined_at < 2022-01-01 and region in ("GB", "IE")',
            ]
        )
    )
    source = source.replace('eligible uk_merchant: region = "GB"', f"eligible uk_merchant: {eligible}")
    days = draw(st.sampled_from(["90 days", "30 days", "12 weeks", "2000 hours"]))
    source = source.replace("first 90 days from joined_at", f"first {days} from joined_at")
    rate = draw(st.sampled_from(["0%", "1.5%"]))
    source = source.replace("commission new_merchant_waiver: 0%", f"commission new_merchant_waiver: {rate}")
    standard = draw(st.sampled_from(["5%", "7.25%"]))
    source = source.replace("standard rate: 5%", f"standard rate: {standard}")
    subsidy = draw(st.sampled_from(["full", "50% of", "£3 of"]))
    source = source.replace(
        "subsidy free_shipping: full shipping_fee", f"subsidy free_shipping: {subsidy} shipping_fee"
    )
    cap = draw(st.sampled_from(["£4.99", "£2.50"]))
    return source.replace("cap per order: £4.99", f"cap per order: {cap}")


def uk_totals(decision: Decision, kind: str) -> Decimal:
    return sum((e.amount for e in decision.effects if e.kind == kind), Decimal(0))


@CHECK
@given(data=uk_data(), source=uk_programs())
def test_uk_settlement_agrees_with_order_decisions(data: dict[str, Rows], source: str) -> None:
    program, settlement, decisions = settle_and_decide(source, data, "merchant_id")
    for row in settlement.participants:
        decision = decisions[row.id]
        assert_same(decision, row)
        # No budget or max-orders limit binds on this little data: per-order sums must agree.
        assert uk_totals(decision, "commission") == row.commission_due, row.id
        paid = {r.name: r.amount for r in row.rewards if r.kind == "subsidy"}
        if row.qualified:
            assert paid == {"free_shipping": uk_totals(decision, "subsidy")}, row.id
        else:
            assert uk_totals(decision, "subsidy") == 0 and not paid.get("free_shipping"), row.id
        # Each order decided alone gives the same effects as in the participant's decision.
        merchant = next(m for m in data["merchants"] if m["merchant_id"] == row.id)
        for order in (o for o in data["orders"] if o["merchant_id"] == row.id):
            fast = program.decide_order(merchant, order)
            inside = [(e.kind, e.amount) for e in decision.effects if e.order_id == order["order_id"]]
            assert [(e.kind, e.amount) for e in fast.effects] == inside


# -------------------------------------------------------- brackets, bonus, milestones

MONTH = (dt.datetime(2022, 3, 1, 5, tzinfo=UTC), dt.datetime(2022, 4, 1, 4, tzinfo=UTC))  # EST → EDT


@st.composite
def sales_data(draw: st.DrawFn) -> dict[str, Rows]:
    tables: dict[str, Rows] = {"sellers": [], "sales": []}
    for s in range(draw(st.integers(1, 4))):
        tables["sellers"].append({"seller_id": f"s{s}"})
        for _ in range(draw(st.integers(0, 4))):
            amount = Decimal(draw(st.sampled_from([0, 99999, 100000, 100001, 950000, 1000000, 1500000]))) / 100
            n = len(tables["sales"])
            tables["sales"].append(
                {"sale_id": f"x{n}", "seller_id": f"s{s}", "ts": draw(instants(*MONTH)), "amount": amount}
            )
    return tables


@st.composite
def extras_programs(draw: st.DrawFn) -> str:
    source = EXTRAS.replace("marginal brackets", f"{draw(st.sampled_from(['marginal', 'whole-tier']))} brackets", 1)
    source = source.replace("gmv, highest", f"gmv, {draw(st.sampled_from(['highest', 'cumulative']))}")
    return source.replace("sale_count >= 1", f"sale_count >= {draw(st.sampled_from(['0', '1', '2']))}")


@CHECK
@given(data=sales_data(), source=extras_programs())
def test_reward_shapes_agree(data: dict[str, Rows], source: str) -> None:
    _, settlement, decisions = settle_and_decide(source, data, "seller_id")
    for row in settlement.participants:
        decision = decisions[row.id]
        assert_same(decision, row)
        mine = {r.name: (r.kind, r.before_limits) for r in decision.rewards}
        theirs = {r.name: (r.kind, r.before_limits) for r in row.rewards}
        assert mine == (theirs if row.qualified else {}), row.id
