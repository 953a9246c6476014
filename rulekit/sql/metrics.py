"""Metrics as SQL: one CTE of aggregates per event table, then a participant frame and a member frame.

* ``pv`` (participant values): one row per participant with its columns
  (``c__<column>``) and metrics (``m__<metric>``, plus ``d__<metric>`` for the
  denominator of ratios and averages);
* ``mv`` (member values): the same per member, for ``per <member>`` metrics.

Windows: absolute windows are UTC instants computed in Python (``rulekit.timeutil``)
and embedded as literals; relative windows are computed per participant from the
anchor column, advancing the *local* calendar date for days and weeks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlglot import exp

from rulekit import ir
from rulekit import types as t
from rulekit.plan import Empty, MetricPlan, Plan, Shape
from rulekit.plan.aggregates import SqlBy, aggregate
from rulekit.plan.model import WindowPlan
from rulekit.sql import build as b
from rulekit.sql.arith import computed_operand
from rulekit.sql.exprs import MICROS, CompileError, Operand, Scope, condition, local_midnight

PID = "__pid"
MID = "__mid"
E, P = "e", "p"
CTE_PREFIX = "__rk_"  # aliases: the event table and the participant table of a metric CTE


def metric_col(name: str) -> str:
    return f"m__{name}"


def den_col(name: str) -> str:
    return f"d__{name}"


def column_col(name: str) -> str:
    return f"c__{name}"


@dataclass
class Context:
    """What every part of the compiler needs to know about the program: its plan, and
    the CTEs built so far."""

    plan: Plan
    ctes: list[tuple[str, exp.Select]] = field(default_factory=list)

    @staticmethod
    def of(plan: Plan) -> Context:
        return Context(plan)

    @property
    def program(self) -> ir.Program:
        return self.plan.program

    @property
    def tz(self) -> ZoneInfo:
        return self.plan.tz

    @property
    def tz_name(self) -> str:
        return self.plan.timezone

    @property
    def currency(self) -> str:
        return self.plan.currency

    @property
    def pk(self) -> str:
        return self.plan.participant.key

    @property
    def ptable(self) -> ir.Table:
        return self.plan.participant_table.decl

    @property
    def mk(self) -> str | None:
        return self.plan.member.key if self.plan.member else None

    @property
    def mtable(self) -> ir.Table | None:
        table = self.plan.member_table
        return table.decl if table else None

    def add(self, name: str, query: exp.Select) -> None:
        """Add a CTE; its SQL name is prefixed so it can never shadow an input table."""
        self.ctes.append((CTE_PREFIX + name, query))

    def ref(self, name: str, alias: str | None = None) -> exp.Table:
        """A reference to the CTE ``name``, aliased to ``name`` unless told otherwise."""
        return b.table(CTE_PREFIX + name, alias or name)

    def has(self, name: str) -> bool:
        return any(n == CTE_PREFIX + name for n, _ in self.ctes)

    def metric(self, name: str) -> MetricPlan:
        found = self.plan.metric(name)
        if found is None:
            raise CompileError(f"unknown metric {name!r}")
        return found


def is_duration_column(tbl: ir.Table, name: str) -> bool:
    column = tbl.column(name)
    return column is not None and column.type is ir.ColumnType.DURATION


def column_value(tbl: ir.Table, name: str, alias: str) -> exp.Expression:
    """A column in SQL units: durations (seconds in the data) become microseconds."""
    ref = b.col(name, alias)
    if is_duration_column(tbl, name):
        return exp.Mul(this=ref, expression=b.integer(MICROS))
    return ref


# ------------------------------------------------------------------------ windows


def window_bounds(ctx: Context, name: str) -> tuple[exp.Expression, exp.Expression]:
    """``[start, end)`` of a window as naive-UTC SQL timestamps."""
    window = ctx.plan.window(name)
    if window is None:
        raise CompileError(f"unknown window {name!r}")
    if window.utc_bounds is not None:
        return b.timestamp(window.utc_bounds[0]), b.timestamp(window.utc_bounds[1])
    assert window.anchor is not None and window.length is not None  # a relative window
    if ctx.ptable.column(window.anchor) is None:
        raise CompileError(f"window {name}: the anchor {window.anchor!r} is not a participant column")
    anchor = _instant_of(ctx, ctx.ptable, window.anchor, P)
    until = relative_end(anchor, window.length, ctx.tz_name)
    end: exp.Expression = _through_end_of_day(until, ctx.tz_name) if window.inclusive else until
    if window.within is None:
        return anchor, end
    # `within W`: only the part inside W; an empty part is an empty window [s, s).
    cut_start = b.greatest(anchor.copy(), b.timestamp(window.within[0]))
    cut_end = b.least(end, b.timestamp(window.within[1]))
    return cut_start, b.greatest(cut_start.copy(), cut_end)


def _through_end_of_day(end: exp.Expression, tz: str) -> exp.Expression:
    """The local midnight after the local day ``end`` (naive UTC) falls on: an inclusive end."""
    local_day = b.cast(b.utc_to_local(end, tz), "DATE")
    return local_midnight(exp.Add(this=local_day, expression=b.interval(1, "DAY")), tz)


def relative_end(anchor: exp.Expression, length: ir.Duration, tz: str) -> exp.Expression:
    """SQL for ``timeutil.relative_end``: days/weeks move the local date and months/years the
    local month (the engine clamps the day to the month's last, as the semantics say),
    keeping local time.

    DuckDB (ICU) resolves an ambiguous local time to its *second* occurrence; the
    semantics take the first, so when the instant one hour earlier shows the same
    wall-clock time, that earlier instant is used.
    """
    if not length.unit.calendar:
        return exp.Add(this=anchor, expression=b.interval(int(length.total_seconds * MICROS), "MICROSECOND"))
    local = b.utc_to_local(anchor, tz)
    shifted: exp.Expression
    if length.unit.months:
        shifted = exp.Add(this=local, expression=b.interval(int(length.total_months), "MONTH"))
    else:
        days = length.amount * (7 if length.unit is ir.TimeUnit.WEEKS else 1)
        whole = int(days)
        shifted = exp.Add(this=local, expression=b.interval(whole, "DAY"))
        rest = int(((days - whole) * 86400 * MICROS).to_integral_value())
        if rest:
            shifted = exp.Add(this=shifted, expression=b.interval(rest, "MICROSECOND"))
    instant = b.local_to_utc(exp.Paren(this=shifted), tz)
    earlier = exp.Sub(this=instant, expression=b.interval(1, "HOUR"))
    same_wall = exp.EQ(this=b.utc_to_local(earlier, tz), expression=shifted.copy())
    return b.case([(same_wall, earlier.copy())], instant.copy())


def during(ctx: Context, tbl: ir.Table, window: str) -> exp.Expression:
    """Rows of ``tbl`` (alias ``e``) inside the window: points in ``[start, end)``, overlapping periods."""
    start, end = window_bounds(ctx, window)
    if tbl.time:
        ts = _instant_of(ctx, tbl, tbl.time, E)
        return b.and_(exp.GTE(this=ts, expression=start), exp.LT(this=ts.copy(), expression=end))
    if tbl.period:
        s, e = _instant_of(ctx, tbl, tbl.period[0], E), _instant_of(ctx, tbl, tbl.period[1], E)
        return b.and_(exp.LT(this=s, expression=end), exp.GT(this=e, expression=start))
    raise CompileError(f"'during {window}' on table {tbl.name}, which declares no time or period")


def _instant_of(ctx: Context, tbl: ir.Table, name: str, alias: str) -> exp.Expression:
    """A row time as a naive-UTC instant: a `date` column means its local day, so its
    local midnight (``timeutil.instant``); a timestamp column is used as it is."""
    column = tbl.column(name)
    ref = b.col(name, alias)
    return local_midnight(ref, ctx.tz_name) if column is not None and column.type is ir.ColumnType.DATE else ref


# ------------------------------------------------- sub-entities (issue 10, construct 4)


def entity_cte_name(table: str) -> str:
    """The CTE of an entity table's rows with their entity metrics (``rulekit.sql.entities``)."""
    return f"entity_{table}"


def entity_source(ctx: Context, tbl: ir.Table, alias: str) -> exp.Table:
    """Where the rows of ``tbl`` are read: its entity CTE when it carries entity metrics."""
    if ctx.has(entity_cte_name(tbl.name)):
        return ctx.ref(entity_cte_name(tbl.name), alias)
    return b.table(tbl.name, alias)


def entity_operand(ctx: Context, tbl: ir.Table, name: str, alias: str) -> Operand | None:
    """An entity metric read in a ``where`` over its entity table ``tbl`` (a column of its CTE)."""
    for metric in ctx.plan.entity_metrics(tbl.name):
        if metric.name == name:
            den = b.col(den_col(name), alias) if metric.shape is Shape.QUOTIENT else None
            return Operand(b.col(metric_col(name), alias), den)
    return None


# ------------------------------------------------------------------------ row scope


def row_scope(ctx: Context, tbl: ir.Table) -> Scope:
    """Names in a ``where``: columns of the event row, then of its participant."""

    def resolve(name: str) -> Operand | None:
        if column := tbl.column(name):
            return Operand(column_value(tbl, name, E), kind=column.type)
        if entity := entity_operand(ctx, tbl, name, E):
            return entity
        if column := ctx.ptable.column(name):
            return Operand(column_value(ctx.ptable, name, P), kind=column.type)
        return None

    return Scope(resolve, None, f"the filter of a {tbl.name} row", ctx.tz_name, windows_of(ctx))


def event_filter(ctx: Context, tbl: ir.Table, filters: ir.Filters) -> exp.Expression:
    """``during`` and ``where`` of a metric or per-order reward, as one condition."""
    parts: list[exp.Expression] = []
    if filters.window:
        parts.append(during(ctx, tbl, filters.window))
    if filters.where is not None:
        parts.append(b.is_true(condition(filters.where, row_scope(ctx, tbl))))
    return b.and_(*parts)


def event_source(ctx: Context, tbl: ir.Table) -> exp.Select:
    """``FROM <tbl> e JOIN <participants> p ON e.pk = p.pk`` (linking every event to its participant)."""
    if not tbl.column(ctx.pk):
        raise CompileError(f"table {tbl.name} has no {ctx.pk} column to link it to a participant")
    on = exp.EQ(this=b.col(ctx.pk, E), expression=b.col(ctx.pk, P))
    return exp.Select().from_(entity_source(ctx, tbl, E)).join(b.table(ctx.ptable.name, P), on=on)


# ------------------------------------------------------------------------ aggregates


def _aggregate(ctx: Context, agg: ir.Aggregate, tbl: ir.Table) -> tuple[exp.Expression, exp.Expression | None]:
    entry = aggregate(agg.func)
    if entry.period:
        return _total_time(ctx, agg, tbl), None
    if entry.sql_by is not None:
        return _by_time(ctx, agg, tbl, entry.sql_by), None
    if entry.column == "none":
        return entry.sql(None)
    if agg.column is None or not tbl.column(agg.column):
        raise CompileError(f"{agg.func.value}: table {tbl.name} has no column {agg.column!r}")
    return entry.sql(column_value(tbl, agg.column, E))


# ------------------------------------------------------------------------ as-of values (issue 10)


def _by_time(ctx: Context, agg: ir.Aggregate, tbl: ir.Table, sql_by: SqlBy) -> exp.Expression:
    """``latest`` / ``first``: the value of the row last / first in the order (time, key columns,
    value), a total order, as :func:`rulekit.pyeval.metrics.time_order` sorts. Rows whose value
    or time is NULL are skipped (ARG_MAX skips a NULL value or order; NULL key columns sort last)."""
    if agg.column is None or not tbl.column(agg.column) or tbl.time is None:
        raise CompileError(f"{agg.func.value}: table {tbl.name} needs a column and a time")
    value = column_value(tbl, agg.column, E)
    fields: list[tuple[str, exp.Expression]] = [("t", b.col(tbl.time, E))]
    fields += [(f"k{i}", column_value(tbl, key, E)) for i, key in enumerate(tbl.key)]
    fields.append(("v", value.copy()))
    struct = exp.Struct(expressions=[exp.PropertyEQ(this=b.ident(n), expression=e) for n, e in fields])
    timed = exp.Not(this=exp.Is(this=b.col(tbl.time, E), expression=exp.Null()))
    return sql_by(value, b.case([(timed, struct)]))


def _at_or_before(ctx: Context, tbl: ir.Table, instant: dt.datetime) -> exp.Expression:
    """The row's time at or before ``instant`` (naive UTC): `as of` keeps these rows."""
    if tbl.time is None:
        raise CompileError(f"'as of' on table {tbl.name}, which declares no time")
    return exp.LTE(this=_instant_of(ctx, tbl, tbl.time, E), expression=b.timestamp(instant))


def _total_time(ctx: Context, agg: ir.Aggregate, tbl: ir.Table) -> exp.Expression:
    """Microseconds of period time, clipped to the window: ``max(0, min(end, E) - max(start, S))``."""
    if tbl.period is None:
        raise CompileError(f"'total time in {tbl.name}': the table declares no period")
    lo: exp.Expression = b.col(tbl.period[0], E)
    hi: exp.Expression = b.col(tbl.period[1], E)
    if agg.filters.window:
        start, end = window_bounds(ctx, agg.filters.window)
        lo, hi = b.greatest(lo, start), b.least(hi, end)
    return exp.Sum(this=b.greatest(b.micros_between(lo, hi), b.integer(0)))


@dataclass
class _Group:
    """One CTE of aggregates over one event table, one row per participant (or member).

    Every metric on the same table shares it, each aggregate over its own rows
    (:func:`_only_when`): one CTE and one join per table rather than per metric, so the
    settlement query grows linearly with the number of metrics (200 metrics as 200
    joined CTEs took DuckDB's planner 10 s)."""

    table: ir.Table
    joined: bool  # the filters read the participant row: join it
    alias: str
    columns: list[exp.Expression] = field(default_factory=list)


def _aggregate_columns(
    ctx: Context, metric: MetricPlan, agg: ir.Aggregate
) -> tuple[ir.Table, bool, exp.Expression, exp.Expression | None]:
    """The table, whether the participant row is read, and the filtered aggregate(s)."""
    planned = ctx.plan.table(metric.table or "")
    if planned is None:
        raise CompileError(f"metric {metric.name}: unknown table {agg.table!r}")
    tbl = planned.decl
    if agg.filters.per is not None and (ctx.mk is None or not tbl.column(ctx.mk)):
        raise CompileError(f"metric {metric.name}: 'per {agg.filters.per}' needs a {ctx.mk} column in {tbl.name}")
    value, den = _aggregate(ctx, agg, tbl)
    keep = event_filter(ctx, tbl, agg.filters)
    if metric.as_of is not None:  # `as of POINT` (issue 10): the rows at or before the point
        keep = b.and_(keep, _at_or_before(ctx, tbl, metric.as_of))
    joined = any(_reads_participant(part) for part in (keep, value, den) if part is not None)
    if not (isinstance(keep, exp.Boolean) and keep.this is True):
        value = _only_when(value, keep)
        den = _only_when(den, keep.copy()) if den is not None else None
    return tbl, joined, value, den


def _only_when(aggregate: exp.Expression, keep: exp.Expression) -> exp.Expression:
    """``AGG(x)`` over the rows where ``keep`` is TRUE, as ``AGG(CASE WHEN keep THEN x END)``.

    Aggregates ignore NULL, so this equals ``AGG(x) FILTER (WHERE keep)``; DuckDB plans
    n ``FILTER`` clauses in one GROUP BY in O(n^2) (1,000 took 5 s), CASE in O(n)."""
    argument = aggregate.this
    if isinstance(argument, exp.Distinct):
        inner = argument.expressions[0]
        argument.set("expressions", [b.case([(keep, inner)])])
        return aggregate
    if isinstance(argument, exp.Star):  # COUNT(*): count the rows kept
        aggregate.set("this", b.case([(keep, b.integer(1))]))
        return aggregate
    aggregate.set("this", b.case([(keep, argument)]))
    return aggregate


def _group_cte(ctx: Context, group: _Group, member: bool, index: int) -> str:
    projections: list[exp.Expression] = [b.alias(b.col(ctx.pk, P), PID)]
    keys: list[exp.Expression] = [b.col(ctx.pk, P)]
    if member and ctx.mk is not None:
        projections.append(b.alias(b.col(ctx.mk, E), MID))
        keys.append(b.col(ctx.mk, E))
    projections += group.columns
    if group.joined:
        query = event_source(ctx, group.table).select(*projections, copy=False)
    else:
        # The filters read the event row only: group the events by their own participant key and
        # skip the join (a hash join over every event row). Events of unknown participants drop out
        # where the frames left-join this CTE, exactly as the inner join would have dropped them.
        query = _unjoined(ctx, group.table, projections, keys)
    name = f"{'member' if member else 'participant'}_metrics{index}"
    ctx.add(name, query.group_by(*keys, copy=False))
    return name


def _reads_participant(condition: exp.Expression) -> bool:
    return any(column.table == P for column in condition.find_all(exp.Column))


def _unjoined(
    ctx: Context, tbl: ir.Table, projections: list[exp.Expression], group: list[exp.Expression]
) -> exp.Select:
    """``FROM <tbl> e`` with the participant key read from the event row instead of ``p``."""
    if not tbl.column(ctx.pk):
        raise CompileError(f"table {tbl.name} has no {ctx.pk} column to link it to a participant")
    for expression in [*projections, *group]:
        for column in expression.find_all(exp.Column):
            if column.table == P:
                column.set("table", b.ident(E))
    return exp.Select().from_(entity_source(ctx, tbl, E)).select(*projections)


@dataclass
class Frame:
    """Builds the projection of a values frame (``pv`` or ``mv``); :meth:`finish` adds
    the CTEs of the metrics' aggregates and returns the ``(cte, alias)`` pairs to join."""

    ctx: Context
    member: bool
    groups: dict[tuple[str, bool], _Group] = field(default_factory=dict)
    values: dict[str, Operand] = field(default_factory=dict)
    joins: list[tuple[str, str]] = field(default_factory=list)  # bucket counts (`rulekit.sql.buckets`)

    def metric(self, metric: MetricPlan) -> Operand:
        if metric.name in self.values:
            return self.values[metric.name]
        d = metric.decl.definition
        if metric.parts is not None:
            num, den = (self._part(part) for part in metric.parts)
            if num.den is not None or den.den is not None:
                raise CompileError(f"metric {metric.name}: a ratio of ratios is not supported")
            value = Operand(num.num, den.num)
        elif metric.expr is not None:
            value = computed_operand(metric.expr, self._part, metric.shape)
        elif metric.count is not None:  # calendar buckets (issue 10)
            value = self._bucket_count(metric)
        else:
            assert isinstance(d, ir.Aggregate)
            value = self._aggregate(metric, d)
        self.values[metric.name] = value
        return value

    def _aggregate(self, metric: MetricPlan, agg: ir.Aggregate) -> Operand:
        tbl, joined, value, den = _aggregate_columns(self.ctx, metric, agg)
        group = self.groups.get((tbl.name, joined))
        if group is None:
            group = _Group(tbl, joined, f"j{len(self.groups)}")
            self.groups[(tbl.name, joined)] = group
        column = f"v{len(group.columns)}"
        group.columns.append(b.alias(value, column))
        v: exp.Expression = b.col(column, group.alias)
        if metric.empty is Empty.ZERO:
            v = b.coalesce(v, b.integer(0))
        d_col = None
        if den is not None:
            den_name = f"v{len(group.columns)}"
            group.columns.append(b.alias(den, den_name))
            d_col = b.coalesce(b.col(den_name, group.alias), b.integer(0))
        return Operand(v, d_col)

    def _bucket_count(self, metric: MetricPlan) -> Operand:
        from rulekit.sql.buckets import bucket_count_cte  # it builds on this module

        found = bucket_count_cte(self.ctx, metric)
        if isinstance(found, exp.Expression):
            return Operand(found)
        self.joins.append(found)
        return Operand(b.coalesce(b.col("v", found[1]), b.integer(0)))

    def finish(self) -> list[tuple[str, str]]:
        return [
            (_group_cte(self.ctx, group, self.member, index), group.alias)
            for index, group in enumerate(self.groups.values())
        ] + self.joins

    def _part(self, name: str) -> Operand:
        metric = self.ctx.metric(name)
        if metric.per_member != self.member:
            raise CompileError(f"metric {name!r} mixes {self.ctx.mk or 'member'} and participant values")
        return self.metric(metric)


def participant_frame(ctx: Context) -> list[str]:
    """The ``pv`` CTE; returns the participant-level metric names it holds."""
    frame = Frame(ctx, member=False)
    metrics = ctx.plan.participant_metrics()
    names = [m.name for m in metrics]
    for metric in metrics:
        frame.metric(metric)
    projections: list[exp.Expression] = [b.alias(b.col(ctx.pk, P), PID)]
    projections += [b.alias(b.col(c.name, P), column_col(c.name)) for c in ctx.ptable.columns]
    projections += _value_columns(frame)
    query = exp.Select(expressions=projections).from_(b.table(ctx.ptable.name, P))
    for cte, alias in frame.finish():
        on = exp.EQ(this=b.col(PID, alias), expression=b.col(ctx.pk, P))
        query = query.join(ctx.ref(cte, alias), on=on, join_type="left", copy=False)
    ctx.add("pv", query)
    return names


def member_frame(ctx: Context) -> list[str]:
    """The ``mv`` CTE (only when there are members); returns the member metric names."""
    if ctx.mtable is None or ctx.mk is None:
        return []
    frame = Frame(ctx, member=True)
    metrics = ctx.plan.member_metrics()
    names = [m.name for m in metrics]
    for metric in metrics:
        frame.metric(metric)
    m = "m"
    projections: list[exp.Expression] = [b.alias(b.col(ctx.pk, m), PID), b.alias(b.col(ctx.mk, m), MID)]
    projections += [b.alias(b.col(c.name, m), column_col(c.name)) for c in ctx.mtable.columns]
    projections += _value_columns(frame)
    query = exp.Select(expressions=projections).from_(b.table(ctx.mtable.name, m))
    on_participant = exp.EQ(this=b.col(ctx.pk, m), expression=b.col(ctx.pk, P))
    query = query.join(b.table(ctx.ptable.name, P), on=on_participant)
    for cte, alias in frame.finish():
        on = b.and_(
            exp.EQ(this=b.col(PID, alias), expression=b.col(ctx.pk, m)),
            exp.EQ(this=b.col(MID, alias), expression=b.col(ctx.mk, m)),
        )
        query = query.join(ctx.ref(cte, alias), on=on, join_type="left", copy=False)
    ctx.add("mv", query)
    return names


def _value_columns(frame: Frame) -> list[exp.Expression]:
    out: list[exp.Expression] = []
    for name, value in frame.values.items():
        out.append(b.alias(value.num, metric_col(name)))
        if value.den is not None:
            out.append(b.alias(value.den, den_col(name)))
    return out


def frame_scope(ctx: Context, alias: str, table: ir.Table, metric_names: list[str], fallback: Scope | None) -> Scope:
    """Names in a values frame: metrics, then the frame's columns, then ``fallback``."""
    kinds = _time_kinds(ctx.plan)
    fractions = {m.name for m in ctx.plan.metrics if m.shape is Shape.QUOTIENT}

    def resolve(name: str) -> Operand | None:
        if name in metric_names:
            den = b.col(den_col(name), alias) if name in fractions else None
            return Operand(b.col(metric_col(name), alias), den, kinds.get(name))
        if column := table.column(name):
            ref: exp.Expression = b.col(column_col(name), alias)
            if is_duration_column(table, name):
                ref = exp.Mul(this=ref, expression=b.integer(MICROS))
            return Operand(ref, kind=column.type)
        return fallback.resolve(name) if fallback else None

    return Scope(resolve, None, "a clause", ctx.tz_name, windows_of(ctx))


def windows_of(ctx: Context) -> dict[str, WindowPlan]:
    """The program's windows by name, for `start of W` / `end of W` in conditions (issue 10)."""
    return {w.name: w for w in ctx.plan.windows}


_TIME_COLUMNS = {t.Kind.TIMESTAMP: ir.ColumnType.TIMESTAMP, t.Kind.DATE: ir.ColumnType.DATE}


def _time_kinds(plan: Plan) -> dict[str, ir.ColumnType]:
    """Metrics whose values are timestamps or dates (``min``/``max`` of such a column)."""
    return {m.name: _TIME_COLUMNS[m.type.kind] for m in plan.metrics if m.type.kind in _TIME_COLUMNS}


def seconds(micros: int | Decimal) -> Decimal:
    """Microseconds as exact ``Decimal`` seconds."""
    return Decimal(micros) / MICROS


def utc_naive(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
