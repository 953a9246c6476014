"""Compile a rule program to Python closures for single decisions.

``compile_program(program)`` does all name resolution and constant work once; the
returned :class:`~rulekit.pyeval.program.PyProgram` then decides participants and
orders by running closures over the facts (see :mod:`rulekit.pyeval`).
"""

from __future__ import annotations

from typing import Any

from rulekit import ir
from rulekit.plan import Plan
from rulekit.pyeval.decision import decide
from rulekit.pyeval.exprs import CompileError
from rulekit.pyeval.program import EffectOutcome, Evaluation, OrderDecision, PyProgram
from rulekit.results import Decision

__all__ = [
    "CompileError",
    "EffectOutcome",
    "Evaluation",
    "OrderDecision",
    "PyProgram",
    "compile_program",
    "decide_facts",
]


def compile_program(program: ir.Program, plan: Plan | None = None) -> PyProgram:
    """Compile ``program`` (with its :class:`~rulekit.plan.Plan`, bound here when not given);
    raises :class:`CompileError` with diagnostics if it cannot."""
    return PyProgram(program, plan)


def decide_facts(compiled: PyProgram, facts: Any) -> Decision:
    """Read ``facts`` (raising :class:`~rulekit.facts.FactsError`) and decide."""
    return decide(compiled, compiled.read(facts))
