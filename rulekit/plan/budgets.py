"""Budgets per calendar period (issue 10, construct 6): ``budget: $1,000 per day``.

A reward's budget with a period applies to each local day (ISO week, calendar month) of
the program's time zone on its own. The bind pass resolves the periods once, here, from
the reward's window: the calendar buckets (:func:`rulekit.buckets.buckets`, the same
boundaries the calendar-bucket metrics use) that overlap the window. Every later stage
reads them from the plan: the SQL settlement partitions the orders by them, the liability
bound counts them, documents and explanations name them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from rulekit.buckets import buckets
from rulekit.plan.model import RewardPlan, WindowPlan

__all__ = ["budget_bounds", "budget_periods"]


def budget_bounds(window: WindowPlan | None) -> tuple[dt.datetime, dt.datetime] | None:
    """The fixed naive-UTC span a reward's orders can fall in: its absolute window, or the
    ``within`` window that cuts its relative one; None when nothing fixes the end."""
    if window is None:
        return None
    if window.utc_bounds is not None:
        return window.utc_bounds
    return window.within


def budget_periods(reward: RewardPlan, tz: ZoneInfo) -> RewardPlan:
    """``reward`` with its budget's periods worked out (unchanged without a period)."""
    unit = reward.limits.pool_period
    bounds = budget_bounds(reward.window)
    if unit is None or bounds is None:
        return reward
    cut = tuple((b.start.replace(tzinfo=None), b.end.replace(tzinfo=None)) for b in buckets(*bounds, unit, tz))
    return dataclasses.replace(reward, limits=dataclasses.replace(reward.limits, pool_periods=cut))
