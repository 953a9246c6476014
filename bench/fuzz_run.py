"""The on-demand fuzz run of issue 14 with its figures: files, crashes, hangs, time and memory.

    nice -n 19 .venv/bin/python bench/fuzz_run.py --files 100000 --workers 2 --out bench/fuzz-out

Alternates blocks of byte/line-mutated campaigns and fixtures and of grammar-generated
programs (the strategies of ``tests/test_fuzz.py``, each block with its own seed, so a run
is reproducible) and sends every file through check, fmt, docs, load, settle and decide
(``tests/fuzzing.py``) in ``--workers`` long-lived worker processes, one file at a time
each. A program already taken through the stages that depend only on its IR (docs, load,
settle, decide: same IR, same synthesised data) by the same worker is not taken through
them again; ``repeated_programs`` counts those files. Per stage it records the most wall and CPU seconds one file took
and the highest peak resident memory of the process during the stage (the kernel's
VmHWM, reset before every stage through ``/proc/self/clear_refs``; it includes the
interpreter, hypothesis and the loaded libraries, so it bounds the stage's own use).
A crash (an internal error reaching the caller, or the worker dying) is saved as
``crashes/N.rules`` with its traceback beside it; a file over ``--slow`` CPU seconds is
run again and saved as ``slow/N.rules``; a worker that spent ``--hang`` CPU seconds on one
file (or ten times that in wall seconds), or holds more than ``--max-rss-mib``, is killed
(the file saved as ``hangs/N.rules`` or ``memory/N.rules``) and replaced by a fresh one.
``summary.json`` is rewritten after every block, so a stopped run still leaves its figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.context import SpawnContext
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fuzzing import STAGES, run_stages
from tests.test_fuzz import mutated, programs

ROOT = Path(__file__).resolve().parent.parent
SOURCES: dict[str, st.SearchStrategy[str]] = {"mutated": mutated(), "generated": programs()}


@dataclass
class Summary:
    """Running totals of one fuzz run; written as JSON."""

    command: str
    started: str
    workers: int = 1
    files: dict[str, int] = field(default_factory=lambda: {name: 0 for name in SOURCES})
    reached: dict[str, int] = field(default_factory=lambda: {stage: 0 for stage in STAGES})
    repeated_programs: int = 0  # clean files whose program was settled before (IR-only stages not re-run)
    max_wall: dict[str, float] = field(default_factory=lambda: {stage: 0.0 for stage in STAGES})
    max_cpu: dict[str, float] = field(default_factory=lambda: {stage: 0.0 for stage in STAGES})
    max_peak_rss_mib: dict[str, float] = field(default_factory=lambda: {stage: 0.0 for stage in STAGES})
    max_peak_file: dict[str, str] = field(default_factory=dict)
    max_rss_before_mib: float = 0.0
    max_file_wall: float = 0.0
    max_file_cpu: float = 0.0
    cpu_seconds: float = 0.0  # the workers' CPU seconds over all files' stages
    elapsed_seconds: float = 0.0
    crashes: list[dict[str, Any]] = field(default_factory=list)
    hangs: list[str] = field(default_factory=list)
    over_memory: list[str] = field(default_factory=list)
    slow: list[dict[str, Any]] = field(default_factory=list)
    worker_restarts: int = 0
    finished: str | None = None

    @property
    def total(self) -> int:
        return sum(self.files.values())

    def add(self, kind: str, number: str, outcome: dict[str, Any]) -> None:
        self.files[kind] += 1
        self.repeated_programs += bool(outcome["repeated"])
        for stage, m in outcome["stages"].items():
            self.reached[stage] += 1
            self.max_wall[stage] = max(self.max_wall[stage], round(m["wall"], 4))
            self.max_cpu[stage] = max(self.max_cpu[stage], round(m["cpu"], 4))
            if m["peak_kib"] / 1024 > self.max_peak_rss_mib[stage]:
                self.max_peak_rss_mib[stage] = round(m["peak_kib"] / 1024, 1)
                self.max_peak_file[stage] = number
            self.max_rss_before_mib = max(self.max_rss_before_mib, round(m["rss_before_kib"] / 1024, 1))
        self.max_file_wall = max(self.max_file_wall, round(outcome["wall"], 4))
        self.max_file_cpu = max(self.max_file_cpu, round(outcome["cpu"], 4))
        self.cpu_seconds += outcome["cpu"]

    def as_json(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items()}
        data["total_files"] = self.total
        data["files_per_second"] = round(self.total / self.elapsed_seconds, 2) if self.elapsed_seconds else None
        data["cpu_ms_per_file"] = round(1000 * self.cpu_seconds / self.total, 1) if self.total else None
        data["cpu_seconds"] = round(self.cpu_seconds, 1)
        data["elapsed_seconds"] = round(self.elapsed_seconds, 1)
        return data


def _save(folder: Path, name: str, source: str, note: str) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.rules"
    path.write_text(source, encoding="utf-8", errors="surrogatepass")
    (folder / f"{name}.txt").write_text(note, encoding="utf-8")
    return str(path)


# ------------------------------------------------------------------------- workers


def _worker(conn: Connection, slow: float) -> None:
    """A long-lived worker: runs every file it is sent through the stages, answers with the outcome."""
    seen: set[str] = set()  # programs already taken through docs/load/settle/decide by this worker
    # Import everything the stages use (DuckDB, the holiday calendars, the templates) before the
    # first file, so that no file's time or memory includes the worker's start.
    run_stages((ROOT / "campaigns" / "apollo.rules").read_text(encoding="utf-8"))
    conn.send("ready")
    while True:
        try:
            source = conn.recv()
        except EOFError:
            return
        outcome = run_stages(source, seen=seen)
        answer: dict[str, Any] = {
            "stages": {s: m.__dict__ for s, m in outcome.stages.items()},
            "crash": outcome.crash,
            "crash_stage": outcome.crash_stage,
            "repeated": outcome.repeated,
            "wall": outcome.wall,
            "cpu": outcome.cpu,
            "again": None,
        }
        if outcome.crash is None and outcome.cpu > slow:
            again = run_stages(source)  # a shared machine: time it once more before calling it slow
            answer["again"] = (again.wall, again.cpu)
        conn.send(answer)


class Worker:
    """One worker process and the watchdog's view of it: killed on a hang or too much memory."""

    def __init__(self, context: SpawnContext, slow: float) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker, args=(child, slow), daemon=True)
        self.process.start()
        child.close()
        if not self.conn.poll(600) or self.conn.recv() != "ready":
            raise RuntimeError("a fuzz worker did not start")

    def run(self, source: str, hang: float, max_rss_mib: float) -> dict[str, Any] | str:
        """The file's outcome, or why the worker was stopped: "hang", "memory" or "died".

        A hang is ``hang`` CPU seconds spent on one file (all the worker's threads), or ten
        times that in wall seconds: at ``nice 19`` on a busy machine a worker can wait far
        longer than it computes, and that is not the file's doing.
        """
        self.conn.send(source)
        cpu_start, wall_deadline = _cpu_seconds(self.process.pid), time.monotonic() + 10 * hang
        while not self.conn.poll(0.25):
            if not self.process.is_alive():
                return "died"
            if _cpu_seconds(self.process.pid) - cpu_start > hang or time.monotonic() > wall_deadline:
                return "hang"
            if _rss_mib(self.process.pid) > max_rss_mib:
                return "memory"
        try:
            answer: dict[str, Any] = self.conn.recv()
        except EOFError:
            return "died"
        return answer

    def stop(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int | None) -> float:
    """User and system CPU seconds of a process, all its threads (``/proc/PID/stat``)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _rss_mib(pid: int | None) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def record(
    summary: Summary,
    workers: list[Worker],
    index: int,
    kind: str,
    source: str,
    answer: dict[str, Any] | str,
    args: argparse.Namespace,
) -> None:
    """Count one file's answer; save the file if it crashed, hung, took too much memory or was slow."""
    number = f"{summary.total:06d}-{kind}"
    out: Path = args.out
    if isinstance(answer, str):  # the worker was stopped or died: save the file, start a fresh worker
        workers[index].stop()
        workers[index] = Worker(args.context, args.slow)
        summary.worker_restarts += 1
        summary.files[kind] += 1
        if answer == "hang":
            summary.hangs.append(_save(out / "hangs", number, source, f"still running after {args.hang} s"))
        elif answer == "memory":
            note = f"resident memory over {args.max_rss_mib} MiB"
            summary.over_memory.append(_save(out / "memory", number, source, note))
        else:
            path = _save(out / "crashes", number, source, "the worker process died")
            summary.crashes.append({"file": path, "stage": None, "first_line": "worker died"})
        return
    summary.add(kind, number, answer)
    if answer["crash"] is not None:
        path = _save(out / "crashes", number, source, answer["crash"])
        summary.crashes.append({"file": path, "stage": answer["crash_stage"], "first_line": answer["crash"][:300]})
    elif answer["again"] is not None:
        times = {s: round(m["wall"], 3) for s, m in answer["stages"].items()}
        wall, cpu = answer["again"]
        note = f"first run {answer['wall']:.2f} s {times}; second run {wall:.2f} s (cpu {cpu:.2f} s)"
        summary.slow.append({"file": _save(out / "slow", number, source, note), "note": note})


