"""Points in time inside conditions (issue 10): `joined_at + 6 months`, `end of program_period`.

A *point* is a timestamp or date column, a date (and time) literal, a window bound
(`start of W`, `end of W`) or a point moved by a duration (`joined_at + 6 months`). Points
compare with points; a point moves only by a duration (RK221); the time between two points
is not computed (RK222: compare with a margin instead); the bound of a window that differs
per participant cannot be used in a `where`, whose rows know no participant (RK223).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from rulekit import codes, ir, walk
from rulekit import types as t
from rulekit.checks.arith import check_condition
from rulekit.checks.context import Context
from rulekit.plan.kinds import kind_of
from rulekit.plan.names import Scope, ScopeKind

Infer = Callable[[Context, ir.Expr, Scope], t.ValueType]

_POINT_KINDS = (t.Kind.TIMESTAMP, t.Kind.DATE)


def is_point(value: t.ValueType) -> bool:
    """Whether a value is a point in time (a timestamp or a date)."""
    return value.kind in _POINT_KINDS


def check_shift(ctx: Context, expr: ir.Shift, scope: Scope, infer: Infer) -> t.ValueType:
    """`base ± duration`: a timestamp when ``base`` is a point; else arithmetic in a condition (RK218)."""
    base = infer(ctx, expr.base, scope)
    if base.is_unknown:
        return t.UNKNOWN
    if not is_point(base):  # arithmetic on numbers in a condition: the one RK218 of checks.arith
        return check_condition(ctx, expr)
    return t.ValueType(t.Kind.TIMESTAMP)


def check_bound(ctx: Context, expr: ir.WindowBound, scope: Scope) -> t.ValueType:
    """`start of W` / `end of W`: W declared; a relative W only where a participant is known."""
    window = ctx.program.window(expr.window)
    if window is None:
        names = [w.name for w in ctx.program.windows]
        ctx.unknown(codes.RK104, "window", expr.window, names, expr.window_span or expr.span, "window")
        return t.UNKNOWN
    if isinstance(window, ir.RelativeWindow) and scope.kind is ScopeKind.ROW:
        which = "end" if expr.end else "start"
        ctx.error(
            codes.RK223,
            f"`{which} of {expr.window}` differs per participant, so a `where` over rows cannot use it",
            expr.span,
            f"keep the rows in the window with `during {expr.window}`, or test the bound in a clause",
        )
        return t.UNKNOWN
    return t.ValueType(t.Kind.TIMESTAMP)


def check_point_arith(ctx: Context, expr: ir.ArithNode, scope: Scope, infer: Infer) -> t.ValueType | None:
    """Arithmetic in a condition that involves a point: RK221 or RK222 (None when no point is involved)."""
    if not isinstance(expr, ir.Arith) or expr.op not in (ir.ArithOp.ADD, ir.ArithOp.SUB):
        return None
    sides = [infer(ctx, side, scope) if isinstance(side, _EXPRS) else t.UNKNOWN for side in (expr.left, expr.right)]
    if not any(is_point(side) for side in sides):
        return None
    if all(is_point(side) for side in sides) and expr.op is ir.ArithOp.SUB:
        left, right = ctx.snippet(expr.left.span), ctx.snippet(expr.right.span)
        ctx.error(
            codes.RK222,
            f"`{ctx.snippet(expr.span)}` is the time between two points in time, which rulekit does not compute",
            expr.span,
            f"compare the two points with a margin instead, like `{left} <= {right} + 30 days`",
        )
        return t.UNKNOWN
    point = expr.left if is_point(sides[0]) else expr.right
    ctx.error(
        codes.RK221,
        f"`{ctx.snippet(expr.span)}` moves a point in time by something that is not a duration",
        expr.span,
        f"move a point in time by a duration written after it, like `{ctx.snippet(point.span)} + 30 days`",
    )
    return t.UNKNOWN


_EXPRS = (
    ir.Money,
    ir.Percent,
    ir.Duration,
    ir.Number,
    ir.String,
    ir.Bool,
    ir.DateValue,
    ir.NameRef,
    ir.QualifiedRef,
    ir.WindowBound,
    ir.Shift,
)


def shift_lengths(program: ir.Program) -> set[int]:
    """The ids of the durations that move a point (calendar months are allowed there)."""
    return {id(node.length) for expr in _conditions(program) for node in walk.walk(expr) if isinstance(node, ir.Shift)}


def bound_windows(program: ir.Program) -> set[str]:
    """The windows a condition names with `start of` / `end of` (they are used)."""
    return {
        node.window for expr in _conditions(program) for node in walk.walk(expr) if isinstance(node, ir.WindowBound)
    }


def _conditions(program: ir.Program) -> Iterator[ir.Expr]:
    """Every condition of the program: clauses, guards and the `where` of metrics and rewards."""
    for clause in program.clauses:
        yield clause.condition
        if clause.guard is not None:
            yield clause.guard
    for metric in program.metrics:
        if isinstance(metric.definition, ir.Aggregate):
            filters = metric.definition.filters
            yield from (e for e in (filters.where, filters.as_of) if e is not None)
    for reward in program.rewards:
        order = kind_of(reward).order(reward)
        if order is not None and order.filters.where is not None:
            yield order.filters.where
