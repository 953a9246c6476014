"""Resource limits (RK8xx): every value and every size a rule file can state, bounded.

A settlement moves money, so a rule file must be answered with a diagnostic in
bounded time and memory whatever it contains. These checks run before all others;
when one fails, the other checks are skipped (they, and every later stage, may rely
on the values being in range). The limits are documented in ``docs/language.md``
("Limits") and ``docs/security.md``; each number below is chosen so that every stage
(checker, both evaluators, documents) handles any value inside it exactly.

The walk over the program is iterative: a rule file may nest expressions deeper than
Python's recursion limit, and this check is what turns that into a diagnostic.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from rulekit import codes, ir
from rulekit.checks.context import Context

# Amounts and numbers: SQL holds them as DECIMAL(38, 12), i.e. 26 whole digits; sums of
# many rows and products with rates need headroom, so a literal has at most 15.
MAX_WHOLE_DIGITS = 15
MAX_DECIMALS = 12
# A percentage is divided by 100 before use, which adds two decimal places.
MAX_PERCENT_DECIMALS = MAX_DECIMALS - 2
# Ranks, `top N`: a prize schedule is checked and rendered rank by rank in places.
MAX_RANK = 10_000
# `max orders: N`, `at least N hosts`: counts of rows.
MAX_COUNT = 1_000_000_000
# Dates written in the file (windows, examples): calendars and time zones are exact here,
# and a window's end plus a relative length or a due offset stays a real date.
MIN_YEAR = 1900
MAX_YEAR = 2999
# Durations (`first 90 days`, `14 hours`): at most 100 years of 365.25 days.
MAX_DURATION_SECONDS = Decimal(36_525 * 86_400)
# `due N days after`: at most ten years.
MAX_DUE_DAYS = 3_660
# Nesting of `and`/`or`/`not`/parentheses/quantifiers in one condition. Every stage walks
# expressions recursively; 64 levels is far below what any of them can handle.
MAX_EXPRESSION_DEPTH = 64
# Declarations (tables, windows, metrics, clauses, rankings, rewards, examples) and the
# lines inside them (columns, prize ranks, brackets, tiers, example rows).
MAX_DECLARATIONS = 5_000
MAX_LINES_PER_DECLARATION = 2_000

_EXPRESSIONS = (ir.Compare, ir.InList, ir.BoolOp, ir.Not, ir.Quantified)


def check_limits(ctx: Context) -> None:
    """Report every value or size beyond the documented limits (RK801 to RK805)."""
    _program_size(ctx)
    for declaration in _declarations(ctx.program):
        too_deep = False
        for node, depth in nodes(declaration):
            if depth > MAX_EXPRESSION_DEPTH and not too_deep:
                too_deep = True  # reported once, at the declaration: the deepest point may be far right
                ctx.error(
                    codes.RK804,
                    f"a condition here is nested more than {MAX_EXPRESSION_DEPTH} levels deep, beyond the limit",
                    getattr(declaration, "span", None),
                    "split the condition into several clauses or metrics",
                )
            _value(ctx, node)


def _declarations(program: ir.Program) -> list[object]:
    singles = [program.header, program.participant, program.member, program.payout]
    groups = (program.tables, program.windows, program.metrics, program.clauses, program.rankings)
    items: list[object] = [s for s in singles if s is not None]
    for group in (*groups, program.rewards, program.examples):
        items.extend(group)
    return items


def nodes(root: object) -> Iterator[tuple[object, int]]:
    """Every IR node under ``root`` with its expression nesting depth, without recursion."""
    stack: list[tuple[object, int]] = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        yield node, depth
        inner = depth + 1 if isinstance(node, _EXPRESSIONS) else depth
        for child in _children(node):
            stack.append((child, inner))


def _children(node: object) -> Iterator[object]:
    if isinstance(node, tuple):
        yield from node
        return
    if not dataclasses.is_dataclass(node) or isinstance(node, ir.Span):
        return
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        if isinstance(value, tuple) or (dataclasses.is_dataclass(value) and not isinstance(value, ir.Span)):
            yield value


def _program_size(ctx: Context) -> None:
    program = ctx.program
    declarations = _declarations(program)
    if len(declarations) > MAX_DECLARATIONS:
        ctx.error(
            codes.RK805,
            f"the program has {len(declarations):,} declarations, more than the limit of {MAX_DECLARATIONS:,}",
            getattr(declarations[MAX_DECLARATIONS], "span", None),
            "split the program into several rule files",
        )
    for declaration in declarations:
        lines = max((len(v) for v in _tuples(declaration)), default=0)
        if lines > MAX_LINES_PER_DECLARATION:
            ctx.error(
                codes.RK805,
                f"this declaration has {lines:,} lines, more than the limit of {MAX_LINES_PER_DECLARATION:,}",
                getattr(declaration, "span", None),
                "shorten it: give a range of ranks one line (`rank 4 to 10: $100`)",
            )


def _tuples(declaration: object) -> Iterator[tuple[object, ...]]:
    if dataclasses.is_dataclass(declaration):
        for f in dataclasses.fields(declaration):
            value = getattr(declaration, f.name)
            if isinstance(value, tuple):
                yield value


# ------------------------------------------------------------------------------ values


def _value(ctx: Context, node: object) -> None:
    match node:
        case ir.Money(amount=amount):
            _decimal(ctx, amount, node.span, "an amount", MAX_DECIMALS)
        case ir.Number(value=value):
            _decimal(ctx, value, node.span, "a number", MAX_DECIMALS)
        case ir.Percent(value=value):
            _decimal(ctx, value, node.span, "a percentage", MAX_PERCENT_DECIMALS)
        case ir.Duration():
            _duration(ctx, node)
        case ir.DateValue(value=value) | ir.LocalDateTime(date=value):
            _date(ctx, value, node.span)
        case ir.TimestampValue(value=value):
            _date(ctx, value.date(), node.span)
        case ir.PrizeTier(first=first, last=last):
            _count(ctx, max(first, last), MAX_RANK, node.span, "a rank")
        case ir.Ranking(top=top) if top is not None:
            _count(ctx, top, MAX_RANK, node.top_span or node.span, "`top`")
        case ir.Limits(max_orders=limit) if limit is not None:
            _count(ctx, limit, MAX_COUNT, node.max_orders_span, "`max orders`")
        case ir.Quantified(count=count) if count is not None:
            _count(ctx, count, MAX_COUNT, node.span, "a count of members")
        case ir.Due(amount=days):
            _count(ctx, days, MAX_DUE_DAYS, node.span, "a due offset in days")


def _decimal(ctx: Context, value: Decimal, span: ir.Span, what: str, max_decimals: int) -> None:
    _sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):  # NaN or infinity: the parser never builds one
        ctx.error(codes.RK801, f"{what} must be a finite number", span)
        return
    decimals = max(0, -exponent)
    whole = max(0, len(digits) + exponent) if any(digits) else 0
    if whole > MAX_WHOLE_DIGITS:
        ctx.error(
            codes.RK801,
            f"{what} has {whole} digits before the decimal point, more than the limit of {MAX_WHOLE_DIGITS}",
            span,
            f"write a value below 10^{MAX_WHOLE_DIGITS} (1,000,000,000,000,000)",
        )
    elif decimals > max_decimals:
        ctx.error(
            codes.RK801,
            f"{what} has {decimals} decimal places, more than the limit of {max_decimals}",
            span,
            f"round it to at most {max_decimals} decimal places",
        )


def _duration(ctx: Context, duration: ir.Duration) -> None:
    _decimal(ctx, duration.amount, duration.span, "a duration", MAX_DECIMALS)
    if duration.unit.months:  # months and years have no length in seconds: 100 years is 1,200 months
        too_long = abs(duration.total_months) > 1200
    else:
        too_long = abs(duration.total_seconds) > MAX_DURATION_SECONDS
    if too_long:
        ctx.error(
            codes.RK801,
            "a duration is longer than the limit of 100 years (36,525 days)",
            duration.span,
            "write a shorter duration",
        )


def _date(ctx: Context, value: dt.date, span: ir.Span) -> None:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        ctx.error(
            codes.RK803,
            f"the date {value.isoformat()} is outside the supported years {MIN_YEAR} to {MAX_YEAR}",
            span,
            "check the year",
        )


def _count(ctx: Context, value: int, limit: int, span: ir.Span | None, what: str) -> None:
    if value > limit:
        ctx.error(
            codes.RK802,
            f"{what} of {value:,} is more than the limit of {limit:,}",
            span,
            f"write {limit:,} or less",
        )
