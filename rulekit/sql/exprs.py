"""Rule-file expressions as SQL: names, literals, comparisons, three-valued logic.

A numeric value is an :class:`Operand`: a numerator and, for ratios and averages,
a denominator. Comparisons cross-multiply (``a/b > 30%`` is ``a > 0.3 × b`` when
``b > 0``), so no division — and no floating point — ever happens in SQL. Durations
are carried as microseconds so that total time stays an exact integer.
"""

from __future__ import annotations

import datetime as dt
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from sqlglot import exp

from rulekit import ir, timeutil
from rulekit.errors import CompileError as CompileError  # re-exported for the SQL compiler modules
from rulekit.plan.model import WindowPlan
from rulekit.sql import build as b

MICROS = 1_000_000


@dataclass(frozen=True)
class Operand:
    """A value in SQL; ``den`` is set for exact fractions (ratios, averages); ``kind`` is the
    declared column type of a column (a date compares with a timestamp as local midnight)."""

    num: exp.Expression
    den: exp.Expression | None = None
    kind: ir.ColumnType | None = None


# Resolves a bare name to an operand in the current scope, or None when unknown.
Resolver = Callable[[str], Operand | None]
# Resolves a quantifier to a boolean SQL expression (participant scope only).
QuantResolver = Callable[[ir.Quantified], exp.Expression]


@dataclass(frozen=True)
class Scope:
    resolve: Resolver
    quantified: QuantResolver | None = None
    what: str = "expression"
    tz: str = "UTC"  # the program's time zone: dates are its local calendar dates
    # `start of W` / `end of W` (issue 10): the program's windows by name.
    windows: Mapping[str, WindowPlan] = field(default_factory=dict)


_TIMESTAMP, _DATE = ir.ColumnType.TIMESTAMP, ir.ColumnType.DATE


def literal(value: ir.Literal) -> exp.Expression:
    """A literal in the units SQL compares in: percent → fraction, duration → microseconds."""
    if isinstance(value, ir.Money):
        return b.dec(value.amount)
    if isinstance(value, ir.Percent):
        return b.dec(value.fraction)
    if isinstance(value, ir.Duration):
        return b.dec(value.total_seconds * MICROS)
    if isinstance(value, ir.Number):
        return b.dec(value.value) if value.value != value.value.to_integral_value() else b.integer(int(value.value))
    if isinstance(value, ir.String):
        return b.string(value.value)
    if isinstance(value, ir.Bool):
        return b.boolean(value.value)
    return b.date(value.value)


def operand(expr: ir.Expr, scope: Scope) -> Operand:
    """A value-producing expression (a name or a literal) as an operand."""
    if isinstance(expr, ir.NameRef):
        found = scope.resolve(expr.name)
        if found is None:
            raise CompileError(f"unknown name {expr.name!r} in {scope.what}")
        return found
    if isinstance(expr, ir.QualifiedRef):
        found = scope.resolve(expr.column)
        if found is None:
            raise CompileError(f"unknown name {expr.table}.{expr.column} in {scope.what}")
        return found
    if isinstance(expr, ir.DateValue) and expr.time is not None:
        # A local moment: its instant is computed here, by the same code as in `decide`.
        zone = timeutil.zone(scope.tz)
        if zone is None:
            raise CompileError(f"unknown time zone {scope.tz!r}")
        instant = timeutil.to_utc(expr.local(), zone).replace(tzinfo=None)
        return Operand(b.timestamp(instant), kind=_TIMESTAMP)
    if isinstance(expr, ir.DateValue):
        return Operand(literal(expr), kind=_DATE)
    if isinstance(expr, ir.Money | ir.Percent | ir.Duration | ir.Number | ir.String | ir.Bool):
        return Operand(literal(expr))
    return Operand(condition(expr, scope))


