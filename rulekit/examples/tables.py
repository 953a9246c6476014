"""An example's ``given`` rows as input data: Arrow tables for a settlement, and the
facts of one participant for a single decision.

Columns are typed from the rule file's table declarations, in the representation the
data loader reads (money and decimals as decimals, durations in seconds, percentages
as fractions, timestamps naive UTC); unlisted columns are null.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa

from rulekit import ir
from rulekit.examples.values import to_data

ARROW_TYPES: dict[ir.ColumnType, pa.DataType] = {
    ir.ColumnType.STRING: pa.string(),
    ir.ColumnType.INT: pa.int64(),
    ir.ColumnType.DECIMAL: pa.decimal128(38, 9),
    ir.ColumnType.MONEY: pa.decimal128(38, 6),
    ir.ColumnType.BOOL: pa.bool_(),
    ir.ColumnType.TIMESTAMP: pa.timestamp("us"),
    ir.ColumnType.DATE: pa.date32(),
    ir.ColumnType.DURATION: pa.decimal128(38, 9),
    ir.ColumnType.PERCENT: pa.decimal128(38, 9),
}


def example_zone(program: ir.Program, example: ir.Example) -> ZoneInfo | None:
    """The zone an example's wall-clock times are in: the program's with ``times: local``,
    else ``None`` (they are UTC, like the data)."""
    if not example.local_times or program.header is None or not program.header.timezone:
        return None
    return ZoneInfo(program.header.timezone)


def _to_utc(local: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    # A wall-clock time that occurs twice takes its first occurrence (fold=0), and one in a
    # spring-forward gap is read with the offset before the change: docs/semantics.md, Time.
    return local.replace(tzinfo=zone, fold=0).astimezone(dt.UTC).replace(tzinfo=None)


def row_dict(row: ir.ExampleRow, table: ir.Table, zone: ZoneInfo | None = None) -> dict[str, Any]:
    """One row as ``{column: value}`` over every declared column (``None`` when not given);
    timestamps are naive UTC, converted from ``zone`` when the example's times are local."""
    out: dict[str, Any] = {}
    for column in table.columns:
        value = row.value(column.name)
        data = None if value is None or column.type is None else to_data(value, column.type)
        if zone is not None and isinstance(data, dt.datetime):
            data = _to_utc(data, zone)
        out[column.name] = data
    return out


def arrow_tables(program: ir.Program, example: ir.Example) -> dict[str, pa.Table]:
    """Every declared table, with the example's rows (empty tables for the others)."""
    tables: dict[str, pa.Table] = {}
    zone = example_zone(program, example)
    for table in program.tables:
        rows = [row_dict(r, table, zone) for r in example.rows if r.table == table.name]
        arrays, names = [], []
        for column in table.columns:
            if column.type is None:
                continue  # an unknown type is the checker's error; the column cannot be built
            names.append(column.name)
            arrays.append(pa.array([r[column.name] for r in rows], type=ARROW_TYPES[column.type]))
        tables[table.name] = pa.Table.from_arrays(arrays, names=names)
    return tables


def participant_facts(program: ir.Program, example: ir.Example, participant: ir.ExampleRow) -> dict[str, Any]:
    """Facts for a whole-participant decision: its row, and every other table's rows
    that link to it through the participant key (an empty list when none do)."""
    if program.participant is None:
        return {}
    people = program.table(program.participant.table)
    if people is None:
        return {}
    zone = example_zone(program, example)
    facts: dict[str, Any] = {people.name: row_dict(participant, people, zone)}
    key = people.key[0] if len(people.key) == 1 else None
    owner = facts[people.name].get(key) if key else None
    for table in program.tables:
        if table.name == people.name:
            continue
        rows = [row_dict(r, table, zone) for r in example.rows if r.table == table.name]
        facts[table.name] = [r for r in rows if key is not None and r.get(key) == owner]
    return facts
