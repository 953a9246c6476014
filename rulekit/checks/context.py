"""Shared state of one checker run: the program, the diagnostics found so far, and
lookups every check needs (program currency, participant and member keys)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rulekit import ir
from rulekit.codes import Code
from rulekit.contract import member_key, participant_key
from rulekit.diagnostics import Diagnostic, error, suggest, warning

# A top-level line that declares a named item, e.g. `metric net_gmv = …`.
_DECLARATION = re.compile(
    r"^(program|participant|member|table|window|metric|eligible|gate|warn|disqualify|ranking|prize|rebate"
    r"|commission|subsidy|bonus|milestone|payout)\b[ \t]*([A-Za-z_][A-Za-z0-9_]*)?",
    re.MULTILINE,
)


@dataclass
class Context:
    """One run over one program. Checks append diagnostics through :meth:`error` and
    :meth:`warning`; nothing raises."""

    program: ir.Program
    diagnostics: list[Diagnostic] = field(default_factory=list)
    written: set[tuple[str, str]] = field(default_factory=set)

    def __post_init__(self) -> None:
        # Names written at the start of a top-level line, whether or not the item
        # parsed. A reference to an item whose declaration has a syntax error is
        # not reported again as "unknown": the syntax error already explains it.
        for match in _DECLARATION.finditer(self.program.source):
            self.written.add((match.group(1), match.group(2) or ""))

    # -- reporting
    def error(self, code: Code, message: str, span: ir.Span | None, help: str | None = None) -> None:
        self.diagnostics.append(error(code, message, self.at(span), help))

    def warning(self, code: Code, message: str, span: ir.Span | None, help: str | None = None) -> None:
        self.diagnostics.append(warning(code, message, self.at(span), help))

    def at(self, span: ir.Span | None) -> ir.Span:
        """``span``, or the start of the file when a node has no usable position."""
        if span is None or span.file != self.program.path:
            return ir.Span(self.program.path, 1, 1, 1, 2)
        return span

    def declared(self, keyword: str, name: str = "") -> bool:
        """Whether a top-level ``keyword name`` line is written in the source."""
        return (keyword, name) in self.written or (not name and any(k == keyword for k, _ in self.written))

    def unknown(
        self, code: Code, what: str, name: str, candidates: Iterable[str], span: ir.Span | None, keyword: str
    ) -> None:
        """An unknown-name error with a ``did you mean`` hint, unless the name's own
        ``keyword name`` declaration is written but failed to parse: the syntax error
        already explains it, and a second error would only be noise."""
        if self.declared(keyword, name):
            return
        self.error(code, f"unknown {what} `{name}`", span, suggest(name, candidates))

    def snippet(self, span: ir.Span) -> str:
        """The source text of a one-line span, for messages that quote an expression."""
        lines = self.program.source.splitlines()
        if span.file != self.program.path or not 1 <= span.line <= len(lines):
            return "this"
        text = lines[span.line - 1]
        end = span.end_column if span.end_line == span.line else len(text) + 1
        return text[span.column - 1 : end - 1].strip() or "this"

    # -- lookups
    @property
    def currency(self) -> str | None:
        header = self.program.header
        return header.currency if header else None

    def participant_table(self) -> ir.Table | None:
        entity = self.program.participant
        return self.program.table(entity.table) if entity else None

    def member_table(self) -> ir.Table | None:
        entity = self.program.member
        return self.program.table(entity.table) if entity else None

    def participant_key(self) -> str | None:
        return participant_key(self.program)

    def member_key(self) -> str | None:
        return member_key(self.program)

    def participant_noun(self) -> str | None:
        entity = self.program.participant
        return entity.noun if entity else None


def member_nouns(program: ir.Program) -> set[str]:
    """The spellings of the member noun a quantifier or `per` may use (`host`, `hosts`)."""
    if program.member is None:
        return set()
    noun = program.member.noun
    plural = noun + "es" if noun.endswith(("s", "x", "z", "ch", "sh")) else noun + "s"
    return {noun, plural}
