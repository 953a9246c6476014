"""Result models of decisions and settlements.

Both evaluators produce these, so the cross-checks compare like with like. They are
pydantic models: ``model_dump_json()`` gives stable JSON (money as decimal strings).

Metric values are canonical per aggregate (see ``docs/semantics.md``): ``int`` for
counts, ``Decimal`` for money, averages and seconds of time, ``Fraction``-exact
ratios reported as ``Decimal`` rounded to 6 places, ``None`` for "no value".
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MetricValue = int | Decimal | None
ClauseKindName = Literal["eligible", "gate", "warn", "disqualify"]


class ClauseOutcome(BaseModel):
    """How one named clause came out for one participant, with the reason in words."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: ClauseKindName
    holds: bool
    judged: bool = True  # False when a `when` guard (minimum sample) was not met
    reason: str  # "effective live time 12.5 hours — needs more than 14 hours"


class RewardAmount(BaseModel):
    """One reward paid to one participant; ``before_limits`` is the amount before
    pool/budget limits, so an explanation can say what the cap took away."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: Literal["prize", "rebate", "bonus", "milestone", "subsidy"]
    amount: Decimal
    before_limits: Decimal
    reason: str


class OrderEffect(BaseModel):
    """A per-order effect: a commission rate applied, or a subsidy paid."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: Literal["commission", "subsidy"]
    order_id: str
    applies: bool
    rate: Decimal | None = None  # commission rate as a fraction (0.05 = 5 %)
    amount: Decimal  # commission charged, or subsidy paid
    reason: str


class ParticipantResult(BaseModel):
    """One participant's settlement row."""

    model_config = ConfigDict(frozen=True)

    id: str
    eligible: bool
    qualified: bool
    disqualified: bool
    warnings: list[str] = Field(default_factory=list)
    metrics: dict[str, MetricValue] = Field(default_factory=dict)
    members: dict[str, dict[str, MetricValue]] = Field(default_factory=dict)
    clauses: list[ClauseOutcome] = Field(default_factory=list)
    rank: int | None = None
    rewards: list[RewardAmount] = Field(default_factory=list)
    commission_due: Decimal | None = None
    commission_waived: Decimal | None = None
    total_payout: Decimal = Decimal(0)
    payout_due: dt.date | None = None
    reasons: list[str] = Field(default_factory=list)


class Decision(BaseModel):
    """The outcome of ``program.decide(facts)`` for one participant or one order."""

    model_config = ConfigDict(frozen=True)

    program: str
    participant_id: str | None
    eligible: bool
    qualified: bool
    metrics: dict[str, MetricValue] = Field(default_factory=dict)
    members: dict[str, dict[str, MetricValue]] = Field(default_factory=dict)
    clauses: list[ClauseOutcome] = Field(default_factory=list)
    rewards: list[RewardAmount] = Field(default_factory=list)
    effects: list[OrderEffect] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)


class DataIssue(BaseModel):
    """A data-quality finding: rows that could not be used as they are."""

    model_config = ConfigDict(frozen=True)

    table: str
    column: str | None
    problem: str  # "null in a required column", "end_ts before start_ts", ...
    rows: int
    example: str | None = None  # one offending row, as text


class Settlement(BaseModel):
    """The settlement of a whole program over one set of input tables."""

    model_config = ConfigDict(frozen=True)

    program: str
    currency: str
    timezone: str
    participants: list[ParticipantResult]
    totals: dict[str, Decimal] = Field(default_factory=dict)
    payout_due: dt.date | None = None
    data_quality: list[DataIssue] = Field(default_factory=list)
