"""What the kinds paid from one participant metric share (rebate, bonus, milestone).

Their algebra is ``metric → formula → per-participant cap → rounding → budget``; a
kind gives only its formula, in Python (``raw``) and SQL (``sql_raw``), and its words.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar

from sqlglot import exp

from rulekit import ir
from rulekit.rewards.base import RewardKind
from rulekit.sql import build as b
from rulekit.sql.exprs import CompileError, Operand
from rulekit.sql.rewards import amount_stages

if TYPE_CHECKING:
    from rulekit.render.words import Words
    from rulekit.sql.exprs import Scope
    from rulekit.sql.rewards import Stages

AmountT = TypeVar("AmountT", ir.Rebate, ir.Bonus, ir.Milestone)


class MetricAmountKind(RewardKind[AmountT]):
    """A kind whose amount is a formula of one participant metric."""

    def limits(self, reward: AmountT) -> ir.Limits:
        return reward.limits

    @abstractmethod
    def metric(self, reward: AmountT) -> tuple[str, ir.Span | None]: ...

    def metric_name(self, reward: AmountT) -> str:
        return self.metric(reward)[0]

    @abstractmethod
    def raw(self, reward: AmountT, value: object) -> Decimal:
        """The formula in Python: the amount before the cap, from the metric's value."""

    @abstractmethod
    def sql_raw(self, reward: AmountT, value: Operand) -> exp.Expression:
        """The formula in SQL (an exact decimal), from the metric's operand."""

    def py_amount(self, reward: AmountT, values: Mapping[str, object]) -> Decimal:
        return self.raw(reward, values.get(self.metric_name(reward)))

    def sql_stages(self, stages: Stages, reward: AmountT, scope: Scope) -> None:
        name = self.metric_name(reward)
        value = scope.resolve(name)
        if value is None:
            raise CompileError(f"unknown metric {name!r}")
        amount_stages(stages, reward.name, reward.limits, self.sql_raw(reward, value))

    def most_for_one(self, reward: AmountT, words: Words) -> list[tuple[str, Decimal]] | None:
        """Only the per-participant cap bounds what one participant gets."""
        from rulekit.render.i18n import _
        from rulekit.render.words import a_name, humanize

        cap = reward.limits.per_participant
        if cap is None:
            return None
        label = _("{a_reward} of at most {amount}").format(
            a_reward=a_name(humanize(reward.name)), amount=words.fmt.money(cap)
        )
        return [(label, cap.amount)]


def positive_base(reward: ir.Reward, value: Operand, amount: exp.Expression) -> exp.Expression:
    """``amount`` where the base is positive, else 0 (a null or negative base earns nothing)."""
    if value.den is not None:
        raise CompileError(f"{reward.name}: a ratio or average cannot be the base of a payment in settlement")
    positive = exp.GT(this=value.num, expression=b.integer(0))
    return b.case([(b.is_true(positive), amount)], b.integer(0))
