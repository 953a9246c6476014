"""Small, typed helpers around :mod:`sqlglot.exp`.

Every identifier goes through :func:`ident` (always quoted) and every value through
:func:`lit`, so no data or name from a rule file is ever spliced into SQL text.
Money and other exact numbers are ``DECIMAL``; nothing here produces a ``DOUBLE``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from sqlglot import exp

# One exact type for every amount. DuckDB silently drops decimal places when it
# combines two DECIMAL types whose digits do not fit in 38 (LEAST(DECIMAL(38,8),
# DECIMAL(38,0)) is DECIMAL(38,0)), so amounts share this type, products are cast
# back to it (:func:`mul`) and literals use the narrowest type that holds them.
AMOUNT_TYPE = "DECIMAL(38, 12)"
MONEY_TYPE = AMOUNT_TYPE
DECIMAL_TYPE = AMOUNT_TYPE
# Integers in SQL are BIGINT; sums of them are HUGEINT in DuckDB and stay exact.


def ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def col(name: str, table: str | None = None) -> exp.Column:
    """A quoted column reference, optionally qualified by a table alias."""
    return exp.Column(this=ident(name), table=ident(table) if table else None)


def table(name: str, alias: str | None = None) -> exp.Table:
    tbl = exp.Table(this=ident(name))
    if alias:
        tbl.set("alias", exp.TableAlias(this=ident(alias)))
    return tbl


def cast(expr: exp.Expression, type_sql: str) -> exp.Cast:
    return exp.Cast(this=expr, to=exp.DataType.build(type_sql))


def try_cast(expr: exp.Expression, type_sql: str) -> exp.TryCast:
    return exp.TryCast(this=expr, to=exp.DataType.build(type_sql))


def dec(value: Decimal | int) -> exp.Expression:
    """An exact decimal literal, typed so the engine never reads it as a float."""
    d = Decimal(value)
    exponent = d.as_tuple().exponent
    scale = max(0, -exponent) if isinstance(exponent, int) else 0
    text = format(d, "f")
    scale = min(scale, 12)
    whole_digits = len(format(abs(d).to_integral_value(rounding="ROUND_FLOOR"), "f").lstrip("0"))
    return cast(exp.Literal.number(text), f"DECIMAL({min(38, max(1, whole_digits) + scale)}, {scale})")


def mul(left: exp.Expression, right: exp.Expression) -> exp.Expression:
    """``left × right`` as an exact amount (cast back to :data:`AMOUNT_TYPE`, see above)."""
    return cast(exp.Mul(this=paren(left), expression=paren(right)), AMOUNT_TYPE)


def integer(value: int) -> exp.Expression:
    return exp.Literal.number(str(value))


def string(value: str) -> exp.Literal:
    return exp.Literal.string(value)


def boolean(value: bool) -> exp.Boolean:
    return exp.Boolean(this=value)


def null() -> exp.Null:
    return exp.Null()


def timestamp(value: dt.datetime) -> exp.Expression:
    """A naive UTC ``TIMESTAMP`` literal (aware values are converted to UTC first)."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return cast(string(value.isoformat(sep=" ")), "TIMESTAMP")


def date(value: dt.date) -> exp.Expression:
    return cast(string(value.isoformat()), "DATE")


def alias(expr: exp.Expression, name: str) -> exp.Alias:
    return exp.Alias(this=expr, alias=ident(name))


def and_(*conds: exp.Expression) -> exp.Expression:
    """Conjunction; an empty conjunction is TRUE."""
    return _balanced(exp.And, list(conds), boolean(True))


def or_(*conds: exp.Expression) -> exp.Expression:
    """Disjunction; an empty disjunction is FALSE."""
    return _balanced(exp.Or, list(conds), boolean(False))


def _balanced(node: type[exp.And] | type[exp.Or], parts: list[exp.Expression], empty: exp.Expression) -> exp.Expression:
    # A balanced tree, not a left-deep chain: sqlglot generates and copies SQL
    # recursively, so 250 `and` terms or 160 gates as a chain exceed Python's
    # recursion limit, while a balanced tree is only log2(n) deep.
    if not parts:
        return empty
    while len(parts) > 1:
        paired = [node(this=paren(a), expression=paren(b)) for a, b in zip(parts[::2], parts[1::2], strict=False)]
        parts = paired + ([parts[-1]] if len(parts) % 2 else [])
    return parts[0]


