"""Worked examples drawn from the program's own numbers.

The figures are derived from the rule file (a base that hits the rebate cap and one
below it, a fee below and above the per-order cap, an order inside and after a free
period), so the examples change when the rule file changes and never contradict it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import cast
from zoneinfo import ZoneInfo

from rulekit import ir, timeutil
from rulekit.money import minor_unit, round_money
from rulekit.plan.kinds import kind_of
from rulekit.render import rewards
from rulekit.render.model import Example, Section
from rulekit.render.words import Subject, Words, an


def round_figure(value: Decimal) -> Decimal:
    """``value`` rounded to two significant figures: 149,700 -> 150,000; 2.994 -> 3.0."""
    if value <= 0:
        return Decimal(0)
    exponent = value.adjusted() - 1
    return value.scaleb(-exponent).quantize(Decimal(1)).scaleb(exponent)


def section(program: ir.Program, words: Words) -> Section | None:
    found = [*_ranked_examples(program, words), *_order_examples(program, words)]
    if not found:
        return None
    intro = ("These examples apply the rules above to made-up figures; they are not extra rules.",)
    return Section("examples", "Worked examples", intro, examples=tuple(found))


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def _first(program: ir.Program, kind: str) -> ir.Reward | None:
    """The first reward of the registered kind called ``kind``. The worked examples combine
    particular kinds (a prize with a rebate, a commission with a subsidy); a kind they do
    not know simply has none."""
    return next((r for r in program.rewards if kind_of(r).name == kind), None)


# ---------------------------------------------------------------- prizes and rebates


def _rebate_bases(rebate: ir.Rebate) -> tuple[Decimal, Decimal]:
    """A base above the point where the cap bites, and one well below it."""
    cap = rebate.limits.per_participant
    rates = [rebate.rate.fraction] if rebate.rate is not None else [b.rate.fraction for b in rebate.brackets]
    rate = max(rates, default=Decimal(0))
    if cap is None or rate <= 0:
        return Decimal(100_000), Decimal(10_000)
    turning = cap.amount / rate
    return round_figure(turning * Decimal("1.5")), round_figure(turning / 2)


def _rebate_step(rebate: ir.Rebate, base: Decimal, program: ir.Program, words: Words) -> tuple[str, Decimal]:
    fmt, currency = words.fmt, rewards.currency_of(program)
    raw = rewards.rebate_amount(rebate, base, currency)
    how = f"{fmt.percent(rebate.rate)} of {fmt.money(base, currency)}" if rebate.rate else "the brackets' total"
    cap = rebate.limits.per_participant
    if cap is not None and raw > cap.amount:
        noun = rebate.limits.per_participant_noun or words.participant
        text = f"Rebate: {how} is {fmt.money(raw, currency)}, more than the cap of {fmt.money(cap)} per {noun}"
        return f"{text}, so the rebate is {fmt.money(cap)}.", cap.amount
    return f"Rebate: {how} is {fmt.money(raw, currency)}, within any cap.", raw


def _prize_ranks(prize: ir.Prize | None, program: ir.Program) -> tuple[ir.Ranking | None, int]:
    """The prize's ranking and how many ranks win."""
    if prize is None:
        return None, 0
    ranking = program.ranking(prize.ranking)
    if ranking is not None and ranking.top is not None:
        return ranking, ranking.top
    return ranking, max((t.last for t in prize.schedule), default=1)


def _ranked_examples(program: ir.Program, words: Words) -> list[Example]:
    prize = cast("ir.Prize | None", _first(program, "prize"))
    rebate = cast("ir.Rebate | None", _first(program, "rebate"))
    if prize is None and rebate is None:
        return []
    ranking, top = _prize_ranks(prize, program)
    high, low = _rebate_bases(rebate) if rebate is not None else (Decimal(0), Decimal(0))
    found = [_ranked_example(program, words, prize, rebate, 2 if top >= 2 else 1, high)]
    if prize is not None and rebate is not None:
        found.append(_ranked_example(program, words, prize, rebate, top + 1, low))
    splits = ranking is not None and ranking.shared_ranks == "split" and rewards.ties_possible(ranking, program)
    if prize is not None and splits and top >= 3:
        found.append(_tie_example(program, words, prize))
    return found


