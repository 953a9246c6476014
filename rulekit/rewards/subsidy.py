"""``subsidy``: the platform pays all, a share or a fixed amount of a cost on each order
of a qualifying participant, never more than the cost; at most ``max orders`` orders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, cast

from sqlglot import exp

from rulekit import ir
from rulekit.buckets import bucket_of
from rulekit.checks.rewards import check_rate
from rulekit.diff import format_money as diff_money
from rulekit.diff import format_percent, limit_fields, limits_text, same
from rulekit.money import round_money
from rulekit.pyeval.program import EffectOutcome
from rulekit.pyeval.rewards import ZERO
from rulekit.reasons import format_literal, format_money
from rulekit.render.i18n import _
from rulekit.render.model import Table
from rulekit.render.rewards import order_condition, pool_sentences
from rulekit.rewards.base import EffectFn, Paid
from rulekit.rewards.orders import OrderKind, order_table, with_status
from rulekit.sql import build as b
from rulekit.sql.exprs import local_midnight
from rulekit.sql.metrics import PID, E, column_value, event_filter
from rulekit.sql.rewards import (
    before_col,
    candidates_col,
    orders_col,
    paid_col,
    pool_policy,
    qualified,
    round_minor,
)

if TYPE_CHECKING:
    from rulekit.checks.context import Context
    from rulekit.diff import Collector, Decl
    from rulekit.facts import Row
    from rulekit.pyeval.program import CompiledEffect
    from rulekit.render.words import Words
    from rulekit.sql.exprs import Scope
    from rulekit.sql.metrics import Context as SqlContext
    from rulekit.sql.rewards import Stages

BUDGET_PERIOD = "bperiod"  # the index of an order's budget period (`budget: … per day`)
BUDGET_DAY = "bday"  # the period's first local day as YYYYMMDD, for explanations
# (Paid field, column prefix) read back from a settlement row for a budget per period.
_BUDGET_EXTRAS = (("budget_day", "sbd"), ("budget_used", "sbu"), ("budget_cut", "sbn"))


def subsidy_for_order(subsidy: ir.Subsidy, cost: Decimal, currency: str) -> Decimal:
    """One order's subsidy: full / share / fixed, the per-order cap, never above the cost."""
    if cost <= 0:
        return round_money(ZERO, currency)
    if subsidy.kind is ir.SubsidyKind.FULL:
        amount = cost
    elif isinstance(subsidy.amount, ir.Percent):
        amount = cost * subsidy.amount.fraction
    elif isinstance(subsidy.amount, ir.Money):
        amount = subsidy.amount.amount
    else:
        amount = cost
    if subsidy.limits.per_order is not None:
        amount = min(amount, subsidy.limits.per_order.amount)
    return round_money(min(amount, cost), currency)


