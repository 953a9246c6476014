"""Worked examples for rewards decided on each order: commissions and subsidies, with
the limits that can cancel them (``max orders``, the budget).

The example participant joins at the start of the program's first dated window; one
order falls inside its relative window (or the offer), one after it. Every amount is
the engine's decision on that order (:class:`rulekit.render.cases.Decider`); the order
limit and the budget, which depend on other orders, apply the arithmetic of
``docs/semantics.md`` to the engine's amount.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast
from zoneinfo import ZoneInfo

from rulekit import ir, timeutil
from rulekit.money import round_money
from rulekit.render import examples as ex
from rulekit.render import periods as render_periods  # issue 10, construct 6 (budgets per period)
from rulekit.render import rewards
from rulekit.render.cases import Case, Chooser, Decider, Value, first_come_share, qualifying, utc_text
from rulekit.render.model import Example
from rulekit.render.words import Subject, Words, an, plural
from rulekit.results import Decision


@dataclass(frozen=True)
class _Order:
    """The example order: who placed it, when, and its money columns."""

    joined: dt.datetime  # local wall-clock time the participant joined
    placed: dt.datetime  # local wall-clock time of the order
    item_total: Decimal
    fee: Decimal


@dataclass(frozen=True)
class _Setting:
    program: ir.Program
    words: Words
    decider: Decider
    tz: ZoneInfo
    commission: ir.Commission | None
    subsidy: ir.Subsidy | None
    relative: ir.RelativeWindow | None


def order_examples(program: ir.Program, words: Words, decider: Decider) -> list[Example]:
    commission = cast("ir.Commission | None", ex.first_of(program, "commission"))
    subsidy = cast("ir.Subsidy | None", ex.first_of(program, "subsidy"))
    tz = timeutil.zone(program.header.timezone) if program.header and program.header.timezone else None
    if (commission is None and subsidy is None) or tz is None:
        return []
    relative = _relative_window(program, commission, subsidy)
    setting = _Setting(program, words, decider, tz, commission, subsidy, relative)
    first = next((w for w in program.windows if isinstance(w, ir.AbsoluteWindow)), None)
    joined = first.start.start() if first is not None else dt.datetime(2024, 1, 1)
    cap = subsidy.limits.per_order if subsidy is not None else None
    scale = cap.amount if cap is not None else Decimal(10)
    item_total = ex.round_figure(scale * 20)
    after = _relative_end(relative, joined, tz) + dt.timedelta(hours=12) if relative else joined + dt.timedelta(days=60)
    inside = _Order(joined, joined + _into(first), item_total, ex.round_figure(scale * Decimal("0.6")))
    orders = (inside, _Order(joined, after, item_total, ex.round_figure(scale * Decimal("1.5"))))
    found = [_order_example(setting, order) for order in orders]
    if subsidy is not None:
        found += _limit_examples(setting, subsidy, inside)
    return [e for e in found if e is not None]


def _into(window: ir.AbsoluteWindow | None) -> dt.timedelta:
    """How far into the first window the example order is placed: a week, or halfway through a
    shorter window (a 7-day flash sale), so that the order is inside it."""
    week = dt.timedelta(days=7)
    if window is None:
        return week
    start, end = window.local_bounds()
    return min(week, (end - start) / 2)


def _relative_window(program: ir.Program, *effects: ir.Commission | ir.Subsidy | None) -> ir.RelativeWindow | None:
    for effect in effects:
        window = program.window(effect.filters.window) if effect is not None and effect.filters.window else None
        if isinstance(window, ir.RelativeWindow):
            return window
    return None


def _relative_end(window: ir.RelativeWindow, joined: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """Local wall-clock end of a participant's relative window, with the semantics' calendar rules."""
    end = timeutil.relative_end(timeutil.to_utc(joined, tz), window.length, tz, inclusive=window.end_inclusive)
    return end.astimezone(tz).replace(tzinfo=None)


def _inside(program: ir.Program, name: str | None, order: _Order, tz: ZoneInfo) -> bool:
    window = program.window(name) if name is not None else None
    if name is None:
        return True
    if isinstance(window, ir.RelativeWindow):
        return order.joined <= order.placed < _relative_end(window, order.joined, tz)
    if isinstance(window, ir.AbsoluteWindow):
        start, end = window.local_bounds()
        return start <= order.placed < end
    return False


# ------------------------------------------------------------------ deciding orders


def _decide(s: _Setting, order: _Order) -> Decision:
    """The engine's decision on ``order`` of a qualifying participant who joined at ``order.joined``."""
    program, plan = s.program, s.decider.plan
    case = qualifying(program, plan).case()
    anchor = s.relative.anchor if s.relative is not None else None
    columns: dict[str, Value] = {anchor: utc_text(timeutil.to_utc(order.joined, s.tz))} if anchor else {}
    case = Case(columns=columns, metrics=case.metrics, members=case.members)
    effect = s.commission or s.subsidy
    assert effect is not None  # order_examples needs one of them
    table = program.table(effect.table)
    row: dict[str, Value] = {}
    chooser = Chooser(plan)
    for item in (s.commission, s.subsidy):
        if item is not None and item.filters.where is not None:
            chooser.want(item.filters.where, True, row)
    if table is not None and table.time is not None:
        row[table.time] = utc_text(timeutil.to_utc(order.placed, s.tz))
    if s.commission is not None:
        row[s.commission.column] = ir.Money(order.item_total, plan.currency)
    if s.subsidy is not None:
        row[s.subsidy.column] = ir.Money(order.fee, plan.currency)
    if table is not None and table.column("currency") is not None:
        row["currency"] = plan.currency
    request: dict[str, Any] = {"table": effect.table, "row": row}
    return s.decider.decide(case, request)


