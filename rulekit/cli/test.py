"""``rulekit test FILE... [--format human|json] [--no-coverage-gate]``: run the examples
embedded in rule files and report clause coverage.

Exit status: 0 when every example passes, no file has an error and (unless
``--no-coverage-gate``) every clause and reward is covered; 1 otherwise; 2 for a
wrong command line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from rulekit.cli.app import EXIT_FINDINGS, EXIT_OK, OutputFormat, app
from rulekit.cli.stdin import STDIN_NAME, at_most_one_stdin, check_path, is_stdin
from rulekit.examples import FileReport, run_examples, run_file
from rulekit.examples.report import human, to_json


@app.command("test")
def test_command(
    files: Annotated[
        list[Path], typer.Argument(help="Rule files whose examples to run (`-`: standard input).", metavar="FILE...")
    ],
    output: Annotated[OutputFormat, typer.Option("--format", help="`human` or `json`.")] = OutputFormat.HUMAN,
    coverage_gate: Annotated[
        bool,
        typer.Option("--coverage-gate/--no-coverage-gate", help="Fail when a clause or reward is not covered."),
    ] = True,
) -> None:
    """Run the examples in rule files: PASS/FAIL with diffs, then clause coverage."""
    at_most_one_stdin(*files)
    reports = [_run_stdin() if is_stdin(path) else run_file(str(path)) for path in files]
    if output is OutputFormat.JSON:
        typer.echo(json.dumps(to_json(reports, coverage_gate), indent=2, ensure_ascii=False))
    else:
        typer.echo(human(reports))
    raise typer.Exit(EXIT_OK if all(r.ok(coverage_gate) for r in reports) else EXIT_FINDINGS)


def _run_stdin() -> FileReport:
    """``run_file`` for rule text on standard input."""
    report = check_path(Path("-"))
    if not report.ok:
        return FileReport(STDIN_NAME, report.source, report.diagnostics)
    results, cover = run_examples(report.program)
    return FileReport(STDIN_NAME, report.source, report.diagnostics, results, cover)
