"""Value types of names and metrics, and the words used for them in explanations.

A *value type* says how a value is compared and shown: ``count`` values are whole
numbers of things ("12 orders"), ``duration`` values are seconds shown as hours,
``ratio`` values are exact fractions shown as percentages, ``money`` is ``Decimal``
in the program currency.
"""

from __future__ import annotations

from typing import Literal

from rulekit import ir

ValueType = Literal[
    "count", "int", "decimal", "money", "duration", "ratio", "percent", "string", "bool", "timestamp", "date"
]

_COLUMN_TYPES: dict[ir.ColumnType, ValueType] = {
    ir.ColumnType.STRING: "string",
    ir.ColumnType.INT: "int",
    ir.ColumnType.DECIMAL: "decimal",
    ir.ColumnType.MONEY: "money",
    ir.ColumnType.BOOL: "bool",
    ir.ColumnType.TIMESTAMP: "timestamp",
    ir.ColumnType.DATE: "date",
    ir.ColumnType.DURATION: "duration",
    ir.ColumnType.PERCENT: "percent",
}


def column_type(column: ir.Column) -> ValueType:
    """The value type of a declared column (unknown type names read as text)."""
    declared = column.type
    return _COLUMN_TYPES[declared] if declared is not None else "string"


def metric_type(program: ir.Program, metric: ir.Metric) -> ValueType:
    """The value type of a metric's values."""
    definition = metric.definition
    if isinstance(definition, ir.Ratio):
        return "ratio"
    func = definition.func
    if func in (ir.AggregateFunc.COUNT, ir.AggregateFunc.COUNT_DISTINCT):
        return "count"
    if func is ir.AggregateFunc.TOTAL_TIME:
        return "duration"
    table = program.table(definition.table)
    column = table.column(definition.column) if table is not None and definition.column else None
    base: ValueType = column_type(column) if column is not None else "decimal"
    if func is ir.AggregateFunc.AVERAGE and base in ("int", "count"):
        return "decimal"
    return base


def is_member_metric(metric: ir.Metric, program: ir.Program) -> bool:
    """True for ``per <member>`` metrics and ratios of them."""
    definition = metric.definition
    if isinstance(definition, ir.Aggregate):
        return definition.filters.per is not None
    parts = (program.metric(definition.numerator), program.metric(definition.denominator))
    return any(p is not None and is_member_metric(p, program) for p in parts)


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
    return program.header.currency if program.header and program.header.currency else "USD"
