"""Result models of decisions and settlements.

Both evaluators produce these, so the cross-checks compare like with like. They are
pydantic models: ``model_dump_json()`` gives stable JSON (money as decimal strings).

Metric values are canonical per aggregate (see ``docs/semantics.md``): ``int`` for
counts, ``Decimal`` for money, averages and seconds of time, ``Fraction``-exact
ratios reported as ``Decimal`` rounded to 6 places, ``None`` for "no value".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_serializer

MetricValue = int | Decimal | None
ClauseKindName = Literal["eligible", "gate", "warn", "disqualify"]


_M = TypeVar("_M", bound=BaseModel)
_ALL_FIELDS: dict[type[BaseModel], set[str]] = {}


def trusted(model: type[_M], **fields: Any) -> _M:
    """A ``model`` instance from ``fields`` that are all its fields, each already of its type: not validated.

    For evaluators building results in bulk (a settlement holds tens of thousands of
    models) from values they produced with the right types, where validation would only
    check and copy them. Only for the frozen models here: instances share one
    ``model_fields_set``, which a frozen model never changes in place.
    """
    made = model.__new__(model)
    object.__setattr__(made, "__dict__", fields)
    names = _ALL_FIELDS.get(model)
    if names is None:
        names = _ALL_FIELDS[model] = set(model.model_fields)
    object.__setattr__(made, "__pydantic_fields_set__", names)
    object.__setattr__(made, "__pydantic_extra__", None)
    object.__setattr__(made, "__pydantic_private__", None)
    return made


class _WordedLater(BaseModel):
    """A model whose ``reason`` (a ``str`` field of the subclass) may be worded on first read.

    A settlement is mostly read for its numbers; its reasons are read for the few
    participants someone asks about, or when it is written out. :meth:`deferred` builds an
    instance holding a callable instead of the text; the first read of ``reason``
    (attribute access, ``==``, ``hash``, ``repr``, ``model_dump``, ``model_dump_json``,
    pickling, copying) calls it once and stores the text, after which the instance is
    indistinguishable from one built with the text.
    """

    # A slot, not a pydantic private attribute: no per-instance dict, and not part of equality.
    __slots__ = ("_later",)

    @classmethod
    def deferred(cls, reason: Callable[[Self], str], **fields: Any) -> Self:
        """An instance with ``fields`` (every field but ``reason``, each already of its type: they are
        not validated) whose ``reason`` is ``reason(instance)`` the first time it is read.

        ``reason`` receives the instance so that one callable can word many outcomes.
        """
        made = trusted(cls, **fields)
        object.__setattr__(made, "_later", reason)
        return made

    def _word_reason(self) -> str:
        """The reason, worded now if it was deferred and not read yet."""
        text: str | None = self.__dict__.get("reason")
        if text is None:
            later: Callable[[Any], str] | None = getattr(self, "_later", None)
            if later is None:
                raise AttributeError(f"{type(self).__name__!r} object has no attribute 'reason'")
            text = self.__dict__["reason"] = later(self)
        return text

    if not TYPE_CHECKING:  # mypy sees the subclass's `reason: str` field; this only runs when it is deferred

        def __getattr__(self, item: str) -> Any:
            if item == "reason":
                return self._word_reason()
            return super().__getattr__(item)

    # Unannotated on purpose: pydantic takes a return annotation as the schema of what is serialized
    # (`Any` would empty the models' JSON schema); without one the fields' schema stands.
    @model_serializer(mode="wrap")
    def _serialize_worded(self, handler):  # type: ignore[no-untyped-def]
        self._word_reason()
        return handler(self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _WordedLater):
            self._word_reason()
            other._word_reason()
        return super().__eq__(other)

    def __hash__(self) -> int:
        self._word_reason()
        return hash((type(self), *(self.__dict__[name] for name in type(self).model_fields)))

    def __repr_args__(self) -> Any:
        self._word_reason()
        return super().__repr_args__()

    def __getstate__(self) -> dict[Any, Any]:
        self._word_reason()
        return super().__getstate__()

    def __copy__(self) -> Self:
        self._word_reason()
        return super().__copy__()

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Self:
        self._word_reason()
        return super().__deepcopy__(memo)


class ClauseOutcome(_WordedLater):
    """How one named clause came out for one participant, with the reason in words."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: ClauseKindName
    holds: bool
    judged: bool = True  # False when a `when` guard (minimum sample) was not met
    reason: str  # "effective live time 12.5 hours — needs more than 14 hours"


class RewardAmount(_WordedLater):
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
