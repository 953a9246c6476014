"""Small-scale benchmarks (``pytest -m bench``; the default run excludes them).

Scale: 2,000,000 product views and 1,000 accounts (the 10M-view / 5,000-account shape
of ``bench/README.md`` at a fifth of the size), generated into a temporary folder.
Timing on a shared 2-core machine is noisy, so each timed assertion allows a stated
tolerance on top of the target:

* settlement SQL within 1.5x of the hand-written query, +20 % for noise (median of 3);
* building the results from the rows (Python) at most half the hand-written query's
  time, +20 %: the share of the 1.5x the fixed per-account work may take;
* full ``settle`` within 1.5x, +20 %, at the scale the target is stated for (10M views,
  5,000 accounts, generated for that one test): at 2M views the SQL's fixed overhead
  alone puts it at 1.5-1.9x, which says nothing about the target;
* peak memory grows from 500k to 2M views by at most DuckDB's own growth (the
  hand-written query on DuckDB tables) x 1.25 + 50 MiB;
* ``decide_order`` at least 100,000 UK orders per second on one core, -20 % for noise.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import bench_decide  # noqa: E402
import common  # noqa: E402
import generate_large  # noqa: E402

import rulekit  # noqa: E402
from rulekit.data import LoadedData, load_tables  # noqa: E402
from rulekit.settle import _compiled, build_settlement, fetch, settle  # noqa: E402

pytestmark = pytest.mark.bench

VIEWS, ACCOUNTS = 2_000_000, 1_000
NOISE = 1.2  # timing tolerance: 20 %


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("apollo_2m")
    generate_large.generate(out, VIEWS, ACCOUNTS)
    return out


@pytest.fixture(scope="module")
def program() -> rulekit.CompiledProgram:
    return rulekit.load(common.APOLLO)


@pytest.fixture(scope="module")
def loaded(program: rulekit.CompiledProgram, folder: Path) -> Iterator[LoadedData]:
    data = load_tables(program.ir, folder)
    yield data
    data.connection.close()


def test_generator_gives_the_requested_shape(folder: Path, loaded: LoadedData) -> None:
    # Orders are views / 20; every generated row is usable (no data-quality findings).
    assert loaded.rows_used["product_views"] == VIEWS
    assert loaded.rows_used["orders"] == VIEWS // 20
    assert loaded.rows_used["accounts"] == ACCOUNTS
    assert loaded.issues == ()
    # 1 to 4 hosts for 98 % of accounts: between 0.98 x 1,000 and 4 x 1,000 hosts.
    assert 980 <= loaded.rows_used["hosts"] <= 4000


def test_handwritten_query_and_rulekit_settle_every_account_the_same(
    program: rulekit.CompiledProgram, loaded: LoadedData
) -> None:
    settlement = settle(program.ir, loaded)
    ours = common.outcomes_from_settlement(settlement)
    theirs = common.outcomes_from_handwritten(common.run_handwritten(loaded.connection))
    assert common.differences(ours, theirs) == []
    assert len(ours) == ACCOUNTS
    # The data exercises the interesting paths, so agreement means something:
    outcomes = list(theirs.values())
    assert any(o[2] for o in outcomes), "some account is disqualified"
    assert any(o[3] for o in outcomes), "some account is warned"
    assert any(o[0] and not o[1] and not o[2] for o in outcomes), "some eligible account fails the live-hours gate"
    prizes = sorted((o[6], o[7]) for o in outcomes if o[7])
    # Ranks 1-5 get $4,000, $2,500, $1,500, $1,000, $1,000 (no ties: the account id is a ranking key).
    assert prizes == [(1, 400000), (2, 250000), (3, 150000), (4, 100000), (5, 100000)]
    _check_rebates_by_hand(outcomes)


def _check_rebates_by_hand(outcomes: list[common.Outcome]) -> None:
    """Recompute the rebates in Python from each account's net GMV: 2 % capped at $2,000, half-even
    to the cent, for qualified accounts; then, since they add up to more than the $50,000 budget,
    each is scaled by budget / total and rounded down."""
    before = {
        i: int((min(o[5] * Decimal("0.02"), Decimal(2000)) * 100).quantize(Decimal(1), ROUND_HALF_EVEN))
        for i, o in enumerate(outcomes)
        if o[1] and o[5] > 0
    }
    total = sum(before.values())
    assert total > 5_000_000, "the budget binds at this scale"
    for i, o in enumerate(outcomes):
        assert o[8] == before.get(i, 0) * 5_000_000 // total


def test_settlement_sql_within_target(program: rulekit.CompiledProgram, loaded: LoadedData) -> None:
    from rulekit.compile_sql import compile_settlement

    compiled = compile_settlement(program.ir)
    sql = compiled.sql("duckdb")
    members = compiled.members_sql("duckdb") or ""

    def rulekit_sql() -> None:
        loaded.connection.execute(sql).fetchall()
        if members:
            loaded.connection.execute(members).fetchall()

    handwritten = common.handwritten_sql()
    ours, theirs = common.alternate(rulekit_sql, lambda: common.run_handwritten(loaded.connection, handwritten), 3)
    assert ours.median <= 1.5 * NOISE * theirs.median, (ours.runs, theirs.runs)


def test_building_results_within_its_share(program: rulekit.CompiledProgram, loaded: LoadedData) -> None:
    compiled, participants_sql, members_sql = _compiled(program.plan)
    rows = fetch(loaded.connection, participants_sql)
    members = fetch(loaded.connection, members_sql) if members_sql is not None else None
    handwritten = common.handwritten_sql()
    ours, theirs = common.alternate(
        lambda: build_settlement(program.plan, compiled, rows, members, loaded),
        lambda: common.run_handwritten(loaded.connection, handwritten),
        3,
    )
    assert ours.median <= 0.5 * NOISE * theirs.median, (ours.runs, theirs.runs)


@pytest.fixture(scope="module")
def loaded_at_target_scale(
    program: rulekit.CompiledProgram, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LoadedData]:
    out = tmp_path_factory.mktemp("apollo_10m")
    generate_large.generate(out, 10_000_000, 5_000)
    data = load_tables(program.ir, out)
    yield data
    data.connection.close()


def test_full_settle_within_target(program: rulekit.CompiledProgram, loaded_at_target_scale: LoadedData) -> None:
    loaded = loaded_at_target_scale
    handwritten = common.handwritten_sql()
    ours, theirs = common.alternate(
        lambda: settle(program.ir, loaded), lambda: common.run_handwritten(loaded.connection, handwritten), 3
    )
    assert ours.median <= 1.5 * NOISE * theirs.median, (ours.runs, theirs.runs)


def _peak(engine: str, folder: Path) -> dict[str, Any]:
    cmd = [sys.executable, str(BENCH / "bench_settle.py"), "memory-child", "--engine", engine, "--data", str(folder)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    found: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return found


def test_memory_grows_no_more_than_duckdbs_own(folder: Path, tmp_path: Path) -> None:
    small = tmp_path / "apollo_500k"
    generate_large.generate(small, VIEWS // 4, ACCOUNTS)
    ours = _peak("rulekit", folder)["peak_mb"] - _peak("rulekit", small)["peak_mb"]
    duckdb_own = _peak("handwritten-tables", folder)["peak_mb"] - _peak("handwritten-tables", small)["peak_mb"]
    assert ours <= 1.25 * duckdb_own + 50, (ours, duckdb_own)


def test_decide_order_throughput_on_one_core() -> None:
    program = rulekit.load(common.UK_SHOP)
    pairs = bench_decide.generate_orders(20_000)
    assert bench_decide.check_paths_agree(program, pairs[:500]) == 500
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(before)})
    try:

        def run() -> None:
            for merchant, order in pairs:
                program.decide_order(merchant, order)

        run()  # warm-up
        result = bench_decide.throughput(run, len(pairs), 3)
    finally:
        os.sched_setaffinity(0, before)
    assert result["best_per_s"] >= 100_000 / NOISE, result
