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
from collections.abc import Callable
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
from rulekit.render.i18n import _
from rulekit.render.model import Example
from rulekit.render.words import Subject, Words, a_name, plural
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
            _("A qualifying {p}'s {anchor} is {joined}, so {window} runs until {end}{last_day}.").format(
                p=p,
                anchor=words.time_words(s.relative.anchor, _participant_table(program)),
                joined=fmt.datetime(order.joined),
                window=words.window_phrase(s.relative.name),
                end=fmt.datetime(end),
                last_day=_last_full_day(end, words),
            )
        )
    values = []
    money = _("{column} {amount}")
    if s.commission is not None:
        item = words.column_words(s.commission.column, effect.table)
        values.append(money.format(column=item, amount=fmt.money(order.item_total, currency)))
    if s.subsidy is not None and (s.commission is None or s.subsidy.column != s.commission.column):
        fee_column = words.column_words(s.subsidy.column, effect.table)
        values.append(money.format(column=fee_column, amount=fmt.money(order.fee, currency)))
    steps.append(
        _("It receives {a_row} on {date} with {values}.").format(
            a_row=a_name(row), date=fmt.date(order.placed.date()), values=f" {_('and')} ".join(values)
        )
    )
    wheres = [e.filters.where for e in (s.commission, s.subsidy) if e is not None and e.filters.where is not None]
    if wheres:
        met = "; ".join(words.expr(w, Subject.of(row)) for w in wheres)
        steps.append(_("The {row} also meets the other conditions: {met}.").format(row=row, met=met))
    outcome = []
    if s.commission is not None:
        applies, charge, _rate = _effect(decision, s.commission.name)
        steps.append(_commission_step(s, s.commission, applies, order, charge))
        outcome.append(_("pays {amount} commission").format(amount=fmt.money(charge, currency)))
    if s.subsidy is not None:
        _applies, paid, _rate = _effect(decision, s.subsidy.name)
        steps.append(_subsidy_step(s, s.subsidy, order, paid))
        own, column = round_money(order.fee - paid, currency), words.column_words(s.subsidy.column, s.subsidy.table)
        outcome.append(
            _("pays {amount} of the {column} itself").format(amount=fmt.money(own, currency), column=column)
            if own
            else _("pays none of the {column}").format(column=column)
        )
    if s.relative is None and s.subsidy is not None and s.commission is None and s.subsidy.filters.window:
        inside = _inside(program, s.subsidy.filters.window, order, s.tz)
        template = _("{a_row} inside {window}") if inside else _("{a_row} outside {window}")
        title = template.format(a_row=ex.capitalized(a_name(row)), window=words.window_phrase(s.subsidy.filters.window))
    elif s.relative is None:
        title = _("{a_row}").format(a_row=ex.capitalized(a_name(row)))
    else:
        where = (
            _("{a_row} inside {window}")
            if _inside(program, s.relative.name, order, s.tz)
            else _("{a_row} after {window}")
        )
        title = where.format(a_row=ex.capitalized(a_name(row)), window=words.window_phrase(s.relative.name))
    text = _("On this {row} the {p} {outcome}.").format(row=row, p=p, outcome=f" {_('and')} ".join(outcome))
    return Example(title, tuple(steps), text, _order_conditions(s, row))


def _order_conditions(s: _Setting, row: str) -> tuple[str, ...]:
    words, p, fmt = s.words, s.words.participant, s.words.fmt
    out = []
    eligible = s.program.clauses_of(ir.ClauseKind.ELIGIBLE)
    if eligible and s.commission is not None:
        out.append(_("A {p} that may not take part pays the standard commission and receives no payments.").format(p=p))
    elif eligible:
        out.append(_("A {p} that may not take part receives no payments.").format(p=p))
    subsidy = s.subsidy
    if subsidy is not None:
        limits = subsidy.limits
        rows = plural(words.row_noun(subsidy.table))
        if limits.max_orders is not None:
            out.append(
                _(
                    "The platform pays only on the first {n} qualifying {rows} of each {p} "
                    "(see the order-limit example below)."
                ).format(n=fmt.number(limits.max_orders), rows=rows, p=p)
            )
        if limits.pool is not None:
            pool = fmt.money(limits.pool) + render_periods.budget_period_words(limits, words)
            out.append(
                _("It pays only while the budget of {pool} lasts (see the budget example below).").format(pool=pool)
            )
    return tuple(out)


