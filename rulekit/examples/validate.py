"""Checks of ``example`` items against the program, in the checker's style.

Every problem is a :class:`~rulekit.diagnostics.Diagnostic` with a stable ``RK7xx``
code, the span of the offending name or value and, where possible, a suggestion.
An example with an error is not run (``rulekit test`` reports it instead).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rulekit import codes, ir
from rulekit import types as t
from rulekit.codes import Code
from rulekit.diagnostics import Diagnostic, error, suggest, warning
from rulekit.examples.model import (
    Cast,
    cast_of,
    find_clause,
    find_reward,
    order_keywords,
    reward_word,
)
from rulekit.examples.values import kind_word, misfit, type_word
from rulekit.periods import is_paid_per_period
from rulekit.plan import names
from rulekit.plan.kinds import kind_of

DUPLICATE_EXAMPLE = codes.RK701
UNKNOWN_TABLE = codes.RK702
UNKNOWN_COLUMN = codes.RK703
BAD_VALUE = codes.RK704
MISSING_KEY = codes.RK705
UNKNOWN_PARTICIPANT = codes.RK706
UNKNOWN_ORDER = codes.RK707
UNKNOWN_CLAUSE = codes.RK708
UNKNOWN_REWARD = codes.RK709
UNKNOWN_METRIC = codes.RK710
NOT_HERE = codes.RK711
NO_EXPECTATIONS = codes.RK712


@dataclass
class _Checker:
    program: ir.Program
    found: list[Diagnostic] = field(default_factory=list)

    def add(self, code: Code, message: str, span: ir.Span, help: str | None = None) -> None:
        self.found.append(error(code, message, span, help))


def check_examples(program: ir.Program) -> list[Diagnostic]:
    """Every problem in the program's examples (empty when they can all run)."""
    checker = _Checker(program)
    seen: set[str] = set()
    for example in program.examples:
        if example.name in seen:
            checker.add(DUPLICATE_EXAMPLE, f"a second example named `{example.name}`", example.span, "rename one")
        seen.add(example.name)
        _check_example(checker, example)
    return checker.found


def _check_example(c: _Checker, example: ir.Example) -> None:
    if c.program.participant is None:
        c.add(NOT_HERE, "examples need a `participant` declaration to run", example.span)
        return
    for row in example.rows:
        _check_row(c, row)
    if not example.expects:
        c.found.append(
            warning(NO_EXPECTATIONS, f"example `{example.name}` expects nothing", example.span, "add `expect` lines")
        )
    cast = cast_of(c.program, example)
    for expect in example.expects:
        _check_expect(c, expect, cast)


# ------------------------------------------------------------------------------ rows


def _check_row(c: _Checker, row: ir.ExampleRow) -> None:
    table = c.program.table(row.table)
    if table is None:
        help = suggest(row.table, (t.name for t in c.program.tables))
        c.add(UNKNOWN_TABLE, f"unknown table `{row.table}`", row.span, help)
        return
    currency = c.program.header.currency if c.program.header else None
    written: set[str] = set()
    for item in row.fields:
        column = table.column(item.column)
        if column is None:
            help = suggest(item.column, (col.name for col in table.columns))
            c.add(UNKNOWN_COLUMN, f"table `{table.name}` has no column `{item.column}`", item.span, help)
            continue
        if item.column in written:
            c.add(BAD_VALUE, f"column `{item.column}` is given twice in this row", item.span)
        written.add(item.column)
        problem = misfit(item.value, column.type, currency) if column.type else None
        if problem:
            span = getattr(item.value, "span", item.span)
            c.add(BAD_VALUE, f"`{table.name}.{item.column}`: {problem}", span, _value_help(column.type))
    missing = [k for k in table.key if k not in written]
    if missing:
        names = ", ".join(f"`{k}`" for k in missing)
        c.add(MISSING_KEY, f"this `{table.name}` row has no {names}", row.span, "give every key column a value")


def _value_help(column_type: ir.ColumnType | None) -> str | None:
    examples = {
        ir.ColumnType.STRING: 'write text in quotes: "US"',
        ir.ColumnType.MONEY: "write money with its currency sign: $1,000 or £3.50",
        ir.ColumnType.TIMESTAMP: "write a UTC timestamp as DATE TIME: 2022-02-14 10:00",
        ir.ColumnType.DATE: "write a date as YYYY-MM-DD",
        ir.ColumnType.BOOL: "write true or false",
        ir.ColumnType.DURATION: "write a duration like 14 hours",
        ir.ColumnType.PERCENT: "write a percentage like 5%",
    }
    return examples.get(column_type) if column_type else None


# ------------------------------------------------------------------------ expectations


