"""Per-account decisions against zen-engine, in one process, on the same records (issue 12).

    python bench/bench_peers.py --records 200000 --rounds 5

Generates seeded Apollo per-account records (metric values given, JSON-style values:
``tests/apollo_reference.py``), pins the process to one CPU and runs, interleaved in each
round, on the same records:

* ``lambda`` — the hand-written Python reference (the oracle; no checks of the facts);
* ``zen`` — zen-engine's compiled expression (``zen.compile_expression``) of the same rules;
* ``fast`` — ``program.decide_fast(record)``, nothing worded;
* ``fast+reasons`` — the same, then every clause's reason and the top-level reasons read;
* ``batch`` — ``program.decide_batch(table)`` on ``--batch-records`` records (the sample
  repeated) as one typed Arrow table (money ``decimal128``, times ``timestamp``), decided
  vectorised; the one-time compile (``rulekit.load``) is not timed.

Before timing, every engine's outcome (eligible, qualified, disqualified, warned, rebate in
cents) is checked against the reference on every record, and the big batch against the
sample's rows; a difference stops the run. Rates are records per CPU second of this process
(``time.process_time``), ratios per round against zen in the same round (min / median /
max over rounds).

Fairness: every engine gets the same record objects (JSON-style values: text, whole
numbers, floats for money, ISO text for times) and every timed loop reads the same five
outputs — eligible, qualified, disqualified, warned, the rebate or total — from what the
engine returns. zen computes them from the record as given and checks nothing; the lambda
is the same rules in plain Python and checks nothing; ``decide_fast`` also checks every
value the way ``decide`` does (types, ranges, real timestamps, distinct hosts of this
account) and rounds the rebate half-even to the cent, so it does strictly more work.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import common  # noqa: E402
import pyarrow as pa  # noqa: E402
import zen  # noqa: E402
from bench_decide import pin_to_one_core  # noqa: E402

import rulekit  # noqa: E402
from tests.apollo_reference import flat, records, reference  # noqa: E402

# The rules of campaigns/apollo.rules (per-account stage) in zen's expression language;
# 14 hours is 50,400 s, 2 hours 7,200 s; 30% of the orders compared without dividing.
ZEN_RULE = """{
  eligible: accounts.kind == "agency" and accounts.program == "TikTok Shopping Partner"
    and accounts.region == "US" and accounts.hosts_submitted == true and host_count >= 1,
  gate: all(hosts, #.effective_live_time > 50400),
  warned: some(hosts, #.idle_live_time > 7200),
  disqualified: accounts.click_farming_flag == true
    or (order_count >= 20 and refunded_orders * 10 > order_count * 3),
  rebate: min([net_gmv * 0.02, 2000])
}"""

Key = tuple[bool, bool, bool, bool, int | None]


def _cents(amount: Decimal | None) -> int | None:
    if amount is None:
        return None
    return int(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN) * 100)


def key_of_reference(record: dict[str, Any]) -> Key:
    eligible, qualified, disqualified, warned, rebate = reference(record)
    return eligible, qualified, disqualified, bool(warned), _cents(rebate)


def key_of_zen(result: dict[str, Any]) -> Key:
    qualified = result["eligible"] and result["gate"] and not result["disqualified"]
    rebate = _cents(Decimal(str(result["rebate"]))) if qualified else None
    return result["eligible"], qualified, result["disqualified"], result["warned"], rebate


def key_of_outcome(outcome: Any) -> Key:
    rebate = next((r.amount for r in outcome.rewards if r.name == "gmv_rebate"), None)
    return outcome.eligible, outcome.qualified, outcome.disqualified, bool(outcome.warnings), _cents(rebate)


def key_of_row(row: dict[str, Any]) -> Key:
    return (
        row["eligible"],
        row["qualified"],
        row["disqualified"],
        bool(row["warnings"]),
        _cents(row["reward.gmv_rebate"]),
    )


def typed_table(sample: list[dict[str, Any]]) -> pa.Table:
    """The records as a typed batch table: money decimal128(14, 2), times timestamp[us, UTC]."""
    rows = []
    for record in sample:
        row = flat(record)
        row["net_gmv"] = Decimal(str(record["net_gmv"]))
        row["hosts"] = [
            {**h, "registered_at": dt.datetime.fromisoformat(h["registered_at"]).astimezone(dt.UTC)}
            for h in record["hosts"]
        ]
        rows.append(row)
    table = pa.Table.from_pylist(rows)
    at = table.schema.get_field_index("net_gmv")
    return table.set_column(at, "net_gmv", table.column("net_gmv").cast(pa.decimal128(14, 2)))


def check(program: rulekit.CompiledProgram, sample: list[dict[str, Any]], table: pa.Table) -> int:
    """Every engine reproduces the reference on every record; returns how many were checked."""
    rule = zen.compile_expression(ZEN_RULE)
    rows = program.decide_batch(table).to_pylist()
    for record, row in zip(sample, rows, strict=True):
        expected = key_of_reference(record)
        found = {
            "zen": key_of_zen(rule.evaluate(record)),
            "fast": key_of_outcome(program.decide_fast(record)),
            "batch": key_of_row(row),
        }
        for engine, key in found.items():
            if key != expected:
                raise SystemExit(f"{engine} differs on {record['accounts']['account_id']}: {key} != {expected}")
    return len(sample)


def keep(value: Any) -> None:
    """Where each timed loop puts the last values it read (so reading them is not dead code)."""


def engines(
    program: rulekit.CompiledProgram, sample: list[dict[str, Any]], table: pa.Table
) -> dict[str, Callable[[], None]]:
    rule = zen.compile_expression(ZEN_RULE)
    decide_fast = program.decide_fast

    # Each loop reads the same five outputs from what its engine returns (see the docstring).
    def plain() -> None:
        for record in sample:
            read = reference(record)  # already the five values
        keep(read)

    def zen_engine() -> None:
        for record in sample:
            found = rule.evaluate(record)
            read = (found["eligible"], found["gate"], found["disqualified"], found["warned"], found["rebate"])
        keep(read)

    def fast() -> None:
        for record in sample:
            outcome = decide_fast(record)
            read = (outcome.eligible, outcome.qualified, outcome.disqualified, outcome.warnings, outcome.total_payout)
        keep(read)

    def fast_reasons() -> None:
        for record in sample:
            outcome = decide_fast(record)
            read = (outcome.eligible, outcome.qualified, outcome.disqualified, outcome.warnings, outcome.total_payout)
            outcome.clauses  # noqa: B018 - reading them words them
            outcome.reasons  # noqa: B018
        keep(read)

    def batch() -> None:
        program.decide_batch(table)

    return {"lambda": plain, "zen": zen_engine, "fast": fast, "fast+reasons": fast_reasons, "batch": batch}


def only(engine: str, count: int, rounds: int) -> None:
    """Set up as ``measure`` does (program, records, zen rule), then run one engine's loop."""
    pin_to_one_core()
    program = rulekit.load(common.APOLLO)
    sample = records(count)
    run = engines(program, sample, pa.table({"x": [1]}))[engine]
    for _ in range(rounds):
        run()


def big_batch(program: rulekit.CompiledProgram, table: pa.Table, size: int) -> pa.Table:
    """``table`` repeated to ``size`` rows as one chunk; its outcome is checked against the sample's."""
    copies = max(1, size // table.num_rows)
    big = pa.concat_tables([table] * copies).combine_chunks()
    small = program.decide_batch(table)
    out = program.decide_batch(big)
    for i in range(copies):
        if not out.slice(i * table.num_rows, table.num_rows).equals(small):
            raise SystemExit(f"the big batch differs from the sample in copy {i}")
    return big


def measure(count: int, rounds: int, reasons_count: int, batch_count: int) -> dict[str, Any]:
    pinned = pin_to_one_core()
    program = rulekit.load(common.APOLLO)
    sample = records(count)
    table = typed_table(sample)
    checked = check(program, sample, table)
    big = big_batch(program, table, batch_count)
    runs = engines(program, sample, big)
    # Reasons are read on a slice: wording every clause of every record is the slow part.
    runs_reasons = engines(program, sample[:reasons_count], table)["fast+reasons"]
    sizes = {name: count for name in runs} | {"fast+reasons": reasons_count, "batch": big.num_rows}
    runs["fast+reasons"] = runs_reasons
    for run in runs.values():
        run()  # warm-up
    rates: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            rates[name].append(sizes[name] / cpu_seconds(run))
    ratios = {name: [r / z for r, z in zip(rates[name], rates["zen"], strict=True)] for name in runs}
    return {"cpu": pinned, "records": count, "checked": checked, "rates": rates, "ratios": ratios, "sizes": sizes}


def cpu_seconds(run: Callable[[], None]) -> float:
    """The CPU seconds ``run`` took in this process (pinned to one CPU): time spent waiting
    for the CPU while other sessions run does not count, so a loaded machine slows every
    engine alike instead of whichever ran when the load peaked."""
    started = time.process_time()
    run()
    return time.process_time() - started


def spread(values: list[float]) -> tuple[float, float, float]:
    return min(values), statistics.median(values), max(values)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--reasons-records", type=int, default=20_000, help="records whose reasons are read")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch-records", type=int, default=2_000_000, help="records in the timed batch")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--only", choices=["lambda", "zen", "fast"], help="run one engine's loop, nothing checked")
    args = parser.parse_args(argv)
    if args.only:  # for command-level comparisons (farm-bench --vs): the same set-up, one loop
        only(args.only, args.records, args.rounds)
        return {}
    result = measure(args.records, args.rounds, min(args.reasons_records, args.records), args.batch_records)
    result["load_average"] = os.getloadavg()
    print(f"Apollo per-account decisions, {result['cpu']}; all engines agree with the reference on")
    print(f"{result['checked']:,} records; {args.rounds} interleaved rounds (min / median / max);")
    print(f"load average at the end: {' / '.join(f'{x:.2f}' for x in result['load_average'])}\n")
    print("| engine | records | records/s | ratio to zen in the same round |")
    print("|---|---|---|---|")
    for name in result["rates"]:
        low, mid, high = spread(result["rates"][name])
        r_low, r_mid, r_high = spread(result["ratios"][name])
        size = result["sizes"][name]
        print(
            f"| {name} | {size:,} | {low:,.0f} / {mid:,.0f} / {high:,.0f} | {r_low:.2f} / {r_mid:.2f} / {r_high:.2f} |"
        )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
