"""Result models of decisions and settlements.

Both evaluators produce a :class:`ParticipantResult` (``Decision`` is the same model,
as ``decide`` returns it), so the cross-checks compare like with like. It is a pydantic
model: ``model_dump_json()`` gives stable JSON (money as decimal strings).

A :class:`Settlement` is columnar: it holds the settlement as an Arrow table whose
columns :func:`rulekit.result_schema.result_schema` derives from the rule file. A
participant's :class:`ParticipantResult`, with its clause outcomes and reasons in
words, is built when it is read (``settlement.participant(id)``, indexing or iterating
``settlement.participants``), not when the settlement is built.

Metric values are canonical per aggregate (see ``docs/semantics.md``): ``int`` for
counts, ``Decimal`` for money, averages and seconds of time, exact ``Fraction`` for
ratios, ``None`` for "no value".
"""

from __future__ import annotations

import datetime as dt
import difflib
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal, Self, overload

import pyarrow as pa
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, PrivateAttr, computed_field

from rulekit.errors import OutputError

if TYPE_CHECKING:
    import pandas  # type: ignore[import-untyped]
    import polars

    from rulekit import ir

# `latest` / `first` (issue 10) report the column's own value: text, yes/no, a moment or a day.
MetricValue = int | Decimal | Fraction | str | bool | dt.datetime | dt.date | None
ClauseKindName = Literal["eligible", "gate", "warn", "disqualify"]
Total = int | Decimal


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
    kind: str  # the registry name of the reward kind: prize, rebate, bonus, milestone, subsidy, …
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
    """The outcome for one participant: a settlement row, or a single decision.

    ``rewards`` is empty for a participant that does not qualify, and lists every
    reward of the program (``0.00`` when out of the money) for one that does.
    ``payout_due`` is set only when ``total_payout`` is above zero. ``effects`` holds
    the per-order effects of a decision (a settlement reports their sums in
    ``commission_due`` / ``commission_waived`` and the subsidy rewards).
    """

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    program: str = ""
    id: str | None = Field(default=None, validation_alias=AliasChoices("id", "participant_id"))
    eligible: bool
    qualified: bool
    disqualified: bool = False
    warnings: list[str] = Field(default_factory=list)
    metrics: dict[str, MetricValue] = Field(default_factory=dict)
    members: dict[str, dict[str, MetricValue]] = Field(default_factory=dict)
    clauses: list[ClauseOutcome] = Field(default_factory=list)
    rank: int | None = None
    rewards: list[RewardAmount] = Field(default_factory=list)
    effects: list[OrderEffect] = Field(default_factory=list)
    commission_due: Decimal | None = None
    commission_waived: Decimal | None = None
    total_payout: Decimal = Decimal(0)
    payout_due: dt.date | None = None
    reasons: list[str] = Field(default_factory=list)

    # The program it was evaluated under, for explain(); not part of the value (see __eq__).
    _program: ir.Program | None = PrivateAttr(default=None)

    def __eq__(self, other: object) -> bool:
        # Fields only: pydantic would also compare the private program reference, and a result
        # read from a settlement must equal the same result built by hand.
        if not isinstance(other, BaseModel):
            return NotImplemented
        return type(self) is type(other) and self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]  # its list fields make it unhashable anyway

    @property
    def participant_id(self) -> str | None:
        """The participant's id (the name ``decide`` has always used)."""
        return self.id

    def under(self, program: ir.Program) -> Self:
        """This result, remembering the program it came from (for :meth:`explain`); returns itself."""
        self._program = program
        return self

    def explain(self, program: ir.Program | None = None) -> str:
        """This outcome in words, clause by clause (see :mod:`rulekit.explain`).

        ``program`` is needed only for a result built by hand; one read from a
        settlement or returned by ``decide`` knows its program.
        """
        # Imported here: rulekit.explain renders these models, so it imports this module.
        from rulekit.explain import explain_participant

        return explain_participant(self._known(program), self)

    def _known(self, program: ir.Program | None) -> ir.Program:
        found = program if program is not None else self._program
        if found is None:
            raise ValueError("this result was built by hand: pass the program to explain()")
        return found