class SubsidyKind(OrderKind[ir.Subsidy]):
    name = "subsidy"
    decl = ir.Subsidy
    keyword = "subsidy"
    total = "subsidies"
    status = "qualified"

    def limits(self, reward: ir.Subsidy) -> ir.Limits:
        return reward.limits

    def check(self, ctx: Context, reward: ir.Subsidy) -> None:
        self.check_order(ctx, reward)
        if isinstance(reward.amount, ir.Percent):
            check_rate(ctx, reward.amount, "a subsidy")

    def unbounded(self, reward: ir.Subsidy) -> tuple[str, str]:
        return (
            f"subsidy `{reward.name}` has no total limit: it grows with the number of orders",
            "add `budget: …` (and `overflow: scale down` or `first come`) to bound the total",
        )

    def most_for_one(self, reward: ir.Subsidy, words: Words) -> list[tuple[str, Decimal]] | None:
        """At most the per-order amount on each of ``max orders`` orders; unbounded without both."""
        per = reward.limits.per_order or (reward.amount if isinstance(reward.amount, ir.Money) else None)
        if per is None or reward.limits.max_orders is None:
            return None
        total = per.amount * reward.limits.max_orders
        label = _("at most {amount} on each of at most {n} {rows}").format(
            amount=words.fmt.money(per),
            n=words.fmt.number(reward.limits.max_orders),
            rows=words.rows_noun(reward.table),
        )
        return [(label, total)]

    # -------------------------------------------------------------- evaluation

    def compile_effect(self, effect: CompiledEffect) -> EffectFn:
        reward = cast(ir.Subsidy, effect.reward)  # the registry hands each kind its own rewards
        name, column, key, window, matches = reward.name, reward.column, effect.order_key, effect.window, effect.matches
        code, zero = effect.code, effect.zero

        def subsidy(row: Row, participant: Row, eligible: bool, qualified: bool) -> EffectOutcome:
            base: Decimal = row[column]
            applies = qualified and matches(row, window(participant) if window is not None else None)
            paid = subsidy_for_order(reward, base, code) if applies else zero
            return EffectOutcome(name, "subsidy", str(row[key]) if key else "", applies, None, paid, base)

        return subsidy

    def sql_stages(self, stages: Stages, reward: ir.Subsidy, scope: Scope) -> str:
        """Per participant: subsidy paid after ``max orders`` and the budget, before the budget, orders paid."""
        ctx = stages.ctx
        first = _candidates(ctx, reward)
        o = "o"
        within: exp.Expression = b.col("candidate", o)
        if reward.limits.max_orders is not None:
            number = b.window(
                exp.RowNumber(),
                partition=[b.col(PID, o), b.col("candidate", o)],
                order=[b.ordered(b.col("t", o)), b.ordered(b.col("k", o))],
            )
            within = b.and_(within, exp.LTE(this=number, expression=b.integer(reward.limits.max_orders)))
        limited = b.select(
            b.col(PID, o),
            b.col("t", o),
            b.col("k", o),
            b.col("candidate", o),
            b.alias(b.case([(within, b.col("amt", o))], b.integer(0)), "before"),
        ).from_(ctx.ref(first, o))
        periods = _budget_periods(ctx, reward)
        if periods is not None:  # `budget: … per day`: each order's budget period, by its instant
            limited = _with_budget_period(ctx, reward, limited, periods, o)
        second = f"subsidy2__{reward.name}"
        ctx.add(second, limited)
        order = [b.ordered(b.col("t", o)), b.ordered(b.col("k", o))]
        partition: list[exp.Expression] | None = [b.col(BUDGET_PERIOD, o)] if periods is not None else None
        paid = pool_policy(b.col("before", o), reward.limits, ctx.currency, order, partition)
        third = f"subsidy3__{reward.name}"
        ctx.add(
            third,
            b.select(exp.Column(this=exp.Star(), table=b.ident(o)), b.alias(paid, "paid")).from_(ctx.ref(second, o)),
        )
        if periods is not None:  # what each period's budget had paid before each order: for explanations
            fourth = f"subsidy4__{reward.name}"
            ctx.add(fourth, _budget_use(ctx, third, order, o))
            third = fourth
        name = f"subsidy__{reward.name}"
        ctx.add(name, _summary(ctx, reward, third, o, periods is not None))
        return name

    def order_columns(self, reward: ir.Subsidy, alias: str) -> list[exp.Expression]:
        """Amounts count for qualifying participants only; the order counts as they are."""
        columns: list[exp.Expression] = []
        for name in (paid_col(reward.name), before_col(reward.name)):
            value = b.case([(b.is_true(qualified()), b.coalesce(b.col(name, alias), b.integer(0)))], b.integer(0))
            columns.append(b.alias(b.coalesce(value, b.integer(0)), name))
        for name in (orders_col(reward.name), candidates_col(reward.name)):
            columns.append(b.alias(b.coalesce(b.col(name, alias), b.integer(0)), name))
        if reward.limits.pool is not None and reward.limits.pool_period is not None:
            columns += [b.alias(b.col(f"{p}__{reward.name}", alias), f"{p}__{reward.name}") for _, p in _BUDGET_EXTRAS]
        return columns

    def row_extras(self, reward: ir.Subsidy) -> tuple[tuple[str, str], ...]:
        extras: tuple[tuple[str, str], ...] = (
            ("orders", orders_col(reward.name)),
            ("candidates", candidates_col(reward.name)),
        )
        if reward.limits.pool is not None and reward.limits.pool_period is not None:
            extras += tuple((field, f"{prefix}__{reward.name}") for field, prefix in _BUDGET_EXTRAS)
        return extras

    # ------------------------------------------------------------------- words

    def describe(self, reward: ir.Subsidy, program: ir.Program, words: Words) -> tuple[list[str], Table | None]:
        fmt, p = words.fmt, words.participant
        row, rows = words.row_noun(reward.table), words.rows_noun(reward.table)
        column = words.column_words(reward.column, reward.table)
        condition = order_condition(reward.filters, reward.table, words)
        if reward.kind is ir.SubsidyKind.FULL:
            pays = _("the full {column}").format(column=column)
        elif isinstance(reward.amount, ir.Percent):
            pays = _("{percent} of the {column}").format(percent=fmt.percent(reward.amount), column=column)
        else:
            fixed = fmt.money(reward.amount) if isinstance(reward.amount, ir.Money) else _("a fixed amount")
            pays = _("{amount} towards the {column}").format(amount=fixed, column=column)
        first = (
            _("On each {row} of a qualifying {p}, if {condition}, the platform pays {pays}.")
            if condition
            else _("On each {row} of a qualifying {p} the platform pays {pays}.")
        )
        text = [first.format(row=row, p=p, condition=condition, pays=pays)]
        limits = reward.limits
        if limits.per_order is not None:
            text.append(
                _("It pays at most {cap} per {row}, and never more than the {column} itself.").format(
                    cap=fmt.money(limits.per_order), row=row, column=column
                )
            )
        else:
            text.append(_("It never pays more than the {column} itself.").format(column=column))
        if limits.max_orders is not None:
            noun = limits.max_orders_noun or p
            text.append(
                _("Only the first {n} qualifying {rows} of each {noun} are covered, taken in time order.").format(
                    n=fmt.number(limits.max_orders), rows=rows, noun=noun
                )
            )
        text.extend(
            pool_sentences(limits, words, _("payments"), _("in the time order of the {rows}").format(rows=rows))
        )
        return text, None

    def reason(
        self, program: ir.Program, reward: ir.Subsidy, values: Mapping[str, object], code: str, paid: Paid
    ) -> str:
        orders = paid.orders
        count = "" if orders is None else f" on {orders:,} order" + ("" if orders == 1 else "s")
        text = f"{reward.name.replace('_', ' ')}{count}: {format_money(paid.before_limits, code)}"
        return text + _order_limit_text(reward, paid.candidates)

    def effect_reason(
        self,
        reward: ir.Subsidy,
        outcome: EffectOutcome,
        code: str,
        base: str,
        inside: Callable[[], str],
        why_not: Callable[[], str],
    ) -> str:
        if not outcome.applies:
            return f"no {reward.name.replace('_', ' ')} — {why_not()}"
        text = f"{reward.name.replace('_', ' ')} {format_money(outcome.amount, code)} on {base}"
        per_order = reward.limits.per_order
        if per_order is not None and outcome.amount == per_order.amount and outcome.base > per_order.amount:
            text += f", capped at {format_literal(per_order)} per order"
        return text

    def summary(self, reward: ir.Subsidy) -> list[str]:
        head = f"{_amount_text(reward)}{' of' if reward.kind is not ir.SubsidyKind.FULL else ''}"
        return [self.source_summary(head, reward), *limits_text(reward.limits, self.pool_word)]

    def diff(self, c: Collector, decl: Decl, old: ir.Subsidy, new: ir.Subsidy) -> None:
        c.field(decl, "amount", old, new, _amount_text, equal=lambda x, y: same((x.kind, x.amount), (y.kind, y.amount)))
        self.diff_source(c, decl, old, new, "paid on")
        limit_fields(c, decl, old.limits, new.limits, self.pool_word)


