"""Machine-applicable fixes: derived from did-you-mean hints, and applied to source text.

A did-you-mean hint names one replacement for the word under the diagnostic's span. The
fix is attached once, after every check has run, and only when the span covers exactly
one word (or one quoted string) of one line, so a hint about something else never turns
into an edit. :func:`apply_fixes` is what editors (``rulekit lsp``) and the tests use.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from rulekit.diagnostics import Diagnostic, Fix

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BACKTICKED = re.compile(r"^did you mean `([^`]+)`\?$")
_QUOTED = re.compile(r'^did you mean ("[^"]+")')


def with_fixes(diagnostics: Iterable[Diagnostic], source: str) -> tuple[Diagnostic, ...]:
    """The diagnostics, each did-you-mean one given its replacement as a :class:`Fix`."""
    lines = source.splitlines()
    return tuple(_with_fix(d, lines) for d in diagnostics)


def _with_fix(diagnostic: Diagnostic, lines: list[str]) -> Diagnostic:
    if diagnostic.fixes or not diagnostic.help:
        return diagnostic
    span = diagnostic.span
    if span.line != span.end_line or not 1 <= span.line <= len(lines):
        return diagnostic
    covered = lines[span.line - 1][span.column - 1 : span.end_column - 1]
    word = _BACKTICKED.match(diagnostic.help)
    if word and _NAME.fullmatch(covered) and _NAME.fullmatch(word.group(1).replace(" ", "_")):
        return dataclasses.replace(diagnostic, fixes=(Fix(span, word.group(1)),))
    quoted = _QUOTED.match(diagnostic.help)
    if quoted and covered.startswith('"') and covered.endswith('"'):
        return dataclasses.replace(diagnostic, fixes=(Fix(span, quoted.group(1)),))
    return diagnostic


def apply_fixes(source: str, fixes: Iterable[Fix]) -> str:
    """``source`` with every fix applied; fixes are applied from the end so spans stay valid."""
    lines = source.split("\n")
    for fix in sorted(fixes, key=lambda f: (f.span.line, f.span.column), reverse=True):
        s = fix.span
        first, last = lines[s.line - 1], lines[s.end_line - 1]
        merged = first[: s.column - 1] + fix.text + last[s.end_column - 1 :]
        lines[s.line - 1 : s.end_line] = merged.split("\n")
    return "\n".join(lines)