class Decision(ParticipantResult):
    """The outcome of ``program.decide(facts)``: the same fields as a settlement row.

    Its JSON also carries ``participant_id`` (equal to ``id``), the name decisions
    were serialised with before the two shapes became one; :meth:`explain` words it
    as a decision (per-order effects, notes on what only a settlement can know).
    """

    @computed_field(alias="participant_id")  # type: ignore[prop-decorator]
    @property
    def participant_id(self) -> str | None:
        return self.id

    def explain(self, program: ir.Program | None = None) -> str:
        from rulekit.explain import explain_decision

        return explain_decision(self._known(program), self)


class DataIssue(BaseModel):
    """A data-quality finding: rows that could not be used as they are."""

    model_config = ConfigDict(frozen=True)

    table: str
    column: str | None
    problem: str  # "null in a required column", "end_ts before start_ts", ...
    rows: int
    example: str | None = None  # one offending row, as text


class UnknownParticipantError(OutputError, LookupError):
    """No participant with that id in the settlement; ``suggestion`` is the closest id."""

    def __init__(self, participant_id: str, suggestion: str | None) -> None:
        self.participant_id = participant_id
        self.suggestion = suggestion
        hint = f"; did you mean `{suggestion}`?" if suggestion else ""
        super().__init__(f"no participant `{participant_id}` in the settlement{hint}")


# ------------------------------------------------------------------------ settlement


class ParticipantSource(ABC):
    """Where a settlement's participants come from: the rows of its table, read one at a time."""

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def ids(self) -> Sequence[str]:
        """Every participant id, in settlement order (rank, then id)."""

    @abstractmethod
    def read(self, index: int) -> ParticipantResult:
        """The participant at ``index``, with its reasons worded."""

    @abstractmethod
    def table(self) -> pa.Table:
        """The settlement as an Arrow table, one row per participant."""


