"""A reader of per-participant facts generated from a plan: metric values given, no events.

:func:`compile_reader` generates ``read(facts)`` for the common service case (issue 12,
item 1): the participant row, the member rows carrying their ``per <member>`` metric
values, and the participant-level metric values at the top level. It converts values by
the same converters as :mod:`rulekit.facts` and :mod:`rulekit.pyeval.given`, and computes
ratios and computed metrics that are not given, and aggregates over the member rows.

It is speculative: anything else — an event table, a value that is not given, a null in a
required column, a row of another participant, duplicate member ids, a bad value — raises,
and the caller decides the facts with the reference reader instead, which computes what
is missing or raises the documented :class:`~rulekit.errors.FactsError`. The generated code
never decides what is an error; it only recognises the facts it can read fast.

Names and values are bound in the namespace (``c<i>``, ``g<i>``), never spliced as text;
column and metric names appear only as ``repr`` string literals.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from rulekit import ir
from rulekit import types as t
from rulekit.contract import required_columns
from rulekit.errors import RulekitError
from rulekit.facts import CONVERTERS, MAX_DECIMALS, MAX_WHOLE_DIGITS, TableShape, table_shape
from rulekit.plan import Level, MetricPlan, Plan
from rulekit.pyeval.arith import compile_computed
from rulekit.pyeval.given import _value
from rulekit.pyeval.metrics import BoundsFn, compile_aggregate
from rulekit.pyeval.values import ratio

_INT = 2**63 - 1
_WHOLE = 10**MAX_WHOLE_DIGITS
_UTC_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").fullmatch

# (member id, member row, member metric values, the raw row)
Member = tuple[str, dict[str, Any], dict[str, Any], Any]
Reader = Callable[[Any], tuple[dict[str, Any], dict[str, Any], list[Member]]]


class Unreadable(RulekitError):  # noqa: N818 - a signal to the caller, never seen by a user
    """These facts are not the fast reader's: read them with the reference reader."""


@dataclass(frozen=True)
class ReaderCode:
    """``read(facts) -> (participant row, metrics, [(member id, member row, member metrics)])``."""

    read: Reader
    source: str


def compile_reader(plan: Plan, windows: dict[str, BoundsFn]) -> ReaderCode:
    """Generate and compile the fast reader of ``plan``."""
    gen = _ReaderGen(plan, windows)
    source = gen.source()
    namespace: dict[str, Any] = {"Unreadable": Unreadable, "_ratio": _ratio, "_Decimal": Decimal, **gen.consts}
    namespace |= {"_stamp": _UTC_STAMP, "_instant": dt.datetime.fromisoformat}
    exec(compile(source, f"<rulekit fast reader: {plan.name}>", "exec"), namespace)  # our source (docstring)
    return ReaderCode(namespace["read"], source)