def _effect(decision: Decision, name: str) -> tuple[bool, Decimal, Decimal | None]:
    found = next((e for e in decision.effects if e.name == name), None)
    if found is None:
        return False, Decimal(0), None
    return found.applies, found.amount, found.rate


def _order_example(s: _Setting, order: _Order) -> Example | None:
    words, program = s.words, s.program
    fmt, p, currency = words.fmt, words.participant, words.currency
    decision = _decide(s, order)
    effect = s.commission or s.subsidy
    assert effect is not None
    row = words.row_noun(effect.table)
    steps = []
    if s.relative is not None:
        end = _relative_end(s.relative, order.joined, s.tz)
        steps.append(
            f"A qualifying {p}'s {words.time_words(s.relative.anchor, _participant_table(program))} is "
            f"{fmt.datetime(order.joined)}, so "
            f"{words.window_phrase(s.relative.name)} runs until {fmt.datetime(end)}{_last_full_day(end, words)}."
        )
    values = []
    if s.commission is not None:
        item = words.column_words(s.commission.column, effect.table)
        values.append(f"{item} {fmt.money(order.item_total, currency)}")
    if s.subsidy is not None and (s.commission is None or s.subsidy.column != s.commission.column):
        values.append(f"{words.column_words(s.subsidy.column, effect.table)} {fmt.money(order.fee, currency)}")
    steps.append(f"It receives {an(row)} on {fmt.date(order.placed.date())} with {' and '.join(values)}.")
    wheres = [e.filters.where for e in (s.commission, s.subsidy) if e is not None and e.filters.where is not None]
    if wheres:
        met = "; ".join(words.expr(w, Subject.of(row)) for w in wheres)
        steps.append(f"The {row} also meets the other conditions: {met}.")
    outcome = []
    if s.commission is not None:
        applies, charge, _ = _effect(decision, s.commission.name)
        steps.append(_commission_step(s, s.commission, applies, order, charge))
        outcome.append(f"pays {fmt.money(charge, currency)} commission")
    if s.subsidy is not None:
        _, paid, _ = _effect(decision, s.subsidy.name)
        steps.append(_subsidy_step(s, s.subsidy, order, paid))
        own, column = round_money(order.fee - paid, currency), words.column_words(s.subsidy.column, s.subsidy.table)
        outcome.append(
            f"pays {fmt.money(own, currency)} of the {column} itself" if own else f"pays none of the {column}"
        )
    if s.relative is None and s.subsidy is not None and s.commission is None and s.subsidy.filters.window:
        where = "inside" if _inside(program, s.subsidy.filters.window, order, s.tz) else "outside"
        title = f"{an(row)} {where} {words.window_phrase(s.subsidy.filters.window)}"
    elif s.relative is None:
        title = an(row)
    else:
        where = "inside" if _inside(program, s.relative.name, order, s.tz) else "after"
        title = f"{an(row)} {where} {words.window_phrase(s.relative.name)}"
    text = f"On this {row} the {p} " + " and ".join(outcome) + "."
    return Example(ex.capitalized(title), tuple(steps), text, _order_conditions(s, row))