def _candidates(ctx: SqlContext, subsidy: ir.Subsidy) -> str:
    """Each order of the table: its time and key (for ``first come``), whether it is a
    candidate (a qualifying participant's matching order) and its subsidy in minor units."""
    tbl = order_table(ctx, subsidy)
    time = b.col(tbl.time or (tbl.period[0] if tbl.period else "__rk_row"), E)
    key = b.col(tbl.key[0] if tbl.key else "__rk_row", E)
    when = tbl.time or (tbl.period[0] if tbl.period else "")
    instant = local_midnight(time.copy(), ctx.tz_name) if _is_date(tbl, when) else time.copy()
    candidate = b.and_(b.is_true(b.col("qualified", "st")), event_filter(ctx, tbl, subsidy.filters))
    amount = b.case([(candidate, _order_subsidy(ctx, subsidy, column_value(tbl, subsidy.column, E)))], b.integer(0))
    base = with_status(ctx, tbl, "status").select(
        b.alias(b.col(ctx.pk, E), PID),
        b.alias(time, "t"),
        b.alias(key, "k"),
        b.alias(instant, "ti"),  # the row's instant (a `date` time is its local midnight): its budget period
        b.alias(candidate.copy(), "candidate"),
        b.alias(b.cast(amount, "HUGEINT"), "amt"),
    )
    first = f"subsidy1__{subsidy.name}"
    ctx.add(first, base)
    return first


