"""Rewards as SQL: ranking, prizes, pool caps, rebates, bonuses, milestones and per-order effects.

Every paid amount is an integer number of **minor units** (cents, pence), so
rounding down for pools and splits is integer division and half-even rounding is
explicit (DuckDB's ``ROUND`` on decimals rounds half away from zero).
"""

from __future__ import annotations

from decimal import Decimal

from sqlglot import exp

from rulekit import ir, money
from rulekit.sql import build as b
from rulekit.sql.exprs import CompileError, Operand, compare, literal
from rulekit.sql.metrics import PID, Context, E, column_value, event_filter, event_source, frame_scope

S = "s"  # alias of the previous stage in every stage CTE


def rank_col(ranking: str) -> str:
    return f"r__{ranking}"


def tied_col(ranking: str) -> str:
    return f"t__{ranking}"


def ranked_col(ranking: str) -> str:
    return f"n__{ranking}"


def paid_col(reward: str) -> str:
    return f"rw__{reward}"


def before_col(reward: str) -> str:
    return f"rb__{reward}"


def raw_col(reward: str) -> str:
    return f"rx__{reward}"


def due_col(reward: str) -> str:
    return f"cd__{reward}"


def waived_col(reward: str) -> str:
    return f"cw__{reward}"


def orders_col(reward: str) -> str:
    return f"so__{reward}"


def candidates_col(reward: str) -> str:
    """Orders a subsidy applies to before ``max orders``: what the order limit cut from."""
    return f"sc__{reward}"


def digits(currency: str) -> int:
    exponent = money.minor_unit(currency).as_tuple().exponent
    return -exponent if isinstance(exponent, int) else 2


def minor(amount: Decimal, currency: str) -> int:
    """An amount in whole minor units (half-even)."""
    return int(money.round_money(amount, currency).scaleb(digits(currency)))


def round_minor(value: exp.Expression, currency: str) -> exp.Expression:
    """Round an exact decimal amount half-even to whole minor units (an integer)."""
    scaled = exp.Mul(this=b.paren(value), expression=b.integer(10 ** digits(currency)))
    floor = exp.Floor(this=scaled)
    frac = exp.Sub(this=scaled.copy(), expression=floor.copy())
    half = b.dec(Decimal("0.5"))
    up = exp.Add(this=floor.copy(), expression=b.integer(1))
    even = exp.EQ(this=exp.Mod(this=floor.copy(), expression=b.integer(2)), expression=b.integer(0))
    rounded = b.case(
        [
            (exp.GT(this=frac, expression=half), up),
            (exp.LT(this=frac.copy(), expression=half.copy()), floor.copy()),
            (even, floor.copy()),
        ],
        up.copy(),
    )
    return b.cast(rounded, "HUGEINT")


# ------------------------------------------------------------------------ stages


class Stages:
    """A chain of CTEs, each ``SELECT s.*, <new columns> FROM <previous> s``."""

    def __init__(self, ctx: Context, first: str) -> None:
        self.ctx = ctx
        self.current = first
        self.count = 0

    def add(self, columns: list[exp.Expression], joins: list[tuple[str, str]] | None = None) -> None:
        query = b.select(exp.Column(this=exp.Star(), table=b.ident(S)), *columns).from_(self.ctx.ref(self.current, S))
        for cte, alias in joins or []:
            on = exp.EQ(this=b.col(PID, alias), expression=b.col(PID, S))
            query = query.join(self.ctx.ref(cte, alias), on=on, join_type="left", copy=False)
        self.count += 1
        self.current = f"stage{self.count}"
        self.ctx.add(self.current, query)


def qualified() -> exp.Expression:
    return b.col("qualified", S)


# ------------------------------------------------------------------------ ranking


def ranking_stages(stages: Stages, metric_names: list[str]) -> None:
    """Competition ranks among qualifying participants, tie-group sizes and ranked counts."""
    ctx = stages.ctx
    rankings = ctx.program.rankings
    if not rankings:
        return
    scope = frame_scope(ctx, S, ctx.ptable, metric_names, None)
    ranks: list[exp.Expression] = []
    for ranking in rankings:
        order = [
            b.ordered(_rank_value(scope.resolve(k.name), k.name), k.direction is ir.Direction.DESCENDING)
            for k in ranking.keys
        ]
        if ranking.shared_ranks is None:
            order.append(b.ordered(b.col(PID, S)))  # no shared ranks: the key breaks ties
        rank = b.window(exp.Rank(), partition=[qualified()], order=order)
        ranks.append(b.alias(b.case([(b.is_true(qualified()), rank)], b.null()), rank_col(ranking.name)))
    stages.add(ranks)
    extra: list[exp.Expression] = []
    for ranking in rankings:
        r = b.col(rank_col(ranking.name), S)
        tied = b.window(b.count_star(), partition=[r])
        extra.append(
            b.alias(
                b.case([(exp.Not(this=exp.Is(this=r, expression=b.null())), tied)], b.null()), tied_col(ranking.name)
            )
        )
        extra.append(b.alias(b.window(exp.Count(this=r.copy())), ranked_col(ranking.name)))
    stages.add(extra)


