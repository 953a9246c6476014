"""The programs a service answers for: one per rule file, routed by program name.

A rule file is reloaded when its bytes change, and the new program replaces the
running one **only when it loads clean** (``rulekit.load`` raises no
``RuleFileError``). A broken edit keeps the working program; the problem is logged and
kept on the slot (:attr:`Slot.problem`, with every diagnostic as data) until the file
loads again. Swapping a program is one attribute assignment, so a request in flight
finishes on the program it started with.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rulekit
from rulekit.api import CompiledProgram
from rulekit.errors import RuleFileError, RulekitError

log = logging.getLogger("rulekit.serve")


class ServeSetupError(RulekitError):
    """The service cannot start: two files declare the same program name."""


@dataclass(frozen=True, slots=True)
class LoadProblem:
    """Why the last change to a rule file was not taken: words, when, and the diagnostics."""

    message: str
    at: dt.datetime
    diagnostics: tuple[dict[str, Any], ...]

    def to_json(self) -> dict[str, Any]:
        return {"message": self.message, "at": self.at.isoformat(), "diagnostics": list(self.diagnostics)}


class Slot:
    """One rule file and the program currently served from it."""

    def __init__(self, path: str, program: CompiledProgram) -> None:
        self.path = path
        self.program = program
        self.loaded_at = _now()
        # The digest of the bytes last tried, so a broken edit is reported once, not every poll.
        self.tried = program.source_hash
        self.problem: LoadProblem | None = None

    @property
    def name(self) -> str:
        return program_name(self.program, self.path)

    def status(self) -> dict[str, Any]:
        """What the health endpoint says about this file."""
        return {
            "name": self.name,
            "path": self.path,
            "source_hash": self.program.source_hash,
            "loaded_at": self.loaded_at.isoformat(),
            "reload_error": self.problem.to_json() if self.problem else None,
        }


def program_name(program: CompiledProgram, path: str) -> str:
    """The name a program is routed by: its ``program NAME:`` header, else the file's stem."""
    return program.name or Path(path).stem


class Registry:
    """The served programs by name; :meth:`poll` reloads changed files (see the module doc)."""

    def __init__(self, slots: Sequence[Slot]) -> None:
        self.slots = tuple(slots)
        self._lock = threading.Lock()  # one poll at a time (the loop and a test may both call it)
        names = [s.name for s in self.slots]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ServeSetupError(f"two rule files declare the same program name: {', '.join(duplicates)}")

    @classmethod
    def load(cls, paths: Sequence[str]) -> Registry:
        """Load every file; raises ``RuleFileError`` for a file with errors, :class:`ServeSetupError`
        for a name given twice."""
        return cls([Slot(path, rulekit.load(path)) for path in paths])

    def get(self, name: str) -> CompiledProgram | None:
        """The program served under ``name``, or ``None``."""
        for slot in self.slots:
            if slot.name == name:
                return slot.program
        return None

    def slot(self, name: str) -> Slot | None:
        return next((s for s in self.slots if s.name == name), None)

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.slots]

    def poll(self) -> list[str]:
        """Reload every file whose bytes changed and that loads clean; returns the paths swapped."""
        with self._lock:
            return [slot.path for slot in self.slots if self._refresh(slot)]

    def _refresh(self, slot: Slot) -> bool:
        try:
            digest = hashlib.sha256(Path(slot.path).read_bytes()).hexdigest()
        except OSError as exc:
            digest = f"unreadable: {exc.strerror}"
        if digest == slot.tried:
            return False
        slot.tried = digest
        try:
            program = rulekit.load(slot.path)
        except RuleFileError as exc:
            errors = tuple(d.to_json() for d in exc.diagnostics if d.is_error)
            _refuse(slot, "the changed file has errors; still serving the previous version", errors, exc.rendered)
            return False
        clash = program_name(program, slot.path)
        if clash != slot.name and clash in self.names:
            _refuse(slot, f"the changed file is named `{clash}`, which another file already serves", (), "")
            return False
        slot.program, slot.loaded_at, slot.problem, slot.tried = program, _now(), None, program.source_hash
        log.info("reloaded %s (program %s, sha256 %s)", slot.path, slot.name, program.source_hash[:12])
        return True


def _refuse(slot: Slot, why: str, diagnostics: tuple[dict[str, Any], ...], rendered: str) -> None:
    """Keep the running program; record and log why the change was not taken."""
    slot.problem = LoadProblem(f"{slot.path}: {why}", _now(), diagnostics)
    log.error("%s\n%s", slot.problem.message, rendered)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)
