"""``rulekit fmt FILE... [--check] [--diff] [--format human|json]``: rewrite rule files in the canonical layout.

``-`` formats standard input to standard output (a filter for editors and pipes).
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from rulekit.cli.app import EXIT_FINDINGS, OutputFormat, app, err
from rulekit.cli.stdin import STDIN_NAME, at_most_one_stdin, is_stdin, read_stdin
from rulekit.diagnostics import render_all
from rulekit.formatter import FormatResult, format_file, format_source


@app.command()
def fmt(
    files: Annotated[list[Path], typer.Argument(help="Rule files to format (`-`: standard input to standard output).")],
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 and list the files that would change.")
    ] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Write nothing; print a unified diff of the changes.")] = False,
    output: Annotated[
        OutputFormat, typer.Option("--format", help="`human`, or `json`: one record per file on stdout.")
    ] = OutputFormat.HUMAN,
) -> None:
    """Format rule files: one canonical layout, every comment kept, meaning never changed."""
    at_most_one_stdin(*files)
    as_json = output is OutputFormat.JSON
    records: list[dict[str, Any]] = []
    would_change: list[str] = []
    failed = 0
    for path in files:
        result = format_source(read_stdin(), STDIN_NAME) if is_stdin(path) else format_file(str(path))
        record: dict[str, Any] = {"file": result.path, "ok": result.ok, "changed": result.changed, "written": False}
        records.append(record)
        if not result.ok:
            record["diagnostics"] = [d.to_json() for d in result.diagnostics]
            if not as_json:
                err.print(render_all(result.diagnostics, {result.path: result.source}), markup=False)
            failed += 1
            continue
        if is_stdin(path) and not (check or diff):
            if as_json:
                record["formatted"] = result.formatted
            else:
                typer.echo(result.formatted or "", nl=False)  # a filter prints the text, changed or not
        if not result.changed:
            continue
        would_change.append(result.path)
        if diff:
            record["diff"] = _unified_diff(result)
            if not as_json:
                typer.echo(record["diff"], nl=False)
        if not (check or diff or is_stdin(path)):
            record["written"] = _write(result, quiet=as_json)
            if not record["written"]:
                failed += 1
                would_change.pop()
    if as_json:
        typer.echo(json.dumps(records, indent=2, ensure_ascii=False))
    else:
        if check and would_change:
            for name in would_change:
                err.print(f"would reformat {name}", markup=False)
        _summary(len(files), would_change, written=not (check or diff), failed=failed)
    if failed or (check and would_change):
        raise typer.Exit(EXIT_FINDINGS)


def _unified_diff(result: FormatResult) -> str:
    after = result.formatted or ""
    lines = difflib.unified_diff(
        result.source.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"{result.path} (original)",
        tofile=f"{result.path} (formatted)",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _write(result: FormatResult, *, quiet: bool = False) -> bool:
    try:
        with open(result.path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(result.formatted or "")
    except OSError as exc:
        err.print(f"{result.path}: cannot write the formatted file: {exc.strerror or exc}", markup=False)
        return False
    if not quiet:
        err.print(f"reformatted {result.path}", markup=False)
    return True


def _summary(total: int, changed: list[str], *, written: bool, failed: int) -> None:
    verb = "reformatted" if written else "would be reformatted"
    line = f"{len(changed)} file(s) {verb}, {total - len(changed) - failed} already formatted"
    if failed:
        line += f", {failed} not formatted because of errors"
    err.print(line, markup=False)