def _last_full_day(end: dt.datetime, words: Words) -> str:
    """A window ending at midnight reads better with its last whole day spelt out."""
    if end.time() != dt.time():
        return ""
    return _(" (its last full day is {date})").format(date=words.fmt.date(end.date() - dt.timedelta(days=1)))


def _commission_step(s: _Setting, commission: ir.Commission, applies: bool, order: _Order, charge: Decimal) -> str:
    words = s.words
    fmt, currency = words.fmt, words.currency
    base, phrase = order.item_total, words.window_phrase(commission.filters.window or "")
    row = words.row_noun(commission.table)
    if applies:
        rate = commission.rate
        text = _(
            "Commission: the {row} falls within {window}, so the rate is {rate}: {rate} of {base} is {charge}"
        ).format(
            row=row,
            window=phrase,
            rate=fmt.percent(rate),
            base=fmt.money(base, currency),
            charge=fmt.money(charge, currency),
        )
        if commission.standard is not None:
            usual = round_money(base * commission.standard.fraction, currency)
            text += _(" (the standard {rate} would have been {amount})").format(
                rate=fmt.percent(commission.standard), amount=fmt.money(usual, currency)
            )
        return text + "."
    rate = commission.standard or commission.rate
    return _(
        "Commission: the {row} is outside {window}, so the standard rate applies: {rate} of {base} is {charge}."
    ).format(
        row=row,
        window=phrase,
        rate=fmt.percent(rate),
        base=fmt.money(base, currency),
        charge=fmt.money(charge, currency),
    )


def _subsidy_step(s: _Setting, subsidy: ir.Subsidy, order: _Order, paid: Decimal) -> str:
    words = s.words
    fmt, currency = words.fmt, words.currency
    column = words.column_words(subsidy.column, subsidy.table)
    label, row = ex.capitalized(column), words.row_noun(subsidy.table)
    if not _inside(s.program, subsidy.filters.window, order, s.tz):
        phrase = words.window_phrase(subsidy.filters.window or "")
        return _("{label}: the {row} is outside {window}, so the platform pays nothing.").format(
            label=label, row=row, window=phrase
        )
    cap = subsidy.limits.per_order
    fee = fmt.money(order.fee, currency)
    if cap is not None and order.fee > paid and paid == cap.amount:
        return _("{label}: {fee} is more than the cap of {cap} per {row}, so the platform pays {paid}.").format(
            label=label, fee=fee, cap=fmt.money(cap), row=row, paid=fmt.money(paid, currency)
        )
    return _("{label}: {fee} is within the cap, so the platform pays {paid}.").format(
        label=label, fee=fee, paid=fmt.money(paid, currency)
    )


def _participant_table(program: ir.Program) -> str | None:
    return program.participant.table if program.participant else None


# ------------------------------------------------------------ order limits, budgets


def _limit_examples(s: _Setting, subsidy: ir.Subsidy, order: _Order) -> list[Example | None]:
    _applies, paid, _rate = _effect(_decide(s, order), subsidy.name)
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
    n, fee = fmt.number(limit), fmt.money(order.fee, currency)
    steps = (
        _("Suppose a qualifying {p} has already had {n} qualifying {rows} paid for, the most that are covered.").format(
            p=p, n=n, rows=rows
        ),
        _(
            "Its next qualifying {row}, number {next} in time order, has {column} {fee}; "
            "on its own the platform would pay {paid}."
        ).format(row=row, next=fmt.number(limit + 1), column=column, fee=fee, paid=fmt.money(paid, currency)),
        _("Only the first {n} qualifying {rows} of each {p} are covered, so the platform pays nothing on it.").format(
            n=n, rows=rows, p=p
        ),
    )
    outcome = _("On this {row} the {p} pays the whole {column}, {fee}, itself.").format(
        row=row, p=p, column=column, fee=fee
    )
    condition = rewards.order_condition(subsidy.filters, subsidy.table, words)
    conditions = (
        (
            _(
                "Only qualifying {rows} count toward the {n} ({condition}); "
                "{a_row} placed earlier than one of them would have been paid instead."
            )
            if condition
            else _(
                "Only qualifying {rows} count toward the {n}; "
                "{a_row} placed earlier than one of them would have been paid instead."
            )
        ).format(rows=rows, n=n, condition=condition, a_row=a_name(row)),
    )
    title = _("The {row} limit").format(row=ex.capitalized(row).lower())
    return Example(title, steps, outcome, conditions)


