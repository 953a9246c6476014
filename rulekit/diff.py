"""Semantic diff between two versions of a program.

:func:`diff_programs` compares two :class:`ir.Program` values declaration by
declaration (matched by name) and field by field, and returns a list of
:class:`Change` records with plain-language summaries such as
``prize `leaderboard_cash` rank 1: $4,000 -> $5,000``.

Formatting and comments never show up: spans are excluded from IR equality, and
values are compared in a canonical form, so ``14 hours`` equals ``840 minutes``,
``rank 4 to 5: $1,000`` equals two single-rank lines, ``to 2022-02-27 inclusive``
equals ``to 2022-02-28 exclusive`` and ``a and (b and c)`` equals ``a and b and c``.

Labels, descriptions, notes and the program title are reported as ``text`` changes:
they do not change any amount, but they change the published policy document.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from rulekit import ir
from rulekit.plan.aggregates import aggregate
from rulekit.plan.bind import plan_limits
from rulekit.plan.kinds import kind_of, registered

ChangeKind = Literal["added", "removed", "changed"]
Category = Literal["rule", "text", "example"]


@dataclass(frozen=True, slots=True)
class Change:
    """One semantic difference between two programs.

    ``path`` names the place (``prize leaderboard_cash / rank 1``); ``declaration`` is
    its first part, used to group changes. ``field`` is the part inside the
    declaration (``rank 1``), empty when a whole declaration was added or removed.
    ``old`` / ``new`` are rendered for humans; ``None`` means absent.
    """

    path: str
    declaration: str
    field: str
    kind: ChangeKind
    old: str | None
    new: str | None
    summary: str
    category: Category = "rule"

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# =========================================================================== rendering

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_SYMBOLS = {code: symbol for symbol, code in ir.CURRENCY_SYMBOLS.items()}


def format_decimal(value: Any) -> str:
    """A decimal with thousands separators and no exponent: ``4,000``, ``4.99``."""
    return f"{value:,f}"


def format_money(money: ir.Money) -> str:
    """``$4,000``, ``£4.99``; an unknown currency is written after the amount."""
    return format_amount(money.amount, money.currency)


def format_amount(amount: Any, currency: str) -> str:
    """An amount in a currency, sign first: ``-$1,000.00``."""
    sign = "-" if amount < 0 else ""
    digits = format_decimal(abs(amount))
    symbol = _SYMBOLS.get(currency)
    return f"{sign}{symbol}{digits}" if symbol else f"{sign}{digits} {currency}"


def format_percent(percent: ir.Percent) -> str:
    return f"{format_decimal(percent.value)}%"


def format_duration(duration: ir.Duration) -> str:
    unit = duration.unit.value
    if abs(duration.amount) == 1:  # `-1 hour` too
        unit = unit[:-1]
    return f"{format_decimal(duration.amount)} {unit}"


def format_date(day: Any) -> str:
    """``27 Feb 2022`` (fixed English month names, independent of the process locale)."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def format_local(moment: ir.LocalDateTime) -> str:
    text = format_date(moment.date)
    if moment.time is not None:
        text += " " + moment.time.isoformat(timespec="seconds" if moment.time.second else "minutes")
    return text


def _rule_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_literal(value: ir.Literal) -> str:
    """A literal as it is written in a rule file."""
    if isinstance(value, ir.Money):
        return format_money(value)
    if isinstance(value, ir.Percent):
        return format_percent(value)
    if isinstance(value, ir.Duration):
        return format_duration(value)
    if isinstance(value, ir.Number):
        return format_decimal(value.value).replace(",", "")
    if isinstance(value, ir.String):
        return _rule_string(value.value)
    if isinstance(value, ir.Bool):
        return "true" if value.value else "false"
    if value.time is not None:
        spec = "seconds" if value.time.second else "minutes"
        return f"{value.value.isoformat()} {value.time.isoformat(timespec=spec)}"
    return value.value.isoformat()


# ---------------------------------------------------------------- expression printer

