"""Settlement benchmark: rulekit ``settle`` against the hand-written DuckDB query, in one process.

    python bench/bench_settle.py time --data bench/data/apollo_10m --reps 5
    python bench/bench_settle.py memory --data bench/data/apollo_1m bench/data/apollo_3m bench/data/apollo_10m

``time`` loads one data set once (``rulekit.data.load_tables``: read, type, validate,
clean), checks that the hand-written query and rulekit settle every account the same,
then alternates the two on the same DuckDB connection (one warm-up each, then
``--reps`` runs each) and reports median and minimum. It also times rulekit's parts
(SQL vs Python) and both end to end from the Parquet files.

``memory`` runs each (engine, data set) in a fresh subprocess and reports its peak RSS
(``VmHWM``): rulekit end to end (``settle`` on the folder), the hand-written query
straight on the Parquet files, and the hand-written query after copying the files into
DuckDB tables (the closest equivalent of what rulekit's loader holds).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

import rulekit
from rulekit.compile_sql import compile_settlement
from rulekit.data import LoadedData, load_tables
from rulekit.settle import build_settlement, fetch, settle


def check_agreement(program: rulekit.CompiledProgram, loaded: LoadedData) -> int:
    """Settle both ways; raise if any account differs. Returns the number of accounts compared."""
    ours = common.outcomes_from_settlement(settle(program.ir, loaded))
    theirs = common.outcomes_from_handwritten(common.run_handwritten(loaded.connection))
    diffs = common.differences(ours, theirs)
    if diffs:
        raise SystemExit("rulekit and the hand-written query disagree:\n  " + "\n  ".join(diffs))
    return len(ours)


def rulekit_parts(program: rulekit.CompiledProgram, loaded: LoadedData) -> dict[str, float]:
    """One settlement split into compile, SQL (execute + fetch) and Python result building."""
    started = time.perf_counter()
    compiled = compile_settlement(program.plan)
    sql = compiled.participants.sql(dialect="duckdb")
    members_sql = compiled.members.sql(dialect="duckdb") if compiled.members is not None else None
    compiled_at = time.perf_counter()
    rows = fetch(loaded.connection, sql)
    member_rows = fetch(loaded.connection, members_sql) if members_sql is not None else None
    queried_at = time.perf_counter()
    build_settlement(program.plan, compiled, rows, member_rows, loaded)
    built_at = time.perf_counter()
    return {
        "compile_s": compiled_at - started,
        "sql_s": queried_at - compiled_at,
        "python_s": built_at - queried_at,
    }


def time_one(folder: Path, reps: int, e2e_reps: int) -> dict[str, Any]:
    program = rulekit.load(common.APOLLO)
    started = time.perf_counter()
    loaded = load_tables(program.ir, folder)
    load_s = time.perf_counter() - started
    rows = {t: loaded.rows_used.get(t, 0) for t in common.APOLLO_TABLES}
    accounts = check_agreement(program, loaded)
    sql = common.handwritten_sql()
    query_rk, query_hw = common.alternate(
        lambda: settle(program.ir, loaded), lambda: common.run_handwritten(loaded.connection, sql), reps
    )
    parts = [rulekit_parts(program, loaded) for _ in range(max(1, min(reps, 3)))]
    loaded.connection.close()
    e2e_rk, e2e_hw = common.alternate(
        lambda: settle(program.ir, folder), lambda: common.handwritten_on_parquet(folder, sql), e2e_reps, warmup=0
    )
    return {
        "data": str(folder),
        "rows": rows,
        "accounts_agree": accounts,
        "load_validate_s": load_s,
        "query": {"rulekit": query_rk.runs, "handwritten": query_hw.runs},
        "rulekit_parts": {k: min(p[k] for p in parts) for k in parts[0]},
        "end_to_end": {"rulekit": e2e_rk.runs, "handwritten": e2e_hw.runs},
    }


def print_timing(result: dict[str, Any]) -> None:
    rows = result["rows"]
    print(f"\n## {result['data']}: " + ", ".join(f"{t} {n:,}" for t, n in rows.items()))
    print(f"agreement: all {result['accounts_agree']:,} accounts settle the same both ways")
    print(f"rulekit load + validate (once): {result['load_validate_s']:.2f} s\n")
    print("| measure | rulekit median | rulekit min | hand-written median | hand-written min | ratio (median) |")
    print("|---|---|---|---|---|---|")
    for label, key in (("query on loaded data", "query"), ("end to end from Parquet", "end_to_end")):
        rk, hw = common.Timing(tuple(result[key]["rulekit"])), common.Timing(tuple(result[key]["handwritten"]))
        print(
            f"| {label} | {rk.median:.2f} s | {rk.min:.2f} s | {hw.median:.2f} s | {hw.min:.2f} s "
            f"| {rk.median / hw.median:.2f}x |"
        )
    parts = result["rulekit_parts"]
    print(
        "\nrulekit settle, best of parts: "
        + ", ".join(f"{k.removesuffix('_s')} {v:.3f} s" for k, v in parts.items())
        + " (compile is cached across settle calls)"
    )


# ------------------------------------------------------------------------ memory


def memory_child(engine: str, folder: Path) -> dict[str, Any]:
    """Run one engine on one data set in this (fresh) process; report RSS figures in MiB."""
    baseline = common.rss_mb()
    started = time.perf_counter()
    if engine == "rulekit":
        program = rulekit.load(common.APOLLO)
        baseline = common.rss_mb()
        loaded = load_tables(program.ir, folder)
        after_load = common.peak_rss_mb()
        settle(program.ir, loaded)
        extra = {"peak_after_load_mb": after_load}
    elif engine == "handwritten-parquet":
        common.handwritten_on_parquet(folder)
        extra = {}
    elif engine == "handwritten-tables":
        con = duckdb.connect(":memory:")
        con.execute("SET TimeZone = 'UTC'")
        for name in common.APOLLO_TABLES:
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_parquet('{folder / (name + '.parquet')}')")
        after_load = common.peak_rss_mb()
        common.run_handwritten(con)
        extra = {"peak_after_load_mb": after_load}
    else:
        raise SystemExit(f"unknown engine {engine!r}")
    return {
        "engine": engine,
        "data": str(folder),
        "seconds": time.perf_counter() - started,
        "rss_before_mb": baseline,
        "peak_mb": common.peak_rss_mb(),
        **extra,
    }


ENGINES = ("rulekit", "handwritten-parquet", "handwritten-tables")


def _peak(result: dict[str, Any]) -> str:
    runs = result["peak_runs_mb"]
    return f"{result['peak_mb']:.0f} MiB ({min(runs):.0f}-{max(runs):.0f})"


def memory_all(folders: list[Path], runs: int) -> list[dict[str, Any]]:
    """Each (data set, engine) ``runs`` times, engines interleaved; the run with the median peak is
    kept, with every peak in ``peak_runs_mb`` (DuckDB's peak varies with thread scheduling)."""
    found: list[dict[str, Any]] = []
    for folder in folders:
        trials: dict[str, list[dict[str, Any]]] = {engine: [] for engine in ENGINES}
        for _ in range(runs):
            for engine in ENGINES:
                cmd = [sys.executable, __file__, "memory-child", "--engine", engine, "--data", str(folder)]
                out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
                trials[engine].append(json.loads(out.strip().splitlines()[-1]))
        for results in trials.values():
            ordered = sorted(results, key=lambda r: float(r["peak_mb"]))
            found.append({**ordered[len(ordered) // 2], "peak_runs_mb": [r["peak_mb"] for r in results]})
    return found


def print_memory(results: list[dict[str, Any]]) -> None:
    print("\npeak RSS, median of the runs (range in brackets)")
    print(
        "\n| data | rulekit peak | rulekit after load | hand-written on Parquet | hand-written on tables "
        "| rulekit / hand-written on tables |"
    )
    print("|---|---|---|---|---|---|")
    by_data: dict[str, dict[str, dict[str, Any]]] = {}
    for r in results:
        by_data.setdefault(r["data"], {})[r["engine"]] = r
    for data, engines in by_data.items():
        rk, hp, ht = engines["rulekit"], engines["handwritten-parquet"], engines["handwritten-tables"]
        print(
            f"| {Path(data).name} | {_peak(rk)} | {rk['peak_after_load_mb']:.0f} MiB "
            f"| {_peak(hp)} | {_peak(ht)} | {rk['peak_mb'] / ht['peak_mb']:.2f}x |"
        )
    print(f"\n(process RSS before any data, rulekit imported: {results[0]['rss_before_mb']:.0f} MiB)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    timing = sub.add_parser("time", help="alternate rulekit and the hand-written query on loaded data")
    timing.add_argument("--data", type=Path, nargs="+", required=True)
    timing.add_argument("--reps", type=int, default=5, help="timed runs of each, after one warm-up")
    timing.add_argument("--e2e-reps", type=int, default=3, help="end-to-end runs of each (no warm-up)")
    timing.add_argument("--json", type=Path, help="also write the figures here")
    memory = sub.add_parser("memory", help="peak RSS per engine and data set, each in a fresh process")
    memory.add_argument("--data", type=Path, nargs="+", required=True)
    memory.add_argument("--runs", type=int, default=3, help="fresh processes per engine and data set")
    memory.add_argument("--json", type=Path)
    child = sub.add_parser("memory-child")
    child.add_argument("--engine", choices=ENGINES, required=True)
    child.add_argument("--data", type=Path, required=True)
    args = parser.parse_args(argv)

    if args.command == "memory-child":
        print(json.dumps(memory_child(args.engine, args.data)))
        return
    if args.command == "time":
        results = [time_one(folder, args.reps, args.e2e_reps) for folder in args.data]
        for result in results:
            print_timing(result)
    else:
        results = memory_all(args.data, args.runs)
        print_memory(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
