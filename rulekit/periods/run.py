"""Settle and decide a program paid per period: one line per participant per period.

Each period runs on its own narrowed program (:mod:`rulekit.periods.program`) in the
evaluator asked for (SQL for :func:`settle_periods`, compiled Python for
:func:`decide_periods`); :func:`rulekit.periods.adjust.adjust` then works out what each
period pays. A program without ``paid …`` is settled as before, with one line each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

import pyarrow as pa
from pydantic import BaseModel

from rulekit import ir, timeutil
from rulekit.periods import Period
from rulekit.periods.adjust import adjust
from rulekit.periods.program import for_period, pay_periods, pay_window
from rulekit.plan import Plan, bind
from rulekit.results import DataIssue, Decision, ParticipantResult, Settlement, Total, UnknownParticipantError

__all__ = ["PeriodLine", "PeriodProgram", "PeriodSettlement", "decide_periods", "period_programs", "settle_periods"]


class PeriodProgram(NamedTuple):
    """One pay period, its narrowed program (bound) and its payout due date."""

    period: Period
    plan: Plan
    due: dt.date | None


class PeriodLine(NamedTuple):
    """One participant in one period, as paid."""

    period: Period
    result: ParticipantResult


def period_programs(program: ir.Program) -> tuple[PeriodProgram, ...]:
    """The programs of each pay period of ``program`` (() when it is not paid per period)."""
    window = pay_window(program)
    if window is None:
        return ()
    start = window.local_bounds()[0]
    out = []
    for period in pay_periods(program):
        narrowed = for_period(program, period, start)
        out.append(PeriodProgram(period, bind(narrowed), timeutil.due_date(narrowed)))
    return tuple(out)


def decide_periods(program: ir.Program, facts: Mapping[str, Any]) -> list[PeriodLine]:
    """One participant's facts decided period by period (compiled Python), as paid."""
    from rulekit.compile_py import compile_program
    from rulekit.pyeval.decision import decide

    parts = period_programs(program)
    decisions: list[ParticipantResult] = []
    for part in parts:
        py = compile_program(part.plan.program, part.plan)
        decisions.append(decide(py, py.read(facts)))
    paid = adjust(program, [p.period for p in parts], [p.due for p in parts], decisions)
    return [PeriodLine(p.period, _as_decision(r)) for p, r in zip(parts, paid, strict=True)]


def _as_decision(result: ParticipantResult) -> ParticipantResult:
    return Decision.model_validate(result.model_dump()) if not isinstance(result, Decision) else result


def settle_periods(program: ir.Program, data: Any) -> PeriodSettlement:
    """Settle ``program`` (paid per period) over ``data`` in SQL, one line per participant per period."""
    from rulekit.data import LoadedData, load_tables
    from rulekit.settle import settle

    loaded = data if isinstance(data, LoadedData) else load_tables(program, data)
    parts = period_programs(program)
    settled = [settle(part.plan, loaded) for part in parts]
    by_id: dict[str, list[ParticipantResult]] = {}
    for one in settled:
        for row in one.participants:
            by_id.setdefault(row.id or "", []).append(row)
    paid = {
        pid: adjust(program, [p.period for p in parts], [p.due for p in parts], rows) for pid, rows in by_id.items()
    }
    return PeriodSettlement(program, parts, settled, paid, list(loaded.issues))


