"""Calendar buckets (issue 10, construct 3): metrics `by day`/`week`/`month`, and the
metrics that count the buckets meeting a condition (`count days …`, `longest streak of
days …`). Diagnostics RK320–RK324; the meaning is in ``docs/semantics.md``."""

from __future__ import annotations

from rulekit import codes, ir
from rulekit import types as t
from rulekit.checks.context import Context
from rulekit.plan.aggregates import aggregate
from rulekit.plan.kinds import kind_of
from rulekit.plan.model import Empty
from rulekit.plan.names import NameKind, ResolvedName, Scope, ScopeKind, bucket_unit, metric_parts, metric_type


def check_bucket_aggregate(ctx: Context, agg: ir.Aggregate) -> None:
    """A metric `by day`: an aggregate with a value on every bucket, not `per` a member,
    over a table whose rows have times (RK324)."""
    unit = agg.filters.bucket
    if unit is None:
        return
    span = agg.filters.bucket_span or agg.span
    if aggregate(agg.func).empty is not Empty.ZERO:  # every bucket needs a value, empty ones too
        ctx.error(
            codes.RK324,
            f"`{agg.func.value}` has no value on a {unit.value} without rows, "
            f"so it cannot be counted `by {unit.value}`",
            span,
            f"count or sum by {unit.value} instead, "
            f"like `metric {unit.value}_rows = count {agg.table} by {unit.value}`",
        )
    if agg.filters.per is not None:
        ctx.error(
            codes.RK324,
            f"`by {unit.value}` cannot be combined with `per {agg.filters.per}`",
            span,
            f"remove `per {agg.filters.per}`: a metric by {unit.value} has one value per participant and {unit.value}",
        )
    table = ctx.program.table(agg.table)
    if table is not None and table.time is None and table.period is None:
        ctx.error(
            codes.RK205,
            f"`by {unit.value}` needs the time of each row, but `{table.name}` has no `time` or `period`",
            span,
            f"add `time: COLUMN` (or `period: START to END`) to `table {table.name}`",
        )


def check_bucket_count(ctx: Context, metric: ir.Metric, count: ir.BucketCount) -> None:
    """`count days during W where …`: a window with dates (RK321, RK322) and a condition
    over the metrics by the same unit (RK323, reported while the condition is typed)."""
    from rulekit.checks.exprs import require_bool  # exprs imports this module lazily

    unit = count.unit
    what = "longest streak of" if count.streak else "count"
    if count.window is None:
        ctx.error(
            codes.RK321,
            f"`{what} {unit.plural}` needs a window: which {unit.plural} are there to count?",
            count.span,
            f"add the window, like `metric {metric.name} = {what} {unit.plural} "
            f"during {_window_name(ctx.program)} where {ctx.snippet(count.condition.span)}`",
        )
    else:
        window = ctx.program.window(count.window)
        if window is None:
            names = [w.name for w in ctx.program.windows]
            ctx.unknown(codes.RK104, "window", count.window, names, count.window_span, "window")
        elif isinstance(window, ir.RelativeWindow):
            ctx.error(
                codes.RK322,
                f"window `{window.name}` has no fixed dates, so its {unit.plural} are not known",
                count.window_span or count.span,
                "count in a window with dates, like `window challenge: from 2024-03-01 to 2024-03-30 inclusive`",
            )
    require_bool(ctx, count.condition, Scope.of_bucket(unit), f"the condition of `{what} {unit.plural}`")


def report_bucket_name(ctx: Context, ref: ir.NameRef, found: ResolvedName, scope: Scope) -> None:
    """A name that exists but cannot be read here: a bucket metric outside a bucket
    condition (RK320), or anything else inside one (RK323)."""
    if scope.kind is ScopeKind.BUCKET:
        unit = scope.bucket or ir.BucketUnit.DAY
        other = bucket_unit(found.metric) if found.metric is not None else None
        if found.kind is NameKind.BUCKET_METRIC and other is not None:
            message = f"`{ref.name}` has one value per {other.value}, but the {unit.plural} here are counted"
        else:
            message = f"`{ref.name}` has no value per {unit.value}; this condition tests each {unit.value}"
        ctx.error(
            codes.RK323,
            message,
            ref.span,
            f"define a metric by {unit.value}, like "
            f"`metric {unit.value}_rows = count {_timed_table(ctx.program)} by {unit.value}`, and test it",
        )
        return
    _used_as_number(ctx, ref.name, ref.span)


def _used_as_number(ctx: Context, name: str, span: ir.Span | None) -> None:
    metric = ctx.program.metric(name)
    unit = bucket_unit(metric) if metric is not None else None
    if unit is None:
        return
    assert metric is not None
    zero = _ZERO.get(metric_type(ctx.program, metric).kind, "0")
    ctx.error(
        codes.RK320,
        f"`{name}` has one value per {unit.value}, not one number per participant",
        span,
        f"count the {unit.plural} that meet a condition, like `metric active_{unit.plural} = count {unit.plural} "
        f"during {_window_name(ctx.program)} where {name} > {zero.format(currency=_symbol(ctx))}`, and use that",
    )


# A zero of each kind of bucket metric, as the hints write it.
_ZERO = {t.Kind.DURATION: "0 minutes", t.Kind.MONEY: "{currency}0"}


def _symbol(ctx: Context) -> str:
    currency = ctx.program.header.currency if ctx.program.header else None
    return {"GBP": "£", "EUR": "€"}.get(currency or "USD", "$")


def _window_name(program: ir.Program) -> str:
    """A window with dates of the program for the hints (`challenge` when it has none)."""
    return next((w.name for w in program.windows if isinstance(w, ir.AbsoluteWindow)), "challenge")


def _timed_table(program: ir.Program) -> str:
    """A table whose rows have times, for the hints (`orders` when there is none)."""
    return next((x.name for x in program.tables if x.time is not None or x.period is not None), "orders")


def check_bucket_uses(ctx: Context) -> None:
    """Bucket metrics read as one number: by a computed metric or a ratio, a ranking or a
    reward (clauses are reported where their names are typed)."""
    program = ctx.program
    for metric in program.metrics:
        if isinstance(metric.definition, ir.Ratio | ir.Computed):
            for part in metric_parts(metric.definition):
                _used_as_number(ctx, part, metric.definition.span)
    for ranking in program.rankings:
        for key in ranking.keys:
            _used_as_number(ctx, key.name, key.span)
    for reward in program.rewards:
        paid_on = kind_of(reward).metric(reward)
        if paid_on is not None:
            _used_as_number(ctx, paid_on[0], paid_on[1])


def is_bucket_metric(program: ir.Program, name: str) -> bool:
    """Whether ``name`` is a metric `by day`/`week`/`month`."""
    metric = program.metric(name)
    return metric is not None and bucket_unit(metric) is not None
