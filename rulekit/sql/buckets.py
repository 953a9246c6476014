"""Calendar buckets in ``settle`` (issue 10, construct 3): ``count days …`` and
``longest streak of days …`` as CTEs.

The buckets of the window are worked out once in Python (:func:`rulekit.buckets.buckets`,
the same boundaries ``decide`` uses) and embedded as a ``VALUES`` table of naive-UTC
instants, so nothing depends on the session's time zone. Then:

* one CTE per bucket metric: its aggregate per participant and bucket, events joined to
  the bucket they fall in, intervals to every bucket they overlap, their time cut at the
  bucket's edges (and at the edges of the metric's own window);
* a grid of every participant and every bucket, each metric ``0`` where no row fell;
* the condition per grid cell; the count is the number of true cells, the streak the
  largest group of consecutive true buckets (``index - ROW_NUMBER()`` is constant along a
  run).
"""

from __future__ import annotations

import dataclasses

from sqlglot import exp

from rulekit import ir
from rulekit.buckets import Bucket, buckets
from rulekit.plan import MetricPlan
from rulekit.plan.aggregates import aggregate
from rulekit.sql import build as b
from rulekit.sql.exprs import CompileError, Operand, Scope, condition, local_midnight
from rulekit.sql.metrics import PID, Context, E, P, column_value, event_filter, window_bounds

BIDX, BSTART, BEND, OK = "__bidx", "__bstart", "__bend", "__ok"
K = "k"


def bucket_count_cte(ctx: Context, metric: MetricPlan) -> tuple[str, str] | exp.Expression:
    """The CTE holding ``metric`` per participant (``__pid``, ``v``), as ``(cte, alias)``
    to left-join on ``__pid``; or a constant when the window has no buckets."""
    count = metric.count
    assert count is not None and metric.window is not None and metric.window.utc_bounds is not None
    cut = buckets(*metric.window.utc_bounds, count.unit, ctx.tz)
    if not cut:
        return b.integer(0)
    stem = f"bk_{metric.name}"
    ctx.add(f"{stem}_buckets", _values(cut))
    parts = [ctx.metric(name) for name in metric.depends]
    for index, part in enumerate(parts):
        ctx.add(f"{stem}_p{index}", _part_query(ctx, part, ctx.ref(f"{stem}_buckets", K)))
    ctx.add(f"{stem}_flags", _flags(ctx, stem, parts, count.condition))
    flags = ctx.ref(f"{stem}_flags", "f")
    query = _streak(flags) if count.streak else _count(flags)
    ctx.add(stem, query)
    return (stem, f"bk{len(ctx.ctes)}")


def _values(cut: list[Bucket]) -> exp.Select:
    rows = [
        exp.Tuple(
            expressions=[
                b.integer(x.index),
                b.timestamp(x.start.replace(tzinfo=None)),
                b.timestamp(x.end.replace(tzinfo=None)),
            ]
        )
        for x in cut
    ]
    columns = [b.ident(BIDX), b.ident(BSTART), b.ident(BEND)]
    values = exp.Values(expressions=rows, alias=exp.TableAlias(this=b.ident("v"), columns=columns))
    return exp.Select(expressions=[exp.Star()]).from_(values)


def _part_query(ctx: Context, part: MetricPlan, bucket_table: exp.Table) -> exp.Select:
    """One bucket metric per participant and bucket (only the cells with rows)."""
    definition = part.decl.definition
    assert isinstance(definition, ir.Aggregate)
    planned = ctx.plan.table(part.table or "")
    if planned is None:
        raise CompileError(f"metric {part.name}: unknown table {part.table!r}")
    tbl = planned.decl
    keep = event_filter(ctx, tbl, definition.filters)  # its own window and `where`
    value = _value(ctx, definition, tbl)
    if not (isinstance(keep, exp.Boolean) and keep.this is True):
        value = _only(value, keep)
    on_participant = exp.EQ(this=b.col(ctx.pk, E), expression=b.col(ctx.pk, P))
    query = exp.Select(expressions=[b.alias(b.col(ctx.pk, P), PID), b.alias(b.col(BIDX, K), BIDX), b.alias(value, "v")])
    query = query.from_(b.table(tbl.name, E)).join(b.table(ctx.ptable.name, P), on=on_participant)
    query = query.join(bucket_table, on=_in_bucket(ctx, tbl))
    return query.group_by(b.col(ctx.pk, P), b.col(BIDX, K))


def _in_bucket(ctx: Context, tbl: ir.Table) -> exp.Expression:
    """Rows inside the bucket: points by their instant, intervals that overlap it."""
    start, end = b.col(BSTART, K), b.col(BEND, K)
    if tbl.time:
        ts = _instant(ctx, tbl, tbl.time)
        return b.and_(exp.GTE(this=ts, expression=start), exp.LT(this=ts.copy(), expression=end))
    assert tbl.period is not None  # the checker requires a time or a period (RK205)
    lo, hi = _instant(ctx, tbl, tbl.period[0]), _instant(ctx, tbl, tbl.period[1])
    return b.and_(exp.LT(this=lo, expression=end), exp.GT(this=hi, expression=start))


