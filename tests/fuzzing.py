"""Every stage a rule file goes through, measured: the core of the fuzzer (issue 14, item 6).

:func:`run_stages` takes rule-file text through ``check``, ``fmt``, ``docs`` (Markdown and
HTML), ``load`` and, for a file that compiles, ``settle`` and ``decide`` over a small data
set synthesised from the file's own table declarations. It never raises for a failure of
rulekit: it returns a :class:`FileOutcome` with the wall and CPU seconds of every stage,
the peak resident memory of the process during each stage, and the crash (an exception
that is not a :class:`rulekit.RulekitError`, or a diagnostic RK900) if there was one.

Used by ``tests/test_fuzz.py`` (bounded budget in the suite) and ``bench/fuzz_run.py`` (the
large on-demand run that writes a summary with the figures the issue's done-when asks for).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import random
import re
import resource
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

import rulekit
from rulekit import ir
from rulekit.checker import check_source
from rulekit.contract import participant_key
from rulekit.formatter import format_source
from rulekit.periods import is_paid_per_period
from rulekit.render import render_document

STAGES = ("check", "fmt", "docs", "load", "settle", "decide")
INTERNAL = "RK900"


@dataclass
class StageMeasure:
    """One stage on one file: wall and CPU seconds; resident memory before it and its peak during it (KiB)."""

    wall: float = 0.0
    cpu: float = 0.0
    rss_before_kib: int = 0
    peak_kib: int = 0


@dataclass
class FileOutcome:
    """What happened to one file: the stages it reached and the crash, if any."""

    stages: dict[str, StageMeasure] = field(default_factory=dict)
    crash: str | None = None  # the stage and the traceback / diagnostic that is a crash
    crash_stage: str | None = None
    repeated: bool = False  # the program was one seen before: the IR-only stages were not run again

    @property
    def wall(self) -> float:
        return sum(m.wall for m in self.stages.values())

    @property
    def cpu(self) -> float:
        return sum(m.cpu for m in self.stages.values())


_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_kib(field_name: str) -> int:
    match = re.search(rf"^{field_name}:\s+(\d+) kB", _STATUS.read_text(), re.MULTILINE)
    return int(match.group(1)) if match else 0


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) so the next reading is this stage's own peak (Linux >= 4.0)."""
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True


def _peak_rss_kib(reset_worked: bool) -> int:
    if reset_worked:
        return _status_kib("VmHWM")
    # Without the reset, the process's peak so far (ru_maxrss, KiB on Linux): an upper bound.
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


class _CrashError(Exception):
    """A failure that is not a clean diagnostic: an internal error reached the caller."""


@contextmanager
def _measured(outcome: FileOutcome, stage: str) -> Iterator[None]:
    rss_before = _status_kib("VmRSS") if _STATUS.exists() else 0
    reset = _reset_peak()
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        yield
    except rulekit.RulekitError as exc:
        if isinstance(exc, rulekit.CompileError):  # the checker must report it first: a bug
            raise _CrashError(f"{stage}: CompileError {exc}") from exc
        if INTERNAL in str(exc):
            raise _CrashError(f"{stage}: {exc}") from exc
    except _CrashError:
        raise
    except Exception as exc:
        raise _CrashError(f"{stage}: {''.join(traceback.format_exception(exc))}") from exc
    finally:
        outcome.stages[stage] = StageMeasure(
            time.perf_counter() - wall, time.process_time() - cpu, rss_before, _peak_rss_kib(reset)
        )


def run_stages(source: str, *, settle: bool = True, seen: set[str] | None = None) -> FileOutcome:
    """Every stage on ``source``; a crash stops the file and is recorded, never raised.

    With ``seen`` (a set kept across files), a program whose IR is already in it skips the
    stages that depend on the IR alone (docs, load, settle, decide: their input, data
    included, would be the same as for the earlier file) and ``outcome.repeated`` is set.
    """
    outcome = FileOutcome()
    try:
        _all_stages(outcome, source, settle, seen)
    except _CrashError as crash:
        outcome.crash = str(crash)
        outcome.crash_stage = str(crash).split(":", 1)[0]
    return outcome


def program_key(program: ir.Program) -> str:
    """The identity of a program's meaning: its IR without spans, source text or path."""
    return hashlib.sha256(repr(dataclasses.replace(program, source="", path="")).encode()).hexdigest()