def condition(expr: ir.Expr, scope: Scope) -> exp.Expression:
    """A boolean SQL expression with SQL's three-valued logic (NULL means unknown)."""
    if isinstance(expr, ir.Compare) and (isinstance(expr.left, ir.POINTS) or isinstance(expr.right, ir.POINTS)):
        from rulekit.sql.points import point_compare  # points in time (issue 10)

        return point_compare(expr, scope)
    if isinstance(expr, ir.Compare):
        left, right = operand(expr.left, scope), operand(expr.right, scope)
        return compare(expr.op, *as_instants(left, right, scope.tz))
    if isinstance(expr, ir.BoolOp):
        parts = [condition(e, scope) for e in expr.operands]
        return b.and_(*parts) if expr.op is ir.BoolOperator.AND else b.or_(*parts)
    if isinstance(expr, ir.Not):
        return b.not_(condition(expr.operand, scope))
    if isinstance(expr, ir.InList):
        node = exp.In(
            this=b.paren(_plain(operand(expr.operand, scope))), expressions=[literal(o) for o in expr.options]
        )
        return b.not_(node) if expr.negated else node
    if isinstance(expr, ir.Quantified):
        if scope.quantified is None:
            raise CompileError(f"'{expr.quantifier.value} {expr.noun}' is not allowed in {scope.what}")
        return scope.quantified(expr)
    return _plain(operand(expr, scope))


def as_instants(left: Operand, right: Operand, tz: str) -> tuple[Operand, Operand]:
    """A date compared with a timestamp becomes the instant its local day starts (the rule of
    ``rulekit.pyeval.values.compare``); other pairs are unchanged."""
    kinds = {_kind(left), _kind(right)}
    if kinds != {_TIMESTAMP, _DATE}:
        return left, right
    return _instant(left, tz), _instant(right, tz)


def _kind(value: Operand) -> ir.ColumnType | None:
    return value.kind


def _instant(value: Operand, tz: str) -> Operand:
    if value.kind is not _DATE:
        return value
    day = value.num.this if isinstance(value.num, exp.Cast) else None
    zone = timeutil.zone(tz)
    if isinstance(day, exp.Literal) and day.is_string and zone is not None:
        # A date literal: its instant is computed here, by the same code as in `decide`.
        start = timeutil.local_midnight(dt.date.fromisoformat(day.this), zone)
        return Operand(b.timestamp(start), kind=_TIMESTAMP)
    return Operand(local_midnight(value.num, tz), kind=_TIMESTAMP)


def local_midnight(day: exp.Expression, tz: str) -> exp.Expression:
    """SQL for ``timeutil.local_midnight``: a DATE as the naive-UTC TIMESTAMP its local day starts."""
    return b.local_to_utc(b.cast(day, "TIMESTAMP"), tz)


def _plain(value: Operand) -> exp.Expression:
    if value.den is not None:
        raise CompileError("a ratio cannot be used here")
    return value.num


_OPS: dict[ir.CompareOp, type[exp.Binary]] = {
    ir.CompareOp.EQ: exp.EQ,
    ir.CompareOp.NE: exp.NEQ,
    ir.CompareOp.LT: exp.LT,
    ir.CompareOp.LE: exp.LTE,
    ir.CompareOp.GT: exp.GT,
    ir.CompareOp.GE: exp.GTE,
}
_FLIPPED: dict[ir.CompareOp, ir.CompareOp] = {
    ir.CompareOp.EQ: ir.CompareOp.EQ,
    ir.CompareOp.NE: ir.CompareOp.NE,
    ir.CompareOp.LT: ir.CompareOp.GT,
    ir.CompareOp.LE: ir.CompareOp.GE,
    ir.CompareOp.GT: ir.CompareOp.LT,
    ir.CompareOp.GE: ir.CompareOp.LE,
}


def binary(op: ir.CompareOp, left: exp.Expression, right: exp.Expression) -> exp.Expression:
    return typing.cast(exp.Expression, _OPS[op](this=b.paren(left), expression=b.paren(right)))


def compare(op: ir.CompareOp, left: Operand, right: Operand) -> exp.Expression:
    """``left op right`` exactly; fractions compare as ``n1·d2 op n2·d1`` (flipped when ``d1·d2 < 0``).

    A zero or null denominator makes the fraction null, so the comparison is unknown.
    """
    if left.den is None and right.den is None:
        return binary(op, left.num, right.num)
    one = b.integer(1)
    d1, d2 = left.den or one, right.den or one
    lhs, rhs, sign = b.mul(left.num, d2), b.mul(right.num, d1), b.mul(d1, d2)
    return b.case(
        [
            (exp.GT(this=sign, expression=b.integer(0)), binary(op, lhs, rhs)),
            (exp.LT(this=sign.copy(), expression=b.integer(0)), binary(_FLIPPED[op], lhs.copy(), rhs.copy())),
        ],
        b.null(),
    )


def as_decimal_literal(value: Decimal) -> exp.Expression:
    return b.dec(value)
