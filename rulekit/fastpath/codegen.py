"""Python source generated from a plan: the clauses of one program as one function.

Like a template engine compiling a template, :func:`clause_source` turns every clause of a
:class:`~rulekit.plan.Plan` into straight-line Python (one statement per sub-expression,
SQL's three-valued logic spelt out), and :func:`compile_clauses` compiles it once with
:func:`compile`. The generated function takes the participant's values as arguments and
returns each clause's ``(holds, judged)``; it calls nothing per node.

Safety: nothing from the rule file is spliced into the source as text. Names become local
variables ``n<i>`` and member lookups ``m[<repr of the name>]`` (``repr`` of a ``str`` is a
Python string literal); every literal value (``Decimal``, ``Fraction``, text, instants) is
bound in the function's namespace as ``k<i>`` and referred to by that name.

A construct the generator does not know raises :class:`Unsupported`; the caller then keeps
the reference closures of :mod:`rulekit.pyeval` for the whole program (see
:mod:`rulekit.fastpath`), so a new construct keeps working, just not fast.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rulekit import ir
from rulekit.errors import RulekitError
from rulekit.plan import Level, Plan
from rulekit.pyeval.exprs import _operand, type_of
from rulekit.pyeval.scopes import scopes
from rulekit.pyeval.values import compare, literal_value

# Comparison operators spelt in Python; the operands are never null when these run.
_OPS = {
    ir.CompareOp.EQ: "==",
    ir.CompareOp.NE: "!=",
    ir.CompareOp.LT: "<",
    ir.CompareOp.LE: "<=",
    ir.CompareOp.GT: ">",
    ir.CompareOp.GE: ">=",
}
# Kinds whose comparison may need the shared rule (a date against a timestamp is local midnight).
_TIME_KINDS = {"date", "timestamp", None}


class Unsupported(RulekitError):  # noqa: N818 - a signal to the caller, not an error a user sees
    """The plan holds a construct the generator does not handle: use the reference evaluator."""


# (each clause's (holds, judged), eligible, qualified, disqualified, the warnings' names)
ClauseFn = Callable[..., tuple[tuple[tuple[bool, bool], ...], bool, bool, bool, list[str]]]


@dataclass
class _Gen:
    """The state of one generation: source lines, constants and the names read."""

    plan: Plan
    lines: list[str] = field(default_factory=list)
    consts: dict[str, Any] = field(default_factory=dict)
    temps: int = 0
    names: dict[str, str] = field(default_factory=dict)  # participant-scope name -> local variable
    # Variables known never to be null (a required column, a comparison of such): their
    # three-valued tests are spelt as plain Python (see ``fastpath.straight``).
    nonnull: set[str] = field(default_factory=set)

    def temp(self) -> str:
        self.temps += 1
        return f"t{self.temps}"

    def const(self, value: Any) -> str:
        name = f"k{len(self.consts)}"
        self.consts[name] = value
        return name

    def emit(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)

    def member_ref(self, name: str) -> str:
        """Source reading a member's value inside a quantifier (``m`` is the member)."""
        return f"m[{name!r}]"

    def member_nonnull(self, name: str) -> bool:
        """Whether a member's value is known never to be null."""
        return False

    def local(self, name: str) -> str:
        """The variable holding a participant-scope name."""
        return _local(self, name)

    def quantified_hook(self, expr: ir.Quantified) -> str | None:
        """A quantifier already counted elsewhere (see ``fastpath.straight``), or ``None``."""
        return None

    def compare_hook(self, expr: ir.Compare, indent: int) -> str | None:
        """A specialised comparison, or ``None`` for the general one (see ``fastpath.straight``)."""
        return None


@dataclass(frozen=True)
class ClauseCode:
    """The generated clause function: ``run(participant_row, metrics, members)``, where
    ``members`` are dicts of each member's row and metric values; ``names`` are what it reads."""

    run: ClauseFn
    names: tuple[str, ...]
    source: str


def compile_clauses(plan: Plan) -> ClauseCode:
    """Generate and compile the clause function of ``plan``; :class:`Unsupported` if it cannot."""
    source, consts, names = clause_source(plan)
    namespace: dict[str, Any] = {"_compare": compare, "_tz": plan.tz, **consts}
    exec(compile(source, f"<rulekit fast path: {plan.name}>", "exec"), namespace)  # our source (docstring)
    return ClauseCode(namespace["clauses"], names, source)


