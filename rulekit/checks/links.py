"""Sub-entities and links between tables (issue 10, construct 4): their diagnostics.

* every ``link: COLUMN -> TABLE[.KEY]`` starts at a declared column (RK120), ends at a
  declared table (RK121) and at (part of) its key (RK122), joins values of one type
  (RK123), and links never lead back to where they started (RK124);
* a metric ``per listing`` is over a table that links to ``listings`` (RK125), and
  ``listings`` is an event table with a one-column key that links to the participant
  (RK127);
* a ``per listing`` metric is read only in a ``where`` over ``listings`` (RK126).
"""

from __future__ import annotations

from rulekit import codes, ir, walk
from rulekit import types as t
from rulekit.checks.context import Context
from rulekit.diagnostics import suggest
from rulekit.plan.links import entity_of, entity_table, singular
from rulekit.plan.names import ResolvedName, Scope, ScopeKind, metric_parts


def check_links(ctx: Context) -> None:
    """The declared links of every table, then the uses of entity metrics."""
    for table in ctx.program.tables:
        for link in table.links:
            _link(ctx, table, link)
    _cycles(ctx)
    _entity_metric_uses(ctx)


def _link(ctx: Context, table: ir.Table, link: ir.Link) -> None:
    program = ctx.program
    column = table.column(link.column)
    if column is None:
        hint = suggest(link.column, [c.name for c in table.columns])
        message = f"table `{table.name}` has no column `{link.column}` to link from"
        ctx.error(codes.RK120, message, link.column_span, hint)
    target = program.table(link.target)
    if target is None:
        ctx.unknown(codes.RK121, "table", link.target, [x.name for x in program.tables], link.target_span, "table")
        return
    key_column = _target_column(ctx, link, target)
    if column is None or key_column is None:
        return
    mine, theirs = t.of_column(column, ctx.currency), t.of_column(key_column, ctx.currency)
    if not mine.is_unknown and not theirs.is_unknown and mine.kind is not theirs.kind:
        ctx.error(
            codes.RK123,
            f"`{table.name}.{column.name}` is {mine.describe()} but `{target.name}.{key_column.name}` "
            f"is {theirs.describe()}",
            link.column_span,
            f"declare `{column.name}: {key_column.type_name}` in `table {table.name}`",
        )


def _target_column(ctx: Context, link: ir.Link, target: ir.Table) -> ir.Column | None:
    """The key column the link points at, reporting a column that is not a key (RK122)."""
    if link.target_column is None:
        if len(target.key) == 1 and target.column(target.key[0]) is not None:
            return target.column(target.key[0])
        keys = ", ".join(f"`{k}`" for k in target.key) or "none"
        ctx.error(
            codes.RK122,
            f"table `{target.name}` has no one-column key for the link to point at (its key: {keys})",
            link.target_span,
            f"name the key column the link points at, like `-> {target.name}.COLUMN`, "
            f"or give `table {target.name}` a `key:` line",
        )
        return None
    found = target.column(link.target_column)
    if found is not None and link.target_column in target.key:
        return found
    key_columns = [k for k in target.key if target.column(k) is not None]
    what = "has no column" if found is None else "is not keyed by"
    hint = f"point the link at the key: `-> {target.name}.{key_columns[0]}`" if key_columns else None
    span = link.target_column_span or link.target_span
    ctx.error(codes.RK122, f"table `{target.name}` {what} `{link.target_column}`", span, hint)
    return None


def _cycles(ctx: Context) -> None:
    """Links form no circle: following them from any table never comes back to it. Each
    circle is reported once, at the link that closes it (depth-first, in source order)."""
    tables = {table.name: table for table in ctx.program.tables}
    done: set[str] = set()

    def visit(name: str, trail: list[str]) -> None:
        for link in tables[name].links:
            if link.target not in tables:
                continue  # RK121
            if link.target in trail:
                path = " -> ".join([*trail[trail.index(link.target) :], link.target])
                ctx.error(
                    codes.RK124,
                    f"links go round in a circle: {path}",
                    link.target_span,
                    f"remove `link: {link.column} -> {link.target}` from `table {name}`",
                )
            elif link.target not in done:
                visit(link.target, [*trail, link.target])
        done.add(name)

    for name in tables:
        if name not in done:
            visit(name, [name])


