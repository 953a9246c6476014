"""Document prose for programs paid per period (issue 10, construct 6).

The policy document says, in a seller's words, that each calendar period is settled and
paid on its own, which measures run to date, what a cap or budget per period means, and
when each period's payment falls due.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from rulekit import ir, timeutil
from rulekit.periods import pay_unit
from rulekit.periods.program import to_date_rewards
from rulekit.periods.run import period_programs
from rulekit.render.i18n import _
from rulekit.render.words import Words

__all__ = [
    "budget_period_sentence",
    "budget_period_words",
    "cap_words",
    "max_fact_label",
    "max_sentence_template",
    "measure_words",
    "pay_unit_of",
    "payment_sentences",
    "payment_summary",
    "pool_words",
]

_NOUNS = {"month": "calendar month", "week": "week (Monday to Sunday)", "day": "day"}


def _unit(program: ir.Program) -> str | None:
    return pay_unit(program.payout.paid if program.payout else None)


def max_fact_label(program: ir.Program) -> str:
    """The at-a-glance label of the most one participant can get: per pay period when paid
    per period (every cap, prize and bonus bounds one period's payment, not the program's)."""
    labels = {
        None: _("Maximum per {p}"),
        "month": _("Maximum per {p} per month"),
        "week": _("Maximum per {p} per week"),
        "day": _("Maximum per {p} per day"),
    }
    return labels.get(_unit(program), labels[None])


def max_sentence_template(program: ir.Program) -> str:
    """The sentence saying the most one participant can get (placeholders ``p``, ``total``,
    ``parts``), per pay period when paid per period."""
    sentences = {
        None: _("The most one {p} can receive is {total}: {parts}."),
        "month": _("The most one {p} can receive for one month is {total}: {parts}."),
        "week": _("The most one {p} can receive for one week is {total}: {parts}."),
        "day": _("The most one {p} can receive for one day is {total}: {parts}."),
    }
    return sentences.get(_unit(program), sentences[None])


def measure_words(definition: ir.Aggregate, words: Words) -> str:
    """What a measure covers in a program paid per period: `` in each month`` or to date."""
    unit = _unit(words.program)
    if unit is None:
        return ""
    if definition.filters.to_date:
        return f", counted from the start of the window to the end of each {unit} (to date)"
    return f", counted separately for each {unit}"


def cap_words(limits: ir.Limits, words: Words) -> str:
    """`` per month`` after a cap per period; what a cap without a period covers when paid per period."""
    unit = _unit(words.program)
    if limits.cap_period is not None:
        return f" per {limits.cap_period}"
    return f" in total over all {unit}s" if unit is not None else ""


def pay_unit_of(words: Words) -> str | None:
    """The pay period's unit of the program being described (``month``), or None."""
    return _unit(words.program)


def budget_period_words(limits: ir.Limits, words: Words) -> str:
    """`` per day (British Time, Europe/London)`` after a budget per calendar period; else ``""``."""
    period = limits.pool_period
    if period is None:
        return ""
    tz = _zone(words.program)
    where = f"{words.fmt.zone_name(tz)}, {tz.key}" if tz is not None else "local time"
    return f" per {period} ({where})"


def budget_period_sentence(limits: ir.Limits, words: Words, what: str) -> list[str]:
    """What a budget per day (week, month) means: each period its own, nothing carried over."""
    period = limits.pool_period
    if period is None:
        return []
    tz = _zone(words.program)
    zone = words.fmt.zone_name(tz) if tz is not None else "local time"
    spans = {
        "day": f"Each day, from midnight to midnight {zone} (23 or 25 hours on the days the clocks change),",
        "week": f"Each week, from Monday 00:00 to the next Monday 00:00 {zone},",
        "month": f"Each calendar month, from midnight {zone} on its first day,",
    }
    return [
        f"{spans.get(period, spans['month'])} has its own budget for the {what} on the orders placed in it; "
        f"what one {period} leaves unused does not carry over to the next."
    ]


def _zone(program: ir.Program) -> ZoneInfo | None:
    header = program.header
    return timeutil.zone(header.timezone) if header is not None and header.timezone else None


def pool_words(words: Words) -> list[str]:
    """A budget in a program paid per period is one budget for each period."""
    unit = _unit(words.program)
    return (
        [f"The budget applies to each {unit} separately; what one {unit} leaves unused does not carry over."]
        if unit
        else []
    )


def payment_sentences(program: ir.Program, words: Words) -> list[str]:
    """How a program paid per period pays: per period, to-date differences, each period's due date."""
    unit = _unit(program)
    if unit is None:
        return []
    fmt, p = words.fmt, words.participant
    out = [
        f"The program is settled and paid {program.payout.paid if program.payout else ''}: each {_NOUNS[unit]} "
        f"is worked out on its own, in the program's time zone; the first and last {unit}s count only their "
        f"days inside the program's dates. {capitalize(p)}s receive one payment per {unit}."
    ]
    if to_date_rewards(program):
        out.append(
            f"A reward on a to-date measure is worked out on everything from the start of the program to the end "
            f"of each {unit}; each {unit} pays what is due to date minus what earlier {unit}s paid. If the amount "
            "due to date falls (for example after returns), nothing already paid is taken back: later payments "
            "resume once the amount due to date is again above what was paid."
        )
    due = program.payout.due if program.payout else None
    dues = [(part.period, part.due) for part in period_programs(program)]
    if due is not None and dues and all(when is not None for _, when in dues):
        days = f"{due.amount} {'business ' if due.business else ''}day{'s' if due.amount != 1 else ''}"
        listed = "; ".join(f"{period.words()}: {fmt.date(when)}" for period, when in dues if when is not None)
        out.append(f"Each {unit}'s payment is due {days} after its last day in the program: {listed}.")
    return out


def payment_summary(program: ir.Program, words: Words) -> str | None:
    """``paid monthly, first due …`` for the at-a-glance table."""
    if _unit(program) is None or program.payout is None:
        return None
    dues = [part.due for part in period_programs(program) if part.due is not None]
    first = f", first due {words.fmt.weekday_date(dues[0])}" if dues else ""
    return ", ".join(x for x in (program.payout.channel, f"paid {program.payout.paid}{first}") if x)


def capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]
