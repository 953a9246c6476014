"""Names, scopes and types inside expressions (clauses, guards and `where` filters)."""

from __future__ import annotations

from rulekit import codes, ir
from rulekit import types as t
from rulekit.checks import points
from rulekit.checks.arith import check_condition
from rulekit.checks.context import Context, member_nouns
from rulekit.checks.links import entity_metric_misuse
from rulekit.diagnostics import suggest
from rulekit.plan.names import (
    MEMBER_SCOPE,
    NameKind,
    ResolvedName,
    Scope,
    ScopeKind,
    resolve_name,
    visible_names,
)

_LITERALS = (ir.Money, ir.Percent, ir.Duration, ir.Number, ir.String, ir.Bool, ir.DateValue)


def require_bool(ctx: Context, expr: ir.Expr, scope: Scope, what: str) -> None:
    """Check ``expr`` and report it unless it is a true/false condition (RK207)."""
    found = infer(ctx, expr, scope)
    if not found.is_bool:
        ctx.error(
            codes.RK207,
            f"{what} must be true or false, but `{ctx.snippet(expr.span)}` is {found.describe()}",
            expr.span,
            "compare it with a value, like `order_count >= 20`",
        )


def infer(ctx: Context, expr: ir.Expr, scope: Scope) -> t.ValueType:
    """The type of ``expr`` in ``scope``; problems are reported on the way."""
    if isinstance(expr, _LITERALS):
        return t.of_literal(expr)
    match expr:
        case ir.NameRef():
            return _name(ctx, expr, scope)
        case ir.QualifiedRef():
            return _qualified(ctx, expr, scope)
        case ir.Compare():
            _compare(ctx, expr, scope)
        case ir.InList():
            _in_list(ctx, expr, scope)
        case ir.BoolOp():
            for operand in expr.operands:
                require_bool(ctx, operand, scope, f"each side of `{expr.op.value}`")
        case ir.Not():
            require_bool(ctx, expr.operand, scope, "the operand of `not`")
        case ir.Quantified():
            _quantified(ctx, expr, scope)
        case ir.Shift():  # points in time (issue 10)
            return points.check_shift(ctx, expr, scope, infer)
        case ir.WindowBound():
            return points.check_bound(ctx, expr, scope)
        case ir.Arith() | ir.Negate() | ir.Call() | ir.Default():
            found = points.check_point_arith(ctx, expr, scope, infer)
            return check_condition(ctx, expr) if found is None else found
    return t.BOOL


def _name(ctx: Context, ref: ir.NameRef, scope: Scope) -> t.ValueType:
    program = ctx.program
    found = resolve_name(program, ref.name, scope)
    if found.kind is NameKind.UNKNOWN:
        candidates = visible_names(program, scope)
        if scope.kind is ScopeKind.ROW:
            if ctx.program.table(scope.table or "") is not None:
                hint = suggest(ref.name, candidates)
                ctx.error(codes.RK102, f"table `{scope.table}` has no column `{ref.name}`", ref.span, hint)
        else:
            ctx.unknown(codes.RK113, "name", ref.name, candidates, ref.span, "metric")
        return t.UNKNOWN
    if found.visible:
        return found.type
    if found.kind is NameKind.ENTITY_METRIC:  # sub-entities (issue 10, construct 4)
        entity_metric_misuse(ctx, ref, found, scope)
        return t.UNKNOWN
    if scope.kind is ScopeKind.BUCKET or found.kind is NameKind.BUCKET_METRIC:
        from rulekit.checks.buckets import report_bucket_name  # calendar buckets (issue 10)

        report_bucket_name(ctx, ref, found, scope)
        return found.type
    if scope.kind is ScopeKind.ROW:
        ctx.error(
            codes.RK111,
            f"`{ref.name}` is not a column of `{scope.table}`; a `where` tests the columns of its own table",
            ref.span,
            _row_scope_hint(program, ref.name, found, scope.table or ""),
        )
    else:
        noun = program.member.noun if program.member else "member"
        ctx.error(
            codes.RK111,
            f"`{ref.name}` has one value per {noun}; it can only be used inside `every {noun} has …`",
            ref.span,
            f"use `every {noun} has …` or `any {noun} has …`",
        )
    return found.type


def _row_scope_hint(program: ir.Program, name: str, found: ResolvedName, table_name: str) -> str:
    """Where the value the author wanted really lives, and how to write the rule instead."""
    table = program.table(table_name)
    columns = ", ".join(f"`{c.name}`" for c in table.columns) if table else ""
    per_row = f"a `where` keeps the rows of `{table_name}` by their own columns ({columns})"
    if found.kind in (NameKind.PARTICIPANT_COLUMN, NameKind.PARTICIPANT_METRIC):
        what = "column" if found.kind is NameKind.PARTICIPANT_COLUMN else "metric"
        return f"{per_row}; `{name}` is a participant {what}: test it in a clause, like `eligible e: {name} …`"
    noun = program.member.noun if program.member else "member"
    quantified = f"gate g: every {noun} has {name} …"
    return f"{per_row}; `{name}` has one value per {noun}: test it in a clause, like `{quantified}`"


