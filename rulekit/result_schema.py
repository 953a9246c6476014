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
from typing import Literal

import pyarrow as pa

from rulekit import ir
from rulekit.money import minor_unit
from rulekit.pyeval.types import ValueType, column_type, is_member_metric, metric_type

__all__ = [
    "AMOUNT",
    "SECONDS",
    "MetricColumns",
    "RewardKind",
    "currency_of",
    "metric_columns",
    "money_type",
    "participant_metrics",
    "result_schema",
    "reward_kind",
    "scale_of",
    "total_keys",
]

AMOUNT = pa.decimal128(38, 12)  # values read from the data, as the loader types them
SECONDS = pa.decimal128(38, 6)  # durations: the engine counts whole microseconds

RewardKind = Literal["prize", "rebate", "bonus", "milestone", "subsidy"]

_REWARD_KINDS: tuple[tuple[type[ir.Reward], RewardKind], ...] = (
    (ir.Prize, "prize"),
    (ir.Rebate, "rebate"),
    (ir.Bonus, "bonus"),
    (ir.Milestone, "milestone"),
    (ir.Subsidy, "subsidy"),
)
_TOTAL_KEYS: dict[RewardKind, str] = {
    "prize": "prizes",
    "rebate": "rebates",
    "bonus": "bonuses",
    "milestone": "milestones",
    "subsidy": "subsidies",
}
COUNT_TOTALS = ("participants", "eligible", "qualified", "disqualified", "warned")

_VALUE_TYPES: dict[ValueType, pa.DataType] = {
    "count": pa.int64(),
    "int": pa.int64(),
    "decimal": AMOUNT,
    "money": AMOUNT,
    "percent": AMOUNT,
    "duration": SECONDS,
    "string": pa.string(),
    "bool": pa.bool_(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "date": pa.date32(),
}


def reward_kind(reward: ir.Reward) -> RewardKind:
    """The result kind of a reward paid per participant (a commission is not one)."""
    for cls, kind in _REWARD_KINDS:
        if isinstance(reward, cls):
            return kind
    raise TypeError(f"no result kind for reward {type(reward).__name__}")


def currency_of(program: ir.Program) -> str:
    header = program.header
    return header.currency if header and header.currency else "USD"


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
    kind: ValueType  # the metric's value type
    shape: Literal["value", "ratio", "average"]
    value: ValueType | None  # the type of the value column (shape "value")
    parts: tuple[ValueType, ValueType] | None  # numerator and denominator types (a quotient)

    def columns(self) -> tuple[tuple[str, pa.DataType], ...]:
        if self.parts is None:
            assert self.value is not None
            return ((f"metric.{self.name}", _VALUE_TYPES[self.value]),)
        num, den = self.parts
        return (
            (f"metric.{self.name}.numerator", _VALUE_TYPES[num]),
            (f"metric.{self.name}.denominator", _VALUE_TYPES[den]),
        )


def participant_metrics(program: ir.Program) -> tuple[ir.Metric, ...]:
    """The metrics reported per participant (member metrics are reported per member), in source order."""
    return tuple(m for m in program.metrics if not is_member_metric(m, program))


def metric_columns(program: ir.Program, metric: ir.Metric) -> MetricColumns:
    kind = metric_type(program, metric)
    definition = metric.definition
    if isinstance(definition, ir.Ratio):
        return MetricColumns(
            metric.name,
            kind,
            "ratio",
            None,
            (_part(program, definition.numerator), _part(program, definition.denominator)),
        )
    if definition.func is ir.AggregateFunc.AVERAGE:
        return MetricColumns(metric.name, kind, "average", None, (_summed(program, definition), "count"))
    return MetricColumns(metric.name, kind, "value", kind, None)


def _part(program: ir.Program, name: str) -> ValueType:
    metric = program.metric(name)
    assert metric is not None, name  # the checker resolved the ratio's parts
    kind = metric_type(program, metric)
    return "decimal" if kind == "ratio" else kind


def _summed(program: ir.Program, definition: ir.Aggregate) -> ValueType:
    """The type of the sum an average divides: its column's type (an ``int`` column sums to an ``int``)."""
    table = program.table(definition.table)
    column = table.column(definition.column) if table is not None and definition.column else None
    return column_type(column) if column is not None else "decimal"


def total_keys(program: ir.Program) -> tuple[str, ...]:
    """The keys of ``Settlement.totals``, in order: money per reward kind and commission, the
    payout, then the counts (``COUNT_TOTALS``, ``int``)."""
    keys: list[str] = []
    for reward in program.rewards:
        if isinstance(reward, ir.Commission):
            keys += ["commission_due", "commission_waived"]
        else:
            keys.append(_TOTAL_KEYS[reward_kind(reward)])
    return (*dict.fromkeys(keys), "payout", *COUNT_TOTALS)


def total_key(kind: RewardKind) -> str:
    return _TOTAL_KEYS[kind]


def result_schema(program: ir.Program) -> pa.Schema:
    """Every column of the settlement table of ``program``, with its Arrow type (see ``docs/run.md``)."""
    money = money_type(currency_of(program))
    fields = [
        pa.field("id", pa.string(), nullable=False),
        pa.field("rank", pa.int64()),
        pa.field("eligible", pa.bool_(), nullable=False),
        pa.field("qualified", pa.bool_(), nullable=False),
        pa.field("disqualified", pa.bool_(), nullable=False),
        pa.field("warnings", pa.string(), nullable=False),
    ]
    for metric in participant_metrics(program):
        fields += [pa.field(name, kind) for name, kind in metric_columns(program, metric).columns()]
    fields += [pa.field(f"reward.{r.name}", money) for r in program.rewards if not isinstance(r, ir.Commission)]
    fields += [
        pa.field("commission_due", money),
        pa.field("commission_waived", money),
        pa.field("total_payout", money, nullable=False),
        pa.field("payout_due", pa.date32()),
    ]
    return pa.schema(fields)
