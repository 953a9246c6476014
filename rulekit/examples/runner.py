"""Running a file's examples: build the data, settle it, decide its orders, compare.

Nothing here raises for bad input: an invalid example is a diagnostic, and an engine
failure on an example is that example's error, so one bad example does not hide the
results of the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from rulekit import ir
from rulekit.diagnostics import Diagnostic, has_errors
from rulekit.examples.compare import Outcome, compare_order, compare_participant
from rulekit.examples.coverage import Coverage, Observations, coverage
from rulekit.examples.engine import DefaultEngine, Engine
from rulekit.examples.model import Cast, cast_of, order_tables
from rulekit.examples.periods import period_lines, period_outcomes
from rulekit.examples.tables import arrow_tables, participant_facts
from rulekit.results import Decision, OrderEffect, Settlement


@dataclass(frozen=True)
class ExampleResult:
    """The outcome of one example: every checked item, or the error that stopped it."""

    name: str
    span: ir.Span
    outcomes: tuple[Outcome, ...] = ()
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and all(o.passed for o in self.outcomes)

    @property
    def failures(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if not o.passed)


@dataclass(frozen=True)
class FileReport:
    """Everything ``rulekit test`` says about one rule file."""

    path: str
    source: str
    diagnostics: tuple[Diagnostic, ...]
    results: tuple[ExampleResult, ...] = ()
    coverage: Coverage | None = None

    @property
    def passed(self) -> bool:
        return not has_errors(self.diagnostics) and all(r.passed for r in self.results)

    def ok(self, coverage_gate: bool = True) -> bool:
        """All examples pass, the file has no errors and (with the gate) coverage is full."""
        covered = self.coverage is not None and self.coverage.full
        return self.passed and (covered or not coverage_gate)


def run_examples(program: ir.Program, engine: Engine | None = None) -> tuple[tuple[ExampleResult, ...], Coverage]:
    """Run every example of a valid program (see :func:`check_examples`)."""
    engine = engine or DefaultEngine()
    seen = Observations()
    results = tuple(_run_one(program, example, engine, seen) for example in program.examples)
    return results, coverage(program, seen)


def run_file(path: str, engine: Engine | None = None) -> FileReport:
    """Check a rule file and, when it has no errors, run its examples."""
    program, source, diagnostics = _load(path)  # check_file already includes the example checks
    if has_errors(diagnostics):
        return FileReport(path, source, diagnostics)
    results, cover = run_examples(program, engine)
    return FileReport(path, source, diagnostics, results, cover)


def _load(path: str) -> tuple[ir.Program, str, tuple[Diagnostic, ...]]:
    from rulekit.checker import check_file

    report = check_file(path)
    return report.program, report.source, tuple(report.diagnostics)


def _one_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _run_one(program: ir.Program, example: ir.Example, engine: Engine, seen: Observations) -> ExampleResult:
    seen.see_example(example)
    cast = cast_of(program, example)
    try:
        settlement = engine.settle(program, arrow_tables(program, example))
        decisions = _decisions(program, example, cast, engine)
        lines = period_lines(program, arrow_tables(program, example))  # issue 10, construct 6
    except Exception as exc:  # an engine failure is this example's error, never a traceback
        return ExampleResult(example.name, example.span, error=_one_line(exc))
    for one in lines.settlements if lines is not None else (settlement,):
        seen.see_settlement(one)
    effects: dict[str, list[OrderEffect]] = {}
    for decision in decisions:
        seen.see_decision(decision)
        for effect in decision.effects:
            effects.setdefault(effect.order_id, []).append(effect)
    if lines is not None:  # a program paid per period: `expect s1 in 2024-03: …`
        outcomes = _data_outcomes(example, settlement) + period_outcomes(example, lines, effects)
    else:
        outcomes = _data_outcomes(example, settlement) + _outcomes(example, settlement, effects)
    return ExampleResult(example.name, example.span, outcomes)


def _decisions(program: ir.Program, example: ir.Example, cast: Cast, engine: Engine) -> list[Decision]:
    """Per-order effects come from one whole-participant decision per participant: its
    orders are decided with all its rows, as a settlement would (``max orders`` and
    budgets aside, which only a settlement applies)."""
    if not order_tables(program):
        return []
    return [engine.decide(program, participant_facts(program, example, row)) for row in cast.participants.values()]


def _data_outcomes(example: ir.Example, settlement: Settlement) -> tuple[Outcome, ...]:
    """Rows the engine could not use make the example fail: it would not test what it says."""
    out = []
    for issue in settlement.data_quality:
        where = f"{issue.table}.{issue.column}" if issue.column else issue.table
        got = f"{issue.problem} ({issue.rows} row{'s' if issue.rows != 1 else ''})"
        out.append(Outcome(f"data {where}", "", "usable rows", got, example.span))
    return tuple(out)


def _outcomes(
    example: ir.Example, settlement: Settlement, effects: dict[str, list[OrderEffect]]
) -> tuple[Outcome, ...]:
    by_id = {p.id: p for p in settlement.participants}
    out: list[Outcome] = []
    for expect in example.expects:
        if expect.order:
            subject = f"order {expect.subject}"
            out += [compare_order(subject, item, effects.get(expect.subject, [])) for item in expect.items]
        else:
            result = by_id.get(expect.subject)
            out += [compare_participant(expect.subject, item, result) for item in expect.items]
    return tuple(out)
