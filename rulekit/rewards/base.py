"""The interface every reward kind implements, and the defaults most kinds share.

An entry is a singleton object; its methods take the kind's own IR declaration
(``R``). Stages call them through :func:`rulekit.plan.kinds.kind_of` and never test
a reward's class. This module imports only the IR at run time, so the plan can
name :class:`RewardKind` without loading the stages the entries call into.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from rulekit import ir

if TYPE_CHECKING:
    from sqlglot import exp

    from rulekit.checks.context import Context
    from rulekit.diff import Collector, Decl
    from rulekit.facts import Row
    from rulekit.pyeval.program import CompiledEffect, EffectOutcome
    from rulekit.render.model import Fact, Table
    from rulekit.render.words import Words
    from rulekit.sql.exprs import Scope
    from rulekit.sql.rewards import Stages

R = TypeVar("R", bound=ir.Reward)

# ``effect.run(row, participant, eligible, qualified)``: one order's outcome.
EffectFn = Callable[["Row", "Row", bool, bool], "EffectOutcome"]


@dataclass(frozen=True, slots=True)
class OrderSource:
    """Where a per-order kind is decided: a money ``column`` of the event ``table``,
    on the rows its ``filters`` (window, where) select."""

    table: str
    column: str
    filters: ir.Filters
    table_span: ir.Span | None
    column_span: ir.Span | None


@dataclass(frozen=True, slots=True)
class Paid:
    """What is known about one participant's reward when it is explained.

    ``amount`` is what is paid and ``before_limits`` what it would be without a pool
    or budget (both after the per-participant cap). Prizes: ``rank``, ``ranked`` (how
    many were ranked), ``tied`` (the size of the tie group). Per-order kinds:
    ``orders`` paid and ``candidates`` (qualifying orders before ``max orders``).
    """

    amount: Decimal
    before_limits: Decimal
    rank: int | None = None
    ranked: int | None = None
    tied: int = 1
    orders: int | None = None
    candidates: int | None = None


class RewardKind(ABC, Generic[R]):
    """One reward kind: its name and what every stage needs from it.

    ``per_order`` kinds are decided on each event row; ``paid`` kinds are money paid
    to the participant (a commission is charged); ``total`` is the key of
    ``Settlement.totals`` the kind adds up in; ``keyword`` starts its declaration
    (and an example's ``expect`` item); ``pool_word`` is what its pool is called.
    """

    name: str
    decl: type[R]
    keyword: str
    total: str
    per_order: bool = False
    paid: bool = True
    pool_word: str = "budget"
    status: str = "qualified"  # the participant flag its amounts need (a commission: ``eligible``)

    # ------------------------------------------------------------ what it reads

    @abstractmethod
    def limits(self, reward: R) -> ir.Limits | None:
        """Its caps, pool and order limits; ``None`` for a kind that has none."""

    def metric(self, reward: R) -> tuple[str, ir.Span | None] | None:
        """The participant metric it is computed from, with the span naming it."""
        return None

    def ranking(self, reward: R) -> tuple[str, ir.Span | None] | None:
        """The ranking it pays by, with the span naming it."""
        return None

    def order(self, reward: R) -> OrderSource | None:
        """The event table and column a per-order kind is decided on."""
        return None

    # ------------------------------------------------------------------ checks

    @abstractmethod
    def check(self, ctx: Context, reward: R) -> None:
        """Report what is wrong with ``reward`` (limits are checked by the caller)."""

    def unbounded(self, reward: R) -> tuple[str, str]:
        """RK418's message and hint when nothing bounds the kind's total."""
        return (
            f"{self.name} `{reward.name}` has no total limit: it grows with the number of participants",
            "add `budget: …` (and `overflow: scale down` or `first come`) to bound the total",
        )

    # ------------------------------------------------------------------ bounds

    def bound(self, program: ir.Program, reward: R) -> Decimal | None:
        """The most it can pay in total; ``None`` when nothing bounds it (default: its pool)."""
        limits = self.limits(reward)
        if limits is None:
            return Decimal(0)
        return limits.pool.amount if limits.pool is not None else None

    @abstractmethod
    def most_for_one(self, reward: R, words: Words) -> list[tuple[str, Decimal]] | None:
        """The largest amount one participant can get, worded (``[]``: it pays nothing;
        ``None``: nothing bounds it)."""

    # -------------------------------------------------------------- evaluation

    def py_amount(self, reward: R, values: Mapping[str, object]) -> Decimal | None:
        """The amount before the cap from one participant's metric values; ``None`` for a
        kind that is not decided from them alone (prizes rank, per-order kinds sum orders)."""
        return None

    def compile_effect(self, effect: CompiledEffect) -> EffectFn:
        """A per-order kind's closure over one order (see ``CompiledEffect``)."""
        raise TypeError(f"{self.name} is not decided per order")

    def effect_reason(
        self,
        reward: R,
        outcome: EffectOutcome,
        code: str,
        base: str,
        inside: Callable[[], str],
        why_not: Callable[[], str],
    ) -> str:
        """A per-order kind: one order's effect in words. ``base`` is the column and its
        value; ``inside()`` says why the order matched, ``why_not()`` why it did not."""
        raise TypeError(f"{self.name} is not decided per order")

    @abstractmethod
    def sql_stages(self, stages: Stages, reward: R, scope: Scope) -> str | None:
        """Add its settlement stages; a per-order kind returns the CTE to join instead."""

    def order_columns(self, reward: R, alias: str) -> list[exp.Expression]:
        """A per-order kind: the columns its joined CTE adds to the participant row."""
        return []

    def row_extras(self, reward: R) -> tuple[tuple[str, str], ...]:
        """``(Paid field, result column)`` pairs a settlement row reads for its reason."""
        return ()

    # ------------------------------------------------------------------- words

    @abstractmethod
    def describe(self, reward: R, program: ir.Program, words: Words) -> tuple[list[str], Table | None]:
        """Its sentences (and table) in the policy document."""

    def facts(self, reward: R, words: Words) -> list[Fact]:
        """Its at-a-glance rows in the document: its budget, when it has one."""
        # Imported here, like every stage this module names: the plan imports this module.
        from rulekit.render.model import Fact
        from rulekit.render.words import humanize

        limits = self.limits(reward)
        if limits is None or limits.pool is None:
            return []
        from rulekit.render.periods import budget_period_words

        title = humanize(reward.name)
        from rulekit.render.i18n import _

        label = _("{Title} pool cap") if self.pool_word == "pool cap" else _("{Title} budget")
        amount = words.fmt.money(limits.pool) + budget_period_words(limits, words)  # `£50 per day (…)`
        return [Fact(label.format(Title=title[:1].upper() + title[1:]), amount)]

    @abstractmethod
    def reason(self, program: ir.Program, reward: R, values: Mapping[str, object], code: str, paid: Paid) -> str:
        """Why a participant gets what it gets, with the arithmetic (before pool limits)."""

    def notes(self, reward: R, noun: str, code: str) -> list[str]:
        """What a single decision cannot know about this reward (it depends on others)."""
        from rulekit.reasons import format_money

        limits, name, notes = self.limits(reward), reward.name, []
        if limits is None:
            return []
        if limits.max_orders is not None:
            notes.append(
                f"{name}: at most {limits.max_orders} orders per {noun} are paid; that depends on the {noun}'s "
                "other orders and is applied at settlement"
            )
        if limits.pool is not None:
            # `budget: … per day`: each local day's budget is shared by that day's orders of every participant.
            period = f" per {limits.pool_period} (local time)" if limits.pool_period else ""
            notes.append(
                f"{name}: the {format_money(limits.pool.amount, code, whole=True)} {self.pool_word}{period} is shared "
                f"by all {noun}s; amounts here are before it"
            )
        return notes

    @abstractmethod
    def summary(self, reward: R) -> list[str]:
        """``rulekit diff``: the parts of a one-line description of the whole declaration."""

    @abstractmethod
    def diff(self, c: Collector, decl: Decl, old: R, new: R) -> None:
        """``rulekit diff``: record what changed between two declarations of this kind."""


AnyKind = RewardKind[Any]
