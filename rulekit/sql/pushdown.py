"""Window pushdown: which rows of an event table can ever count, known before any query runs.

A table whose every use in the rule file is ``in T during W`` with ``W`` fixed in time
(an absolute window, or a relative one cut ``within`` an absolute one) never counts a row
whose time lies outside all those windows. Such rows are dropped where the clean table
is made (:func:`rulekit.sql.cleaning.cleaned`), so they are never materialised; the
data-quality report still counts them, as it reads the typed rows.

Anything else keeps every row, conservatively: the participant and member tables, a
table another one links to, a table read as ``T.column``, a table with a ``period``
(rows overlap windows rather than fall in them) or whose time is not a ``timestamp``, a use without a window, with a
relative window, ``to date`` or ``as of``, and programs paid per period.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

from sqlglot import exp

from rulekit import ir
from rulekit.periods import is_paid_per_period
from rulekit.plan import Plan
from rulekit.sql import build as b

__all__ = ["Bounds", "in_windows", "scan_windows"]

Bounds = tuple[dt.datetime, dt.datetime]  # naive UTC, [start, end)
_USES = (ir.Aggregate, ir.Commission, ir.Subsidy)  # the nodes that read a table's rows under filters


def scan_windows(plan: Plan) -> dict[str, tuple[Bounds, ...]]:
    """For each table whose rows can be filtered at the scan: the UTC bounds of its windows."""
    program = plan.program
    if is_paid_per_period(program):
        return {}
    kept = _whole_tables(program)
    found: dict[str, list[Bounds]] = {}
    for node in _nodes((program.metrics, program.clauses, program.rankings, program.rewards, program.payout)):
        if isinstance(node, ir.QualifiedRef):
            kept.add(node.table)
        elif isinstance(node, _USES):
            bounds = _bounds(plan, node.filters)
            if bounds is None:
                kept.add(node.table)
            else:
                found.setdefault(node.table, []).append(bounds)
        elif isinstance(table := getattr(node, "table", None), str):  # any other reader: reads it whole
            kept.add(table)
    return {name: _merged(bounds) for name, bounds in found.items() if name not in kept}


def _merged(bounds: list[Bounds]) -> tuple[Bounds, ...]:
    """The union of ``bounds`` as few disjoint intervals (Q1 and Q2 touching are one half year)."""
    merged: list[Bounds] = []
    for start, end in sorted(bounds):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def _whole_tables(program: ir.Program) -> set[str]:
    """Tables read whole: participants, members, link targets, tables with a period or no time."""
    whole = {e.table for e in (program.participant, program.member) if e is not None}
    whole |= {link.target for t in program.tables for link in t.links}
    whole |= {t.name for t in program.tables if t.period or not _timestamped(t)}
    return whole


def _timestamped(tbl: ir.Table) -> bool:
    """Whether ``tbl``'s time is a UTC ``timestamp``: a ``date`` time is a local calendar
    day, which the query places in the program's time zone, not a UTC instant."""
    column = tbl.column(tbl.time) if tbl.time else None
    return column is not None and column.type is ir.ColumnType.TIMESTAMP


def _bounds(plan: Plan, filters: ir.Filters) -> Bounds | None:
    if filters.window is None or filters.to_date or filters.as_of is not None:
        return None
    window = plan.window(filters.window)
    if window is None:
        return None
    if window.utc_bounds is not None:
        return window.utc_bounds
    return window.within  # a relative window counts only its part inside `within`; None: unbounded


def _nodes(value: object) -> Iterator[object]:
    """Every dataclass node reachable from ``value`` (through fields, tuples and lists)."""
    stack: list[object] = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, tuple | list):
            stack.extend(node)
        elif dataclasses.is_dataclass(node) and not isinstance(node, type):
            yield node
            stack.extend(getattr(node, f.name) for f in dataclasses.fields(node))


def in_windows(tbl: ir.Table, bounds: tuple[Bounds, ...], alias: str | None = None) -> exp.Expression:
    """Rows of ``tbl`` (``alias``) whose time lies in one of ``bounds`` (``start <= time < end``)."""
    assert tbl.time is not None  # scan_windows gives bounds only for tables with a time
    time = tbl.time
    return b.or_(
        *(
            b.and_(
                exp.GTE(this=b.col(time, alias), expression=b.timestamp(start)),
                exp.LT(this=b.col(time, alias), expression=b.timestamp(end)),
            )
            for start, end in bounds
        )
    )
