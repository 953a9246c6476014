"""Explanations of nested aggregates (issue 10, construct 4: sub-entities and links).

A metric such as ``good_listings = count listings during march where listing_orders >= 1
and photos >= 3`` counts rows of an entity table by their own metrics. Explanations say
which rule a listing must meet — in a settlement row and in a decision alike — and a
decision, which has the rows, also names the listings that count::

    2 of its listings count for qualifying new listings: L101, L102 (listings within the
    march window (by their creation time) whose orders of the listing is at least 1 and
    whose number of photos is at least 3)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from rulekit.plan import Level, MetricPlan, Plan

if TYPE_CHECKING:
    from rulekit.render.words import Words


def nested_metrics(plan: Plan) -> tuple[MetricPlan, ...]:
    """Participant metrics over an entity table whose ``where`` reads its entity metrics."""
    # The entity tables once, not one scan of every metric per metric: a decision of a
    # program with 1,000 metrics spent 3.6 s here (tests/test_limits.py).
    entities = {m.entity for m in plan.metrics if m.level is Level.ENTITY}
    return tuple(
        m
        for m in plan.metrics
        if m.level is Level.PARTICIPANT and m.table is not None and m.where is not None and m.table in entities
    )


def counting_rule(plan: Plan, metric: MetricPlan) -> str:
    """Which rows the metric keeps, in words: "listings within … whose … is at least 1"."""
    from rulekit.render.words import Subject

    words = _words(plan)
    rows = words.rows_noun(metric.table or "")
    rule = rows
    if metric.window is not None:
        rule += f" within {words.window_phrase(metric.window.name)}"
    if metric.where is not None:
        rule += f" {words.expr(metric.where, Subject.rows())}"
    return rule


def counted_lines(plan: Plan, metrics: Mapping[str, object]) -> list[str]:
    """The rule of every nested metric with its value (a settlement row's explanation)."""
    lines = []
    for metric in nested_metrics(plan):
        if metric.name in metrics:
            lines.append(f"  {metric.label} {metrics[metric.name]}: counts {counting_rule(plan, metric)}")
    return ["Counted:", *lines] if lines else []


def counted_notes(plan: Plan, counted: Mapping[str, Sequence[str]]) -> list[str]:
    """A decision's notes naming the rows each nested metric kept."""
    notes = []
    for metric in nested_metrics(plan):
        keys = counted.get(metric.name)
        if keys is None:
            continue
        rows = _words(plan).rows_noun(metric.table or "")
        named = ": " + ", ".join(keys) if keys else ""
        notes.append(f"{len(keys)} of its {rows} count for {metric.label}{named} ({counting_rule(plan, metric)})")
    return notes


def entity_key(plan: Plan, metric: MetricPlan) -> str | None:
    """The key column naming each row of the metric's entity table."""
    table = plan.table(metric.table or "")
    return table.key[0] if table is not None and len(table.key) == 1 else None


__all__ = ["counted_lines", "counted_notes", "counting_rule", "entity_key", "nested_metrics"]


def _words(plan: Plan) -> Words:
    # Imported when an explanation is worded: the renderer's worked examples run the
    # evaluator, whose decisions use this module, so neither may import the other at load.
    from rulekit.render.formatting import Formatter
    from rulekit.render.words import Words

    return Words(plan.program, Formatter("en-US", plan.currency), plan)
