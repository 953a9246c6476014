"""``rulekit explain FILE --data DIR --id ID [--format human|json]``: why one
participant of a settlement got what it got.

Exit status: 0 with an explanation; 1 for rule-file errors, data errors or an
unknown id (with the closest id as a suggestion); 2 for a wrong command line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from rulekit.cli.app import EXIT_FINDINGS, OutputFormat, app, err, load_or_exit
from rulekit.cli.run_periods import explain_periods
from rulekit.cli.stdin import short_name
from rulekit.data import DataError, describe
from rulekit.errors import CompileError, EngineError
from rulekit.explain import UnknownParticipantError, explain_participant, find_participant
from rulekit.periods import is_paid_per_period


@app.command()
def explain(
    file: Annotated[Path, typer.Argument(help="The rule file (`-`: standard input).", metavar="FILE")],
    data: Annotated[Path, typer.Option("--data", help="Folder of input tables (Parquet, CSV or JSON).")],
    participant_id: Annotated[str, typer.Option("--id", help="The participant to explain.")],
    output: Annotated[OutputFormat, typer.Option("--format", help="`human` or `json`.")] = OutputFormat.HUMAN,
    period: Annotated[
        str | None, typer.Option("--period", help="Only this pay period (`2024-03`), for a program paid per period.")
    ] = None,
) -> None:
    """Settle the program and explain one participant, clause by clause."""
    program = load_or_exit(file)
    try:
        if is_paid_per_period(program.ir):  # issue 10, construct 6
            explain_periods(program.ir, data, participant_id, period, output is OutputFormat.JSON)
            return
        settlement = program.settle(str(data))
    except DataError as exc:
        err.print(f"cannot settle {short_name(file)}: the data in {data} has problems:", markup=False)
        for issue in exc.issues:
            err.print(f"  {describe(issue)}", markup=False)
        raise typer.Exit(EXIT_FINDINGS) from None
    except (CompileError, EngineError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        err.print(f"cannot settle {short_name(file)}: {first}", markup=False)
        raise typer.Exit(EXIT_FINDINGS) from None
    try:
        row = find_participant(settlement, participant_id)
    except UnknownParticipantError as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(EXIT_FINDINGS) from None
    if output is OutputFormat.JSON:
        payload: dict[str, Any] = {
            "participant": json.loads(row.model_dump_json()),
            "explanation": explain_participant(program.ir, row, settlement),
        }
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        typer.echo(explain_participant(program.ir, row, settlement))
