"""The Typer application every command module registers on."""

from __future__ import annotations

import enum
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import typer
from rich.console import Console

app = typer.Typer(
    name="rulekit",
    help="Check, run, explain and document incentive programs written as rule files.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish, PowerShell
    pretty_exceptions_enable=False,
)

# Exit codes shared by every command.
EXIT_OK = 0
EXIT_FINDINGS = 1  # the input has errors (diagnostics, failed examples, bad data)
EXIT_USAGE = 2  # the command line is wrong
EXIT_INTERNAL = 3  # a bug in rulekit; never a traceback on screen

# Piped output (files, CI logs) gets a wide page so tables are never cut off mid-amount;
# tables still take only their natural width.
_PIPE_WIDTH = 200
if TYPE_CHECKING:
    from rulekit.api import CompiledProgram


class OutputFormat(enum.Enum):
    """``--format`` of the commands that print results."""

    HUMAN = "human"
    JSON = "json"


def plain_requested() -> bool:
    """``NO_COLOR`` set to anything but the empty string asks for plain text (https://no-color.org)."""
    return bool(os.environ.get("NO_COLOR"))


def _console(stderr: bool) -> Console:
    # Not a terminal (a pipe, a file): Rich writes no escape codes at all. NO_COLOR on a
    # terminal: no colour and no bold either, so the output is plain text in both cases.
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else _PIPE_WIDTH
    color_system: Literal["auto"] | None = None if plain_requested() else "auto"
    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=width, color_system=color_system)


out = _console(stderr=False)
err = _console(stderr=True)


def version_line() -> str:
    """``rulekit X.Y.Z``, from the installed package's metadata (pyproject.toml is the only source)."""
    from rulekit import __version__

    return f"rulekit {__version__}"


def _version(value: bool) -> None:
    if value:
        out.print(version_line())
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """Check, run, explain and document incentive programs written as rule files."""


@app.command("version")
def version_command() -> None:
    """Show the installed rulekit version."""
    out.print(version_line())


def load_or_exit(file: Path) -> CompiledProgram:
    """Load a rule file (``-``: standard input) for a command; a file with errors prints its
    diagnostics and exits 1."""
    from rulekit.api import RuleFileError, load, loads
    from rulekit.cli.stdin import STDIN_NAME, is_stdin, read_stdin

    try:
        program = loads(read_stdin(), STDIN_NAME) if is_stdin(file) else load(file)
    except RuleFileError as exc:
        err.print(exc.rendered, markup=False)
        raise typer.Exit(EXIT_FINDINGS) from None
    if program.example_errors:
        count = len(program.example_errors)
        err.print(
            f"note: {file}: {count} error{'s' if count != 1 else ''} in `example` blocks; the program itself "
            f"is fine and runs. See them with `rulekit test {file}`.",
            markup=False,
        )
    return program
