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
applies in each period, so a reward's bound counts once per pay period; a budget per day
(week, month) counts once per calendar period of the reward's window (``budget_count``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from babel.numbers import format_currency

from rulekit import ir
from rulekit.buckets import buckets
from rulekit.errors import RulekitError
from rulekit.periods.program import pay_periods, pay_window
from rulekit.plan.kinds import kind_of

if TYPE_CHECKING:
    from rulekit.plan.model import Plan, RewardPlan


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
    plan = _plan(program)
    for reward in program.rewards:
        bound = reward_bound(program, reward)
        if bound is None:
            return None
        found = plan.reward(reward.name) if plan is not None else None
        per_period = budget_count(plan, found) if plan is not None and found is not None else None
        total += bound * (times if per_period is None else per_period)
    return ir.Money(total, currency)


def budget_count(plan: Plan, reward: RewardPlan) -> int | None:
    """How many budgets a ``budget: … per day`` (week, month) reward has: one per calendar
    period of its window, resolved by the bind pass (those periods lie inside the pay
    periods, so they are not counted again per pay period); or, for a reward without a
    window in a program paid per period, one per calendar period of the pay window.
    ``None`` for a reward whose budget has no period."""
    limits = reward.limits
    if limits.pool is None or limits.pool_period is None:
        return None
    if limits.pool_periods is not None:
        return len(limits.pool_periods)
    window = pay_window(plan.program)
    bounds = plan.window(window.name) if window is not None else None
    if bounds is None or bounds.utc_bounds is None:
        return None
    return len(buckets(*bounds.utc_bounds, limits.pool_period, plan.tz))


def budget_terms(program: ir.Program) -> list[str]:
    """How each budget per calendar period counts in the maximum total payout, for ``rulekit
    check``: ``flash_shipping £50.00 per day × 7 days``; empty without such a budget."""
    plan = _plan(program)
    terms: list[str] = []
    for reward in plan.rewards if plan is not None else ():
        count = budget_count(plan, reward) if plan is not None else None
        pool, unit = reward.limits.pool, reward.limits.pool_period
        if count is not None and pool is not None and unit is not None:
            periods = unit.plural if count != 1 else unit.value
            terms.append(f"{reward.name} {format_money(pool)} per {unit.value} × {count} {periods}")
    return terms


def _plan(program: ir.Program) -> Plan | None:
    """The program's plan; None when it cannot be bound (the checker reports why)."""
    from rulekit.plan import bind  # the plan imports the reward registry, which imports this module

    try:
        return bind(program)
    except RulekitError:
        return None


def format_money(amount: ir.Money, locale: str = "en_US") -> str:
    """``$60,000.00``: an amount as a reader writes it, with the currency's minor unit."""
    return str(format_currency(amount.amount, amount.currency, locale=locale))
