"""The program of one pay period: the same rules, every window narrowed to the period.

Both evaluators run a program paid per period once per period, on the program this
module derives (so each keeps its own window arithmetic, time zones and daylight
saving): every absolute window ``W`` becomes ``W`` ∩ period; ``during W to date``
reads ``W`` from its start through the period's end; a relative window is placed
``within`` the period (or within its own ``within`` window ∩ period); an event metric
without ``during`` reads the period. Caps that are not applied within one period's run
(program-wide caps, and every cap of a to-date reward) are lifted here and applied by
:mod:`rulekit.periods.adjust` across periods.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

from rulekit import ir
from rulekit.periods import Period, pay_unit, periods
from rulekit.plan.kinds import kind_of
from rulekit.walk import names

__all__ = ["for_period", "pay_periods", "pay_window", "to_date_metrics", "to_date_rewards"]

PERIOD_WINDOW = "_pay_period_"  # the period itself, for metrics without `during`
TO_DATE = "_to_date_"  # suffix of a window's to-date copy (names never contain it)


def pay_window(program: ir.Program) -> ir.AbsoluteWindow | None:
    """The window whose periods are paid: the one the ``due:`` line names (absolute)."""
    payout = program.payout
    if payout is None or payout.due is None:
        return None
    window = program.window(payout.due.after)
    return window if isinstance(window, ir.AbsoluteWindow) else None


def pay_periods(program: ir.Program) -> tuple[Period, ...]:
    """The pay periods of a program paid per period, in order; () when it is not."""
    unit = pay_unit(program.payout.paid if program.payout else None)
    window = pay_window(program)
    if unit is None or window is None:
        return ()
    start, end = window.local_bounds()
    return periods(unit, start, end)


def to_date_metrics(program: ir.Program) -> frozenset[str]:
    """Metrics that accumulate to date: ``during W to date``, or computed from such a metric."""
    found: set[str] = set()
    changed = True
    while changed:  # a fixed point over the metric graph (metrics may come in any order)
        changed = False
        for metric in program.metrics:
            if metric.name not in found and (_reads_to_date(metric, found)):
                found.add(metric.name)
                changed = True
    return frozenset(found)


def _reads_to_date(metric: ir.Metric, found: set[str]) -> bool:
    definition = metric.definition
    if isinstance(definition, ir.Aggregate):
        return definition.filters.to_date
    if isinstance(definition, ir.Ratio):
        return definition.numerator in found or definition.denominator in found
    if isinstance(definition, ir.BucketCount):  # counted days read their bucket metrics
        return any(name in found for name in names(definition.condition))
    return any(name in found for name in names(definition.expr))


def to_date_rewards(program: ir.Program) -> frozenset[str]:
    """Rewards whose amount is due to date: their base (or ranking key) accumulates to date."""
    cumulative = to_date_metrics(program)
    return frozenset(r.name for r in program.rewards if any(m in cumulative for m in _reward_metrics(program, r)))


def _reward_metrics(program: ir.Program, reward: ir.Reward) -> Iterator[str]:
    kind = kind_of(reward)
    base = kind.metric(reward)
    if base is not None:
        yield base[0]
    ranking = kind.ranking(reward)
    found = program.ranking(ranking[0]) if ranking is not None else None
    if found is not None:
        yield from (key.name for key in found.keys)


def for_period(program: ir.Program, period: Period, start: dt.datetime) -> ir.Program:
    """``program`` narrowed to ``period``; ``start`` is where to-date values begin (the pay window's start)."""
    windows: list[ir.Window] = [_local_window(PERIOD_WINDOW, period.start, period.end)]
    windows.append(_local_window(PERIOD_WINDOW + TO_DATE, start, period.end))
    for window in program.windows:
        windows += _narrowed(window, period)
    cumulative = to_date_rewards(program)
    unit = pay_unit(program.payout.paid if program.payout else None)
    return dataclasses.replace(
        program,
        windows=tuple(windows),
        metrics=tuple(_metric(program, m) for m in program.metrics),
        rewards=tuple(_reward(program, r, r.name in cumulative, unit) for r in program.rewards),
    )


def _local_window(name: str, start: dt.datetime, end: dt.datetime) -> ir.AbsoluteWindow:
    end = max(end, start)  # an empty intersection is the empty window [start, start)
    return ir.AbsoluteWindow(name, _at(start), _at(end), end_inclusive=False)


def _at(moment: dt.datetime) -> ir.LocalDateTime:
    return ir.LocalDateTime(moment.date(), moment.time() if moment.time() != dt.time() else None)


def _narrowed(window: ir.Window, period: Period) -> list[ir.Window]:
    """``W`` ∩ period under W's own name, and W through the period's end as ``W`` + TO_DATE."""
    if isinstance(window, ir.AbsoluteWindow):
        start, end = window.local_bounds()
        return [
            _local_window(window.name, max(start, period.start), min(end, period.end)),
            _local_window(window.name + TO_DATE, start, min(end, period.end)),
        ]
    within = window.within or PERIOD_WINDOW
    return [
        dataclasses.replace(window, within=within),
        dataclasses.replace(window, name=window.name + TO_DATE, within=within + TO_DATE),
    ]


def _filters(program: ir.Program, filters: ir.Filters, table: str) -> ir.Filters:
    if filters.window is None:
        found = program.table(table)
        if found is None or (found.time is None and found.period is None):
            return filters  # a table without time is not in any period
        return dataclasses.replace(filters, window=PERIOD_WINDOW)
    if filters.to_date:
        return dataclasses.replace(filters, window=filters.window + TO_DATE, to_date=False)
    return filters


def _metric(program: ir.Program, metric: ir.Metric) -> ir.Metric:
    definition = metric.definition
    if not isinstance(definition, ir.Aggregate):
        return metric
    filters = _filters(program, definition.filters, definition.table)
    return dataclasses.replace(metric, definition=dataclasses.replace(definition, filters=filters))


def _reward(program: ir.Program, reward: ir.Reward, cumulative: bool, unit: str | None) -> ir.Reward:
    source = kind_of(reward).order(reward)  # a per-order kind: its own rows, narrowed like a metric's
    if source is not None:
        narrowed = _filters(program, source.filters, source.table)
        reward = dataclasses.replace(reward, filters=narrowed)  # type: ignore[arg-type]  # per-order kinds have filters
    limits = kind_of(reward).limits(reward)
    if limits is None or limits.per_participant is None:
        return reward
    if cumulative or limits.cap_period != unit:  # applied across periods by `adjust`
        lifted = dataclasses.replace(limits, per_participant=None, per_participant_noun=None, cap_period=None)
        return dataclasses.replace(reward, limits=lifted)  # type: ignore[arg-type]  # every kind with limits has them
    return reward
