"""The resolved plan of a checked program: what every later stage reads.

The checker proves a program is well formed; :func:`rulekit.plan.bind` then resolves
it once into these frozen records — each metric with its level, type, table, column,
window and value over no rows; each clause with the names it reads; each reward with
its kind and its limits with their defaults filled in; the program-wide settings
(currency, time zone, rounding) with theirs. Python evaluation, SQL generation,
results, explanations, documents and examples read the plan; none of them works out
a type, a level or a default from the raw IR again.

The IR declarations stay reachable (``decl``) for their text (labels, notes) and
spans; their *meaning* is here.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rulekit import ir
from rulekit import types as t

if TYPE_CHECKING:
    import pyarrow as pa

    from rulekit.plan.links import ResolvedLink
    from rulekit.plan.names import Scope
    from rulekit.rewards.base import AnyKind


class Level(enum.Enum):
    """Where a value lives: one per participant, one per member, or one per event row."""

    PARTICIPANT = "participant"
    MEMBER = "member"
    EVENT = "event"
    ENTITY = "entity"  # sub-entities (issue 10, construct 4): one value per row of an entity table
    BUCKET = "bucket"  # `… by day`: one value per participant and calendar bucket (issue 10)


class Empty(enum.Enum):
    """A metric's value over no rows: ``0`` for counts and sums, no value otherwise."""

    ZERO = "zero"
    NONE = "none"


class Shape(enum.Enum):
    """How a metric's value is held exactly (``docs/semantics.md``, *Exact values*).

    ``VALUE`` is one number (a whole count, a ``Decimal`` amount, seconds of time);
    ``QUOTIENT`` is a numerator and a denominator kept apart until shown: ratios and
    averages are never rounded to a number of places.
    """

    VALUE = "value"
    QUOTIENT = "quotient"


@dataclass(frozen=True, slots=True)
class ColumnPlan:
    name: str
    table: str
    type: t.ValueType
    label: str  # the column's label, else its name with spaces: what readers see
    required: bool  # a row without a value here is not usable (``rulekit.contract``)


@dataclass(frozen=True)
class TablePlan:
    name: str
    level: Level
    decl: ir.Table
    columns: tuple[ColumnPlan, ...]
    key: tuple[str, ...]
    time: str | None
    period: tuple[str, str] | None
    required: tuple[str, ...]

    @functools.cached_property
    def _by_name(self) -> dict[str, ColumnPlan]:
        return {c.name: c for c in self.columns}

    def column(self, name: str) -> ColumnPlan | None:
        return self._by_name.get(name)


@dataclass(frozen=True, slots=True)
class EntityPlan:
    """The participant or the member entity: its noun, table and own key column."""

    noun: str
    table: str
    key: str
    level: Level


@dataclass(frozen=True, slots=True)
class WindowPlan:
    """A window; absolute ones have their UTC bounds worked out once (``[start, end)``)."""

    name: str
    decl: ir.Window
    relative: bool
    utc_bounds: tuple[dt.datetime, dt.datetime] | None  # naive UTC, absolute windows only
    anchor: str | None  # relative windows: the participant column they start at
    length: ir.Duration | None
    inclusive: bool = False  # relative windows: the rest of the local day they end on is covered
    within: tuple[dt.datetime, dt.datetime] | None = None  # `within W`: W's naive UTC bounds cut it


@dataclass(frozen=True, slots=True)
class MetricPlan:
    """One metric, resolved. ``parts`` is ``(numerator, denominator)`` for a ratio, ``expr``
    the arithmetic of a computed metric; ``depends`` every metric it is computed from,
    transitively. ``empty`` is ``ZERO`` for a computed metric that always has a value."""

    name: str
    decl: ir.Metric
    level: Level
    type: t.ValueType
    shape: Shape
    empty: Empty
    label: str
    func: ir.AggregateFunc | None = None
    table: str | None = None
    column: ColumnPlan | None = None
    window: WindowPlan | None = None
    where: ir.Expr | None = None
    per: str | None = None
    parts: tuple[str, str] | None = None
    depends: tuple[str, ...] = ()
    expr: ir.NumExpr | None = None  # a computed metric's arithmetic (``rulekit.plan.arith``)
    # Sub-entities (issue 10, construct 4): `per listing` over a table linked to `listings`.
    entity: str | None = None  # the entity table (level ENTITY)
    link: ResolvedLink | None = None  # how the metric's rows link to it
    as_of: dt.datetime | None = None  # `as of POINT` (issue 10): rows at or before it, naive UTC
    # Calendar buckets (issue 10): the unit of a metric `by day`, or the count of `count days …`.
    bucket: ir.BucketUnit | None = None
    count: ir.BucketCount | None = None

    @property
    def is_ratio(self) -> bool:
        return self.parts is not None

    @property
    def per_member(self) -> bool:
        return self.level is Level.MEMBER


@dataclass(frozen=True, slots=True)
class ClausePlan:
    """A clause and what it reads: ``reads`` are its bare names outside quantifiers,
    ``metrics`` every metric it needs (ratio parts and quantifier bodies included)."""

    name: str
    kind: ir.ClauseKind
    decl: ir.Clause
    reads: tuple[str, ...]
    metrics: frozenset[str]
    quantifiers: tuple[ir.Quantified, ...]
    label: str


class TiePolicy(enum.Enum):
    """``shared ranks:``; without the line, ties are broken by the participant key."""

    SPLIT = "split"
    SAME = "same"
    BY_KEY = "by key"


