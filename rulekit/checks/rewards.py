"""Rankings and rewards (RK4xx): what every reward shares (limits, pools, rates, the
metric it is paid on, a total nothing bounds). Each kind's own checks (schedules,
brackets, tiers, order columns) are in its module of :mod:`rulekit.rewards`."""

from __future__ import annotations

from decimal import Decimal

from rulekit import codes, ir
from rulekit.checks.context import Context
from rulekit.diagnostics import suggest
from rulekit.liability import format_money, reward_bound
from rulekit.periods import is_paid_per_period
from rulekit.periods.program import to_date_rewards
from rulekit.plan.kinds import kind_of
from rulekit.plan.links import entity_of
from rulekit.plan.names import PARTICIPANT_SCOPE, NameKind, is_member_metric, resolve_name

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
    elif not found.visible and found.kind not in (
        NameKind.ENTITY_METRIC,
        NameKind.BUCKET_METRIC,
    ):  # RK126 (checks.links), RK320 (checks.buckets)
        ctx.error(
            codes.RK212,
            f"`{key.name}` has a value per member, so it cannot rank participants",
            key.span,
            "rank by a participant-level metric or a column of the participant table",
        )


SPLIT_ROUNDINGS = ("rounded down", "remainder by key")


def _split_rounding(ctx: Context, ranking: ir.Ranking) -> None:
    """`shared ranks: split, …`: a rounding only for `split`, and one of SPLIT_ROUNDINGS (RK415)."""
    rounding = ranking.shared_rounding
    if rounding is None or ranking.shared_ranks not in SHARED_RANKS_POLICIES:
        return
    if ranking.shared_ranks != "split":
        ctx.error(
            codes.RK415,
            f"`{rounding}` applies to split prizes, but ties here get the `{ranking.shared_ranks}` prize",
            ranking.shared_span or ranking.span,
            f"write `shared ranks: {ranking.shared_ranks}`, or `shared ranks: split, {rounding}`",
        )
    elif rounding not in SPLIT_ROUNDINGS:
        ctx.error(
            codes.RK415,
            f"unknown rounding `{rounding}` for a split prize",
            ranking.shared_span or ranking.span,
            suggest(rounding, SPLIT_ROUNDINGS) or "write `shared ranks: split, rounded down` or `…, remainder by key`",
        )


def _shared_ranks(ctx: Context, ranking: ir.Ranking) -> None:
    _split_rounding(ctx, ranking)
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
    """Each reward's own checks (its registry entry), then its limits and whether anything bounds it."""
    for reward in ctx.program.rewards:
        kind = kind_of(reward)
        kind.check(ctx, reward)
        limits = kind.limits(reward)
        if limits is not None:
            _limits(ctx, limits)
            _bounded(ctx, reward)


def fmt_amount(amount: Decimal, ctx: Context) -> str:
    """An amount in the program's currency for a message (``$1,000.00``)."""
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
    message, hint = kind_of(reward).unbounded(reward)
    paid = is_paid_per_period(ctx.program)
    if paid and reward.name in to_date_rewards(ctx.program):
        # issue 10, construct 6 (periods): a to-date reward cannot have a budget (RK425), so
        # the usual hint would suggest code that does not check; a cap per period bounds it.
        limits = kind_of(reward).limits(reward)
        if limits is not None and limits.per_participant is not None:
            return
        hint = "cap what each participant is paid: `cap: $1,000 per " + _noun(ctx) + " per month`"
    ctx.warning(codes.RK418, message, reward.span, hint)


def _noun(ctx: Context) -> str:
    return ctx.program.participant.noun if ctx.program.participant else "participant"


def check_rate(ctx: Context, rate: ir.Percent | None, what: str) -> None:
    """RK414: a rate above 100%."""
    if rate is not None and rate.value > _HUNDRED:
        ctx.error(codes.RK414, f"{what} of {rate.value}% is more than 100%", rate.span, "a rate is at most 100%")


def participant_metric(ctx: Context, name: str, span: ir.Span | None, what: str) -> ir.Metric | None:
    """The metric a reward is paid on, when it exists and has one value per participant."""
    metric = ctx.program.metric(name)
    if metric is None:
        ctx.unknown(codes.RK103, "metric", name, [m.name for m in ctx.program.metrics], span, "metric")
        return None
    if entity_of(ctx.program, metric) is not None:
        return None  # a `per listing` metric: reported as RK126 by rulekit.checks.links
    if is_member_metric(ctx.program, metric):
        ctx.error(
            codes.RK212,
            f"`{name}` has a value per member, but {what} needs one value per participant",
            span,
            "define the metric without `per`",
        )
        return None
    return metric
