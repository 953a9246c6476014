"""Diagnostics are data: a stable code, a severity, a message, a span and a hint.

Stages return diagnostics instead of raising, so one run reports every problem; the
CLI alone decides exit codes. :func:`render` produces the human form::

    campaigns/apollo.rules:40:31: error[RK101]: unknown table `product_view`
       |
    40 | metric product_uv = count distinct viewer_id in product_view during activity
       |                                                 ^^^^^^^^^^^^
       = help: did you mean `product_views`?
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rulekit.codes import Code
from rulekit.codes import Severity as Severity  # re-exported: its long-standing home
from rulekit.ir import Span


@dataclass(frozen=True, slots=True)
class Fix:
    """A machine-applicable suggestion: replace the text at ``span`` with ``text``
    (an empty span inserts). Editors offer it as a quick fix; a test applies every fix
    of the pinned fixtures and requires the file to check without that finding."""

    span: Span
    text: str

    def to_json(self) -> dict[str, Any]:
        s = self.span
        where = {"line": s.line, "column": s.column, "end_line": s.end_line, "end_column": s.end_column}
        return {**where, "text": self.text}


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    span: Span
    help: str | None = None
    fixes: tuple[Fix, ...] = ()

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "file": self.span.file,
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
            "help": self.help,
            "fixes": [fix.to_json() for fix in self.fixes],
        }


def error(code: Code, message: str, span: Span, help: str | None = None, fixes: tuple[Fix, ...] = ()) -> Diagnostic:
    """An error diagnostic; ``code`` comes from the registry :mod:`rulekit.codes`."""
    return Diagnostic(code, Severity.ERROR, message, span, help, fixes)


def warning(code: Code, message: str, span: Span, help: str | None = None, fixes: tuple[Fix, ...] = ()) -> Diagnostic:
    """A warning diagnostic; ``code`` comes from the registry :mod:`rulekit.codes`."""
    return Diagnostic(code, Severity.WARNING, message, span, help, fixes)


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """A ``did you mean`` hint for a misspelt name, or ``None`` if nothing is close."""
    pool = sorted(set(candidates))
    close = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
    if close:
        return f"did you mean `{close[0]}`?"
    if pool and len(pool) <= 8:
        return "expected one of " + ", ".join(f"`{c}`" for c in pool)
    return None


def sort_key(diagnostic: Diagnostic) -> tuple[str, int, int, str]:
    s = diagnostic.span
    return (s.file, s.line, s.column, diagnostic.code)


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)


_MAX_SHOWN_LINE = 200


def render(diagnostic: Diagnostic, source: str | None) -> str:
    """Render one diagnostic with its source line and a caret under the span."""
    s = diagnostic.span
    head = f"{s.file}:{s.line}:{s.column}: {diagnostic.severity.value}[{diagnostic.code}]: {diagnostic.message}"
    lines = [head]
    text = _source_line(source, s.line)
    if text is not None:
        gutter = " " * len(str(s.line))
        shown = text[:_MAX_SHOWN_LINE]
        width = s.end_column - s.column if s.end_line == s.line else len(text) - s.column + 1
        width = max(1, min(width, len(shown) - s.column + 2))
        pad = "".join(ch if ch == "\t" else " " for ch in shown[: s.column - 1])
        lines += [f"{gutter} |", f"{s.line} | {shown}", f"{gutter} | {pad}{'^' * width}"]
        if diagnostic.help:
            lines.append(f"{gutter} = help: {diagnostic.help}")
    elif diagnostic.help:
        lines.append(f"  = help: {diagnostic.help}")
    return "\n".join(lines)


def render_all(diagnostics: Iterable[Diagnostic], sources: dict[str, str]) -> str:
    return "\n\n".join(render(d, sources.get(d.span.file)) for d in diagnostics)


def _source_line(source: str | None, line: int) -> str | None:
    if source is None:
        return None
    lines = source.splitlines()
    if 1 <= line <= len(lines):
        return "".join(ch if ch.isprintable() or ch == "\t" else "?" for ch in lines[line - 1])
    return None