def _tie_example(program: ir.Program, words: Words, prize: ir.Prize) -> Example:
    fmt, p, currency = words.fmt, words.participant, rewards.currency_of(program)
    second, third = rewards.prize_for_rank(prize, 2), rewards.prize_for_rank(prize, 3)
    each = ((second + third) / 2).quantize(minor_unit(currency), rounding=ROUND_DOWN)
    steps = (
        f"Two {p}s tie at rank 2, so together they occupy positions 2 and 3.",
        f"The prizes of those positions are {fmt.money(second, currency)} and {fmt.money(third, currency)}, "
        f"{fmt.money(second + third, currency)} together.",
    )
    outcome = f"Each of the two {p}s receives a prize of {fmt.money(each, currency)}; the next {p} is ranked 4."
    return Example("A tie at rank 2", steps, outcome)


def _ranked_example(
    program: ir.Program, words: Words, prize: ir.Prize | None, rebate: ir.Rebate | None, rank: int, base: Decimal
) -> Example:
    fmt, p, currency = words.fmt, words.participant, rewards.currency_of(program)
    situation = f"a qualifying {p}" + (f" finishes at rank {fmt.number(rank)}" if prize is not None else "")
    if rebate is not None:
        joiner = " with" if prize is not None else " has"
        situation += f"{joiner} {words.measure(rebate.base)} of {fmt.money(base, currency)}"
    steps = [f"Suppose {situation}."]
    total = Decimal(0)
    if prize is not None:
        amount = rewards.prize_for_rank(prize, rank)
        if amount > 0:
            steps.append(f"Prize for rank {fmt.number(rank)}: {fmt.money(amount, currency)}.")
        else:
            steps.append(f"Prize: none, because rank {fmt.number(rank)} is outside the prize ranks.")
        total += amount
    if rebate is not None:
        line, amount = _rebate_step(rebate, base, program, words)
        steps.append(line)
        total += amount
    outcome = f"The {p} is paid {fmt.money(total, currency)}"
    if program.payout is not None and program.payout.channel:
        outcome += f" by {program.payout.channel}"
    due = timeutil.due_date(program)
    if due is not None:
        outcome += f", due {fmt.weekday_date(due)}"
    if rebate is not None and rebate.limits.pool is not None:
        outcome += f", provided the rebates of all {p}s stay within the budget of {fmt.money(rebate.limits.pool)}"
    title = f"{an(p)} at rank {fmt.number(rank)}" if prize is not None else "a rebate"
    return Example(_capitalized(title), tuple(steps), outcome + ".")


# ------------------------------------------------------------------------ orders


@dataclass(frozen=True)
class _Order:
    """The example order: who placed it, when, and its money columns."""

    joined: dt.datetime  # local wall-clock time the participant joined
    placed: dt.datetime  # local wall-clock time of the order
    item_total: Decimal
    fee: Decimal


def _order_examples(program: ir.Program, words: Words) -> list[Example]:
    commission = cast("ir.Commission | None", _first(program, "commission"))
    subsidy = cast("ir.Subsidy | None", _first(program, "subsidy"))
    tz = timeutil.zone(program.header.timezone) if program.header and program.header.timezone else None
    if (commission is None and subsidy is None) or tz is None:
        return []
    first = next((w for w in program.windows if isinstance(w, ir.AbsoluteWindow)), None)
    joined = first.start.start() if first is not None else dt.datetime(2024, 1, 1)
    cap = subsidy.limits.per_order if subsidy is not None else None
    scale = cap.amount if cap is not None else Decimal(10)
    item_total = round_figure(scale * 20)
    relative = _relative_window(program, commission, subsidy)
    after = _relative_end(relative, joined, tz) + dt.timedelta(hours=12) if relative else joined + dt.timedelta(days=60)
    orders = (
        _Order(joined, joined + dt.timedelta(days=7), item_total, round_figure(scale * Decimal("0.6"))),
        _Order(joined, after, item_total, round_figure(scale * Decimal("1.5"))),
    )
    return [_order_example(program, words, tz, commission, subsidy, relative, order) for order in orders]


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


