"""Decision throughput on UK shop orders, on one core.

    python bench/bench_decide.py --orders 200000 --reps 3

Generates seeded UK merchants and orders as raw rows (strings, as a service receives
them in JSON), pins the process to one CPU (``os.sched_setaffinity(0, {0})``) and
measures decisions per second through

* ``program.decide_order(merchant_row, order_row)`` — the fast path (no reasons);
* ``program.decide({"merchants": ..., "orders": ...})`` — the full decision with reasons
  and pydantic models.

Before timing, the two paths are checked to give the same commission and subsidy on a
sample of orders. Generation is not timed; the best of ``--reps`` runs is reported
(plus the median), as throughput on a shared machine is limited by interference.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

import rulekit

Row = dict[str, Any]


def generate_orders(count: int, merchants: int = 2000, seed: int = 20220301) -> list[tuple[Row, Row]]:
    """``count`` (merchant row, order row) pairs: merchants joined Dec 2021 - May 2022 (so orders fall
    inside and outside their 90 free days), 95 % in GB, orders 1 Feb - 30 Jun 2022 (inside and
    outside the offer period), item totals £1-£200, shipping £0-£9.99, 5 % refunded."""
    rng = random.Random(seed)
    base = datetime(2021, 12, 1, tzinfo=UTC)
    people = [
        {
            "merchant_id": f"M{i:05d}",
            "region": "GB" if rng.random() < 0.95 else "IE",
            "joined_at": _iso(base + timedelta(seconds=rng.randrange(0, 180 * 86400))),
        }
        for i in range(merchants)
    ]
    start = datetime(2022, 2, 1, tzinfo=UTC)
    pairs: list[tuple[Row, Row]] = []
    for i in range(count):
        merchant = people[rng.randrange(merchants)]
        order = {
            "order_id": f"O{i:08d}",
            "merchant_id": merchant["merchant_id"],
            "created_at": _iso(start + timedelta(seconds=rng.randrange(0, 150 * 86400))),
            "item_total": f"{rng.randrange(100, 20000) / 100:.2f}",
            "shipping_fee": f"{rng.randrange(0, 1000) / 100:.2f}",
            "currency": "GBP",
            "refunded": rng.random() < 0.05,
        }
        pairs.append((merchant, order))
    return pairs


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def pin_to_one_core() -> str:
    """Run on CPU 0 only (Linux); returns what was done, for the report."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity)"
    os.sched_setaffinity(0, {0})
    return f"pinned to CPU {sorted(os.sched_getaffinity(0))}"


def check_paths_agree(program: rulekit.CompiledProgram, pairs: list[tuple[Row, Row]]) -> int:
    """The fast path and the full decision give the same commission and subsidy; returns orders checked."""
    for merchant, order in pairs:
        fast = program.decide_order(merchant, order)
        full = program.decide({"merchants": merchant, "orders": order})
        amounts = {e.kind: e.amount for e in full.effects}
        if (fast.commission, fast.subsidy) != (amounts.get("commission"), amounts.get("subsidy")):
            raise SystemExit(f"paths disagree on {order['order_id']}: fast {fast}, full {amounts}")
    return len(pairs)


def throughput(run: Callable[[], None], count: int, reps: int) -> dict[str, float]:
    seconds = [common.timed(run) for _ in range(reps)]
    return {
        "orders": count,
        "best_per_s": count / min(seconds),
        "median_per_s": count / statistics.median(seconds),
        "best_s": min(seconds),
    }


def measure(orders: int, reps: int, full_orders: int) -> dict[str, Any]:
    pinned = pin_to_one_core()
    program = rulekit.load(common.UK_SHOP)
    pairs = generate_orders(orders)
    checked = check_paths_agree(program, pairs[:2000])
    decide_order = program.decide_order
    decide = program.decide

    def fast() -> None:
        for merchant, order in pairs:
            decide_order(merchant, order)

    subset = pairs[:full_orders]

    def full() -> None:
        for merchant, order in subset:
            decide({"merchants": merchant, "orders": order})

    fast()  # warm-up
    return {
        "cpu": pinned,
        "checked_orders": checked,
        "decide_order": throughput(fast, len(pairs), reps),
        "decide": throughput(full, len(subset), max(1, reps)),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--full-orders", type=int, default=200_000, help="orders for the full decide (slower)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    result = measure(args.orders, args.reps, args.full_orders)
    print(f"UK shop decisions, {result['cpu']}; fast path and decide agree on {result['checked_orders']:,} orders\n")
    print("| path | orders | best decisions/s | median decisions/s |")
    print("|---|---|---|---|")
    for name in ("decide_order", "decide"):
        r = result[name]
        print(f"| `{name}` | {r['orders']:,} | {r['best_per_s']:,.0f} | {r['median_per_s']:,.0f} |")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
