"""LSP answers computed from an :class:`~rulekit.lsp.analysis.Analysis`.

Pure functions: each takes the analysed document (and the request's details) and
returns lsprotocol values, so they can be tested without a server.
"""

from __future__ import annotations

import re
from dataclasses import replace

from lsprotocol import types as lsp

from rulekit import codes
from rulekit.diagnostics import Diagnostic, Fix, Severity
from rulekit.formatter import format_source
from rulekit.lsp.analysis import Analysis
from rulekit.lsp.completion import completions
from rulekit.lsp.hover import describe
from rulekit.lsp.symbols import Occurrence, SymbolKind
from rulekit.parser import parse

__all__ = [
    "code_actions",
    "completions",
    "definition",
    "diagnostics",
    "formatting",
    "hover",
    "prepare_rename",
    "references",
    "rename",
]

SOURCE = "rulekit"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_VALUES = frozenset({"true", "false", "null"})  # would parse, as a literal instead of the name


def diagnostics(analysis: Analysis) -> list[lsp.Diagnostic]:
    """The checker's diagnostics, with their code, severity, range and hint."""
    return [_diagnostic(analysis, d) for d in analysis.report.diagnostics]


def _diagnostic(analysis: Analysis, found: Diagnostic) -> lsp.Diagnostic:
    severity = lsp.DiagnosticSeverity.Error if found.severity is Severity.ERROR else lsp.DiagnosticSeverity.Warning
    message = found.message + (f"\nhelp: {found.help}" if found.help else "")
    return lsp.Diagnostic(
        range=analysis.range(found.span),
        message=message,
        severity=severity,
        code=found.code,
        source=SOURCE,
        data={"help": found.help} if found.help else None,
    )


def hover(analysis: Analysis, position: lsp.Position) -> lsp.Hover | None:
    """What the name under the cursor is: a metric's definition, a clause's note, a column's type."""
    occurrence = analysis.occurrence_at(position)
    if occurrence is None:
        return None
    text = describe(analysis, occurrence.symbol)
    if text is None:
        return None
    contents = lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=text)
    return lsp.Hover(contents=contents, range=analysis.range(occurrence.span))


def definition(analysis: Analysis, uri: str, position: lsp.Position) -> lsp.Location | None:
    """Where the name under the cursor is declared."""
    occurrence = analysis.occurrence_at(position)
    found = analysis.index.definition(occurrence.symbol) if occurrence else None
    return lsp.Location(uri=uri, range=analysis.range(found.span)) if found else None


def references(analysis: Analysis, uri: str, position: lsp.Position, include_declaration: bool) -> list[lsp.Location]:
    """Every place the name under the cursor is written."""
    occurrence = analysis.occurrence_at(position)
    if occurrence is None:
        return []
    found = [o for o in analysis.index.references(occurrence.symbol) if include_declaration or not o.definition]
    return [lsp.Location(uri=uri, range=analysis.range(o.span)) for o in found]


def prepare_rename(analysis: Analysis, position: lsp.Position) -> lsp.Range | None:
    """The range of a renamable name under the cursor (one with a declaration in the file)."""
    occurrence = _renamable(analysis, position)
    return analysis.range(occurrence.span) if occurrence else None


def rename(analysis: Analysis, uri: str, position: lsp.Position, new_name: str) -> lsp.WorkspaceEdit | None:
    """Rename every occurrence of the name under the cursor.

    Raises ``ValueError`` when ``new_name`` is not a name, is already declared for the same
    kind of thing, or would make the file unreadable (a keyword where the grammar needs one).
    """
    if not _NAME.fullmatch(new_name):
        raise ValueError(f"`{new_name}` is not a name: use letters, digits and _, starting with a letter")
    if new_name in _VALUES:
        raise ValueError(f"`{new_name}` is a value of the rule language, not a name")
    occurrence = _renamable(analysis, position)
    if occurrence is None:
        return None
    symbol = occurrence.symbol
    if analysis.index.definition(replace(symbol, name=new_name)) is not None:
        raise ValueError(f"a {symbol.kind.value} named `{new_name}` already exists")
    found = analysis.index.references(symbol)
    if _breaks_syntax(analysis, found, new_name):
        raise ValueError(f"`{new_name}` cannot be used as a name here: it is a word of the rule language")
    edits = [lsp.TextEdit(range=analysis.range(o.span), new_text=new_name) for o in found]
    return lsp.WorkspaceEdit(changes={uri: edits})


def _breaks_syntax(analysis: Analysis, found: list[Occurrence], new_name: str) -> bool:
    """Whether the renamed text has a syntax error the original did not have."""
    lines = list(analysis.lines)
    for occurrence in sorted(found, key=lambda o: (o.span.line, -o.span.column)):
        s = occurrence.span
        text = lines[s.line - 1]
        lines[s.line - 1] = text[: s.column - 1] + new_name + text[s.end_column - 1 :]
    syntax = (codes.RK001, codes.RK002)
    before = sum(d.code in syntax for d in parse(analysis.source, analysis.program.path).diagnostics)
    after = sum(d.code in syntax for d in parse("\n".join(lines), analysis.program.path).diagnostics)
    return after > before


def _renamable(analysis: Analysis, position: lsp.Position) -> Occurrence | None:
    occurrence = analysis.occurrence_at(position)
    if occurrence is None or occurrence.symbol.kind is SymbolKind.NOUN:
        # A noun is also written where the program keeps no position (`cap: $2,000 per
        # account`, `host h1` in examples): renaming the rest would break the file.
        return None
    if analysis.index.definition(occurrence.symbol) is None:
        return None
    return occurrence


def formatting(analysis: Analysis) -> list[lsp.TextEdit] | None:
    """The whole file in the canonical layout; ``None`` when the file has errors or is already formatted."""
    if not analysis.report.ok:
        return None
    result = format_source(analysis.source, analysis.program.path)
    if result.formatted is None or not result.changed:
        return None if result.formatted is None else []
    return [lsp.TextEdit(range=analysis.full_range(), new_text=result.formatted)]


def code_actions(analysis: Analysis, uri: str, wanted: lsp.Range) -> list[lsp.CodeAction]:
    """Quick fixes: the machine-applicable fixes the checker attached to its diagnostics
    (did-you-mean replacements, a missing minimum sample; see ``rulekit/fixes.py``)."""
    actions: list[lsp.CodeAction] = []
    for found in analysis.report.diagnostics:
        if not found.fixes or not _overlaps(analysis.range(found.span), wanted):
            continue
        edits = [lsp.TextEdit(range=analysis.range(fix.span), new_text=fix.text) for fix in found.fixes]
        actions.append(
            lsp.CodeAction(
                title=_title(analysis, found.fixes[0]),
                kind=lsp.CodeActionKind.QuickFix,
                diagnostics=[_diagnostic(analysis, found)],
                edit=lsp.WorkspaceEdit(changes={uri: edits}),
                is_preferred=True,
            )
        )
    return actions


def _title(analysis: Analysis, fix: Fix) -> str:
    replaced = analysis.span_text(fix.span)
    return f"Replace `{replaced}` with `{fix.text}`" if replaced else f"Add `{fix.text.strip()}`"


def _overlaps(a: lsp.Range, b: lsp.Range) -> bool:
    def key(p: lsp.Position) -> tuple[int, int]:
        return (p.line, p.character)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)