def clause_source(plan: Plan) -> tuple[str, dict[str, Any], tuple[str, ...]]:
    """(the source of ``clauses(members, n0, n1, …)``, its constants, the names in argument order)."""
    gen = _Gen(plan)
    scope, member_scope = scopes(plan)
    member_names = _member_names(plan)
    body: list[str] = []
    results = []
    kinds: dict[ir.ClauseKind, list[int]] = {kind: [] for kind in ir.ClauseKind}
    for i, clause in enumerate(plan.clauses):
        gen.lines = []
        holds = _expr(gen, clause.decl.condition, scope, member_scope, member_names, 1)
        judged = _expr(gen, clause.decl.guard, scope, member_scope, member_names, 1) if clause.decl.guard else None
        body += gen.lines
        body.append(f"    h{i} = {holds} is True")
        body.append(f"    j{i} = {'True' if judged is None else f'{judged} is True'}")
        results.append(f"(h{i}, j{i})")
        kinds[clause.kind].append(i)
    body += _summary(plan, kinds)
    metrics = {m.name for m in plan.metrics if m.level is Level.PARTICIPANT}
    # A clause reads a participant metric before a participant column of the same name (the
    # reference's environment is the row updated by the metrics).
    loads = [f"    {var} = {'metrics' if name in metrics else 'prow'}[{name!r}]" for name, var in gen.names.items()]
    ending = "," if len(results) == 1 else ""
    outcome = f"({', '.join(results)}{ending}), eligible, eligible and gates and not disqualified, disqualified, warned"
    lines = ["def clauses(prow, metrics, members):", *loads, *body, f"    return {outcome}"]
    return "\n".join(lines) + "\n", gen.consts, tuple(gen.names)


def _summary(plan: Plan, kinds: dict[ir.ClauseKind, list[int]]) -> list[str]:
    """Eligible, gates, disqualified and the warnings, as the reference summarises the clauses."""
    eligible = " and ".join(f"h{i}" for i in kinds[ir.ClauseKind.ELIGIBLE]) or "True"
    gates = " and ".join(f"h{i}" for i in kinds[ir.ClauseKind.GATE]) or "True"
    disqualified = " or ".join(f"(h{i} and j{i})" for i in kinds[ir.ClauseKind.DISQUALIFY]) or "False"
    lines = [
        f"    eligible = {eligible}",
        f"    gates = {gates}",
        f"    disqualified = {disqualified}",
        "    warned = []",
    ]
    for i in kinds[ir.ClauseKind.WARN]:
        lines += [f"    if h{i} and j{i}:", f"        warned.append({plan.clauses[i].name!r})"]
    return lines


def _member_names(plan: Plan) -> set[str]:
    """Names a quantifier's body reads from the member (its row and its metrics), not the participant."""
    found = {c.name for c in plan.member_table.columns} if plan.member_table else set()
    return found | {m.name for m in plan.metrics if m.level is Level.MEMBER}


def _expr(gen: _Gen, expr: ir.Expr | None, scope: Any, member_scope: Any, members: set[str], indent: int) -> str:
    """Emit statements computing ``expr``; returns the variable (or constant) holding its value."""
    if expr is None:  # pragma: no cover - callers check
        raise Unsupported("no expression")
    in_member = indent > 1
    if isinstance(expr, ir.Compare):
        return _compare(gen, expr, scope, member_scope, members, indent)
    if isinstance(expr, ir.InList):
        value = _expr(gen, expr.operand, scope, member_scope, members, indent)
        options = gen.const(tuple(literal_value(o) for o in expr.options))
        out = gen.temp()
        if value in gen.nonnull:
            gen.nonnull.add(out)
            gen.emit(indent, f"{out} = ({value} in {options}) != {expr.negated!r}")
            return out
        gen.emit(indent, f"{out} = None if {value} is None else (({value} in {options}) != {expr.negated!r})")
        return out
    if isinstance(expr, ir.BoolOp):
        parts = [_expr(gen, o, scope, member_scope, members, indent) for o in expr.operands]
        out = gen.temp()
        if all(p in gen.nonnull for p in parts):  # two-valued: Python's own `and` / `or` of bools
            gen.nonnull.add(out)
            word = " and " if expr.op is ir.BoolOperator.AND else " or "
            gen.emit(indent, f"{out} = {word.join(parts)}")
            return out
        unknown = " or ".join(f"{p} is None" for p in parts)
        if expr.op is ir.BoolOperator.AND:
            decided = " or ".join(f"({p} is not None and not {p})" for p in parts)
            gen.emit(indent, f"{out} = False if ({decided}) else (None if ({unknown}) else True)")
        else:
            decided = " or ".join(f"({p} is not None and {p})" for p in parts)
            gen.emit(indent, f"{out} = True if ({decided}) else (None if ({unknown}) else False)")
        return out
    if isinstance(expr, ir.Not):
        inner = _expr(gen, expr.operand, scope, member_scope, members, indent)
        out = gen.temp()
        if inner in gen.nonnull:
            gen.nonnull.add(out)
            gen.emit(indent, f"{out} = not {inner}")
            return out
        gen.emit(indent, f"{out} = None if {inner} is None else not {inner}")
        return out
    if isinstance(expr, ir.Quantified):
        if in_member or member_scope is None:
            raise Unsupported("a quantifier inside a quantifier")
        found = gen.quantified_hook(expr)
        return found if found is not None else _quantified(gen, expr, scope, member_scope, members, indent)
    if isinstance(expr, ir.NameRef | ir.QualifiedRef):
        name = expr.name if isinstance(expr, ir.NameRef) else expr.column
        if in_member and name in members:
            out = gen.temp()
            gen.emit(indent, f"{out} = {gen.member_ref(name)}")
            if gen.member_nonnull(name):
                gen.nonnull.add(out)
            return out
        return gen.local(name)
    if isinstance(expr, ir.Money | ir.Percent | ir.Duration | ir.Number | ir.String | ir.Bool | ir.DateValue):
        return gen.const(literal_value(expr))
    raise Unsupported(type(expr).__name__)


