"""The public Python API: load a rule file once, then decide, settle and explain.

>>> import rulekit
>>> program = rulekit.load("campaigns/uk_shop.rules")          # doctest: +SKIP
>>> program.decide({"merchants": {...}, "orders": {...}})       # doctest: +SKIP

See ``docs/api.md`` for the facts format.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from rulekit import ir
from rulekit.compile_py import CompileError, OrderDecision, PyProgram, compile_program
from rulekit.diagnostics import Diagnostic, has_errors
from rulekit.errors import RuleFileError
from rulekit.facts import FactsError
from rulekit.fastpath import FastProgram, Outcome
from rulekit.periods.run import PeriodLine, PeriodSettlement, decide_periods, settle_periods
from rulekit.plan import Plan, bind
from rulekit.pyeval.decision import decide
from rulekit.results import Decision, Settlement

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["CompiledProgram", "FactsError", "RuleFileError", "load", "loads"]


class CompiledProgram:
    """A checked rule file, compiled for single decisions and settlements."""

    def __init__(self, program: ir.Program, path: str, source_hash: str) -> None:
        self.ir = program
        self.path = path
        self.source_hash = source_hash
        # Errors in `example` blocks (see `rulekit test`); they never stop the program itself.
        self.example_errors: tuple[Diagnostic, ...] = ()
        # The one resolved meaning of the program; every engine below reads it.
        self.plan: Plan = bind(program)
        self._py: PyProgram = compile_program(program, self.plan)
        self._fast = FastProgram(self._py)  # generated from the plan once, here
        # `paid monthly`: one decision per period, so a whole-window decision is refused.
        self._paid = program.payout.paid if program.payout is not None else None

    @property
    def name(self) -> str:
        return self.ir.header.name if self.ir.header else ""

    def decide(self, facts: Mapping[str, Any]) -> Decision:
        """Decide one participant, or one order (an event table given as one dict).

        Raises :class:`FactsError` naming the table, column and row of bad facts, and
        :class:`CompileError` for a program paid per period (use :meth:`decide_periods`).
        """
        self._refuse_periods("decide", "decide_periods(facts)")
        return decide(self._py, self._py.read(facts))

    def decide_fast(self, facts: Mapping[str, Any]) -> Outcome:
        """The compiled fast path: the outcome of ``decide(facts)`` without wording anything.

        Its ``clauses`` and ``reasons`` are worded when read, and ``outcome.decision()`` is
        the :class:`Decision` ``decide`` returns. Raises :class:`FactsError` on bad facts.
        """
        self._refuse_periods("decide", "decide_periods(facts)")
        return self._fast.run(facts)

    def decide_batch(self, table: Any) -> pa.Table:
        """Decide a table of per-participant records (Arrow, pandas or polars; see
        ``docs/api.md``) and return one Arrow row per record, each as ``decide`` decides it.
        Raises :class:`rulekit.fastpath.batch.BatchFactsError` (a :class:`FactsError`)
        naming the record, table, column and row of bad facts."""
        from rulekit.fastpath.batch import decide_batch

        self._refuse_periods("decide", "decide_periods(facts) for each record")
        return decide_batch(self._fast, table)

    def decide_order(self, participant_row: Mapping[str, Any], order_row: Mapping[str, Any]) -> OrderDecision:
        """The fast path for one order: commission and subsidy, no reasons."""
        return self._py.decide_order(participant_row, order_row)

    def settle(self, data: Any, *, progress: Callable[..., Any] | None = None, engine: Any = None) -> Settlement:
        """Settle the program over a data set (delegates to ``rulekit.settle.settle``);
        ``engine``: ``"duckdb"`` (default), ``"spark"``, ``"postgres"`` or an engine object."""
        from rulekit.settle import settle  # DuckDB is loaded only when a program is settled

        self._refuse_periods("settle", "settle_periods(data)")
        return settle(self.plan, data, progress=progress, engine=engine)

    def _refuse_periods(self, verb: str, instead: str) -> None:
        # One line per participant for the whole window would pay what no period pays
        # (caps and to-date differences are per period): refuse rather than mislead.
        if self._paid is not None:
            raise CompileError(
                f"this program is paid {self._paid} (one line per participant per period): {verb} it with {instead}"
            )

    # issue 10, construct 6 (periods): programs paid per period have one line per period.
    def decide_periods(self, facts: Mapping[str, Any]) -> list[PeriodLine]:
        """One participant decided period by period (a program with ``paid monthly``), as paid."""
        return decide_periods(self.ir, facts)

    def settle_periods(self, data: Any) -> PeriodSettlement:
        """Settle a program paid per period: one line per participant per period (``docs/run.md``)."""
        return settle_periods(self.ir, data)

    def explain(self, settlement: Settlement, participant_id: str) -> str:
        """Why one participant of a settlement got what it got, clause by clause."""
        return settlement.participant(participant_id).explain(self.ir)

    def __repr__(self) -> str:
        return f"CompiledProgram({self.name!r}, path={self.path!r}, source_hash={self.source_hash[:12]}…)"


def load(path: str | os.PathLike[str]) -> CompiledProgram:
    """Read, check and compile a rule file; raises :class:`RuleFileError` with every
    diagnostic when the file has errors. The file is read once: ``source_hash`` is the
    SHA-256 of the bytes that were checked."""
    from rulekit.checker import check_file

    text_path = os.fspath(path)
    report = check_file(text_path)
    return _compiled(report.program, text_path, report.source, report.diagnostics, report.digest)


def loads(source: str, path: str = "<string>") -> CompiledProgram:
    """Check and compile rule-file text (``source_hash`` is of its UTF-8 bytes)."""
    from rulekit.checker import check_source

    report = check_source(source, path)
    return _compiled(report.program, path, source, report.diagnostics, report.digest)


def _compiled(
    program: ir.Program, path: str, source: str, diagnostics: tuple[Diagnostic, ...], digest: str
) -> CompiledProgram:
    # An error inside an `example` block is a broken test, not a broken program: it is
    # kept on the compiled program for the caller to report, and never blocks a run.
    if has_errors(tuple(d for d in diagnostics if not in_example(d, source))):
        raise RuleFileError(path, diagnostics, source)
    try:
        compiled = CompiledProgram(program, path, digest)
    except CompileError as exc:
        raise RuleFileError(path, tuple(exc.diagnostics), source) from None
    compiled.example_errors = tuple(d for d in diagnostics if d.is_error)
    return compiled


def in_example(diagnostic: Diagnostic, source: str) -> bool:
    """Whether a diagnostic concerns an ``example`` block only, so it cannot change what
    the program pays: an example code (RK7xx), or any finding on a line of an item whose
    header line (the nearest line above in column 0) starts with ``example``."""
    if diagnostic.code.startswith("RK7"):
        return True
    lines = source.splitlines()
    for number in range(min(diagnostic.span.line, len(lines)), 0, -1):
        text = lines[number - 1]
        if text and not text[0].isspace() and not text.startswith("#"):
            return text.split(maxsplit=1)[0] == "example"
    return False