class Remainder(enum.Enum):
    """What a split prize does with the minor units that do not divide evenly among the tied."""

    DROPPED = "rounded down"  # each share is rounded down; the leftover is not paid
    BY_KEY = "remainder by key"  # the leftover goes one unit each to the tied, in key order


@dataclass(frozen=True, slots=True)
class RankingPlan:
    name: str
    decl: ir.Ranking
    keys: tuple[tuple[MetricPlan | ColumnPlan, ir.Direction], ...]
    top: int | None
    ties: TiePolicy
    remainder: Remainder = Remainder.DROPPED


class Overflow(enum.Enum):
    """What a pool or budget does when the amounts due exceed it (default: scale down)."""

    SCALE_DOWN = "scale down"
    FIRST_COME = "first come"


@dataclass(frozen=True, slots=True)
class LimitsPlan:
    """A reward's limits; ``overflow`` is set exactly when there is a pool."""

    per_participant: ir.Money | None
    pool: ir.Money | None
    overflow: Overflow | None
    per_order: ir.Money | None
    max_orders: int | None
    # `budget: $1,000 per day`: the calendar period each budget covers, and those periods over
    # the reward's window (local days, ISO weeks or months of the program's time zone, as
    # naive-UTC ``[start, end)``); ``pool_periods`` is None when the window has no fixed end.
    pool_period: ir.BucketUnit | None = None
    pool_periods: tuple[tuple[dt.datetime, dt.datetime], ...] | None = None


@dataclass(frozen=True, slots=True)
class RewardPlan:
    """A reward with its kind (one registry entry, :mod:`rulekit.plan.kinds`), the metric
    or table it is computed from, its ranking (prizes) and its limits."""

    name: str
    kind: AnyKind
    decl: ir.Reward
    label: str
    limits: LimitsPlan
    base: MetricPlan | None = None
    table: TablePlan | None = None
    ranking: RankingPlan | None = None
    window: WindowPlan | None = None


@dataclass(frozen=True)
class Plan:
    """A checked program resolved for evaluation. Build it with :func:`rulekit.plan.bind`."""

    program: ir.Program
    name: str
    currency: str
    timezone: str
    tz: ZoneInfo
    calendar: str | None
    rounding: str
    participant: EntityPlan
    member: EntityPlan | None
    tables: tuple[TablePlan, ...]
    windows: tuple[WindowPlan, ...]
    metrics: tuple[MetricPlan, ...]  # every ratio after its parts
    clauses: tuple[ClausePlan, ...]
    rankings: tuple[RankingPlan, ...]
    rewards: tuple[RewardPlan, ...]
    _index: dict[str, Mapping[str, object]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update(
            tables={x.name: x for x in self.tables},
            windows={x.name: x for x in self.windows},
            metrics={x.name: x for x in self.metrics},
            rankings={x.name: x for x in self.rankings},
            rewards={x.name: x for x in self.rewards},
        )

    # -- lookups by name
    def table(self, name: str) -> TablePlan | None:
        return self._index["tables"].get(name)  # type: ignore[return-value]

    def window(self, name: str) -> WindowPlan | None:
        return self._index["windows"].get(name)  # type: ignore[return-value]

    def metric(self, name: str) -> MetricPlan | None:
        return self._index["metrics"].get(name)  # type: ignore[return-value]

    def ranking(self, name: str) -> RankingPlan | None:
        return self._index["rankings"].get(name)  # type: ignore[return-value]

    def reward(self, name: str) -> RewardPlan | None:
        return self._index["rewards"].get(name)  # type: ignore[return-value]

    def clauses_of(self, kind: ir.ClauseKind) -> tuple[ClausePlan, ...]:
        return tuple(c for c in self.clauses if c.kind is kind)

    @property
    def participant_table(self) -> TablePlan:
        found = self.table(self.participant.table)
        assert found is not None  # bind refuses a program without it
        return found

    @property
    def member_table(self) -> TablePlan | None:
        return self.table(self.member.table) if self.member else None

    def participant_metrics(self) -> tuple[MetricPlan, ...]:
        """The metrics with one value per participant, in source order."""
        order = {m.name: i for i, m in enumerate(self.program.metrics)}
        found = [m for m in self.metrics if m.level is Level.PARTICIPANT]
        return tuple(sorted(found, key=lambda m: order[m.name]))

    def entity_metrics(self, table: str) -> tuple[MetricPlan, ...]:
        """The ``per <entity>`` metrics of entity table ``table`` (issue 10, construct 4)."""
        return tuple(m for m in self.metrics if m.level is Level.ENTITY and m.entity == table)

    def member_metrics(self) -> tuple[MetricPlan, ...]:
        """The ``per <member>`` metrics (and ratios of them), in source order."""
        order = {m.name: i for i, m in enumerate(self.program.metrics)}
        found = [m for m in self.metrics if m.level is Level.MEMBER]
        return tuple(sorted(found, key=lambda m: order[m.name]))

    def resolve(self, name: str, scope: Scope) -> t.ValueType:
        """The type of a bare name in ``scope`` (see :mod:`rulekit.plan.names`)."""
        from rulekit.plan.names import resolve_name  # names needs the registries, which need this module

        return resolve_name(self.program, name, scope).type

    def label(self, name: str) -> str:
        """The words for a metric or column name: its label, else the name with spaces."""
        metric = self.metric(name)
        if metric is not None:
            return metric.label
        for table in self.tables:
            column = table.column(name)
            if column is not None:
                return column.label
        return name.replace("_", " ")

    @functools.cached_property
    def schema(self) -> pa.Schema:
        """The settlement result's columns (``docs/run.md``), from the rule file alone."""
        from rulekit.result_schema import result_schema

        return result_schema(self)
