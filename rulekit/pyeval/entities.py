"""Per-entity metrics in Python (issue 10, construct 4: sub-entities and links).

A metric ``count orders during w per listing`` has one value per row of ``listings``:
the fold of the participant's ``orders`` rows whose link column (``listing_id``) equals
the listing's key, kept by the metric's ``during`` and ``where``. The values are added
to the listing rows under the metric's name, so a ``where`` over ``listings`` reads them
like columns (the nested aggregate ``count listings where listing_orders >= 1``).

* a listing with no linked rows gets the aggregate's value over no rows (0 for counts
  and sums, no value for min/max/average);
* a row whose link column is null belongs to no listing; a row whose link value is the
  key of no listing (an orphan) is counted nowhere; two listing rows with the same key
  both read the rows linked to that key. ``settle`` does exactly the same in SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rulekit import ir
from rulekit.errors import FactsError
from rulekit.facts import Row
from rulekit.plan import Level, MetricPlan, Plan
from rulekit.pyeval.metrics import Bounds, BoundsFn, MetricFn, RowFilter, compile_aggregate, compile_row_filter
from rulekit.pyeval.types import ValueType
from rulekit.pyeval.types import metric_type as value_type


@dataclass(frozen=True)
class EntityStep:
    """One entity metric compiled: its fold over linked rows and how the rows link."""

    name: str
    entity: str  # the entity table (``listings``)
    table: str  # the linked table (``orders``)
    column: str  # the link column in ``table``
    key: str  # the key column of ``entity`` it points at
    window: str | None
    fold: MetricFn


def entity_names(plan: Plan, table: str) -> dict[str, ValueType]:
    """The entity metrics a ``where`` over ``table`` may read, with their value types."""
    return {m.name: value_type(plan.program, m.decl) for m in plan.entity_metrics(table)}


def compile_entities(plan: Plan) -> list[EntityStep]:
    """Every ``per <entity>`` metric of the plan, compiled once."""
    steps = []
    for metric in plan.metrics:
        if metric.level is Level.ENTITY:
            steps.append(_step(plan, metric))
    return steps


def _step(plan: Plan, metric: MetricPlan) -> EntityStep:
    definition = metric.decl.definition
    assert isinstance(definition, ir.Aggregate) and metric.link is not None and metric.entity is not None
    fold = compile_aggregate(plan.program, definition, plan.tz, as_of=metric.as_of)
    window = metric.window.name if metric.window is not None else None
    link = metric.link
    return EntityStep(metric.name, metric.entity, link.table, link.column, link.target_column, window, fold)


def with_entity_values(
    steps: list[EntityStep],
    tables: dict[str, list[Row]],
    prow: Row,
    windows: dict[str, BoundsFn],
) -> dict[str, list[Row]]:
    """The entity tables' rows with every entity metric's value added (the rest unchanged)."""
    if not steps:
        return tables
    out = dict(tables)
    groups: dict[tuple[str, str], dict[Any, list[Row]]] = {}
    for step in steps:
        linked = groups.get((step.table, step.column))
        if linked is None:
            linked = groups[(step.table, step.column)] = _group(tables.get(step.table, []), step.column)
        bounds: Bounds | None = windows[step.window](prow) if step.window else None
        rows = out.get(step.entity, [])
        out[step.entity] = [{**row, step.name: step.fold(linked.get(row.get(step.key), []), bounds)} for row in rows]
    return out


def _group(rows: list[Row], column: str) -> dict[Any, list[Row]]:
    grouped: dict[Any, list[Row]] = {}
    for row in rows:
        value = row.get(column)
        if value is not None:  # a null link belongs to no entity
            grouped.setdefault(value, []).append(row)
    return grouped


def refuse_given(plan: Plan, facts: Any, is_table: Callable[[str], bool]) -> None:
    """Entity metrics cannot be given with the facts: their rows are. Raise on an attempt."""
    for metric in plan.metrics:
        if metric.level is not Level.ENTITY or metric.entity is None:
            continue
        rows = facts.get(metric.entity)
        given = metric.name in facts and not is_table(metric.name)
        if isinstance(rows, list | tuple):
            given = given or any(isinstance(r, dict) and metric.name in r for r in rows)
        if given:
            raise FactsError(
                f"metric `{metric.name}` has one value per row of `{metric.entity}` and cannot be given; "
                f"give the `{metric.table}` rows it counts instead",
                metric.entity,
                metric.name,
            )


@dataclass(frozen=True)
class CountedStep:
    """A nested aggregate's row filter, to name the entity rows it keeps (explanations)."""

    name: str
    table: str
    key: str
    window: str | None
    keep: RowFilter


def compile_counted(plan: Plan) -> list[CountedStep]:
    """The row filters of the metrics that count entity rows by their entity metrics."""
    from rulekit.explain_links import entity_key, nested_metrics  # explanations import the evaluator

    steps = []
    for metric in nested_metrics(plan):
        definition, key = metric.decl.definition, entity_key(plan, metric)
        table = plan.table(metric.table or "")
        if not isinstance(definition, ir.Aggregate) or key is None or table is None:
            continue
        keep = compile_row_filter(table.decl, definition.filters, plan.tz, plan.program, entity_names(plan, table.name))
        window = metric.window.name if metric.window is not None else None
        steps.append(CountedStep(metric.name, table.name, key, window, keep))
    return steps


def counted_keys(
    steps: list[CountedStep], tables: dict[str, list[Row]], prow: Row, windows: dict[str, BoundsFn]
) -> dict[str, list[str]]:
    """The keys of the rows each nested aggregate keeps, sorted."""
    found = {}
    for step in steps:
        bounds: Bounds | None = windows[step.window](prow) if step.window else None
        kept = (str(row[step.key]) for row in tables.get(step.table, []) if step.keep(row, bounds))
        found[step.name] = sorted(kept)
    return found
