"""The evaluators an example runs on, behind a small protocol so the runner can be
tested on hand-built results and so a missing engine is a message, not a crash.

Settlements come from the batch engine (``rulekit.settle.settle``); per-order
expectations use the single-decision evaluator (``rulekit.api``), because a
settlement reports commissions and subsidies per participant, not per order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import pyarrow as pa

from rulekit import ir
from rulekit.errors import RulekitError
from rulekit.results import Decision, Settlement


class EngineUnavailableError(RulekitError):
    """An evaluator the examples need is not installed (yet)."""


class Engine(Protocol):
    def settle(self, program: ir.Program, tables: Mapping[str, pa.Table]) -> Settlement: ...

    def decide(self, program: ir.Program, facts: Mapping[str, Any]) -> Decision: ...


class DefaultEngine:
    """The real evaluators, imported on first use."""

    def __init__(self) -> None:
        self._compiled: dict[int, Any] = {}

    def settle(self, program: ir.Program, tables: Mapping[str, pa.Table]) -> Settlement:
        try:
            from rulekit.settle import settle
        except ImportError as exc:
            raise EngineUnavailableError("the settlement engine (rulekit.settle) is not available") from exc
        result: Settlement = settle(program, dict(tables))
        return result

    def decide(self, program: ir.Program, facts: Mapping[str, Any]) -> Decision:
        compiled = self._compiled.get(id(program))
        if compiled is None:
            compiled = self._compile(program)
            self._compiled[id(program)] = compiled
        decision: Decision = compiled.decide(dict(facts))
        return decision

    @staticmethod
    def _compile(program: ir.Program) -> Any:
        try:
            from rulekit.api import CompiledProgram
        except ImportError as exc:
            raise EngineUnavailableError("the single-decision evaluator (rulekit.api) is not available") from exc
        # The program is already checked; compile it from the IR without reading the file again.
        return CompiledProgram(program, program.path, source_hash="")
