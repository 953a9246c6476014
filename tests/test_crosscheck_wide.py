"""The widened cross-check (issue 14, item 6): every construct, damaged data, three formats.

For a random :class:`~tests.reference.wide.WideSpec` (prize, flat or bracketed rebate, bonus,
milestone, subsidy, commission over a relative window, a quantifier gate over members, a
guarded disqualification and warning, with per-participant caps, pools and budgets under
both overflow policies and ``max orders``) and random raw rows with nulls, duplicate keys,
rows in another currency and orphan rows:

* the settlement of the same rows given as text Arrow, as a CSV folder and as a JSON folder
  reports the same data-quality findings, equal to those the reference cleaning computes
  from the loader's documented rules, and pays the same amounts;
* every paid amount (after caps, pools and budgets) and every commission equals the pure-
  Python reference of ``tests/reference/population.py`` to the cent;
* ``decide`` on each participant's usable rows agrees with its settlement row (metrics,
  members, clauses, flags, amounts before limits, commission due), and its capped amounts,
  put through the reference pool, equal the settlement's final amounts;
* ``decide`` refuses each damaged row the settlement reported, naming the same table and
  column.

``RULEKIT_POPULATION_EXAMPLES`` raises the budget (default 5: each example settles three
times).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable
from dataclasses import replace
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import rulekit
from rulekit.results import Settlement
from tests.reference import population as ref
from tests.reference.programs import Limits, Spec, window_bounds
from tests.reference.wide import (
    COLUMNS,
    Drawn,
    Finding,
    Raw,
    WideSpec,
    clean,
    kind_of,
    local_days_later,
    parse_instant,
    wide_data,
    wide_specs,
    write_folder,
)
from tests.test_crosscheck import assert_same

CHECK = settings(
    max_examples=int(os.environ.get("RULEKIT_POPULATION_EXAMPLES", "5")),
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
CENT = Decimal("0.01")
REWARDS = ("cash", "back", "ship", "per_order", "ladder")


def cents(amount: Decimal) -> int:
    return int(amount.quantize(CENT, rounding=ROUND_HALF_EVEN) * 100)


# ------------------------------------------------------------------- the reference


class Facts:
    """The usable rows of one data set, parsed, with the per-participant values the rules use."""

    def __init__(self, spec: WideSpec, usable: dict[str, list[Raw]]) -> None:
        start, end = window_bounds(spec.zone)
        self.ids = [str(a["account_id"]) for a in usable["accounts"]]
        self.accounts = {str(a["account_id"]): a for a in usable["accounts"]}
        self.hosts = {i: [str(h["host_id"]) for h in usable["hosts"] if h["account_id"] == i] for i in self.ids}
        self.orders = usable["orders"]
        self.inside = [o for o in self.orders if start <= parse_instant(str(o["ts"])) < end]

        def kept(o: Raw) -> bool:  # `where not refunded`: a null `refunded` is unknown, so not counted
            return o["refunded"] == "false"

        self.sales = {
            i: sum((Decimal(str(o["gmv"])) for o in self.inside if o["account_id"] == i and kept(o)), Decimal(0))
            for i in self.ids
        }
        self.count = {i: sum(1 for o in self.inside if o["account_id"] == i) for i in self.ids}
        self.refunds = {
            i: sum(1 for o in self.inside if o["account_id"] == i and o["refunded"] == "true") for i in self.ids
        }
        self.host_sales = {
            i: {
                h: sum(
                    (
                        Decimal(str(o["gmv"]))
                        for o in self.inside
                        if o["account_id"] == i and o["host_id"] == h and kept(o)
                    ),
                    Decimal(0),
                )
                for h in self.hosts[i]
            }
            for i in self.ids
        }
        self.candidates = [o for o in self.inside if kept(o)]


def quantified(spec: WideSpec, values: list[Decimal]) -> bool:
    threshold = Decimal(spec.host_threshold) / 100
    passing = sum(1 for v in values if (v >= threshold if spec.host_op == ">=" else v > threshold))
    return {
        "every": passing == len(values),
        "any": passing >= 1,
        "no": passing == 0,
        "at least 2": passing >= 2,
    }[spec.quantifier]


def qualification(spec: WideSpec, f: Facts) -> tuple[dict[str, bool], list[str], dict[str, list[str]]]:
    """Eligible per id, the qualified ids, and the warnings per id."""
    b = spec.base
    eligible = {i: (not b.eligible_gold or f.accounts[i]["tier"] == "gold") for i in f.ids}
    qualified = []
    warnings: dict[str, list[str]] = {}
    for i in f.ids:
        gates = (b.min_orders is None or f.count[i] >= b.min_orders) and quantified(
            spec, list(f.host_sales[i].values())
        )
        out = f.refunds[i] > spec.refund_limit and f.count[i] >= spec.guard_min_orders
        if eligible[i] and gates and not out:
            qualified.append(i)
        warned = f.sales[i] > Decimal(spec.warn_sales) / 100 and f.count[i] >= 1
        warnings[i] = ["big_seller"] if warned else []
    return eligible, qualified, warnings


def capped(amounts: dict[str, Decimal], cap: int | None) -> dict[str, int]:
    """Per-participant cap, then half-even rounding to the cent."""
    return {i: cents(a if cap is None else min(a, Decimal(cap) / 100)) for i, a in amounts.items()}


def milestone(spec: WideSpec, sales: Decimal) -> Decimal:
    reached = [Decimal(a) / 100 for t, a in spec.milestone_tiers if sales >= Decimal(t) / 100]
    if not reached:
        return Decimal(0)
    return reached[-1] if spec.milestone_mode == "highest" else sum(reached, Decimal(0))


def commission_due(spec: WideSpec, f: Facts, eligible: dict[str, bool]) -> dict[str, int]:
    """Each order of a participant: the waiver rate inside its first N local days when eligible, else standard."""
    due = dict.fromkeys(f.ids, 0)
    for order in f.orders:
        i = str(order["account_id"])
        joined = parse_instant(str(f.accounts[i]["joined_at"]))
        ts = parse_instant(str(order["ts"]))
        inside = joined <= ts < local_days_later(joined, spec.relative_days, spec.zone)
        rate = spec.waiver_rate if eligible[i] and inside else spec.standard_rate
        due[i] += cents(Decimal(str(order["gmv"])) * rate / 100)
    return due


def expected(spec: WideSpec, f: Facts) -> dict[str, dict[str, Any]]:
    """Rank, every paid amount (cents, after all limits) and commission due per participant."""
    b = spec.base
    eligible, qualified, warnings = qualification(spec, f)

    def sort_key(i: str) -> ref.Key:
        key: ref.Key = (ref.descending(f.sales[i]),)
        return (*key, ref.descending(Decimal(f.count[i]))) if b.then_by_count else key

    ranks = ref.competition_ranks(qualified, sort_key, break_ties_by_id=b.shared is None)
    prizes = ref.prizes(ranks, ref.Schedule(b.schedule), b.top, b.shared, None)
    prizes = ref.apply_pool(
        prizes, sorted(qualified, key=lambda i: (ranks[i], i)), b.prize_limits.pool, b.prize_limits.overflow
    )
    by_key = sorted(qualified)

    def pooled(raw: Callable[[str], Decimal], limits: Any) -> dict[str, int]:
        return ref.apply_pool(
            capped({i: raw(i) for i in qualified}, limits.cap_each), by_key, limits.pool, limits.overflow
        )

    if b.rebate_rate is not None:
        rate = b.rebate_rate / 100
        rebates = pooled(lambda i: ref.flat_rebate(f.sales[i], rate), b.rebate_limits)
    else:
        brackets = [(Decimal(t) / 100, r / 100) for t, r in b.brackets]
        rebates = pooled(lambda i: ref.bracket_rebate(f.sales[i], brackets, b.bracket_mode), b.rebate_limits)
    bonuses = pooled(lambda i: Decimal(spec.bonus_unit) / 100 * f.count[i], spec.bonus_limits)
    ladders = pooled(lambda i: milestone(spec, f.sales[i]), spec.milestone_limits)
    subsidies = ref.order_subsidies(
        [
            ref.Order(str(o["order_id"]), str(o["account_id"]), parse_instant(str(o["ts"])), Decimal(str(o["fee"])))
            for o in f.candidates
            if o["account_id"] in qualified
        ],
        lambda cost: _subsidy_amount(spec, cost),
        None if b.per_order_cap is None else Decimal(b.per_order_cap) / 100,
        b.max_orders,
        b.subsidy_limits.pool,
        b.subsidy_limits.overflow,
        b.subsidy_limits.period,  # `budget: … per day` (issue 10, construct 6): each local day its own
        b.zone,
    )
    due = commission_due(spec, f, eligible)
    out: dict[str, dict[str, Any]] = {}
    for i in f.ids:
        paid = {"cash": prizes, "back": rebates, "ship": subsidies, "per_order": bonuses, "ladder": ladders}
        amounts = {name: (table.get(i, 0) if i in qualified else None) for name, table in paid.items()}
        out[i] = {
            "rank": ranks.get(i),
            "qualified": i in qualified,
            "warnings": warnings[i],
            "commission": due[i],
            **amounts,
        }
    return out


def _subsidy_amount(spec: WideSpec, cost: Decimal) -> Decimal:
    b = spec.base
    if b.subsidy_kind == "percent":
        return cost * b.subsidy_value / 100
    if b.subsidy_kind == "fixed":
        return b.subsidy_value / 100
    return cost


# ------------------------------------------------------------------- rulekit side


def text_arrow(drawn: Drawn) -> dict[str, pa.Table]:
    """Every column as text, as a service would hand over JSON-decoded strings."""
    return {
        name: pa.Table.from_pylist(rows, schema=pa.schema([(c, pa.string()) for c in COLUMNS[name]]))
        for name, rows in drawn.tables.items()
    }


def findings(settlement: Settlement) -> set[Finding]:
    return {Finding(d.table, str(d.column), kind_of(d.problem), d.rows) for d in settlement.data_quality}


def paid(settlement: Settlement) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for row in settlement.participants:
        amounts = {r.name: cents(r.amount) if r.amount is not None else None for r in row.rewards}
        commission = cents(row.commission_due) if row.commission_due is not None else None
        out[row.id] = {
            "rank": row.rank,
            "qualified": row.qualified,
            "warnings": row.warnings,
            "commission": commission,
            **{name: amounts.get(name) for name in REWARDS},
        }
    return out


def facts_for(usable: dict[str, list[Raw]], pid: str) -> dict[str, Any]:
    return {
        "accounts": next(a for a in usable["accounts"] if a["account_id"] == pid),
        "hosts": [h for h in usable["hosts"] if h["account_id"] == pid],
        "orders": [o for o in usable["orders"] if o["account_id"] == pid],
    }


def check_decisions(
    program: rulekit.CompiledProgram, spec: WideSpec, usable: dict[str, list[Raw]], settlement: Settlement
) -> None:
    """Each decision equals its settlement row; its capped amounts, pooled, equal the final amounts."""
    capped_by_decide: dict[str, dict[str, int]] = {name: {} for name in ("back", "per_order", "ladder")}
    for row in settlement.participants:
        decision = program.decide(facts_for(usable, row.id))
        assert_same(decision, row)
        mine = {r.name: r.before_limits for r in decision.rewards if r.kind != "subsidy"}
        theirs = {r.name: r.before_limits for r in row.rewards if r.kind not in ("prize", "subsidy")}
        assert mine == theirs, row.id
        due = sum((e.amount for e in decision.effects if e.kind == "commission"), Decimal(0))
        assert due == row.commission_due, row.id
        for r in decision.rewards:
            if r.name in capped_by_decide and r.amount is not None:
                capped_by_decide[r.name][row.id] = cents(r.amount)
    limits = {"back": spec.base.rebate_limits, "per_order": spec.bonus_limits, "ladder": spec.milestone_limits}
    final = {row.id: {r.name: r.amount for r in row.rewards} for row in settlement.participants}
    for name, amounts in capped_by_decide.items():
        pooled = ref.apply_pool(amounts, sorted(amounts), limits[name].pool, limits[name].overflow)
        assert pooled == {i: cents(final[i][name]) for i in amounts}, (name, amounts, spec.source())


def check_refusals(program: rulekit.CompiledProgram, drawn: Drawn, usable: dict[str, list[Raw]]) -> None:
    """A damaged order the settlement does not use is refused by `decide` for the same table and column."""
    participants = {str(a["account_id"]) for a in usable["accounts"]}
    for order in drawn.tables["orders"]:
        nulls = [c for c in ("gmv", "fee", "ts") if order[c] is None]
        if order["account_id"] not in participants or not (nulls or order["currency"] != "USD"):
            continue
        facts = facts_for(usable, str(order["account_id"]))
        facts["orders"] = [*facts["orders"], order]
        with pytest.raises(rulekit.FactsError) as caught:
            program.decide(facts)
        assert (caught.value.table, caught.value.column) == ("orders", nulls[0] if nulls else "currency")


@CHECK
@given(st.data())
def test_every_construct_agrees_across_formats_evaluators_and_reference(data: st.DataObject) -> None:
    spec = data.draw(wide_specs(), label="program")
    drawn = data.draw(wide_data(spec.zone), label="data")
    program = rulekit.loads(spec.source(), "wide.rules")
    usable, want_findings = clean(drawn.tables)
    want = expected(spec, Facts(spec, usable))
    with tempfile.TemporaryDirectory() as folder:
        sources: dict[str, Any] = {
            "arrow": text_arrow(drawn),
            "csv": write_folder(Path(folder) / "csv", drawn, "csv"),
            "json": write_folder(Path(folder) / "json", drawn, "json"),
        }
        settlements = {fmt: program.settle(source) for fmt, source in sources.items()}
    for fmt, settlement in settlements.items():
        assert findings(settlement) == want_findings, (fmt, settlement.data_quality)
        got = paid(settlement)
        assert set(got) == set(want), fmt
        for pid, mine in want.items():
            theirs = dict(got[pid])
            if mine["rank"] is not None and mine["rank"] > spec.base.top:
                theirs["rank"] = mine["rank"]  # out of the prize positions the rank is reported but not compared
            assert theirs == mine, (fmt, pid, spec.source())
    check_decisions(program, spec, usable, settlements["csv"])
    check_refusals(program, drawn, usable)


def test_the_generator_reaches_every_finding_and_limit() -> None:
    """The strategies must produce each kind of damage and make each limit bind somewhere."""
    seen: set[str] = set()

    @settings(max_examples=150, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def collect(data: st.DataObject) -> None:
        spec = data.draw(wide_specs())
        drawn = data.draw(wide_data(spec.zone))
        _, found = clean(drawn.tables)
        seen.update(f"{f.table}:{f.kind}" for f in found)
        seen.add(f"quantifier:{spec.quantifier}")
        seen.add(f"milestone:{spec.milestone_mode}")
        seen.add(f"overflow:{spec.bonus_limits.overflow}")
        if drawn.json_numbers:
            seen.add("json numbers")
        seen.update(binding(spec, Facts(spec, clean(drawn.tables)[0])))

    collect()
    wanted = {
        "orders:null", "orders:currency", "orders:orphan", "orders:duplicate", "accounts:null",
        "accounts:duplicate", "hosts:orphan", "quantifier:at least 2", "quantifier:no",
        "milestone:cumulative", "overflow:first come", "overflow:scale down", "json numbers",
        *(f"binds:{limit}" for limit in LIMITS),
    }  # fmt: skip
    assert wanted <= seen, wanted - seen


LIMITS: dict[str, Callable[[WideSpec], WideSpec]] = {
    # each: the program without that one limit, to see whether the limit changed an amount.
    # Not the prize pool: it may not be below the schedule's total (RK405), so it binds only
    # on ties under `shared ranks: same`, which tests/test_population.py reaches.
    "rebate cap": lambda s: replace(
        s, base=replace(s.base, rebate_limits=replace(s.base.rebate_limits, cap_each=None))
    ),
    "rebate budget": lambda s: replace(s, base=replace(s.base, rebate_limits=replace(s.base.rebate_limits, pool=None))),
    "subsidy budget": lambda s: replace(s, base=replace(s.base, subsidy_limits=Limits())),
    "max orders": lambda s: replace(s, base=replace(s.base, max_orders=None)),
    "per-order cap": lambda s: replace(s, base=replace(s.base, per_order_cap=None)),
    "bonus cap": lambda s: replace(s, bonus_limits=replace(s.bonus_limits, cap_each=None)),
    "bonus budget": lambda s: replace(s, bonus_limits=replace(s.bonus_limits, pool=None)),
    "milestone cap": lambda s: replace(s, milestone_limits=replace(s.milestone_limits, cap_each=None)),
    "milestone budget": lambda s: replace(s, milestone_limits=replace(s.milestone_limits, pool=None)),
}


def binding(spec: WideSpec, facts: Facts) -> set[str]:
    """The limits that change some participant's amount in the reference."""
    paid = expected(spec, facts)
    return {f"binds:{name}" for name, without in LIMITS.items() if expected(without(spec), facts) != paid}


