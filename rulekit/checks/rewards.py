"""Rankings and rewards (RK4xx): schedules, pools, brackets, rates, metrics they pay
on, and rewards whose total nothing bounds."""

from __future__ import annotations

import bisect
import itertools
from decimal import Decimal

from rulekit import codes, ir
from rulekit import types as t
from rulekit.checks.context import Context
from rulekit.checks.metrics import check_filters, event_table
from rulekit.diagnostics import suggest
from rulekit.liability import format_money, reward_bound, schedule_total
from rulekit.plan.names import PARTICIPANT_SCOPE, NameKind, is_member_metric, metric_type, resolve_name

OVERFLOW_POLICIES = ("scale down", "first come")
SHARED_RANKS_POLICIES = ("split", "same")
_HUNDRED = Decimal(100)


def check_rankings(ctx: Context) -> None:
    for ranking in ctx.program.rankings:
        for key in ranking.keys:
            _rank_key(ctx, key)
        if ranking.top is None:
            ctx.error(
                codes.RK507,
                f"ranking `{ranking.name}` has no `top` line",
                ranking.span,
                "say how many places are ranked, like `top 5`",
            )
        elif ranking.top < 1:
            ctx.error(
                codes.RK507, f"ranking `{ranking.name}` ranks no places", ranking.top_span, "write `top 1` or more"
            )
        _shared_ranks(ctx, ranking)


def _rank_key(ctx: Context, key: ir.RankKey) -> None:
    found = resolve_name(ctx.program, key.name, PARTICIPANT_SCOPE)
    if found.kind is NameKind.UNKNOWN:
        names = [m.name for m in ctx.program.metrics]
        table = ctx.participant_table()
        names += [c.name for c in table.columns] if table else []
        ctx.unknown(codes.RK103, "metric or column", key.name, names, key.span, "metric")
    elif not found.visible:
        ctx.error(
            codes.RK212,
            f"`{key.name}` has a value per member, so it cannot rank participants",
            key.span,
            "rank by a participant-level metric or a column of the participant table",
        )


def _shared_ranks(ctx: Context, ranking: ir.Ranking) -> None:
    if ranking.shared_ranks is not None:
        if ranking.shared_ranks not in SHARED_RANKS_POLICIES:
            ctx.error(
                codes.RK408,
                f"unknown shared-ranks policy `{ranking.shared_ranks}`",
                ranking.shared_span or ranking.span,
                suggest(ranking.shared_ranks, SHARED_RANKS_POLICIES),
            )
        return
    key = ctx.participant_key()
    if key is not None and ranking.keys[-1].name != key:
        ctx.warning(
            codes.RK409,
            f"ranking `{ranking.name}` does not say how ties are shared",
            ranking.span,
            f"ties are broken by `{key}`; add `shared ranks: split` (or `same`), or `then by {key} ascending`",
        )


def check_rewards(ctx: Context) -> None:
    for reward in ctx.program.rewards:
        match reward:
            case ir.Prize():
                _prize(ctx, reward)
            case ir.Rebate():
                _rebate(ctx, reward)
            case ir.Commission():
                _commission(ctx, reward)
            case ir.Subsidy():
                _subsidy(ctx, reward)
            case ir.Bonus():
                _bonus(ctx, reward)
            case ir.Milestone():
                _milestone(ctx, reward)
        if not isinstance(reward, ir.Commission):
            _limits(ctx, reward.limits)
            _bounded(ctx, reward)


# ------------------------------------------------------------------------------- prize


