"""Sub-entities and links between tables (issue 10, construct 4).

A table may declare ``link: listing_id -> listings``: each of its rows belongs to the
row of ``listings`` whose key equals its ``listing_id``. A metric written ``… per
listing`` (or ``per listings``) over such a table has one value per row of the linked
*entity table*; the entity table links to the participant through the participant key,
as every event table does. Entity metrics are read only in a ``where`` over their own
entity table (``count listings where listing_orders >= 1``): the nested aggregate.

This module answers the questions the checker, the bind pass and both evaluators ask,
so none of them re-derives them from the raw IR.
"""

from __future__ import annotations

from dataclasses import dataclass

from rulekit import ir


def singular(word: str) -> str:
    """``listings`` -> ``listing``: the noun for one row of an entity table, in prose."""
    if word.endswith("ies") and len(word) > 3:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 1:
        return word[:-1]
    return word


def _is_member_noun(program: ir.Program, word: str) -> bool:
    if program.member is None:
        return False
    noun = program.member.noun
    return word in (noun, noun + "s", noun + "es")


def entity_table(program: ir.Program, word: str) -> ir.Table | None:
    """The table a ``per WORD`` names as an entity (``per listing`` / ``per listings``),
    or ``None`` when ``WORD`` is the member noun or names no table."""
    if _is_member_noun(program, word):
        return None
    for table in program.tables:
        if word in (table.name, singular(table.name)):
            return table
    return None


def entity_of(program: ir.Program, metric: ir.Metric) -> str | None:
    """The entity table a metric has one value per (``per listing``), else ``None``."""
    definition = metric.definition
    if not isinstance(definition, ir.Aggregate) or definition.filters.per is None:
        return None
    found = entity_table(program, definition.filters.per)
    return found.name if found is not None else None


@dataclass(frozen=True, slots=True)
class ResolvedLink:
    """A link with its target column worked out: ``table.column -> target.target_column``."""

    table: str
    column: str
    target: str
    target_column: str


def resolve_link(program: ir.Program, table: ir.Table, link: ir.Link) -> ResolvedLink | None:
    """The link's two ends, or ``None`` when it does not resolve (the checker reports why)."""
    target = program.table(link.target)
    if target is None or table.column(link.column) is None:
        return None
    column = link.target_column
    if column is None:
        if len(target.key) != 1:
            return None
        column = target.key[0]
    if column not in target.key or target.column(column) is None:
        return None
    return ResolvedLink(table.name, link.column, target.name, column)


def link_between(program: ir.Program, source: str, target: str) -> ResolvedLink | None:
    """The resolved link from table ``source`` to table ``target``, if declared."""
    table = program.table(source)
    link = table.link_to(target) if table is not None else None
    return resolve_link(program, table, link) if table is not None and link is not None else None
