"""``rulekit decide FILE --input FACTS.json [--format human|json]``: one decision.

Exit status: 0 for a decision, 1 for errors in the rule file (rendered diagnostics)
or in the facts (a message naming the table, column and row), 2 for a wrong command
line.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from rulekit.api import CompiledProgram
from rulekit.cli.app import EXIT_FINDINGS, EXIT_USAGE, OutputFormat, app, err, load_or_exit
from rulekit.cli.run_periods import echo_lines
from rulekit.cli.stdin import at_most_one_stdin, display_name, read_text, short_name
from rulekit.explain import explain_decision
from rulekit.facts import FactsError
from rulekit.periods import is_paid_per_period


def read_json(path: Path) -> Any:
    """A JSON file (``-``: standard input) with numbers as ``Decimal`` (money never goes through a float)."""
    try:
        text = read_text(path)
    except OSError as exc:
        err.print(f"{display_name(path)}: cannot read the facts file: {exc.strerror or type(exc).__name__}")
        raise typer.Exit(EXIT_FINDINGS) from None
    except UnicodeDecodeError:
        err.print(f"{display_name(path)}: the facts file is not UTF-8 text")
        raise typer.Exit(EXIT_FINDINGS) from None
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        err.print(f"{display_name(path)}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}")
        raise typer.Exit(EXIT_FINDINGS) from None


@app.command()
def decide(
    file: Annotated[Path, typer.Argument(help="The rule file (`-`: standard input).", metavar="FILE")],
    facts_file: Annotated[
        Path, typer.Option("--input", help="Facts as JSON: table name -> row(s) (`-`: standard input).")
    ],
    output: Annotated[OutputFormat, typer.Option("--format", help="`human` or `json`.")] = OutputFormat.HUMAN,
    period: Annotated[
        str | None, typer.Option("--period", help="Only this pay period (`2024-03`), for a program paid per period.")
    ] = None,
) -> None:
    """Decide one participant or one order from facts given as JSON.

    A program paid per period (`paid monthly`) is decided period by period, as it is paid:
    one decision per pay period, or the one ``--period`` names.
    """
    at_most_one_stdin(file, facts_file)
    program = load_or_exit(file)
    facts = read_json(facts_file)
    if is_paid_per_period(program.ir):  # issue 10, construct 6
        _decide_periods(program, facts, facts_file, period, output is OutputFormat.JSON)
        return
    if period is not None:
        err.print(f"--period {period}: {short_name(file)} is paid once, not per period", markup=False)
        raise typer.Exit(EXIT_USAGE)
    try:
        decision = program.decide(facts)
    except FactsError as exc:
        err.print(f"{display_name(facts_file)}: {exc}", markup=False)
        raise typer.Exit(EXIT_FINDINGS) from None
    if output is OutputFormat.JSON:
        typer.echo(decision.model_dump_json(indent=2))
    else:
        typer.echo(explain_decision(program.ir, decision))


def _decide_periods(program: CompiledProgram, facts: Any, facts_file: Path, period: str | None, as_json: bool) -> None:
    try:
        lines = program.decide_periods(facts)
    except FactsError as exc:
        err.print(f"{display_name(facts_file)}: {exc}", markup=False)
        raise typer.Exit(EXIT_FINDINGS) from None
    echo_lines(program.ir, lines, period, as_json)