def _rank_value(value: Operand | None, name: str) -> exp.Expression:
    if value is None:
        raise CompileError(f"ranking key {name!r} is neither a metric nor a participant column")
    if value.den is None:
        return value.num
    # Ordering only: a ratio key is ordered by its correctly rounded DOUBLE value.
    den = b.cast(value.den, "DOUBLE")
    return b.case(
        [(exp.EQ(this=value.den.copy(), expression=b.integer(0)), b.null())],
        exp.Div(this=b.cast(value.num, "DOUBLE"), expression=den),
    )


# ------------------------------------------------------------------------ prizes


def prize_stages(stages: Stages, prize: ir.Prize) -> None:
    ctx = stages.ctx
    ranking = ctx.program.ranking(prize.ranking)
    if ranking is None:
        raise CompileError(f"prize {prize.name}: unknown ranking {prize.ranking!r}")
    r = b.col(rank_col(ranking.name), S)
    k = b.col(tied_col(ranking.name), S)
    if ranking.shared_ranks == "split":
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
                this=b.integer(minor(tier.amount.amount, ctx.currency)), expression=b.greatest(overlap, b.integer(0))
            )
            total = exp.Add(this=total, expression=share)
        amount: exp.Expression = exp.IntDiv(this=b.paren(total), expression=k.copy())
    else:
        amount = _schedule_at(prize, r.copy(), ctx.currency)
    in_top: exp.Expression = exp.Not(this=exp.Is(this=r.copy(), expression=b.null()))
    if ranking.top is not None:
        in_top = b.and_(in_top, exp.LTE(this=r.copy(), expression=b.integer(ranking.top)))
    raw: exp.Expression = b.case([(in_top, amount)], b.integer(0))
    if prize.limits.per_participant is not None:
        raw = b.least(raw, b.integer(minor(prize.limits.per_participant.amount, ctx.currency)))
    stages.add([b.alias(b.cast(raw, "HUGEINT"), before_col(prize.name))])
    pool_stage(stages, prize.name, prize.limits, [b.ordered(r.copy()), b.ordered(b.col(PID, S))])


def _schedule_at(prize: ir.Prize, position: exp.Expression, currency: str) -> exp.Expression:
    whens = [
        (
            exp.Between(this=position.copy(), low=b.integer(t.first), high=b.integer(t.last)),
            b.integer(minor(t.amount.amount, currency)),
        )
        for t in prize.schedule
    ]
    return b.case(whens, b.integer(0)) if whens else b.integer(0)


def pool_stage(stages: Stages, name: str, limits: ir.Limits, order: list[exp.Ordered]) -> None:
    """Apply a pool cap / budget to ``before`` (minor units): scale down, or first come in ``order``."""
    before = b.col(before_col(name), S)
    if limits.pool is None:
        stages.add([b.alias(before, paid_col(name))])
        return
    cap = b.integer(minor(limits.pool.amount, stages.ctx.currency))
    if (limits.overflow or "scale down") == "first come":
        running = b.window(b.sum_(before.copy()), order=order, running=True)
        earlier = exp.Sub(this=running, expression=before.copy())
        paid: exp.Expression = b.greatest(
            b.integer(0), b.least(before.copy(), exp.Sub(this=cap, expression=b.paren(earlier)))
        )
    else:
        total = b.window(b.sum_(before.copy()))
        scaled = exp.IntDiv(this=exp.Mul(this=before.copy(), expression=cap.copy()), expression=total.copy())
        paid = b.case([(exp.GT(this=total, expression=cap.copy()), scaled)], before.copy())
    stages.add([b.alias(b.cast(paid, "HUGEINT"), paid_col(name))])


# ------------------------------------------------------------------------ per-participant rewards


def amount_stages(stages: Stages, reward: ir.Rebate | ir.Bonus | ir.Milestone, value: Operand) -> None:
    """Rebates, bonuses, milestones: raw amount, per-participant cap, half-even rounding, budget."""
    ctx = stages.ctx
    raw = _raw_amount(reward, value, ctx.currency)
    if reward.limits.per_participant is not None:
        raw = b.least(raw, b.dec(reward.limits.per_participant.amount))
    paid_to_qualified = b.case([(b.is_true(qualified()), round_minor(raw, ctx.currency))], b.integer(0))
    stages.add([b.alias(b.cast(paid_to_qualified, "HUGEINT"), before_col(reward.name))])
    pool_stage(stages, reward.name, reward.limits, [b.ordered(b.col(PID, S))])


