"""The settlement's population rules against the pure-Python reference.

Ranks, shared-rank splits, prize pools, rebate caps and budgets, subsidies with order
limits and budgets: for random programs built from those constructs
(``tests/reference/programs.py``) and random data, every participant's rank and amounts
from ``settle`` (SQL on DuckDB) must equal what ``tests/reference/population.py`` computes
from the raw rows with the rules of ``docs/semantics.md``.
"""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

import pyarrow as pa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import rulekit
from tests.reference import population as ref
from tests.reference.programs import Row, Spec, population_data, specs, window_bounds

# One settlement takes ~0.3 s on an idle machine; RULEKIT_POPULATION_EXAMPLES raises the budget on demand.
CHECK = settings(
    max_examples=int(os.environ.get("RULEKIT_POPULATION_EXAMPLES", "15")),
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

SCHEMAS = {
    "accounts": pa.schema([("account_id", pa.string()), ("tier", pa.string())]),
    "orders": pa.schema(
        [
            ("order_id", pa.string()),
            ("account_id", pa.string()),
            ("ts", pa.timestamp("us", tz="UTC")),
            ("gmv", pa.decimal128(18, 2)),
            ("fee", pa.decimal128(18, 2)),
            ("refunded", pa.bool_()),
        ]
    ),
}


def expected(spec: Spec, data: dict[str, list[Row]]) -> dict[str, dict[str, Any]]:
    """Rank and amounts (cents) per participant, from the raw rows alone."""
    start, end = window_bounds(spec.zone)
    inside = [o for o in data["orders"] if start <= o["ts"] < end]  # type: ignore[operator]
    ids = [str(a["account_id"]) for a in data["accounts"]]
    sales = {
        i: sum((Decimal(str(o["gmv"])) for o in inside if o["account_id"] == i and not o["refunded"]), Decimal(0))
        for i in ids
    }
    count = {i: sum(1 for o in inside if o["account_id"] == i) for i in ids}
    tier = {str(a["account_id"]): a["tier"] for a in data["accounts"]}
    qualified = [
        i
        for i in ids
        if (not spec.eligible_gold or tier[i] == "gold") and (spec.min_orders is None or count[i] >= spec.min_orders)
    ]

    def sort_key(i: str) -> ref.Key:
        key: ref.Key = (ref.descending(sales[i]),)
        return (*key, ref.descending(Decimal(count[i]))) if spec.then_by_count else key

    ranks = ref.competition_ranks(qualified, sort_key, break_ties_by_id=spec.shared is None)
    prizes = ref.prizes(ranks, ref.Schedule(spec.schedule), spec.top, spec.shared, None)
    by_rank = sorted(qualified, key=lambda i: (ranks[i], i))
    prizes = ref.apply_pool(prizes, by_rank, spec.prize_limits.pool, spec.prize_limits.overflow)

    rebates: dict[str, int] = {}
    for i in qualified:
        if spec.rebate_rate is not None:
            raw = ref.flat_rebate(sales[i], spec.rebate_rate / 100)
        else:
            brackets = [(Decimal(t) / 100, r / 100) for t, r in spec.brackets]
            raw = ref.bracket_rebate(sales[i], brackets, spec.bracket_mode)
        if spec.rebate_limits.cap_each is not None:
            raw = min(raw, Decimal(spec.rebate_limits.cap_each) / 100)
        rebates[i] = ref.to_minor(raw)
    rebates = ref.apply_pool(rebates, sorted(qualified), spec.rebate_limits.pool, spec.rebate_limits.overflow)

    def amount_of(cost: Decimal) -> Decimal:
        if spec.subsidy_kind == "percent":
            return cost * spec.subsidy_value / 100
        if spec.subsidy_kind == "fixed":
            return spec.subsidy_value / 100
        return cost

    candidates = [
        ref.Order(str(o["order_id"]), str(o["account_id"]), o["ts"], Decimal(o["fee"]))  # type: ignore[arg-type]
        for o in inside
        if o["account_id"] in qualified and not o["refunded"]
    ]
    per_order_cap = None if spec.per_order_cap is None else Decimal(spec.per_order_cap) / 100
    subsidies = ref.order_subsidies(
        candidates,
        amount_of,
        per_order_cap,
        spec.max_orders,
        spec.subsidy_limits.pool,
        spec.subsidy_limits.overflow,
        spec.subsidy_limits.period,
        spec.zone,
    )
    return {
        i: {
            "rank": ranks.get(i),
            "cash": prizes.get(i, 0),
            "back": rebates.get(i, 0),
            "ship": subsidies.get(i, 0),
        }
        for i in ids
    }


def settled(spec: Spec, data: dict[str, list[Row]]) -> dict[str, dict[str, Any]]:
    program = rulekit.loads(spec.source(), "generated.rules")
    tables = {name: pa.Table.from_pylist(rows, schema=SCHEMAS[name]) for name, rows in data.items()}
    settlement = program.settle(tables)
    out: dict[str, dict[str, Any]] = {}
    for row in settlement.participants:
        amounts = {r.name: int((r.amount or Decimal(0)) * 100) for r in row.rewards}
        out[row.id] = {"rank": row.rank, **{n: amounts.get(n, 0) for n in ("cash", "back", "ship")}}
    return out


@CHECK
@given(st.data())
def test_settlement_follows_the_reference_population_rules(data: st.DataObject) -> None:
    spec = data.draw(specs(), label="program")
    rows = data.draw(population_data(spec.zone), label="data")
    want = expected(spec, rows)
    got = settled(spec, rows)
    assert set(got) == set(want)
    for pid, mine in want.items():
        theirs = got[pid]
        if mine["rank"] is not None and mine["rank"] <= spec.top:
            assert theirs["rank"] == mine["rank"], (pid, spec.source())
        for name in ("cash", "back", "ship"):
            assert theirs[name] == mine[name], (pid, name, theirs, mine, spec.source())
