"""Points in time in conditions (issue 10): `joined_at + 6 months`, `end of program_period`.

A comparison with a window bound or a moved point on either side compares *instants*
(aware UTC): a timestamp as it is (naive means UTC), a date as its local midnight, a date
(and time) literal as that local moment, `start of W` as the first instant W covers and
`end of W` as its last (one microsecond before its exclusive end), per participant for a
relative window. `p + 6 months` moves ``p`` by :func:`rulekit.timeutil.relative_end`, the
rule of relative windows (local calendar, end-of-month clamp). A null on either side, or a
relative window without its anchor, makes the comparison unknown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from rulekit import ir, timeutil
from rulekit.pyeval.values import COMPARE_OPS

Env = Mapping[str, Any]
PointFn = Callable[[Env], dt.datetime | None]
# A window's `[start, end)` for the participant whose values are the environment.
WindowFn = Callable[[Any], tuple[dt.datetime, dt.datetime]]
ONE_MICROSECOND = dt.timedelta(microseconds=1)


def is_point_compare(expr: ir.Compare) -> bool:
    """Whether a comparison compares points in time that need this module (a bound or a shift)."""
    return isinstance(expr.left, ir.POINTS) or isinstance(expr.right, ir.POINTS)


def compile_point(
    expr: ir.Expr, tz: Any, windows: Mapping[str, WindowFn], value: Callable[[ir.Expr], Callable[[Env], Any]]
) -> PointFn:
    """``expr`` as a function giving an aware UTC instant (``None`` when unknown).

    ``value`` compiles a column reference to a function of the environment.
    """
    match expr:
        case ir.DateValue():
            moment = timeutil.to_utc(expr.local(), tz)
            return lambda env: moment
        case ir.WindowBound():
            return _bound(expr, windows)
        case ir.Shift():
            return _shift(expr, compile_point(expr.base, tz, windows, value), tz)
    read = value(expr)

    def instant(env: Env) -> dt.datetime | None:
        found = read(env)
        return None if found is None else timeutil.instant(found, tz)

    return instant


def _bound(expr: ir.WindowBound, windows: Mapping[str, WindowFn]) -> PointFn:
    bounds = windows[expr.window]
    end = expr.end

    def bound(env: Env) -> dt.datetime | None:
        start, stop = bounds(env)
        if start > stop:  # a relative window whose anchor is null: no bounds
            return None
        return stop - ONE_MICROSECOND if end else start

    return bound


def _shift(expr: ir.Shift, base: PointFn, tz: Any) -> PointFn:
    length = expr.signed

    def shifted(env: Env) -> dt.datetime | None:
        start = base(env)
        return None if start is None else timeutil.relative_end(start, length, tz)

    return shifted


def compile_point_compare(
    expr: ir.Compare, tz: Any, windows: Mapping[str, WindowFn], value: Callable[[ir.Expr], Callable[[Env], Any]]
) -> Callable[[Env], bool | None]:
    """``left op right`` over two points in time, in three-valued logic."""
    left, right = (compile_point(side, tz, windows, value) for side in (expr.left, expr.right))
    op = COMPARE_OPS[expr.op]

    def test(env: Env) -> bool | None:
        a, b = left(env), right(env)
        return None if a is None or b is None else bool(op(a, b))

    return test
