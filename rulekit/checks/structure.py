"""Structure (RK5xx) and declarations (tables, entities, duplicates: RK1xx)."""

from __future__ import annotations

from collections.abc import Iterable

from rulekit import codes, ir
from rulekit.checks.context import Context
from rulekit.diagnostics import suggest
from rulekit.plan.kinds import kind_of

_HEADER_LINES = (
    ("market", "market: US"),
    ("currency", "currency: USD"),
    ("timezone", 'timezone: "America/New_York"'),
    ("calendar", "calendar: US"),
)
_TYPE_NAMES = [c.value for c in ir.ColumnType]


def check_structure(ctx: Context) -> None:
    program = ctx.program
    if _is_empty(program):
        # A declaration that failed to parse already has a syntax error.
        if not ctx.written:
            ctx.error(codes.RK500, "the file has no program", None, "start with a header like `program apollo:`")
        return
    _header(ctx)
    _entities(ctx)


def _is_empty(program: ir.Program) -> bool:
    return (
        program.header is None
        and not program.tables
        and program.participant is None
        and not program.windows
        and not program.metrics
        and not program.clauses
        and not program.rankings
        and not program.rewards
        and program.payout is None
    )


def _header(ctx: Context) -> None:
    header = ctx.program.header
    if header is None:
        if not ctx.declared("program"):
            ctx.error(
                codes.RK501,
                "missing `program` header",
                None,
                "start the file with `program NAME:` and its market, currency, timezone and calendar lines",
            )
        return
    for attribute, example in _HEADER_LINES:
        if getattr(header, attribute) is None:
            ctx.error(
                codes.RK503,
                f"the program header has no `{attribute}` line",
                header.span,
                f"add an indented line like `{example}` under `program {header.name}:`",
            )


def _entities(ctx: Context) -> None:
    program = ctx.program
    tables = [x.name for x in program.tables]
    participant = program.participant
    if participant is None:
        if not ctx.declared("participant"):
            ctx.error(
                codes.RK504,
                "the program declares no participant",
                program.header.span if program.header else None,
                "say who takes part, like `participant account: accounts`",
            )
        return
    table = program.table(participant.table)
    if table is None:
        ctx.unknown(codes.RK101, "table", participant.table, tables, participant.table_span, "table")
    elif len(table.key) != 1:
        ctx.error(
            codes.RK505,
            f"the participant table `{table.name}` needs a key of exactly one column",
            table.key_span or table.span,
            f"add `key: {table.columns[0].name if table.columns else 'id'}` to `table {table.name}`",
        )
    member = program.member
    if member is None:
        return
    member_table = program.table(member.table)
    if member_table is None:
        ctx.unknown(codes.RK101, "table", member.table, tables, member.table_span, "table")
        return
    key = table.key[0] if table is not None and len(table.key) == 1 else None
    if len(member_table.key) != 2 or (key is not None and member_table.key[0] != key):
        ctx.error(
            codes.RK506,
            f"the member table `{member_table.name}` needs a key of the participant key and the member's own key",
            member_table.key_span or member_table.span,
            f"write `key: {key or 'participant_id'}, {member.noun}_id`",
        )


def check_tables(ctx: Context) -> None:
    seen: dict[str, ir.Table] = {}
    for table in ctx.program.tables:
        if table.name in seen:
            first = seen[table.name]
            ctx.error(
                codes.RK109,
                f"table `{table.name}` is declared twice (first on line {first.span.line})",
                table.span,
                "merge the two declarations",
            )
            continue
        seen[table.name] = table
        _reserved(ctx, "table", table.name, table.span)
        for column in table.columns:
            _reserved(ctx, "column", column.name, column.span)
        _table(ctx, table)


def _reserved(ctx: Context, what: str, name: str, span: ir.Span) -> None:
    # The data loader names its own tables and columns `__raw_…`, `__typed_…`, `__rk_…`;
    # reserving the prefix keeps every declared name apart from them.
    if name.startswith("__"):
        ctx.error(
            codes.RK118,
            f"{what} names starting with `__` are reserved for rulekit: `{name}`",
            span,
            f"rename it, like `{name.lstrip('_') or 'x'}`",
        )


def _table(ctx: Context, table: ir.Table) -> None:
    columns: dict[str, ir.Column] = {}
    for column in table.columns:
        if column.name in columns:
            ctx.error(
                codes.RK109,
                f"column `{column.name}` is declared twice in table `{table.name}`",
                column.span,
                "remove one of the two lines",
            )
        columns.setdefault(column.name, column)
        if column.type is None:
            hint = suggest(column.type_name, _TYPE_NAMES) or "the column types are " + ", ".join(_TYPE_NAMES)
            ctx.error(codes.RK110, f"unknown column type `{column.type_name}`", column.type_span or column.span, hint)
    names = list(columns)
    for key in table.key:
        _known_column(ctx, table, key, names, table.key_span)
    if table.time is not None and _known_column(ctx, table, table.time, names, table.time_span):
        _point_in_time(ctx, table, table.time, table.time_span)
    if table.period is not None:
        for end in table.period:
            if _known_column(ctx, table, end, names, table.period_span):
                _point_in_time(ctx, table, end, table.period_span)


def _known_column(ctx: Context, table: ir.Table, name: str, names: list[str], span: ir.Span | None) -> bool:
    if name in names:
        return True
    ctx.error(codes.RK102, f"table `{table.name}` has no column `{name}`", span or table.span, suggest(name, names))
    return False


def _point_in_time(ctx: Context, table: ir.Table, name: str, span: ir.Span | None) -> None:
    column = table.column(name)
    if column is not None and column.type not in (ir.ColumnType.TIMESTAMP, ir.ColumnType.DATE, None):
        ctx.error(
            codes.RK216,
            f"`{table.name}.{name}` is {column.type_name}, but a `time` or `period` column must be a timestamp",
            span or table.span,
            f"declare it as `{name}: timestamp`",
        )


def check_duplicates(ctx: Context) -> None:
    """Metrics, clauses, windows, rankings and rewards share one namespace."""
    program = ctx.program
    declared: Iterable[tuple[str, str, ir.Span]] = [
        *((f"window `{w.name}`", w.name, w.span) for w in program.windows),
        *((f"metric `{m.name}`", m.name, m.span) for m in program.metrics),
        *((f"{c.kind.value} clause `{c.name}`", c.name, c.span) for c in program.clauses),
        *((f"ranking `{r.name}`", r.name, r.span) for r in program.rankings),
        *((f"{kind_of(r).keyword} `{r.name}`", r.name, r.span) for r in program.rewards),
    ]
    first: dict[str, tuple[str, ir.Span]] = {}
    for what, name, span in sorted(declared, key=lambda d: (d[2].line, d[2].column)):
        if name in first:
            other, other_span = first[name]
            ctx.error(
                codes.RK108,
                f"the name `{name}` is used twice: {other} on line {other_span.line} and {what} here",
                span,
                "give each declaration its own name",
            )
        else:
            first[name] = (what, span)
    _metric_shadows_column(ctx)


def _metric_shadows_column(ctx: Context) -> None:
    # A metric named like a participant or member column would make clause names ambiguous.
    program = ctx.program
    for entity in (program.participant, program.member):
        table = program.table(entity.table) if entity else None
        if table is None:
            continue
        for metric in program.metrics:
            if table.column(metric.name) is not None:
                ctx.error(
                    codes.RK108,
                    f"metric `{metric.name}` has the same name as column `{table.name}.{metric.name}`",
                    metric.span,
                    "rename the metric, so a clause can tell the two apart",
                )