# The first-come budget example's sentences, one per budget period (`budget: £50 per day`):
# whole sentences, so that a translation can order each one as its language needs.
_BUDGET_SPENT: dict[str | None, Callable[[], str]] = {
    None: lambda: _(
        "Suppose the payments to all {p}s have used {used} of the budget of {pool} when a qualifying {row} "
        "with {column} {fee} is paid; {rows} are paid in time order."
    ),
    "day": lambda: _(
        "Suppose the payments to all {p}s on {date} have used {used} of that day's budget of {pool} (days in "
        "{zone}) when a qualifying {row} with {column} {fee} is paid; {rows} are paid in time order."
    ),
    "week": lambda: _(
        "Suppose the payments to all {p}s in one week have used {used} of that week's budget of {pool} when a "
        "qualifying {row} with {column} {fee} is paid; {rows} are paid in time order."
    ),
    "month": lambda: _(
        "Suppose the payments to all {p}s in one month have used {used} of that month's budget of {pool} when a "
        "qualifying {row} with {column} {fee} is paid; {rows} are paid in time order."
    ),
}
_BUDGET_OUTCOME: dict[str | None, Callable[[], str]] = {
    None: lambda: _("On this {row} the {p} pays {own} of the {column} itself, and later {rows} receive nothing."),
    "day": lambda: _(
        "On this {row} the {p} pays {own} of the {column} itself, and later {rows} that day receive nothing."
    ),
    "week": lambda: _(
        "On this {row} the {p} pays {own} of the {column} itself, and later {rows} that week receive nothing."
    ),
    "month": lambda: _(
        "On this {row} the {p} pays {own} of the {column} itself, and later {rows} that month receive nothing."
    ),
}
_NEXT_BUDGET: dict[str, Callable[[], str]] = {
    "day": lambda: _("The next day starts with a new budget of {pool}, whatever was used before."),
    "week": lambda: _("The next week starts with a new budget of {pool}, whatever was used before."),
    "month": lambda: _("The next month starts with a new budget of {pool}, whatever was used before."),
}
_BUDGET_TITLE: dict[str | None, Callable[[], str]] = {
    None: lambda: _("The budget runs out ({pool})"),
    "day": lambda: _("The budget runs out ({pool} per day)"),
    "week": lambda: _("The budget runs out ({pool} per week)"),
    "month": lambda: _("The budget runs out ({pool} per month)"),
}


def _first_come_example(s: _Setting, subsidy: ir.Subsidy, order: _Order, paid: Decimal, pool: ir.Money) -> Example:
    words = s.words
    fmt, p, currency = words.fmt, words.participant, words.currency
    row = words.row_noun(subsidy.table)
    rows, column = plural(row), words.column_words(subsidy.column, subsidy.table)
    left = round_money(paid * Decimal("0.4"), currency)
    share = first_come_share(paid, left)
    period = subsidy.limits.pool_period  # `budget: £50 per day`: the example happens within one day
    used = fmt.money(pool.amount - left, currency)
    zone = render_periods.zone_words(words)
    spent = _BUDGET_SPENT[period]()
    steps = (
        spent.format(
            p=p,
            used=used,
            pool=fmt.money(pool),
            row=row,
            column=column,
            fee=fmt.money(order.fee, currency),
            rows=rows,
            date=fmt.date(order.placed.date()),
            zone=zone,
        ),
        _("On its own the platform would pay {paid}; only {left} is left, so it pays {share}.").format(
            paid=fmt.money(paid, currency), left=fmt.money(left, currency), share=fmt.money(share, currency)
        ),
    )
    own = fmt.money(round_money(order.fee - share, currency), currency)
    outcome = _BUDGET_OUTCOME[period]().format(row=row, p=p, own=own, column=column, rows=rows)
    conditions: tuple[str, ...] = (
        _("While the budget has money left, each qualifying {row} is paid in full, in time order.").format(row=row),
    )
    if period is not None:
        conditions += (_NEXT_BUDGET[period]().format(pool=fmt.money(pool)),)
    return Example(_BUDGET_TITLE[period]().format(pool=fmt.money(pool)), steps, outcome, conditions)
