"""Examples of a program paid per period (issue 10, construct 6): ``expect s1 in 2024-03: …``
checks one participant's line of one pay period."""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa

from rulekit import ir
from rulekit.examples.compare import Outcome, compare_order, compare_participant
from rulekit.periods.run import PeriodSettlement, settle_periods
from rulekit.results import OrderEffect, ParticipantResult

__all__ = ["period_lines", "period_outcomes"]


def period_lines(program: ir.Program, tables: Mapping[str, pa.Table]) -> PeriodSettlement | None:
    """The period lines of an example's data, or None when the program is not paid per period."""
    if program.payout is None or program.payout.paid is None:
        return None
    return settle_periods(program, dict(tables))


def period_outcomes(
    example: ir.Example, lines: PeriodSettlement, effects: Mapping[str, list[OrderEffect]]
) -> tuple[Outcome, ...]:
    """Each expectation against its period's line (order expectations as in any program)."""
    labels = [period.label for period in lines.periods]
    out: list[Outcome] = []
    for expect in example.expects:
        if expect.order:
            subject = f"order {expect.subject}"
            out += [compare_order(subject, item, effects.get(expect.subject, [])) for item in expect.items]
        elif expect.period is None:
            want = f"a pay period: `expect {expect.subject} in {labels[0] if labels else '2024-01'}: …`"
            out.append(Outcome(expect.subject, "", want, "no period named", expect.span))
        else:
            subject = f"{expect.subject} in {expect.period}"
            result = _line(lines, expect.subject, expect.period)
            out += [compare_participant(subject, item, result) for item in expect.items]
    return tuple(out)


def _line(lines: PeriodSettlement, participant: str, period: str) -> ParticipantResult | None:
    try:
        return lines.line(participant, period)
    except LookupError:
        return None
