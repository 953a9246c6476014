"""Per-entity metrics in the policy document (issue 10, construct 4: sub-entities and links).

``metric listing_orders = count orders during march per listing`` reads "For each listing
of a seller: the number of its orders …", followed by how an order finds its listing and
what a listing without orders has, in words a seller understands.
"""

from __future__ import annotations

from rulekit import ir
from rulekit.plan.aggregates import aggregate
from rulekit.plan.links import entity_of, link_between
from rulekit.render import i18n
from rulekit.render.i18n import _
from rulekit.render.words import Words, a_name


def entity_noun(metric: ir.Metric, words: Words) -> str | None:
    """The noun of one entity a ``per listing`` metric is computed for (``listing``), else ``None``."""
    entity = entity_of(words.program, metric)
    return words.row_noun(entity) if entity is not None else None


def link_sentences(metric: ir.Metric, definition: ir.Aggregate, words: Words) -> tuple[str, ...]:
    """How the rows find their entity, and the value of an entity without rows."""
    entity = entity_of(words.program, metric)
    link = link_between(words.program, definition.table, entity) if entity is not None else None
    if entity is None or link is None:
        return ()
    noun, rows = words.row_noun(entity), words.rows_noun(definition.table)
    row = words.row_noun(definition.table)
    column = words.column_words(link.column, definition.table)
    key = words.column_words(link.target_column, entity)
    belongs = _(
        "{a_row} counts for the {noun} whose {key} is the {row}'s {column}; "
        "{rows} that name no {noun} of the {p} count for none."
    ).format(
        a_row=a_name(row),
        noun=i18n.noun(noun),
        key=key,
        row=i18n.noun(row),
        column=column,
        rows=i18n.noun(rows),
        p=words.participant,
    )
    empty = aggregate(definition.func).empty.value == "zero"
    without = (
        _("A {noun} without such {rows} has 0.") if empty else _("A {noun} without such {rows} has no value.")
    ).format(noun=i18n.noun(noun), rows=i18n.noun(rows))
    return (belongs[0].upper() + belongs[1:], without)
