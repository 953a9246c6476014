"""Typed, frozen intermediate representation of a rule file.

The parser builds these nodes from the Lark tree; nothing after the parser sees Lark.
Every node carries a :class:`Span` that is excluded from equality and hashing, so two
programs that differ only in layout or comments compare equal.

Values keep the units a policy author wrote (money with its currency, percentages,
durations), so the checker can reject ``$10 > 14 hours`` before anything runs.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeAlias, TypeVar


@dataclass(frozen=True, slots=True)
class Span:
    """A region of a source file; lines and columns are 1-based, ends exclusive."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    @staticmethod
    def unknown(file: str = "<unknown>") -> Span:
        return Span(file, 1, 1, 1, 2)


def _span() -> Span:
    return field(default_factory=Span.unknown, compare=False, repr=False)


# ----------------------------------------------------------------------------- values


class ColumnType(enum.Enum):
    """The column types a table declaration may use."""

    STRING = "string"
    INT = "int"
    DECIMAL = "decimal"
    MONEY = "money"
    BOOL = "bool"
    TIMESTAMP = "timestamp"
    DATE = "date"
    DURATION = "duration"
    PERCENT = "percent"


CURRENCY_SYMBOLS: dict[str, str] = {"$": "USD", "£": "GBP", "€": "EUR"}


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in one currency; ``currency`` is an ISO 4217 code."""

    amount: Decimal
    currency: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Percent:
    """A percentage as written: ``Percent(Decimal("2"))`` is 2 %."""

    value: Decimal
    span: Span = _span()

    @property
    def fraction(self) -> Decimal:
        return self.value / Decimal(100)


class TimeUnit(enum.Enum):
    """Units of time. Seconds to hours are exact lengths; days and weeks move the local
    calendar date (a day across a daylight-saving change is 23 or 25 hours long); months
    and years move the local calendar month and have no length in seconds at all."""

    SECONDS = "seconds"
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    WEEKS = "weeks"
    MONTHS = "months"
    YEARS = "years"

    @property
    def calendar(self) -> bool:
        """Whether the unit moves the local calendar (days and longer)."""
        return self not in (TimeUnit.SECONDS, TimeUnit.MINUTES, TimeUnit.HOURS)

    @property
    def months(self) -> int:
        """Calendar months in one unit: 1 for months, 12 for years, 0 for the fixed units."""
        return {"months": 1, "years": 12}.get(self.value, 0)

    @property
    def seconds(self) -> int:
        """The nominal length in seconds; months and years have none (``ValueError``)."""
        if self.months:
            raise ValueError(f"{self.value} have no fixed length in seconds")
        return {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400, "weeks": 604800}[self.value]


@dataclass(frozen=True, slots=True)
class Duration:
    """A length of time as written (``14 hours``); ``total_seconds`` normalises it."""

    amount: Decimal
    unit: TimeUnit
    span: Span = _span()

    @property
    def total_seconds(self) -> Decimal:
        """Seconds of a fixed-length duration; ``ValueError`` for months and years."""
        return self.amount * self.unit.seconds

    @property
    def total_months(self) -> Decimal:
        """Calendar months of a duration in months or years (0 for the other units)."""
        return self.amount * self.unit.months


@dataclass(frozen=True, slots=True)
class Number:
    value: Decimal
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class String:
    value: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Bool:
    value: bool
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class DateValue:
    """A date (``2023-04-01``), or with ``time`` a wall-clock moment of the program's time
    zone (``2023-04-01 09:30``), which compares with timestamps as the instant it names."""

    value: dt.date
    span: Span = _span()
    time: dt.time | None = None

    def local(self) -> dt.datetime:
        """The naive local wall-clock moment: the date's midnight when no time is written."""
        return dt.datetime.combine(self.value, self.time or dt.time())


Literal: TypeAlias = Money | Percent | Duration | Number | String | Bool | DateValue


# ------------------------------------------------------------------------ expressions


@dataclass(frozen=True, slots=True)
class NameRef:
    """A bare name: a column of the row in scope or a metric, resolved by the checker."""

    name: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class QualifiedRef:
    """``table.column``."""

    table: str
    column: str
    span: Span = _span()


