"""The compiled fast path of every program: outcomes without reasons, reasons when read.

``program.decide_fast(facts)`` returns an :class:`Outcome` — eligible, qualified,
disqualified, warnings, metrics, the rewards a participant earns on its own and the
per-order effects — without wording anything. Its ``clauses`` (with their reasons),
``reasons`` and :meth:`Outcome.decision` (the very :class:`~rulekit.results.Decision` that
``decide`` returns) are worded from the evaluation's values when first read.

How it is fast: two functions generated as Python source from the plan and compiled once
per program (:mod:`rulekit.fastpath.codegen`: every clause as straight-line code;
:mod:`rulekit.fastpath.reader`: a reader of per-participant facts with metric values given).
Facts the generated reader does not take (events to aggregate, anything unusual or wrong)
are read and evaluated by the reference evaluator (:mod:`rulekit.pyeval`), which computes
the metrics or raises the documented :class:`~rulekit.errors.FactsError`; a plan holding a
construct the generator does not know is evaluated by the reference evaluator throughout
(``FastProgram.generated`` says which). The outcome is the same either way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, NamedTuple

from rulekit.clause_reasons import clause_reason, traced_reason
from rulekit.facts import Facts, Row
from rulekit.money import minor_unit
from rulekit.plan.kinds import kind_of
from rulekit.pyeval import rewards as arithmetic
from rulekit.pyeval.decision import _reason_cache, decide, decision_reasons
from rulekit.pyeval.exprs import MEMBERS
from rulekit.pyeval.program import EffectOutcome, Evaluation, PyProgram
from rulekit.pyeval.trace import MEMBER_IDS
from rulekit.results import Decision
from rulekit.timeutil import due_date

from .codegen import ClauseCode, Unsupported, compile_clauses
from .reader import ReaderCode, compile_reader
from .straight import MISSING, StraightCode, compile_straight

__all__ = ["ClauseResult", "FastProgram", "Outcome", "RewardOutcome"]


class ClauseResult(NamedTuple):
    """One clause's outcome with its reason in words (the fields of ``ClauseOutcome``)."""

    name: str
    kind: str
    holds: bool
    judged: bool
    reason: str


class RewardOutcome(NamedTuple):
    """A reward a participant earns on its own, before population-wide limits."""

    name: str
    kind: str
    amount: Decimal


class Outcome:
    """The outcome of one decision; reasons are worded when read.

    ``eligible``, ``qualified``, ``disqualified``, ``warnings``, ``metrics``, ``members``
    (member id → metric values), ``rewards`` (:class:`RewardOutcome`), ``effects``
    (:class:`~rulekit.pyeval.program.EffectOutcome`), ``total_payout`` and ``payout_due``
    are the values ``decide`` reports. ``clauses`` and ``reasons`` are worded on first
    access; :meth:`decision` builds the full :class:`~rulekit.results.Decision`.
    """

    __slots__ = (
        "_clauses",
        "_decision",
        "_evaluated",
        "_facts",
        "_pieces",
        "_program",
        "_reasons",
        "_state",
        "disqualified",
        "effects",
        "eligible",
        "id",
        "payout_due",
        "qualified",
        "rewards",
        "total_payout",
        "warnings",
    )

    def __init__(
        self,
        program: FastProgram,
        evaluation: Evaluation | None,
        facts: Facts | None,
        rewards: tuple[RewardOutcome, ...],
        effects: tuple[EffectOutcome, ...],
        pieces: _Pieces | None = None,
    ) -> None:
        self._program = program
        self._evaluated = evaluation
        self._facts = facts
        self._pieces = pieces  # what the generated code read, when it decided (the rest is built when read)
        self._clauses: tuple[ClauseResult, ...] | None = None
        self._reasons: list[str] | None = None
        self._decision: Decision | None = None
        self._state: tuple[Any, ...] | None = None  # the straight path's checked values (``straight``)
        self.rewards = rewards
        self.effects = effects
        total = sum((r.amount for r in rewards), program.zero)
        self.total_payout: Decimal = total
        self.payout_due: dt.date | None = program.due if total > 0 else None
        if pieces is not None:
            self.id, self.eligible, self.qualified = pieces.pid, pieces.eligible, pieces.qualified
            self.disqualified, self.warnings = pieces.disqualified, tuple(pieces.warnings)
        else:
            assert evaluation is not None
            self.id, self.eligible, self.qualified = (
                evaluation.participant_id,
                evaluation.eligible,
                evaluation.qualified,
            )
            self.disqualified, self.warnings = evaluation.disqualified, tuple(evaluation.warnings)

    def __getattr__(self, name: str) -> Any:
        # The straight path sets only what it decided; the caches it leaves unset read as empty.
        if name in _UNSET:
            return _UNSET[name]
        raise AttributeError(name)

    @property
    def _evaluation(self) -> Evaluation:
        if self._evaluated is None:
            if self._pieces is None:  # decided by the straight path: read its values now
                assert self._state is not None
                self._pieces = self._program.pieces_from_state(self._state)
            self._evaluated = self._program.evaluation(self._pieces)
        return self._evaluated

    @property
    def metrics(self) -> dict[str, Any]:
        """The participant-level metric values (ratios as exact fractions)."""
        return self._evaluation.metrics

    @property
    def members(self) -> dict[str, dict[str, Any]]:
        """Each member's metric values, by member id."""
        return self._evaluation.members

    @property
    def holds(self) -> tuple[bool, ...]:
        """Whether each clause's condition holds, in the rule file's order (no words)."""
        if self._state is not None:
            return tuple(self._state[3][0::2])  # flat: holds, judged of each clause
        if self._pieces is not None:
            return tuple(h for h, _ in self._pieces.results)
        return tuple(h for _, h, _ in self._evaluation.outcomes)

    @property
    def clauses(self) -> tuple[ClauseResult, ...]:
        """Every clause's outcome with its reason, worded now from the trace of the clause."""
        if self._clauses is None:
            self._clauses = self._program.word_clauses(self._evaluation)
        return self._clauses

    @property
    def reasons(self) -> list[str]:
        """The top-level reasons, as ``Decision.reasons`` words them."""
        if self._reasons is None:
            py = self._program.py
            order_mode = self._facts is not None and bool(self._facts.events)
            self._reasons = decision_reasons(py, self._bare_clauses(), self.qualified, order_mode)
        return self._reasons

    def _bare_clauses(self) -> list[ClauseResult]:
        # The top-level reasons read outcomes only: no clause needs wording for them.
        return [ClauseResult(c.name, c.kind.value, holds, judged, "") for c, holds, judged in self._evaluation.outcomes]

    def decision(self) -> Decision:
        """The full decision, equal to ``program.decide(facts)`` on the same facts."""
        if self._decision is None:
            facts = self._facts if self._facts is not None else self._program.facts(self._evaluation)
            self._decision = decide(self._program.py, facts, self._program.with_env(self._evaluation))
        return self._decision

    def __repr__(self) -> str:
        flags = f"eligible={self.eligible}, qualified={self.qualified}, disqualified={self.disqualified}"
        return f"Outcome({self.id!r}, {flags}, warnings={self.warnings!r}, total_payout={self.total_payout})"


