"""Hover text: what a name means, in Markdown, from the declaration it refers to."""

from __future__ import annotations

from rulekit import ir
from rulekit.lsp.analysis import Analysis
from rulekit.lsp.symbols import Symbol, SymbolKind
from rulekit.plan.kinds import kind_of


def describe(analysis: Analysis, symbol: Symbol) -> str | None:
    """Markdown describing ``symbol``, or ``None`` when it is not declared in the file."""
    describer = _DESCRIBERS[symbol.kind]
    return describer(analysis, symbol)


def _metric(analysis: Analysis, symbol: Symbol) -> str | None:
    metric = analysis.program.metric(symbol.name)
    if metric is None:
        return None
    code = f"metric {metric.name} = {_source(analysis, metric.definition.span)}"
    return _join(_head("metric", metric.name, metric.text), _code(code), *_text(metric.text))


def _clause(analysis: Analysis, symbol: Symbol) -> str | None:
    clause = next((c for c in analysis.program.clauses if c.name == symbol.name), None)
    if clause is None:
        return None
    code = f"{clause.kind.value} {clause.name}: {_source(analysis, clause.condition.span)}"
    if clause.guard is not None:
        code += f" when {_source(analysis, clause.guard.span)}"
    return _join(_head(clause.kind.value, clause.name, clause.text), _code(code), *_text(clause.text))


def _column(analysis: Analysis, symbol: Symbol) -> str | None:
    table = analysis.program.table(symbol.table or "")
    column = table.column(symbol.name) if table else None
    if table is None or column is None:
        return None
    roles = []
    if symbol.name in table.key:
        roles.append("part of the table's key")
    if symbol.name == table.time or (table.period and symbol.name in table.period):
        roles.append("the table's time")
    head = f"**column** `{column.name}`: `{column.type_name}`, in table `{table.name}`"
    return _join(head, "; ".join(roles).capitalize() + "." if roles else "")


def _table(analysis: Analysis, symbol: Symbol) -> str | None:
    table = analysis.program.table(symbol.name)
    if table is None:
        return None
    columns = "\n".join(f"- `{c.name}`: `{c.type_name}`" for c in table.columns)
    facts = []
    if table.key:
        facts.append("key: " + ", ".join(f"`{k}`" for k in table.key))
    if table.time:
        facts.append(f"time: `{table.time}`")
    if table.period:
        facts.append(f"period: `{table.period[0]}` to `{table.period[1]}`")
    return _join(_head("table", table.name, table.text), columns, "; ".join(facts), *_text(table.text))


def _window(analysis: Analysis, symbol: Symbol) -> str | None:
    window = analysis.program.window(symbol.name)
    if window is None:
        return None
    if isinstance(window, ir.AbsoluteWindow):
        bound = "inclusive" if window.end_inclusive else "exclusive"
        spec = f"from {_source(analysis, window.start.span)} to {_source(analysis, window.end.span)} {bound}"
    else:
        spec = f"first {_source(analysis, window.length.span)} from {window.anchor}"
    return _join(_head("window", window.name, window.text), _code(f"window {window.name}: {spec}"), *_text(window.text))


def _ranking(analysis: Analysis, symbol: Symbol) -> str | None:
    ranking = analysis.program.ranking(symbol.name)
    if ranking is None:
        return None
    keys = ", then ".join(f"by `{k.name}` {k.direction.value}" for k in ranking.keys)
    top = f"; top {ranking.top}" if ranking.top is not None else ""
    return _join(_head("ranking", ranking.name, ranking.text), keys + top, *_text(ranking.text))


def _reward(analysis: Analysis, symbol: Symbol) -> str | None:
    reward = next((r for r in analysis.program.rewards if r.name == symbol.name), None)
    if reward is None:
        return None
    kind = kind_of(reward).keyword
    return _join(_head(kind, reward.name, reward.text), *_text(reward.text))


def _noun(analysis: Analysis, symbol: Symbol) -> str | None:
    program = analysis.program
    for role, entity in (("participant", program.participant), ("member", program.member)):
        if entity is not None and entity.noun == symbol.name:
            return _join(f"**{role}** `{entity.noun}`: one row of table `{entity.table}`", *_text(entity.text))
    return None


def _example(analysis: Analysis, symbol: Symbol) -> str | None:
    example = next((e for e in analysis.program.examples if e.name == symbol.name), None)
    if example is None:
        return None
    return _join(_head("example", example.name, example.text), *_text(example.text))


_DESCRIBERS = {
    SymbolKind.METRIC: _metric,
    SymbolKind.CLAUSE: _clause,
    SymbolKind.COLUMN: _column,
    SymbolKind.TABLE: _table,
    SymbolKind.WINDOW: _window,
    SymbolKind.RANKING: _ranking,
    SymbolKind.REWARD: _reward,
    SymbolKind.NOUN: _noun,
    SymbolKind.EXAMPLE: _example,
}


def _head(kind: str, name: str, text: ir.Text) -> str:
    label = f" — {text.label}" if text.label else ""
    return f"**{kind}** `{name}`{label}"


def _text(text: ir.Text) -> list[str]:
    return ([text.description] if text.description else []) + [f"Note: {note}" for note in text.notes]


def _code(text: str) -> str:
    return f"```rulekit\n{text}\n```"


def _join(*parts: str) -> str:
    return "\n\n".join(part for part in parts if part)


def _source(analysis: Analysis, span: ir.Span) -> str:
    """The text a span covers, on one line (a span over several lines is joined with spaces)."""
    lines = analysis.lines
    if not 1 <= span.line <= span.end_line <= len(lines):
        return ""
    if span.line == span.end_line:
        return lines[span.line - 1][span.column - 1 : span.end_column - 1]
    parts = [lines[span.line - 1][span.column - 1 :]]
    parts += lines[span.line : span.end_line - 1]
    parts.append(lines[span.end_line - 1][: span.end_column - 1])
    return " ".join(part.strip() for part in parts)
