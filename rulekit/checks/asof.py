"""As-of values (issue 10, construct 5): `latest rating in ratings as of end of quarter`.

`latest` / `first` pick a row by time, and `as of POINT` keeps the rows at or before a point:
both need a table whose rows have a `time:` (RK311). The point is one fixed instant for
everyone: a date (and time), or a bound of a window with fixed dates, possibly moved by a
duration (RK312 otherwise); it must be a point in time at all (RK313); and `as of` belongs to
metrics, not to per-order rewards, which look at one order at a time (RK314).
"""

from __future__ import annotations

from rulekit import codes, ir
from rulekit import types as t
from rulekit.checks.context import Context
from rulekit.checks.exprs import infer
from rulekit.plan.aggregates import aggregate
from rulekit.plan.kinds import kind_of
from rulekit.plan.names import PARTICIPANT_SCOPE


def check_asof(ctx: Context) -> None:
    """Every `latest`/`first` aggregate and every `as of` of the program."""
    for metric in ctx.program.metrics:
        if isinstance(metric.definition, ir.Aggregate):
            _aggregate(ctx, metric.definition)
    for reward in ctx.program.rewards:
        order = kind_of(reward).order(reward)
        if order is not None and order.filters.as_of is not None:
            ctx.error(
                codes.RK314,
                f"`as of` cannot narrow the orders of `{reward.name}`: each order is judged on its own",
                order.filters.as_of.span,
                "narrow the orders with `during WINDOW` or `where`, and use `as of` in a metric",
            )


def _aggregate(ctx: Context, agg: ir.Aggregate) -> None:
    table = ctx.program.table(agg.table)
    as_of = agg.filters.as_of
    by_time = aggregate(agg.func).by_time
    if table is None or not (by_time or as_of is not None):
        return
    if table.time is None:
        what = f"`{agg.func.value}`" if by_time else "`as of`"
        ctx.error(
            codes.RK311,
            f"{what} needs the time of each row, but `{table.name}` has no `time:` line",
            agg.span if by_time else (as_of.span if as_of is not None else agg.span),
            f"add `time: COLUMN` to `table {table.name}`, naming its timestamp or date column",
        )
    if as_of is not None:
        _point(ctx, as_of)


def _point(ctx: Context, point: ir.Expr) -> None:
    found = infer(ctx, point, PARTICIPANT_SCOPE)
    if found.is_unknown:
        return
    if found.kind not in (t.Kind.TIMESTAMP, t.Kind.DATE):
        ctx.error(
            codes.RK313,
            f"`as of` needs a point in time, but `{ctx.snippet(point.span)}` is {found.describe()}",
            point.span,
            "write a date, a date and time, or a window's bound, like `as of 2024-03-31 23:59`",
        )
        return
    if not is_fixed(ctx.program, point):
        ctx.error(
            codes.RK312,
            f"`as of {ctx.snippet(point.span)}` is not one moment for everyone",
            point.span,
            "use a date, or a bound of a window with fixed dates, like `as of 2024-03-31 23:59`",
        )


def is_fixed(program: ir.Program, point: ir.Expr) -> bool:
    """Whether a point is the same instant for every participant (a literal, a fixed window's bound)."""
    match point:
        case ir.DateValue():
            return True
        case ir.WindowBound(window=name):
            return isinstance(program.window(name), ir.AbsoluteWindow)
        case ir.Shift(base=base):
            return is_fixed(program, base)
    return False
