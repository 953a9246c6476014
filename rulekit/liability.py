"""The most a program can pay out in total, known before any data is read.

Each reward is bounded on its own, by its kind's entry (:mod:`rulekit.rewards`):

* a prize pays at most its schedule (``rank 4 to 5: $1,000`` counts twice), and at
  most its pool cap when it has one. With ``shared ranks: same`` every tied
  participant gets the prize of the shared rank, so only a pool cap bounds it;
* a rebate, bonus, milestone or subsidy grows with the number of participants or
  orders, so only its ``budget`` / ``pool cap`` bounds it;
* a commission is a charge to the participant, not a payout, and is left out.

The program's bound is the sum of the rewards' bounds, or ``None`` when any reward
is unbounded. In a program paid per period (issue 10, construct 6) a budget or pool cap
applies in each period, so a reward's bound counts once per pay period.
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency

from rulekit import ir
from rulekit.periods.program import pay_periods
from rulekit.plan.kinds import kind_of


def reward_bound(program: ir.Program, reward: ir.Reward) -> Decimal | None:
    """The most ``reward`` can pay in total (its registry entry's ``bound``); ``None`` when
    nothing bounds it. Commissions are charges and bound at zero."""
    return kind_of(reward).bound(program, reward)


def maximum_payout(program: ir.Program) -> ir.Money | None:
    """The sum of every reward's bound, in the program currency.

    ``None`` when the program has no currency or some reward is unbounded. The caller
    (the checker) only asks for programs without errors."""
    currency = program.header.currency if program.header else None
    if currency is None:
        return None
    total = Decimal(0)
    times = max(1, len(pay_periods(program)))  # issue 10, construct 6: a budget per pay period
    for reward in program.rewards:
        bound = reward_bound(program, reward)
        if bound is None:
            return None
        total += bound * times
    return ir.Money(total, currency)


def format_money(amount: ir.Money, locale: str = "en_US") -> str:
    """``$60,000.00``: an amount as a reader writes it, with the currency's minor unit."""
    return str(format_currency(amount.amount, amount.currency, locale=locale))
