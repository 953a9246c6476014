"""Every error rulekit raises, under one base class.

Catch :class:`RulekitError` to handle anything rulekit reports about its inputs; the
subclasses say which input is at fault:

* :class:`RuleFileError` — the rule file has errors (``diagnostics`` holds them all);
* :class:`CompileError` — the program uses a construct an evaluator cannot run (the
  checker should have reported it first, so this is a safety net);
* :class:`DataError` — input tables cannot be settled (``issues`` name the table,
  column and an example row);
* :class:`EngineError` — the SQL engine failed on the data (``table``/``column`` name
  what it concerns when that can be found);
* :class:`FactsError` — bad facts given to ``decide`` (names table, column and row);
* :class:`OutputError` — an unknown output format, locale or participant.

Classes that were ``ValueError``/``LookupError`` before keep those bases too, so code
catching the built-in class still works. This module imports nothing heavy, so every
stage can raise these without import cycles.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from rulekit.diagnostics import Diagnostic

__all__ = [
    "CompileError",
    "DataError",
    "EngineError",
    "FactsError",
    "OutputError",
    "RuleFileError",
    "RulekitError",
    "describe_issue",
]


class RulekitError(Exception):
    """The base of every error rulekit raises about its inputs."""


class RuleFileError(RulekitError):
    """The rule file has errors. ``diagnostics`` holds every one; ``rendered`` is the
    human text (``file:line:col``, code, caret, hint) ready to print."""

    def __init__(self, path: str, diagnostics: Sequence[Diagnostic], source: str) -> None:
        from rulekit.diagnostics import render_all

        self.path = path
        self.diagnostics = tuple(diagnostics)
        self.rendered = render_all(self.diagnostics, {path: source})
        errors = sum(1 for d in self.diagnostics if d.is_error)
        super().__init__(f"{path}: {errors} error{'s' if errors != 1 else ''}\n{self.rendered}")


class CompileError(RulekitError):
    """The program cannot be compiled by an evaluator.

    The Python evaluator gives ``diagnostics``; the SQL compiler gives a message only
    (``diagnostics`` is then empty).
    """

    def __init__(self, problem: str | Sequence[Diagnostic]) -> None:
        self.diagnostics: list[Diagnostic] = [] if isinstance(problem, str) else list(problem)
        message = problem if isinstance(problem, str) else "; ".join(d.message for d in self.diagnostics)
        super().__init__(message)


class Issue(Protocol):
    """What :class:`DataError` needs from a data-quality issue (``rulekit.results.DataIssue``)."""

    @property
    def table(self) -> str: ...
    @property
    def column(self) -> str | None: ...
    @property
    def problem(self) -> str: ...
    @property
    def rows(self) -> int: ...
    @property
    def example(self) -> str | None: ...


def describe_issue(issue: Issue) -> str:
    """One line for a person: ``orders.gmv: cannot be read as money (3 rows), e.g. row 2: …``."""
    where = f"{issue.table}.{issue.column}" if issue.column else issue.table
    text = f"{where}: {issue.problem}"
    if issue.rows:
        text += f" ({issue.rows} row{'s' if issue.rows != 1 else ''})"
    return f"{text}; e.g. {issue.example}" if issue.example else text


class DataError(RulekitError):
    """The input data cannot be settled at all; ``issues`` say where and why."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = tuple(issues)
        super().__init__("; ".join(describe_issue(i) for i in self.issues))


class EngineError(RulekitError):
    """The SQL engine failed on the data: ``table`` and ``column`` name what the failure
    concerns (``None`` when it cannot be told); ``detail`` is the engine's first line."""

    def __init__(self, message: str, *, table: str | None = None, column: str | None = None, detail: str = "") -> None:
        self.table = table
        self.column = column
        self.detail = detail
        where = f"{table}.{column}" if table and column else table or ""
        super().__init__(f"{where}: {message}" if where else message)


class FactsError(RulekitError, ValueError):
    """Bad input facts: names the table, the column and the row (0-based index)."""

    def __init__(self, message: str, table: str | None = None, column: str | None = None, row: int | None = None):
        self.table = table
        self.column = column
        self.row = row
        self.problem = message
        where = []
        if table is not None:
            where.append(f"table `{table}`")
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column `{column}`")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class OutputError(RulekitError, ValueError):
    """An output option rulekit cannot honour (format, locale) or a result that is not there."""
