"""Per-entity metrics in SQL (issue 10, construct 4: sub-entities and links).

For an entity table ``listings`` with ``per listing`` metrics, one CTE holds every
listing row with its declared columns and the metrics' values (``m__<metric>``, and
``d__<metric>`` for averages), so a metric over ``listings`` reads them like columns:

* per metric, ``SELECT k.__pid, k.__eid, AGG(CASE WHEN keep THEN x END) FROM (SELECT
  DISTINCT <pk>, <key> FROM listings) k JOIN orders e ON e.<link> = k.__eid JOIN
  <participants> p ON p.<pk> = k.__pid GROUP BY 1, 2`` (the participant is joined so
  that relative windows and filters on its columns resolve, as for any metric);
* then ``listings t LEFT JOIN`` those on the participant and the key, with
  ``COALESCE(v, 0)`` for counts and sums: a listing without orders has 0 of them.

Null link values join nothing, an orphan (a link value that is no listing's key) joins
no listing, and listing rows that share a key each read that key's rows: the meaning
``rulekit.pyeval.entities`` gives in Python.
"""

from __future__ import annotations

from sqlglot import exp

from rulekit import ir
from rulekit.plan import Empty, MetricPlan, Shape
from rulekit.sql import build as b
from rulekit.sql.exprs import CompileError
from rulekit.sql.metrics import PID, Context, E, P, den_col, entity_cte_name, event_filter, metric_col
from rulekit.sql.metrics import _aggregate as aggregate_of
from rulekit.sql.metrics import _only_when as only_when

EID = "__eid"
_K = "k"
_T = "t"


def entity_tables(ctx: Context) -> list[str]:
    """The entity tables that have per-entity metrics, in source order."""
    return [t.name for t in ctx.plan.tables if ctx.plan.entity_metrics(t.name)]


def entity_ctes(ctx: Context) -> None:
    """Add the CTE of every entity table with per-entity metrics (before the frames)."""
    for table in entity_tables(ctx):
        _entity_cte(ctx, table)


def _entity_cte(ctx: Context, table: str) -> None:
    planned = ctx.plan.table(table)
    assert planned is not None
    key = planned.key[0]
    query = exp.Select(expressions=[b.alias(b.col(c.name, _T), c.name) for c in planned.decl.columns])
    query = query.from_(b.table(table, _T))
    for index, metric in enumerate(ctx.plan.entity_metrics(table)):
        alias = f"a{index}"
        name = _metric_cte(ctx, metric, table, key, index)
        on = b.and_(
            exp.EQ(this=b.col(PID, alias), expression=b.col(ctx.pk, _T)),
            exp.EQ(this=b.col(EID, alias), expression=b.col(key, _T)),
        )
        query = query.join(ctx.ref(name, alias), on=on, join_type="left", copy=False)
        value: exp.Expression = b.col("v", alias)
        if metric.empty is Empty.ZERO:
            value = b.coalesce(value, b.integer(0))
        query = query.select(b.alias(value, metric_col(metric.name)), copy=False)
        if metric.shape is Shape.QUOTIENT:
            den = b.coalesce(b.col("d", alias), b.integer(0))
            query = query.select(b.alias(den, den_col(metric.name)), copy=False)
    ctx.add(entity_cte_name(table), query)


def _metric_cte(ctx: Context, metric: MetricPlan, entity: str, key: str, index: int) -> str:
    """One entity metric: its aggregate per (participant, entity key)."""
    link = metric.link
    child = ctx.plan.table(metric.table or "")
    definition = metric.decl.definition
    if link is None or child is None or not isinstance(definition, ir.Aggregate):
        raise CompileError(f"metric {metric.name}: no link from {metric.table} to {entity}")
    value, den = aggregate_of(ctx, definition, child.decl)
    keep = event_filter(ctx, child.decl, definition.filters)
    if not (isinstance(keep, exp.Boolean) and keep.this is True):
        value = only_when(value, keep)
        den = only_when(den, keep.copy()) if den is not None else None
    keys = (
        exp.Select(expressions=[b.alias(b.col(ctx.pk, _T), PID), b.alias(b.col(key, _T), EID)])
        .from_(b.table(entity, _T))
        .distinct()
    )
    projections = [b.col(PID, _K), b.col(EID, _K), b.alias(value, "v")]
    if den is not None:
        projections.append(b.alias(den, "d"))
    on_child = exp.EQ(this=b.col(link.column, E), expression=b.col(EID, _K))
    on_participant = exp.EQ(this=b.col(ctx.pk, P), expression=b.col(PID, _K))
    query = (
        exp.Select(expressions=projections)
        .from_(exp.Subquery(this=keys, alias=exp.TableAlias(this=b.ident(_K))))
        .join(b.table(child.name, E), on=on_child)
        .join(b.table(ctx.ptable.name, P), on=on_participant)
        .group_by(b.col(PID, _K), b.col(EID, _K))
    )
    name = f"entity_metric{index}_{entity}"
    ctx.add(name, query)
    return name
