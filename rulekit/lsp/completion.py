"""Completion: the grammar's keywords, the file's names, table columns, units and column types."""

from __future__ import annotations

import functools
import re

from lsprotocol import types as lsp

from rulekit import ir
from rulekit.lsp.analysis import Analysis
from rulekit.lsp.symbols import SymbolKind

# Duration units as the grammar's DURATION terminal accepts them, plus business days for `due:`.
UNITS = ("seconds", "minutes", "hours", "days", "weeks", "business days")

_WORD = re.compile(r"^[a-z][a-z -]*$")
_TABLE_DOT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\.[A-Za-z0-9_]*$")

_KINDS = {
    SymbolKind.TABLE: lsp.CompletionItemKind.Class,
    SymbolKind.METRIC: lsp.CompletionItemKind.Variable,
    SymbolKind.CLAUSE: lsp.CompletionItemKind.Constant,
    SymbolKind.WINDOW: lsp.CompletionItemKind.Interface,
    SymbolKind.RANKING: lsp.CompletionItemKind.Enum,
    SymbolKind.REWARD: lsp.CompletionItemKind.Value,
    SymbolKind.NOUN: lsp.CompletionItemKind.Struct,
}


@functools.cache
def keywords() -> frozenset[str]:
    """Every keyword of the grammar, read from the parser's terminals (``pool cap`` included)."""
    from rulekit.parser import _lark  # the parser's own grammar: one source of truth for keywords

    found: set[str] = set()
    for terminal in _lark().terminals:
        value = str(terminal.pattern.value)
        if terminal.pattern.type == "str":
            found.update([value] if _WORD.match(value) else [])
            continue
        # Regex terminals that are alternatives of words: `(?:eligible|gate|warn)`, `(pool[ \t]+cap|budget)\b`.
        plain = value.replace("(?:", "").replace("(", "").replace(")", "").replace("\\b", "")
        plain = plain.replace("[ \t]+", " ").replace("\\-", "-")
        found.update(word for word in plain.split("|") if _WORD.match(word))
    return frozenset(found)


def completions(analysis: Analysis, position: lsp.Position) -> lsp.CompletionList:
    """Items for the cursor: a table's columns after ``table.``, everything else otherwise."""
    line = analysis.lines[position.line] if 0 <= position.line < len(analysis.lines) else ""
    _, column = analysis.line_column(position)
    dotted = _TABLE_DOT.search(line[: column - 1])
    table = analysis.program.table(dotted.group(1)) if dotted else None
    if table is not None:
        return lsp.CompletionList(is_incomplete=False, items=[_column_item(table, c) for c in table.columns])
    items = [lsp.CompletionItem(label=word, kind=lsp.CompletionItemKind.Keyword) for word in sorted(keywords())]
    items += _name_items(analysis)
    items += [_column_item(t, c) for t in analysis.program.tables for c in t.columns]
    items += [lsp.CompletionItem(label=unit, kind=lsp.CompletionItemKind.Unit, detail="unit") for unit in UNITS]
    items += [
        lsp.CompletionItem(label=t.value, kind=lsp.CompletionItemKind.TypeParameter, detail="column type")
        for t in ir.ColumnType
    ]
    return lsp.CompletionList(is_incomplete=False, items=items)


def _name_items(analysis: Analysis) -> list[lsp.CompletionItem]:
    items = []
    for kind, item_kind in _KINDS.items():
        for symbol in analysis.index.symbols(kind):
            items.append(lsp.CompletionItem(label=symbol.name, kind=item_kind, detail=kind.value))
    return items


def _column_item(table: ir.Table, column: ir.Column) -> lsp.CompletionItem:
    return lsp.CompletionItem(
        label=column.name,
        kind=lsp.CompletionItemKind.Field,
        detail=f"{table.name}.{column.name}: {column.type_name}",
    )
