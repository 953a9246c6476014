"""The names a clause can use, from the plan: one scope for the fast closures and the tracers.

A clause sees the participant table's columns and the participant-level metrics; inside a
quantifier it also sees the member table's columns and every metric, member-level ones
first (``docs/semantics.md``, *Scope*). ``decide`` compiles its clauses against these
scopes, and settlement rows are explained with tracers compiled against the same ones.
"""

from __future__ import annotations

from typing import cast

from rulekit.plan import Level, Plan, TablePlan
from rulekit.pyeval.exprs import Scope
from rulekit.pyeval.metrics import compile_window
from rulekit.pyeval.types import ValueType


def _types(table: TablePlan | None) -> dict[str, ValueType]:
    # The plan's type kinds are spelt as the evaluator's value types ("timestamp", "money", …).
    return {c.name: cast(ValueType, c.type.kind.value) for c in table.columns} if table else {}


def scopes(plan: Plan) -> tuple[Scope, Scope | None]:
    """(the participant scope of a clause, the member scope of a quantifier's body or ``None``)."""
    participant_columns = _types(plan.participant_table)
    participant_names = dict(participant_columns)
    member_names = dict(participant_columns)
    member_names.update(_types(plan.member_table))
    for metric in plan.metrics:  # ratios after their parts; member-level names win inside a quantifier
        kind = cast(ValueType, metric.type.kind.value)
        member_names[metric.name] = kind
        if metric.level is Level.PARTICIPANT:
            participant_names[metric.name] = kind
    visible = {plan.participant.table: participant_columns}
    windows = {w.name: compile_window(w, plan.tz) for w in plan.windows}  # `end of W` (issue 10)
    member_scope = None
    if plan.member is not None:
        tables = {**visible, plan.member.table: _types(plan.member_table)}
        member_scope = Scope(member_names, tables, plan.tz, what=f"inside a `{plan.member.noun}` test", windows=windows)
    noun = plan.member.noun if plan.member else None
    scope = Scope(
        participant_names, visible, plan.tz, member_scope, noun, what="a participant column or metric", windows=windows
    )
    return scope, member_scope


def ratio_parts(plan: Plan) -> dict[str, tuple[str, str]]:
    """Each ratio metric's (numerator, denominator): a traced reference to a ratio reads them too."""
    return {m.name: m.parts for m in plan.metrics if m.parts is not None}
