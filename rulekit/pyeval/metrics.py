"""Metrics to closures over lists of rows, and windows to per-participant bounds.

An aggregate metric compiles to ``fn(rows, bounds) -> value`` where ``rows`` are the
rows of its table that belong to the participant (or member) and ``bounds`` is the
``[start, end)`` of its window for that participant (``None`` without a window,
:data:`NO_WINDOW` when a relative window has no anchor). Values are canonical:
``int`` counts, ``Decimal`` sums and seconds, ``None`` for min/max/average of nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from rulekit import codes, ir, timeutil
from rulekit import types as t
from rulekit.diagnostics import error
from rulekit.facts import Row
from rulekit.plan.aggregates import aggregate
from rulekit.plan.model import WindowPlan
from rulekit.pyeval.exprs import CompileError, Scope, compile_expr
from rulekit.pyeval.types import ValueType, column_type
from rulekit.pyeval.values import seconds

Bounds = tuple[dt.datetime, dt.datetime]
# A relative window whose anchor is null covers nothing.
NO_WINDOW: Bounds = (dt.datetime.max.replace(tzinfo=dt.UTC), dt.datetime.min.replace(tzinfo=dt.UTC))
RowFilter = Callable[[Row, Bounds | None], bool]
MetricFn = Callable[[list[Row], Bounds | None], Any]
BoundsFn = Callable[[Row], Bounds]


def compile_window(window: WindowPlan, tz: ZoneInfo) -> BoundsFn:
    """A window as a function of the participant row giving its UTC ``[start, end)``."""
    if window.utc_bounds is not None:
        start, end = window.utc_bounds
        fixed = (start.replace(tzinfo=dt.UTC), end.replace(tzinfo=dt.UTC))
        return lambda row: fixed
    assert window.anchor is not None and window.length is not None  # a relative window
    anchor, length, inclusive = window.anchor, window.length, window.inclusive
    within = tuple(b.replace(tzinfo=dt.UTC) for b in window.within) if window.within is not None else None

    @functools.lru_cache(maxsize=4096)
    def relative(start: dt.datetime) -> Bounds:
        # Cached: a merchant's orders share one anchor, and zone arithmetic is not free.
        end = timeutil.relative_end(start, length, tz, inclusive=inclusive)
        if within is None:
            return start, end
        # `within W`: only the part inside W; an empty part is an empty window [s, s).
        cut_start, cut_end = max(start, within[0]), min(end, within[1])
        return cut_start, max(cut_start, cut_end)

    def bounds(row: Row) -> Bounds:
        start = row.get(anchor)
        # A `date` anchor starts the window at its local midnight (docs/semantics.md).
        return NO_WINDOW if start is None else relative(timeutil.instant(start, tz))

    return bounds


def row_scope(
    table: ir.Table,
    tz: ZoneInfo,
    program: ir.Program | None = None,
    extra: Mapping[str, ValueType] | None = None,
) -> Scope:
    """The names of a ``where`` over ``table``: its columns, and ``extra`` (the entity metrics of
    an entity table, issue 10 construct 4, which its rows carry like columns); ``program`` gives
    the fixed windows whose bounds (`end of W`) a row filter may read."""
    names = {c.name: column_type(c) for c in table.columns}
    windows = fixed_windows(program, tz)
    return Scope(
        {**(extra or {}), **names}, {table.name: names}, tz, what=f"a column of `{table.name}`", windows=windows
    )


def fixed_windows(program: ir.Program | None, tz: ZoneInfo) -> dict[str, BoundsFn]:
    """The bounds of the windows with fixed dates, for `end of W` in a `where` (issue 10; a
    relative window's bounds differ per participant, which a row filter does not know: RK223)."""
    found: dict[str, BoundsFn] = {}
    for window in program.windows if program is not None else ():
        if isinstance(window, ir.AbsoluteWindow):
            found[window.name] = _fixed(timeutil.absolute_bounds(window, tz))
    return found


def _fixed(bounds: Bounds) -> BoundsFn:
    return lambda row: bounds


def compile_row_filter(
    table: ir.Table,
    filters: ir.Filters,
    tz: ZoneInfo,
    program: ir.Program | None = None,
    extra: Mapping[str, ValueType] | None = None,
) -> RowFilter:
    """``during`` and ``where`` of a metric or effect as one row predicate."""
    scope = row_scope(table, tz, program, extra)
    where = compile_expr(filters.where, scope) if filters.where is not None else None
    timed = filters.window is not None
    if timed and table.time is None and table.period is None:
        raise CompileError(
            [
                error(
                    codes.RK953,
                    f"table `{table.name}` has no `time:` or `period:`, so `during` cannot apply",
                    table.span,
                )
            ]
        )
    time_col = table.time
    period = table.period
    at = row_instant(table, tz)

    def keep(row: Row, bounds: Bounds | None) -> bool:
        if timed and bounds is not None:
            start, end = bounds
            if time_col is not None:
                if not (start <= at(row[time_col]) < end):
                    return False
            elif period is not None and not (at(row[period[0]]) < end and at(row[period[1]]) > start):
                return False
        return where is None or where(row) is True

    return keep


def row_instant(table: ir.Table, tz: ZoneInfo) -> Callable[[Any], dt.datetime]:
    """How the table's row times become instants: a `date` time or period column means the
    local day, so its values become their local midnight; timestamps are used as they are."""
    times = [table.time] if table.time else list(table.period or ())
    dated = any((c := table.column(name)) is not None and c.type is ir.ColumnType.DATE for name in times)
    if dated:
        return lambda value: timeutil.instant(value, tz)
    return lambda value: value


def compile_aggregate(
    program: ir.Program,
    agg: ir.Aggregate,
    tz: ZoneInfo,
    *,
    extra: Mapping[str, ValueType] | None = None,
    as_of: dt.datetime | None = None,
) -> MetricFn:
    """An aggregate as ``fn(rows, bounds)``; ``extra`` are the entity metrics its ``where`` may
    read; ``as_of`` (naive UTC, from the plan) keeps only the rows at or before it (issue 10)."""
    table = program.table(agg.table)
    if table is None:
        raise CompileError([error(codes.RK954, f"unknown table `{agg.table}`", agg.table_span or agg.span)])
    keep = compile_row_filter(table, agg.filters, tz, program, extra)
    if as_of is not None:
        keep = _as_of(table, keep, as_of.replace(tzinfo=dt.UTC), tz)
    entry = aggregate(agg.func)
    if entry.by_time:
        return _by_time(table, keep, agg, entry.fold)
    fold = entry.fold
    if entry.period:
        return _total_time(table, keep, agg, row_instant(table, tz))
    if entry.column == "none":  # counts rows: the fold gets the rows kept
        return lambda rows, b: fold([r for r in rows if keep(r, b)], None)
    column = agg.column or ""
    declared = table.column(column)
    if declared is None:
        raise CompileError(
            [error(codes.RK954, f"unknown column `{column}` in `{table.name}`", agg.column_span or agg.span)]
        )
    kind = t.of_column(declared, None).kind

    def folded(rows: list[Row], b: Bounds | None) -> Any:
        return fold([v for r in rows if keep(r, b) and (v := r[column]) is not None], kind)

    return folded


# ------------------------------------------------------------------------ as-of values (issue 10)


def _as_of(table: ir.Table, keep: RowFilter, instant: dt.datetime, tz: ZoneInfo) -> RowFilter:
    """Rows kept by ``keep`` whose time is at or before ``instant`` (a row without a time is not)."""
    if table.time is None:
        raise CompileError([error(codes.RK953, f"`as of` needs `{table.name}` to have a `time:`", table.span)])
    at, time_col = row_instant(table, tz), table.time

    def kept(row: Row, bounds: Bounds | None) -> bool:
        when = row[time_col]
        return when is not None and at(when) <= instant and keep(row, bounds)

    return kept


def time_order(table: ir.Table, column: str) -> Callable[[Row], tuple[Any, ...]]:
    """The total order `latest` and `first` pick by: the row's time, then its key columns (a
    null key after every value, as SQL orders a NULL struct field), then the value itself."""
    assert table.time is not None
    time_col, keys = table.time, table.key

    def order(row: Row) -> tuple[Any, ...]:
        return (row[time_col], *(((1,) if row[k] is None else (0, row[k])) for k in keys), row[column])

    return order


def _by_time(table: ir.Table, keep: RowFilter, agg: ir.Aggregate, fold: Any) -> MetricFn:
    if table.time is None or agg.column is None or table.column(agg.column) is None:
        raise CompileError([error(codes.RK953, f"`{agg.func.value}` needs a column and a `time:`", agg.span)])
    column, time_col = agg.column, table.time
    order = time_order(table, column)

    def picked(rows: list[Row], b: Bounds | None) -> Any:
        kept = [r for r in rows if r[column] is not None and r[time_col] is not None and keep(r, b)]
        return fold([r[column] for r in sorted(kept, key=order)], None)

    return picked


def _total_time(table: ir.Table, keep: RowFilter, agg: ir.Aggregate, at: Callable[[Any], dt.datetime]) -> MetricFn:
    if table.period is None:
        raise CompileError(
            [error(codes.RK953, f"`total time` needs a table with `period:`; `{table.name}` has none", agg.span)]
        )
    start_col, end_col = table.period

    def total(rows: list[Row], b: Bounds | None) -> Decimal:
        result = Decimal(0)
        for row in rows:
            if not keep(row, b):
                continue
            start, end = at(row[start_col]), at(row[end_col])
            if b is not None:
                start, end = max(start, b[0]), min(end, b[1])
            if end > start:
                result += seconds(end - start)
        return result

    return total
