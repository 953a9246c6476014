"""The data contract a program declares, as both evaluators read it.

The batch loader (:mod:`rulekit.data`) and the single-decision facts
(:mod:`rulekit.facts`) must agree on which rows are usable, or the two evaluators
would give different meanings to the same data; so the rules live here, once.
"""

from __future__ import annotations

from rulekit import ir
from rulekit.rewards.lookup import kind_of


def participant_key(program: ir.Program) -> str | None:
    """The participant table's single key column, or ``None`` when it is not declared."""
    entity = program.participant
    table = program.table(entity.table) if entity else None
    if table is None or len(table.key) != 1:
        return None
    return table.key[0]


def member_key(program: ir.Program) -> str | None:
    """The member table's own key column (the second of its two key columns)."""
    entity = program.member
    table = program.table(entity.table) if entity else None
    if table is None or len(table.key) != 2:
        return None
    return table.key[1]


def required_columns(program: ir.Program, table: ir.Table) -> tuple[str, ...]:
    """Columns of ``table`` that may not be null for a row to be usable, in a stable order:
    keys, time, period, the participant link, money (and its currency), the anchors of
    relative windows, and the columns per-order effects are computed on."""
    names: list[str] = [*table.key]
    if table.time:
        names.append(table.time)
    if table.period:
        names.extend(table.period)
    link = participant_key(program)
    if link:
        names.append(link)
    money = [c.name for c in table.columns if c.type is ir.ColumnType.MONEY]
    names += money
    if money:
        names.append("currency")
    if program.participant and table.name == program.participant.table:
        names += [w.anchor for w in program.windows if isinstance(w, ir.RelativeWindow)]
    orders = [kind_of(r).order(r) for r in program.rewards]
    names += [o.column for o in orders if o is not None and o.table == table.name]
    declared = [n for n in dict.fromkeys(names) if table.column(n) is not None]
    return tuple(declared)