def _order_conditions(s: _Setting, row: str) -> tuple[str, ...]:
    words, p, fmt = s.words, s.words.participant, s.words.fmt
    out = []
    eligible = s.program.clauses_of(ir.ClauseKind.ELIGIBLE)
    if eligible and s.commission is not None:
        out.append(f"A {p} that may not take part pays the standard commission and receives no payments.")
    elif eligible:
        out.append(f"A {p} that may not take part receives no payments.")
    subsidy = s.subsidy
    if subsidy is not None:
        limits = subsidy.limits
        rows = plural(words.row_noun(subsidy.table))
        if limits.max_orders is not None:
            out.append(
                f"The platform pays only on the first {fmt.number(limits.max_orders)} qualifying {rows} of each "
                f"{p} (see the order-limit example below)."
            )
        if limits.pool is not None:
            pool = fmt.money(limits.pool) + render_periods.budget_period_words(limits, words)
            out.append(f"It pays only while the budget of {pool} lasts (see the budget example below).")
    return tuple(out)


def _last_full_day(end: dt.datetime, words: Words) -> str:
    """A window ending at midnight reads better with its last whole day spelt out."""
    if end.time() != dt.time():
        return ""
    return f" (its last full day is {words.fmt.date(end.date() - dt.timedelta(days=1))})"


def _commission_step(s: _Setting, commission: ir.Commission, applies: bool, order: _Order, charge: Decimal) -> str:
    words = s.words
    fmt, currency = words.fmt, words.currency
    base, phrase = order.item_total, words.window_phrase(commission.filters.window or "")
    row = words.row_noun(commission.table)
    if applies:
        rate = commission.rate
        text = f"Commission: the {row} falls within {phrase}, so the rate is "
        share = f"{fmt.percent(rate)} of {fmt.money(base, currency)} is {fmt.money(charge, currency)}"
        text += f"{fmt.percent(rate)}: {share}"
        if commission.standard is not None:
            usual = round_money(base * commission.standard.fraction, currency)
            text += f" (the standard {fmt.percent(commission.standard)} would have been {fmt.money(usual, currency)})"
        return text + "."
    rate = commission.standard or commission.rate
    text = f"Commission: the {row} is outside {phrase}, so the standard rate applies: "
    return text + f"{fmt.percent(rate)} of {fmt.money(base, currency)} is {fmt.money(charge, currency)}."


def _subsidy_step(s: _Setting, subsidy: ir.Subsidy, order: _Order, paid: Decimal) -> str:
    words = s.words
    fmt, currency = words.fmt, words.currency
    column = words.column_words(subsidy.column, subsidy.table)
    label, row = ex.capitalized(column), words.row_noun(subsidy.table)
    if not _inside(s.program, subsidy.filters.window, order, s.tz):
        phrase = words.window_phrase(subsidy.filters.window or "")
        return f"{label}: the {row} is outside {phrase}, so the platform pays nothing."
    cap = subsidy.limits.per_order
    if cap is not None and order.fee > paid and paid == cap.amount:
        text = f"{label}: {fmt.money(order.fee, currency)} is more than the cap of {fmt.money(cap)} per {row}"
        return f"{text}, so the platform pays {fmt.money(paid, currency)}."
    fee = fmt.money(order.fee, currency)
    return f"{label}: {fee} is within the cap, so the platform pays {fmt.money(paid, currency)}."


def _participant_table(program: ir.Program) -> str | None:
    return program.participant.table if program.participant else None


# ------------------------------------------------------------ order limits, budgets


