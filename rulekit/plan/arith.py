"""Arithmetic between metrics and constants: the one place its units, shape and parts are decided.

A computed metric (``metric growth = q2_sales - q1_sales``) is an expression of
:class:`~rulekit.ir.Arith`, :class:`~rulekit.ir.Negate`, :class:`~rulekit.ir.Call`
(``min``/``max``), :class:`~rulekit.ir.Default` (``a or b``), numeric literals and the
names of other metrics. The checker reports through :func:`arith_type`'s reasons; the
bind pass, both evaluators and the documents read the same rules from here.

Unit rules (``docs/semantics.md``, *Metric arithmetic*):

* ``+``/``-`` need one unit: money (one currency), durations, percentages, plain numbers;
  a ratio with a ratio or a percentage is a ratio;
* ``*``: money or a duration by a plain number, a percentage or a ratio keeps its unit;
  plain by plain is plain (whole by whole stays whole); money by money is an error;
* ``/``: money by money, time by time, a number by a count is a ratio; money or time by a
  plain number, percentage or ratio keeps its unit; a plain number by a number is a number;
* ``min``/``max`` need comparable values; ``a or b`` needs ``b`` comparable with ``a`` and
  has ``a``'s type.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from rulekit import ir, walk
from rulekit import types as t
from rulekit.plan.model import Shape

K = t.Kind
_PLAIN = frozenset({K.COUNT, K.INT, K.DECIMAL})
_WHOLE = frozenset({K.COUNT, K.INT})
_SCALARS = _PLAIN | {K.PERCENT, K.RATIO}  # what money or time may be multiplied by
_UNITS = frozenset({K.MONEY, K.DURATION})
_NUMERIC = _PLAIN | _UNITS | {K.PERCENT, K.RATIO}
NUMERIC_LITERALS = (ir.Money, ir.Percent, ir.Duration, ir.Number)


@dataclass(frozen=True, slots=True)
class Problem:
    """Why an arithmetic step does not type: a message and a hint whose code checks."""

    message: str
    hint: str


Typed = t.ValueType | Problem


def metric_names(expr: ir.NumExpr) -> Iterator[ir.NameRef]:
    """The metric references of a computed metric, in source order."""
    for node in walk.walk(expr):
        if isinstance(node, ir.NameRef):
            yield node


def _plain(a: t.ValueType, b: t.ValueType) -> t.ValueType:
    return t.ValueType(K.INT) if a.kind in _WHOLE and b.kind in _WHOLE else t.ValueType(K.DECIMAL)


def _same_unit(a: t.ValueType, b: t.ValueType) -> bool:
    return a.kind is b.kind and (a.kind is not K.MONEY or a.currency is None or b.currency in (None, a.currency))


def _not_numeric(value: t.ValueType, op: str) -> Problem:
    return Problem(
        f"`{op}` needs numbers, but this is {value.describe()}",
        "use metrics of money, time, counts, numbers, percentages or ratios",
    )


def add_type(op: ir.ArithOp, a: t.ValueType, b: t.ValueType) -> Typed:
    """The type of ``a + b`` / ``a - b``."""
    if a.is_unknown or b.is_unknown:
        return b if a.is_unknown else a
    if _same_unit(a, b) and a.kind not in _PLAIN:
        return a
    if a.kind in _PLAIN and b.kind in _PLAIN:
        return _plain(a, b)
    if {a.kind, b.kind} <= {K.RATIO, K.PERCENT} or (K.RATIO in (a.kind, b.kind) and {a.kind, b.kind} & _PLAIN):
        return t.RATIO
    word = "add" if op is ir.ArithOp.ADD else "subtract"
    return Problem(
        f"cannot {word} {b.describe()} {'to' if op is ir.ArithOp.ADD else 'from'} {a.describe()}",
        "add or subtract values of one unit: money with money, time with time, counts with counts",
    )


def mul_type(a: t.ValueType, b: t.ValueType) -> Typed:
    """The type of ``a * b``."""
    if a.is_unknown or b.is_unknown:
        return b if a.is_unknown else a
    for unit, scale in ((a, b), (b, a)):
        if unit.kind in _UNITS and scale.kind in _SCALARS:
            return unit
    if a.kind in _PLAIN and b.kind in _PLAIN:
        return _plain(a, b)
    if a.kind in _SCALARS and b.kind in _SCALARS:
        if K.DECIMAL in (a.kind, b.kind) or (a.kind in _PLAIN) != (b.kind in _PLAIN):
            return t.ValueType(K.DECIMAL)
        return t.RATIO if K.RATIO in (a.kind, b.kind) else t.ValueType(K.PERCENT)
    if a.kind in _UNITS and b.kind in _UNITS:
        return Problem(
            f"cannot multiply {a.describe()} by {b.describe()}",
            "multiply by a number, a percentage or a ratio, like `metric fee = sales * 2%`",
        )
    return _not_numeric(b if a.kind in _NUMERIC else a, "*")


def div_type(a: t.ValueType, b: t.ValueType) -> Typed:
    """The type of ``a / b``."""
    if a.is_unknown or b.is_unknown:
        return t.RATIO if a.kind in _UNITS and b.is_unknown else (a if b.is_unknown else t.UNKNOWN)
    if a.kind in _UNITS and _same_unit(a, b):
        return t.RATIO
    if a.kind in _UNITS and b.kind in _SCALARS:
        return a
    if a.kind in _PLAIN and b.kind is K.COUNT:
        return t.RATIO  # a share of a count of things: `(orders - refunds) / orders`
    if a.kind in _PLAIN and b.kind in _PLAIN:
        return t.ValueType(K.DECIMAL)
    if a.kind in _SCALARS and b.kind in _SCALARS:
        return t.ValueType(K.DECIMAL) if a.kind in _PLAIN else t.RATIO
    if b.kind in _UNITS:
        return Problem(
            f"cannot divide {a.describe()} by {b.describe()}",
            "divide money by money or by a number, like `metric share = q2_sales / q1_sales`",
        )
    return _not_numeric(b if a.kind in _NUMERIC else a, "/")


def pick_type(function: str, a: t.ValueType, b: t.ValueType) -> Typed:
    """The type of ``min(a, b)`` / ``max(a, b)``."""
    if a.is_unknown or b.is_unknown:
        return b if a.is_unknown else a
    if a.kind not in _NUMERIC or b.kind not in _NUMERIC or not t.comparable(a, b):
        return Problem(
            f"`{function}` needs two values of one unit, not {a.describe()} and {b.describe()}",
            f"compare values of one unit, like `metric floor = {function}(net_sales, $100)`",
        )
    if a.kind in _PLAIN and b.kind in _PLAIN:
        return _plain(a, b)
    return t.RATIO if K.RATIO in (a.kind, b.kind) else a


def default_type(a: t.ValueType, b: t.ValueType) -> Typed:
    """The type of ``a or b``: ``a``'s, when ``b`` can stand in for it."""
    if a.is_unknown:
        return b
    if not t.comparable(a, b) or b.kind not in _NUMERIC | {K.UNKNOWN}:
        return Problem(
            f"the default must be {a.describe()} like the value it replaces, not {b.describe()}",
            "write the default in the value's unit, like `metric rate = refund_rate or 0%`",
        )
    return a