def check_entity_per(ctx: Context, table: ir.Table, filters: ir.Filters) -> bool:
    """``per WORD`` naming an entity table: check it, and say whether it did (``True``)."""
    if filters.per is None:
        return False
    entity = entity_table(ctx.program, filters.per)
    if entity is None:
        return False
    program = ctx.program
    special = {e.table for e in (program.participant, program.member) if e is not None}
    key = ctx.participant_key()
    if entity.name in special:
        role = "participant" if program.participant and entity.name == program.participant.table else "member"
        ctx.error(
            codes.RK127,
            f"`per {filters.per}`: `{entity.name}` is the {role} table, not a sub-entity",
            filters.per_span,
            f"remove `per {filters.per}`: a metric has one value per participant without it",
        )
        return True
    if len(entity.key) != 1 or (key is not None and entity.column(key) is None):
        ctx.error(
            codes.RK127,
            f"`per {filters.per}` needs `{entity.name}` to have a one-column `key` and a `{key}` column",
            filters.per_span,
            f"give `table {entity.name}` a one-column `key:` line and a `{key}` column",
        )
        return True
    if table.link_to(entity.name) is None:
        guess = entity.key[0]
        ctx.error(
            codes.RK125,
            f"table `{table.name}` does not link to `{entity.name}`, so its rows belong to no {singular(entity.name)}",
            filters.per_span,
            f"add `link: {guess} -> {entity.name}` to `table {table.name}`",
        )
    return True


def entity_metric_misuse(ctx: Context, ref: ir.NameRef, found: ResolvedName, scope: Scope) -> None:
    """An entity metric read where it has no one value (RK126)."""
    entity = found.table or ""
    noun = singular(entity)
    where = "a clause" if scope.kind is not ScopeKind.ROW else f"a `where` over `{scope.table}`"
    ctx.error(
        codes.RK126,
        f"`{ref.name}` has one value per {noun}, so {where} cannot read it",
        ref.span,
        _count_hint(ref.name, entity),
    )


def _count_hint(name: str, entity: str) -> str:
    return f"count the {entity} it holds for, like `metric counted_{entity} = count {entity} where {name} >= 1`"


def _entity_metric_uses(ctx: Context) -> None:
    """Entity metrics in ratios, arithmetic, ranking keys and reward bases (RK126)."""
    program = ctx.program

    def misuse(name: str, span: ir.Span | None, what: str) -> None:
        metric = program.metric(name)
        entity = entity_of(program, metric) if metric is not None else None
        if entity is not None:
            noun = singular(entity)
            message = f"`{name}` has one value per {noun}, so {what} cannot use it"
            ctx.error(codes.RK126, message, span, _count_hint(name, entity))

    for metric in program.metrics:
        definition = metric.definition
        if isinstance(definition, ir.Ratio | ir.Computed):
            for part in metric_parts(definition):
                misuse(part, definition.span, f"metric `{metric.name}`")
    for ranking in program.rankings:
        for key in ranking.keys:
            misuse(key.name, key.span, f"ranking `{ranking.name}`")
    from rulekit.plan.kinds import kind_of  # the reward registry needs the plan package first

    for reward in program.rewards:
        kind = kind_of(reward)
        base = kind.metric(reward)
        if base is not None:
            misuse(base[0], base[1] or reward.span, f"reward `{reward.name}`")
        order = kind.order(reward)
        if order is not None and order.filters.where is not None:
            # A per-order reward decides one row at a time: it has no listing values to read.
            for node in walk.walk(order.filters.where):
                # Over another table the `where` already reports it (a name of another scope).
                read = program.metric(node.name) if isinstance(node, ir.NameRef) else None
                if read is not None and entity_of(program, read) == order.table:
                    misuse(read.name, node.span, f"per-order reward `{reward.name}`")
