"""``rulekit sql FILE [--dialect duckdb|spark|postgres|trino]``: print the settlement SQL.

The participants query, then (for programs with members) the members query after a
``-- members`` line, each lowered for the dialect (:mod:`rulekit.sql.dialects`). Exit
status: 0 printed; 1 rule-file errors or a construct the SQL generator cannot compile.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

from rulekit.api import in_example
from rulekit.cli.app import EXIT_FINDINGS, app, err
from rulekit.cli.stdin import check_path, display_name, short_name
from rulekit.compile_sql import compile_settlement
from rulekit.diagnostics import render
from rulekit.errors import CompileError


class SqlDialect(enum.Enum):
    """``--dialect`` of ``rulekit sql``."""

    DUCKDB = "duckdb"
    SPARK = "spark"
    POSTGRES = "postgres"
    TRINO = "trino"


@app.command("sql")
def sql(
    file: Annotated[Path, typer.Argument(help="The rule file (`-`: standard input).", metavar="FILE")],
    dialect: Annotated[SqlDialect, typer.Option("--dialect", help="The SQL dialect to print.")] = SqlDialect.DUCKDB,
) -> None:
    """Print the settlement query of a program in an engine's SQL dialect."""
    report = check_path(file)
    if any(d.is_error and not in_example(d, report.source) for d in report.diagnostics):
        err.print("\n\n".join(render(d, report.source) for d in report.diagnostics), markup=False)
        err.print(f"{display_name(file)}: has errors; no SQL was generated", markup=False)
        raise typer.Exit(EXIT_FINDINGS)
    try:
        compiled = compile_settlement(report.program)
    except CompileError as exc:
        err.print(f"cannot compile {short_name(file)}: {exc}", markup=False)
        raise typer.Exit(EXIT_FINDINGS) from None
    typer.echo(compiled.sql(dialect.value, pretty=True) + ";")
    members = compiled.members_sql(dialect.value, pretty=True)
    if members is not None:
        typer.echo("-- members")
        typer.echo(members + ";")