# Binding strength in the grammar: or < and < not/quantifier < comparison < atom.
_OR, _AND, _UNARY, _COMPARE, _ATOM = range(5)


def _level(expr: ir.Expr) -> int:
    if isinstance(expr, ir.BoolOp):
        return _OR if expr.op is ir.BoolOperator.OR else _AND
    if isinstance(expr, (ir.Not, ir.Quantified)):
        return _UNARY
    if isinstance(expr, (ir.Compare, ir.InList)):
        return _COMPARE
    return _ATOM


def _wrapped(expr: ir.Expr, minimum: int) -> str:
    """Print ``expr``, in parentheses when it binds more loosely than ``minimum``."""
    text = format_expr(expr)
    return f"({text})" if _level(expr) < minimum else text


def format_expr(expr: ir.Expr) -> str:
    """An IR expression back as rule-language text: ``every host has effective_live_time > 14 hours``."""
    if isinstance(expr, ir.BoolOp):
        own = _level(expr)
        # Nested operands of the same operator were parenthesised in the source: keep them so.
        return f" {expr.op.value} ".join(_wrapped(o, own + 1) for o in expr.operands)
    if isinstance(expr, ir.Not):
        return f"not {_wrapped(expr.operand, _UNARY)}"
    if isinstance(expr, ir.Quantified):
        body = _wrapped(expr.body, _UNARY)
        if expr.quantifier is ir.Quantifier.AT_LEAST:
            return f"at least {expr.count} {expr.noun} have {body}"
        return f"{expr.quantifier.value} {expr.noun} has {body}"
    if isinstance(expr, ir.Compare):
        return f"{_wrapped(expr.left, _ATOM)} {expr.op.value} {_wrapped(expr.right, _ATOM)}"
    if isinstance(expr, ir.InList):
        options = ", ".join(format_literal(o) for o in expr.options)
        word = "not in" if expr.negated else "in"
        return f"{_wrapped(expr.operand, _ATOM)} {word} ({options})"
    if isinstance(expr, ir.NameRef):
        return expr.name
    if isinstance(expr, ir.QualifiedRef):
        return f"{expr.table}.{expr.column}"
    if isinstance(expr, ir.WindowBound):  # points in time (issue 10)
        return f"{'end' if expr.end else 'start'} of {expr.window}"
    if isinstance(expr, ir.Shift):
        return f"{format_expr(expr.base)} {'-' if expr.subtract else '+'} {format_literal(expr.length)}"
    return format_literal(expr)


# Binding strength of metric arithmetic: `or` < `+ -` < `* /` < unary minus < atom.
_DEFAULT, _SUM, _PRODUCT, _NEGATE, _NUM_ATOM = range(5)


def _arith_level(expr: ir.NumExpr) -> int:
    if isinstance(expr, ir.Default):
        return _DEFAULT
    if isinstance(expr, ir.Arith):
        return _SUM if expr.op in (ir.ArithOp.ADD, ir.ArithOp.SUB) else _PRODUCT
    if isinstance(expr, ir.Negate):
        return _NEGATE
    return _NUM_ATOM


def _arith_wrapped(expr: ir.NumExpr, minimum: int) -> str:
    text = format_arith(expr)
    return f"({text})" if _arith_level(expr) < minimum else text


def format_arith(expr: ir.NumExpr) -> str:
    """Metric arithmetic back as rule-language text: ``(q2_sales - q1_sales) * 2%``."""
    match expr:
        case ir.Default():
            return f"{_arith_wrapped(expr.value, _DEFAULT)} or {_arith_wrapped(expr.fallback, _SUM)}"
        case ir.Arith():
            own = _arith_level(expr)
            # Left-associative: a right operand at the same level was parenthesised (`a - (b - c)`).
            return f"{_arith_wrapped(expr.left, own)} {expr.op.value} {_arith_wrapped(expr.right, own + 1)}"
        case ir.Negate():
            return f"-{_arith_wrapped(expr.operand, _NEGATE)}"
        case ir.Call():
            return f"{expr.function}({', '.join(format_arith(a) for a in expr.args)})"
        case ir.NameRef():
            return expr.name
    return format_literal(expr)