class PeriodSettlement:
    """A settlement with one line per participant per pay period (``docs/run.md``).

    ``lines`` is in period order, then in each period's settlement order (rank, then id);
    ``line(id, "2024-03")`` one line; ``to_arrow()`` the table: the columns of a
    settlement after ``period``, ``period_start`` and ``period_end`` (local dates, the
    end inclusive).
    """

    def __init__(
        self,
        program: ir.Program,
        parts: Sequence[PeriodProgram],
        settled: Sequence[Settlement],
        paid: Mapping[str, list[ParticipantResult]],
        issues: list[DataIssue],
    ) -> None:
        self.rules = program
        self.program = program.header.name if program.header else ""
        self.payout_due: dt.date | None = None  # each line has its period's due date
        self.parts = tuple(parts)
        self._settled = tuple(settled)
        self._paid = paid
        self.data_quality = issues
        self.currency = settled[0].currency if settled else ""
        self.timezone = settled[0].timezone if settled else ""

    @property
    def settlements(self) -> tuple[Settlement, ...]:
        """Each period's own settlement, before what :func:`adjust` pays (for clause coverage)."""
        return self._settled

    @property
    def periods(self) -> tuple[Period, ...]:
        return tuple(p.period for p in self.parts)

    @property
    def lines(self) -> Iterator[PeriodLine]:
        for index, (part, one) in enumerate(zip(self.parts, self._settled, strict=True)):
            for pid in (row.id or "" for row in one.participants):
                yield PeriodLine(part.period, self._paid[pid][index])

    def line(self, participant_id: str, period: str) -> ParticipantResult:
        """One participant's line in the period labelled ``period`` (``2024-03``, ``2024-W09``, ``2024-03-05``)."""
        lines = self._paid.get(participant_id)
        labels = [p.period.label for p in self.parts]
        if lines is None or period not in labels:
            raise UnknownParticipantError(f"{participant_id} in {period}", None)
        return lines[labels.index(period)]

    def lines_of(self, participant_id: str) -> list[PeriodLine]:
        """Every period line of one participant, in period order."""
        if participant_id not in self._paid:
            raise UnknownParticipantError(participant_id, None)
        return [PeriodLine(p.period, r) for p, r in zip(self.parts, self._paid[participant_id], strict=True)]

    @property
    def totals(self) -> dict[str, Total]:
        """Money paid over every period: ``payout`` and one total per paid reward."""
        out: dict[str, Total] = {"payout": Decimal(0)}
        for line in self.lines:
            out["payout"] = out["payout"] + line.result.total_payout
            for reward in line.result.rewards:
                out[f"reward.{reward.name}"] = out.get(f"reward.{reward.name}", Decimal(0)) + reward.amount
        return out

    def model_dump_json(self, *, indent: int | None = None) -> str:
        """The settlement as JSON: the periods, every line (``period`` plus a participant's result), totals."""
        return _Document(
            program=self.program,
            currency=self.currency,
            timezone=self.timezone,
            periods=[
                _PeriodInfo(label=p.period.label, start=p.period.start.date(), end=p.period.last_day, payout_due=p.due)
                for p in self.parts
            ],
            lines=[_Line(period=line.period.label, result=line.result) for line in self.lines],
            totals=self.totals,
            data_quality=self.data_quality,
        ).model_dump_json(indent=indent, by_alias=True)

    def to_arrow(self) -> pa.Table:
        """The period lines as one table: ``period``, ``period_start``, ``period_end``, then a settlement's columns."""
        tables = [self._period_table(i, one) for i, one in enumerate(self._settled)]
        return pa.concat_tables(tables) if tables else pa.table({})

    def _period_table(self, index: int, one: Settlement) -> pa.Table:
        table = one.to_arrow()
        ids = table.column("id").to_pylist()
        paid = [self._paid[pid][index] for pid in ids]
        for position, field in enumerate(table.schema):
            values = _paid_column(field.name, paid)
            if values is not None:
                table = table.set_column(position, field, pa.array(values, field.type))
        period = self.parts[index].period
        n = table.num_rows
        table = table.add_column(0, "period_end", pa.array([period.last_day] * n, pa.date32()))
        table = table.add_column(0, "period_start", pa.array([period.start.date()] * n, pa.date32()))
        return table.add_column(0, "period", pa.array([period.label] * n, pa.string()))


class _PeriodInfo(BaseModel):
    label: str
    start: dt.date
    end: dt.date  # the last local day, inclusive
    payout_due: dt.date | None


class _Line(BaseModel):
    period: str
    result: ParticipantResult


class _Document(BaseModel):
    program: str
    currency: str
    timezone: str
    periods: list[_PeriodInfo]
    lines: list[_Line]
    totals: dict[str, Total]
    data_quality: list[DataIssue]


def _paid_column(name: str, paid: list[ParticipantResult]) -> list[Any] | None:
    """The values of an amount column after :func:`adjust`; None for the columns it does not change."""
    if name == "total_payout":
        return [r.total_payout for r in paid]
    if name == "payout_due":
        return [r.payout_due for r in paid]
    if name.startswith("reward."):
        reward = name.removeprefix("reward.")
        return [next((a.amount for a in r.rewards if a.name == reward), None) for r in paid]
    return None
