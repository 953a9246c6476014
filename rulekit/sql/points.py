"""Points in time in SQL conditions (issue 10): `joined_at + 6 months`, `end of program_period`.

The SQL twin of :mod:`rulekit.pyeval.points`: both sides of a comparison of points become
naive-UTC timestamps (a `date` as its local midnight, a literal as its local moment, computed
in Python by the same code as in `decide`); `start of W` is W's first instant and `end of W`
its last (one microsecond before its exclusive end), from the participant's anchor for a
relative window (null when the anchor is null); `p + 6 months` moves by the SQL of
:func:`rulekit.sql.metrics.relative_end`, the rule of relative windows. No expression
depends on the session time zone: every conversion names its zone.
"""

from __future__ import annotations

import datetime as dt

from sqlglot import exp

from rulekit import ir, timeutil
from rulekit.errors import CompileError
from rulekit.sql import build as b
from rulekit.sql.exprs import Operand, Scope, as_instants, compare, operand

ONE_MICROSECOND = dt.timedelta(microseconds=1)


def point_compare(expr: ir.Compare, scope: Scope) -> exp.Expression:
    """``left op right`` over two points in time."""
    return compare(expr.op, _point(expr.left, scope), _point(expr.right, scope))


def _point(expr: ir.Expr, scope: Scope) -> Operand:
    """A point as a naive-UTC TIMESTAMP operand."""
    if isinstance(expr, ir.WindowBound):
        return Operand(_bound(expr, scope), kind=ir.ColumnType.TIMESTAMP)
    if isinstance(expr, ir.Shift):
        from rulekit.sql.metrics import relative_end

        base = _point(expr.base, scope)
        return Operand(relative_end(base.num, expr.signed, scope.tz), kind=ir.ColumnType.TIMESTAMP)
    found = operand(expr, scope)
    if found.kind is ir.ColumnType.DATE:  # a date column or literal: its local midnight
        found = as_instants(found, Operand(b.null(), kind=ir.ColumnType.TIMESTAMP), scope.tz)[0]
    return found


def _bound(expr: ir.WindowBound, scope: Scope) -> exp.Expression:
    window = scope.windows.get(expr.window)
    if window is None:
        raise CompileError(f"unknown window {expr.window!r} in {scope.what}")
    if window.utc_bounds is not None:  # fixed dates: the instant is computed here, as in `decide`
        start, end = window.utc_bounds
        return b.timestamp(end - ONE_MICROSECOND if expr.end else start)
    assert window.anchor is not None and window.length is not None  # a relative window
    anchor = _point(ir.NameRef(window.anchor), scope).num
    start_sql, end_sql = relative_bounds(anchor, window, scope.tz)
    if not expr.end:
        return start_sql
    return exp.Sub(this=exp.Paren(this=end_sql), expression=b.interval(1, "MICROSECOND"))


def relative_bounds(anchor: exp.Expression, window: object, tz: str) -> tuple[exp.Expression, exp.Expression]:
    """``[start, end)`` of a relative window from its anchor's instant (``window_bounds`` of
    :mod:`rulekit.sql.metrics`, for an anchor read through a clause's scope)."""
    from rulekit.plan.model import WindowPlan
    from rulekit.sql.metrics import _through_end_of_day, relative_end

    assert isinstance(window, WindowPlan) and window.length is not None
    until = relative_end(anchor, window.length, tz)
    end: exp.Expression = _through_end_of_day(until, tz) if window.inclusive else until
    if window.within is None:
        return anchor, end
    cut_start = b.greatest(anchor.copy(), b.timestamp(window.within[0]))
    cut_end = b.least(end, b.timestamp(window.within[1]))
    return cut_start, b.greatest(cut_start.copy(), cut_end)


__all__ = ["point_compare", "relative_bounds", "timeutil"]