def paren(expr: exp.Expression) -> exp.Expression:
    if isinstance(expr, exp.Column | exp.Literal | exp.Boolean | exp.Paren | exp.Cast | exp.Null):
        return expr
    return exp.Paren(this=expr)


def is_true(expr: exp.Expression) -> exp.Expression:
    """``expr IS TRUE``: collapses SQL's unknown to false (a clause holds only when TRUE)."""
    return exp.Is(this=paren(expr), expression=boolean(True))


def not_(expr: exp.Expression) -> exp.Not:
    return exp.Not(this=paren(expr))


def case(whens: Sequence[tuple[exp.Expression, exp.Expression]], default: exp.Expression | None = None) -> exp.Case:
    # copy=False: each builder call would otherwise copy the CASE so far, O(n^2) for n branches.
    node = exp.Case()
    for cond, value in whens:
        node = node.when(cond, value, copy=False)
    if default is not None:
        node = node.else_(default, copy=False)
    return node


def coalesce(expr: exp.Expression, *others: exp.Expression) -> exp.Coalesce:
    return exp.Coalesce(this=expr, expressions=list(others))


def greatest(*exprs: exp.Expression) -> exp.Greatest:
    return exp.Greatest(this=exprs[0], expressions=list(exprs[1:]))


def least(*exprs: exp.Expression) -> exp.Least:
    return exp.Least(this=exprs[0], expressions=list(exprs[1:]))


def func(name: str, *args: exp.Expression) -> exp.Anonymous:
    return exp.Anonymous(this=name, expressions=list(args))


def sum_(expr: exp.Expression) -> exp.Sum:
    return exp.Sum(this=expr)


def count_star() -> exp.Count:
    return exp.Count(this=exp.Star())


def ordered(expr: exp.Expression, descending: bool = False) -> exp.Ordered:
    """An ORDER BY term with nulls last in both directions."""
    return exp.Ordered(this=expr, desc=descending, nulls_first=False)


def window(
    fn: exp.Expression,
    partition: list[exp.Expression] | None = None,
    order: list[exp.Ordered] | None = None,
    running: bool = False,
) -> exp.Window:
    """``fn OVER (PARTITION BY … ORDER BY …)``; ``running`` adds a ROWS frame up to the current row."""
    node = exp.Window(this=fn)
    if partition:
        node.set("partition_by", partition)
    if order:
        node.set("order", exp.Order(expressions=order))
    if running:
        node.set(
            "spec",
            exp.WindowSpec(kind="ROWS", start="UNBOUNDED", start_side="PRECEDING", end="CURRENT ROW"),
        )
    return node


def utc_to_local(expr: exp.Expression, zone: str) -> exp.ConvertTimezone:
    """A naive UTC timestamp as the naive wall-clock time it shows in ``zone``.

    A semantic node, independent of the session time zone: :mod:`rulekit.sql.dialects`
    writes it for each engine (DuckDB's ``AT TIME ZONE`` means different things on
    ``TIMESTAMP`` and ``TIMESTAMPTZ``, and Spark has no such pair)."""
    return exp.ConvertTimezone(source_tz=string("UTC"), target_tz=string(zone), timestamp=expr)


def local_to_utc(expr: exp.Expression, zone: str) -> exp.ConvertTimezone:
    """A naive wall-clock time in ``zone`` as a naive UTC timestamp (see :func:`utc_to_local`)."""
    return exp.ConvertTimezone(source_tz=string(zone), target_tz=string("UTC"), timestamp=expr)


def interval(amount: int, unit: str) -> exp.Interval:
    return exp.Interval(this=string(str(amount)), unit=exp.Var(this=unit))


def micros_between(start: exp.Expression, end: exp.Expression) -> exp.DateDiff:
    """Whole microseconds from ``start`` to ``end`` as an integer (exact, no floats)."""
    return exp.DateDiff(this=end, expression=start, unit=exp.Var(this="MICROSECOND"))


def select(*projections: exp.Expression) -> exp.Select:
    return exp.Select(expressions=list(projections))