def _qualified(ctx: Context, ref: ir.QualifiedRef, scope: Scope) -> t.ValueType:
    program = ctx.program
    table = program.table(ref.table)
    if table is None:
        ctx.unknown(codes.RK101, "table", ref.table, [x.name for x in program.tables], ref.span, "table")
        return t.UNKNOWN
    column = table.column(ref.column)
    if column is None:
        hint = suggest(ref.column, [c.name for c in table.columns])
        ctx.error(codes.RK102, f"table `{table.name}` has no column `{ref.column}`", ref.span, hint)
        return t.UNKNOWN
    allowed = _tables_in_scope(program, scope)
    if table.name not in allowed:
        ctx.error(
            codes.RK114,
            f"columns of `{table.name}` cannot be used here",
            ref.span,
            f"define a metric over `{table.name}` and use the metric"
            if scope.kind is not ScopeKind.ROW
            else f"this `where` can use the columns of `{scope.table}`",
        )
    return t.of_column(column, ctx.currency)


def _tables_in_scope(program: ir.Program, scope: Scope) -> set[str]:
    if scope.kind is ScopeKind.ROW:
        return {scope.table or ""}
    entities = [program.participant] + ([program.member] if scope.kind is ScopeKind.MEMBER else [])
    return {e.table for e in entities if e is not None}


def _compare(ctx: Context, expr: ir.Compare, scope: Scope) -> None:
    left, right = infer(ctx, expr.left, scope), infer(ctx, expr.right, scope)
    if not t.comparable(left, right):
        if t.Kind.RATIO in (left.kind, right.kind):
            ctx.error(
                codes.RK209,
                f"a ratio can only be compared with a percentage or a number, not {_other(left, right).describe()}",
                expr.span,
                "write the limit as a percentage, like `refund_rate > 30%`",
            )
            return
        hint = t.unit_hint(left, right) if isinstance(expr.right, _LITERALS) else None
        if hint is None and isinstance(expr.left, _LITERALS):
            hint = t.unit_hint(right, left)
        ctx.error(
            codes.RK201,
            f"cannot compare {left.describe()} with {right.describe()}",
            expr.span,
            hint or "compare values of the same kind: money with money, time with time",
        )
        return
    if _moment_with_date(expr, left, right):
        ctx.error(
            codes.RK201,
            "cannot compare a date with a date and time of day",
            expr.span,
            "compare the date with a date alone, like `2023-04-01`; a time of day goes with a timestamp",
        )
        return
    ordering = expr.op not in (ir.CompareOp.EQ, ir.CompareOp.NE)
    if ordering and not (left.is_ordered and right.is_ordered):
        unordered = left if not left.is_ordered else right
        ctx.error(
            codes.RK201,
            f"`{expr.op.value}` does not apply to {unordered.describe()}",
            expr.span,
            "use `=` or `!=`",
        )


def _moment_with_date(expr: ir.Compare, left: t.ValueType, right: t.ValueType) -> bool:
    """A `date` value against `2023-04-01 09:30`: a calendar day has no time of day to compare."""
    moments = [isinstance(e, ir.DateValue) and e.time is not None for e in (expr.left, expr.right)]
    return (moments[0] and right.kind is t.Kind.DATE) or (moments[1] and left.kind is t.Kind.DATE)


def _other(left: t.ValueType, right: t.ValueType) -> t.ValueType:
    return right if left.kind is t.Kind.RATIO else left


def _in_list(ctx: Context, expr: ir.InList, scope: Scope) -> None:
    operand = infer(ctx, expr.operand, scope)
    options = [t.of_literal(option) for option in expr.options]
    first = options[0]
    for option, value in zip(expr.options[1:], options[1:], strict=True):
        if not t.comparable(first, value):
            ctx.error(
                codes.RK210,
                f"the list mixes {first.describe()} and {value.describe()}",
                option.span,
                'list values of one kind, like `region in ("US", "CA")`',
            )
            return
    if not t.comparable(operand, first):
        ctx.error(
            codes.RK210,
            f"`{ctx.snippet(expr.operand.span)}` is {operand.describe()} but the list holds {first.describe()}",
            expr.span,
            "list values of the same kind as the value tested",
        )


def _quantified(ctx: Context, expr: ir.Quantified, scope: Scope) -> None:
    program = ctx.program
    noun_span = expr.noun_span or expr.span
    if scope.kind is not ScopeKind.PARTICIPANT:
        where = "inside another quantifier" if scope.kind is ScopeKind.MEMBER else "in a `where` filter"
        ctx.error(
            codes.RK115,
            f"`{expr.quantifier.value} {expr.noun}` cannot be used {where}",
            expr.span,
            "quantifiers go at the top of a clause, like `gate g: every host has x > 1`",
        )
        return
    if program.member is None:
        ctx.error(
            codes.RK106,
            f"`{expr.noun}` is not a member noun; the program declares no `member`",
            noun_span,
            "declare the members, like `member host: hosts`",
        )
    elif expr.noun not in member_nouns(program):
        ctx.error(
            codes.RK106,
            f"unknown member noun `{expr.noun}`",
            noun_span,
            suggest(expr.noun, sorted(member_nouns(program))),
        )
    require_bool(ctx, expr.body, MEMBER_SCOPE, f"the body of `{expr.quantifier.value} {expr.noun}`")


def names_in(expr: ir.Expr) -> list[ir.NameRef]:
    """Every bare name in ``expr``, in source order."""
    match expr:
        case ir.NameRef():
            return [expr]
        case ir.Compare():
            return names_in(expr.left) + names_in(expr.right)
        case ir.InList():
            return names_in(expr.operand)
        case ir.BoolOp():
            return [name for operand in expr.operands for name in names_in(operand)]
        case ir.Not():
            return names_in(expr.operand)
        case ir.Quantified():
            return names_in(expr.body)
    return []