def _prize(ctx: Context, prize: ir.Prize) -> None:
    ranking = ctx.program.ranking(prize.ranking)
    if ranking is None:
        names = [r.name for r in ctx.program.rankings]
        ctx.unknown(codes.RK105, "ranking", prize.ranking, names, prize.ranking_span, "ranking")
    if not prize.schedule:
        ctx.error(codes.RK508, f"prize `{prize.name}` has no schedule", prize.span, "add lines like `rank 1: $4,000`")
        return
    covered = _ranks(ctx, prize)
    missing = _gaps(covered)
    if missing:
        shown = ", ".join(str(r) for r in missing[:5])
        ctx.error(
            codes.RK401,
            f"the schedule of `{prize.name}` skips rank {shown}",
            prize.span,
            "give every rank from 1 down a prize, or `$0`",
        )
    if ranking is not None and ranking.top is not None and ranking.top >= 1:  # `top 0` is RK507 already
        for tier in prize.schedule:
            if tier.last > ranking.top:
                ctx.warning(
                    codes.RK403,
                    f"rank {tier.last} is beyond `top {ranking.top}` of `{ranking.name}` and is never paid",
                    tier.span,
                    f"remove it, or raise `top` to {tier.last}",
                )
    _non_increasing(ctx, prize)
    _pool_fits(ctx, prize)


def _ranks(ctx: Context, prize: ir.Prize) -> list[tuple[int, int]]:
    """The rank ranges the schedule covers, as sorted disjoint intervals (never a set of
    every rank: `rank 1 to 10000000` costs one step), in O(n log n) for n lines."""
    starts: list[int] = []
    ends: list[int] = []
    for tier in prize.schedule:
        if tier.first < 1 or tier.last < tier.first:
            ctx.error(
                codes.RK402,
                f"`rank {tier.first} to {tier.last}` is not a range of ranks",
                tier.span,
                "ranks start at 1 and go down: `rank 4 to 5`",
            )
            continue
        i = bisect.bisect_left(ends, tier.first)  # the first covered range ending at or after this one's start
        j = i
        while j < len(starts) and starts[j] <= tier.last:
            j += 1
        if j > i:
            ctx.error(
                codes.RK402,
                f"rank {max(starts[i], tier.first)} of `{prize.name}` is given a prize twice",
                tier.span,
                "give each rank one prize",
            )
        merged_start = min([tier.first, *starts[i:j]])
        merged_end = max([tier.last, *ends[i:j]])
        starts[i:j] = [merged_start]
        ends[i:j] = [merged_end]
    return list(zip(starts, ends, strict=True))


def _gaps(covered: list[tuple[int, int]], shown: int = 5) -> list[int]:
    """The first ``shown`` ranks between 1 and the last covered rank that no range covers
    (``covered`` is sorted and disjoint)."""
    missing: list[int] = []
    reached = 0  # every rank up to here is covered
    for first, last in covered:
        missing.extend(range(reached + 1, min(first, reached + 1 + shown - len(missing))))
        reached = max(reached, last)
        if len(missing) >= shown:
            break
    return missing[:shown]


def _non_increasing(ctx: Context, prize: ir.Prize) -> None:
    ordered = sorted(prize.schedule, key=lambda tier: tier.first)
    for better, worse in itertools.pairwise(ordered):
        if worse.amount.amount > better.amount.amount:
            ctx.warning(
                codes.RK404,
                f"rank {worse.first} of `{prize.name}` pays more than rank {better.last}",
                worse.span,
                "a lower rank usually pays less; check the order of the amounts",
            )
            return


def _pool_fits(ctx: Context, prize: ir.Prize) -> None:
    pool = prize.limits.pool
    if pool is None or ctx.currency is None:
        return
    total = schedule_total(prize)
    if total > pool.amount:
        cap = _fmt(pool.amount, ctx)
        ctx.error(
            codes.RK405,
            f"the prizes of `{prize.name}` add up to {_fmt(total, ctx)}, more than the pool cap of {cap}",
            pool.span,
            f"lower the prizes by {_fmt(total - pool.amount, ctx)} or raise the pool cap to {_fmt(total, ctx)}",
        )


def _fmt(amount: Decimal, ctx: Context) -> str:
    try:
        return format_money(ir.Money(amount, ctx.currency or "USD"))
    except (ValueError, KeyError, TypeError):  # an unknown currency code is reported elsewhere
        return f"{amount} {ctx.currency}"


# ------------------------------------------------------------------------------ limits


