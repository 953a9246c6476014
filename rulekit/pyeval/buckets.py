"""Calendar buckets in ``decide`` (issue 10, construct 3): ``count days …`` and
``longest streak of days …`` as closures over a participant's rows.

For each bucket of the window (:func:`rulekit.buckets.buckets`, local days, ISO weeks
or months of the program's time zone, clipped to the window), every bucket metric of
the condition is its aggregate over the rows inside ``bucket ∩ its own window``: point
events by their instant, intervals by overlap with their time cut at the bucket's
edges. A bucket without rows has each metric's value over no rows (0). The condition
is then tested per bucket, and the buckets where it is true are counted, or their
longest run of consecutive ones measured.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, cast

from rulekit import ir
from rulekit.buckets import Bucket, buckets, longest_run
from rulekit.facts import Row
from rulekit.plan.model import MetricPlan, Plan
from rulekit.pyeval.exprs import Scope, compile_expr
from rulekit.pyeval.metrics import Bounds, BoundsFn, MetricFn, compile_aggregate
from rulekit.pyeval.types import ValueType

# (the participant row, its rows by table) -> the count
BucketCounter = Callable[[Row, Mapping[str, list[Row]]], int]


@dataclasses.dataclass(frozen=True, slots=True)
class _Part:
    name: str
    table: str
    fn: MetricFn
    window: BoundsFn | None


def compile_bucket_count(plan: Plan, metric: MetricPlan, windows: Mapping[str, BoundsFn]) -> BucketCounter:
    """The closure of a ``count days``/``longest streak of days`` metric."""
    count = metric.count
    assert count is not None and metric.window is not None and metric.window.utc_bounds is not None
    start, end = metric.window.utc_bounds
    cut = buckets(start, end, count.unit, plan.tz)
    parts = [_part(plan, plan.metric(name), metric.window.name, windows) for name in metric.depends]
    names = {p.name: cast(ValueType, _kind(plan, p.name)) for p in parts}
    test = compile_expr(count.condition, Scope(names, {}, plan.tz, what=f"a metric by {count.unit.value}"))

    def counter(prow: Row, tables: Mapping[str, list[Row]]) -> int:
        own = {p.name: p.window(prow) if p.window else None for p in parts}
        flags = [test(_values(parts, own, tables, bucket)) is True for bucket in cut]
        return longest_run(flags) if count.streak else sum(flags)

    return counter


def _part(plan: Plan, found: MetricPlan | None, window: str, windows: Mapping[str, BoundsFn]) -> _Part:
    assert found is not None and found.table is not None
    definition = found.decl.definition
    assert isinstance(definition, ir.Aggregate)
    # The bucket is the row filter's window: `during` always applies, whether or not the
    # metric names a window of its own (which then narrows the bucket).
    timed = dataclasses.replace(definition, filters=dataclasses.replace(definition.filters, window=window))
    own = windows[found.window.name] if found.window is not None else None
    return _Part(found.name, found.table, compile_aggregate(plan.program, timed, plan.tz), own)


def _values(
    parts: list[_Part], own: Mapping[str, Bounds | None], tables: Mapping[str, list[Row]], bucket: Bucket
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for part in parts:
        bounds: Bounds = (bucket.start, bucket.end)
        limit = own[part.name]
        if limit is not None:
            bounds = (max(bounds[0], limit[0]), min(bounds[1], limit[1]))
        rows = tables.get(part.table, []) if bounds[1] > bounds[0] else []
        values[part.name] = part.fn(rows, bounds)  # no rows: the value over no rows (0)
    return values


def _kind(plan: Plan, name: str) -> str:
    found = plan.metric(name)
    assert found is not None
    return found.type.kind.value
