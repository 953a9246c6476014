"""Facts at any level (issue 12, item 1): `decide` takes metric values instead of the events
they come from, typed by the plan; what is not given is computed from the events.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

import rulekit
from tests.test_decide import APOLLO_PATH, account, apollo_facts, h1_sessions


@pytest.fixture(scope="module")
def apollo() -> rulekit.CompiledProgram:
    return rulekit.load(APOLLO_PATH)


HOST = {"account_id": "a1", "host_id": "h1", "registered_at": "2022-01-05T00:00:00Z"}


def metric_facts(**values: Any) -> dict[str, Any]:
    """Only the participant row, the host row and metric values: no event table at all."""
    base: dict[str, Any] = {
        "product_uv": "120",
        "net_gmv": "1000.00",
        "order_count": 30,
        "refunded_orders": 3,
        "refund_rate": "10%",
        "host_count": 1,
    }
    host = {**HOST, "effective_live_time": "14:00:01", "idle_live_time": "0:10:00"}
    return {"accounts": account(), "hosts": [host], **base, **values}


def test_a_decision_from_metric_values_alone(apollo: rulekit.CompiledProgram) -> None:
    decision = apollo.decide(metric_facts())
    # 14:00:01 is 14 × 3600 + 1 = 50,401 seconds: more than 14 hours, so the gate holds.
    assert decision.members["h1"]["effective_live_time"] == Decimal(50401)
    assert decision.metrics["refund_rate"] == Fraction(1, 10)
    assert decision.qualified is True
    # 2% of $1,000.00 = $20.00 (the cap is $2,000, the budget is shared at settlement).
    (rebate,) = [r for r in decision.rewards if r.name == "gmv_rebate"]
    assert rebate.amount == Decimal("20.00")


def test_given_values_decide_as_the_events_they_summarise(apollo: rulekit.CompiledProgram) -> None:
    """The metric values of a decision from events, given back as values, decide the same way."""
    events = apollo_facts(live_sessions=h1_sessions("2022-02-20T17:01:00Z"))
    from_events = apollo.decide(events)
    host_values = dict(from_events.members["h1"])  # Decimal seconds, as decide holds them
    values = {name: value for name, value in from_events.metrics.items() if value is not None}  # a Fraction rate
    given = apollo.decide({"accounts": events["accounts"], "hosts": [{**HOST, **host_values}], **values})
    assert (given.eligible, given.qualified, given.disqualified) == (
        from_events.eligible,
        from_events.qualified,
        from_events.disqualified,
    )
    assert [(c.name, c.holds, c.judged) for c in given.clauses] == [
        (c.name, c.holds, c.judged) for c in from_events.clauses
    ]
    assert [(r.name, r.amount) for r in given.rewards] == [(r.name, r.amount) for r in from_events.rewards]


def test_a_bad_metric_value_names_the_metric(apollo: rulekit.CompiledProgram) -> None:
    with pytest.raises(rulekit.FactsError, match="refund_rate") as raised:
        apollo.decide(metric_facts(refund_rate="about a tenth"))
    assert raised.value.column == "refund_rate"


def test_a_metric_not_given_still_needs_its_events(apollo: rulekit.CompiledProgram) -> None:
    facts = metric_facts()
    del facts["product_uv"]
    with pytest.raises(rulekit.FactsError, match="missing table") as raised:
        apollo.decide(facts)
    assert raised.value.table == "product_views"


def test_a_member_metric_given_for_one_member_is_computed_for_the_other(apollo: rulekit.CompiledProgram) -> None:
    h2 = {"account_id": "a1", "host_id": "h2", "registered_at": "2022-01-05T00:00:00Z"}
    facts = metric_facts(live_sessions=h1_sessions())  # h1's sessions: 14 h effective, 2.5 h idle
    facts["hosts"] = [{**HOST}, {**h2, "effective_live_time": "20:00:00", "idle_live_time": "0:00:00"}]
    decision = apollo.decide(facts)
    assert decision.members["h1"]["effective_live_time"] == Decimal(50400)  # computed: 4 h + 7 h + 3 h
    assert decision.members["h2"]["effective_live_time"] == Decimal(72000)  # given: 20 h
