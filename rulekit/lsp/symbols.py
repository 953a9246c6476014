"""Every name of a program with its spans: what the editor navigates and renames.

The index is built from the parsed IR, never by searching the text for words: each
declaration contributes its name span as a definition, and each place that refers to
a name (a metric's table, a clause's bare names, a ranking key, an example's rows)
contributes a reference resolved the way the checker resolves it
(:func:`rulekit.checker.resolve_name`). A name the checker cannot resolve is left
out, so a rename never touches something it does not understand.

The IR records one span for a whole ``key:``, ``time:`` or ``period:`` line; the
positions of the column names inside it are found within that line's span only.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from rulekit import ir, walk
from rulekit.checker import MEMBER_SCOPE, PARTICIPANT_SCOPE, NameKind, Scope, resolve_name
from rulekit.plan.kinds import kind_of


class SymbolKind(enum.Enum):
    """The kinds of names a rule file declares."""

    TABLE = "table"
    COLUMN = "column"
    METRIC = "metric"
    CLAUSE = "clause"
    WINDOW = "window"
    RANKING = "ranking"
    REWARD = "reward"
    NOUN = "noun"  # `participant account`, `member host`
    EXAMPLE = "example"


@dataclass(frozen=True, slots=True)
class Symbol:
    """One declared thing; a column is identified together with its table."""

    kind: SymbolKind
    name: str
    table: str | None = None


@dataclass(frozen=True, slots=True)
class Occurrence:
    """Where a symbol's name is written; ``definition`` marks its declaration."""

    symbol: Symbol
    span: ir.Span
    definition: bool = False


@dataclass
class SymbolIndex:
    """The occurrences of a program's names, in source order."""

    occurrences: list[Occurrence] = field(default_factory=list)

    def at(self, line: int, column: int) -> Occurrence | None:
        """The occurrence under a 1-based ``line``/``column`` (the end of a name counts)."""
        for occurrence in self.occurrences:
            span = occurrence.span
            if span.line == line and span.end_line == line and span.column <= column <= span.end_column:
                return occurrence
        return None

    def definition(self, symbol: Symbol) -> Occurrence | None:
        """The declaration of ``symbol``; with duplicates the first one, as the engines use."""
        return next((o for o in self.occurrences if o.symbol == symbol and o.definition), None)

    def references(self, symbol: Symbol) -> list[Occurrence]:
        """Every occurrence of ``symbol``, its declaration included, in source order."""
        return [o for o in self.occurrences if o.symbol == symbol]

    def symbols(self, kind: SymbolKind) -> list[Symbol]:
        """The declared symbols of one kind, in source order."""
        return list(dict.fromkeys(o.symbol for o in self.occurrences if o.definition and o.symbol.kind is kind))


