"""Computed metrics (``metric growth = q2_sales - q1_sales``): names, units, levels, bases.

The unit rules themselves are :mod:`rulekit.plan.arith`'s; this module reports where a
rule is broken (RK217), arithmetic written inside a condition (RK218), a computation that
mixes member and participant values (RK219) and a fraction used as a reward base (RK220).
"""

from __future__ import annotations

from rulekit import codes, ir, walk
from rulekit import types as t
from rulekit.checks.context import Context
from rulekit.plan import arith
from rulekit.plan.kinds import kind_of
from rulekit.plan.model import Shape
from rulekit.plan.names import is_member_metric, metric_parts, metric_shape, metric_type


def check_computed(ctx: Context, metric: ir.Metric, computed: ir.Computed) -> None:
    """Every name is a metric, no cycle, the units agree, one level."""
    program = ctx.program
    names = [m.name for m in program.metrics]
    known = True
    for ref in arith.metric_names(computed.expr):
        if program.metric(ref.name) is None:
            ctx.unknown(codes.RK103, "metric", ref.name, names, ref.span, "metric")
            known = False
        elif reaches(program, ref.name, metric.name, set()):
            ctx.error(
                codes.RK117,
                f"metric `{metric.name}` is defined in terms of itself",
                ref.span,
                "compute the metric from count, sum or time metrics",
            )
            return
    _zero_divisors(ctx, computed.expr)
    if not known:
        return

    def part(ref: ir.NameRef) -> t.ValueType:
        found = program.metric(ref.name)
        return metric_type(program, found) if found is not None else t.UNKNOWN

    def report(node: ir.Node, problem: arith.Problem) -> None:
        ctx.error(codes.RK217, problem.message, node.span, problem.hint)

    arith.infer(computed.expr, part, report)
    _levels(ctx, metric, computed)


def _zero_divisors(ctx: Context, expr: ir.NumExpr) -> None:
    for node in walk.walk(expr):
        if not (isinstance(node, ir.Arith) and node.op is ir.ArithOp.DIV):
            continue
        if isinstance(node.right, arith.NUMERIC_LITERALS) and arith.literal_fraction(node.right) == 0:
            ctx.error(codes.RK217, "division by zero", node.right.span, "divide by a number other than 0")


def _levels(ctx: Context, metric: ir.Metric, computed: ir.Computed) -> None:
    program = ctx.program
    parts = [m for m in (program.metric(n) for n in metric_parts(computed)) if m is not None]
    member = [m.name for m in parts if is_member_metric(program, m)]
    if member and len(member) < len(parts):
        other = next(m.name for m in parts if m.name not in member)
        noun = program.member.noun if program.member else "member"
        ctx.error(
            codes.RK219,
            f"`{member[0]}` has one value per {noun} but `{other}` has one per participant",
            computed.span,
            f"compute from metrics of one level: define `{other}` with `per {noun}` too, or `{member[0]}` without it",
        )


def reaches(program: ir.Program, start: str, target: str, seen: set[str]) -> bool:
    """Whether metric ``start`` is computed, directly or not, from metric ``target``."""
    if start == target:
        return True
    if start in seen:
        return False
    seen.add(start)
    metric = program.metric(start)
    if metric is None:
        return False
    return any(reaches(program, part, target, seen) for part in metric_parts(metric.definition))


def check_condition(ctx: Context, expr: ir.ArithNode | ir.Shift) -> t.ValueType:
    """Arithmetic written in a clause, guard or filter: RK218, with the metric to define."""
    ctx.error(
        codes.RK218,
        f"`{ctx.snippet(expr.span)}` computes a value inside a condition",
        expr.span,
        "define a metric for it, like `metric growth = q2_sales - q1_sales`, and compare the metric",
    )
    return t.UNKNOWN


def check_bases(ctx: Context) -> None:
    """A computed metric that is a fraction cannot be a rebate, bonus or milestone base (RK220)."""
    program = ctx.program
    for reward in program.rewards:
        paid_on = kind_of(reward).metric(reward)
        if paid_on is None:
            continue
        name, span = paid_on
        metric = program.metric(name)
        if metric is None or not isinstance(metric.definition, ir.Computed):
            continue
        if metric_shape(program, metric) is Shape.QUOTIENT:
            ctx.error(
                codes.RK220,
                f"`{name}` divides by a metric or by a number like 3, so it is a fraction, not an amount to pay on",
                span,
                "compute the base without that division, like `metric base = sales * 50%`",
            )
