"""Shared pieces of the benchmarks: the hand-written baseline, result comparison, timing, memory.

The benchmarks are scripts (``python bench/bench_settle.py``), not part of the package;
this module is imported by them and by ``tests/test_bench.py``.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from rulekit.results import Settlement

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
APOLLO = ROOT / "campaigns" / "apollo.rules"
UK_SHOP = ROOT / "campaigns" / "uk_shop.rules"
HANDWRITTEN_SQL = BENCH / "handwritten_apollo.sql"
APOLLO_TABLES = ("accounts", "hosts", "live_sessions", "product_views", "orders")

# Per account: what the settlement decides, money in cents.
Outcome = tuple[bool, bool, bool, bool, int, Decimal, int | None, int, int, int]
OUTCOME_FIELDS = (
    "eligible",
    "qualified",
    "disqualified",
    "warned",
    "product_uv",
    "net_gmv",
    "rank",
    "prize_cents",
    "rebate_cents",
    "total_cents",
)


def handwritten_sql() -> str:
    return HANDWRITTEN_SQL.read_text(encoding="utf-8")


def run_handwritten(con: duckdb.DuckDBPyConnection, sql: str | None = None) -> list[tuple[Any, ...]]:
    """Run the hand-written query on ``con`` (which holds the five tables) and fetch every row."""
    return con.execute(sql or handwritten_sql()).fetchall()


def handwritten_on_parquet(folder: Path, sql: str | None = None) -> list[tuple[Any, ...]]:
    """End to end for the baseline: views over the Parquet files in a fresh connection, then the query."""
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET TimeZone = 'UTC'")
        for name in APOLLO_TABLES:
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{folder / (name + '.parquet')}')")
        return run_handwritten(con, sql)
    finally:
        con.close()


def _cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_exact())


def outcomes_from_settlement(settlement: Settlement) -> dict[str, Outcome]:
    """account id → outcome, from a rulekit settlement's table (no participant object is built)."""
    found: dict[str, Outcome] = {}
    for row in settlement.to_arrow().to_pylist():
        found[row["id"]] = (
            row["eligible"],
            row["qualified"],
            row["disqualified"],
            bool(row["warnings"]),
            int(row["metric.product_uv"]),
            Decimal(row["metric.net_gmv"]),
            row["rank"],
            _cents(row["reward.leaderboard_cash"] or Decimal(0)),
            _cents(row["reward.gmv_rebate"] or Decimal(0)),
            _cents(row["total_payout"]),
        )
    return found


def outcomes_from_handwritten(rows: list[tuple[Any, ...]]) -> dict[str, Outcome]:
    """account id → outcome, from the hand-written query's rows."""
    found: dict[str, Outcome] = {}
    for account_id, eligible, qualified, disq, warned, uv, gmv, rank, prize, rebate, total in rows:
        outcome = (eligible, qualified, disq, warned, uv, Decimal(gmv), rank, prize, rebate, total)
        found[account_id] = outcome
    return found


def differences(ours: dict[str, Outcome], theirs: dict[str, Outcome], limit: int = 5) -> list[str]:
    """Human-readable differences (at most ``limit``); empty when both settle every account the same."""
    out: list[str] = []
    for account in sorted(set(ours) | set(theirs)):
        a, b = ours.get(account), theirs.get(account)
        if a == b:
            continue
        if a is None or b is None:
            out.append(f"{account}: only in {'hand-written' if a is None else 'rulekit'}")
        else:
            fields = [
                f"{n} rulekit={x!r} hand-written={y!r}" for n, x, y in zip(OUTCOME_FIELDS, a, b, strict=True) if x != y
            ]
            out.append(f"{account}: " + "; ".join(fields))
        if len(out) >= limit:
            break
    return out


@dataclass(frozen=True)
class Timing:
    """Wall-clock seconds of repeated runs."""

    runs: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def min(self) -> float:
        return min(self.runs)


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def alternate(a: Callable[[], object], b: Callable[[], object], reps: int, warmup: int = 1) -> tuple[Timing, Timing]:
    """Warm up both, then run ``a`` and ``b`` alternately ``reps`` times each (so drift hits both)."""
    for _ in range(warmup):
        a()
        b()
    ta: list[float] = []
    tb: list[float] = []
    for _ in range(reps):
        ta.append(timed(a))
        tb.append(timed(b))
    return Timing(tuple(ta)), Timing(tuple(tb))


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (VmHWM), in MiB."""
    return _status_kb("VmHWM") / 1024


def rss_mb() -> float:
    """Current resident set size (VmRSS), in MiB."""
    return _status_kb("VmRSS") / 1024


def _status_kb(field: str) -> int:
    with open(f"/proc/{os.getpid()}/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")