def build_index(program: ir.Program) -> SymbolIndex:
    """Index every declaration and resolvable reference of ``program``."""
    builder = _Builder(program)
    builder.build()
    index = SymbolIndex(sorted(builder.found, key=lambda o: (o.span.line, o.span.column)))
    return index


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class _Builder:
    def __init__(self, program: ir.Program) -> None:
        self.program = program
        self.found: list[Occurrence] = []
        self._lines = program.source.splitlines()

    def add(self, symbol: Symbol, span: ir.Span | None, definition: bool = False) -> None:
        if span is not None and span.line == span.end_line:
            self.found.append(Occurrence(symbol, span, definition))

    def build(self) -> None:
        program = self.program
        for table in program.tables:
            self._table(table)
        for entity in (program.participant, program.member):
            if entity is not None:
                self.add(Symbol(SymbolKind.NOUN, entity.noun), entity.span, True)
                self.add(Symbol(SymbolKind.TABLE, entity.table), entity.table_span)
        for window in program.windows:
            self._window(window)
        for metric in program.metrics:
            self._metric(metric)
        for clause in program.clauses:
            self.add(Symbol(SymbolKind.CLAUSE, clause.name), clause.span, True)
            self._expr(clause.condition, PARTICIPANT_SCOPE)
            if clause.guard is not None:
                self._expr(clause.guard, PARTICIPANT_SCOPE)
        for ranking in program.rankings:
            self.add(Symbol(SymbolKind.RANKING, ranking.name), ranking.span, True)
            for key in ranking.keys:
                self._name(key.name, key.span, PARTICIPANT_SCOPE)
        for reward in program.rewards:
            self._reward(reward)
        if program.payout is not None and program.payout.due is not None:
            self.add(Symbol(SymbolKind.WINDOW, program.payout.due.after), program.payout.due.after_span)
        for example in program.examples:
            self._example(example)

    # -- declarations

    def _table(self, table: ir.Table) -> None:
        self.add(Symbol(SymbolKind.TABLE, table.name), table.span, True)
        for column in table.columns:
            self.add(Symbol(SymbolKind.COLUMN, column.name, table.name), column.span, True)
        named = [(table.key, table.key_span), ((table.time,) if table.time else (), table.time_span)]
        named.append((table.period or (), table.period_span))
        for names, line_span in named:
            for name, span in self._names_in_line(names, line_span):
                self.add(Symbol(SymbolKind.COLUMN, name, table.name), span)

    def _names_in_line(self, names: tuple[str, ...], line_span: ir.Span | None) -> Iterator[tuple[str, ir.Span]]:
        """The spans of ``names`` written, in order, after the colon of a ``key:``-style line."""
        if line_span is None or not names or not 1 <= line_span.line <= len(self._lines):
            return
        text = self._lines[line_span.line - 1]
        start = text.find(":", line_span.column - 1) + 1
        if start == 0:
            return
        wanted = list(names)
        for match in _NAME.finditer(text, start):
            if wanted and match.group() == wanted[0]:
                wanted.pop(0)
                line = line_span.line
                yield match.group(), ir.Span(line_span.file, line, match.start() + 1, line, match.end() + 1)

    def _window(self, window: ir.Window) -> None:
        self.add(Symbol(SymbolKind.WINDOW, window.name), window.span, True)
        if isinstance(window, ir.RelativeWindow):
            entity = self.program.participant
            table = entity.table if entity else None
            self.add(Symbol(SymbolKind.COLUMN, window.anchor, table), window.anchor_span)

    def _metric(self, metric: ir.Metric) -> None:
        self.add(Symbol(SymbolKind.METRIC, metric.name), metric.span, True)
        definition = metric.definition
        if isinstance(definition, ir.Ratio):
            self.add(Symbol(SymbolKind.METRIC, definition.numerator), definition.numerator_span)
            self.add(Symbol(SymbolKind.METRIC, definition.denominator), definition.denominator_span)
            return
        if isinstance(definition, ir.Computed):
            for ref in walk.walk(definition.expr):
                if isinstance(ref, ir.NameRef):
                    self.add(Symbol(SymbolKind.METRIC, ref.name), ref.span)
            return
        if isinstance(definition, ir.BucketCount):  # calendar buckets (issue 10): names of metrics by day
            if definition.window is not None:
                self.add(Symbol(SymbolKind.WINDOW, definition.window), definition.window_span)
            for ref in walk.walk(definition.condition):
                if isinstance(ref, ir.NameRef):
                    self.add(Symbol(SymbolKind.METRIC, ref.name), ref.span)
            return
        self._row_source(definition.table, definition.table_span, definition.column, definition.column_span)
        self._filters(definition.filters, definition.table)

    def _row_source(self, table: str, table_span: ir.Span | None, column: str | None, span: ir.Span | None) -> None:
        self.add(Symbol(SymbolKind.TABLE, table), table_span)
        if column is not None:
            self.add(Symbol(SymbolKind.COLUMN, column, table), span)

    def _filters(self, filters: ir.Filters, table: str) -> None:
        if filters.window is not None:
            self.add(Symbol(SymbolKind.WINDOW, filters.window), filters.window_span)
        if filters.where is not None:
            self._expr(filters.where, Scope.row(table))
        if filters.per is not None:
            self.add(Symbol(SymbolKind.NOUN, filters.per), filters.per_span)

    def _reward(self, reward: ir.Reward) -> None:
        self.add(Symbol(SymbolKind.REWARD, reward.name), reward.span, True)
        kind = kind_of(reward)
        if (ranking := kind.ranking(reward)) is not None:
            self.add(Symbol(SymbolKind.RANKING, ranking[0]), ranking[1])
        if (metric := kind.metric(reward)) is not None:
            self.add(Symbol(SymbolKind.METRIC, metric[0]), metric[1])
        if (order := kind.order(reward)) is not None:
            self._row_source(order.table, order.table_span, order.column, order.column_span)
            self._filters(order.filters, order.table)

    def _example(self, example: ir.Example) -> None:
        self.add(Symbol(SymbolKind.EXAMPLE, example.name), example.span, True)
        for row in example.rows:
            self.add(Symbol(SymbolKind.TABLE, row.table), row.span)
            for item in row.fields:
                self.add(Symbol(SymbolKind.COLUMN, item.column, row.table), item.span)
        for expect in example.expects:
            for expectation in expect.items:
                kind = _EXPECTATION_KINDS.get(expectation.kind)
                if kind is not None and expectation.name is not None:
                    self.add(Symbol(kind, expectation.name), expectation.name_span)

    # -- expressions

    def _expr(self, expr: ir.Expr, scope: Scope) -> None:
        if isinstance(expr, ir.NameRef):
            self._name(expr.name, expr.span, scope)
        elif isinstance(expr, ir.QualifiedRef):
            self._qualified(expr)
        elif isinstance(expr, ir.Compare):
            self._expr(expr.left, scope)
            self._expr(expr.right, scope)
        elif isinstance(expr, ir.InList | ir.Not):
            self._expr(expr.operand, scope)
        elif isinstance(expr, ir.BoolOp):
            for operand in expr.operands:
                self._expr(operand, scope)
        elif isinstance(expr, ir.Quantified):
            self.add(Symbol(SymbolKind.NOUN, expr.noun), expr.noun_span)
            self._expr(expr.body, MEMBER_SCOPE)
        elif isinstance(expr, ir.WindowBound):  # points in time (issue 10): `end of W` names W
            self.add(Symbol(SymbolKind.WINDOW, expr.window), expr.window_span)
        elif isinstance(expr, ir.Shift):
            self._expr(expr.base, scope)

    def _name(self, name: str, span: ir.Span, scope: Scope) -> None:
        resolved = resolve_name(self.program, name, scope)
        if resolved.kind in (NameKind.PARTICIPANT_METRIC, NameKind.MEMBER_METRIC):
            self.add(Symbol(SymbolKind.METRIC, name), span)
        elif resolved.kind is not NameKind.UNKNOWN:
            self.add(Symbol(SymbolKind.COLUMN, name, resolved.table), span)

    def _qualified(self, ref: ir.QualifiedRef) -> None:
        # `table.column`: the table starts the span and the column ends it.
        s = ref.span
        if s.line != s.end_line:
            return
        table = ir.Span(s.file, s.line, s.column, s.line, s.column + len(ref.table))
        self.add(Symbol(SymbolKind.TABLE, ref.table), table)
        column = ir.Span(s.file, s.line, s.end_column - len(ref.column), s.line, s.end_column)
        self.add(Symbol(SymbolKind.COLUMN, ref.column, ref.table), column)


_EXPECTATION_KINDS: dict[ir.ExpectKind, SymbolKind] = {
    ir.ExpectKind.DISQUALIFIED: SymbolKind.CLAUSE,
    ir.ExpectKind.WARNED: SymbolKind.CLAUSE,
    ir.ExpectKind.PASSES: SymbolKind.CLAUSE,
    ir.ExpectKind.FAILS: SymbolKind.CLAUSE,
    ir.ExpectKind.NOT_JUDGED: SymbolKind.CLAUSE,
    ir.ExpectKind.REWARD: SymbolKind.REWARD,
    ir.ExpectKind.METRIC: SymbolKind.METRIC,
}