def _instant(ctx: Context, tbl: ir.Table, name: str) -> exp.Expression:
    """A row time as a naive-UTC instant: a `date` column means its local midnight, as in `decide`."""
    column = tbl.column(name)
    ref = b.col(name, E)
    return local_midnight(ref, ctx.tz_name) if column is not None and column.type is ir.ColumnType.DATE else ref


def _value(ctx: Context, agg: ir.Aggregate, tbl: ir.Table) -> exp.Expression:
    entry = aggregate(agg.func)
    if entry.period:
        assert tbl.period is not None
        lo: exp.Expression = b.greatest(_instant(ctx, tbl, tbl.period[0]), b.col(BSTART, K))
        hi: exp.Expression = b.least(_instant(ctx, tbl, tbl.period[1]), b.col(BEND, K))
        if agg.filters.window:
            start, end = window_bounds(ctx, agg.filters.window)
            lo, hi = b.greatest(lo, start), b.least(hi, end)
        return exp.Sum(this=b.greatest(b.micros_between(lo, hi), b.integer(0)))
    if entry.column == "none":
        return entry.sql(None)[0]
    assert agg.column is not None
    return entry.sql(column_value(tbl, agg.column, E))[0]


def _only(aggregate_: exp.Expression, keep: exp.Expression) -> exp.Expression:
    """``AGG(CASE WHEN keep THEN x END)``: the aggregate over the rows kept."""
    argument = aggregate_.this
    if isinstance(argument, exp.Distinct):
        argument.set("expressions", [b.case([(keep, argument.expressions[0])])])
    elif isinstance(argument, exp.Star):
        aggregate_.set("this", b.case([(keep, b.integer(1))]))
    else:
        aggregate_.set("this", b.case([(keep, argument)]))
    return aggregate_


def _flags(ctx: Context, stem: str, parts: list[MetricPlan], test: ir.Expr) -> exp.Select:
    """Every participant and bucket, with the condition's truth (1 or 0)."""
    values: dict[str, Operand] = {}
    query = exp.Select().from_(b.table(ctx.ptable.name, P)).join(ctx.ref(f"{stem}_buckets", K), join_type="cross")
    for index, part in enumerate(parts):
        alias = f"p{index}"
        on = b.and_(
            exp.EQ(this=b.col(PID, alias), expression=b.col(ctx.pk, P)),
            exp.EQ(this=b.col(BIDX, alias), expression=b.col(BIDX, K)),
        )
        query = query.join(ctx.ref(f"{stem}_p{index}", alias), on=on, join_type="left")
        values[part.name] = Operand(b.coalesce(b.col("v", alias), b.integer(0)))  # 0 in a bucket without rows
    scope = Scope(lambda name: _copy(values.get(name)), None, "a metric by bucket", ctx.tz_name)
    ok = b.case([(b.is_true(condition(test, scope)), b.integer(1))], b.integer(0))
    return query.select(b.alias(b.col(ctx.pk, P), PID), b.alias(b.col(BIDX, K), BIDX), b.alias(ok, OK))


def _copy(found: Operand | None) -> Operand | None:
    return dataclasses.replace(found, num=found.num.copy()) if found is not None else None


def _count(flags: exp.Table) -> exp.Select:
    return (
        exp.Select(expressions=[b.alias(b.col(PID, "f"), PID), b.alias(b.sum_(b.col(OK, "f")), "v")])
        .from_(flags)
        .group_by(b.col(PID, "f"))
    )


def _streak(flags: exp.Table) -> exp.Select:
    """The longest run: along a run of true buckets ``index - ROW_NUMBER()`` is constant."""
    number = b.window(exp.RowNumber(), [b.col(PID, "f")], [b.ordered(b.col(BIDX, "f"))])
    runs = (
        exp.Select(
            expressions=[b.alias(b.col(PID, "f"), PID), b.alias(exp.Sub(this=b.col(BIDX, "f"), expression=number), "g")]
        )
        .from_(flags)
        .where(exp.EQ(this=b.col(OK, "f"), expression=b.integer(1)))
    )
    lengths = (
        exp.Select(expressions=[b.alias(b.col(PID, "r"), PID), b.alias(b.count_star(), "n")])
        .from_(exp.Subquery(this=runs, alias=exp.TableAlias(this=b.ident("r"))))
        .group_by(b.col(PID, "r"), b.col("g", "r"))
    )
    return (
        exp.Select(expressions=[b.alias(b.col(PID, "l"), PID), b.alias(exp.Max(this=b.col("n", "l")), "v")])
        .from_(exp.Subquery(this=lengths, alias=exp.TableAlias(this=b.ident("l"))))
        .group_by(b.col(PID, "l"))
    )
