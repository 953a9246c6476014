"""Clauses: conditions and guards are booleans over the participant; rate rules
state a minimum sample (RK603); gates that can never be met (RK604)."""

from __future__ import annotations

from decimal import Decimal

from rulekit import codes, ir
from rulekit import types as t
from rulekit.checks.context import Context
from rulekit.checks.exprs import names_in, require_bool
from rulekit.diagnostics import Fix, warning
from rulekit.plan.aggregates import aggregate
from rulekit.plan.names import PARTICIPANT_SCOPE, metric_type


def check_clauses(ctx: Context) -> None:
    for clause in ctx.program.clauses:
        label = f"the condition of {clause.kind.value} `{clause.name}`"
        require_bool(ctx, clause.condition, PARTICIPANT_SCOPE, label)
        if clause.guard is not None:
            require_bool(ctx, clause.guard, PARTICIPANT_SCOPE, f"the `when` guard of `{clause.name}`")
        if clause.kind in (ir.ClauseKind.DISQUALIFY, ir.ClauseKind.WARN) and clause.guard is None:
            _rate_rule(ctx, clause)
        if clause.kind in (ir.ClauseKind.GATE, ir.ClauseKind.ELIGIBLE):
            _satisfiable(ctx, clause)


def _rate_rule(ctx: Context, clause: ir.Clause) -> None:
    for ref in names_in(clause.condition):
        metric = ctx.program.metric(ref.name)
        if metric is None or not isinstance(metric.definition, ir.Ratio):
            continue
        guard = f"when {metric.definition.denominator} >= {_sample_size(ctx, metric.definition.denominator)}"
        end = clause.condition.span
        ctx.diagnostics.append(
            warning(
                codes.RK603,
                f"{clause.kind.value} `{clause.name}` judges the rate `{ref.name}` without a minimum sample",
                ref.span,
                f"state a minimum sample, like `{guard}`, so a handful of cases do not decide it",
                (Fix(ir.Span(end.file, end.end_line, end.end_column, end.end_line, end.end_column), f" {guard}"),),
            )
        )
        return


def _sample_size(ctx: Context, denominator: str) -> str:
    """A minimum sample written in the denominator's own unit, so the suggestion checks."""
    metric = ctx.program.metric(denominator)
    kind = metric_type(ctx.program, metric).kind if metric is not None else t.Kind.COUNT
    currency = ctx.program.header.currency if ctx.program.header else None
    if kind is t.Kind.DURATION:
        return "20 hours"
    if kind is t.Kind.MONEY:
        symbol = next((s for s, code in ir.CURRENCY_SYMBOLS.items() if code == currency), "$")
        return f"{symbol}1,000"
    return "20"


def _satisfiable(ctx: Context, clause: ir.Clause) -> None:
    reason = _impossible(ctx, clause.condition)
    if reason is not None:
        ctx.warning(
            codes.RK604,
            f"{clause.kind.value} `{clause.name}` can never be met: {reason}",
            clause.condition.span,
            "check the comparison and the numbers",
        )


def _impossible(ctx: Context, expr: ir.Expr) -> str | None:
    """Why ``expr`` is false for every participant, or ``None`` if it may hold."""
    if isinstance(expr, ir.Bool) and not expr.value:
        return "the condition is `false`"
    parts = expr.operands if isinstance(expr, ir.BoolOp) and expr.op is ir.BoolOperator.AND else (expr,)
    bounds: dict[str, list[tuple[ir.CompareOp, Decimal]]] = {}
    for part in parts:
        found = _bound(part)
        if found is None:
            continue
        name, op, value = found
        below_zero = (op is ir.CompareOp.LT and value <= 0) or (op is ir.CompareOp.LE and value < 0)
        if below_zero and _never_negative(ctx, name):
            return f"`{name}` is never below zero"
        bounds.setdefault(name, []).append((op, value))
    for name, limits in bounds.items():
        if _contradicts(limits):
            return f"no value of `{name}` satisfies every comparison"
    return None


def _bound(expr: ir.Expr) -> tuple[str, ir.CompareOp, Decimal] | None:
    """``name OP literal`` (or the mirror image) as a numeric bound."""
    if not isinstance(expr, ir.Compare):
        return None
    flipped = {
        ir.CompareOp.LT: ir.CompareOp.GT,
        ir.CompareOp.LE: ir.CompareOp.GE,
        ir.CompareOp.GT: ir.CompareOp.LT,
        ir.CompareOp.GE: ir.CompareOp.LE,
        ir.CompareOp.EQ: ir.CompareOp.EQ,
        ir.CompareOp.NE: ir.CompareOp.NE,
    }
    if isinstance(expr.left, ir.NameRef) and (value := _number(expr.right)) is not None:
        return expr.left.name, expr.op, value
    if isinstance(expr.right, ir.NameRef) and (value := _number(expr.left)) is not None:
        return expr.right.name, flipped[expr.op], value
    return None


def _number(expr: ir.Expr) -> Decimal | None:
    match expr:
        case ir.Number():
            return expr.value
        case ir.Money():
            return expr.amount
        case ir.Percent():
            return expr.fraction
        case ir.Duration() if not expr.unit.months:  # months have no length (RK308)
            return expr.total_seconds
    return None


def _never_negative(ctx: Context, name: str) -> bool:
    metric = ctx.program.metric(name)
    if metric is None:
        return False
    if isinstance(metric.definition, ir.Aggregate):
        return aggregate(metric.definition.func).never_negative
    return metric_type(ctx.program, metric).kind is t.Kind.COUNT


def _contradicts(limits: list[tuple[ir.CompareOp, Decimal]]) -> bool:
    low: tuple[Decimal, bool] | None = None  # (value, inclusive)
    high: tuple[Decimal, bool] | None = None
    for op, value in limits:
        if op in (ir.CompareOp.GT, ir.CompareOp.GE, ir.CompareOp.EQ):
            candidate = (value, op is not ir.CompareOp.GT)
            if low is None or candidate[0] > low[0] or (candidate[0] == low[0] and not candidate[1]):
                low = candidate
        if op in (ir.CompareOp.LT, ir.CompareOp.LE, ir.CompareOp.EQ):
            candidate = (value, op is not ir.CompareOp.LT)
            if high is None or candidate[0] < high[0] or (candidate[0] == high[0] and not candidate[1]):
                high = candidate
    if low is None or high is None:
        return False
    return low[0] > high[0] or (low[0] == high[0] and not (low[1] and high[1]))
