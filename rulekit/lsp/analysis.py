"""One analysed document: the checker's report, the name index and position conversion.

LSP positions are 0-based lines and UTF-16 code units; rulekit spans are 1-based
lines and columns counted in characters. Everything crossing the boundary goes
through :meth:`Analysis.range` and :meth:`Analysis.location`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lsprotocol import types as lsp

from rulekit import ir
from rulekit.checker import CheckReport, check_source
from rulekit.lsp.symbols import Occurrence, SymbolIndex, build_index


@dataclass
class Analysis:
    """A document's text checked once; every feature reads from here."""

    source: str
    report: CheckReport
    index: SymbolIndex
    lines: list[str] = field(default_factory=list)

    @property
    def program(self) -> ir.Program:
        return self.report.program

    def range(self, span: ir.Span) -> lsp.Range:
        """The LSP range of a span."""
        return lsp.Range(self._position(span.line, span.column), self._position(span.end_line, span.end_column))

    def _position(self, line: int, column: int) -> lsp.Position:
        text = self.lines[line - 1] if 1 <= line <= len(self.lines) else ""
        prefix = text[: max(column - 1, 0)]
        return lsp.Position(line=max(line - 1, 0), character=_utf16_length(prefix) + max(column - 1 - len(text), 0))

    def line_column(self, position: lsp.Position) -> tuple[int, int]:
        """The 1-based line and character column of an LSP position."""
        text = self.lines[position.line] if 0 <= position.line < len(self.lines) else ""
        units = 0
        for index, char in enumerate(text):
            if units >= position.character:
                return position.line + 1, index + 1
            units += _utf16_length(char)
        return position.line + 1, len(text) + 1

    def occurrence_at(self, position: lsp.Position) -> Occurrence | None:
        """The indexed name under the cursor, if any."""
        line, column = self.line_column(position)
        return self.index.at(line, column)

    def span_text(self, span: ir.Span) -> str:
        """The source text a one-line span covers ("" for a multi-line span)."""
        if span.line != span.end_line or not 1 <= span.line <= len(self.lines):
            return ""
        return self.lines[span.line - 1][span.column - 1 : span.end_column - 1]

    def full_range(self) -> lsp.Range:
        """The range of the whole document, for a whole-file replacement."""
        last = len(self.lines) - 1
        end = _utf16_length(self.lines[last]) if last >= 0 else 0
        return lsp.Range(lsp.Position(0, 0), lsp.Position(max(last, 0), end))


def analyse(source: str, path: str) -> Analysis:
    """Check ``source`` as the file ``path`` and index its names.

    Never raises: should indexing fail on some half-written file, the document still
    gets its diagnostics, with an empty index (no hover or rename until it parses).
    """
    report = check_source(source, path)
    try:
        index = build_index(report.program)
    except Exception:  # a bug in the index must not cost the author the diagnostics
        index = SymbolIndex()
    # Split on "\n" only, as the parser counts lines (str.splitlines also splits on \f and others).
    lines = [line.removesuffix("\r") for line in source.split("\n")]
    return Analysis(source, report, index, lines)


def _utf16_length(text: str) -> int:
    return sum(2 if ord(char) > 0xFFFF else 1 for char in text)
