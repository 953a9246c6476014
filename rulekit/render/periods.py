"""Document prose for programs paid per period (issue 10, construct 6).

The policy document says, in a seller's words, that each calendar period is settled and
paid on its own, which measures run to date, what a cap or budget per period means, and
when each period's payment falls due.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from babel.dates import format_date

from rulekit import ir, timeutil
from rulekit.periods import Period, pay_unit
from rulekit.periods.program import to_date_rewards
from rulekit.periods.run import period_programs
from rulekit.render.formatting import Formatter
from rulekit.render.i18n import _, ngettext
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
    "zone_words",
]


def _noun(unit: str) -> str:
    """The period spelt out: "calendar month", "week (Monday to Sunday)", "day"."""
    if unit == "month":
        return _("calendar month")
    if unit == "week":
        return _("week (Monday to Sunday)")
    return _("day")


def _unit_word(unit: str, *, many: bool = False) -> str:
    """``month`` / ``months`` in the document's language."""
    if unit == "month":
        return _("months") if many else _("month")
    if unit == "week":
        return _("weeks") if many else _("week")
    return _("days") if many else _("day")


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
        return _(", counted from the start of the window to the end of each {unit} (to date)").format(
            unit=_unit_word(unit)
        )
    return _(", counted separately for each {unit}").format(unit=_unit_word(unit))


def cap_words(limits: ir.Limits, words: Words) -> str:
    """`` per month`` after a cap per period; what a cap without a period covers when paid per period."""
    unit = _unit(words.program)
    if limits.cap_period is not None:
        return _(" per {unit}").format(unit=_unit_word(limits.cap_period))
    return _(" in total over all {units}").format(units=_unit_word(unit, many=True)) if unit is not None else ""


def pay_unit_of(words: Words) -> str | None:
    """The pay period's unit of the program being described (``month``), or None."""
    return _unit(words.program)


def budget_period_words(limits: ir.Limits, words: Words) -> str:
    """`` per day (British Time, Europe/London)`` after a budget per calendar period; else ``""``."""
    period = limits.pool_period
    if period is None:
        return ""
    where = zone_words(words)
    templates = {"day": _(" per day ({where})"), "week": _(" per week ({where})"), "month": _(" per month ({where})")}
    return templates.get(period, templates["month"]).format(where=where)


def zone_words(words: Words) -> str:
    """``British Time, Europe/London``: the zone a budget's days are counted in."""
    tz = _zone(words.program)
    return f"{words.fmt.zone_name(tz)}, {tz.key}" if tz is not None else _("local time")


def budget_period_sentence(limits: ir.Limits, words: Words, what: str) -> list[str]:
    """What a budget per day (week, month) means: each period its own, nothing carried over."""
    period = limits.pool_period
    if period is None:
        return []
    tz = _zone(words.program)
    zone = words.fmt.zone_name(tz) if tz is not None else _("local time")
    sentences = {
        "day": _(
            "Each day, from midnight to midnight {zone} (23 or 25 hours on the days the clocks change), has its "
            "own budget for the {what} on the orders placed in it; what one day leaves unused does not carry over "
            "to the next."
        ),
        "week": _(
            "Each week, from Monday 00:00 to the next Monday 00:00 {zone}, has its own budget for the {what} on the "
            "orders placed in it; what one week leaves unused does not carry over to the next."
        ),
        "month": _(
            "Each calendar month, from midnight {zone} on its first day, has its own budget for the {what} on the "
            "orders placed in it; what one month leaves unused does not carry over to the next."
        ),
    }
    return [sentences.get(period, sentences["month"]).format(zone=zone, what=what)]


def _zone(program: ir.Program) -> ZoneInfo | None:
    header = program.header
    return timeutil.zone(header.timezone) if header is not None and header.timezone else None


def pool_words(words: Words) -> list[str]:
    """A budget in a program paid per period is one budget for each period."""
    unit = _unit(words.program)
    if not unit:
        return []
    text = _("The budget applies to each {unit} separately; what one {unit} leaves unused does not carry over.")
    return [text.format(unit=_unit_word(unit))]


def payment_sentences(program: ir.Program, words: Words) -> list[str]:
    """How a program paid per period pays: per period, to-date differences, each period's due date."""
    unit = _unit(program)
    if unit is None:
        return []
    fmt, p = words.fmt, words.participant
    out = [
        _(
            "The program is settled and paid {paid}: each {period} is worked out on its own, in the program's "
            "time zone; the first and last {units} count only their days inside the program's dates. "
            "{P}s receive one payment per {unit}."
        ).format(
            paid=_paid_words(program),
            period=_noun(unit),
            units=_unit_word(unit, many=True),
            P=capitalize(p),
            unit=_unit_word(unit),
        )
    ]
    if to_date_rewards(program):
        out.append(
            _(
                "A reward on a to-date measure is worked out on everything from the start of the program to the end "
                "of each {unit}; each {unit} pays what is due to date minus what earlier {units} paid. If the amount "
                "due to date falls (for example after returns), nothing already paid is taken back: later payments "
                "resume once the amount due to date is again above what was paid."
            ).format(unit=_unit_word(unit), units=_unit_word(unit, many=True))
        )
    due = program.payout.due if program.payout else None
    dues = [(part.period, part.due) for part in period_programs(program)]
    if due is not None and dues and all(when is not None for _period, when in dues):
        days = (
            ngettext("{n} business day", "{n} business days", due.amount)
            if due.business
            else ngettext("{n} day", "{n} days", due.amount)
        ).format(n=fmt.number(due.amount))
        listed = "; ".join(
            f"{_period_words(period, fmt)}: {fmt.date(when)}" for period, when in dues if when is not None
        )
        out.append(
            _("Each {unit}'s payment is due {days} after its last day in the program: {listed}.").format(
                unit=_unit_word(unit), days=days, listed=listed
            )
        )
    return out


def _paid_words(program: ir.Program) -> str:
    """``monthly`` / ``weekly`` / ``daily``: how often the program pays."""
    paid = program.payout.paid if program.payout else None
    if paid == "monthly":
        return _("monthly")
    if paid == "weekly":
        return _("weekly")
    if paid == "daily":
        return _("daily")
    return paid or ""


def payment_summary(program: ir.Program, words: Words) -> str | None:
    """``paid monthly, first due …`` for the at-a-glance table."""
    if _unit(program) is None or program.payout is None:
        return None
    dues = [part.due for part in period_programs(program) if part.due is not None]
    first = _(", first due {date}").format(date=words.fmt.weekday_date(dues[0])) if dues else ""
    paid = _("paid {how}").format(how=_paid_words(program)) + first
    return ", ".join(x for x in (program.payout.channel, paid) if x)


def _period_words(period: Period, fmt: Formatter) -> str:
    """``March 2024``, ``week 9 of 2024``, ``5 March 2024`` (``5. März 2024``): as
    :meth:`Period.words` says it, with month names in the document's language."""
    if len(period.label) == 7:
        return str(format_date(period.start, _("MMMM y"), locale=fmt.babel_locale))
    if "W" in period.label:
        year, week = period.label.split("-W")
        return _("week {week} of {year}").format(week=int(week), year=year)
    return str(format_date(period.start, _("d MMMM y"), locale=fmt.babel_locale))


def capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]