class Participants(Sequence[ParticipantResult]):
    """A settlement's participants in order; each is built (and its reasons worded) when read."""

    __slots__ = ("_source",)

    def __init__(self, source: ParticipantSource) -> None:
        self._source = source

    def __len__(self) -> int:
        return len(self._source)

    @overload
    def __getitem__(self, index: int) -> ParticipantResult: ...

    @overload
    def __getitem__(self, index: slice) -> list[ParticipantResult]: ...

    def __getitem__(self, index: int | slice) -> ParticipantResult | list[ParticipantResult]:
        if isinstance(index, slice):
            return [self._source.read(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._source.read(index)

    def __iter__(self) -> Iterator[ParticipantResult]:
        return (self._source.read(i) for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Participants | list | tuple):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable-like sequence semantics, as a list

    def __repr__(self) -> str:
        return f"<{len(self)} participants>"


class _Listed(ParticipantSource):
    """Participants given as result objects (a settlement built by hand, e.g. in tests)."""

    def __init__(self, people: Sequence[ParticipantResult], currency: str) -> None:
        self._people = list(people)
        self._currency = currency

    def __len__(self) -> int:
        return len(self._people)

    def ids(self) -> Sequence[str]:
        return [str(p.id) for p in self._people]

    def read(self, index: int) -> ParticipantResult:
        return self._people[index]

    def table(self) -> pa.Table:
        # Without a rule file the columns can only be those the results have.
        from rulekit.result_schema import money_type

        money = money_type(self._currency)
        people = self._people
        columns: dict[str, pa.Array] = {
            "id": pa.array([p.id for p in people], pa.string()),
            "rank": pa.array([p.rank for p in people], pa.int64()),
            "eligible": pa.array([p.eligible for p in people], pa.bool_()),
            "qualified": pa.array([p.qualified for p in people], pa.bool_()),
            "disqualified": pa.array([p.disqualified for p in people], pa.bool_()),
            "warnings": pa.array([";".join(p.warnings) for p in people], pa.string()),
        }
        for name in dict.fromkeys(r.name for p in people for r in p.rewards):
            amounts = [next((r.amount for r in p.rewards if r.name == name), None) for p in people]
            columns[f"reward.{name}"] = pa.array(amounts, money)
        columns["total_payout"] = pa.array([p.total_payout for p in people], money)
        columns["payout_due"] = pa.array([p.payout_due for p in people], pa.date32())
        return pa.table(columns)


class _Column(BaseModel):
    name: str
    type: str


class _Document(BaseModel):
    """The JSON form of a settlement (``rulekit run --out x.json``)."""

    program: str
    currency: str
    timezone: str
    participants: list[ParticipantResult]
    totals: dict[str, Total]
    payout_due: dt.date | None
    data_quality: list[DataIssue]
    columns: list[_Column]  # the columns of the table form, so the shape shows with no participants


class Settlement:
    """The settlement of a whole program over one set of input tables, backed by an Arrow table.

    ``to_arrow()`` / ``to_pandas()`` / ``to_polars()`` give the table (columns in
    ``docs/run.md``); ``participant(id)`` one participant's full result, with
    ``.explain()``; ``participants`` all of them in order (rank, then id), each built
    when read. ``totals`` holds money as ``Decimal`` and counts as ``int``.
    """

    __slots__ = ("_index", "_source", "currency", "data_quality", "payout_due", "program", "timezone", "totals")

    def __init__(
        self,
        *,
        program: str,
        currency: str,
        timezone: str,
        participants: Sequence[ParticipantResult] | ParticipantSource = (),
        totals: Mapping[str, Total] | None = None,
        payout_due: dt.date | None = None,
        data_quality: Sequence[DataIssue] = (),
    ) -> None:
        self.program = program
        self.currency = currency
        self.timezone = timezone
        self._source = participants if isinstance(participants, ParticipantSource) else _Listed(participants, currency)
        self.totals: dict[str, Total] = dict(totals or {})
        self.payout_due = payout_due
        self.data_quality = list(data_quality)
        self._index: dict[str, int] | None = None

    @property
    def participants(self) -> Participants:
        return Participants(self._source)

    def __len__(self) -> int:
        return len(self._source)

    def __iter__(self) -> Iterator[ParticipantResult]:
        return iter(self.participants)

    def participant(self, participant_id: str) -> ParticipantResult:
        """One participant's result, its reasons worded now; :class:`UnknownParticipantError`
        (with the closest id as a suggestion) when there is none."""
        if self._index is None:
            self._index = {pid: i for i, pid in enumerate(self._source.ids())}
        found = self._index.get(participant_id)
        if found is None:
            close = difflib.get_close_matches(participant_id, list(self._index), n=1, cutoff=0.5)
            raise UnknownParticipantError(participant_id, close[0] if close else None)
        return self._source.read(found)

    @property
    def schema(self) -> pa.Schema:
        return self.to_arrow().schema

    def to_arrow(self) -> pa.Table:
        """One row per participant, columns as ``rulekit.result_schema.result_schema`` (``docs/run.md``)."""
        return self._source.table()

    def to_pandas(self) -> pandas.DataFrame:
        """The table as a pandas DataFrame (money and exact amounts as ``Decimal`` objects)."""
        return self.to_arrow().to_pandas()

    def to_polars(self) -> polars.DataFrame:
        """The table as a polars DataFrame (money as ``Decimal`` columns)."""
        import polars

        frame = polars.from_arrow(self.to_arrow())
        assert isinstance(frame, polars.DataFrame)
        return frame

    def _document(self) -> _Document:
        return _Document(
            program=self.program,
            currency=self.currency,
            timezone=self.timezone,
            participants=list(self.participants),
            totals=self.totals,
            payout_due=self.payout_due,
            data_quality=self.data_quality,
            columns=[_Column(name=f.name, type=str(f.type)) for f in self.schema],
        )

    def model_dump_json(self, *, indent: int | None = None) -> str:
        """The whole settlement as JSON: every participant with its reasons, totals, data quality, columns."""
        return self._document().model_dump_json(indent=indent, by_alias=True)

    def model_dump(self) -> dict[str, Any]:
        """The JSON form as Python values."""
        return self._document().model_dump(by_alias=True)

    def __repr__(self) -> str:
        return f"Settlement({self.program!r}, {len(self)} participants, currency={self.currency!r})"
