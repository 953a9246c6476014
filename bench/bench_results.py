"""Result building against the query, at many participants: how long ``build_settlement``
takes compared with running and fetching the settlement queries.

    .venv/bin/python bench/generate_large.py --accounts 200000 --views 4000000 --out bench/data/apollo_200k
    .venv/bin/python bench/bench_results.py --data bench/data/apollo_200k --reps 3

Prints the median and minimum of each over ``--reps`` runs after one warm-up; with
``--read`` also the time to read every participant (building each and wording its reasons).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import rulekit
from rulekit.data import load_tables
from rulekit.settle import _compiled, build_settlement, fetch

APOLLO = Path(__file__).resolve().parent.parent / "campaigns" / "apollo.rules"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--read", action="store_true", help="also time reading every participant once")
    args = parser.parse_args()
    program = rulekit.load(APOLLO)
    loaded = load_tables(program.ir, args.data)
    compiled, participants_sql, members_sql = _compiled(program.plan)
    query: list[float] = []
    build: list[float] = []
    for _ in range(args.reps + 1):  # the first is a warm-up
        gc.collect()
        started = time.perf_counter()
        rows = fetch(loaded.connection, participants_sql)
        members = fetch(loaded.connection, members_sql) if members_sql is not None else None
        fetched = time.perf_counter()
        settlement = build_settlement(program.plan, compiled, rows, members, loaded)
        built = time.perf_counter()
        query.append(fetched - started)
        build.append(built - fetched)
    query, build = query[1:], build[1:]
    print(f"{args.data}: {len(settlement):,} participants")
    print(f"query + fetch:     median {statistics.median(query):.3f} s, min {min(query):.3f} s")
    print(f"building results:  median {statistics.median(build):.3f} s, min {min(build):.3f} s")
    print(f"results / query:   {statistics.median(build) / statistics.median(query):.3f} (medians)")
    if args.read:
        started = time.perf_counter()
        count = sum(1 for _ in settlement.participants)
        print(f"reading all {count:,} participants (reasons worded): {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
