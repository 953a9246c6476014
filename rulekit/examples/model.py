"""What an example's data set declares: the participants, members and orders its
``given`` rows name, looked up by the id an ``expect`` line uses."""

from __future__ import annotations

from dataclasses import dataclass, field

from rulekit import ir
from rulekit.examples.values import to_data
from rulekit.plan.kinds import all_kinds, kind_of


def order_keywords() -> tuple[str, ...]:
    """The keywords an ``expect order`` item may use: those of the per-order kinds."""
    return tuple(k.keyword for k in all_kinds() if k.per_order)


def reward_word(reward: ir.Reward) -> str:
    """The keyword of the reward's kind, as an ``expect`` item writes it."""
    return kind_of(reward).keyword


def find_reward(program: ir.Program, name: str) -> ir.Reward | None:
    return next((r for r in program.rewards if r.name == name), None)


def find_clause(program: ir.Program, name: str) -> ir.Clause | None:
    return next((c for c in program.clauses if c.name == name), None)


def order_tables(program: ir.Program) -> tuple[str, ...]:
    """Event tables decided per row: those a commission or subsidy is paid on."""
    orders = [kind_of(r).order(r) for r in program.rewards]
    names = [o.table for o in orders if o is not None]
    return tuple(dict.fromkeys(names))


def id_text(value: ir.ExampleValue | None) -> str | None:
    """A key value as the id an ``expect`` line names (``"a1"`` and ``a1`` are both ``a1``)."""
    if value is None or isinstance(value, ir.NullValue):
        return None
    data = to_data(value, ir.ColumnType.INT if isinstance(value, ir.Number) else ir.ColumnType.STRING)
    return str(data)


def _key_value(row: ir.ExampleRow, table: ir.Table | None) -> str | None:
    if table is None or len(table.key) != 1:
        return None
    return id_text(row.value(table.key[0]))


@dataclass(frozen=True)
class Cast:
    """The ids an example's rows declare."""

    participants: dict[str, ir.ExampleRow] = field(default_factory=dict)
    members: dict[str, dict[str, ir.ExampleRow]] = field(default_factory=dict)  # participant -> member id
    orders: dict[str, tuple[str, ir.ExampleRow]] = field(default_factory=dict)  # order id -> (table, row)


def participant_key(program: ir.Program) -> str | None:
    """The participant key column (``account_id``), when the program declares one."""
    if program.participant is None:
        return None
    table = program.table(program.participant.table)
    return table.key[0] if table is not None and len(table.key) == 1 else None


def member_key(program: ir.Program) -> str | None:
    """The column that identifies a member within its participant (``host_id``)."""
    if program.member is None:
        return None
    table = program.table(program.member.table)
    return table.key[-1] if table is not None and len(table.key) >= 2 else None


def cast_of(program: ir.Program, example: ir.Example) -> Cast:
    """Index the rows of ``example`` by participant, member and order id."""
    cast = Cast()
    pkey, mkey = participant_key(program), member_key(program)
    order_names = order_tables(program)
    for row in example.rows:
        if program.participant is not None and row.table == program.participant.table:
            pid = _key_value(row, program.table(row.table))
            if pid is not None:
                cast.participants.setdefault(pid, row)
        if program.member is not None and row.table == program.member.table and pkey and mkey:
            owner, mid = id_text(row.value(pkey)), id_text(row.value(mkey))
            if owner is not None and mid is not None:
                cast.members.setdefault(owner, {}).setdefault(mid, row)
        if row.table in order_names:
            oid = _key_value(row, program.table(row.table))
            if oid is not None:
                cast.orders.setdefault(oid, (row.table, row))
    return cast
