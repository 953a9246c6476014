"""``rulekit check FILE... [--format human|json]``: every problem of every file (``-``: standard input).

Exit status: 0 when no file has an error (warnings are fine), 1 when any has one
(a missing or unreadable file is an RK003 error), 2 for a wrong command line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from rulekit.checker import CheckReport
from rulekit.cli.app import EXIT_FINDINGS, EXIT_OK, OutputFormat, app
from rulekit.cli.stdin import at_most_one_stdin, check_path
from rulekit.diagnostics import Severity, render
from rulekit.liability import budget_terms, format_money
from rulekit.money import round_money


@app.command()
def check(
    files: Annotated[list[Path], typer.Argument(help="Rule files to check (`-`: standard input).", metavar="FILE...")],
    output: Annotated[
        OutputFormat, typer.Option("--format", help="`human` (source lines and carets) or `json`.")
    ] = OutputFormat.HUMAN,
) -> None:
    """Check rule files and report every problem at once."""
    at_most_one_stdin(*files)
    reports = [check_path(path) for path in files]
    if output is OutputFormat.JSON:
        typer.echo(json.dumps([report_json(r) for r in reports], indent=2, ensure_ascii=False))
    else:
        typer.echo(human(reports))
    raise typer.Exit(EXIT_OK if all(r.ok for r in reports) else EXIT_FINDINGS)


def human(reports: list[CheckReport]) -> str:
    """Rendered diagnostics of every file, then one summary line per file."""
    blocks = [render(d, r.source) for r in reports for d in r.diagnostics]
    summary = "\n".join(summary_line(r) for r in reports)
    return "\n\n".join([*blocks, summary])


def summary_line(report: CheckReport) -> str:
    """``apollo.rules: ok — maximum total payout $60,000.00`` or ``x.rules: 2 errors, 1 warning``."""
    errors = sum(d.severity is Severity.ERROR for d in report.diagnostics)
    warnings = len(report.diagnostics) - errors
    counts = [_plural(errors, "error")] if errors else []
    counts += [_plural(warnings, "warning")] if warnings else []
    path = report.program.path
    if errors:
        return f"{path}: {', '.join(counts)}"
    head = ", ".join(["ok", *counts])
    if report.max_payout is None:
        return f"{path}: {head} — maximum total payout is unbounded"
    terms = budget_terms(report.program)  # budgets per day (week, month): how many count
    where = f" ({'; '.join(terms)})" if terms else ""
    return f"{path}: {head} — maximum total payout {format_money(report.max_payout)}{where}"


def report_json(report: CheckReport) -> dict[str, Any]:
    payout = report.max_payout
    return {
        "file": report.program.path,
        "ok": report.ok,
        "diagnostics": [d.to_json() for d in report.diagnostics],
        "max_payout": None
        if payout is None
        else {"amount": str(round_money(payout.amount, payout.currency)), "currency": payout.currency},
    }


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")
