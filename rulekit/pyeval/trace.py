"""Traced evaluation: the truth of every sub-expression and the values it read.

:func:`compile_trace` compiles an expression a second time, next to the fast closure
of :func:`rulekit.pyeval.exprs.compile_expr`: the fast closure answers only "does it
hold", the tracer answers "why". Given the same environment it returns a
:class:`Trace` tree with the truth of each node (``None`` for unknown, SQL's three-valued
logic) and, for comparisons, in-lists and references, the values they read. A
quantifier's trace holds one trace of its body per member, so the explanation can say
which members passed.

The tracer evaluates with the same operand rules as the fast closure (a date literal
compared with a timestamp is local midnight, :func:`rulekit.pyeval.values.compare` for
every comparison), so a trace's top-level truth is exactly what the fast closure gives.
The fast closures are left untouched: tracing costs only when an explanation is asked for.

Explanations (:mod:`rulekit.reasons`) are worded from traces, for ``decide`` and for
settlement rows alike: both run these tracers over the participant's values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from rulekit import codes, ir, walk
from rulekit.diagnostics import error
from rulekit.plan import ClausePlan, Plan
from rulekit.pyeval.exprs import MEMBERS, CompileError, Env, Scope, _operand
from rulekit.pyeval.scopes import ratio_parts, scopes
from rulekit.pyeval.values import compare, literal_value

# The key under which an environment keeps its members' ids, parallel to ``env[MEMBERS]``.
MEMBER_IDS = "\x00member_ids"

Reads = Mapping[str, object]


@dataclass(frozen=True, slots=True)
class MemberTrace:
    """The body of a quantifier evaluated for one member."""

    id: str
    trace: Trace

    @property
    def passes(self) -> bool:
        return self.trace.truth is True


@dataclass(frozen=True, slots=True)
class Trace:
    """One sub-expression evaluated.

    ``truth`` is its three-valued truth (a reference's is the truth of its value);
    ``value`` what it evaluates to (a reference's or a literal's value, a condition's truth);
    ``reads`` the names it read with their values (a reference to a ratio also reads the
    ratio's parts), its parts' reads included but not those inside a quantifier's body;
    ``parts`` the traces of its direct sub-expressions; ``members`` a quantifier's body per
    member, in the order the members were given.
    """

    expr: ir.Expr
    truth: bool | None
    value: object = None
    reads: Reads = field(default_factory=dict)
    parts: tuple[Trace, ...] = ()
    members: tuple[MemberTrace, ...] = ()

    def read(self, name: str) -> object:
        """The value this node read for ``name`` (``None`` when it read none)."""
        return self.reads.get(name)

    @property
    def passing(self) -> int:
        """How many members passed a quantifier's body."""
        return sum(1 for m in self.members if m.passes)


Tracer = Callable[[Env], Trace]


def compile_trace(expr: ir.Expr, scope: Scope, ratios: Mapping[str, tuple[str, str]]) -> Tracer:
    """Compile ``expr`` to a tracer: a function of an environment that returns its :class:`Trace`.

    ``ratios`` maps each ratio metric to its (numerator, denominator), so a reference to a
    ratio also records the values of its parts (explanations show ``7 of 20 orders``).
    """
    if isinstance(expr, ir.Compare):
        return _compare(expr, scope, ratios)
    if isinstance(expr, ir.InList):
        return _in_list(expr, scope, ratios)
    if isinstance(expr, ir.BoolOp):
        return _bool_op(expr, [compile_trace(o, scope, ratios) for o in expr.operands])
    if isinstance(expr, ir.Not):
        return _not(expr, compile_trace(expr.operand, scope, ratios))
    if isinstance(expr, ir.Quantified):
        return _quantified(expr, scope, ratios)
    if isinstance(expr, ir.NameRef | ir.QualifiedRef):
        return _reference(expr, scope, ratios)
    if isinstance(expr, ir.POINTS):  # a point alone is no condition (the checker's RK207)
        raise CompileError([error(codes.RK951, "a point in time is not a condition", expr.span)])
    return _constant(expr, literal_value(expr))


def _constant(expr: ir.Expr, value: object) -> Tracer:
    trace = Trace(expr, value if isinstance(value, bool) else None, value)
    return lambda env: trace


def _reference(expr: ir.NameRef | ir.QualifiedRef, scope: Scope, ratios: Mapping[str, tuple[str, str]]) -> Tracer:
    if isinstance(expr, ir.NameRef):
        if expr.name not in scope.names:
            raise CompileError([error(codes.RK951, f"unknown name `{expr.name}` here ({scope.what})", expr.span)])
        name = expr.name
    else:
        if expr.column not in scope.tables.get(expr.table, {}):
            raise CompileError([error(codes.RK951, f"unknown column `{expr.table}.{expr.column}` here", expr.span)])
        name = expr.column
    parts = ratios.get(name, ())

    def reference(env: Env) -> Trace:
        value = env[name]
        reads = {name: value}
        for part in parts:
            reads[part] = env.get(part)
        return Trace(expr, None if value is None else bool(value), value, reads)

    return reference


def _side(expr: ir.Expr, other: ir.Expr, scope: Scope, ratios: Mapping[str, tuple[str, str]]) -> Tracer:
    """A side of a comparison, with the fast closure's operand rule for literals."""
    _, constant, is_constant = _operand(expr, other, scope)
    if is_constant:
        return _constant(expr, constant)
    return compile_trace(expr, scope, ratios)


def _merged(parts: tuple[Trace, ...]) -> Reads:
    reads: dict[str, object] = {}
    for part in parts:
        reads.update(part.reads)
    return reads


def _point_side(expr: ir.Expr, scope: Scope, ratios: Mapping[str, tuple[str, str]]) -> Tracer:
    """A side of a comparison of points in time (issue 10): its instant, and the names it read."""
    from rulekit.pyeval.exprs import compile_expr
    from rulekit.pyeval.points import compile_point

    point = compile_point(expr, scope.tz, scope.windows, lambda e: compile_expr(e, scope))
    names = tuple(dict.fromkeys(walk.names(expr)))

    def side(env: Env) -> Trace:
        return Trace(expr, None, point(env), {name: env.get(name) for name in names})

    return side


def _compare(expr: ir.Compare, scope: Scope, ratios: Mapping[str, tuple[str, str]]) -> Tracer:
    from rulekit.pyeval.points import is_point_compare

    if is_point_compare(expr):
        left, right = _point_side(expr.left, scope, ratios), _point_side(expr.right, scope, ratios)
    else:
        left, right = _side(expr.left, expr.right, scope, ratios), _side(expr.right, expr.left, scope, ratios)
    op, tz = expr.op, scope.tz

    def comparison(env: Env) -> Trace:
        parts = (left(env), right(env))
        truth = compare(op, parts[0].value, parts[1].value, tz)
        return Trace(expr, truth, truth, _merged(parts), parts)

    return comparison


def _in_list(expr: ir.InList, scope: Scope, ratios: Mapping[str, tuple[str, str]]) -> Tracer:
    operand = compile_trace(expr.operand, scope, ratios)
    options = tuple(literal_value(o) for o in expr.options)
    negated = expr.negated

    def membership(env: Env) -> Trace:
        inner = operand(env)
        truth = None if inner.value is None else (inner.value in options) != negated
        return Trace(expr, truth, truth, inner.reads, (inner,))

    return membership


def _bool_op(expr: ir.BoolOp, parts: list[Tracer]) -> Tracer:
    """Kleene ``and``/``or``. Every part is traced (no short cut): the words name each one."""
    is_and = expr.op is ir.BoolOperator.AND
    decisive = not is_and  # one false part decides an `and`, one true part an `or`

    def combined(env: Env) -> Trace:
        traced = tuple(p(env) for p in parts)
        truths = [t.truth for t in traced]
        if decisive in truths:
            truth: bool | None = decisive
        else:
            truth = None if None in truths else is_and
        return Trace(expr, truth, truth, _merged(traced), traced)

    return combined


def _not(expr: ir.Not, operand: Tracer) -> Tracer:
    def negation(env: Env) -> Trace:
        inner = operand(env)
        truth = None if inner.truth is None else not inner.truth
        return Trace(expr, truth, truth, inner.reads, (inner,))

    return negation


def _quantified(expr: ir.Quantified, scope: Scope, ratios: Mapping[str, tuple[str, str]]) -> Tracer:
    nouns = {scope.member_noun, f"{scope.member_noun}s"} if scope.member_noun else set()
    if scope.members is None or expr.noun not in nouns:
        known = f"`{scope.member_noun}`" if scope.member_noun else "no members"
        raise CompileError([error(codes.RK952, f"`{expr.noun}` is not the member noun here ({known})", expr.span)])
    body = compile_trace(expr.body, scope.members, ratios)
    quantifier, need = expr.quantifier, expr.count or 0

    def quantified(env: Env) -> Trace:
        members = env[MEMBERS]
        ids = env.get(MEMBER_IDS) or [str(i) for i in range(len(members))]
        traced = tuple(MemberTrace(str(mid), body(m)) for mid, m in zip(ids, members, strict=True))
        passing, total = sum(1 for m in traced if m.passes), len(traced)
        if quantifier is ir.Quantifier.EVERY:
            truth = passing == total
        elif quantifier is ir.Quantifier.ANY:
            truth = passing >= 1
        elif quantifier is ir.Quantifier.NO:
            truth = passing == 0
        else:
            truth = passing >= need
        return Trace(expr, truth, truth, members=traced)

    return quantified


# ------------------------------------------------------------------ clauses of a plan


@dataclass(frozen=True)
class TracedClause:
    """A clause's condition and guard compiled to tracers, and the names its words depend on.

    ``names`` are the values a reason of a quantifier-free clause reads (its references and
    the parts of the ratios it reads); ``None`` when the clause has a quantifier, whose
    reason reads the members.
    """

    plan: ClausePlan
    condition: Tracer
    guard: Tracer | None
    names: tuple[str, ...] | None

    def trace(self, env: Env) -> tuple[Trace, Trace | None]:
        """The condition's trace and the guard's (``None`` without a guard) over ``env``."""
        return self.condition(env), (self.guard(env) if self.guard is not None else None)

    def key(self, env: Env) -> tuple[object, ...] | None:
        """A memo key for this clause's reason over ``env``: equal keys, equal words.

        Values by class and text, not by value: ``Decimal("1.0") == Decimal("1.00")`` but
        they are worded differently.
        """
        if self.names is None:
            return None
        return (self.plan.name, *((v.__class__, str(v)) for v in map(env.get, self.names)))


def traced_clauses(plan: Plan) -> tuple[TracedClause, ...]:
    """Every clause of ``plan`` compiled to tracers, in source order."""
    scope, _ = scopes(plan)
    ratios = ratio_parts(plan)
    found = []
    for clause in plan.clauses:
        decl = clause.decl
        guard = compile_trace(decl.guard, scope, ratios) if decl.guard is not None else None
        found.append(TracedClause(clause, compile_trace(decl.condition, scope, ratios), guard, _names(clause, ratios)))
    return tuple(found)


def _names(clause: ClausePlan, ratios: Mapping[str, tuple[str, str]]) -> tuple[str, ...] | None:
    if clause.quantifiers:
        return None
    names: list[str] = []
    for expr in (clause.decl.condition, clause.decl.guard):
        for node in walk.walk(expr):
            if isinstance(node, ir.NameRef | ir.QualifiedRef):
                name = node.name if isinstance(node, ir.NameRef) else node.column
                names += [name, *ratios.get(name, ())]
    return tuple(dict.fromkeys(names))
