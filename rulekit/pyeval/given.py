"""Metric values given with the facts of a decision, instead of the events they come from.

``program.decide`` takes raw events (the tables) or the values of some or all metrics:

* a top-level key naming a participant-level metric gives its value
  (``{"accounts": {...}, "refund_rate": "0.18"}``);
* a member row may carry the value of a ``per <member>`` metric under the metric's name
  (``{"hosts": [{"host_id": "h1", "effective_live_time": "14:00:01", ...}]}``).

Each value is typed by the plan and converted by the rules of :mod:`rulekit.facts`
(a bad value is a :class:`~rulekit.errors.FactsError` naming the metric); a metric that is
given is not computed, and an event table only given metrics read need not be given.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from rulekit import types as t
from rulekit.errors import FactsError
from rulekit.facts import CONVERTERS, BadValueError
from rulekit.ir import ColumnType
from rulekit.plan import Level, MetricPlan, Plan

# hours:minutes:seconds, seconds with up to 6 decimals (whole microseconds, as the engine counts).
_CLOCK = re.compile(r"(\d+):([0-5]\d):([0-5]\d(?:\.\d{1,6})?)")
_COLUMN_TYPES = {kind.value: kind for kind in ColumnType}


def split_given(plan: Plan, facts: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The participant-level metric values and, per member id, the member-level ones."""
    tables = {table.name for table in plan.tables}
    given: dict[str, Any] = {}
    for metric in plan.participant_metrics():
        if metric.name in facts and metric.name not in tables:
            given[metric.name] = _value(metric, facts[metric.name], None)
    return given, _member_values(plan, facts)


def _member_values(plan: Plan, facts: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    member = plan.member
    raw = facts.get(member.table) if member is not None else None
    if member is None or raw is None:
        return {}
    rows = [raw] if isinstance(raw, Mapping) else raw if isinstance(raw, list | tuple) else []
    found: dict[str, dict[str, Any]] = {}
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            continue  # the table reader reports it
        values = {m.name: _value(m, row[m.name], index) for m in plan.member_metrics() if m.name in row}
        if values and row.get(member.key) is not None:
            found[str(row[member.key])] = values
    return found


def needed_tables(plan: Plan, given: Mapping[str, Any], members: Mapping[str, Mapping[str, Any]]) -> set[str]:
    """The event tables some metric that is not given still reads, and those per-order rewards read."""
    every_member = set.intersection(*(set(v) for v in members.values())) if members else set()
    needed: set[str] = set()
    for metric in plan.metrics:
        known = metric.name in given or (metric.level is Level.MEMBER and metric.name in every_member)
        if metric.level is Level.ENTITY:  # read only by metrics over its entity table (issue 10, construct 4)
            readers = [m for m in plan.metrics if m.table == metric.entity and m.level is not Level.ENTITY]
            known = all(m.name in given for m in readers)
        if not known and metric.table is not None:
            needed.add(metric.table)
    needed |= {reward.table.name for reward in plan.rewards if reward.table is not None}
    return needed


def _value(metric: MetricPlan, value: Any, row: int | None) -> Any:
    """``value`` as the evaluator holds ``metric``'s values; ``None`` stays unknown."""
    if value is None:
        return None
    try:
        return _convert(metric.type, value)
    except BadValueError as exc:
        raise FactsError(f"metric `{metric.name}`: {exc}", None, metric.name, row) from None


def _convert(value_type: t.ValueType, value: Any) -> Any:
    kind = value_type.kind
    if kind is t.Kind.RATIO:
        return _ratio(value)
    if kind is t.Kind.DURATION and isinstance(value, str) and (clock := _CLOCK.fullmatch(value.strip())):
        hours, minutes, seconds = clock.groups()
        return Decimal(hours) * 3600 + Decimal(minutes) * 60 + Decimal(seconds)
    column = ColumnType.INT if kind is t.Kind.COUNT else _COLUMN_TYPES.get(kind.value)
    if column is None:
        raise BadValueError(f"a value of {value_type.describe()} cannot be given")
    return CONVERTERS[column](value)


def _ratio(value: Any) -> Fraction:
    """A share as an exact fraction: ``0.18``, ``"0.18"``, ``"18%"`` or a ``Fraction``."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, str) and value.strip().endswith("%"):
        return Fraction(CONVERTERS[ColumnType.DECIMAL](value.strip()[:-1])) / 100
    return Fraction(CONVERTERS[ColumnType.DECIMAL](value))
