"""Value types of names and metrics, and the words used for them in explanations.

A *value type* says how a value is compared and shown: ``count`` values are whole
numbers of things ("12 orders"), ``duration`` values are seconds shown as hours,
``ratio`` values are exact fractions shown as percentages, ``money`` is ``Decimal``
in the program currency.
"""

from __future__ import annotations

from typing import Literal, cast

from rulekit import ir
from rulekit import types as t
from rulekit.plan import names
from rulekit.plan.bind import DEFAULT_CURRENCY

# The names of :class:`rulekit.types.Kind` values a checked program can hold (never "unknown").
ValueType = Literal[
    "count", "int", "decimal", "money", "duration", "ratio", "percent", "string", "bool", "timestamp", "date"
]


def _name(value: t.ValueType, fallback: ValueType) -> ValueType:
    return fallback if value.is_unknown else cast(ValueType, value.kind.value)


def column_type(column: ir.Column) -> ValueType:
    """The value type of a declared column (unknown type names read as text)."""
    return _name(t.of_column(column, None), "string")


def metric_type(program: ir.Program, metric: ir.Metric) -> ValueType:
    """The value type of a metric's values (the type model of :mod:`rulekit.types`)."""
    return _name(names.metric_type(program, metric), "decimal")


def is_member_metric(metric: ir.Metric, program: ir.Program) -> bool:
    """True for ``per <member>`` metrics and ratios of them."""
    return names.is_member_metric(program, metric)


def name_type(program: ir.Program, name: str) -> ValueType | None:
    """The type of a bare name: a metric, else a participant, member or event column."""
    metric = program.metric(name)
    if metric is not None:
        return metric_type(program, metric)
    for table in _tables_in_scope_order(program):
        column = table.column(name)
        if column is not None:
            return column_type(column)
    return None


def _tables_in_scope_order(program: ir.Program) -> list[ir.Table]:
    """Participant table first, then the member table, then the rest in source order."""
    first = [program.participant.table] if program.participant else []
    if program.member:
        first.append(program.member.table)
    ordered = [t for name in first if (t := program.table(name)) is not None]
    return ordered + [t for t in program.tables if t.name not in first]


def label(program: ir.Program, name: str) -> str:
    """The words for a name: a metric's label, else the name with spaces."""
    metric = program.metric(name)
    if metric is not None and metric.text.label:
        return metric.text.label
    return name.replace("_", " ")


def participant_noun(program: ir.Program) -> str:
    return program.participant.noun if program.participant else "participant"


def member_noun(program: ir.Program) -> str:
    return program.member.noun if program.member else "member"


def currency(program: ir.Program) -> str:
    header = program.header
    return (header.currency if header else None) or DEFAULT_CURRENCY