# ---------------------------------------------------------------- declaration pieces


def format_filters(filters: ir.Filters) -> str:
    parts = []
    if filters.as_of is not None:  # as-of values (issue 10)
        parts.append(f"as of {format_expr(filters.as_of)}")
    if filters.window:
        parts.append(f"during {filters.window}" + (" to date" if filters.to_date else ""))
    if filters.where is not None:
        parts.append(f"where {format_expr(filters.where)}")
    if filters.per:
        parts.append(f"per {filters.per}")
    if filters.bucket is not None:  # calendar buckets (issue 10)
        parts.append(f"by {filters.bucket.value}")
    return " ".join(parts)


def _joined(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def _aggregate_head(agg: ir.Aggregate) -> str:
    return aggregate(agg.func).syntax.format(func=agg.func.value, column=agg.column, table=agg.table)


def format_definition(definition: ir.Definition) -> str:
    """A metric definition as written: ``sum gmv in orders during activity where not refunded``."""
    if isinstance(definition, ir.Ratio):
        return f"{definition.numerator} / {definition.denominator}"
    if isinstance(definition, ir.Computed):
        return format_arith(definition.expr)
    if isinstance(definition, ir.BucketCount):  # calendar buckets (issue 10)
        head = f"longest streak of {definition.unit.plural}" if definition.streak else f"count {definition.unit.plural}"
        window = f"during {definition.window}" if definition.window else ""
        return _joined(head, window, f"where {format_expr(definition.condition)}")
    return _joined(_aggregate_head(definition), format_filters(definition.filters))


def format_window(window: ir.Window) -> str:
    if isinstance(window, ir.RelativeWindow):
        bound = " inclusive" if window.end_inclusive else ""
        within = f" within {window.within}" if window.within else ""
        return f"first {format_duration(window.length)} from {window.anchor}{bound}{within}"
    return f"from {format_local(window.start)} to {_window_end(window)}"


def _window_end(window: ir.AbsoluteWindow) -> str:
    return f"{format_local(window.end)} ({'inclusive' if window.end_inclusive else 'exclusive'})"


def format_keys(keys: Sequence[ir.RankKey]) -> str:
    return ", then ".join(f"{k.name} {k.direction.value}" for k in keys)


def _cap(limits: ir.Limits) -> str | None:
    if limits.per_participant is None:
        return None
    noun = limits.per_participant_noun
    period = f" per {limits.cap_period}" if limits.cap_period else ""  # issue 10, construct 6 (periods)
    return format_money(limits.per_participant) + (f" per {noun}" if noun else "") + period


def _pool(limits: ir.Limits) -> str | None:
    """``£1,000`` or, for a budget per calendar period, ``£1,000 per day``."""
    if limits.pool is None:
        return None
    return format_money(limits.pool) + (f" per {limits.pool_period}" if limits.pool_period else "")


def _max_orders(limits: ir.Limits) -> str | None:
    if limits.max_orders is None:
        return None
    noun = limits.max_orders_noun
    return f"{limits.max_orders}" + (f" per {noun}" if noun else "")


def _due(due: ir.Due) -> str:
    unit = "business day" if due.business else "day"
    return f"{due.amount} {unit}{'' if due.amount == 1 else 's'} after {due.after}"


def limits_text(limits: ir.Limits, pool_word: str) -> list[str]:
    """A reward's limits as parts of a one-line description."""
    parts = []
    if (cap := _cap(limits)) is not None:
        parts.append(f"cap {cap}")
    if limits.per_order is not None:
        parts.append(f"cap per order {format_money(limits.per_order)}")
    if (most := _max_orders(limits)) is not None:
        parts.append(f"max orders {most}")
    if (pool := _pool(limits)) is not None:
        parts.append(f"{pool_word} {pool}")
    if limits.overflow is not None:
        parts.append(f"overflow {limits.overflow}")
    return parts


def describe(decl: object) -> str:
    """A one-line description of a whole declaration, for ``added`` / ``removed`` changes."""
    parts: list[str]
    kind = registered(decl)
    if kind is not None:
        parts = kind.summary(decl)
    elif isinstance(decl, ir.Header):
        parts = [f"program {decl.name}"] + [
            f"{k} {v}"
            for k, v in (("currency", decl.currency), ("timezone", decl.timezone), ("calendar", decl.calendar))
            if v
        ]
    elif isinstance(decl, ir.Table):
        parts = [", ".join(f"{c.name}: {c.type_name}" for c in decl.columns)]
    elif isinstance(decl, ir.Entity):
        parts = [f"{decl.noun}: {decl.table}"]
    elif isinstance(decl, (ir.AbsoluteWindow, ir.RelativeWindow)):
        parts = [format_window(decl)]
    elif isinstance(decl, ir.Metric):
        parts = [format_definition(decl.definition)]
    elif isinstance(decl, ir.Clause):
        guard = f" when {format_expr(decl.guard)}" if decl.guard is not None else ""
        parts = [format_expr(decl.condition) + guard]
    elif isinstance(decl, ir.Ranking):
        parts = [f"by {format_keys(decl.keys)}"]
        parts += [f"top {decl.top}"] if decl.top is not None else []
        rounding = f", {decl.shared_rounding}" if decl.shared_rounding else ""
        parts += [f"shared ranks {decl.shared_ranks}{rounding}"] if decl.shared_ranks else []
    elif isinstance(decl, ir.Example):
        parts = [_count(len(decl.rows), "given row"), _count(len(decl.expects), "expect line")]
    elif isinstance(decl, ir.Payout):
        parts = [f"channel {decl.channel}"] if decl.channel else []
        parts += [f"paid {decl.paid}"] if decl.paid else []
        parts += [f"due {_due(decl.due)}"] if decl.due else []
    else:  # pragma: no cover - every declaration kind is handled above
        parts = [repr(decl)]
    return "; ".join(p for p in parts if p) or "(empty)"


# ========================================================================== comparison


def canonical(value: object) -> object:
    """A form of ``value`` in which equal meaning gives equal values.

    Spans are dropped (only fields that take part in equality are kept), durations
    become seconds (days and weeks stay apart from exact units, because they follow
    the local calendar), and nested ``and`` / ``or`` of the same operator are flattened.
    """
    if isinstance(value, ir.Duration):
        calendar = value.unit in (ir.TimeUnit.DAYS, ir.TimeUnit.WEEKS)
        return ("duration", value.total_seconds, calendar)
    if isinstance(value, ir.BoolOp):
        flat: list[object] = []
        for operand in value.operands:
            if isinstance(operand, ir.BoolOp) and operand.op is value.op:
                flat.extend(_flat_operands(canonical(operand)))
            else:
                flat.append(canonical(operand))
        return ("BoolOp", value.op, tuple(flat))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        kept = (canonical(getattr(value, f.name)) for f in dataclasses.fields(value) if f.compare)
        return (type(value).__name__, *kept)
    if isinstance(value, tuple):
        return tuple(canonical(v) for v in value)
    return value


def _flat_operands(canon: object) -> tuple[object, ...]:
    assert isinstance(canon, tuple)
    operands = canon[2]
    assert isinstance(operands, tuple)
    return operands


def same(old: object, new: object) -> bool:
    """True when two IR values mean the same thing."""
    return canonical(old) == canonical(new)


@dataclass(frozen=True, slots=True)
class Decl:
    key: str  # "prize leaderboard_cash": grouping key and start of every path
    human: str  # "prize `leaderboard_cash`": start of every summary


class Collector:
    """Accumulates changes; the helpers skip values that mean the same thing."""

    def __init__(self) -> None:
        self.changes: list[Change] = []

    def whole(self, decl: Decl, old: object | None, new: object | None) -> None:
        """A declaration that exists on one side only."""
        if old is None and new is not None:
            text = describe(new)
            self._add(decl, "", "added", None, text, f"{decl.human} added: {text}")
        elif new is None and old is not None:
            text = describe(old)
            self._add(decl, "", "removed", text, None, f"{decl.human} removed (was: {text})")

    def field(
        self,
        decl: Decl,
        name: str,
        old: Any,
        new: Any,
        render: Callable[[Any], str] = str,
        *,
        category: Category = "rule",
        equal: Callable[[Any, Any], bool] = same,
    ) -> None:
        """Compare one field; ``None`` on one side means the line is absent there."""
        if equal(old, new):
            return
        old_text = None if old is None else render(old)
        new_text = None if new is None else render(new)
        if old_text is None:
            summary = f"{decl.human} {name} added: {new_text}"
            self._add(decl, name, "added", None, new_text, summary, category)
        elif new_text is None:
            summary = f"{decl.human} {name} removed (was: {old_text})"
            self._add(decl, name, "removed", old_text, None, summary, category)
        else:
            summary = f"{decl.human} {name}: {old_text} -> {new_text}"
            self._add(decl, name, "changed", old_text, new_text, summary, category)

    def text(self, decl: Decl, old: ir.Text, new: ir.Text) -> None:
        """Labels, descriptions and notes: they change the published document only."""
        self.field(decl, "label", old.label, new.label, _rule_string, category="text")
        self.field(decl, "description", old.description, new.description, _rule_string, category="text")
        gone = [n for n in old.notes if n not in new.notes]
        fresh = [n for n in new.notes if n not in old.notes]
        if len(gone) == 1 and len(fresh) == 1:
            self.field(decl, "note", gone[0], fresh[0], _rule_string, category="text")
            return
        for note in gone:
            self.field(decl, "note", note, None, _rule_string, category="text")
        for note in fresh:
            self.field(decl, "note", None, note, _rule_string, category="text")

    def keyed(
        self,
        decl: Decl,
        old: dict[str, Any],
        new: dict[str, Any],
        render: Callable[[Any], str],
    ) -> None:
        """Compare entries matched by a key (prize ranks, columns, brackets, tiers)."""
        for key in _union(old, new):
            self.field(decl, key, old.get(key), new.get(key), render)

    def _add(
        self,
        decl: Decl,
        name: str,
        kind: ChangeKind,
        old: str | None,
        new: str | None,
        summary: str,
        category: Category = "rule",
    ) -> None:
        path = f"{decl.key} / {name}" if name else decl.key
        self.changes.append(Change(path, decl.key, name, kind, old, new, summary, category))


def _union(old: Iterable[str], new: Iterable[str]) -> list[str]:
    """Keys in old order, then keys only in new, in new order."""
    keys = list(old)
    keys += [k for k in new if k not in keys]
    return keys


# ------------------------------------------------------------------ per declaration


def _header(c: Collector, old: ir.Header | None, new: ir.Header | None) -> None:
    decl = Decl("program", "program")
    if old is None or new is None:
        c.whole(decl, old, new)
        return
    c.field(decl, "name", old.name, new.name)
    c.field(decl, "title", old.title, new.title, _rule_string, category="text")
    for name in ("market", "currency", "timezone", "calendar", "rounding"):
        c.field(decl, name, getattr(old, name), getattr(new, name))
    old_terms, new_terms = dict(old.terms), dict(new.terms)
    for word in _union(old_terms, new_terms):
        c.field(decl, f"term `{word}`", old_terms.get(word), new_terms.get(word), _rule_string, category="text")
    c.text(decl, old.text, new.text)


def _table(c: Collector, decl: Decl, old: ir.Table, new: ir.Table) -> None:
    old_cols = {f"column `{col.name}`": col.type_name for col in old.columns}
    new_cols = {f"column `{col.name}`": col.type_name for col in new.columns}
    c.keyed(decl, old_cols, new_cols, str)
    old_labels = {col.name: col.label for col in old.columns if col.label}
    new_labels = {col.name: col.label for col in new.columns if col.label}
    for name in _union(old_labels, new_labels):
        label = f"label of column `{name}`"
        c.field(decl, label, old_labels.get(name), new_labels.get(name), _rule_string, category="text")
    c.field(decl, "key", old.key or None, new.key or None, ", ".join)
    c.field(decl, "time", old.time, new.time)
    c.field(decl, "period", old.period, new.period, " to ".join)
    _links(c, decl, old, new)
    c.text(decl, old.text, new.text)


# Sub-entities and links (issue 10, construct 4): `link: listing_id -> listings[.listing_id]`.
def _links(c: Collector, decl: Decl, old: ir.Table, new: ir.Table) -> None:
    """Compare the links by their column; ``-> listings`` and ``-> listings.listing_id`` are the
    same link when ``listing_id`` is the key (the checker guarantees a link ends at the key)."""
    old_links = {link.column: link for link in old.links}
    new_links = {link.column: link for link in new.links}
    for column in _union(old_links, new_links):
        c.field(decl, f"link from `{column}`", old_links.get(column), new_links.get(column), _link, equal=_same_link)


def _link(link: ir.Link) -> str:
    return f"{link.target}.{link.target_column}" if link.target_column else link.target


def _same_link(a: ir.Link | None, b: ir.Link | None) -> bool:
    if a is None or b is None:
        return a is b
    columns = a.target_column == b.target_column or None in (a.target_column, b.target_column)
    return a.target == b.target and columns


def _entity(c: Collector, decl: Decl, old: ir.Entity | None, new: ir.Entity | None) -> None:
    if old is None or new is None:
        c.whole(decl, old, new)
        return
    c.field(decl, "noun", old.noun, new.noun)
    c.field(decl, "table", old.table, new.table)
    c.text(decl, old.text, new.text)


def _window(c: Collector, decl: Decl, old: ir.Window, new: ir.Window) -> None:
    if isinstance(old, ir.AbsoluteWindow) and isinstance(new, ir.AbsoluteWindow):
        old_start, old_end = old.local_bounds()
        new_start, new_end = new.local_bounds()
        c.field(decl, "start", old, new, lambda w: format_local(w.start), equal=lambda _a, _b: old_start == new_start)
        c.field(decl, "end", old, new, _window_end, equal=lambda _a, _b: old_end == new_end)
    elif isinstance(old, ir.RelativeWindow) and isinstance(new, ir.RelativeWindow):
        c.field(decl, "length", old.length, new.length, format_duration)
        c.field(decl, "anchor", old.anchor, new.anchor)
        c.field(decl, "end", old.end_inclusive, new.end_inclusive, lambda v: "inclusive" if v else "exclusive")
        c.field(decl, "within", old.within, new.within)
    else:
        c.field(decl, "definition", old, new, format_window)
    c.text(decl, old.text, new.text)


def _metric(c: Collector, decl: Decl, old: ir.Metric, new: ir.Metric) -> None:
    a, b = old.definition, new.definition
    if isinstance(a, ir.Aggregate) and isinstance(b, ir.Aggregate):
        c.field(decl, "aggregate", a, b, _aggregate_head, equal=lambda x, y: same(_agg_core(x), _agg_core(y)))
        filter_fields(c, decl, a.filters, b.filters)
        c.field(decl, "per", a.filters.per, b.filters.per)
    else:
        c.field(decl, "definition", a, b, format_definition)
    c.text(decl, old.text, new.text)


def _agg_core(agg: ir.Aggregate) -> tuple[object, ...]:
    return (agg.func, agg.table, agg.column)


def filter_fields(c: Collector, decl: Decl, old: ir.Filters, new: ir.Filters) -> None:
    """Compare a window and a `where` condition."""
    c.field(decl, "window", old.window, new.window)
    c.field(decl, "to date", old.to_date, new.to_date, _yes_no)  # issue 10, construct 6 (periods)
    c.field(decl, "condition", old.where, new.where, format_expr)
    c.field(decl, "as of", old.as_of, new.as_of, format_expr)  # as-of values (issue 10)


_CLAUSE_WORDS = {
    ir.ClauseKind.ELIGIBLE: "eligibility clause",
    ir.ClauseKind.GATE: "gate",
    ir.ClauseKind.WARN: "warning",
    ir.ClauseKind.DISQUALIFY: "disqualification rule",
}


def _clause(c: Collector, decl: Decl, old: ir.Clause, new: ir.Clause) -> None:
    c.field(decl, "kind", old.kind, new.kind, lambda k: k.value)
    c.field(decl, "condition", old.condition, new.condition, format_expr)
    c.field(decl, "guard (when)", old.guard, new.guard, format_expr)
    c.text(decl, old.text, new.text)


def _ranking(c: Collector, decl: Decl, old: ir.Ranking, new: ir.Ranking) -> None:
    c.field(decl, "order", old.keys, new.keys, format_keys)
    c.field(decl, "top", old.top, new.top)
    c.field(decl, "shared ranks", old.shared_ranks, new.shared_ranks)
    c.field(decl, "split rounding", old.shared_rounding, new.shared_rounding)
    c.text(decl, old.text, new.text)


def _overflow(limits: ir.Limits) -> str | None:
    # The policy in force: the bind pass's default (scale down) when a pool has no overflow line.
    try:
        planned = plan_limits(limits)
    except ValueError:  # an unknown policy (RK407): shown as written
        return limits.overflow
    return planned.overflow.value if planned.overflow is not None else limits.overflow


def limit_fields(c: Collector, decl: Decl, old: ir.Limits, new: ir.Limits, pool_word: str) -> None:
    """Compare the limits of two declarations of a reward."""
    c.field(decl, "cap", _cap(old), _cap(new))
    c.field(decl, "cap per order", old.per_order, new.per_order, format_money)
    c.field(decl, "max orders", _max_orders(old), _max_orders(new))
    c.field(decl, pool_word, _pool(old), _pool(new))  # with its period: `£50 per day` -> `£50 per week`
    c.field(decl, "overflow", _overflow(old), _overflow(new))


def _reward(c: Collector, decl: Decl, old: ir.Reward, new: ir.Reward) -> None:
    kind_of(old).diff(c, decl, old, new)  # matched by kind and name: `new` is of the same kind
    c.text(decl, old.text, new.text)


def _example(c: Collector, decl: Decl, old: ir.Example, new: ir.Example) -> None:
    # Examples are tests (`rulekit test`): they change neither payouts nor the document.
    def rows(e: ir.Example) -> str:
        return _count(len(e.rows), "given row")

    def expects(e: ir.Example) -> str:
        return _count(len(e.expects), "expect line")

    def times(e: ir.Example) -> str:
        return "local" if e.local_times else "UTC"

    c.field(decl, "given rows", old, new, rows, category="example", equal=lambda x, y: same(x.rows, y.rows))
    c.field(decl, "times", old, new, times, category="example", equal=lambda x, y: x.local_times == y.local_times)
    c.field(decl, "expectations", old, new, expects, category="example", equal=lambda x, y: same(x.expects, y.expects))
    c.text(decl, old.text, new.text)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _payout(c: Collector, old: ir.Payout | None, new: ir.Payout | None) -> None:
    decl = Decl("payout", "payout")
    if old is None or new is None:
        c.whole(decl, old, new)
        return
    c.field(decl, "channel", old.channel, new.channel)
    c.field(decl, "pay period", old.paid, new.paid, _paid)  # issue 10, construct 6 (periods)
    c.field(decl, "due", old.due, new.due, _due)
    c.text(decl, old.text, new.text)


# ---------------------------------------------------------------- matching by name


def _paid(value: str | None) -> str:
    """How a pay period reads in a change: ``paid monthly``, or one line per participant."""
    return f"paid {value}" if value else "one payment for the whole program"


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _reward_word(reward: ir.Reward) -> str:
    return kind_of(reward).name


def _named(items: Iterable[Any], identity: Callable[[Any], str]) -> dict[str, Any]:
    """Index declarations by identity; the first of a duplicated name wins."""
    out: dict[str, Any] = {}
    for item in items:
        out.setdefault(identity(item), item)
    return out


def _human(word: str, decl: object) -> str:
    if isinstance(decl, ir.Clause):
        word = _CLAUSE_WORDS[decl.kind]
    return f"{word} `{getattr(decl, 'name', '')}`"


def _match(
    c: Collector,
    old: Iterable[Any],
    new: Iterable[Any],
    word: Callable[[Any], str],
    compare: Callable[[Collector, Decl, Any, Any], None],
    *,
    word_is_identity: bool = True,
) -> None:
    """Pair declarations by name (and by ``word`` too when ``word_is_identity``) and compare each pair."""

    def identity(item: Any) -> str:
        return f"{word(item)} {item.name}" if word_is_identity else str(item.name)

    old_by, new_by = _named(old, identity), _named(new, identity)
    for key in _union(old_by, new_by):
        a, b = old_by.get(key), new_by.get(key)
        shown: Any = b if b is not None else a
        decl = Decl(f"{word(shown)} {shown.name}", _human(word(shown), shown))
        if a is None or b is None:
            c.whole(decl, a, b)
        else:
            compare(c, decl, a, b)


def diff_programs(old: ir.Program, new: ir.Program) -> list[Change]:
    """The semantic changes from ``old`` to ``new``, grouped by declaration in program order.

    Declarations are matched by name (a rename is a removal plus an addition); a
    reward whose kind changed under the same name is likewise removed and added.
    Clauses are matched by name whatever their kind, so ``eligible x`` becoming
    ``gate x`` is a ``kind`` change.
    """
    c = Collector()
    _header(c, old.header, new.header)
    _match(c, old.tables, new.tables, lambda _t: "table", _table)
    _entity(c, Decl("participant", "participant"), old.participant, new.participant)
    _entity(c, Decl("member", "member"), old.member, new.member)
    _match(c, old.windows, new.windows, lambda _w: "window", _window)
    _match(c, old.metrics, new.metrics, lambda _m: "metric", _metric)
    _match(c, old.clauses, new.clauses, lambda k: k.kind.value, _clause, word_is_identity=False)
    _match(c, old.rankings, new.rankings, lambda _r: "ranking", _ranking)
    _match(c, old.rewards, new.rewards, _reward_word, _reward)
    _payout(c, old.payout, new.payout)
    examples = len(c.changes)
    _match(c, old.examples, new.examples, lambda _e: "example", _example)
    # A whole example added or removed is an example change too, not a rule change.
    c.changes[examples:] = [dataclasses.replace(ch, category="example") for ch in c.changes[examples:]]
    return c.changes


# ============================================================================ output


def render_changes(changes: Sequence[Change]) -> str:
    """The human form: changes grouped under their declaration, then a count."""
    if not changes:
        return "No semantic changes.\n"
    lines: list[str] = []
    current: str | None = None
    for change in changes:
        if change.declaration != current:
            if current is not None:
                lines.append("")
            lines.append(change.declaration)
            current = change.declaration
        lines.append("  " + _line(change))
    count = _count(len(changes), "change")
    notes = [
        f"{n} {what}"
        for n, what in (
            (sum(1 for ch in changes if ch.category == "text"), "to document text only"),
            (sum(1 for ch in changes if ch.category == "example"), "to examples only"),
        )
        if n
    ]
    if notes:
        count += f" ({', '.join(notes)})"
    lines += ["", count + "."]
    return "\n".join(lines) + "\n"


def _line(change: Change) -> str:
    marker = {"added": "+", "removed": "-", "changed": "~"}[change.kind]
    suffix = f"  [{change.category}]" if change.category != "rule" else ""
    name = change.field or change.kind
    if not change.field:
        body = f"{name}: {change.new if change.kind == 'added' else change.old}"
    elif change.kind == "changed":
        body = f"{name}: {change.old} -> {change.new}"
    elif change.kind == "added":
        body = f"{name} added: {change.new}"
    else:
        body = f"{name} removed (was: {change.old})"
    return f"{marker} {body}{suffix}"
