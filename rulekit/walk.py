"""The one walk over expression nodes.

Every pass that needs the parts of an expression (the names it reads, the quantifiers
it contains) goes through :func:`children` and :func:`walk`, so a new expression node
is taught to the walker once, here, and every pass sees it.
"""

from __future__ import annotations

from collections.abc import Iterator

from rulekit import ir


def children(expr: ir.Node) -> tuple[ir.Node, ...]:
    """The direct sub-expressions of ``expr``, in source order."""
    match expr:
        case ir.Compare():
            return (expr.left, expr.right)
        case ir.InList():
            return (expr.operand, *expr.options)
        case ir.BoolOp():
            return expr.operands
        case ir.Not():
            return (expr.operand,)
        case ir.Quantified():
            return (expr.body,)
        case ir.Arith():
            return (expr.left, expr.right)
        case ir.Negate():
            return (expr.operand,)
        case ir.Call():
            return expr.args
        case ir.Default():
            return (expr.value, expr.fallback)
        case ir.Shift():  # points in time (issue 10)
            return (expr.base, expr.length)
    return ()


def walk(expr: ir.Node | None, *, into_quantifiers: bool = True) -> Iterator[ir.Node]:
    """``expr`` and every sub-expression, pre-order (parents before their parts).

    With ``into_quantifiers=False`` the body of a quantifier is not entered (the
    quantifier itself is still yielded): its names are member-level, not the clause's.
    """
    if expr is None:
        return
    stack: list[ir.Node] = [expr]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ir.Quantified) and not into_quantifiers:
            continue
        stack.extend(reversed(children(node)))


def names(expr: ir.Node | None, *, into_quantifiers: bool = True) -> Iterator[str]:
    """The bare names (``NameRef``) ``expr`` reads, in source order, repeats included."""
    for node in walk(expr, into_quantifiers=into_quantifiers):
        if isinstance(node, ir.NameRef):
            yield node.name


def quantifiers(expr: ir.Expr | None) -> Iterator[ir.Quantified]:
    """The quantifiers in ``expr`` (a quantifier inside another one included)."""
    for node in walk(expr):
        if isinstance(node, ir.Quantified):
            yield node


def has_quantifier(expr: ir.Expr | None) -> bool:
    return next(quantifiers(expr), None) is not None