def _check_period(c: _Checker, expect: ir.ExampleExpect) -> None:
    """RK426/RK427: `expect s1 in 2024-03` names a pay period of a program paid per period."""
    from rulekit.periods.program import pay_periods

    labels = [p.label for p in pay_periods(c.program)]
    paid = is_paid_per_period(c.program)
    if expect.period is not None and not paid:
        c.add(
            codes.RK427,
            f"`in {expect.period}` names a pay period, but the program is paid once",
            expect.span,
            f"write `expect {expect.subject}: …`, or add `paid monthly` to the `payout:` block",
        )
    elif paid and labels and expect.period is None:
        c.add(
            codes.RK426,
            f"the program is paid {c.program.payout.paid if c.program.payout else ''}: say which period's line",
            expect.span,
            f"write `expect {expect.subject} in {labels[0]}: …`",
        )
    elif paid and labels and expect.period not in labels:
        c.add(
            codes.RK426,
            f"no pay period `{expect.period}`; the periods are {', '.join(labels)}",
            expect.span,
            f"write `expect {expect.subject} in {_closest(expect.period or '', labels)}: …`",
        )


def _closest(label: str, labels: list[str]) -> str:
    import difflib

    found = difflib.get_close_matches(label, labels, n=1, cutoff=0.0)
    return found[0] if found else labels[0]


def _check_expect(c: _Checker, expect: ir.ExampleExpect, cast: Cast) -> None:
    if expect.order:
        if expect.subject not in cast.orders:
            help = suggest(expect.subject, cast.orders) or "give the order a `given` row in a commission/subsidy table"
            c.add(UNKNOWN_ORDER, f"no order `{expect.subject}` in this example", expect.span, help)
            return
        table = cast.orders[expect.subject][0]
        for item in expect.items:
            _check_order_item(c, item, table)
        return
    if expect.subject not in cast.participants:
        noun = c.program.participant.noun if c.program.participant else "participant"
        help = suggest(expect.subject, cast.participants) or f"give the {noun} a `given` row"
        c.add(UNKNOWN_PARTICIPANT, f"no {noun} `{expect.subject}` in this example", expect.span, help)
        return
    _check_period(c, expect)  # issue 10, construct 6 (periods)
    members = cast.members.get(expect.subject, {})
    for item in expect.items:
        _check_participant_item(c, item, members)


def _name_span(item: ir.Expectation) -> ir.Span:
    return item.name_span or item.span


def _value_span(item: ir.Expectation) -> ir.Span:
    return getattr(item.value, "span", None) or item.span


def _check_order_item(c: _Checker, item: ir.Expectation, table: str) -> None:
    if item.kind is not ir.ExpectKind.REWARD or item.reward_kind not in order_keywords():
        c.add(NOT_HERE, "an order can only expect `commission NAME = …` or `subsidy NAME = …`", item.span)
        return
    reward = _reward(c, item)
    if reward is None:
        return
    order = kind_of(reward).order(reward)
    if order is not None and order.table != table:
        c.add(NOT_HERE, f"`{reward.name}` applies to `{order.table}`, not to `{table}` rows", _name_span(item))
    allowed: tuple[type, ...] = (ir.Percent, ir.Money) if item.reward_kind == "commission" else (ir.Money,)
    _check_amount(c, item, allowed)


def _reward(c: _Checker, item: ir.Expectation) -> ir.Reward | None:
    name = item.name or ""
    reward = find_reward(c.program, name)
    if reward is None:
        help = suggest(name, (r.name for r in c.program.rewards))
        c.add(UNKNOWN_REWARD, f"unknown reward `{name}`", _name_span(item), help)
        return None
    if reward_word(reward) != item.reward_kind:
        help = f"write `{reward_word(reward)} {name} = …`"
        c.add(UNKNOWN_REWARD, f"`{name}` is a {reward_word(reward)}, not a {item.reward_kind}", item.span, help)
        return None
    return reward


def _check_amount(c: _Checker, item: ir.Expectation, allowed: tuple[type, ...]) -> None:
    value = item.value
    if value is None or not isinstance(value, allowed):
        words = " or ".join(type_word(t) for t in allowed if t is not ir.NullValue)
        got = kind_word(value) if value is not None else "nothing"
        c.add(BAD_VALUE, f"expected {words} here, not {got}", _value_span(item))
        return
    currency = c.program.header.currency if c.program.header else None
    if isinstance(value, ir.Money) and currency and value.currency != currency:
        c.add(BAD_VALUE, f"the program pays in {currency}, not {value.currency}", value.span)