def draw_block(kind: str, block_seed: int, size: int) -> list[str]:
    """``size`` files of one source, drawn by hypothesis with ``block_seed`` (no shrinking, no database)."""
    drawn: list[str] = []

    @seed(block_seed)
    @settings(
        max_examples=size,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(SOURCES[kind])
    def block(source: str) -> None:
        drawn.append(source)

    block()
    return drawn


def run_block(summary: Summary, workers: list[Worker], kind: str, sources: list[str], args: argparse.Namespace) -> None:
    """The files of one block, shared among the workers (one waiting thread per worker)."""
    pending = list(sources)
    lock = threading.Lock()

    def serve(index: int) -> None:
        while time.time() < args.stop_at:
            with lock:
                if not pending:
                    return
                source = pending.pop(0)
            answer = workers[index].run(source, args.hang, args.max_rss_mib)  # the wait is not locked
            with lock:
                record(summary, workers, index, kind, source, answer, args)

    with ThreadPoolExecutor(len(workers)) as pool:
        list(pool.map(serve, range(len(workers))))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000, help="files in all (half mutated, half generated)")
    parser.add_argument("--block", type=int, default=500, help="files per seeded block")
    parser.add_argument("--until", default=None, help="stop at this UTC time (HH:MM) whatever the count")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (each takes one file at a time)")
    parser.add_argument("--slow", type=float, default=5.0, help="CPU seconds over which a file is run again and saved")
    parser.add_argument("--hang", type=float, default=30.0, help="CPU seconds on one file before its worker is stopped")
    parser.add_argument("--max-rss-mib", type=float, default=2000.0, help="a worker's memory at which it is stopped")
    parser.add_argument("--out", type=Path, default=Path("bench/fuzz-out"))
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args(argv)
    args.stop_at = float("inf")
    if args.until:
        now = dt.datetime.now(dt.UTC)
        hour, minute = (int(x) for x in args.until.split(":"))
        args.stop_at = now.replace(hour=hour, minute=minute, second=0, microsecond=0).timestamp()
    args.context = multiprocessing.get_context("spawn")  # workers import rulekit themselves; no forked threads
    args.out.mkdir(parents=True, exist_ok=True)
    summary = Summary(
        command=" ".join(sys.argv), started=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), workers=args.workers
    )
    workers = [Worker(args.context, args.slow) for _ in range(args.workers)]
    began = time.monotonic()
    index = 0
    try:
        while summary.total < args.files and time.time() < args.stop_at:
            kind = "mutated" if index % 2 == 0 else "generated"
            size = min(args.block, args.files - summary.total)
            run_block(summary, workers, kind, draw_block(kind, args.seed * 1_000_000 + index, size), args)
            index += 1
            summary.elapsed_seconds = time.monotonic() - began
            (args.out / "summary.json").write_text(json.dumps(summary.as_json(), indent=2), encoding="utf-8")
            print(
                f"{dt.datetime.now(dt.UTC):%H:%M:%S} {summary.total} files, {len(summary.crashes)} crashes", flush=True
            )
    finally:
        for worker in workers:
            worker.stop()
    summary.elapsed_seconds = time.monotonic() - began
    summary.finished = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    (args.out / "summary.json").write_text(json.dumps(summary.as_json(), indent=2), encoding="utf-8")
    return 1 if summary.crashes or summary.hangs or summary.over_memory else 0


if __name__ == "__main__":
    sys.exit(main())
