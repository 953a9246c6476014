"""Computed metrics in SQL (``settle``): exact arithmetic on numerator/denominator pairs.

Each value is an :class:`~rulekit.sql.exprs.Operand` — a numerator and, for a fraction,
a denominator — and no step divides: ``a/b + c/d`` is ``(a·d + c·b) / (b·d)``, a
division by a metric multiplies the numerator by the divisor's denominator and the
denominator by its numerator (sign moved to the numerator), and a constant whose
inverse is a finite decimal (``/ 4``, ``* 2%``) is multiplied in as that exact decimal.
DuckDB multiplies ``DECIMAL`` values exactly (the scales add up), so nothing is rounded.

Unknown values follow :mod:`rulekit.pyeval.arith`: a NULL part or a zero denominator is
unknown; ``min``/``max`` of an unknown is unknown; ``a or b`` takes ``b`` exactly when
``a`` is unknown. Durations are microseconds here, as everywhere in the SQL engine.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from sqlglot import exp

from rulekit import ir
from rulekit.plan import arith
from rulekit.plan.model import Shape
from rulekit.sql import build as b
from rulekit.sql.exprs import MICROS, Operand, compare

PartFn = Callable[[str], Operand]


def computed_operand(expr: ir.NumExpr, part: PartFn, shape: Shape) -> Operand:
    """The SQL value of a computed metric; a quotient always has a denominator."""
    value = _operand(expr, part)
    if shape is Shape.QUOTIENT and value.den is None:
        return Operand(value.num, b.integer(1))
    return value


def _operand(expr: ir.NumExpr, part: PartFn) -> Operand:
    match expr:
        case ir.NameRef():
            return part(expr.name)
        case ir.Money() | ir.Percent() | ir.Duration() | ir.Number():
            return _constant(_sql_units(expr))
        case ir.Arith():
            left = _operand(expr.left, part)
            if expr.op is ir.ArithOp.DIV and isinstance(expr.right, arith.NUMERIC_LITERALS):
                return _divide_by_constant(left, _sql_units(expr.right))
            return _binary(expr.op, left, _operand(expr.right, part))
        case ir.Negate():
            inner = _operand(expr.operand, part)
            return Operand(exp.Neg(this=b.paren(inner.num)), inner.den)
        case ir.Call():
            a, c = (_operand(arg, part) for arg in expr.args)
            return _pick(expr.function, a, c)
        case ir.Default():
            return _default(_operand(expr.value, part), _operand(expr.fallback, part))
    raise TypeError(f"not metric arithmetic: {expr!r}")  # pragma: no cover - the checker rejects it


def _sql_units(literal: ir.Money | ir.Percent | ir.Duration | ir.Number) -> Fraction:
    value = arith.literal_fraction(literal)
    return value * MICROS if isinstance(literal, ir.Duration) else value


def _constant(value: Fraction) -> Operand:
    if arith.is_decimal(value):
        return Operand(_exact(value))
    return Operand(b.integer(value.numerator), b.integer(value.denominator))


def _exact(value: Fraction) -> exp.Expression:
    decimal = arith.exact_decimal(value)
    if value.denominator == 1:
        return b.integer(int(value))
    return b.dec(decimal)


def _mul(left: exp.Expression, right: exp.Expression) -> exp.Expression:
    # Not `b.mul`: its cast to DECIMAL(38, 12) would round a product with more places.
    return exp.Mul(this=b.paren(left), expression=b.paren(right))


def _den(value: Operand) -> exp.Expression:
    return value.den if value.den is not None else b.integer(1)


def _binary(op: ir.ArithOp, left: Operand, right: Operand) -> Operand:
    if op is ir.ArithOp.MUL:
        den = _mul(_den(left), _den(right)) if left.den is not None or right.den is not None else None
        return Operand(_mul(left.num, right.num), den)
    if op is ir.ArithOp.DIV:
        return _divide(left, right)
    node = exp.Add if op is ir.ArithOp.ADD else exp.Sub
    if left.den is None and right.den is None:
        return Operand(node(this=b.paren(left.num), expression=b.paren(right.num)))
    top = node(this=_mul(left.num, _den(right)), expression=_mul(right.num, _den(left)))
    return Operand(top, _mul(_den(left), _den(right)))


def _divide(left: Operand, right: Operand) -> Operand:
    """``(n1/d1) / (n2/d2)`` = ``(n1·d2) / (d1·n2)``, the sign moved to the numerator."""
    top, bottom = _mul(left.num, _den(right)), _mul(_den(left), right.num)
    negative = exp.LT(this=b.paren(bottom), expression=b.integer(0))
    signed = b.case([(negative, exp.Neg(this=b.paren(top)))], top.copy())
    return Operand(signed, exp.Abs(this=bottom.copy()))


def _divide_by_constant(left: Operand, by: Fraction) -> Operand:
    if by == 0:  # rejected by the checker (RK217); unknown, as any division by zero
        return Operand(b.null(), b.integer(1))
    inverse = 1 / by
    if arith.is_decimal(inverse):
        return Operand(_mul(left.num, _exact(inverse)), left.den)
    sign = -1 if by < 0 else 1
    num = _mul(left.num, b.integer(sign * by.denominator))
    return Operand(num, _mul(_den(left), b.integer(abs(by.numerator))))


def known(value: Operand) -> exp.Expression:
    """TRUE when ``value`` is a number: not NULL, and a fraction's denominator not NULL nor 0."""
    parts: list[exp.Expression] = [exp.Not(this=exp.Is(this=b.paren(value.num), expression=b.null()))]
    if value.den is not None:
        parts.append(exp.NEQ(this=b.paren(value.den), expression=b.integer(0)))
    return b.and_(*parts)


def _choose(condition: exp.Expression, then: Operand, otherwise: Operand, unknown: exp.Expression | None) -> Operand:
    """``CASE`` over both parts of a value: ``then`` where ``condition`` is TRUE, else ``otherwise``."""

    def part(a: exp.Expression, c: exp.Expression) -> exp.Expression:
        whens = [(b.not_(unknown.copy()), b.null())] if unknown is not None else []
        return b.case([*whens, (b.is_true(condition.copy()), a)], c)

    num = part(then.num.copy(), otherwise.num.copy())
    if then.den is None and otherwise.den is None:
        return Operand(num)
    return Operand(num, part(_den(then).copy(), _den(otherwise).copy()))


def _pick(function: str, a: Operand, c: Operand) -> Operand:
    op = ir.CompareOp.LE if function == "min" else ir.CompareOp.GE
    return _choose(compare(op, a, c), a, c, b.and_(known(a), known(c)))


def _default(value: Operand, fallback: Operand) -> Operand:
    return _choose(known(value), value, fallback, None)
