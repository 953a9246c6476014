"""Expressions to closures, with SQL's three-valued logic.

A compiled expression is a function of an *environment* (a mapping from names to
values). ``None`` is SQL's null/unknown: a comparison with a null is unknown, ``and``
/ ``or`` / ``not`` follow Kleene logic, and a row or clause counts only when the
result is ``True``.

Names are resolved at compile time against a :class:`Scope`, so an unknown name is a
compile error with a span, never a ``KeyError`` at decision time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from rulekit import codes, ir
from rulekit.diagnostics import error, suggest
from rulekit.errors import CompileError as CompileError  # re-exported for the compiler modules
from rulekit.pyeval.types import ValueType
from rulekit.pyeval.values import COMPARE_OPS, Comparable, compare, literal_value
from rulekit.timeutil import to_utc

Env = Mapping[str, Any]
Fn = Callable[[Env], Any]

# The key under which an environment keeps its members' environments, for quantifiers.
MEMBERS = "\x00members"


@dataclass(frozen=True)
class Scope:
    """The names an expression may use, with their value types.

    ``tables`` resolves ``table.column``; ``members`` is the scope inside a
    quantifier over ``member_noun``.
    """

    names: Mapping[str, ValueType]
    tables: Mapping[str, Mapping[str, ValueType]]
    tz: ZoneInfo
    members: Scope | None = None
    member_noun: str | None = None
    what: str = "a name"
    # `start of W` / `end of W` (issue 10): each window's bounds for the environment's participant.
    windows: Mapping[str, Callable[[Any], tuple[dt.datetime, dt.datetime]]] = field(default_factory=dict)


def compile_expr(expr: ir.Expr, scope: Scope) -> Fn:
    """Compile an expression to a function of an environment."""
    if isinstance(expr, ir.Compare):
        return _compare(expr, scope)
    if isinstance(expr, ir.InList):
        return _in_list(expr, scope)
    if isinstance(expr, ir.BoolOp):
        parts = [compile_expr(o, scope) for o in expr.operands]
        return _and(parts) if expr.op is ir.BoolOperator.AND else _or(parts)
    if isinstance(expr, ir.Not):
        inner = compile_expr(expr.operand, scope)
        return lambda env: None if (v := inner(env)) is None else not v
    if isinstance(expr, ir.Quantified):
        return _quantified(expr, scope)
    if isinstance(expr, ir.NameRef | ir.QualifiedRef):
        return _reference(expr, scope)
    if isinstance(expr, ir.POINTS):  # a point alone is no condition (the checker's RK207)
        raise CompileError([error(codes.RK951, "a point in time is not a condition", expr.span)])
    value = literal_value(expr)
    return lambda env: value


def type_of(expr: ir.Expr, scope: Scope) -> ValueType | None:
    if isinstance(expr, ir.NameRef):
        return scope.names.get(expr.name)
    if isinstance(expr, ir.QualifiedRef):
        return scope.tables.get(expr.table, {}).get(expr.column)
    return None


def _reference(expr: ir.NameRef | ir.QualifiedRef, scope: Scope) -> Fn:
    if isinstance(expr, ir.NameRef):
        if expr.name not in scope.names:
            hint = suggest(expr.name, scope.names)
            raise CompileError([error(codes.RK951, f"unknown name `{expr.name}` here ({scope.what})", expr.span, hint)])
        name = expr.name
        return lambda env: env[name]
    columns = scope.tables.get(expr.table)
    if columns is None or expr.column not in columns:
        raise CompileError([error(codes.RK951, f"unknown column `{expr.table}.{expr.column}` here", expr.span)])
    column = expr.column
    return lambda env: env[column]


def _operand(expr: ir.Expr, other: ir.Expr, scope: Scope) -> tuple[Fn, Comparable | None, bool]:
    """A side of a comparison: (function, constant value, is constant).

    A date literal compared with a timestamp means local midnight of that date.
    """
    if isinstance(expr, ir.DateValue) and (expr.time is not None or type_of(other, scope) == "timestamp"):
        instant = to_utc(expr.local(), scope.tz)  # a date alone: its local midnight
        return (lambda env: instant), instant, True
    if isinstance(expr, ir.Money | ir.Percent | ir.Duration | ir.Number | ir.String | ir.Bool | ir.DateValue):
        value = literal_value(expr)
        return (lambda env: value), value, True
    return compile_expr(expr, scope), None, False


def _compare(expr: ir.Compare, scope: Scope) -> Fn:
    from rulekit.pyeval import points  # points in time (issue 10)

    if points.is_point_compare(expr):
        return points.compile_point_compare(expr, scope.tz, scope.windows, lambda e: compile_expr(e, scope))
    op, which, tz = COMPARE_OPS[expr.op], expr.op, scope.tz
    left, _, _ = _operand(expr.left, expr.right, scope)
    right, constant, is_constant = _operand(expr.right, expr.left, scope)
    if is_constant and isinstance(expr.left, ir.NameRef) and expr.left.name in scope.names:
        # The common shape `name op literal`: one dictionary lookup, no nested calls.
        name = expr.left.name
        c = constant

        def name_vs_constant(env: Env) -> bool | None:
            value = env[name]
            if value is None:
                return None
            try:
                return bool(op(value, c))
            except TypeError:  # a date and a timestamp, or kinds the checker rejects: the shared rule
                return compare(which, value, c, tz)

        return name_vs_constant

    def general(env: Env) -> bool | None:
        a = left(env)
        if a is None:
            return None
        b = right(env)
        if b is None:
            return None
        try:
            return bool(op(a, b))
        except TypeError:
            return compare(which, a, b, tz)

    return general


def _in_list(expr: ir.InList, scope: Scope) -> Fn:
    operand = compile_expr(expr.operand, scope)
    options = tuple(literal_value(o) for o in expr.options)
    negated = expr.negated

    def test(env: Env) -> bool | None:
        value = operand(env)
        if value is None:
            return None
        return (value in options) != negated

    return test


def _and(parts: list[Fn]) -> Fn:
    def conj(env: Env) -> bool | None:
        unknown = False
        for part in parts:
            value = part(env)
            if value is None:
                unknown = True
            elif not value:
                return False
        return None if unknown else True

    return conj


def _or(parts: list[Fn]) -> Fn:
    def disj(env: Env) -> bool | None:
        unknown = False
        for part in parts:
            value = part(env)
            if value is None:
                unknown = True
            elif value:
                return True
        return None if unknown else False

    return disj


def _quantified(expr: ir.Quantified, scope: Scope) -> Fn:
    nouns = {scope.member_noun, f"{scope.member_noun}s"} if scope.member_noun else set()
    if scope.members is None or expr.noun not in nouns:  # `at least 2 hosts have`: the plural
        known = f"`{scope.member_noun}`" if scope.member_noun else "no members"
        raise CompileError([error(codes.RK952, f"`{expr.noun}` is not the member noun here ({known})", expr.span)])
    body = compile_expr(expr.body, scope.members)
    quantifier = expr.quantifier
    need = expr.count or 0

    def count(env: Env) -> tuple[int, int]:
        members = env[MEMBERS]
        return sum(1 for m in members if body(m) is True), len(members)

    if quantifier is ir.Quantifier.EVERY:
        return lambda env: (lambda c: c[0] == c[1])(count(env))
    if quantifier is ir.Quantifier.ANY:
        return lambda env: count(env)[0] >= 1
    if quantifier is ir.Quantifier.NO:
        return lambda env: count(env)[0] == 0
    return lambda env: count(env)[0] >= need
