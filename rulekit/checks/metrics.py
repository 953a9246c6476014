"""Metrics: their tables, columns, windows, `where` filters and `per` levels."""

from __future__ import annotations

from rulekit import codes, ir
from rulekit import types as t
from rulekit.checks.arith import check_bases, check_computed, reaches
from rulekit.checks.buckets import check_bucket_aggregate, check_bucket_count, check_bucket_uses
from rulekit.checks.context import Context, member_nouns
from rulekit.checks.exprs import require_bool
from rulekit.checks.links import check_entity_per
from rulekit.diagnostics import suggest
from rulekit.plan.aggregates import aggregate
from rulekit.plan.names import Scope


def check_metrics(ctx: Context) -> None:
    for metric in ctx.program.metrics:
        if isinstance(metric.definition, ir.Ratio):
            _ratio(ctx, metric, metric.definition)
        elif isinstance(metric.definition, ir.Computed):
            check_computed(ctx, metric, metric.definition)
        elif isinstance(metric.definition, ir.BucketCount):  # calendar buckets (issue 10)
            check_bucket_count(ctx, metric, metric.definition)
        else:
            _aggregate(ctx, metric.definition)
    check_bases(ctx)
    check_bucket_uses(ctx)


def event_table(ctx: Context, name: str, span: ir.Span | None) -> ir.Table | None:
    """The table ``name``, reporting it when unknown (RK101)."""
    table = ctx.program.table(name)
    if table is None:
        ctx.unknown(codes.RK101, "table", name, [x.name for x in ctx.program.tables], span, "table")
    return table


def _aggregate(ctx: Context, agg: ir.Aggregate) -> None:
    table = event_table(ctx, agg.table, agg.table_span)
    if table is None:
        return
    if agg.column is not None:
        column = table.column(agg.column)
        if column is None:
            hint = suggest(agg.column, [c.name for c in table.columns])
            ctx.error(codes.RK102, f"table `{table.name}` has no column `{agg.column}`", agg.column_span, hint)
        elif aggregate(agg.func).column == "numeric":
            _numeric_column(ctx, agg, column)
    if aggregate(agg.func).period and table.period is None:
        ctx.error(
            codes.RK204,
            f"`total time` needs a table of intervals, but `{table.name}` has no `period` line",
            agg.table_span,
            f"add `period: START to END` to `table {table.name}`",
        )
    check_filters(ctx, table, agg.filters, agg.table_span)
    check_bucket_aggregate(ctx, agg)


def _numeric_column(ctx: Context, agg: ir.Aggregate, column: ir.Column) -> None:
    value = t.of_column(column, ctx.currency)
    summing_shares = not aggregate(agg.func).sums_percent and value.kind is t.Kind.PERCENT
    if value.is_numeric and not summing_shares:
        return
    ctx.error(
        codes.RK203,
        f"`{agg.func.value}` needs numbers, but `{agg.table}.{column.name}` is {value.describe()}",
        agg.column_span,
        "use `count` or `count distinct` for a column that is not a number",
    )


def check_filters(ctx: Context, table: ir.Table, filters: ir.Filters, table_span: ir.Span | None) -> None:
    """`during`, `where` and `per` of a metric or a per-order reward over ``table``."""
    program = ctx.program
    if filters.window is not None:
        if program.window(filters.window) is None:
            names = [w.name for w in program.windows]
            ctx.unknown(codes.RK104, "window", filters.window, names, filters.window_span, "window")
        elif table.time is None and table.period is None:
            ctx.error(
                codes.RK205,
                f"`during {filters.window}` needs the time of each row, but `{table.name}` has no `time` or `period`",
                filters.window_span,
                f"add `time: COLUMN` (or `period: START to END`) to `table {table.name}`",
            )
    if filters.where is not None:
        require_bool(ctx, filters.where, Scope.row(table.name), "a `where` filter")
    _links(ctx, table, filters, table_span)


def _links(ctx: Context, table: ir.Table, filters: ir.Filters, table_span: ir.Span | None) -> None:
    program = ctx.program
    if check_entity_per(ctx, table, filters):
        return  # `per listing` (issue 10, construct 4): the rows link through their listing
    key = ctx.participant_key()
    if key is not None and table.column(key) is None:
        ctx.error(
            codes.RK112,
            f"table `{table.name}` has no `{key}` column, so its rows cannot be linked to participants",
            table_span,
            f"add `{key}: string` to `table {table.name}`",
        )
    if filters.per is None:
        return
    if program.member is None or filters.per not in member_nouns(program):
        nouns = [program.member.noun] if program.member else []
        hint = suggest(filters.per, nouns) if nouns else "declare the members, like `member host: hosts`"
        ctx.error(codes.RK106, f"unknown member noun `{filters.per}`", filters.per_span, hint)
        return
    member_key = ctx.member_key()
    if member_key is not None and table.column(member_key) is None:
        ctx.error(
            codes.RK112,
            f"`per {filters.per}` needs a `{member_key}` column, but table `{table.name}` has none",
            filters.per_span,
            f"add `{member_key}: string` to `table {table.name}`",
        )


def _ratio(ctx: Context, metric: ir.Metric, ratio: ir.Ratio) -> None:
    names = [m.name for m in ctx.program.metrics]
    for part, span in ((ratio.numerator, ratio.numerator_span), (ratio.denominator, ratio.denominator_span)):
        if ctx.program.metric(part) is None:
            ctx.unknown(codes.RK103, "metric", part, names, span, "metric")
        elif reaches(ctx.program, part, metric.name, set()):
            ctx.error(
                codes.RK117,
                f"metric `{metric.name}` is defined in terms of itself",
                span,
                "define the ratio from two count, sum or time metrics",
            )
