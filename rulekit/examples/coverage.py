"""Clause and reward coverage across a file's examples.

* A clause is covered when some example saw it hold and some example saw it not hold
  (for a participant, judged); a clause with a ``when`` guard must also have been
  seen with its guard not met ("not judged").
* A reward is covered when some example pays it a non-zero amount (a commission:
  applies its rate to some order) and some example expects it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rulekit import ir
from rulekit.examples.model import reward_word
from rulekit.plan.kinds import kind_of
from rulekit.results import Decision, Settlement

HELD, NOT_HELD, NOT_JUDGED = "held", "did not hold", "not judged"


@dataclass
class Observations:
    """What the examples of one file showed, accumulated example by example."""

    clause_states: dict[str, set[str]] = field(default_factory=dict)
    paid: set[str] = field(default_factory=set)
    expected: set[str] = field(default_factory=set)

    def see_settlement(self, settlement: Settlement) -> None:
        for participant in settlement.participants:
            for outcome in participant.clauses:
                state = NOT_JUDGED if not outcome.judged else HELD if outcome.holds else NOT_HELD
                self.clause_states.setdefault(outcome.name, set()).add(state)
            self.paid.update(r.name for r in participant.rewards if r.amount != 0)

    def see_decision(self, decision: Decision) -> None:
        for effect in decision.effects:
            if (effect.kind == "commission" and effect.applies) or (effect.kind == "subsidy" and effect.amount != 0):
                self.paid.add(effect.name)

    def see_example(self, example: ir.Example) -> None:
        for expect in example.expects:
            self.expected.update(i.name for i in expect.items if i.kind is ir.ExpectKind.REWARD and i.name)


@dataclass(frozen=True)
class Gap:
    """One thing the examples do not cover, with where it is declared."""

    kind: str  # "clause" or "reward"
    name: str
    message: str
    span: ir.Span


@dataclass(frozen=True)
class Coverage:
    clauses: int
    clauses_covered: int
    rewards: int
    rewards_covered: int
    gaps: tuple[Gap, ...]

    @property
    def full(self) -> bool:
        return not self.gaps


def _needed(clause: ir.Clause) -> tuple[str, ...]:
    return (HELD, NOT_HELD, NOT_JUDGED) if clause.guard is not None else (HELD, NOT_HELD)


_MISSING = {
    HELD: "no example where it held",
    NOT_HELD: "no example where it did not hold",
    NOT_JUDGED: "no example where its `when` guard was not met",
}


def coverage(program: ir.Program, seen: Observations) -> Coverage:
    """Which clauses and rewards of ``program`` the observations leave uncovered."""
    gaps: list[Gap] = []
    clauses_covered = 0
    for clause in program.clauses:
        states = seen.clause_states.get(clause.name, set())
        missing = [_MISSING[s] for s in _needed(clause) if s not in states]
        clauses_covered += not missing
        if missing:
            message = f"clause `{clause.name}` never decided an outcome: {'; '.join(missing)}"
            gaps.append(Gap("clause", clause.name, message, clause.span))
    rewards_covered = 0
    for reward in program.rewards:
        problems = []
        if reward.name not in seen.paid:
            applied = "pays it a non-zero amount" if kind_of(reward).paid else "applies it to an order"
            problems.append(f"no example {applied}")
        if reward.name not in seen.expected:
            problems.append("no example expects it")
        rewards_covered += not problems
        if problems:
            message = f"{reward_word(reward)} `{reward.name}` is not covered: {'; '.join(problems)}"
            gaps.append(Gap("reward", reward.name, message, reward.span))
    return Coverage(len(program.clauses), clauses_covered, len(program.rewards), rewards_covered, tuple(gaps))
