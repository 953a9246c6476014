"""The on-demand fuzz run of issue 14 with its figures: files, crashes, hangs, time and memory.

    nice -n 10 .venv/bin/python bench/fuzz_run.py --files 100000 --until 13:50 --out bench/fuzz-out

Alternates blocks of byte/line-mutated campaigns and fixtures and of grammar-generated
programs (the strategies of ``tests/test_fuzz.py``, each block with its own seed, so a run
is reproducible) and sends every file through check, fmt, docs, load, settle and decide
(``tests/fuzzing.py``). Per stage it records the most wall and CPU seconds one file took
and the highest peak resident memory of the process during the stage (the kernel's
VmHWM, reset before every stage through ``/proc/self/clear_refs``; it includes the
interpreter, hypothesis and the loaded libraries, so it bounds the stage's own use).
A crash (an internal error reaching the caller) is saved as ``crashes/N.rules``
with its traceback beside it; a file over ``--slow`` seconds is saved as ``slow/N.rules``;
a file still running after ``--hang`` seconds is interrupted and saved as ``hangs/N.rules``.
``summary.json`` is rewritten after every block, so a stopped run still leaves its figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fuzzing import STAGES, FileOutcome, run_stages
from tests.test_fuzz import mutated, programs

SOURCES: dict[str, st.SearchStrategy[str]] = {"mutated": mutated(), "generated": programs()}


class _Hang(BaseException):
    """Raised by the alarm inside a file that runs too long (a BaseException: no stage catches it)."""


@dataclass
class Summary:
    """Running totals of one fuzz run; written as JSON."""

    command: str
    started: str
    files: dict[str, int] = field(default_factory=lambda: {name: 0 for name in SOURCES})
    reached: dict[str, int] = field(default_factory=lambda: {stage: 0 for stage in STAGES})
    max_wall: dict[str, float] = field(default_factory=lambda: {stage: 0.0 for stage in STAGES})
    max_cpu: dict[str, float] = field(default_factory=lambda: {stage: 0.0 for stage in STAGES})
    max_peak_rss_mib: dict[str, float] = field(default_factory=lambda: {stage: 0.0 for stage in STAGES})
    max_peak_file: dict[str, str] = field(default_factory=dict)
    max_rss_before_mib: float = 0.0
    max_file_wall: float = 0.0
    max_file_cpu: float = 0.0
    crashes: list[dict[str, Any]] = field(default_factory=list)
    hangs: list[str] = field(default_factory=list)
    slow: list[dict[str, Any]] = field(default_factory=list)
    finished: str | None = None

    @property
    def total(self) -> int:
        return sum(self.files.values())

    def add(self, kind: str, number: str, outcome: FileOutcome) -> None:
        self.files[kind] += 1
        for stage, m in outcome.stages.items():
            self.reached[stage] += 1
            self.max_wall[stage] = max(self.max_wall[stage], round(m.wall, 4))
            self.max_cpu[stage] = max(self.max_cpu[stage], round(m.cpu, 4))
            if m.peak_kib / 1024 > self.max_peak_rss_mib[stage]:
                self.max_peak_rss_mib[stage] = round(m.peak_kib / 1024, 1)
                self.max_peak_file[stage] = number
            self.max_rss_before_mib = max(self.max_rss_before_mib, round(m.rss_before_kib / 1024, 1))
        self.max_file_wall = max(self.max_file_wall, round(outcome.wall, 4))
        self.max_file_cpu = max(self.max_file_cpu, round(outcome.cpu, 4))

    def as_json(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items()}
        data["total_files"] = self.total
        return data


def _save(folder: Path, name: str, source: str, note: str) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.rules"
    path.write_text(source, encoding="utf-8")
    (folder / f"{name}.txt").write_text(note, encoding="utf-8")
    return str(path)


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise _Hang


def one_file(summary: Summary, kind: str, source: str, out: Path, args: argparse.Namespace) -> None:
    """Run one file with the hang alarm armed; record it and save it if it crashed or was slow."""
    number = f"{summary.total:06d}-{kind}"
    signal.setitimer(signal.ITIMER_REAL, args.hang)
    try:
        outcome = run_stages(source)
    except _Hang:
        summary.files[kind] += 1
        summary.hangs.append(_save(out / "hangs", number, source, f"still running after {args.hang} s"))
        return
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    summary.add(kind, number, outcome)
    if outcome.crash is not None:
        path = _save(out / "crashes", number, source, outcome.crash)
        summary.crashes.append({"file": path, "stage": outcome.crash_stage, "first_line": outcome.crash[:300]})
    elif outcome.wall > args.slow:
        again = run_stages(source)  # a shared machine: time it once more before calling it slow
        times = {s: round(m.wall, 3) for s, m in outcome.stages.items()}
        note = f"first run {outcome.wall:.2f} s {times}; second run {again.wall:.2f} s (cpu {again.cpu:.2f} s)"
        summary.slow.append({"file": _save(out / "slow", number, source, note), "note": note})


def run_block(summary: Summary, kind: str, block_seed: int, size: int, out: Path, args: argparse.Namespace) -> None:
    """``size`` files of one source, drawn by hypothesis with ``block_seed`` (no shrinking, no database)."""

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
        if time.time() < args.stop_at:
            one_file(summary, kind, source, out, args)

    block()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000, help="files in all (half mutated, half generated)")
    parser.add_argument("--block", type=int, default=500, help="files per seeded block")
    parser.add_argument("--until", default=None, help="stop at this UTC time (HH:MM) whatever the count")
    parser.add_argument("--slow", type=float, default=5.0, help="seconds over which a file is saved as slow")
    parser.add_argument("--hang", type=float, default=60.0, help="seconds after which a file is interrupted")
    parser.add_argument("--out", type=Path, default=Path("bench/fuzz-out"))
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args(argv)
    args.stop_at = float("inf")
    if args.until:
        now = dt.datetime.now(dt.UTC)
        hour, minute = (int(x) for x in args.until.split(":"))
        args.stop_at = now.replace(hour=hour, minute=minute, second=0, microsecond=0).timestamp()
    signal.signal(signal.SIGALRM, _on_alarm)
    args.out.mkdir(parents=True, exist_ok=True)
    summary = Summary(command=" ".join(sys.argv), started=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    index = 0
    while summary.total < args.files and time.time() < args.stop_at:
        kind = "mutated" if index % 2 == 0 else "generated"
        size = min(args.block, args.files - summary.total)
        run_block(summary, kind, args.seed * 1_000_000 + index, size, args.out, args)
        index += 1
        (args.out / "summary.json").write_text(json.dumps(summary.as_json(), indent=2), encoding="utf-8")
        print(f"{dt.datetime.now(dt.UTC):%H:%M:%S} {summary.total} files, {len(summary.crashes)} crashes", flush=True)
    summary.finished = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    (args.out / "summary.json").write_text(json.dumps(summary.as_json(), indent=2), encoding="utf-8")
    return 1 if summary.crashes or summary.hangs else 0


if __name__ == "__main__":
    sys.exit(main())
