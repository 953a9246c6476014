"""The aggregates: one registry entry per aggregate function.

Every stage asks the entry instead of testing the function: the checker (does it need
a column, numbers, a table of intervals), the bind pass (its type, its value over no
rows, whether it is a quotient), both evaluators (its Python fold and its SQL
expression) and the documents (its words). Adding an aggregate is its keyword in the
IR enum and one entry here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from rulekit import ir
from rulekit import types as t
from rulekit.plan.arith import exact
from rulekit.plan.model import Empty, Shape

if TYPE_CHECKING:  # sqlglot is loaded only when SQL is built, not by the parser or checker
    from sqlglot import exp

# Python: the non-null values of the rows kept (for COUNT, one entry per row kept) -> the value.
Fold = Callable[[Sequence[Any], t.Kind | None], Any]
# SQL: the value expression (``None`` for COUNT) -> (value, denominator or None).
Sql = Callable[["exp.Expression | None"], "tuple[exp.Expression, exp.Expression | None]"]
# SQL of an aggregate by time: (value, order) -> the value of the row with the last / first order.
SqlBy = Callable[["exp.Expression", "exp.Expression"], "exp.Expression"]


@dataclass(frozen=True, slots=True)
class Aggregate:
    """One aggregate function.

    ``column``: ``"none"`` (counts rows), ``"any"`` (any column type) or ``"numeric"``;
    ``period``: computed from a table's ``period`` columns (``total time``), which its
    evaluators handle with the window clipping; ``fold`` and ``sql`` are unused then.
    ``words`` is the document phrase, with ``{col}`` and ``{rows}`` to fill in;
    ``labelled_words`` (with ``{labels}``, the column label in the plural) is used instead
    when the column has a label.
    """

    func: ir.AggregateFunc
    column: str
    empty: Empty
    shape: Shape
    words: str
    fold: Fold
    sql: Sql
    period: bool = False
    syntax: str = "{func} {column} in {table}"  # how it is written, for `diff`
    labelled_words: str | None = None
    sums_percent: bool = True  # whether a percentage column may be folded (a sum of shares may not)
    # As-of values (issue 10): the fold gets the values in time order (then by the table's key,
    # then by value: a total order, so ties on time are broken the same way in Python and SQL),
    # and ``sql_by(value, order)`` is the SQL of the pick, ``order`` a STRUCT of those columns.
    by_time: bool = False
    sql_by: SqlBy | None = None

    @property
    def never_negative(self) -> bool:
        """Counts and lengths of time cannot be below zero (so ``x < 0`` can never hold)."""
        return self.period or self.result_type(None).kind is t.Kind.COUNT

    def result_type(self, column: t.ValueType | None) -> t.ValueType:
        """The type of the metric's value, given its column's (``None`` without a column)."""
        if self.period:
            return t.DURATION
        if self.column != "numeric" and self.column != "any":
            return t.COUNT
        if self.func is ir.AggregateFunc.COUNT_DISTINCT:
            return t.COUNT
        if column is None:
            return t.UNKNOWN
        if self.shape is Shape.QUOTIENT and column.kind in (t.Kind.INT, t.Kind.COUNT):
            return t.ValueType(t.Kind.DECIMAL)  # the average of whole numbers is a number
        return column


def _sum(values: Sequence[Any], kind: t.Kind | None) -> Any:
    return sum(values, 0 if kind is t.Kind.INT else Decimal(0))


def _average(values: Sequence[Any], kind: t.Kind | None) -> Decimal | Fraction | None:
    """The exact mean: a ``Decimal`` when it has a finite decimal expansion, else a ``Fraction``
    (a ``Decimal`` division would round at 28 digits, and metric arithmetic builds on it)."""
    if not values:
        return None
    return exact(Fraction(sum(values, Decimal(0))) / len(values))


def _one(function: str) -> Sql:
    """``FUNCTION(value)`` for a sqlglot function class name (``Sum``, ``Min``…)."""

    def sql(value: exp.Expression | None) -> tuple[exp.Expression, exp.Expression | None]:
        from sqlglot import exp

        assert value is not None  # a column aggregate always has its column
        built: exp.Expression = getattr(exp, function)(this=value)
        return built, None

    return sql


def _count_sql(value: exp.Expression | None) -> tuple[exp.Expression, exp.Expression | None]:
    from sqlglot import exp

    return exp.Count(this=exp.Star()), None


def _distinct_sql(value: exp.Expression | None) -> tuple[exp.Expression, exp.Expression | None]:
    from sqlglot import exp

    assert value is not None
    return exp.Count(this=exp.Distinct(expressions=[value])), None


def _average_sql(value: exp.Expression | None) -> tuple[exp.Expression, exp.Expression | None]:
    from sqlglot import exp

    assert value is not None
    return exp.Sum(this=value), exp.Count(this=value.copy())  # an exact fraction


def _unused_sql(value: exp.Expression | None) -> tuple[exp.Expression, exp.Expression | None]:
    raise AssertionError("total time is built with its window clipping (rulekit.sql.metrics)")


def _arg(function: str) -> SqlBy:
    """``ARG_MAX(value, order)`` / ``ARG_MIN``: rows whose value or order is NULL are skipped."""

    def sql(value: exp.Expression, order: exp.Expression) -> exp.Expression:
        from sqlglot import exp

        built: exp.Expression = getattr(exp, function)(this=value, expression=order)
        return built

    return sql


def _by_time_sql(value: exp.Expression | None) -> tuple[exp.Expression, exp.Expression | None]:
    raise AssertionError("latest / first are built with their order (sql_by)")


AGGREGATES: tuple[Aggregate, ...] = (
    Aggregate(
        ir.AggregateFunc.COUNT,
        "none",
        Empty.ZERO,
        Shape.VALUE,
        "the number of its {rows}",
        lambda v, k: len(v),
        _count_sql,
        syntax="count {table}",
    ),
    Aggregate(
        ir.AggregateFunc.COUNT_DISTINCT,
        "any",
        Empty.ZERO,
        Shape.VALUE,
        "the number of different {col} values among its {rows}",
        lambda v, k: len(set(v)),
        _distinct_sql,
        syntax="count distinct {column} in {table}",
        labelled_words="the number of different {labels} among its {rows}",
    ),
    Aggregate(
        ir.AggregateFunc.SUM,
        "numeric",
        Empty.ZERO,
        Shape.VALUE,
        "the sum of the {col} of its {rows}",
        _sum,
        _one("Sum"),
        sums_percent=False,
    ),
    Aggregate(
        ir.AggregateFunc.MIN,
        "numeric",
        Empty.NONE,
        Shape.VALUE,
        "the smallest {col} among its {rows}",
        lambda v, k: min(v, default=None),
        _one("Min"),
    ),
    Aggregate(
        ir.AggregateFunc.MAX,
        "numeric",
        Empty.NONE,
        Shape.VALUE,
        "the largest {col} among its {rows}",
        lambda v, k: max(v, default=None),
        _one("Max"),
    ),
    Aggregate(
        ir.AggregateFunc.AVERAGE,
        "numeric",
        Empty.NONE,
        Shape.QUOTIENT,
        "the average {col} of its {rows}",
        _average,
        _average_sql,
    ),
    Aggregate(
        ir.AggregateFunc.TOTAL_TIME,
        "none",
        Empty.ZERO,
        Shape.VALUE,
        "the total time its {rows} last",
        lambda v, k: None,
        _unused_sql,
        period=True,
        syntax="total time in {table}",
    ),
    # As-of values (issue 10, construct 5).
    Aggregate(
        ir.AggregateFunc.LATEST,
        "any",
        Empty.NONE,
        Shape.VALUE,
        "the {col} of the most recent of its {rows}",
        lambda v, k: v[-1] if v else None,
        _by_time_sql,
        by_time=True,
        sql_by=_arg("ArgMax"),
        sums_percent=True,
    ),
    Aggregate(
        ir.AggregateFunc.FIRST,
        "any",
        Empty.NONE,
        Shape.VALUE,
        "the {col} of the earliest of its {rows}",
        lambda v, k: v[0] if v else None,
        _by_time_sql,
        by_time=True,
        sql_by=_arg("ArgMin"),
    ),
)

_BY_FUNC: dict[ir.AggregateFunc, Aggregate] = {a.func: a for a in AGGREGATES}


def column_aggregate_words() -> tuple[str, ...]:
    """The keywords of the aggregates written ``<keyword> COLUMN in TABLE`` (``sum``, ``min``…)."""
    return tuple(a.func.value for a in AGGREGATES if a.column != "none" and a.syntax == "{func} {column} in {table}")


def aggregate(func: ir.AggregateFunc) -> Aggregate:
    """The registry entry of ``func``."""
    return _BY_FUNC[func]
