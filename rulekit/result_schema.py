"""The columns of a settlement result, derived from the rule file alone.

:func:`result_schema` names every output column and its Arrow type from the program,
never from the data: a settlement with no participants, or with nobody qualifying, has
the same columns as any other settlement of the same rule file. ``docs/run.md`` has
the table of columns; this module is its single source.

Value rules (the ones ``docs/semantics.md`` states):

* money is ``decimal128(38, s)`` with ``s`` the digits of the currency's minor unit;
* amounts read from the data (``money``, ``decimal``, ``percent`` metrics) keep the
  loader's exact ``decimal128(38, 12)``; durations are seconds as ``decimal128(38, 6)``
  (the engine counts whole microseconds);
* a ratio or an average is not rounded to any number of places: it is exported exactly,
  as its numerator and denominator (``metric.<name>.numerator`` / ``.denominator``);
* reward columns are null for a participant that does not qualify (it is not in any
  reward's population) and a number, possibly ``0.00``, for one that does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import pyarrow as pa

from rulekit import types as t
from rulekit.money import minor_unit
from rulekit.plan.model import MetricPlan, Shape

if TYPE_CHECKING:
    from rulekit.plan.model import Plan

__all__ = [
    "AMOUNT",
    "COUNT_TOTALS",
    "SECONDS",
    "MetricColumns",
    "arrow_type",
    "metric_columns",
    "money_type",
    "result_schema",
    "scale_of",
    "total_keys",
]

AMOUNT = pa.decimal128(38, 12)  # values read from the data, as the loader types them
SECONDS = pa.decimal128(38, 6)  # durations: the engine counts whole microseconds

COUNT_TOTALS = ("participants", "eligible", "qualified", "disqualified", "warned")

_ARROW: dict[t.Kind, pa.DataType] = {
    t.Kind.COUNT: pa.int64(),
    t.Kind.INT: pa.int64(),
    t.Kind.DECIMAL: AMOUNT,
    t.Kind.MONEY: AMOUNT,
    t.Kind.PERCENT: AMOUNT,
    t.Kind.DURATION: SECONDS,
    t.Kind.STRING: pa.string(),
    t.Kind.BOOL: pa.bool_(),
    t.Kind.TIMESTAMP: pa.timestamp("us", tz="UTC"),
    t.Kind.DATE: pa.date32(),
}


def arrow_type(kind: t.Kind) -> pa.DataType:
    """The exported Arrow type of a value of ``kind`` (a ratio is exported as two parts)."""
    return _ARROW[kind]


def scale_of(currency: str) -> int:
    """Digits of the currency's minor unit (2 for USD, 0 for JPY)."""
    exponent = minor_unit(currency).as_tuple().exponent
    return -exponent if isinstance(exponent, int) else 2


def money_type(currency: str) -> pa.Decimal128Type:
    return pa.decimal128(38, scale_of(currency))


@dataclass(frozen=True)
class MetricColumns:
    """How one participant metric is exported: one value column, or the two exact parts of a quotient."""

    name: str
    kind: t.Kind  # the metric's value type
    shape: Literal["value", "ratio", "average", "fraction"]
    value: t.Kind | None  # the type of the value column (shape "value")
    parts: tuple[t.Kind, t.Kind] | None  # numerator and denominator types (a quotient)

    def columns(self) -> tuple[tuple[str, pa.DataType], ...]:
        if self.parts is None:
            assert self.value is not None
            return ((f"metric.{self.name}", _ARROW[self.value]),)
        num, den = self.parts
        return (
            (f"metric.{self.name}.numerator", _ARROW[num]),
            (f"metric.{self.name}.denominator", _ARROW[den]),
        )


def metric_columns(plan: Plan, metric: MetricPlan) -> MetricColumns:
    kind = metric.type.kind
    if metric.parts is not None:
        top, bottom = (plan.metric(part) for part in metric.parts)
        assert top is not None and bottom is not None  # bound by the plan
        return MetricColumns(metric.name, kind, "ratio", None, (_part(top), _part(bottom)))
    if metric.expr is not None and metric.shape is Shape.QUOTIENT:  # a computed fraction
        return MetricColumns(metric.name, kind, "fraction", None, (_numerator(kind), t.Kind.DECIMAL))
    if metric.shape is Shape.QUOTIENT:  # an average: the sum of its column over the count
        summed = metric.column.type.kind if metric.column is not None else t.Kind.DECIMAL
        return MetricColumns(metric.name, kind, "average", None, (summed, t.Kind.COUNT))
    return MetricColumns(metric.name, kind, "value", kind, None)


def _numerator(kind: t.Kind) -> t.Kind:
    """The numerator of a computed fraction: an amount, seconds of time, or a number."""
    return kind if kind in (t.Kind.MONEY, t.Kind.DURATION, t.Kind.PERCENT) else t.Kind.DECIMAL


def _part(metric: MetricPlan) -> t.Kind:
    return t.Kind.DECIMAL if metric.type.kind is t.Kind.RATIO else metric.type.kind


def total_keys(plan: Plan) -> tuple[str, ...]:
    """The keys of ``Settlement.totals``, in order: money per reward kind and commission, the
    payout, then the counts (``COUNT_TOTALS``, ``int``)."""
    keys: list[str] = []
    for reward in plan.rewards:
        keys += ["commission_due", "commission_waived"] if not reward.kind.paid else [reward.kind.total]
    return (*dict.fromkeys(keys), "payout", *COUNT_TOTALS)


def result_schema(plan: Plan) -> pa.Schema:
    """Every column of the settlement table of ``plan``, with its Arrow type (see ``docs/run.md``)."""
    money = money_type(plan.currency)
    fields = [
        pa.field("id", pa.string(), nullable=False),
        pa.field("rank", pa.int64()),
        pa.field("eligible", pa.bool_(), nullable=False),
        pa.field("qualified", pa.bool_(), nullable=False),
        pa.field("disqualified", pa.bool_(), nullable=False),
        pa.field("warnings", pa.string(), nullable=False),
    ]
    for metric in plan.participant_metrics():
        fields += [pa.field(name, kind) for name, kind in metric_columns(plan, metric).columns()]
    fields += [pa.field(f"reward.{r.name}", money) for r in plan.rewards if r.kind.paid]
    fields += [
        pa.field("commission_due", money),
        pa.field("commission_waived", money),
        pa.field("total_payout", money, nullable=False),
        pa.field("payout_due", pa.date32()),
    ]
    return pa.schema(fields)
