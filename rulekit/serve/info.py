"""``GET /programs/{name}``: what a program reads and computes, from its plan."""

from __future__ import annotations

from typing import Any

from rulekit.plan.model import ColumnPlan, MetricPlan, Plan, RewardPlan, TablePlan
from rulekit.serve.registry import Slot


def program_info(slot: Slot) -> dict[str, Any]:
    """Name, title, settings, tables with typed columns, metrics, clauses and rewards."""
    program = slot.program
    plan = program.plan
    header = program.ir.header
    return {
        "name": slot.name,
        "title": header.title if header else None,
        "path": slot.path,
        "source_hash": program.source_hash,
        "loaded_at": slot.loaded_at.isoformat(),
        "currency": plan.currency,
        "timezone": plan.timezone,
        "participant": {"noun": plan.participant.noun, "table": plan.participant.table, "key": plan.participant.key},
        "tables": [_table(table, plan) for table in plan.tables],
        "metrics": [_metric(metric) for metric in plan.metrics],
        "clauses": [{"name": c.name, "kind": c.kind.value, "label": c.label} for c in plan.clauses],
        "rewards": [_reward(reward) for reward in plan.rewards],
    }


def _table(table: TablePlan, plan: Plan) -> dict[str, Any]:
    return {
        "name": table.name,
        "level": table.level.value,
        "participant": table.name == plan.participant.table,
        "key": list(table.key),
        "time": table.time,
        "columns": [_column(column) for column in table.columns],
    }


def _column(column: ColumnPlan) -> dict[str, Any]:
    return {
        "name": column.name,
        "type": column.type.kind.value,
        "currency": column.type.currency,
        "label": column.label,
        "required": column.required,
    }


def _metric(metric: MetricPlan) -> dict[str, Any]:
    return {
        "name": metric.name,
        "type": metric.type.kind.value,
        "currency": metric.type.currency,
        "level": metric.level.value,
        "label": metric.label,
    }


def _reward(reward: RewardPlan) -> dict[str, Any]:
    return {"name": reward.name, "kind": reward.kind.name, "label": reward.label}
