"""Checks of pay periods (issue 10, construct 6): ``paid monthly``, ``during W to date``,
``cap: … per seller per month`` and what a program paid per period cannot say."""

from __future__ import annotations

from collections.abc import Iterator

from rulekit import codes, ir
from rulekit.checks.context import Context
from rulekit.parser import CAP_PERIODS
from rulekit.periods import PAY_UNITS, pay_unit
from rulekit.periods.program import to_date_rewards
from rulekit.plan.kinds import kind_of

__all__ = ["check_periods"]


def check_periods(ctx: Context) -> None:
    """RK420-RK425: the pay period, to-date windows, cap periods and budgets of to-date rewards."""
    payout = ctx.program.payout
    paid = payout.paid if payout is not None else None
    unit = pay_unit(paid)
    if payout is not None and paid is not None:
        _paid_line(ctx, payout, paid)
    for filters in _filters(ctx.program):
        if filters.to_date and paid is None:
            ctx.error(
                codes.RK422,
                f"`during {filters.window} to date` needs a program paid per period",
                filters.window_span,
                "add `paid monthly` to the `payout:` block, or remove `to date`",
            )
    for reward in ctx.program.rewards:
        limits = kind_of(reward).limits(reward)
        if limits is not None:
            _cap(ctx, limits, unit, paid)
    if unit is not None:
        _budgets(ctx)


def _paid_line(ctx: Context, payout: ir.Payout, paid: str) -> None:
    if paid not in PAY_UNITS:
        ctx.error(
            codes.RK420,
            f"unknown pay period `{paid}`",
            payout.paid_span,
            "write `paid monthly`, `paid weekly` or `paid daily`",
        )
        return
    due = payout.due
    window = ctx.program.window(due.after) if due is not None else None
    if due is None or window is None:
        fixed = next((w.name for w in ctx.program.windows if isinstance(w, ir.AbsoluteWindow)), "season")
        ctx.error(
            codes.RK421,
            f"`paid {paid}` needs a `due:` line naming the window whose periods are paid",
            payout.paid_span,
            f"add `due: 10 business days after {fixed}` to the `payout:` block",
        )


def _cap(ctx: Context, limits: ir.Limits, unit: str | None, paid: str | None) -> None:
    period = limits.cap_period
    if period is None or limits.per_participant is None:
        return
    noun = f" per {limits.per_participant_noun}" if limits.per_participant_noun else ""
    amount = ctx.snippet(limits.per_participant.span) if limits.per_participant.span else "$500"
    if period not in CAP_PERIODS:
        ctx.error(
            codes.RK424,
            f"unknown cap period `per {period}`",
            limits.cap_span,
            f"write `cap: {amount}{noun} per month` (or `per week`, `per day`)",
        )
    elif unit is None:
        ctx.error(
            codes.RK423,
            f"a cap per {period} needs a program paid per {period}",
            limits.cap_span,
            f"add `paid {_adverb(period)}` to the `payout:` block, or write `cap: {amount}{noun}`",
        )
    elif period != unit:
        ctx.error(
            codes.RK423,
            f"a cap per {period} in a program paid {paid}: caps apply per pay period",
            limits.cap_span,
            f"write `cap: {amount}{noun} per {unit}`, or `cap: {amount}{noun}` for the whole program",
        )


def _budgets(ctx: Context) -> None:
    cumulative = to_date_rewards(ctx.program)
    for reward in ctx.program.rewards:
        limits = kind_of(reward).limits(reward)
        if reward.name in cumulative and limits is not None and limits.pool is not None:
            ctx.error(
                codes.RK425,
                f"`{reward.name}` is paid to date, and a budget cannot limit it: each period pays a "
                "difference of amounts due to date",
                limits.pool_span,
                "remove the budget and limit each participant with a `cap:` line instead",
            )


def _adverb(unit: str) -> str:
    return next(word for word, u in PAY_UNITS.items() if u == unit)


def _filters(program: ir.Program) -> Iterator[ir.Filters]:
    for metric in program.metrics:
        if isinstance(metric.definition, ir.Aggregate):
            yield metric.definition.filters
    for reward in program.rewards:
        source = kind_of(reward).order(reward)  # per-order kinds read their own rows
        if source is not None:
            yield source.filters
