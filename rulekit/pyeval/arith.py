"""Computed metrics in Python (``decide``): exact arithmetic over the values of other metrics.

Every step is a :class:`~fractions.Fraction`, so nothing is rounded on the way (a
``Decimal`` context would round at 28 digits). Unknown values propagate: a part with no
value (``None``), or a division by zero, makes the result unknown; ``min``/``max`` of an
unknown is unknown; ``a or b`` is ``b`` exactly when ``a`` is unknown.

The result is held like the other metrics of its type (``docs/semantics.md``): whole
numbers as ``int``, amounts, numbers and seconds as an exact ``Decimal`` when the metric
is a finite decimal (shape ``VALUE``), ratios and fractions (shape ``QUOTIENT``) as a
``Fraction``. ``Decimal`` and ``Fraction`` compare exactly, so clauses and rankings on
either need no rounding.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

from rulekit import ir
from rulekit import types as t
from rulekit.plan import arith
from rulekit.plan.model import Shape

Lookup = Callable[[str], Any]  # a part metric's value by name (None: unknown)
Number = Fraction | None
Part = Callable[[Lookup], Number]
ComputedFn = Callable[[Lookup], int | Decimal | Fraction | None]


def _exact(value: object) -> Number:
    if value is None or isinstance(value, bool) or not isinstance(value, int | Decimal | Fraction):
        return None
    return Fraction(value)


def _compile(expr: ir.NumExpr) -> Part:
    match expr:
        case ir.NameRef():
            name = expr.name
            return lambda get: _exact(get(name))
        case ir.Money() | ir.Percent() | ir.Duration() | ir.Number():
            constant = arith.literal_fraction(expr)
            return lambda get: constant
        case ir.Arith():
            return _binary(expr.op, _compile(expr.left), _compile(expr.right))
        case ir.Negate():
            inner = _compile(expr.operand)
            return lambda get: None if (v := inner(get)) is None else -v
        case ir.Call():
            a, b = (_compile(arg) for arg in expr.args)
            pick = min if expr.function == "min" else max
            return lambda get: None if (x := a(get)) is None or (y := b(get)) is None else pick(x, y)
        case ir.Default():
            value, fallback = _compile(expr.value), _compile(expr.fallback)
            return lambda get: v if (v := value(get)) is not None else fallback(get)
    raise TypeError(f"not metric arithmetic: {expr!r}")  # pragma: no cover - the checker rejects it


def _binary(op: ir.ArithOp, left: Part, right: Part) -> Part:
    def run(get: Lookup) -> Number:
        a, b = left(get), right(get)
        if a is None or b is None:
            return None
        if op is ir.ArithOp.ADD:
            return a + b
        if op is ir.ArithOp.SUB:
            return a - b
        if op is ir.ArithOp.MUL:
            return a * b
        return None if b == 0 else a / b

    return run


def compile_computed(expr: ir.NumExpr, value_type: t.ValueType, shape: Shape) -> ComputedFn:
    """A function from the part metrics' values to the computed metric's value."""
    body = _compile(expr)
    kind = value_type.kind

    def computed(get: Lookup) -> int | Decimal | Fraction | None:
        value = body(get)
        if value is None:
            return None
        if shape is Shape.QUOTIENT or kind is t.Kind.RATIO or not arith.is_decimal(value):
            return value
        if kind in (t.Kind.COUNT, t.Kind.INT) and value.denominator == 1:
            return int(value)
        return arith.exact_decimal(value)

    return computed