def _is_date(tbl: ir.Table, name: str) -> bool:
    column = tbl.column(name)
    return column is not None and column.type is ir.ColumnType.DATE


def _budget_periods(ctx: SqlContext, subsidy: ir.Subsidy) -> tuple[tuple[dt.datetime, dt.datetime], ...] | None:
    """The budget's calendar periods, resolved once by the bind pass; None for a single budget."""
    planned = ctx.plan.reward(subsidy.name)
    if planned is None or planned.limits.pool is None or planned.limits.pool_period is None:
        return None
    return planned.limits.pool_periods or ()


def _with_budget_period(
    ctx: SqlContext,
    subsidy: ir.Subsidy,
    limited: exp.Select,
    periods: Sequence[tuple[dt.datetime, dt.datetime]],
    o: str,
) -> exp.Select:
    """``limited`` with each order's budget period (its index; null outside every period,
    where no order is a candidate), joined from a ``VALUES`` table of naive-UTC bounds."""
    name = f"subsidyp__{subsidy.name}"
    unit = subsidy.limits.pool_period
    rows = [
        exp.Tuple(expressions=[b.integer(i), b.integer(_day_number(lo, unit, ctx)), b.timestamp(lo), b.timestamp(hi)])
        for i, (lo, hi) in enumerate(periods)
    ]
    if not rows:  # a window without days: one null row, so the join still has a table
        rows = [exp.Tuple(expressions=[b.null(), b.null(), b.null(), b.null()])]
    columns = [b.ident(BUDGET_PERIOD), b.ident(BUDGET_DAY), b.ident("lo"), b.ident("hi")]
    values = exp.Values(expressions=rows, alias=exp.TableAlias(this=b.ident("v"), columns=columns))
    ctx.add(name, exp.Select(expressions=[exp.Star()]).from_(values))
    p = "bp"
    ti = b.col("ti", o)
    on = b.and_(exp.GTE(this=ti, expression=b.col("lo", p)), exp.LT(this=ti.copy(), expression=b.col("hi", p)))
    limited = limited.select(b.col(BUDGET_PERIOD, p), b.col(BUDGET_DAY, p), copy=False)
    return limited.join(ctx.ref(name, p), on=on, join_type="left", copy=False)


def _day_number(start: dt.datetime, unit: str | None, ctx: SqlContext) -> int:
    """The first local day of the period starting (or clipped to start) at ``start``, as YYYYMMDD."""
    day = bucket_of(start, ir.BucketUnit(unit or "day"), ctx.tz)
    return day.year * 10_000 + day.month * 100 + day.day