def _raw_amount(reward: ir.Rebate | ir.Bonus | ir.Milestone, value: Operand, currency: str) -> exp.Expression:
    if isinstance(reward, ir.Milestone):
        return _milestone(reward, value)
    if value.den is not None:
        raise CompileError(f"{reward.name}: a ratio or average cannot be the base of a payment in settlement")
    base = value.num
    positive = exp.GT(this=base, expression=b.integer(0))
    if isinstance(reward, ir.Bonus):
        amount: exp.Expression = b.mul(b.dec(reward.unit_amount.amount), base.copy())
    else:
        amount = _rebate(reward, base.copy())
    return b.case([(b.is_true(positive), amount)], b.integer(0))


def _rebate(rebate: ir.Rebate, base: exp.Expression) -> exp.Expression:
    if rebate.rate is not None:
        return b.mul(base, b.dec(rebate.rate.fraction))
    brackets = sorted(rebate.brackets, key=lambda br: br.threshold.amount)
    if not brackets:
        return b.integer(0)
    if rebate.mode is ir.BracketMode.WHOLE_TIER:
        whens = [
            (
                exp.GTE(this=base.copy(), expression=b.dec(br.threshold.amount)),
                b.mul(base.copy(), b.dec(br.rate.fraction)),
            )
            for br in reversed(brackets)
        ]
        return b.case(whens, b.integer(0))
    total: exp.Expression = b.integer(0)
    for index, br in enumerate(brackets):
        top: exp.Expression = base.copy()
        if index + 1 < len(brackets):
            top = b.least(top, b.dec(brackets[index + 1].threshold.amount))
        piece = b.greatest(exp.Sub(this=top, expression=b.dec(br.threshold.amount)), b.integer(0))
        total = exp.Add(this=total, expression=b.mul(piece, b.dec(br.rate.fraction)))
    return total


def _milestone(milestone: ir.Milestone, value: Operand) -> exp.Expression:
    """``highest``: the largest amount among tiers reached; ``cumulative``: their sum."""
    parts: list[exp.Expression] = []
    for tier in milestone.tiers:
        reached = b.is_true(compare(ir.CompareOp.GE, value, Operand(literal(tier.threshold))))
        parts.append(b.case([(reached, b.dec(tier.amount.amount))], b.integer(0)))
    if not parts:
        return b.integer(0)
    if milestone.mode == "cumulative":
        total = parts[0]
        for part in parts[1:]:
            total = exp.Add(this=total, expression=part)
        return total
    return b.greatest(*parts) if len(parts) > 1 else parts[0]


# ------------------------------------------------------------------------ per-order effects


def _order_table(ctx: Context, reward: ir.Commission | ir.Subsidy) -> ir.Table:
    tbl = ctx.program.table(reward.table)
    if tbl is None or not tbl.column(reward.column):
        raise CompileError(f"{reward.name}: unknown table or column {reward.table}.{reward.column}")
    return tbl


def _with_status(ctx: Context, tbl: ir.Table, status: str) -> exp.Select:
    on = exp.EQ(this=b.col(PID, "st"), expression=b.col(ctx.pk, E))
    return event_source(ctx, tbl).join(ctx.ref(status, "st"), on=on)


def commission_cte(ctx: Context, commission: ir.Commission, status: str) -> str:
    """Per participant: commission due and waived, each order rounded half-even."""
    tbl = _order_table(ctx, commission)
    applies = b.and_(b.is_true(b.col("eligible", "st")), event_filter(ctx, tbl, commission.filters))
    cost = column_value(tbl, commission.column, E)
    rate = b.dec(commission.rate.fraction)
    standard = b.dec(commission.standard.fraction) if commission.standard else b.integer(0)
    charged = b.case(
        [(applies, round_minor(b.mul(cost, rate), ctx.currency))],
        round_minor(b.mul(cost.copy(), standard), ctx.currency),
    )
    waived: exp.Expression = b.integer(0)
    if commission.standard is not None and commission.standard.fraction > commission.rate.fraction:
        gap = b.dec(commission.standard.fraction - commission.rate.fraction)
        waived = b.case([(applies.copy(), round_minor(b.mul(cost.copy(), gap), ctx.currency))], b.integer(0))
    query = _with_status(ctx, tbl, status).select(
        b.alias(b.col(ctx.pk, E), PID),
        b.alias(b.coalesce(b.sum_(charged), b.integer(0)), due_col(commission.name)),
        b.alias(b.coalesce(b.sum_(waived), b.integer(0)), waived_col(commission.name)),
    )
    name = f"commission__{commission.name}"
    ctx.add(name, query.group_by(b.col(ctx.pk, E)))
    return name