def _limits(ctx: Context, limits: ir.Limits) -> None:
    noun = ctx.participant_noun()
    for written, span, line in (
        (limits.per_participant_noun, limits.cap_span, "cap"),
        (limits.max_orders_noun, limits.max_orders_span, "max orders"),
    ):
        if written is not None and noun is not None and written != noun:
            ctx.error(
                codes.RK107,
                f"`{line} … per {written}`: limits apply per participant, and the participant is `{noun}`",
                span,
                f"write `per {noun}`",
            )
    if limits.pool is not None and limits.overflow is None:
        ctx.warning(
            codes.RK406,
            "the pool has no `overflow` line; it will be scaled down when it runs out",
            limits.pool_span or limits.pool.span,
            "say what happens when the pool runs out: `overflow: scale down` or `overflow: first come`",
        )
    if limits.overflow is not None and limits.overflow not in OVERFLOW_POLICIES:
        ctx.error(
            codes.RK407,
            f"unknown overflow policy `{limits.overflow}`",
            limits.overflow_span,
            suggest(limits.overflow, OVERFLOW_POLICIES),
        )


def _bounded(ctx: Context, reward: ir.Reward) -> None:
    if reward_bound(ctx.program, reward) is not None:
        return
    kind = type(reward).__name__.lower()
    if isinstance(reward, ir.Prize):
        ctx.warning(
            codes.RK418,
            f"prize `{reward.name}` has no total limit: with `shared ranks: same` every tied participant gets a prize",
            reward.span,
            "add `pool cap: …` to bound the total",
        )
        return
    grows = "orders" if isinstance(reward, ir.Subsidy) else "participants"
    ctx.warning(
        codes.RK418,
        f"{kind} `{reward.name}` has no total limit: it grows with the number of {grows}",
        reward.span,
        "add `budget: …` (and `overflow: scale down` or `first come`) to bound the total",
    )


def _rate(ctx: Context, rate: ir.Percent | None, what: str) -> None:
    if rate is not None and rate.value > _HUNDRED:
        ctx.error(codes.RK414, f"{what} of {rate.value}% is more than 100%", rate.span, "a rate is at most 100%")


def _participant_metric(ctx: Context, name: str, span: ir.Span | None, what: str) -> ir.Metric | None:
    metric = ctx.program.metric(name)
    if metric is None:
        ctx.unknown(codes.RK103, "metric", name, [m.name for m in ctx.program.metrics], span, "metric")
        return None
    if is_member_metric(ctx.program, metric):
        ctx.error(
            codes.RK212,
            f"`{name}` has a value per member, but {what} needs one value per participant",
            span,
            "define the metric without `per`",
        )
        return None
    return metric


# ------------------------------------------------------------------------------ rebate


def _rebate(ctx: Context, rebate: ir.Rebate) -> None:
    metric = _participant_metric(ctx, rebate.base, rebate.base_span, "a rebate")
    base = metric_type(ctx.program, metric) if metric else t.UNKNOWN
    if base.kind not in (t.Kind.MONEY, t.Kind.UNKNOWN):
        ctx.error(
            codes.RK208,
            f"a rebate is paid on money, but `{rebate.base}` is {base.describe()}",
            rebate.base_span,
            "base the rebate on a `sum` of a money column, like `net_gmv`",
        )
    _rate(ctx, rebate.rate, "a rebate rate")
    if rebate.rate is not None and rebate.brackets:
        ctx.error(
            codes.RK413,
            f"rebate `{rebate.name}` has a flat rate and brackets",
            rebate.brackets[0].threshold.span,
            f"write `rebate {rebate.name}: marginal brackets of {rebate.base}` to use brackets",
        )
        return
    if rebate.rate is None:
        _brackets(ctx, rebate)


