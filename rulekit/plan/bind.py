"""The bind pass: a checked program in, its resolved :class:`~rulekit.plan.model.Plan` out.

Runs after a clean check, so every name resolves; what the checker would have
reported is an internal error here (``RK95x``), raised as
:class:`rulekit.errors.CompileError` with a diagnostic.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from rulekit import codes, ir, timeutil, walk
from rulekit import types as t
from rulekit.contract import member_key, participant_key, required_columns
from rulekit.diagnostics import error
from rulekit.errors import CompileError
from rulekit.plan import arith
from rulekit.plan.aggregates import aggregate
from rulekit.plan.budgets import budget_periods
from rulekit.plan.kinds import kind_of
from rulekit.plan.links import entity_of, link_between
from rulekit.plan.model import (
    ClausePlan,
    ColumnPlan,
    Empty,
    EntityPlan,
    Level,
    LimitsPlan,
    MetricPlan,
    Overflow,
    Plan,
    RankingPlan,
    Remainder,
    RewardPlan,
    Shape,
    TablePlan,
    TiePolicy,
    WindowPlan,
)
from rulekit.plan.names import is_member_metric, metric_parts, metric_shape, metric_type
from rulekit.plan.points import fixed_instant

DEFAULT_CURRENCY = "USD"
DEFAULT_TIMEZONE = "UTC"
DEFAULT_ROUNDING = "half even"


def bind(program: ir.Program) -> Plan:
    """Resolve a checked ``program``; raises :class:`CompileError` when it cannot be run."""
    header = program.header
    currency = (header.currency if header else None) or DEFAULT_CURRENCY
    timezone = (header.timezone if header else None) or DEFAULT_TIMEZONE
    tz = timeutil.zone(timezone)
    if tz is None:
        raise _internal(program, codes.RK954, f"unknown time zone `{timezone}`", header.span if header else None)
    participant, member = _entities(program)
    tables = tuple(_table(program, table, participant, member, currency) for table in program.tables)
    by_table = {x.name: x for x in tables}
    fixed = {w.name: _window(w, tz) for w in program.windows if isinstance(w, ir.AbsoluteWindow)}
    windows = tuple(fixed[w.name] if w.name in fixed else _relative_window(program, w, fixed) for w in program.windows)
    by_window = {w.name: w for w in windows}
    metrics = _metrics(program, by_table, by_window)
    by_metric = {m.name: m for m in metrics}
    rankings = tuple(_ranking(program, r, by_metric, by_table[participant.table]) for r in program.rankings)
    by_ranking = {r.name: r for r in rankings}
    return Plan(
        program=program,
        name=header.name if header else "",
        currency=currency,
        timezone=timezone,
        tz=tz,
        calendar=header.calendar if header else None,
        rounding=(header.rounding if header else None) or DEFAULT_ROUNDING,
        participant=participant,
        member=member,
        tables=tables,
        windows=windows,
        metrics=metrics,
        clauses=tuple(_clause(program, c, by_metric) for c in program.clauses),
        rankings=rankings,
        rewards=tuple(
            budget_periods(_reward(program, r, by_metric, by_table, by_window, by_ranking), tz) for r in program.rewards
        ),
    )


# ------------------------------------------------------------------------ entities


def _entities(program: ir.Program) -> tuple[EntityPlan, EntityPlan | None]:
    entity, pk = program.participant, participant_key(program)
    if entity is None or pk is None or program.table(entity.table) is None:
        span = program.header.span if program.header else None
        raise _internal(program, codes.RK955, "the program declares no participant table with a key", span)
    participant = EntityPlan(entity.noun, entity.table, pk, Level.PARTICIPANT)
    mk = member_key(program)
    member = None
    if program.member is not None and mk is not None:
        member = EntityPlan(program.member.noun, program.member.table, mk, Level.MEMBER)
    return participant, member


def _table(
    program: ir.Program, table: ir.Table, participant: EntityPlan, member: EntityPlan | None, currency: str
) -> TablePlan:
    required = required_columns(program, table)
    level = Level.EVENT
    if table.name == participant.table:
        level = Level.PARTICIPANT
    elif member is not None and table.name == member.table:
        level = Level.MEMBER
    columns = tuple(
        ColumnPlan(
            c.name,
            table.name,
            t.of_column(c, currency),
            c.label or c.name.replace("_", " "),
            c.name in required,
        )
        for c in table.columns
    )
    return TablePlan(table.name, level, table, columns, table.key, table.time, table.period, required)


def _window(window: ir.AbsoluteWindow, tz: ZoneInfo) -> WindowPlan:
    start, end = timeutil.absolute_bounds(window, tz)
    naive = (start.replace(tzinfo=None), end.replace(tzinfo=None))
    return WindowPlan(window.name, window, False, naive, None, None)


def _relative_window(program: ir.Program, window: ir.Window, fixed: dict[str, WindowPlan]) -> WindowPlan:
    assert isinstance(window, ir.RelativeWindow)
    within = None
    if window.within is not None:
        outer = fixed.get(window.within)
        if outer is None:
            span = window.within_span or window.span
            raise _internal(program, codes.RK954, f"unknown fixed window `{window.within}`", span)
        within = outer.utc_bounds
    return WindowPlan(window.name, window, True, None, window.anchor, window.length, window.end_inclusive, within)


# ------------------------------------------------------------------------- metrics


def _metrics(
    program: ir.Program, tables: dict[str, TablePlan], windows: dict[str, WindowPlan]
) -> tuple[MetricPlan, ...]:
    """Every metric resolved, in an order where each ratio follows its parts."""
    done: dict[str, MetricPlan] = {}

    def visit(name: str, trail: tuple[str, ...], span: ir.Span | None) -> MetricPlan:
        if name in done:
            return done[name]
        metric = program.metric(name)
        if metric is None:
            raise _internal(program, codes.RK954, f"unknown metric `{name}`", span)
        if name in trail:
            raise _internal(program, codes.RK956, f"metric `{name}` is defined in terms of itself", metric.span)
        definition = metric.definition
        if isinstance(definition, ir.Ratio):
            top = visit(definition.numerator, (*trail, name), definition.numerator_span or definition.span)
            bottom = visit(definition.denominator, (*trail, name), definition.denominator_span or definition.span)
            depends = tuple(dict.fromkeys((top.name, *top.depends, bottom.name, *bottom.depends)))
            planned = _ratio(program, metric, (top.name, bottom.name), depends)
        elif isinstance(definition, ir.Computed):
            parts = [visit(part, (*trail, name), definition.span) for part in metric_parts(definition)]
            planned = _computed(program, metric, definition, {p.name: p for p in parts})
        elif isinstance(definition, ir.BucketCount):  # calendar buckets (issue 10)
            parts = [visit(part, (*trail, name), definition.span) for part in metric_parts(definition)]
            planned = _bucket_count(program, metric, definition, tuple(p.name for p in parts), windows)
        else:
            planned = _aggregate(program, metric, definition, tables, windows)
        done[name] = planned
        return planned

    for metric in program.metrics:
        visit(metric.name, (), metric.span)
    return tuple(done.values())


def _ratio(program: ir.Program, metric: ir.Metric, parts: tuple[str, str], depends: tuple[str, ...]) -> MetricPlan:
    level = Level.MEMBER if is_member_metric(program, metric) else Level.PARTICIPANT
    return MetricPlan(
        name=metric.name,
        decl=metric,
        level=level,
        type=t.RATIO,
        shape=Shape.QUOTIENT,
        empty=Empty.NONE,
        label=_label(metric),
        parts=parts,
        depends=depends,
    )


def _computed(
    program: ir.Program, metric: ir.Metric, definition: ir.Computed, parts: dict[str, MetricPlan]
) -> MetricPlan:
    """A metric computed from others: member level if any part is; no value over no rows
    unless every part has one (``0``) and nothing divides by a metric."""
    value = metric_type(program, metric)
    if value.is_unknown:
        raise _internal(program, codes.RK954, f"metric `{metric.name}` has no known type", metric.span)
    shape = metric_shape(program, metric)
    divides = any(
        isinstance(node, ir.Arith) and node.op is ir.ArithOp.DIV and not isinstance(node.right, arith.NUMERIC_LITERALS)
        for node in walk.walk(definition.expr)
    )
    always = all(p.empty is Empty.ZERO for p in parts.values()) and not divides
    depends = tuple(dict.fromkeys(n for p in parts.values() for n in (p.name, *p.depends)))
    return MetricPlan(
        name=metric.name,
        decl=metric,
        level=Level.MEMBER if any(p.per_member for p in parts.values()) else Level.PARTICIPANT,
        type=value,
        shape=shape,
        empty=Empty.ZERO if always else Empty.NONE,
        label=_label(metric),
        depends=depends,
        expr=definition.expr,
    )


def _aggregate(
    program: ir.Program,
    metric: ir.Metric,
    definition: ir.Aggregate,
    tables: dict[str, TablePlan],
    windows: dict[str, WindowPlan],
) -> MetricPlan:
    table = tables.get(definition.table)
    if table is None:
        raise _internal(program, codes.RK954, f"unknown table `{definition.table}`", definition.table_span)
    column = table.column(definition.column) if definition.column else None
    if definition.column and column is None:
        raise _internal(program, codes.RK954, f"unknown column `{definition.column}`", definition.column_span)
    window = None
    if definition.filters.window is not None:
        window = windows.get(definition.filters.window)
        if window is None:
            span = definition.filters.window_span or definition.span
            raise _internal(program, codes.RK954, f"unknown window `{definition.filters.window}`", span)
    value = metric_type(program, metric)
    if value.is_unknown:
        raise _internal(program, codes.RK954, f"metric `{metric.name}` has no known type", metric.span)
    func = definition.func
    entry = aggregate(func)
    level = Level.MEMBER if definition.filters.per is not None else Level.PARTICIPANT
    entity = entity_of(program, metric)  # sub-entities (issue 10, construct 4)
    link = link_between(program, table.name, entity) if entity is not None else None
    if entity is not None:
        if link is None:
            span = definition.filters.per_span or definition.span
            raise _internal(program, codes.RK954, f"`{table.name}` does not link to `{entity}`", span)
        level = Level.ENTITY
    return MetricPlan(
        name=metric.name,
        decl=metric,
        level=Level.BUCKET if definition.filters.bucket is not None else level,
        type=value,
        shape=entry.shape,
        empty=entry.empty,
        label=_label(metric),
        func=func,
        table=table.name,
        column=column,
        window=window,
        where=definition.filters.where,
        per=definition.filters.per,
        entity=entity,
        link=link,
        as_of=_as_of(program, definition, windows),
        bucket=definition.filters.bucket,
    )


def _bucket_count(
    program: ir.Program,
    metric: ir.Metric,
    definition: ir.BucketCount,
    parts: tuple[str, ...],
    windows: dict[str, WindowPlan],
) -> MetricPlan:
    """`count days during W where …` (calendar buckets, issue 10): a count per participant
    over the buckets of a window with dates."""
    window = windows.get(definition.window or "")
    if window is None or window.utc_bounds is None:
        span = definition.window_span or definition.span
        raise _internal(program, codes.RK954, f"`{metric.name}` needs a window with dates", span)
    return MetricPlan(
        name=metric.name,
        decl=metric,
        level=Level.PARTICIPANT,
        type=t.COUNT,
        shape=Shape.VALUE,
        empty=Empty.ZERO,
        label=_label(metric),
        window=window,
        depends=parts,
        bucket=definition.unit,
        count=definition,
    )


def _as_of(program: ir.Program, definition: ir.Aggregate, windows: dict[str, WindowPlan]) -> dt.datetime | None:
    """`as of POINT` (issue 10): the point's instant, naive UTC like the windows' bounds."""
    if definition.filters.as_of is None:
        return None
    header = program.header
    tz = timeutil.zone((header.timezone if header else None) or DEFAULT_TIMEZONE)
    instant = fixed_instant(definition.filters.as_of, windows, tz) if tz is not None else None
    if instant is None:
        raise _internal(program, codes.RK954, "`as of` is not a fixed point in time", definition.filters.as_of.span)
    return instant.replace(tzinfo=None)


def _label(metric: ir.Metric) -> str:
    return metric.text.label or metric.name.replace("_", " ")


# ------------------------------------------------------------------------- clauses


def _clause(program: ir.Program, clause: ir.Clause, metrics: dict[str, MetricPlan]) -> ClausePlan:
    exprs = (clause.condition, clause.guard)
    reads = tuple(dict.fromkeys(n for e in exprs for n in walk.names(e, into_quantifiers=False)))
    every = {n for e in exprs for n in walk.names(e)}
    needed: set[str] = set()
    for name in every:
        metric = metrics.get(name)
        if metric is not None:
            needed |= {name, *metric.depends}
    found = tuple(dict.fromkeys(q for e in exprs for q in walk.quantifiers(e)))
    return ClausePlan(
        clause.name,
        clause.kind,
        clause,
        reads,
        frozenset(needed),
        found,
        clause.text.label or clause.name.replace("_", " "),
    )


# ------------------------------------------------------------------ rankings, rewards


def _ranking(
    program: ir.Program, ranking: ir.Ranking, metrics: dict[str, MetricPlan], participants: TablePlan
) -> RankingPlan:
    keys: list[tuple[MetricPlan | ColumnPlan, ir.Direction]] = []
    for key in ranking.keys:
        found: MetricPlan | ColumnPlan | None = metrics.get(key.name) or participants.column(key.name)
        if found is None:
            raise _internal(program, codes.RK954, f"unknown ranking key `{key.name}`", key.span)
        keys.append((found, key.direction))
    try:
        ties = TiePolicy(ranking.shared_ranks) if ranking.shared_ranks else TiePolicy.BY_KEY
    except ValueError:  # the checker reports it first (RK408)
        raise _internal(program, codes.RK954, f"unknown tie policy `{ranking.shared_ranks}`", ranking.span) from None
    try:
        remainder = Remainder(ranking.shared_rounding) if ranking.shared_rounding else Remainder.DROPPED
    except ValueError:  # the checker reports it first (RK415)
        raise _internal(program, codes.RK954, f"unknown rounding `{ranking.shared_rounding}`", ranking.span) from None
    return RankingPlan(ranking.name, ranking, tuple(keys), ranking.top, ties, remainder)


def plan_limits(limits: ir.Limits) -> LimitsPlan:
    """A reward's limits with the defaults filled in (``overflow`` scales down without a line)."""
    overflow = Overflow(limits.overflow or Overflow.SCALE_DOWN.value) if limits.pool is not None else None
    period = _bucket_unit(limits.pool_period) if limits.pool is not None else None
    return LimitsPlan(limits.per_participant, limits.pool, overflow, limits.per_order, limits.max_orders, period)