def test_relative_window_reference_keeps_the_local_wall_clock() -> None:
    """`first 10 days from 2024-03-05 12:00 UTC` in New York: 07:00 EST, so 07:00 EDT on 03-15 = 11:00 UTC
    (the clocks go forward on 2024-03-10)."""
    start = dt.datetime(2024, 3, 5, 12, tzinfo=dt.UTC)
    assert local_days_later(start, 10, "America/New_York") == dt.datetime(2024, 3, 15, 11, tzinfo=dt.UTC)


def test_cleaning_reference_on_a_hand_made_data_set(tmp_path: Path) -> None:
    """The reference's findings on five damaged rows, counted by hand, and the settlement's."""
    ok = {
        "host_id": None,
        "ts": "2024-03-05T00:00:00Z",
        "gmv": "1.00",
        "fee": "0.00",
        "currency": "USD",
        "refunded": None,
    }
    tables: dict[str, list[Raw]] = {
        "accounts": [
            {"account_id": "a", "tier": None, "joined_at": "2024-03-01T00:00:00Z"},
            {"account_id": "a", "tier": "gold", "joined_at": "2024-03-01T00:00:00Z"},  # duplicate key: not used
            {"account_id": "b", "tier": "gold", "joined_at": None},  # null anchor: not used
        ],
        "hosts": [{"account_id": "a", "host_id": "h"}, {"account_id": "z", "host_id": "h"}],  # z: orphan
        "orders": [
            {**ok, "order_id": "o1", "account_id": "a"},
            {**ok, "order_id": "o1", "account_id": "a", "gmv": "2.00"},  # duplicate of o1: not used
            {**ok, "order_id": "o2", "account_id": "b"},  # b was not used: orphan
            {**ok, "order_id": "o3", "account_id": "a", "currency": "EUR"},
            {**ok, "order_id": "o4", "account_id": "a", "fee": None},
        ],
    }
    usable, found = clean(tables)
    assert [o["order_id"] for o in usable["orders"]] == ["o1"] and usable["orders"][0]["gmv"] == "1.00"
    assert found == {
        Finding("accounts", "account_id", "duplicate", 1),
        Finding("accounts", "joined_at", "null", 1),
        Finding("hosts", "account_id", "orphan", 1),
        Finding("orders", "account_id", "orphan", 1),
        Finding("orders", "currency", "currency", 1),
        Finding("orders", "fee", "null", 1),
        Finding("orders", "order_id", "duplicate", 1),
    }
    program = rulekit.loads(FIXED.source(), "fixed.rules")
    for fmt in ("csv", "json"):
        settlement = program.settle(write_folder(tmp_path / fmt, Drawn(tables, json_numbers=False), fmt))
        assert findings(settlement) == found, fmt


