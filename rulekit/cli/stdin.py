"""``-`` for standard input wherever a command reads a file.

Standard input can be read once: a command line that names ``-`` twice is refused
(exit 2) before anything is read. Rule text read from standard input is reported as
``<stdin>`` in diagnostics.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from rulekit.checker import CheckReport, check_file, check_source
from rulekit.cli.app import EXIT_FINDINGS, EXIT_USAGE, err

STDIN_NAME = "<stdin>"


def is_stdin(path: Path | str) -> bool:
    """Whether a command-line path is ``-``."""
    return str(path) == "-"


def display_name(path: Path) -> str:
    """The name messages use: ``<stdin>`` for ``-``, the path otherwise."""
    return STDIN_NAME if is_stdin(path) else str(path)


def at_most_one_stdin(*paths: Path | None) -> None:
    """Refuse a command line that reads standard input twice."""
    if sum(1 for p in paths if p is not None and is_stdin(p)) > 1:
        err.print("rulekit: `-` (standard input) can be given only once", markup=False)
        raise typer.Exit(EXIT_USAGE)


def read_stdin() -> str:
    """All of standard input as UTF-8 text (callers read it once: see :func:`at_most_one_stdin`)."""
    raw = sys.stdin.buffer.read()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        err.print(f"{STDIN_NAME}: not UTF-8 text", markup=False)
        raise typer.Exit(EXIT_FINDINGS) from None


def read_text(path: Path) -> str:
    """A file's text, or standard input's for ``-`` (``OSError`` / ``UnicodeDecodeError`` for files)."""
    return read_stdin() if is_stdin(path) else path.read_text(encoding="utf-8")


def check_path(path: Path) -> CheckReport:
    """Parse and check a rule file, or rule text on standard input for ``-``."""
    return check_source(read_stdin(), STDIN_NAME) if is_stdin(path) else check_file(str(path))


def short_name(path: Path) -> str:
    """The file name messages use: ``<stdin>`` for ``-``, the last part of the path otherwise."""
    return STDIN_NAME if is_stdin(path) else path.name