def negate_type(a: t.ValueType) -> Typed:
    if a.is_unknown or a.kind in _NUMERIC:
        return t.ValueType(K.INT) if a.kind is K.COUNT else a
    return _not_numeric(a, "-")


def infer(
    expr: ir.Node, name_type: Callable[[ir.NameRef], t.ValueType], report: Callable[[ir.Node, Problem], None]
) -> t.ValueType:
    """The type of a computed metric's expression; each problem is reported once, where it is."""

    def step(found: Typed, node: ir.Node) -> t.ValueType:
        if isinstance(found, Problem):
            report(node, found)
            return t.UNKNOWN
        return found

    match expr:
        case ir.NameRef():
            return name_type(expr)
        case ir.Money() | ir.Percent() | ir.Duration() | ir.Number():
            return t.of_literal(expr)
        case ir.Arith():
            a, b = infer(expr.left, name_type, report), infer(expr.right, name_type, report)
            if expr.op in (ir.ArithOp.ADD, ir.ArithOp.SUB):
                return step(add_type(expr.op, a, b), expr)
            return step(mul_type(a, b) if expr.op is ir.ArithOp.MUL else div_type(a, b), expr)
        case ir.Negate():
            return step(negate_type(infer(expr.operand, name_type, report)), expr)
        case ir.Call():
            a, b = (infer(arg, name_type, report) for arg in expr.args)
            return step(pick_type(expr.function, a, b), expr)
        case ir.Default():
            a, b = infer(expr.value, name_type, report), infer(expr.fallback, name_type, report)
            return step(default_type(a, b), expr)
    report(expr, Problem("this cannot be part of a metric's arithmetic", "use metrics and numbers, like `a - b`"))
    return t.UNKNOWN


# ---------------------------------------------------------------------------- shape


def literal_fraction(literal: ir.Node) -> Fraction:
    """A numeric literal as the exact number both evaluators compute with (``2%`` is 1/50,
    ``1 hour`` is 3600 seconds; SQL carries durations in microseconds, see ``sql/arith.py``)."""
    match literal:
        case ir.Money():
            return Fraction(literal.amount)
        case ir.Percent():
            return Fraction(literal.value) / 100
        case ir.Duration():
            return Fraction(literal.total_seconds)
        case ir.Number():
            return Fraction(literal.value)
    raise TypeError(f"not a numeric literal: {literal!r}")


def is_decimal(value: Fraction) -> bool:
    """Whether ``value`` has a finite decimal expansion (its denominator is 2^a·5^b)."""
    den = value.denominator
    for prime in (2, 5):
        while den % prime == 0:
            den //= prime
    return den == 1


def shape(expr: ir.NumExpr, part_shape: Callable[[str], Shape]) -> Shape:
    """``VALUE`` when the result is always a finite decimal (no division by a metric or by
    a constant like 3, no quotient part), else ``QUOTIENT`` (kept as numerator/denominator)."""
    for node in walk.walk(expr):
        if isinstance(node, ir.NameRef) and part_shape(node.name) is Shape.QUOTIENT:
            return Shape.QUOTIENT
        if isinstance(node, ir.Arith) and node.op is ir.ArithOp.DIV:
            right = node.right
            if not isinstance(right, NUMERIC_LITERALS):
                return Shape.QUOTIENT
            by = literal_fraction(right)
            if by == 0 or not is_decimal(1 / by):
                return Shape.QUOTIENT
    return Shape.VALUE


def exact_decimal(value: Fraction) -> Decimal:
    """A fraction with a finite decimal expansion as that ``Decimal``, with no rounding."""
    places = 0
    while (value * 10**places).denominator != 1:
        places += 1
    return Decimal(int(value * 10**places)).scaleb(-places)


def exact(value: Fraction) -> Decimal | Fraction:
    """``value`` as a ``Decimal`` when that is exact, else the ``Fraction`` itself."""
    return exact_decimal(value) if is_decimal(value) else value