class _ReaderGen:
    def __init__(self, plan: Plan, windows: dict[str, BoundsFn]) -> None:
        self.plan = plan
        self.windows = windows
        self.consts: dict[str, Any] = {}
        self.lines: list[str] = []
        program = plan.program
        self.shapes = {t.name: table_shape(t, required_columns(program, t), plan.currency) for t in program.tables}

    def const(self, value: Any) -> str:
        name = f"c{len(self.consts)}"
        self.consts[name] = value
        return name

    def emit(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)

    def source(self) -> str:
        plan = self.plan
        member = plan.member
        others = {t.name for t in plan.tables} - {plan.participant.table} - ({member.table} if member else set())
        self.emit(0, "def read(facts):")
        if any(r.table is not None for r in plan.rewards):
            self.emit(1, "raise Unreadable")  # per-order rewards need their events: the reference reader
        self.emit(1, f"if type(facts) is not dict or not {self.const(frozenset(others))}.isdisjoint(facts):")
        self.emit(2, "raise Unreadable")
        self.emit(1, f"raw = facts[{plan.participant.table!r}]")
        self.row(self.shapes[plan.participant.table], "prow", 1)
        self.emit(1, "members = []")
        if member is not None:
            self.members(member.table, member.key)
            if any(m.level is Level.MEMBER and m.table is not None for m in plan.metrics):
                # No member row carries values: the reference decides which events it then needs.
                self.emit(1, "if not members:")
                self.emit(2, "raise Unreadable")
        self.emit(1, "metrics = {}")
        for metric in plan.metrics:
            self.metric(metric)
        self.emit(1, "return prow, metrics, members")
        return "\n".join(self.lines) + "\n"

    def row(self, shape: TableShape, out: str, indent: int) -> None:
        """Convert ``raw`` to the dict ``out`` (a fast check per common type, else its converter)."""
        if shape.period is not None:
            self.emit(indent, "raise Unreadable")  # periods are checked by the reference reader
        self.emit(indent, "if type(raw) is not dict:")
        self.emit(indent + 1, "raise Unreadable")
        items = []
        for i, (name, convert, required) in enumerate(shape.columns):
            var = f"v{i}"
            self.emit(indent, f"{var} = raw[{name!r}]")
            if convert is CONVERTERS[ir.ColumnType.TIMESTAMP]:
                # `2022-02-14T09:30:00Z`, the spelling services send: the same aware UTC instant.
                self.emit(indent, f"if type({var}) is str and _stamp({var}):")
                self.emit(indent + 1, f"{var} = _instant({var})")
                self.emit(indent, "else:")
            else:
                self.emit(indent, f"if {self._unusual(convert, var)}:")
            self.emit(indent + 1, f"{var} = {self.const(_strict(convert, required))}({var})")
            items.append(f"{name!r}: {var}")
        self.emit(indent, f"{out} = {{{', '.join(items)}}}")
        if shape.currency is not None:
            self.emit(indent, f"if {out}['currency'] != {self.const(shape.currency)}:")
            self.emit(indent + 1, "raise Unreadable")

    def _unusual(self, convert: Any, var: str) -> str:
        if convert is CONVERTERS[ir.ColumnType.STRING]:
            return f"type({var}) is not str"
        if convert is CONVERTERS[ir.ColumnType.BOOL]:
            return f"{var} is not True and {var} is not False"
        if convert is CONVERTERS[ir.ColumnType.INT]:
            return f"type({var}) is not int or not -{_INT + 1} <= {var} <= {_INT}"
        return "True"

    def members(self, table: str, key: str) -> None:
        shape = self.shapes[table]
        link = self.plan.participant.key if shape_has(shape, self.plan.participant.key) else None
        self.emit(1, f"rows = facts[{table!r}]")
        self.emit(1, "if type(rows) is not list:")
        self.emit(2, "raise Unreadable")
        self.emit(1, "seen = set()")
        self.emit(1, "for raw in rows:")
        self.row(shape, "row", 2)
        if link is not None:
            self.emit(2, f"if row[{link!r}] != prow[{link!r}]:")
            self.emit(3, "raise Unreadable")
        self.emit(2, f"mid = str(row[{key!r}])")
        self.emit(2, "if mid in seen:")
        self.emit(3, "raise Unreadable")
        self.emit(2, "seen.add(mid)")
        self.emit(2, "members.append((mid, row, {}, raw))")

    def metric(self, metric: MetricPlan) -> None:
        if metric.level is Level.MEMBER:
            self.member_metric(metric)
        elif metric.level is Level.PARTICIPANT:
            self.participant_metric(metric)
        else:  # pragma: no cover - metrics live per participant or per member
            self.emit(1, "raise Unreadable")

    def participant_metric(self, metric: MetricPlan) -> None:
        name, convert = metric.name, self.const(_given(metric))
        tables = {t.name for t in self.plan.tables}
        derived = self.derived(metric, "metrics.get")
        member_table = self.plan.member.table if self.plan.member else None
        definition = metric.decl.definition
        if derived is None and isinstance(definition, ir.Aggregate) and metric.table == member_table:
            # An aggregate over the member rows (`count hosts`): computed from them, as the reference does.
            aggregate = self.const(compile_aggregate(self.plan.program, definition, self.plan.tz, as_of=metric.as_of))
            window = self.const(self.windows[metric.window.name]) if metric.window is not None else None
            bounds = f"{window}(prow)" if window else "None"
            derived = f"{aggregate}([m[1] for m in members], {bounds})"
        if name in tables:  # a metric named like a table is never given (rulekit.pyeval.given)
            self.emit(1, "raise Unreadable" if derived is None else f"metrics[{name!r}] = {derived}")
            return
        self.emit(1, f"if {name!r} in facts:")
        self.emit(2, f"x = facts[{name!r}]")
        self.emit(2, f"metrics[{name!r}] = {self.given(metric, convert)}")
        self.emit(1, "else:")
        if derived is None:
            self.emit(2, "raise Unreadable")  # an aggregate over events not given: the reference computes it
        else:
            self.emit(2, f"metrics[{name!r}] = {derived}")

    def member_metric(self, metric: MetricPlan) -> None:
        name, convert = metric.name, self.const(_given(metric))
        derived = self.derived(metric, "lookup")
        self.emit(1, "for mid, row, values, raw in members:")
        self.emit(2, f"if {name!r} in raw:")
        self.emit(3, f"x = raw[{name!r}]")
        self.emit(3, f"values[{name!r}] = {self.given(metric, convert)}")
        self.emit(2, "else:")
        if derived is None:
            self.emit(3, "raise Unreadable")
        else:
            self.emit(3, "lookup = lambda part: values.get(part, metrics.get(part))")
            self.emit(3, f"values[{name!r}] = {derived}")

    def given(self, metric: MetricPlan, convert: str) -> str:
        """Source converting the given value ``x``: whole numbers inline, the rest by ``convert``."""
        kind = metric.type.kind
        whole = f"type(x) is int and -{_INT + 1} <= x <= {_INT}"
        if kind in (t.Kind.COUNT, t.Kind.INT):
            return f"x if {whole} else {convert}(x)"
        if kind in (t.Kind.MONEY, t.Kind.DECIMAL, t.Kind.PERCENT, t.Kind.DURATION):
            return f"_Decimal(x) if {whole} else {convert}(x)"  # Decimal(int), as the reference makes
        return f"{convert}(x)"

    def derived(self, metric: MetricPlan, lookup: str) -> str | None:
        """Source computing a ratio or computed metric from its parts (``None`` for aggregates)."""
        if metric.expr is not None:
            compute = self.const(compile_computed(metric.expr, metric.type, metric.shape))
            return f"{compute}({lookup})"
        if metric.parts is not None:
            top, bottom = metric.parts
            return f"_ratio({lookup}({top!r}), {lookup}({bottom!r}))"
        return None


