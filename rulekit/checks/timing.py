"""Time zone, calendar and currency of the header; windows; payout timing (RK3xx);
money written in a foreign currency (RK202)."""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterator

from rulekit import codes, ir, money, timeutil
from rulekit.checks.context import Context
from rulekit.checks.limits import nodes
from rulekit.checks.points import shift_lengths
from rulekit.diagnostics import suggest


def check_header(ctx: Context) -> None:
    header = ctx.program.header
    if header is None:
        return
    span = header.span
    if header.timezone is not None:
        _timezone(ctx, header.timezone, header.timezone_span or span)
    if header.calendar is not None and header.calendar not in timeutil.CALENDARS:
        ctx.error(
            codes.RK302,
            f"unknown calendar `{header.calendar}`",
            header.calendar_span or span,
            "supported calendars: " + ", ".join(timeutil.CALENDARS),
        )
    if header.currency is not None and not money.is_currency(header.currency):
        ctx.error(
            codes.RK303,
            f"unknown currency `{header.currency}`",
            header.currency_span or span,
            "use an ISO 4217 code, like `USD`, `GBP` or `EUR`",
        )


def _timezone(ctx: Context, name: str, span: ir.Span) -> None:
    if timeutil.zone(name) is None:
        canonical = timeutil.canonical_spelling(name)
        close = [canonical] if canonical else difflib.get_close_matches(name, sorted(timeutil.zone_names()), 3, 0.5)
        hint = "did you mean " + " or ".join(f'"{z}"' for z in close) + "?" if close else None
        ctx.error(
            codes.RK301,
            f'unknown time zone "{name}"',
            span,
            hint or 'use an IANA time zone name, like "America/New_York" or "Europe/London"',
        )
        return
    shift = timeutil.irregular_shift(name)
    if shift is not None:
        when, by = shift
        minutes = abs(int(by.total_seconds())) // 60
        amount = f"{minutes // 60} hours" if minutes % 60 == 0 else f"{minutes} minutes"
        ctx.error(
            codes.RK307,
            f'time zone "{name}" moves its clocks by {amount} (around {when.isoformat()}); '
            "rulekit supports zones whose clocks move by exactly one hour",
            span,
            'choose a zone whose clocks move by one hour, or a fixed offset like "Etc/GMT-11" (UTC+11)',
        )


def check_windows(ctx: Context) -> None:
    for window in ctx.program.windows:
        if isinstance(window, ir.AbsoluteWindow):
            _absolute(ctx, window)
        else:
            _relative(ctx, window)
    _calendar_durations(ctx)


def _calendar_durations(ctx: Context) -> None:
    """Months and years only as the length of a relative window, and whole (RK308, RK309)."""
    lengths = {id(w.length) for w in ctx.program.windows if isinstance(w, ir.RelativeWindow)}
    lengths |= shift_lengths(ctx.program)  # `joined_at + 6 months` moves a point (issue 10)
    for declaration in _declarations(ctx.program):
        for node, _ in nodes(declaration):
            if not isinstance(node, ir.Duration) or not node.unit.months:
                continue
            if id(node) not in lengths:
                days = f"{int(node.total_months * 30)} days" if node.total_months > 0 else "30 days"
                ctx.error(
                    codes.RK308,
                    f"`{ctx.snippet(node.span)}` has no fixed length: a month can be 28 to 31 days",
                    node.span,
                    f"write the length in days, like `{days}`; months are for windows, like `first 6 months from …`",
                )
            elif node.amount != node.amount.to_integral_value():
                ctx.error(
                    codes.RK309,
                    f"`{ctx.snippet(node.span)}` is a fraction of a {node.unit.value.rstrip('s')}",
                    node.span,
                    f"count whole {node.unit.value}, or write the length in days, like "
                    f"`{int(node.total_months * 30)} days`",
                )


def _declarations(program: ir.Program) -> tuple[object, ...]:
    return (
        *program.windows,
        *program.metrics,
        *program.clauses,
        *program.rewards,
        *((program.payout,) if program.payout else ()),
        *program.examples,
    )