class CompareOp(enum.Enum):
    EQ = "="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="


@dataclass(frozen=True, slots=True)
class Compare:
    op: CompareOp
    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class InList:
    operand: Expr
    options: tuple[Literal, ...]
    negated: bool = False
    span: Span = _span()


class BoolOperator(enum.Enum):
    AND = "and"
    OR = "or"


@dataclass(frozen=True, slots=True)
class BoolOp:
    op: BoolOperator
    operands: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr
    span: Span = _span()


class Quantifier(enum.Enum):
    EVERY = "every"
    ANY = "any"
    NO = "no"
    AT_LEAST = "at least"


@dataclass(frozen=True, slots=True)
class Quantified:
    """``every host has …``, ``at least 2 hosts have …``: a test over the members."""

    quantifier: Quantifier
    noun: str
    body: Expr
    count: int | None = None
    span: Span = _span()
    noun_span: Span | None = field(default=None, compare=False, repr=False)


# ---- points in time (issue 10, constructs 2 and 7): `joined_at + 6 months`, `end of program_period`.


@dataclass(frozen=True, slots=True)
class WindowBound:
    """``start of W`` / ``end of W``: the first instant a window covers, or its last one
    (one microsecond before its exclusive end), per participant for a relative window."""

    window: str
    end: bool
    span: Span = _span()
    window_span: Span | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Shift:
    """``point + duration`` / ``point - duration`` in a condition: a point in time moved by a
    length, in the program's local calendar (``joined_at + 6 months``)."""

    base: Expr
    length: Duration
    subtract: bool = False
    span: Span = _span()

    @property
    def signed(self) -> Duration:
        """The length with the sign of the move (``- 6 months`` is ``-6 months``)."""
        return Duration(-self.length.amount, self.length.unit, self.length.span) if self.subtract else self.length


Point: TypeAlias = WindowBound | Shift
POINTS = (WindowBound, Shift)
# ---- end of points in time


Expr: TypeAlias = Literal | NameRef | QualifiedRef | Compare | InList | BoolOp | Not | Quantified | WindowBound | Shift


class ArithOp(enum.Enum):
    ADD = "+"
    SUB = "-"
    MUL = "*"
    DIV = "/"


