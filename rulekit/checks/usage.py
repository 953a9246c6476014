"""Declarations nothing uses (RK601 metrics, RK602 windows)."""

from __future__ import annotations

from rulekit import codes, ir
from rulekit.checks.context import Context
from rulekit.checks.exprs import names_in
from rulekit.checks.points import bound_windows
from rulekit.plan.kinds import kind_of
from rulekit.plan.names import metric_parts


def _expressions(program: ir.Program) -> list[ir.Expr]:
    found: list[ir.Expr] = []
    for clause in program.clauses:
        found.append(clause.condition)
        if clause.guard is not None:
            found.append(clause.guard)
    return found


def used_metrics(program: ir.Program) -> set[str]:
    """Names of metrics referenced by a clause, ranking, reward or another metric."""
    used = {ref.name for expr in _expressions(program) for ref in names_in(expr)}
    used |= {key.name for ranking in program.rankings for key in ranking.keys}
    for metric in program.metrics:
        used |= set(metric_parts(metric.definition))
        definition = metric.definition
        if isinstance(definition, ir.Aggregate) and definition.filters.where is not None:
            # A `per listing` metric is used by the `where` of a metric over listings (issue 10, construct 4).
            used |= {ref.name for ref in names_in(definition.filters.where)}
    for reward in program.rewards:
        paid_on = kind_of(reward).metric(reward)
        if paid_on is not None:
            used.add(paid_on[0])
    return used


def used_windows(program: ir.Program) -> set[str]:
    used = {m.definition.filters.window for m in program.metrics if isinstance(m.definition, ir.Aggregate)}
    used |= {m.definition.window for m in program.metrics if isinstance(m.definition, ir.BucketCount)}  # issue 10
    orders = [kind_of(r).order(r) for r in program.rewards]
    used |= {o.filters.window for o in orders if o is not None}
    if program.payout is not None and program.payout.due is not None:
        used.add(program.payout.due.after)
    # A window that cuts a relative window (`within W`) is used by it.
    used |= {w.within for w in program.windows if isinstance(w, ir.RelativeWindow)}
    used |= bound_windows(program)  # `end of W` in a condition (issue 10)
    return {w for w in used if w is not None}


def check_usage(ctx: Context) -> None:
    program = ctx.program
    used = used_metrics(program)
    for metric in program.metrics:
        # A labelled metric is a reported figure (settlements and documents show it),
        # so it is used even when no rule depends on it.
        if metric.name not in used and metric.text.label is None:
            ctx.warning(
                codes.RK601,
                f"metric `{metric.name}` is not used",
                metric.span,
                "use it in a clause, ranking or reward, give it a `label:` if it is only reported, or delete it",
            )
    windows = used_windows(program)
    for window in program.windows:
        if window.name not in windows:
            ctx.warning(
                codes.RK602,
                f"window `{window.name}` is not used",
                window.span,
                "use it with `during` in a metric or as the payout's `due … after`, or delete it",
            )
