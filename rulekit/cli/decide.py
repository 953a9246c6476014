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

from rulekit.cli.app import EXIT_FINDINGS, OutputFormat, app, err, load_or_exit
from rulekit.cli.stdin import at_most_one_stdin, display_name, read_text
from rulekit.explain import explain_decision
from rulekit.facts import FactsError


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
) -> None:
    """Decide one participant or one order from facts given as JSON."""
    at_most_one_stdin(file, facts_file)
    program = load_or_exit(file)
    facts = read_json(facts_file)
    try:
        decision = program.decide(facts)
    except FactsError as exc:
        err.print(f"{display_name(facts_file)}: {exc}", markup=False)
        raise typer.Exit(EXIT_FINDINGS) from None
    if output is OutputFormat.JSON:
        typer.echo(decision.model_dump_json(indent=2))
    else:
        typer.echo(explain_decision(program.ir, decision))
