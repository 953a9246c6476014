"""Document prose for programs paid per period (issue 10, construct 6).

The policy document says, in a seller's words, that each calendar period is settled and
paid on its own, which measures run to date, what a cap or budget per period means, and
when each period's payment falls due.
"""

from __future__ import annotations

from babel.dates import format_date

from rulekit import ir
from rulekit.periods import Period, pay_unit
from rulekit.periods.program import to_date_rewards
from rulekit.periods.run import period_programs
from rulekit.render.formatting import Formatter
from rulekit.render.i18n import _, ngettext
from rulekit.render.words import Words

__all__ = ["cap_words", "measure_words", "payment_sentences", "payment_summary", "pool_words"]


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