def _absolute(ctx: Context, window: ir.AbsoluteWindow) -> None:
    start, end = window.local_bounds()
    if end < start:
        ctx.error(
            codes.RK304,
            f"window `{window.name}` ends before it starts",
            window.end.span,
            "swap the two dates, or correct the end",
        )
    elif end == start:
        ctx.error(
            codes.RK305,
            f"window `{window.name}` is empty: it ends where it starts",
            window.end.span,
            "make the end `inclusive`, or move it later",
        )


def _within(ctx: Context, window: ir.RelativeWindow) -> None:
    """`within W`: W must be a declared window with fixed dates (RK104, RK310)."""
    if window.within is None:
        return
    outer = ctx.program.window(window.within)
    if outer is None:
        names = [w.name for w in ctx.program.windows if isinstance(w, ir.AbsoluteWindow)]
        ctx.unknown(codes.RK104, "window", window.within, names, window.within_span or window.span, "window")
    elif not isinstance(outer, ir.AbsoluteWindow):
        fixed = [w.name for w in ctx.program.windows if isinstance(w, ir.AbsoluteWindow)]
        dated = "a window with dates, like `window period: from … to … inclusive`"
        example = f"`within {fixed[0]}`" if fixed else dated
        ctx.error(
            codes.RK310,
            f"window `{window.name}` is within `{outer.name}`, which is not a window with fixed dates",
            window.within_span or window.span,
            f"a relative window can only be cut by a window with dates: use {example}",
        )


def _relative(ctx: Context, window: ir.RelativeWindow) -> None:
    _within(ctx, window)
    if window.length.amount <= 0:
        ctx.error(
            codes.RK305,
            f"window `{window.name}` has no length",
            window.length.span,
            "give it a positive length, like `first 90 days from joined_at`",
        )
    table = ctx.participant_table()
    if table is None:
        return
    column = table.column(window.anchor)
    if column is None:
        anchors = [c.name for c in table.columns if c.type in (ir.ColumnType.TIMESTAMP, ir.ColumnType.DATE)]
        ctx.error(
            codes.RK206,
            f"window `{window.name}` starts from `{window.anchor}`, which is not a column of `{table.name}`",
            window.anchor_span or window.span,
            suggest(window.anchor, anchors) or f"name a timestamp column of `{table.name}`",
        )
    elif column.type not in (ir.ColumnType.TIMESTAMP, ir.ColumnType.DATE, None):
        ctx.error(
            codes.RK206,
            f"window `{window.name}` starts from `{window.anchor}`, which is {column.type_name}, not a timestamp",
            window.anchor_span or window.span,
            f"declare `{window.anchor}: timestamp` or start from another column",
        )


def check_payout(ctx: Context) -> None:
    payout = ctx.program.payout
    if payout is None or payout.due is None:
        return
    due = payout.due
    window = ctx.program.window(due.after)
    if window is None:
        names = [w.name for w in ctx.program.windows]
        ctx.unknown(codes.RK104, "window", due.after, names, due.after_span or due.span, "window")
    elif isinstance(window, ir.RelativeWindow):
        ctx.error(
            codes.RK306,
            f"a payout cannot be due after `{window.name}`: it ends on a different day for every participant",
            due.after_span or due.span,
            "make the payout due after a window with fixed dates, like `from 2022-02-14 to 2022-02-27 inclusive`",
        )


def check_currencies(ctx: Context) -> None:
    """Every amount written in the file is in the program currency (RK202)."""
    currency = ctx.currency
    if currency is None or not money.is_currency(currency):
        return
    for amount in _amounts(ctx.program):
        if amount.currency != currency:
            ctx.error(
                codes.RK202,
                f"this amount is in {amount.currency}, but the program pays in {currency}",
                amount.span,
                "write every amount in the program currency; a program has one currency",
            )


def _amounts(node: object) -> Iterator[ir.Money]:
    """Every money literal inside ``node``, depth first (examples check their own values, RK704)."""
    if isinstance(node, ir.Example):
        return
    if isinstance(node, ir.Money):
        yield node
    elif isinstance(node, tuple):
        for item in node:
            yield from _amounts(item)
    elif dataclasses.is_dataclass(node) and not isinstance(node, (ir.Span, type)):
        for f in dataclasses.fields(node):
            if f.compare:  # spans and source text are not compared, and hold no amounts
                yield from _amounts(getattr(node, f.name))
