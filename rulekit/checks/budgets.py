"""Checks of budgets per calendar period (issue 10, construct 6): ``budget: $1,000 per day``.

A budget per day (ISO week, month) splits the amounts it limits by the local calendar
period they belong to. Only amounts with a time can be split: the orders of a per-order
reward (a subsidy), by their own time; a reward worked out once per participant (prize,
rebate, bonus, milestone) has no day, so its budget can only be the program's or, in a
program paid per period, the pay period's (``docs/semantics.md``, *Budgets per period*).
"""

from __future__ import annotations

from rulekit import codes, ir
from rulekit.checks.context import Context
from rulekit.diff import format_duration
from rulekit.parser import CAP_PERIODS
from rulekit.periods import PAY_UNITS, pay_unit
from rulekit.plan.kinds import kind_of

__all__ = ["check_budgets"]

# Which budget periods fit whole inside a pay period: a week can cross a month's end.
_NESTS: dict[str, tuple[str, ...]] = {"day": ("day",), "week": ("day", "week"), "month": ("day", "month")}


def check_budgets(ctx: Context) -> None:
    """RK430-RK433: the period of every ``budget: … per …`` line."""
    payout = ctx.program.payout
    paid = payout.paid if payout is not None else None
    unit = pay_unit(paid)
    for reward in ctx.program.rewards:
        kind = kind_of(reward)
        limits = kind.limits(reward)
        if limits is None or limits.pool is None or limits.pool_period is None:
            continue
        period, amount = limits.pool_period, _amount(ctx, limits)
        if period not in CAP_PERIODS:
            ctx.error(
                codes.RK430,
                f"unknown budget period `per {period}`: a budget is shared by all participants",
                limits.pool_span,
                f"write `budget: {amount} per day` (or `per week`, `per month`) for a budget per calendar period",
            )
        elif kind.order(reward) is None:
            _per_participant(ctx, reward, limits, amount, unit, paid)
        elif unit is not None and period not in _NESTS.get(unit, ()):
            _coarser(ctx, limits, amount, unit, paid or "")
        elif unit is None:
            _fixed_window(ctx, reward, limits, amount)


def _amount(ctx: Context, limits: ir.Limits) -> str:
    pool = limits.pool
    return ctx.snippet(pool.span) if pool is not None and pool.span is not None else "$1,000"


def _per_participant(
    ctx: Context, reward: ir.Reward, limits: ir.Limits, amount: str, unit: str | None, paid: str | None
) -> None:
    """A reward worked out once per participant: only the pay period's budget is meaningful."""
    period = limits.pool_period
    if unit == period:
        return  # `budget: $X per month` in a program paid monthly: each pay period's budget
    word = kind_of(reward).name
    if unit is None:
        ctx.error(
            codes.RK431,
            f"a budget per {period} on {word} `{reward.name}`: its amounts are worked out once per "
            f"participant for the whole program, not per {period}",
            limits.pool_span,
            f"write `budget: {amount}` for the whole program, or pay it per period with "
            f"`paid {_adverb(period or '')}` in the `payout:` block",
        )
        return
    ctx.error(
        codes.RK431,
        f"a budget per {period} on {word} `{reward.name}`: in a program paid {paid} its amounts are "
        f"worked out once per {unit}",
        limits.pool_span,
        f"write `budget: {amount} per {unit}` (or `budget: {amount}`: the same, one budget for each pay period)",
    )


def _coarser(ctx: Context, limits: ir.Limits, amount: str, unit: str, paid: str) -> None:
    """A budget period that is not inside one pay period: each period is settled on its own."""
    period = limits.pool_period
    why = "ISO weeks cross the ends of months" if (period, unit) == ("week", "month") else f"a {period} is longer"
    fits = " or ".join(f"`per {p}`" for p in _NESTS[unit])
    ctx.error(
        codes.RK432,
        f"a budget per {period} in a program paid {paid}: each {unit} is settled on its own, and {why}",
        limits.pool_span,
        f"write `budget: {amount} per {unit}`; a budget period must fit in the pay period ({fits})",
    )


def _fixed_window(ctx: Context, reward: ir.Reward, limits: ir.Limits, amount: str) -> None:
    """The periods of a budget are counted in the reward's window: it needs fixed dates."""
    source = kind_of(reward).order(reward)
    window = ctx.program.window(source.filters.window) if source is not None and source.filters.window else None
    if isinstance(window, ir.AbsoluteWindow) or (isinstance(window, ir.RelativeWindow) and window.within):
        return
    fixed = next((w.name for w in ctx.program.windows if isinstance(w, ir.AbsoluteWindow)), None)
    where = f"`{window.name}` has no fixed end" if window is not None else "it has no `during` window"
    if isinstance(window, ir.RelativeWindow) and fixed is not None:
        inclusive = " inclusive" if window.end_inclusive else ""
        line = f"window {window.name}: first {format_duration(window.length)} from {window.anchor}{inclusive}"
        hint = f"place `{window.name}` inside a window with dates: `{line} within {fixed}`"
    elif fixed is not None:
        hint = f"add `during {fixed}` to `{reward.name}`, or write `budget: {amount}` for the whole program"
    else:
        hint = f"add a window with dates and `during` it, or write `budget: {amount}` for the whole program"
    ctx.error(
        codes.RK433,
        f"`{reward.name}` has a budget per {limits.pool_period}, and its periods are counted in its window: {where}",
        limits.pool_span,
        hint,
    )


def _adverb(unit: str) -> str:
    return next((word for word, u in PAY_UNITS.items() if u == unit), "monthly")
