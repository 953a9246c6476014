"""``rulekit run`` for a program paid per period (issue 10, construct 6): one line per
participant per period on screen, in ``--out`` files and in ``--format json``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import typer
from rich.table import Table

from rulekit import ir
from rulekit.cli.app import EXIT_FINDINGS, err, out
from rulekit.data import LoadedData, describe
from rulekit.periods.run import PeriodLine, PeriodSettlement, settle_periods
from rulekit.reasons import format_money
from rulekit.results import UnknownParticipantError

MAX_ROWS = 50  # rows of the on-screen table; the output file has everything


def settle_lines(program: ir.Program, loaded: LoadedData) -> PeriodSettlement:
    """The period lines of ``program`` over the loaded data (SQL on DuckDB)."""
    return settle_periods(program, loaded)


def show(program: ir.Program, settlement: PeriodSettlement, output_json: bool, out_path: Path | None) -> None:
    """The lines on standard output: JSON, or a table per line and the totals."""
    if output_json:
        typer.echo(settlement.model_dump_json(indent=2))
        return
    title = program.header.title if program.header and program.header.title else settlement.program
    out.print(f"[bold]{title}[/bold] — settlement in {settlement.currency}, {settlement.timezone}, per period")
    noun = program.participant.noun if program.participant else "participant"
    table = Table(title=f"per {noun} per period", title_justify="left")
    for name in ("period", noun, "qualified", "total payout", "payout due"):
        table.add_column(name, justify="right" if name in ("total payout", "payout due") else "left")
    lines = list(settlement.lines)
    for line in lines[:MAX_ROWS]:
        result = line.result
        due = result.payout_due.isoformat() if result.payout_due else ""
        money = format_money(result.total_payout, settlement.currency)
        table.add_row(line.period.label, result.id, "yes" if result.qualified else "no", money, due)
    if len(lines) > MAX_ROWS:
        table.caption = f"… {len(lines) - MAX_ROWS} more in the output file"
    out.print(table)
    for key, value in settlement.totals.items():
        amount = format_money(value, settlement.currency) if isinstance(value, Decimal) else str(value)
        out.print(f"{key}: {amount}", markup=False)
    _data_quality(settlement)
    if out_path is not None:
        out.print(f"wrote {out_path}", markup=False)


def explain_periods(program: ir.Program, data: Path, participant_id: str, period: str | None, as_json: bool) -> None:
    """``rulekit explain`` of a program paid per period: each period line of one participant."""
    settlement = settle_periods(program, str(data))
    try:
        lines = settlement.lines_of(participant_id)
    except UnknownParticipantError as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(EXIT_FINDINGS) from None
    echo_lines(program, lines, period, as_json)


def echo_lines(program: ir.Program, lines: Sequence[PeriodLine], period: str | None, as_json: bool) -> None:
    """One participant's period lines (all, or the one ``period`` names) explained on standard
    output; a period that is not one of the program's is an error listing them."""
    chosen = [line for line in lines if period is None or line.period.label == period]
    if not chosen:
        labels = ", ".join(line.period.label for line in lines)
        err.print(f"no pay period `{period}`; the periods are {labels}", markup=False)
        raise typer.Exit(EXIT_FINDINGS)
    if as_json:
        payload = [
            {
                "period": line.period.label,
                "participant": json.loads(line.result.model_dump_json()),
                "explanation": line.result.explain(program),
            }
            for line in chosen
        ]
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    typer.echo(
        "\n\n".join(f"{line.period.words()} ({line.period.label})\n{line.result.explain(program)}" for line in chosen)
    )


def _data_quality(settlement: PeriodSettlement) -> None:
    if not settlement.data_quality:
        out.print("data quality: no problems found", markup=False)
        return
    out.print(f"data quality: {len(settlement.data_quality)} finding(s)", markup=False)
    for issue in settlement.data_quality:
        out.print(f"  {describe(issue)}", markup=False)
