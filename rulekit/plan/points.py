"""The instant of a fixed point in time (issue 10): what `as of POINT` means, worked out once
by the bind pass so that both evaluators read the same instant from the plan.

A fixed point is a date (its local midnight), a date and time (that local moment), `start of W`
or `end of W` of a window with fixed dates (its first instant, or its last: one microsecond
before its exclusive end), or such a point moved by a duration (the rule of relative windows,
:func:`rulekit.timeutil.relative_end`). The checker accepts no other point after `as of` (RK312).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from rulekit import ir, timeutil
from rulekit.plan.model import WindowPlan

ONE_MICROSECOND = dt.timedelta(microseconds=1)


def fixed_instant(point: ir.Expr, windows: Mapping[str, WindowPlan], tz: ZoneInfo) -> dt.datetime | None:
    """The aware UTC instant of ``point``, or ``None`` when it is not a fixed point."""
    match point:
        case ir.DateValue():
            return timeutil.to_utc(point.local(), tz)
        case ir.WindowBound(window=name, end=end):
            window = windows.get(name)
            if window is None or window.utc_bounds is None:
                return None
            start, stop = (b.replace(tzinfo=dt.UTC) for b in window.utc_bounds)
            return stop - ONE_MICROSECOND if end else start
        case ir.Shift(base=base):
            moved = fixed_instant(base, windows, tz)
            return None if moved is None else timeutil.relative_end(moved, point.signed, tz)
    return None