def _order_example(
    program: ir.Program,
    words: Words,
    tz: ZoneInfo,
    commission: ir.Commission | None,
    subsidy: ir.Subsidy | None,
    relative: ir.RelativeWindow | None,
    order: _Order,
) -> Example:
    fmt, p, currency = words.fmt, words.participant, rewards.currency_of(program)
    table = commission.table if commission is not None else subsidy.table if subsidy is not None else "orders"
    row = words.row_noun(table)
    steps = []
    if relative is not None:
        end = _relative_end(relative, order.joined, tz)
        steps.append(
            f"A qualifying {p}'s {words.time_words(relative.anchor, _participant_table(program))} is "
            f"{fmt.datetime(order.joined)}, so "
            f"{words.window_phrase(relative.name)} runs until {fmt.datetime(end)}{_last_full_day(end, words)}."
        )
    values = []
    if commission is not None:
        values.append(f"{words.column_words(commission.column, table)} {fmt.money(order.item_total, currency)}")
    if subsidy is not None and (commission is None or subsidy.column != commission.column):
        values.append(f"{words.column_words(subsidy.column, table)} {fmt.money(order.fee, currency)}")
    steps.append(f"It receives {an(row)} on {fmt.date(order.placed.date())} with {' and '.join(values)}.")
    wheres = [e.filters.where for e in (commission, subsidy) if e is not None and e.filters.where is not None]
    if wheres:
        met = "; ".join(words.expr(w, Subject.of(row)) for w in wheres)
        steps.append(f"The {row} also meets the other conditions: {met}.")
    outcome = []
    if commission is not None:
        line, charge = _commission_step(
            program, words, commission, _inside(program, commission.filters.window, order, tz), order
        )
        steps.append(line)
        outcome.append(f"pays {fmt.money(charge, currency)} commission")
    if subsidy is not None:
        line, paid = _subsidy_step(program, words, subsidy, _inside(program, subsidy.filters.window, order, tz), order)
        steps.append(line)
        own, column = round_money(order.fee - paid, currency), words.column_words(subsidy.column, subsidy.table)
        outcome.append(
            f"pays {fmt.money(own, currency)} of the {column} itself" if own else f"pays none of the {column}"
        )
    if relative is None:
        title = f"{an(row)}"
    else:
        where = "inside" if _inside(program, relative.name, order, tz) else "after"
        title = f"{an(row)} {where} {words.window_phrase(relative.name)}"
    return Example(_capitalized(title), tuple(steps), f"On this {row} the {p} " + " and ".join(outcome) + ".")


def _last_full_day(end: dt.datetime, words: Words) -> str:
    """A window ending at midnight reads better with its last whole day spelt out."""
    if end.time() != dt.time():
        return ""
    return f" (its last full day is {words.fmt.date(end.date() - dt.timedelta(days=1))})"


def _commission_step(
    program: ir.Program, words: Words, commission: ir.Commission, inside: bool, order: _Order
) -> tuple[str, Decimal]:
    fmt, currency = words.fmt, rewards.currency_of(program)
    base, phrase = order.item_total, words.window_phrase(commission.filters.window or "")
    if inside:
        rate = commission.rate
        charge = round_money(base * rate.fraction, currency)
        text = f"Commission: the {words.row_noun(commission.table)} falls within {phrase}, so the rate is "
        text += (
            f"{fmt.percent(rate)}: {fmt.percent(rate)} of {fmt.money(base, currency)} is {fmt.money(charge, currency)}"
        )
        if commission.standard is not None:
            usual = round_money(base * commission.standard.fraction, currency)
            text += f" (the standard {fmt.percent(commission.standard)} would have been {fmt.money(usual, currency)})"
        return text + ".", charge
    rate = commission.standard or commission.rate
    charge = round_money(base * rate.fraction, currency)
    text = f"Commission: the {words.row_noun(commission.table)} is outside {phrase}, so the standard rate applies: "
    return text + f"{fmt.percent(rate)} of {fmt.money(base, currency)} is {fmt.money(charge, currency)}.", charge


def _subsidy_step(
    program: ir.Program, words: Words, subsidy: ir.Subsidy, inside: bool, order: _Order
) -> tuple[str, Decimal]:
    fmt, currency = words.fmt, rewards.currency_of(program)
    column = words.column_words(subsidy.column, subsidy.table)
    fee, label = order.fee, _capitalized(column)
    if not inside:
        phrase = words.window_phrase(subsidy.filters.window or "")
        return (
            f"{label}: the {words.row_noun(subsidy.table)} is outside {phrase}, so the platform pays nothing.",
            Decimal(0),
        )
    if subsidy.kind is ir.SubsidyKind.FULL:
        offer = fee
    elif isinstance(subsidy.amount, ir.Percent):
        offer = round_money(fee * subsidy.amount.fraction, currency)
    else:
        offer = min(fee, subsidy.amount.amount if isinstance(subsidy.amount, ir.Money) else fee)
    cap = subsidy.limits.per_order
    if cap is not None and offer > cap.amount:
        row = words.row_noun(subsidy.table)
        text = f"{label}: {fmt.money(fee, currency)} is more than the cap of {fmt.money(cap)} per {row}"
        return f"{text}, so the platform pays {fmt.money(cap)}.", cap.amount
    return (
        f"{label}: {fmt.money(fee, currency)} is within the cap, so the platform pays {fmt.money(offer, currency)}.",
        offer,
    )


def _participant_table(program: ir.Program) -> str | None:
    return program.participant.table if program.participant else None
