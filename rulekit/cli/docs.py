"""``rulekit docs FILE [--format md|html] [--locale en-US|en-GB|de-DE] [-o PATH] [--templates DIR]``.

Renders the policy document of a rule file. Exit status: 0 when the document was
written, 1 when the rule file (or an override template) has errors, 2 for a wrong
command line (unknown format or locale, a templates folder that does not exist).
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import jinja2
import typer

from rulekit.cli.app import EXIT_FINDINGS, EXIT_USAGE, app, err
from rulekit.cli.stdin import check_path
from rulekit.diagnostics import render_all
from rulekit.render import UnknownLocaleError, render_document, resolve_locale


class DocFormat(enum.Enum):
    MD = "md"
    HTML = "html"


@app.command()
def docs(
    file: Annotated[Path, typer.Argument(help="The rule file to document.", metavar="FILE")],
    output_format: Annotated[DocFormat, typer.Option("--format", help="`md` (Markdown) or `html`.")] = DocFormat.MD,
    locale: Annotated[
        str,
        typer.Option(
            "--locale",
            help="The document's language and how money and dates are written: en-US, en-GB or de-DE (also de, de_DE).",
        ),
    ] = "en-US",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write here instead of standard output.")
    ] = None,
    templates: Annotated[
        Path | None, typer.Option("--templates", help="A folder whose templates replace the built-in ones by name.")
    ] = None,
) -> None:
    """Render the policy document of a rule file, in Markdown or standalone HTML."""
    if templates is not None and not templates.is_dir():
        err.print(f"rulekit docs: --templates {templates}: not a folder", markup=False)
        raise typer.Exit(EXIT_USAGE)
    try:  # a wrong locale is a wrong command line: say so before reading the file
        locale = resolve_locale(locale)
    except UnknownLocaleError as exc:
        err.print(f"rulekit docs: --locale: {exc}", markup=False)
        raise typer.Exit(EXIT_USAGE) from None
    report = check_path(file)
    if report.diagnostics:
        err.print(render_all(report.diagnostics, {report.program.path: report.source}), markup=False)
    if not report.ok:
        raise typer.Exit(EXIT_FINDINGS)
    try:
        text = render_document(report.program, output_format.value, locale, templates)
    except jinja2.TemplateError as exc:
        err.print(f"rulekit docs: template error: {_template_problem(exc)}", markup=False)
        raise typer.Exit(EXIT_FINDINGS) from None
    if output is None:
        typer.echo(text, nl=False)
        return
    if output.exists() and output.resolve() == file.resolve():
        err.print(f"rulekit docs: -o {output} would overwrite the rule file; write elsewhere", markup=False)
        raise typer.Exit(EXIT_USAGE)
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        err.print(f"rulekit docs: cannot write {output}: {exc.strerror or type(exc).__name__}", markup=False)
        raise typer.Exit(EXIT_FINDINGS) from None


def _template_problem(exc: jinja2.TemplateError) -> str:
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return f"{exc.filename or exc.name}:{exc.lineno}: {exc.message}"
    return str(exc.message or type(exc).__name__)