# What an outcome built by the straight path holds before it is read (its slots left unset).
_UNSET: dict[str, Any] = {
    "_clauses": None,
    "_decision": None,
    "_evaluated": None,
    "_facts": None,
    "_pieces": None,
    "_reasons": None,
    "effects": (),
}


class _Pieces(NamedTuple):
    """What the generated code read and decided for one participant."""

    pid: str
    row: Row
    metrics: dict[str, Any]
    members: list[tuple[str, Row, dict[str, Any], Any]]
    results: tuple[tuple[bool, bool], ...]
    eligible: bool
    qualified: bool
    disqualified: bool
    warnings: list[str]


class FastProgram:
    """A program's fast path: generated reader and clauses over a :class:`PyProgram`."""

    def __init__(self, py: PyProgram) -> None:
        self.py = py
        plan = py.plan
        self.zero = Decimal(0).quantize(minor_unit(py.currency))
        self.due = due_date(py.ir)
        self._clause_defs = [c.decl for c in plan.clauses]
        self._kinds = [c.kind for c in plan.clauses]
        self._uses_members = any(c.quantifiers for c in plan.clauses)
        self.clause_code: ClauseCode | None
        self.reader_code: ReaderCode | None
        self.straight: StraightCode | None = None
        try:
            self.clause_code = compile_clauses(plan)
            self.reader_code = compile_reader(plan, py.windows)
        except Unsupported:
            self.clause_code = self.reader_code = None
        if self.clause_code is not None:
            bind = {"_new": object.__new__, "_Outcome": Outcome, "_fast": self, "_due": self.due}
            bind |= {"_zero": self.zero, "_Reward": RewardOutcome, "_fallback": self._generated}
            try:
                self.straight = compile_straight(plan, bind)
            except Unsupported:
                self.straight = None  # the reader and clause functions above decide instead
        # The function that decides: the straight path (falling back by itself), else the generated reader.
        self.run: Callable[[Mapping[str, Any]], Outcome] = (
            self.straight.decide if self.straight is not None else self._generated
        )
        self._rewards = [(r, kind, kind.limits(r)) for r, kind in py.rewards]
        self._paid_per_order = [r for r in py.ir.rewards if kind_of(r).per_order and kind_of(r).paid]

    @property
    def generated(self) -> bool:
        """Whether this program runs generated code (else the reference evaluator throughout)."""
        return self.clause_code is not None

    def decide(self, facts: Mapping[str, Any]) -> Outcome:
        """The outcome of one decision; raises :class:`~rulekit.errors.FactsError` on bad facts."""
        return self.run(facts)

    def _generated(self, facts: Mapping[str, Any]) -> Outcome:
        """The generated reader and clauses, else the reference evaluator."""
        if self.reader_code is not None and self.clause_code is not None:
            try:
                prow, metrics, members = self.reader_code.read(facts)
            except Exception:  # not facts the generated reader takes: the reference reads them
                return self._reference(facts)
            merged = [{**row, **values} for _, row, values, _ in members] if self._uses_members else []
            results, eligible, qualified, disqualified, warned = self.clause_code.run(prow, metrics, merged)
            key = self.py.participant_key
            pid = str(prow.get(key, "")) if key else ""
            pieces = _Pieces(pid, prow, metrics, members, results, eligible, qualified, disqualified, warned)
            rewards = self._participant_rewards(metrics, ()) if qualified else ()
            return Outcome(self, None, None, rewards, (), pieces)
        return self._reference(facts)

    def _reference(self, facts: Mapping[str, Any]) -> Outcome:
        py = self.py
        read = py.read(facts)
        order_mode = bool(read.events)
        evaluation = py.evaluate(read, only_needed=order_mode)
        effects: list[EffectOutcome] = []
        for table in py.effect_tables():
            if order_mode and table not in read.events:
                continue
            rows = [read.events[table]] if table in read.events else read.tables.get(table, [])
            effects += py.order_effects(evaluation, table, rows)
        rewards = (
            () if order_mode or not evaluation.qualified else self._participant_rewards(evaluation.metrics, effects)
        )
        return Outcome(self, evaluation, read, rewards, tuple(effects))

    def pieces_from_state(self, state: tuple[Any, ...]) -> _Pieces:
        """What the generated reader and clauses make of the values the straight path checked."""
        straight, reader, clauses = self.straight, self.reader_code, self.clause_code
        assert straight is not None and reader is not None and clauses is not None
        plan = self.py.plan
        values, members, given, _ = state
        facts: dict[str, Any] = {plan.participant.table: dict(zip(straight.participant_columns, values, strict=True))}
        if plan.member is not None:
            columns = straight.member_columns
            facts[plan.member.table] = [dict(zip(columns, m[1:], strict=True)) for m in members]
        facts |= {name: v for name, v in zip(straight.given, given, strict=True) if v is not MISSING}
        prow, metrics, read = reader.read(facts)
        merged = [{**row, **found} for _, row, found, _ in read] if self._uses_members else []
        results, eligible, qualified, disqualified, warned = clauses.run(prow, metrics, merged)
        key = self.py.participant_key
        pid = str(prow.get(key, "")) if key else ""
        return _Pieces(pid, prow, metrics, read, results, eligible, qualified, disqualified, warned)

    def facts(self, evaluation: Evaluation) -> Facts:
        """The facts the generated reader read, as the reference holds them (for the full decision)."""
        rows = list(evaluation.member_rows.values())
        member = self.py.member_table
        return Facts(evaluation.row, rows, {member: rows} if member is not None else {})

    def evaluation(self, pieces: _Pieces) -> Evaluation:
        """The reference's :class:`Evaluation` of what the generated code decided."""
        outcomes = [(c, h, j) for c, (h, j) in zip(self._clause_defs, pieces.results, strict=True)]
        members = pieces.members
        return Evaluation(
            pieces.pid,
            pieces.row,
            pieces.metrics,
            {mid: values for mid, _, values, _ in members},
            {mid: row for mid, row, _, _ in members},
            outcomes,
            pieces.eligible,
            pieces.disqualified,
            pieces.qualified,
            list(pieces.warnings),
        )

    def with_env(self, evaluation: Evaluation) -> Evaluation:
        """``evaluation`` with the environment its clauses read, as the reference builds it (for traces)."""
        if not evaluation.env:
            env: dict[str, Any] = dict(evaluation.row)
            env.update(evaluation.metrics)
            if self._uses_members:
                rows, values = evaluation.member_rows, evaluation.members
                env[MEMBERS] = [{**env, **rows[mid], **values[mid]} for mid in rows]
                env[MEMBER_IDS] = list(rows)
            evaluation.env = env
        return evaluation

    def word_clauses(self, evaluation: Evaluation) -> tuple[ClauseResult, ...]:
        """Each clause's outcome with its reason, worded from its trace over the evaluation's values."""
        py = self.py
        env = self.with_env(evaluation).env
        cache = _reason_cache(py)
        found = []
        for traced, (clause, holds, judged) in zip(py.traced_clauses(), evaluation.outcomes, strict=True):
            reason = traced_reason(py.plan, traced, env, cache, clause_reason)
            found.append(ClauseResult(clause.name, clause.kind.value, holds, judged, reason))
        return tuple(found)

    def _participant_rewards(self, metrics: dict[str, Any], effects: Any) -> tuple[RewardOutcome, ...]:
        """What ``decide`` pays a qualifying participant on its own (before pool and budget limits)."""
        found = []
        currency = self.py.currency
        for reward, kind, limits in self._rewards:
            raw = kind.py_amount(reward, metrics)
            if raw is not None and limits is not None:
                found.append(RewardOutcome(reward.name, kind.name, arithmetic.capped(raw, limits, currency)))
        for reward in self._paid_per_order:
            paid = [e.amount for e in effects if e.name == reward.name and e.applies]
            found.append(RewardOutcome(reward.name, kind_of(reward).name, sum(paid, Decimal(0))))
        return tuple(found)