def _all_stages(outcome: FileOutcome, source: str, settle: bool, seen: set[str] | None = None) -> None:
    report = None
    with _measured(outcome, "check"):
        report = check_source(source, "fuzz.rules")
        internal = [d for d in report.diagnostics if d.code == INTERNAL]
        if internal:
            raise _CrashError(f"check: {internal}")
    with _measured(outcome, "fmt"):
        formatted = format_source(source, "fuzz.rules")
        if report.ok and formatted.formatted is None:
            raise _CrashError("fmt: a clean file was not formatted")
    if not report.ok or report.program is None:
        return
    program_ir = report.program
    key = program_key(program_ir)
    if seen is not None:
        if key in seen:
            outcome.repeated = True
            return
        seen.add(key)
    with _measured(outcome, "docs"):
        render_document(program_ir, "md", "en-US")
        render_document(program_ir, "html", "en-GB")
    compiled: list[rulekit.CompiledProgram] = []
    with _measured(outcome, "load"):
        compiled.append(rulekit.loads(source, "fuzz.rules"))
    if not compiled or not settle:
        return
    # The data is drawn from the program's meaning, so the same program always gets the same data.
    tables = synthetic_tables(compiled[0].ir, random.Random(int(key[:16], 16)))
    per_period = is_paid_per_period(compiled[0].ir)  # `paid monthly`: settled period by period
    with _measured(outcome, "settle"):
        data = {t.name: _as_arrow(t, tables[t.name]) for t in compiled[0].ir.tables}
        (compiled[0].settle_periods if per_period else compiled[0].settle)(data)
    with _measured(outcome, "decide"):
        for facts in participant_facts(compiled[0].ir, tables):
            _decide_one(compiled[0].decide_periods if per_period else compiled[0].decide, facts)


def _decide_one(decide: Callable[[Any], object], facts: dict[str, Any]) -> None:
    with contextlib.suppress(rulekit.FactsError):  # e.g. a null in a required column: a clean error
        decide(facts)


# ------------------------------------------------------------------ synthetic data

_TEXT = {
    ir.ColumnType.INT: ["0", "1", "7", "20", "-3"],
    ir.ColumnType.DECIMAL: ["0", "1.5", "12.345", "-2"],
    ir.ColumnType.MONEY: ["0.00", "12.50", "999.99", "6000"],
    ir.ColumnType.BOOL: ["true", "false", "false"],
    ir.ColumnType.PERCENT: ["0.05", "0.3", "1"],
    ir.ColumnType.DURATION: ["0", "3600", "54000"],
}
_BASE = dt.datetime(2022, 1, 1, tzinfo=dt.UTC)


def _value(rng: random.Random, column: ir.Column, row: int, ids: list[str], key: str | None, currency: str) -> str:
    name, ctype = column.name, column.type
    if name == key:
        return rng.choice(ids)
    if name == "currency":
        return currency
    if ctype is ir.ColumnType.TIMESTAMP:
        return (_BASE + dt.timedelta(hours=rng.randrange(0, 24 * 900))).isoformat()
    if ctype is ir.ColumnType.DATE:
        return (_BASE + dt.timedelta(days=rng.randrange(0, 900))).date().isoformat()
    if ctype in _TEXT:
        return rng.choice(_TEXT[ctype])
    return rng.choice([f"v{row}", "US", "GB", "agency", "gold", ""])


def synthetic_tables(program: ir.Program, rng: random.Random) -> dict[str, list[dict[str, str]]]:
    """A few text rows per declared table: 3 participants, events linked to them, unique keys."""
    key = participant_key(program)
    ids = ["p0", "p1", "p2"]
    currency = program.header.currency if program.header and program.header.currency else "USD"
    ptable = program.participant.table if program.participant else None
    out: dict[str, list[dict[str, str]]] = {}
    for table in program.tables:
        count = len(ids) if table.name == ptable else rng.randrange(0, 8)
        rows = []
        for i in range(count):
            row = {c.name: _value(rng, c, i, ids, key, currency) for c in table.columns}
            for k in table.key:
                row[k] = ids[i] if table.name == ptable and k == key else f"{k}{i}"
            rows.append(row)
        out[table.name] = rows
    return out


def _as_arrow(table: ir.Table, rows: list[dict[str, str]]) -> pa.Table:
    """Text columns, as a CSV file gives them: the loader converts them by the declared types."""
    return pa.Table.from_pylist(rows, schema=pa.schema([(c.name, pa.string()) for c in table.columns]))


def participant_facts(program: ir.Program, tables: dict[str, list[dict[str, str]]]) -> Iterator[dict[str, Any]]:
    """Each participant's facts: its row and the rows of every other table that carry its key."""
    key = participant_key(program)
    ptable = program.participant.table if program.participant else None
    if key is None or ptable is None:
        return
    for participant in tables.get(ptable, []):
        facts: dict[str, Any] = {ptable: participant}
        for name, rows in tables.items():
            if name != ptable:
                facts[name] = [r for r in rows if r.get(key) == participant[key]]
        yield facts