def _brackets(ctx: Context, rebate: ir.Rebate) -> None:
    if rebate.mode is None:
        ctx.error(
            codes.RK412,
            f"rebate `{rebate.name}` does not say how its brackets apply",
            rebate.span,
            "write `marginal brackets of …` (each slice earns its rate) or `whole-tier brackets of …`",
        )
    if not rebate.brackets:
        ctx.error(codes.RK509, f"rebate `{rebate.name}` has no brackets", rebate.span, "add lines like `from $0: 1%`")
        return
    first = rebate.brackets[0]
    if first.threshold.amount != 0:
        ctx.warning(
            codes.RK411,
            f"the first bracket of `{rebate.name}` starts at {_fmt(first.threshold.amount, ctx)}, "
            "so a smaller base earns nothing",
            first.threshold.span,
            "start the brackets at `from $0: 0%` to make that explicit",
        )
    for lower, upper in itertools.pairwise(rebate.brackets):
        if upper.threshold.amount <= lower.threshold.amount:
            ctx.error(
                codes.RK410,
                f"bracket thresholds of `{rebate.name}` must increase",
                upper.threshold.span,
                "list the brackets from the lowest threshold up, each higher than the last",
            )
            break
    for bracket in rebate.brackets:
        _rate(ctx, bracket.rate, "a bracket rate")


# ---------------------------------------------------------------------- per-order ones


def _order_column(ctx: Context, reward: ir.Commission | ir.Subsidy) -> None:
    table = event_table(ctx, reward.table, reward.table_span)
    if table is None:
        return
    column = table.column(reward.column)
    if column is None:
        hint = suggest(reward.column, [c.name for c in table.columns])
        ctx.error(codes.RK102, f"table `{table.name}` has no column `{reward.column}`", reward.column_span, hint)
    elif column.type not in (ir.ColumnType.MONEY, None):
        kind = type(reward).__name__.lower()
        ctx.error(
            codes.RK214,
            f"`{table.name}.{column.name}` is {column.type_name}, but a {kind} applies to money",
            reward.column_span,
            f"name a money column of `{table.name}`",
        )
    if reward.filters.per is not None:
        ctx.error(
            codes.RK116,
            "`per` does not apply here: this reward is decided per order",
            reward.filters.per_span,
            "remove the `per` part",
        )
    else:
        check_filters(ctx, table, reward.filters, reward.table_span)


def _commission(ctx: Context, commission: ir.Commission) -> None:
    _order_column(ctx, commission)
    _rate(ctx, commission.rate, "a commission rate")
    if commission.standard is None:
        ctx.error(
            codes.RK416,
            f"commission `{commission.name}` has no `standard rate`",
            commission.span,
            "say what other orders pay, like `standard rate: 5%`",
        )
    else:
        _rate(ctx, commission.standard, "a standard rate")


def _subsidy(ctx: Context, subsidy: ir.Subsidy) -> None:
    _order_column(ctx, subsidy)
    if isinstance(subsidy.amount, ir.Percent):
        _rate(ctx, subsidy.amount, "a subsidy")


# ------------------------------------------------------------------- bonus, milestone


def _bonus(ctx: Context, bonus: ir.Bonus) -> None:
    metric = _participant_metric(ctx, bonus.metric, bonus.metric_span, "a bonus")
    value = metric_type(ctx.program, metric) if metric else t.UNKNOWN
    if value.kind not in (t.Kind.COUNT, t.Kind.INT, t.Kind.DECIMAL, t.Kind.UNKNOWN):
        ctx.error(
            codes.RK213,
            f"a bonus is paid per unit of a count, but `{bonus.metric}` is {value.describe()}",
            bonus.metric_span,
            "pay per unit of a `count` metric, like `order_count`",
        )


def _milestone(ctx: Context, milestone: ir.Milestone) -> None:
    metric = _participant_metric(ctx, milestone.metric, milestone.metric_span, "a milestone")
    value = metric_type(ctx.program, metric) if metric else t.UNKNOWN
    if not milestone.tiers:
        ctx.error(
            codes.RK509,
            f"milestone `{milestone.name}` has no tiers",
            milestone.span,
            "add lines like `bronze at 10: $50`",
        )
    for tier in milestone.tiers:
        threshold = t.of_literal(tier.threshold)
        if not t.comparable(value, threshold):
            ctx.error(
                codes.RK211,
                f"tier `{tier.name}` is reached at {threshold.describe()}, "
                f"but `{milestone.metric}` is {value.describe()}",
                tier.threshold.span,
                t.unit_hint(value, threshold) or "write the threshold in the metric's unit",
            )