def _budget_use(ctx: SqlContext, source: str, order: list[exp.Ordered], o: str) -> exp.Select:
    """Each order with ``used``: what its budget period had paid before it (time, then key
    order), and ``firstcut``: the first local day of its participant's first period whose
    budget cut one of its orders."""
    paid, period = b.col("paid", o), b.col(BUDGET_PERIOD, o)
    running = b.window(b.sum_(paid.copy()), partition=[period.copy()], order=order, running=True)
    used = exp.Sub(this=running, expression=paid.copy())
    cut_day = b.case([(_cut(o), b.col(BUDGET_DAY, o))])
    first = b.window(exp.Min(this=cut_day), partition=[b.col(PID, o)])
    star = exp.Column(this=exp.Star(), table=b.ident(o))
    return b.select(star, b.alias(used, "used"), b.alias(first, "firstcut")).from_(ctx.ref(source, o))


def _cut(o: str) -> exp.Expression:
    return exp.LT(this=b.col("paid", o), expression=b.col("before", o))


def _summary(ctx: SqlContext, subsidy: ir.Subsidy, source: str, o: str, periods: bool = False) -> exp.Select:
    def count_if(condition: exp.Expression) -> exp.Expression:
        return exp.Sum(this=b.case([(condition, b.integer(1))], b.integer(0)))

    columns = [
        b.col(PID, o),
        b.alias(b.coalesce(b.sum_(b.col("paid", o)), b.integer(0)), paid_col(subsidy.name)),
        b.alias(b.coalesce(b.sum_(b.col("before", o)), b.integer(0)), before_col(subsidy.name)),
        b.alias(count_if(exp.GT(this=b.col("paid", o), expression=b.integer(0))), orders_col(subsidy.name)),
        b.alias(count_if(b.is_true(b.col("candidate", o))), candidates_col(subsidy.name)),
    ]
    if periods:  # `budget: … per day`: the first period that cut an order, and how much it had paid by then
        first = b.and_(_cut(o), exp.EQ(this=b.col(BUDGET_DAY, o), expression=b.col("firstcut", o)))
        cut_days = exp.Count(this=exp.Distinct(expressions=[b.case([(_cut(o), b.col(BUDGET_DAY, o))])]))
        columns += [
            b.alias(exp.Min(this=b.col("firstcut", o)), f"sbd__{subsidy.name}"),
            b.alias(exp.Min(this=b.case([(first, b.col("used", o))])), f"sbu__{subsidy.name}"),
            b.alias(cut_days, f"sbn__{subsidy.name}"),
        ]
    return b.select(*columns).from_(ctx.ref(source, o)).group_by(b.col(PID, o))


def _order_subsidy(ctx: SqlContext, subsidy: ir.Subsidy, cost: exp.Expression) -> exp.Expression:
    """One order's subsidy in minor units: full / share / fixed, cap per order, never above the cost."""
    if subsidy.kind is ir.SubsidyKind.PERCENT and isinstance(subsidy.amount, ir.Percent):
        amount: exp.Expression = b.mul(cost.copy(), b.dec(subsidy.amount.fraction))
    elif subsidy.kind is ir.SubsidyKind.FIXED and isinstance(subsidy.amount, ir.Money):
        amount = b.dec(subsidy.amount.amount)
    else:
        amount = cost.copy()
    if subsidy.limits.per_order is not None:
        amount = b.least(amount, b.dec(subsidy.limits.per_order.amount))
    amount = b.least(amount, cost.copy())
    positive = b.is_true(exp.GT(this=cost.copy(), expression=b.integer(0)))
    return b.case([(positive, round_minor(amount, ctx.currency))], b.integer(0))


def _order_limit_text(subsidy: ir.Subsidy, candidates: int | None) -> str:
    """``; only the first 500 of its 512 qualifying orders (500 per merchant)``, when the limit cut."""
    limit = subsidy.limits.max_orders
    if limit is None or candidates is None or candidates <= limit:
        return ""
    noun = subsidy.limits.max_orders_noun or "participant"
    return f"; only the first {limit:,} of its {candidates:,} qualifying orders ({limit:,} per {noun})"


def _amount_text(subsidy: ir.Subsidy) -> str:
    if subsidy.kind is ir.SubsidyKind.FULL or subsidy.amount is None:
        return "full"
    if isinstance(subsidy.amount, ir.Percent):
        return format_percent(subsidy.amount)
    return diff_money(subsidy.amount)


KIND = SubsidyKind()