def _limit_examples(s: _Setting, subsidy: ir.Subsidy, order: _Order) -> list[Example | None]:
    _, paid, _ = _effect(_decide(s, order), subsidy.name)
    if paid <= 0:
        return []
    found: list[Example | None] = []
    if subsidy.limits.max_orders is not None:
        found.append(_order_limit_example(s, subsidy, order, paid, subsidy.limits.max_orders))
    pool = subsidy.limits.pool
    if pool is not None and subsidy.limits.overflow == "first come":
        found.append(_first_come_example(s, subsidy, order, paid, pool))
    return found


def _order_limit_example(s: _Setting, subsidy: ir.Subsidy, order: _Order, paid: Decimal, limit: int) -> Example:
    words = s.words
    fmt, p, currency = words.fmt, words.participant, words.currency
    row = words.row_noun(subsidy.table)
    rows, column = plural(row), words.column_words(subsidy.column, subsidy.table)
    steps = (
        f"Suppose a qualifying {p} has already had {fmt.number(limit)} qualifying {rows} paid for, "
        "the most that are covered.",
        f"Its next qualifying {row}, number {fmt.number(limit + 1)} in time order, has {column} "
        f"{fmt.money(order.fee, currency)}; on its own the platform would pay {fmt.money(paid, currency)}.",
        f"Only the first {fmt.number(limit)} qualifying {rows} of each {p} are covered, so the platform pays "
        "nothing on it.",
    )
    outcome = f"On this {row} the {p} pays the whole {column}, {fmt.money(order.fee, currency)}, itself."
    condition = rewards.order_condition(subsidy.filters, subsidy.table, words)
    conditions = (
        f"Only qualifying {rows} count toward the {fmt.number(limit)}"
        + (f" ({condition})" if condition else "")
        + f"; {an(row)} placed earlier than one of them would have been paid instead.",
    )
    return Example(f"The {ex.capitalized(row).lower()} limit", steps, outcome, conditions)


def _first_come_example(s: _Setting, subsidy: ir.Subsidy, order: _Order, paid: Decimal, pool: ir.Money) -> Example:
    words = s.words
    fmt, p, currency = words.fmt, words.participant, words.currency
    row = words.row_noun(subsidy.table)
    rows, column = plural(row), words.column_words(subsidy.column, subsidy.table)
    left = round_money(paid * Decimal("0.4"), currency)
    share = first_come_share(paid, left)
    period = subsidy.limits.pool_period  # `budget: £50 per day`: the example happens within one day
    used = fmt.money(pool.amount - left, currency)
    if period == "day":
        zone = render_periods.budget_period_words(subsidy.limits, words).removeprefix(" per day ")
        spent = (
            f"Suppose the payments to all {p}s on {fmt.date(order.placed.date())} have used {used} of that day's "
            f"budget of {fmt.money(pool)} (days in {zone.strip('()')})"
        )
    elif period is not None:
        spent = (
            f"Suppose the payments to all {p}s in one {period} have used {used} of that {period}'s budget of "
            f"{fmt.money(pool)}"
        )
    else:
        spent = f"Suppose the payments to all {p}s have used {used} of the budget of {fmt.money(pool)}"
    steps = (
        f"{spent} when a qualifying {row} with {column} {fmt.money(order.fee, currency)} is paid; "
        f"{rows} are paid in time order.",
        f"On its own the platform would pay {fmt.money(paid, currency)}; only {fmt.money(left, currency)} is left, "
        f"so it pays {fmt.money(share, currency)}.",
    )
    outcome = (
        f"On this {row} the {p} pays {fmt.money(round_money(order.fee - share, currency), currency)} of the "
        f"{column} itself, and later {rows}{' that ' + period if period else ''} receive nothing."
    )
    conditions: tuple[str, ...] = (
        f"While the budget has money left, each qualifying {row} is paid in full, in time order.",
    )
    if period is not None:
        conditions += (f"The next {period} starts with a new budget of {fmt.money(pool)}, whatever was used before.",)
    return Example(
        f"The budget runs out ({fmt.money(pool)}{' per ' + period if period else ''})", steps, outcome, conditions
    )
