"""``prize``: a schedule of amounts by rank in a ranking, with a pool cap."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlglot import exp

from rulekit import codes, ir
from rulekit.checks.rewards import fmt_amount
from rulekit.diff import format_money as diff_money
from rulekit.diff import limit_fields, limits_text
from rulekit.plan.model import Remainder, TiePolicy
from rulekit.reasons import format_money
from rulekit.render.i18n import _
from rulekit.render.model import Fact, Table
from rulekit.render.rewards import cap_sentence, pool_sentences
from rulekit.render.words import humanize
from rulekit.rewards.base import Paid, RewardKind
from rulekit.sql import build as b
from rulekit.sql.exprs import CompileError
from rulekit.sql.metrics import PID
from rulekit.sql.rewards import S, before_col, minor, pool_stage, rank_col, ranked_col, tied_col

if TYPE_CHECKING:
    from rulekit.checks.context import Context
    from rulekit.diff import Collector, Decl
    from rulekit.render.words import Words
    from rulekit.sql.exprs import Scope
    from rulekit.sql.rewards import Stages

ZERO = Decimal(0)


def schedule_total(prize: ir.Prize) -> Decimal:
    """The sum of a prize schedule, each tier counted once per rank it covers."""
    return sum((tier.amount.amount * max(0, tier.last - tier.first + 1) for tier in prize.schedule), ZERO)


def prize_for_position(prize: ir.Prize, position: int) -> Decimal:
    """The schedule's prize for one position (0 when the schedule has none)."""
    for tier in prize.schedule:
        if tier.first <= position <= tier.last:
            return tier.amount.amount
    return ZERO


