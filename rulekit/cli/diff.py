"""``rulekit diff OLD NEW [--data DIR] [--format human|json]``: semantic changes between two versions.

``--format text`` is still accepted as another name for ``human`` (the name before
every command said ``human``); it is no longer listed. One of OLD and NEW may be ``-``
for standard input.

Exit codes: 0 when the two versions mean the same, 1 when there are changes (text
changes included, since they change the published document), 2 when they could not
be compared (a wrong command line, an unreadable or broken rule file, a missing data
folder).
"""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from rulekit import ir
from rulekit.cli.app import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, app, err, out
from rulekit.cli.stdin import STDIN_NAME, at_most_one_stdin, check_path, is_stdin
from rulekit.diagnostics import Diagnostic, render_all
from rulekit.diff import diff_programs, render_changes
from rulekit.diffimpact import Impact, compare_settlements, render_impact, settle_both


class OutputFormat(enum.StrEnum):
    HUMAN = "human"
    JSON = "json"


_FORMAT_NAMES = {"human": OutputFormat.HUMAN, "text": OutputFormat.HUMAN, "json": OutputFormat.JSON}


def _format(value: str) -> OutputFormat:
    """``--format``: ``human`` or ``json``; ``text`` is a hidden alias of ``human``."""
    try:
        return _FORMAT_NAMES[value.lower()]
    except KeyError:
        raise typer.BadParameter(f"{value!r} is not one of 'human', 'json'") from None


def load_program(path: Path) -> tuple[ir.Program | None, str]:
    """Parse (and check, when the checker is installed) one file.

    Returns the program, or ``None`` plus the rendered error diagnostics.
    """
    diagnostics: tuple[Diagnostic, ...]
    if is_stdin(path):
        report = check_path(path)
        errors = [d for d in report.diagnostics if d.is_error]
        return (None, render_all(errors, {STDIN_NAME: report.source})) if errors else (report.program, "")
    try:
        from rulekit.checker import check_file  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        from rulekit.parser import parse_file

        result, source = parse_file(str(path))
        program, diagnostics = result.program, result.diagnostics
    else:
        report = check_file(str(path))
        program, source, diagnostics = report.program, report.source, tuple(report.diagnostics)
    errors = [d for d in diagnostics if d.is_error]
    if errors:
        return None, render_all(errors, {str(path): source})
    return program, ""


def _impact(old: ir.Program, new: ir.Program, data: Path) -> Impact:
    if not data.is_dir():
        _fail(f"--data {data}: not a folder of input tables")
    from rulekit.data import DataError, describe

    try:
        before, after = settle_both(old, new, data)
    except ImportError:
        _fail("--data needs the settlement engine (rulekit.settle), which is not installed")
    except DataError as exc:
        # Fatal data problems (missing table or column, unreadable value) name table, column and row.
        _fail("cannot settle the data:\n" + "\n".join(f"  {describe(issue)}" for issue in exc.issues))
    return compare_settlements(before, after)


def _fail(message: str) -> NoReturn:
    err.print(f"rulekit diff: {message}", markup=False, emoji=False)
    raise typer.Exit(EXIT_USAGE)


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="The old version of the rule file (`-`: standard input).")],
    new: Annotated[Path, typer.Argument(help="The new version of the rule file (`-`: standard input).")],
    data: Annotated[
        Path | None, typer.Option("--data", help="Settle both versions on this folder of tables and report the impact.")
    ] = None,
    output: Annotated[
        OutputFormat,
        typer.Option("--format", parser=_format, metavar="[human|json]", help="`human` or `json`."),
    ] = OutputFormat.HUMAN,
) -> None:
    """Show what changed in meaning between two versions of a program (formatting and comments are ignored).

    Exit code 0: no change; 1: changes; 2: could not compare.
    """
    at_most_one_stdin(old, new)
    programs: list[ir.Program] = []
    for path in (old, new):
        program, problems = load_program(path)
        if program is None:
            err.print(problems, markup=False, emoji=False)
            err.print(f"rulekit diff: cannot compare: {path} has errors", markup=False, emoji=False)
            raise typer.Exit(EXIT_USAGE)
        programs.append(program)
    changes = diff_programs(programs[0], programs[1])
    impact = _impact(programs[0], programs[1], data) if data is not None else None
    if output is OutputFormat.JSON:
        document: dict[str, Any] = {
            "old": str(old),
            "new": str(new),
            "changed": bool(changes),
            "changes": [c.to_json() for c in changes],
            "impact": impact.to_json() if impact is not None else None,
        }
        out.print(json.dumps(document, indent=2, ensure_ascii=False), markup=False, emoji=False)
    else:
        text = render_changes(changes)
        if impact is not None:
            text += "\n" + render_impact(impact, f"the data in {data}")
        out.print(text, markup=False, emoji=False, end="")
    raise typer.Exit(EXIT_FINDINGS if changes else EXIT_OK)
