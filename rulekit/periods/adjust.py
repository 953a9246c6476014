"""What each pay period pays, from what its own run computed (issue 10, construct 6).

Each period is first evaluated on its own program (:mod:`rulekit.periods.program`); the
same function then walks one participant's periods in order, for results of either
evaluator, so ``decide`` and ``settle`` agree by construction on this step:

* a **to-date** reward (its base accumulates to date) pays, in each period, what is due
  to date minus what earlier periods paid, never below zero (no clawback: an amount
  due that falls, say after refunds, is not charged back; later periods pay only once
  the amount due to date is again above what was paid);
* a cap **per period** (``cap: $500 per seller per month``) limits each period's payment
  (for a to-date reward after the difference, so an amount a period cap held back is
  paid in a later period when the amount due to date still exceeds what was paid);
* a cap with **no period** in a program paid per period limits the sum over all periods:
  a period pays at most what is left of it.

A period a participant does not qualify in pays nothing (its rewards stay null).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from rulekit import ir
from rulekit.money import round_money
from rulekit.periods import ADJECTIVES, Period, pay_unit
from rulekit.periods.program import to_date_rewards
from rulekit.plan.kinds import kind_of
from rulekit.reasons import format_money
from rulekit.results import ParticipantResult, RewardAmount

__all__ = ["adjust"]

ZERO = Decimal(0)


class _Ledger:
    """What one participant has been paid so far, per reward."""

    def __init__(self) -> None:
        self.paid: dict[str, Decimal] = {}

    def of(self, name: str) -> Decimal:
        return self.paid.get(name, ZERO)

    def add(self, name: str, amount: Decimal) -> None:
        self.paid[name] = self.of(name) + amount


def adjust(
    program: ir.Program,
    periods: Sequence[Period],
    dues: Sequence[dt.date | None],
    lines: Sequence[ParticipantResult],
) -> list[ParticipantResult]:
    """One participant's period lines (``lines[i]`` evaluated for ``periods[i]``), as paid."""
    ledger = _Ledger()
    cumulative = to_date_rewards(program)
    rewards = {r.name: r for r in program.rewards}
    currency = program.header.currency if program.header and program.header.currency else "USD"
    unit = pay_unit(program.payout.paid if program.payout else None)
    out: list[ParticipantResult] = []
    for period, due, line in zip(periods, dues, lines, strict=True):
        paid = [_pay(r, rewards[r.name], r.name in cumulative, unit, period, ledger, currency) for r in line.rewards]
        for amount in paid:
            ledger.add(amount.name, amount.amount)
        before = sum((r.amount for r in line.rewards), ZERO)
        total = line.total_payout - before + sum((r.amount for r in paid), ZERO)
        out.append(
            line.model_copy(update={"rewards": paid, "total_payout": total, "payout_due": due if total > 0 else None})
        )
    return out


def _pay(
    amount: RewardAmount,
    reward: ir.Reward,
    cumulative: bool,
    unit: str | None,
    period: Period,
    ledger: _Ledger,
    currency: str,
) -> RewardAmount:
    earned, words = amount.amount, []

    def money(value: Decimal, whole: bool = False) -> str:
        return format_money(value, currency, whole=whole)

    pay = earned
    if cumulative:
        before = ledger.of(amount.name)
        pay = max(ZERO, earned - before)
        words.append(f"{money(earned)} due to date, {money(before)} paid in earlier periods")
    limits = kind_of(reward).limits(reward)
    cap = limits.per_participant if limits is not None else None
    if cap is not None and limits is not None and limits.cap_period is None:
        left = max(ZERO, cap.amount - ledger.of(amount.name))
        if pay > left:
            words.append(f"{money(pay)} earned, {money(left)} left of the {money(cap.amount, True)} cap")
            pay = left
    elif cap is not None and limits is not None and cumulative and unit is not None and pay > cap.amount:
        words.append(f"{money(pay)} earned, the {ADJECTIVES[unit]} cap is {money(cap.amount, True)}")
        pay = cap.amount
    pay = round_money(pay, currency)  # a cap is written in whole units: hold it like every amount
    # Every line says its period; what this step changed follows the evaluator's own reason.
    reason = f"{period.words()}: {amount.reason}"
    if words:
        reason += f"; {'; '.join(words)}: pays {money(pay)}"
    # A to-date reward has no budget (RK425): nothing between its difference and its payment
    # is a pool limit, so the explanation must not report one.
    before_limits = pay if cumulative else amount.before_limits
    return amount.model_copy(update={"amount": pay, "reason": reason, "before_limits": before_limits})