def _local(gen: _Gen, name: str) -> str:
    """The local variable holding a participant-scope name (an argument of the function)."""
    if not name.isidentifier():  # pragma: no cover - the grammar admits identifiers only
        raise Unsupported(f"name {name!r}")
    found = gen.names.get(name)
    if found is None:
        found = gen.names[name] = f"n{len(gen.names)}"
    return found


def _compare(gen: _Gen, expr: ir.Compare, scope: Any, member_scope: Any, members: set[str], indent: int) -> str:
    here = member_scope if indent > 1 else scope
    if isinstance(expr.left, ir.POINTS) or isinstance(expr.right, ir.POINTS):
        # Points in time (`joined_at + 6 months`, `end of W`): the reference evaluator's.
        raise Unsupported("a comparison of points in time")
    special = gen.compare_hook(expr, indent) if indent == 1 else None
    if special is not None:
        return special
    sides = []
    for this, other in ((expr.left, expr.right), (expr.right, expr.left)):
        _, constant, is_constant = _operand(this, other, here)
        if is_constant:
            sides.append(gen.const(constant))
        else:
            sides.append(_expr(gen, this, scope, member_scope, members, indent))
    left, right = sides
    out = gen.temp()
    kinds = {type_of(expr.left, here), type_of(expr.right, here)}
    literal = (ir.Money, ir.Percent, ir.Duration, ir.Number, ir.String, ir.Bool)
    if isinstance(expr.left, literal):
        kinds.discard(None)
    if isinstance(expr.right, literal):
        kinds.discard(None)
    if kinds & _TIME_KINDS or isinstance(expr.left, ir.DateValue) or isinstance(expr.right, ir.DateValue):
        # Dates, instants, or a type not known here: the shared rule of both evaluators.
        op = gen.const(expr.op)
        gen.emit(indent, f"{out} = _compare({op}, {left}, {right}, _tz)")
    else:
        # A constant is never null (the literals above): only the value read is tested.
        tested = [side for side in (left, right) if side not in gen.consts or gen.consts[side] is None]
        tested = [side for side in tested if side not in gen.nonnull]
        if not tested:
            gen.nonnull.add(out)
            gen.emit(indent, f"{out} = {left} {_OPS[expr.op]} {right}")
            return out
        null = " or ".join(f"{side} is None" for side in tested)
        gen.emit(indent, f"{out} = None if ({null}) else ({left} {_OPS[expr.op]} {right})")
    return out


def _quantified(gen: _Gen, expr: ir.Quantified, scope: Any, member_scope: Any, members: set[str], indent: int) -> str:
    noun = gen.plan.member.noun if gen.plan.member else None
    if noun is None or expr.noun not in {noun, f"{noun}s"}:
        raise Unsupported(f"`{expr.noun}` is not the member noun")
    count = gen.temp()
    gen.emit(indent, f"{count} = 0")
    gen.emit(indent, "for m in members:")
    body = _expr(gen, expr.body, scope, member_scope, members, indent + 1)
    gen.emit(indent + 1, f"if {body} is True:")
    gen.emit(indent + 2, f"{count} += 1")
    out = gen.temp()
    quantifier = expr.quantifier
    if quantifier is ir.Quantifier.EVERY:
        test = f"{count} == len(members)"
    elif quantifier is ir.Quantifier.ANY:
        test = f"{count} >= 1"
    elif quantifier is ir.Quantifier.NO:
        test = f"{count} == 0"
    else:
        test = f"{count} >= {int(expr.count or 0)}"
    gen.emit(indent, f"{out} = {test}")
    gen.nonnull.add(out)
    return out