def _check_participant_item(c: _Checker, item: ir.Expectation, members: dict[str, ir.ExampleRow]) -> None:
    kind = item.kind
    if kind in (ir.ExpectKind.DISQUALIFIED, ir.ExpectKind.WARNED) and item.name is not None:
        wanted = ir.ClauseKind.DISQUALIFY if kind is ir.ExpectKind.DISQUALIFIED else ir.ClauseKind.WARN
        _clause(c, item, wanted)
    elif kind in (ir.ExpectKind.PASSES, ir.ExpectKind.FAILS):
        _clause(c, item, None)
    elif kind is ir.ExpectKind.NOT_JUDGED:
        clause = _clause(c, item, None)
        if clause is not None and clause.guard is None:
            c.add(NOT_HERE, f"clause `{clause.name}` has no `when` guard, so it is always judged", _name_span(item))
    elif kind is ir.ExpectKind.RANK and not c.program.rankings:
        c.add(NOT_HERE, "this program has no ranking", item.span)
    elif kind is ir.ExpectKind.TOTAL:
        _check_amount(c, item, (ir.Money,))
    elif kind is ir.ExpectKind.REWARD:
        _check_participant_reward(c, item)
    elif kind is ir.ExpectKind.METRIC:
        _check_metric(c, item, members)


def _clause(c: _Checker, item: ir.Expectation, wanted: ir.ClauseKind | None) -> ir.Clause | None:
    name = item.name or ""
    clause = find_clause(c.program, name)
    pool = [x.name for x in c.program.clauses if wanted is None or x.kind is wanted]
    if clause is None:
        c.add(UNKNOWN_CLAUSE, f"unknown clause `{name}`", _name_span(item), suggest(name, pool))
        return None
    if wanted is not None and clause.kind is not wanted:
        article = "an" if clause.kind.value[0] in "aeiou" else "a"
        message = f"`{name}` is {article} `{clause.kind.value}` clause, not a `{wanted.value}` clause"
        c.add(UNKNOWN_CLAUSE, message, _name_span(item), "use `passes NAME` or `fails NAME` for any clause")
        return None
    return clause


def _check_participant_reward(c: _Checker, item: ir.Expectation) -> None:
    if item.reward_kind == "commission":
        help = "write `expect order ORDER_ID: commission NAME = 0%`"
        c.add(NOT_HERE, "a commission is decided per order, not per participant", item.span, help)
        return
    if _reward(c, item) is not None:
        _check_amount(c, item, (ir.Money,))


_METRIC_VALUES: dict[str, tuple[type, ...]] = {
    "count": (ir.Number,),
    "money": (ir.Money, ir.NullValue),
    "duration": (ir.Duration, ir.NullValue),
    "number": (ir.Number, ir.NullValue),
    "ratio": (ir.Percent, ir.Number, ir.NullValue),
}


_UNITS: dict[t.Kind, str] = {
    t.Kind.RATIO: "ratio",
    t.Kind.COUNT: "count",
    t.Kind.DURATION: "duration",
    t.Kind.MONEY: "money",
    t.Kind.INT: "number",
    t.Kind.DECIMAL: "number",
}


def metric_unit(program: ir.Program, metric: ir.Metric) -> str:
    """``count``, ``money``, ``duration``, ``number``, ``ratio`` or ``other``: the metric's type
    (:func:`rulekit.plan.names.metric_type`) as the kinds of value an expectation may state."""
    return _UNITS.get(names.metric_type(program, metric).kind, "other")


def _check_metric(c: _Checker, item: ir.Expectation, members: dict[str, ir.ExampleRow]) -> None:
    name = item.name or ""
    metric = c.program.metric(name)
    if metric is None:
        c.add(UNKNOWN_METRIC, f"unknown metric `{name}`", _name_span(item), suggest(name, _metric_names(c)))
        return
    per = metric.definition.filters.per if isinstance(metric.definition, ir.Aggregate) else None
    if per is not None and item.member is None:
        help = f"write `{per} ID {name} = …` for one {per}"
        c.add(NOT_HERE, f"metric `{name}` is counted per {per}", _name_span(item), help)
        return
    if item.member is not None:
        if per is None or item.member_noun != per:
            c.add(NOT_HERE, f"metric `{name}` is not counted per {item.member_noun}", item.span)
            return
        if item.member not in members:
            help = suggest(item.member, members) or f"give the {per} a `given` row"
            c.add(UNKNOWN_PARTICIPANT, f"no {per} `{item.member}` of this participant", item.span, help)
            return
    allowed = _METRIC_VALUES.get(metric_unit(c.program, metric))
    if allowed is not None:
        _check_amount(c, item, allowed)


def _metric_names(c: _Checker) -> list[str]:
    return [m.name for m in c.program.metrics]