class PrizeKind(RewardKind[ir.Prize]):
    name = "prize"
    decl = ir.Prize
    keyword = "prize"
    total = "prizes"
    pool_word = "pool cap"

    def limits(self, reward: ir.Prize) -> ir.Limits:
        return reward.limits

    def ranking(self, reward: ir.Prize) -> tuple[str, ir.Span | None]:
        return reward.ranking, reward.ranking_span

    # ------------------------------------------------------------------ checks

    def check(self, ctx: Context, reward: ir.Prize) -> None:
        ranking = ctx.program.ranking(reward.ranking)
        if ranking is None:
            names = [r.name for r in ctx.program.rankings]
            ctx.unknown(codes.RK105, "ranking", reward.ranking, names, reward.ranking_span, "ranking")
        if not reward.schedule:
            ctx.error(
                codes.RK508, f"prize `{reward.name}` has no schedule", reward.span, "add lines like `rank 1: $4,000`"
            )
            return
        covered = _ranks(ctx, reward)
        missing = _gaps(covered)
        if missing:
            shown = ", ".join(str(r) for r in missing[:5])
            ctx.error(
                codes.RK401,
                f"the schedule of `{reward.name}` skips rank {shown}",
                reward.span,
                "give every rank from 1 down a prize, or `$0`",
            )
        if ranking is not None and ranking.top is not None and ranking.top >= 1:  # `top 0` is RK507 already
            for tier in reward.schedule:
                if tier.last > ranking.top:
                    ctx.warning(
                        codes.RK403,
                        f"rank {tier.last} is beyond `top {ranking.top}` of `{ranking.name}` and is never paid",
                        tier.span,
                        f"remove it, or raise `top` to {tier.last}",
                    )
        _non_increasing(ctx, reward)
        _pool_fits(ctx, reward)

    def unbounded(self, reward: ir.Prize) -> tuple[str, str]:
        return (
            f"prize `{reward.name}` has no total limit: with `shared ranks: same` every tied participant gets a prize",
            "add `pool cap: …` to bound the total",
        )

    # ------------------------------------------------------------------ bounds

    def bound(self, program: ir.Program, reward: ir.Prize) -> Decimal | None:
        """At most the schedule and the pool cap; with `shared ranks: same` only the pool bounds it."""
        pool = reward.limits.pool.amount if reward.limits.pool is not None else None
        ranking = program.ranking(reward.ranking)
        if ranking is not None and ranking.shared_ranks == "same":
            return pool
        total = schedule_total(reward)
        return total if pool is None else min(total, pool)

    def most_for_one(self, reward: ir.Prize, words: Words) -> list[tuple[str, Decimal]]:
        top = max((t.amount.amount for t in reward.schedule), default=ZERO)
        cap = reward.limits.per_participant
        amount = min(top, cap.amount) if cap is not None else top
        return [(_("the largest prize, {amount}").format(amount=words.fmt.money(amount)), amount)]

    def facts(self, reward: ir.Prize, words: Words) -> list[Fact]:
        out = []
        top = max(reward.schedule, key=lambda t: t.amount.amount, default=None)
        if top is not None:
            out.append(Fact(_("Top prize"), words.fmt.money(top.amount)))
        if reward.limits.pool is not None:
            out.append(Fact(_("Prize pool"), words.fmt.money(reward.limits.pool)))
        return out

    # -------------------------------------------------------------- evaluation

    def sql_stages(self, stages: Stages, reward: ir.Prize, scope: Scope) -> None:
        """The scheduled prize of each ranked position (split among ties, or the same for each),
        the per-participant cap, then the pool cap in rank order."""
        ctx = stages.ctx
        ranking = ctx.program.ranking(reward.ranking)
        if ranking is None:
            raise CompileError(f"prize {reward.name}: unknown ranking {reward.ranking!r}")
        r = b.col(rank_col(ranking.name), S)
        k = b.col(tied_col(ranking.name), S)
        planned = ctx.plan.ranking(ranking.name)
        if planned is not None and planned.ties is TiePolicy.SPLIT:
            amount: exp.Expression = exp.IntDiv(
                this=b.paren(_split_total(reward, r, k, ctx.currency)), expression=k.copy()
            )
            if planned.remainder is Remainder.BY_KEY:
                amount = _with_remainder(amount, _split_total(reward, r, k, ctx.currency), r, k)
        else:
            amount = _schedule_at(reward, r.copy(), ctx.currency)
        in_top: exp.Expression = exp.Not(this=exp.Is(this=r.copy(), expression=b.null()))
        if ranking.top is not None:
            in_top = b.and_(in_top, exp.LTE(this=r.copy(), expression=b.integer(ranking.top)))
        raw: exp.Expression = b.case([(in_top, amount)], b.integer(0))
        if reward.limits.per_participant is not None:
            raw = b.least(raw, b.integer(minor(reward.limits.per_participant.amount, ctx.currency)))
        stages.add([b.alias(b.cast(raw, "HUGEINT"), before_col(reward.name))])
        pool_stage(stages, reward.name, reward.limits, [b.ordered(r.copy()), b.ordered(b.col(PID, S))])

    def row_extras(self, reward: ir.Prize) -> tuple[tuple[str, str], ...]:
        return (
            ("rank", rank_col(reward.ranking)),
            ("ranked", ranked_col(reward.ranking)),
            ("tied", tied_col(reward.ranking)),
        )

    # ------------------------------------------------------------------- words

    def describe(self, reward: ir.Prize, program: ir.Program, words: Words) -> tuple[list[str], Table | None]:
        fmt, p = words.fmt, words.participant
        rows = tuple(
            (
                fmt.number(t.first)
                if t.first == t.last
                else _("{first} to {last}").format(first=fmt.number(t.first), last=fmt.number(t.last)),
                fmt.money(t.amount) if t.first == t.last else _("{amount} each").format(amount=fmt.money(t.amount)),
            )
            for t in reward.schedule
        )
        ranking = words.program.ranking(reward.ranking)
        name = (ranking.text.label if ranking.text.label else humanize(reward.ranking)) if ranking else reward.ranking
        text = [_("Cash prizes are paid by rank in the {name} ranking (see How winners are chosen).").format(name=name)]
        total = schedule_total(reward)
        text.append(_("The prizes in the table add up to {total}.").format(total=fmt.money(total)))
        if reward.limits.pool is not None:
            capped = (
                _("The prize pool is capped at {pool}; the table is within the cap.")
                if total <= reward.limits.pool.amount
                else _("The prize pool is capped at {pool}; the table is more than the cap.")
            )
            text.append(capped.format(pool=fmt.money(reward.limits.pool)))
            text.extend(pool_sentences(reward.limits, words, _("prizes"), _("in rank order"), _("a pool cap of"))[1:])
        text.extend(cap_sentence(reward.limits, words, _("prize")))
        return text, Table((_("Rank"), _("Prize per {p}").format(p=p)), rows)

    def reason(self, program: ir.Program, reward: ir.Prize, values: Mapping[str, object], code: str, paid: Paid) -> str:
        rank, tied = paid.rank, paid.tied
        if rank is None:
            return "not ranked: no prize"
        of = f" of {paid.ranked}" if paid.ranked is not None else ""
        if tied <= 1:
            return f"rank {rank}{of}: prize {format_money(paid.before_limits, code)}"
        pot = sum((prize_for_position(reward, p) for p in range(rank, rank + tied)), ZERO)
        return (
            f"rank {rank}{of}, tied with {tied - 1} other" + ("s" if tied > 2 else "") + f": positions {rank}–"
            f"{rank + tied - 1} share {format_money(pot, code, whole=True)}, "
            f"{format_money(paid.before_limits, code)} each"
        )

    def notes(self, reward: ir.Prize, noun: str, code: str) -> list[str]:
        return [f"{reward.name}: the prize depends on the ranking of all {noun}s; it is decided at settlement"]

    def summary(self, reward: ir.Prize) -> list[str]:
        return [
            f"ranking {reward.ranking}",
            *(_tier(t) for t in reward.schedule),
            *limits_text(reward.limits, "pool cap"),
        ]

    def diff(self, c: Collector, decl: Decl, old: ir.Prize, new: ir.Prize) -> None:
        c.field(decl, "ranking", old.ranking, new.ranking)
        c.keyed(decl, _rank_map(old.schedule), _rank_map(new.schedule), diff_money)
        limit_fields(c, decl, old.limits, new.limits, self.pool_word)