def subsidy_cte(ctx: Context, subsidy: ir.Subsidy, status: str) -> str:
    """Per participant: subsidy paid after ``max orders`` and the budget, before the budget, orders paid."""
    tbl = _order_table(ctx, subsidy)
    time = b.col(tbl.time or (tbl.period[0] if tbl.period else "__rk_row"), E)
    key = b.col(tbl.key[0] if tbl.key else "__rk_row", E)
    candidate = b.and_(b.is_true(b.col("qualified", "st")), event_filter(ctx, tbl, subsidy.filters))
    amount = b.case([(candidate, _order_subsidy(ctx, subsidy, column_value(tbl, subsidy.column, E)))], b.integer(0))
    base = _with_status(ctx, tbl, status).select(
        b.alias(b.col(ctx.pk, E), PID),
        b.alias(time, "t"),
        b.alias(key, "k"),
        b.alias(candidate.copy(), "candidate"),
        b.alias(b.cast(amount, "HUGEINT"), "amt"),
    )
    first = f"subsidy1__{subsidy.name}"
    ctx.add(first, base)
    o = "o"
    within: exp.Expression = b.col("candidate", o)
    if subsidy.limits.max_orders is not None:
        number = b.window(
            exp.RowNumber(),
            partition=[b.col(PID, o), b.col("candidate", o)],
            order=[b.ordered(b.col("t", o)), b.ordered(b.col("k", o))],
        )
        within = b.and_(within, exp.LTE(this=number, expression=b.integer(subsidy.limits.max_orders)))
    limited = b.select(
        b.col(PID, o),
        b.col("t", o),
        b.col("k", o),
        b.col("candidate", o),
        b.alias(b.case([(within, b.col("amt", o))], b.integer(0)), "before"),
    ).from_(ctx.ref(first, o))
    second = f"subsidy2__{subsidy.name}"
    ctx.add(second, limited)
    paid = _order_budget(ctx, subsidy.limits, o)
    third = f"subsidy3__{subsidy.name}"
    ctx.add(
        third, b.select(exp.Column(this=exp.Star(), table=b.ident(o)), b.alias(paid, "paid")).from_(ctx.ref(second, o))
    )
    summary = (
        b.select(
            b.col(PID, o),
            b.alias(b.coalesce(b.sum_(b.col("paid", o)), b.integer(0)), paid_col(subsidy.name)),
            b.alias(b.coalesce(b.sum_(b.col("before", o)), b.integer(0)), before_col(subsidy.name)),
            b.alias(
                exp.Sum(
                    this=b.case([(exp.GT(this=b.col("paid", o), expression=b.integer(0)), b.integer(1))], b.integer(0))
                ),
                orders_col(subsidy.name),
            ),
            b.alias(
                exp.Sum(this=b.case([(b.is_true(b.col("candidate", o)), b.integer(1))], b.integer(0))),
                candidates_col(subsidy.name),
            ),
        )
        .from_(ctx.ref(third, o))
        .group_by(b.col(PID, o))
    )
    name = f"subsidy__{subsidy.name}"
    ctx.add(name, summary)
    return name


def _order_subsidy(ctx: Context, subsidy: ir.Subsidy, cost: exp.Expression) -> exp.Expression:
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


def _order_budget(ctx: Context, limits: ir.Limits, o: str) -> exp.Expression:
    before = b.col("before", o)
    if limits.pool is None:
        return before
    cap = b.integer(minor(limits.pool.amount, ctx.currency))
    if (limits.overflow or "scale down") == "first come":
        order = [b.ordered(b.col("t", o)), b.ordered(b.col("k", o))]
        running = b.window(b.sum_(before.copy()), order=order, running=True)
        earlier = exp.Sub(this=running, expression=before.copy())
        return b.cast(
            b.greatest(b.integer(0), b.least(before.copy(), exp.Sub(this=cap, expression=b.paren(earlier)))), "HUGEINT"
        )
    total = b.window(b.sum_(before.copy()))
    scaled = exp.IntDiv(this=exp.Mul(this=before.copy(), expression=cap.copy()), expression=total.copy())
    return b.cast(b.case([(exp.GT(this=total, expression=cap.copy()), scaled)], before.copy()), "HUGEINT")