def _ratio(numerator: Any, denominator: Any) -> Any:
    """:func:`rulekit.pyeval.values.ratio`, with whole numbers divided in one step (the same
    normalised ``Fraction``)."""
    if type(numerator) is int and type(denominator) is int and denominator:
        return Fraction(numerator, denominator)
    return ratio(numerator, denominator)


def shape_has(shape: TableShape, column: str) -> bool:
    return any(name == column for name, _, _ in shape.columns)


def _strict(convert: Callable[[Any], Any], required: bool) -> Callable[[Any], Any]:
    """``convert``, with a null allowed only where the reference reader allows it."""

    def strict(value: Any) -> Any:
        if value is None:
            if required:
                raise Unreadable
            return None
        return convert(value)

    return strict


def _given(metric: MetricPlan) -> Callable[[Any], Any]:
    """A given metric value (``None`` included) converted as :mod:`rulekit.pyeval.given`
    converts it, with a short cut for the values services send most: whole numbers for
    counts, ``int`` and ``float`` for amounts and seconds (the same ``Decimal`` the
    reference makes: ``Decimal(int)``, ``Decimal(str(float))``, within its limits)."""

    def slow(value: Any) -> Any:
        return None if value is None else _value(metric, value, None)

    kind = metric.type.kind
    if kind in (t.Kind.COUNT, t.Kind.INT):

        def whole(value: Any) -> Any:
            return value if type(value) is int and -_INT - 1 <= value <= _INT else slow(value)

        return whole
    if kind in (t.Kind.MONEY, t.Kind.DECIMAL, t.Kind.PERCENT, t.Kind.DURATION):

        def number(value: Any) -> Any:
            kind_of_value = type(value)
            if kind_of_value is int and -_WHOLE < value < _WHOLE:
                return Decimal(value)
            if kind_of_value is float:
                found = Decimal(repr(value))
                exponent = found.as_tuple().exponent
                if isinstance(exponent, int) and exponent >= -MAX_DECIMALS and (not found or found.adjusted() < 26):
                    return found
            return slow(value)

        return number
    return slow