# ---------------------------------------------------------------------- checks


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
        cap = fmt_amount(pool.amount, ctx)
        ctx.error(
            codes.RK405,
            f"the prizes of `{prize.name}` add up to {fmt_amount(total, ctx)}, more than the pool cap of {cap}",
            pool.span,
            f"lower the prizes by {fmt_amount(total - pool.amount, ctx)} or raise the pool cap to "
            f"{fmt_amount(total, ctx)}",
        )


# ------------------------------------------------------------------------- SQL


def _with_remainder(
    share: exp.Expression, total: exp.Expression, r: exp.Expression, k: exp.Expression
) -> exp.Expression:
    """``remainder by key``: the ``total - k * share`` units left over go one each to the
    first tied participants in key order (their position in the tie group, from 1)."""
    left = exp.Sub(this=b.paren(total), expression=exp.Mul(this=k.copy(), expression=b.paren(share.copy())))
    position = b.window(exp.RowNumber(), partition=[r.copy()], order=[b.ordered(b.col(PID, S))])
    extra = b.case([(exp.LTE(this=position, expression=b.paren(left)), b.integer(1))], b.integer(0))
    return exp.Add(this=b.paren(share), expression=extra)


def _split_total(prize: ir.Prize, r: exp.Expression, k: exp.Expression, currency: str) -> exp.Expression:
    """The prizes of the positions a tie group occupies (ranks ``r`` to ``r + k - 1``), in minor units."""
    last = exp.Sub(this=exp.Add(this=r, expression=k), expression=b.integer(1))
    total: exp.Expression = b.integer(0)
    for tier in prize.schedule:
        overlap = exp.Add(
            this=exp.Sub(
                this=b.least(b.integer(tier.last), last.copy()),
                expression=b.greatest(b.integer(tier.first), r.copy()),
            ),
            expression=b.integer(1),
        )
        share = exp.Mul(
            this=b.integer(minor(tier.amount.amount, currency)), expression=b.greatest(overlap, b.integer(0))
        )
        total = exp.Add(this=total, expression=share)
    return total


def _schedule_at(prize: ir.Prize, position: exp.Expression, currency: str) -> exp.Expression:
    whens = [
        (
            exp.Between(this=position.copy(), low=b.integer(t.first), high=b.integer(t.last)),
            b.integer(minor(t.amount.amount, currency)),
        )
        for t in prize.schedule
    ]
    return b.case(whens, b.integer(0)) if whens else b.integer(0)


# ------------------------------------------------------------------------ diff


def _tier(tier: ir.PrizeTier) -> str:
    ranks = f"rank {tier.first}" if tier.first == tier.last else f"rank {tier.first} to {tier.last}"
    return f"{ranks}: {diff_money(tier.amount)}"


def _rank_map(schedule: Iterable[ir.PrizeTier]) -> dict[str, ir.Money]:
    """Expand ``rank 4 to 5`` into one entry per rank, in rank order."""
    expanded = {rank: t.amount for t in schedule for rank in range(t.first, t.last + 1)}
    return {f"rank {rank}": expanded[rank] for rank in sorted(expanded)}


KIND = PrizeKind()