FIXED = WideSpec(
    base=Spec(
        zone="UTC", eligible_gold=False, min_orders=None, then_by_count=False, top=1, shared=None,
        schedule=((1, 1, 100),), prize_limits=Limits(), rebate_rate=Decimal(2), brackets=(),
        bracket_mode="marginal", rebate_limits=Limits(), subsidy_kind="full", subsidy_value=Decimal(0),
        per_order_cap=None, max_orders=None,
    ),
    quantifier="any", host_threshold=0, host_op=">", guard_min_orders=1, refund_limit=0, warn_sales=0, bonus_unit=50,
    bonus_limits=Limits(), milestone_mode="highest", milestone_tiers=((1_000, 100),), milestone_limits=Limits(),
    waiver_rate=Decimal(0), standard_rate=Decimal(5), relative_days=10,
)  # fmt: skip


def test_highest_milestone_of_a_falling_ladder_pays_the_top_tier_reached() -> None:
    """bronze at $1,000: $50, silver at $10,000: $10; gmv $20,000 reaches silver, the highest
    tier reached, so it pays $10 (the evaluators used to pay bronze's larger $50: the
    documented rule now holds in both, rulekit/rewards/milestone.py top_tier)."""
    source = FIXED.source().replace(
        "milestone ladder: sales, highest\n  bronze at $10.00: $1.00",
        ("milestone ladder: sales, highest\n  bronze at $1,000.00: $50.00\n  silver at $10,000.00: $10.00"),
    )
    assert "silver at $10,000.00: $10.00" in source
    program = rulekit.loads(source, "falling.rules")
    facts = {
        "accounts": {"account_id": "a", "tier": "gold", "joined_at": "2024-03-01T00:00:00Z"},
        "hosts": [{"account_id": "a", "host_id": "h"}],
        "orders": [
            {"order_id": "o1", "account_id": "a", "host_id": "h", "ts": "2024-03-05T00:00:00Z", "gmv": "20000.00",
             "fee": "0.00", "currency": "USD", "refunded": "false"},
        ],
    }  # fmt: skip
    decision = program.decide(facts)
    assert {r.name: r.amount for r in decision.rewards}["ladder"] == Decimal("10.00")