@dataclass(frozen=True, slots=True)
class Arith:
    """``left op right``: arithmetic over metrics and constants (``q2_sales - q1_sales``)."""

    op: ArithOp
    left: NumExpr
    right: NumExpr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Negate:
    """``-x`` of anything but a literal (``-$50`` is parsed as the literal ``Money(-50)``)."""

    operand: NumExpr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Call:
    """``min(a, b)`` / ``max(a, b)``: the smaller or larger of two values."""

    function: str
    args: tuple[NumExpr, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Default:
    """``value or fallback`` in a metric: ``fallback`` when ``value`` is unknown."""

    value: NumExpr
    fallback: NumExpr
    span: Span = _span()


# Arithmetic is written in metric definitions (`Computed`). The parser also reads it inside a
# condition (a `Compare` side), only so that the checker can report it there (RK218): a
# checked program's conditions never contain these nodes, so `Expr` leaves them out.
ArithNode: TypeAlias = Arith | Negate | Call | Default
ARITHMETIC = (Arith, Negate, Call, Default)
NumExpr: TypeAlias = Literal | NameRef | ArithNode
# Any node the walker (`rulekit.walk`) visits.
Node: TypeAlias = Expr | ArithNode


# ---------------------------------------------------------------------- declarations


@dataclass(frozen=True, slots=True)
class Text:
    """Human text attached to a declaration: labels, descriptions and notes."""

    label: str | None = None
    description: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Header:
    name: str
    title: str | None
    market: str | None
    currency: str | None
    timezone: str | None
    calendar: str | None
    rounding: str | None
    text: Text = Text()
    span: Span = _span()
    timezone_span: Span | None = field(default=None, compare=False, repr=False)
    currency_span: Span | None = field(default=None, compare=False, repr=False)
    calendar_span: Span | None = field(default=None, compare=False, repr=False)
    # `term "GMV": "…"` lines: (word, meaning) for the document's glossary; text only.
    terms: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type_name: str
    span: Span = _span()
    type_span: Span | None = field(default=None, compare=False, repr=False)
    # What readers see instead of the name (`ts: timestamp "order time"`); text only.
    label: str | None = None

    @property
    def type(self) -> ColumnType | None:
        """The declared type, or ``None`` when the name is not a known type."""
        try:
            return ColumnType(self.type_name)
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class Table:
    """A table the program reads, with its typed columns: the program's data contract."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    time: str | None = None
    period: tuple[str, str] | None = None
    text: Text = Text()
    span: Span = _span()
    key_span: Span | None = field(default=None, compare=False, repr=False)
    time_span: Span | None = field(default=None, compare=False, repr=False)
    period_span: Span | None = field(default=None, compare=False, repr=False)
    # Sub-entities and links (issue 10, construct 4): `link: listing_id -> listings`.
    links: tuple[Link, ...] = ()

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    def link_to(self, target: str) -> Link | None:
        """The declared link from this table to table ``target``, if any."""
        return next((link for link in self.links if link.target == target), None)


# --- Sub-entities and links (issue 10, construct 4)
@dataclass(frozen=True, slots=True)
class Link:
    """``link: listing_id -> listings`` (or ``-> listings.listing_id``): each row of the
    table belongs to the row of ``target`` whose key column ``target_column`` (``None``:
    the target's one key column) equals this row's ``column``."""

    column: str
    target: str
    target_column: str | None = None
    span: Span = _span()
    column_span: Span | None = field(default=None, compare=False, repr=False)
    target_span: Span | None = field(default=None, compare=False, repr=False)
    target_column_span: Span | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Entity:
    """``participant account: accounts`` or ``member host: hosts``."""

    noun: str
    table: str
    text: Text = Text()
    span: Span = _span()
    table_span: Span | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class LocalDateTime:
    """A wall-clock time in the program's time zone, as written."""

    date: dt.date
    time: dt.time | None
    span: Span = _span()

    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.date, self.time or dt.time())


@dataclass(frozen=True, slots=True)
class AbsoluteWindow:
    """``from 2022-02-14 to 2022-02-27 inclusive``.

    A date-only end that is inclusive covers that whole day, so the exclusive end is
    the next midnight; an exclusive date-only end stops at that date's midnight.
    """

    name: str
    start: LocalDateTime
    end: LocalDateTime
    end_inclusive: bool
    text: Text = Text()
    span: Span = _span()

    def local_bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """Start (inclusive) and end (exclusive) as naive local datetimes."""
        end = self.end.start()
        if self.end_inclusive:
            end += dt.timedelta(days=1) if self.end.time is None else dt.timedelta(seconds=1)
        return self.start.start(), end


@dataclass(frozen=True, slots=True)
class RelativeWindow:
    """``first 90 days from joined_at``: a window per participant, anchored on a column."""

    name: str
    length: Duration
    anchor: str
    text: Text = Text()
    span: Span = _span()
    anchor_span: Span | None = field(default=None, compare=False, repr=False)
    # `inclusive`: the window also covers the rest of the local day on which it ends.
    end_inclusive: bool = False
    # `within program_period`: only the part inside this (absolute) window counts.
    within: str | None = None
    within_span: Span | None = field(default=None, compare=False, repr=False)


Window: TypeAlias = AbsoluteWindow | RelativeWindow


class AggregateFunc(enum.Enum):
    COUNT = "count"
    COUNT_DISTINCT = "count distinct"
    SUM = "sum"
    MIN = "min"
    MAX = "max"
    AVERAGE = "average"
    TOTAL_TIME = "total time"
    # As-of values (issue 10, construct 5): the value of the latest / earliest row by time.
    LATEST = "latest"
    FIRST = "first"


# ---- calendar buckets (issue 10, construct 3; meaning in rulekit/buckets.py)
class BucketUnit(enum.Enum):
    """A calendar bucket of the program's time zone; the value is the singular word (`by day`)."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"

    @property
    def plural(self) -> str:
        """The plural word (`count days …`)."""
        return self.value + "s"

    @staticmethod
    def of_word(word: str) -> BucketUnit:
        """The unit of `day`/`days`, `week`/`weeks`, `month`/`months`."""
        return BucketUnit(word[:-1] if word.endswith("s") else word)


@dataclass(frozen=True, slots=True)
class BucketCount:
    """``count days during challenge where daily_live >= 45 minutes`` (``streak`` false) or
    ``longest streak of days during challenge where …`` (``streak`` true): over the buckets
    of the window, the number of those where the condition holds, or the longest run of
    consecutive ones."""

    unit: BucketUnit
    window: str | None
    condition: Expr
    streak: bool = False
    span: Span = _span()
    window_span: Span | None = field(default=None, compare=False, repr=False)


# ---- end of calendar buckets


@dataclass(frozen=True, slots=True)
class Filters:
    window: str | None = None
    where: Expr | None = None
    per: str | None = None
    window_span: Span | None = field(default=None, compare=False, repr=False)
    per_span: Span | None = field(default=None, compare=False, repr=False)
    # issue 10, construct 6 (periods): `during W to date` accumulates from W's start
    # through the end of each pay period instead of covering one period only.
    to_date: bool = False
    # `as of POINT` (issue 10, construct 5): only the rows at or before that point in time.
    as_of: Expr | None = None
    # Calendar buckets (issue 10, construct 3): `by day` makes a value per local day.
    bucket: BucketUnit | None = None
    bucket_span: Span | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Aggregate:
    """``sum gmv in orders during activity where not refunded per host``."""

    func: AggregateFunc
    table: str
    column: str | None
    filters: Filters = Filters()
    span: Span = _span()
    table_span: Span | None = field(default=None, compare=False, repr=False)
    column_span: Span | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Ratio:
    """``refunded_orders / order_count``: a rate between two metrics."""

    numerator: str
    denominator: str
    span: Span = _span()
    numerator_span: Span | None = field(default=None, compare=False, repr=False)
    denominator_span: Span | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Computed:
    """A metric computed from other metrics and constants: ``q2_sales - q1_sales``."""

    expr: NumExpr
    span: Span = _span()


Definition: TypeAlias = Aggregate | Ratio | Computed | BucketCount


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    definition: Definition
    text: Text = Text()
    span: Span = _span()


class ClauseKind(enum.Enum):
    ELIGIBLE = "eligible"
    GATE = "gate"
    WARN = "warn"
    DISQUALIFY = "disqualify"


@dataclass(frozen=True, slots=True)
class Clause:
    """A named condition. ``guard`` is the ``when`` part: the clause only applies
    when it holds, which is how a rate rule states its minimum sample."""

    kind: ClauseKind
    name: str
    condition: Expr
    guard: Expr | None = None
    text: Text = Text()
    span: Span = _span()


class Direction(enum.Enum):
    ASCENDING = "ascending"
    DESCENDING = "descending"


@dataclass(frozen=True, slots=True)
class RankKey:
    name: str
    direction: Direction
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Ranking:
    name: str
    keys: tuple[RankKey, ...]
    top: int | None
    shared_ranks: str | None
    text: Text = Text()
    span: Span = _span()
    top_span: Span | None = field(default=None, compare=False, repr=False)
    shared_span: Span | None = field(default=None, compare=False, repr=False)
    # `shared ranks: split, remainder by key`: what happens to the minor units a split leaves.
    shared_rounding: str | None = None


@dataclass(frozen=True, slots=True)
class PrizeTier:
    """``rank 4 to 5: $1,000``: every rank from ``first`` to ``last`` gets ``amount``."""

    first: int
    last: int
    amount: Money
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps shared by the reward kinds."""

    per_participant: Money | None = None
    per_participant_noun: str | None = None
    pool: Money | None = None
    overflow: str | None = None
    per_order: Money | None = None
    max_orders: int | None = None
    max_orders_noun: str | None = None
    overflow_span: Span | None = field(default=None, compare=False, repr=False)
    cap_span: Span | None = field(default=None, compare=False, repr=False)
    pool_span: Span | None = field(default=None, compare=False, repr=False)
    max_orders_span: Span | None = field(default=None, compare=False, repr=False)
    # issue 10, construct 6 (periods): `cap: $500 per seller per month` caps each period.
    cap_period: str | None = None
    # `budget: $1,000 per day`: the budget applies to each local day (week, month); None: to the whole.
    pool_period: str | None = None


@dataclass(frozen=True, slots=True)
class Prize:
    name: str
    ranking: str
    schedule: tuple[PrizeTier, ...]
    limits: Limits = Limits()
    text: Text = Text()
    span: Span = _span()
    ranking_span: Span | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Bracket:
    """From ``threshold`` upwards the rate is ``rate`` (until the next bracket)."""

    threshold: Money
    rate: Percent
    span: Span = _span()


class BracketMode(enum.Enum):
    MARGINAL = "marginal"
    WHOLE_TIER = "whole-tier"


@dataclass(frozen=True, slots=True)
class Rebate:
    """A rebate on a money metric: a flat ``rate`` or ``brackets`` with a ``mode``."""

    name: str
    base: str
    rate: Percent | None
    brackets: tuple[Bracket, ...] = ()
    mode: BracketMode | None = None
    limits: Limits = Limits()
    text: Text = Text()
    span: Span = _span()
    base_span: Span | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Commission:
    """Per-order commission override: ``rate`` on ``column`` for matching orders,
    ``standard`` otherwise."""

    name: str
    rate: Percent
    column: str
    table: str
    filters: Filters
    standard: Percent | None
    text: Text = Text()
    span: Span = _span()
    table_span: Span | None = field(default=None, compare=False, repr=False)
    column_span: Span | None = field(default=None, compare=False, repr=False)


class SubsidyKind(enum.Enum):
    FULL = "full"
    PERCENT = "percent"
    FIXED = "fixed"


@dataclass(frozen=True, slots=True)
class Subsidy:
    """Per-order subsidy of a cost column; never more than the cost itself."""

    name: str
    kind: SubsidyKind
    amount: Money | Percent | None
    column: str
    table: str
    filters: Filters
    limits: Limits = Limits()
    text: Text = Text()
    span: Span = _span()
    table_span: Span | None = field(default=None, compare=False, repr=False)
    column_span: Span | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Bonus:
    """``$0.50 per unit of order_count``: a per-unit reward, capped per period."""

    name: str
    unit_amount: Money
    metric: str
    limits: Limits = Limits()
    text: Text = Text()
    span: Span = _span()
    metric_span: Span | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class MilestoneTier:
    name: str
    threshold: Literal
    amount: Money
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Milestone:
    """A ladder of tiers on a metric; ``highest`` pays the top tier reached,
    ``cumulative`` pays every tier reached."""

    name: str
    metric: str
    mode: str
    tiers: tuple[MilestoneTier, ...]
    limits: Limits = Limits()
    text: Text = Text()
    span: Span = _span()
    metric_span: Span | None = field(default=None, compare=False, repr=False)


Reward: TypeAlias = Prize | Rebate | Commission | Subsidy | Bonus | Milestone


@dataclass(frozen=True, slots=True)
class Due:
    """``20 business days after activity`` (``business=True``) or a calendar offset."""

    amount: int
    business: bool
    after: str
    span: Span = _span()
    after_span: Span | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Payout:
    channel: str | None
    due: Due | None
    text: Text = Text()
    span: Span = _span()
    # issue 10, construct 6 (periods): `paid monthly` (`weekly`, `daily`) as written.
    paid: str | None = None
    paid_span: Span | None = field(default=None, compare=False, repr=False)


# --------------------------------------------------------------------------- examples
# `example` items: inline data plus expected outcomes, run by `rulekit test`.


@dataclass(frozen=True, slots=True)
class TimestampValue:
    """A ``DATE TIME`` value in an example row, naive: a UTC instant like the data, or a
    wall-clock time of the program's time zone when the example says ``times: local``."""

    value: dt.datetime
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class NullValue:
    """``null`` in an example: no value."""

    span: Span = _span()


ExampleValue: TypeAlias = Literal | TimestampValue | NullValue


@dataclass(frozen=True, slots=True)
class ExampleField:
    """``column = value`` in a ``given`` row; ``span`` is the column name's."""

    column: str
    value: ExampleValue
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ExampleRow:
    """``given TABLE: col = value, ...``: one row of an example's inline table set."""

    table: str
    fields: tuple[ExampleField, ...]
    span: Span = _span()

    def value(self, column: str) -> ExampleValue | None:
        return next((f.value for f in self.fields if f.column == column), None)


class ExpectKind(enum.Enum):
    """What one expectation item checks (see ``docs/test.md``)."""

    ELIGIBLE = "eligible"
    QUALIFIED = "qualified"
    DISQUALIFIED = "disqualified"  # `disqualified by NAME` (name set) or `not disqualified`
    WARNED = "warned"  # `warned NAME` or `not warned` (name None)
    PASSES = "passes"
    FAILS = "fails"
    NOT_JUDGED = "not judged"
    RANK = "rank"  # value: Number, or NullValue for `unranked`
    REWARD = "reward"  # `prize NAME = $1`; reward_kind says which keyword was written
    TOTAL = "total"
    METRIC = "metric"  # member set for `host h1 effective_live_time = 14 hours`


@dataclass(frozen=True, slots=True)
class Expectation:
    """One item of an ``expect`` line; ``negated`` is a leading ``not``."""

    kind: ExpectKind
    negated: bool = False
    name: str | None = None
    value: ExampleValue | None = None
    reward_kind: str | None = None
    member_noun: str | None = None
    member: str | None = None
    span: Span = _span()
    name_span: Span | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class ExampleExpect:
    """``expect a1: ...`` (a participant) or ``expect order o1: ...`` (one event row)."""

    subject: str
    order: bool
    items: tuple[Expectation, ...]
    span: Span = _span()
    # issue 10, construct 6 (periods): `expect s1 in 2024-03: …`, the pay period's label.
    period: str | None = None


@dataclass(frozen=True, slots=True)
class Example:
    """A named example: rows of inline data and the outcomes they must produce."""

    name: str
    rows: tuple[ExampleRow, ...] = ()
    expects: tuple[ExampleExpect, ...] = ()
    text: Text = Text()
    span: Span = _span()
    # `times: local`: the rows' timestamps are wall-clock times of the program's time zone.
    local_times: bool = False


Declaration: TypeAlias = Header | Table | Entity | Window | Metric | Clause | Ranking | Reward | Payout


@dataclass(frozen=True)  # no slots: the by-name indexes below are cached on the instance
class Program:
    """A whole rule file. Collections keep source order; lookups are by name.

    Evaluators and explanations look names up hundreds of thousands of times per
    settlement, so lookups go through indexes built once per program.
    """

    header: Header | None
    tables: tuple[Table, ...] = ()
    participant: Entity | None = None
    member: Entity | None = None
    windows: tuple[Window, ...] = ()
    metrics: tuple[Metric, ...] = ()
    clauses: tuple[Clause, ...] = ()
    rankings: tuple[Ranking, ...] = ()
    rewards: tuple[Reward, ...] = ()
    payout: Payout | None = None
    examples: tuple[Example, ...] = ()
    source: str = field(default="", compare=False, repr=False)
    path: str = field(default="<string>", compare=False)

    @functools.cached_property
    def _tables_by_name(self) -> dict[str, Table]:
        return _first_by_name(self.tables)

    @functools.cached_property
    def _windows_by_name(self) -> dict[str, Window]:
        return _first_by_name(self.windows)

    @functools.cached_property
    def _metrics_by_name(self) -> dict[str, Metric]:
        return _first_by_name(self.metrics)

    @functools.cached_property
    def _rankings_by_name(self) -> dict[str, Ranking]:
        return _first_by_name(self.rankings)

    def table(self, name: str) -> Table | None:
        return self._tables_by_name.get(name)

    def window(self, name: str) -> Window | None:
        return self._windows_by_name.get(name)

    def metric(self, name: str) -> Metric | None:
        return self._metrics_by_name.get(name)

    def ranking(self, name: str) -> Ranking | None:
        return self._rankings_by_name.get(name)

    def clauses_of(self, kind: ClauseKind) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if c.kind is kind)


_Named = TypeVar("_Named", Table, Window, Metric, Ranking)


def _first_by_name(items: tuple[_Named, ...]) -> dict[str, _Named]:
    """Name -> declaration; with duplicates (a checker error) the first one wins, as before."""
    index: dict[str, _Named] = {}
    for item in items:
        index.setdefault(item.name, item)
    return index
