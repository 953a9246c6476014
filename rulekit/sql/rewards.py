"""The steps of rewards in SQL that every kind shares: result column names, the chain of
stage CTEs, ranking, rounding to minor units, the per-participant cap and the pool or
budget policy. What is particular to a kind is in its module of :mod:`rulekit.rewards`.

Every paid amount is an integer number of **minor units** (cents, pence), so
rounding down for pools and splits is integer division and half-even rounding is
explicit (DuckDB's ``ROUND`` on decimals rounds half away from zero).
"""

from __future__ import annotations

from decimal import Decimal

from sqlglot import exp

from rulekit import ir, money
from rulekit.sql import build as b
from rulekit.sql.exprs import CompileError, Operand
from rulekit.sql.metrics import PID, Context, frame_scope

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


# ------------------------------------------------------------------------ shared steps


def pool_stage(stages: Stages, name: str, limits: ir.Limits, order: list[exp.Ordered]) -> None:
    """Apply a pool cap / budget to ``before`` (minor units): scale down, or first come in ``order``."""
    before = b.col(before_col(name), S)
    stages.add([b.alias(pool_policy(before, limits, stages.ctx.currency, order), paid_col(name))])


def pool_policy(
    before: exp.Expression,
    limits: ir.Limits,
    currency: str,
    order: list[exp.Ordered],
    partition: list[exp.Expression] | None = None,
) -> exp.Expression:
    """What is paid of ``before`` (minor units, one row each) under a pool: everything without
    one; else, when the total is over the pool, each scaled down by the same factor (rounded
    down), or paid ``first come`` in ``order`` until the pool runs out. With ``partition``
    (a budget per day: the rows' budget period) each partition has its own pool."""
    if limits.pool is None:
        return before
    cap = b.integer(minor(limits.pool.amount, currency))
    if (limits.overflow or "scale down") == "first come":
        running = b.window(b.sum_(before.copy()), partition=partition, order=order, running=True)
        earlier = exp.Sub(this=running, expression=before.copy())
        paid: exp.Expression = b.greatest(
            b.integer(0), b.least(before.copy(), exp.Sub(this=cap, expression=b.paren(earlier)))
        )
    else:
        total = b.window(b.sum_(before.copy()), partition=partition)
        scaled = exp.IntDiv(this=exp.Mul(this=before.copy(), expression=cap.copy()), expression=total.copy())
        paid = b.case([(exp.GT(this=total, expression=cap.copy()), scaled)], before.copy())
    return b.cast(paid, "HUGEINT")


def amount_stages(stages: Stages, name: str, limits: ir.Limits, raw: exp.Expression) -> None:
    """A per-participant amount (an exact decimal): the per-participant cap, half-even rounding
    to minor units, nothing for participants who do not qualify, then the budget."""
    ctx = stages.ctx
    if limits.per_participant is not None:
        raw = b.least(raw, b.dec(limits.per_participant.amount))
    paid_to_qualified = b.case([(b.is_true(qualified()), round_minor(raw, ctx.currency))], b.integer(0))
    stages.add([b.alias(b.cast(paid_to_qualified, "HUGEINT"), before_col(name))])
    pool_stage(stages, name, limits, [b.ordered(b.col(PID, S))])