def _bucket_unit(word: str | None) -> ir.BucketUnit | None:
    """``day`` -> ``BucketUnit.DAY``; an unknown word is reported by the checker first (RK430)."""
    return ir.BucketUnit(word) if word is not None else None


def _reward(
    program: ir.Program,
    reward: ir.Reward,
    metrics: dict[str, MetricPlan],
    tables: dict[str, TablePlan],
    windows: dict[str, WindowPlan],
    rankings: dict[str, RankingPlan],
) -> RewardPlan:
    kind = kind_of(reward)
    metric, ranked, order = kind.metric(reward), kind.ranking(reward), kind.order(reward)
    try:
        base = metrics[metric[0]] if metric is not None else None
        ranking = rankings[ranked[0]] if ranked is not None else None
        table = tables[order.table] if order is not None else None
        window = windows[order.filters.window] if order is not None and order.filters.window else None
        limits = plan_limits(kind.limits(reward) or ir.Limits())
    except (KeyError, ValueError) as exc:  # the checker reports these first (RK10x, RK407)
        raise _internal(program, codes.RK954, f"reward `{reward.name}` refers to {exc}", reward.span) from None
    label = reward.text.label or reward.name.replace("_", " ")
    return RewardPlan(reward.name, kind, reward, label, limits, base, table, ranking, window)


def _internal(program: ir.Program, code: codes.Code, message: str, span: ir.Span | None) -> CompileError:
    where = span or (program.header.span if program.header else ir.Span.unknown(program.path))
    return CompileError([error(code, message, where)])
