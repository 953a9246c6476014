"""``commission``: a rate charged on each order of an eligible participant that matches,
the standard rate on the others. A charge, not a payout."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, cast

from sqlglot import exp

from rulekit import codes, ir
from rulekit.checks.rewards import check_rate
from rulekit.diff import format_percent
from rulekit.pyeval.program import EffectOutcome
from rulekit.reasons import format_money
from rulekit.render.i18n import _
from rulekit.render.model import Table
from rulekit.render.rewards import order_condition
from rulekit.render.words import an
from rulekit.rewards.base import EffectFn, Paid
from rulekit.rewards.orders import OrderKind, order_table, with_status
from rulekit.sql import build as b
from rulekit.sql.metrics import PID, E, column_value, event_filter
from rulekit.sql.rewards import due_col, round_minor, waived_col

if TYPE_CHECKING:
    from rulekit.checks.context import Context
    from rulekit.diff import Collector, Decl
    from rulekit.facts import Row
    from rulekit.pyeval.program import CompiledEffect
    from rulekit.render.words import Words
    from rulekit.sql.exprs import Scope
    from rulekit.sql.rewards import Stages


class CommissionKind(OrderKind[ir.Commission]):
    name = "commission"
    decl = ir.Commission
    keyword = "commission"
    total = "commission_due"
    paid = False
    status = "eligible"

    def limits(self, reward: ir.Commission) -> None:
        return None

    def check(self, ctx: Context, reward: ir.Commission) -> None:
        self.check_order(ctx, reward)
        check_rate(ctx, reward.rate, "a commission rate")
        if reward.standard is None:
            ctx.error(
                codes.RK416,
                f"commission `{reward.name}` has no `standard rate`",
                reward.span,
                "say what other orders pay, like `standard rate: 5%`",
            )
        else:
            check_rate(ctx, reward.standard, "a standard rate")

    # -------------------------------------------------------------- evaluation

    def compile_effect(self, effect: CompiledEffect) -> EffectFn:
        reward = cast(ir.Commission, effect.reward)  # the registry hands each kind its own rewards
        name, column, key, window, matches = reward.name, reward.column, effect.order_key, effect.window, effect.matches
        rate, standard = reward.rate.fraction, (reward.standard.fraction if reward.standard else None)
        quantum, zero = effect.quantum, effect.zero

        def commission(row: Row, participant: Row, eligible: bool, qualified: bool) -> EffectOutcome:
            base: Decimal = row[column]
            applies = eligible and matches(row, window(participant) if window is not None else None)
            used = rate if applies else standard
            amount = (base * used).quantize(quantum, ROUND_HALF_EVEN) if used is not None else zero
            return EffectOutcome(name, "commission", str(row[key]) if key else "", applies, used, amount, base)

        return commission

    def sql_stages(self, stages: Stages, reward: ir.Commission, scope: Scope) -> str:
        """Per participant: commission due and waived, each order rounded half-even."""
        ctx = stages.ctx
        tbl = order_table(ctx, reward)
        applies = b.and_(b.is_true(b.col(self.status, "st")), event_filter(ctx, tbl, reward.filters))
        cost = column_value(tbl, reward.column, E)
        rate = b.dec(reward.rate.fraction)
        standard = b.dec(reward.standard.fraction) if reward.standard else b.integer(0)
        charged = b.case(
            [(applies, round_minor(b.mul(cost, rate), ctx.currency))],
            round_minor(b.mul(cost.copy(), standard), ctx.currency),
        )
        waived: exp.Expression = b.integer(0)
        if reward.standard is not None and reward.standard.fraction > reward.rate.fraction:
            gap = b.dec(reward.standard.fraction - reward.rate.fraction)
            waived = b.case([(applies.copy(), round_minor(b.mul(cost.copy(), gap), ctx.currency))], b.integer(0))
        query = with_status(ctx, tbl, "status").select(
            b.alias(b.col(ctx.pk, E), PID),
            b.alias(b.coalesce(b.sum_(charged), b.integer(0)), due_col(reward.name)),
            b.alias(b.coalesce(b.sum_(waived), b.integer(0)), waived_col(reward.name)),
        )
        name = f"commission__{reward.name}"
        ctx.add(name, query.group_by(b.col(ctx.pk, E)))
        return name

    def order_columns(self, reward: ir.Commission, alias: str) -> list[exp.Expression]:
        return [
            b.alias(b.coalesce(b.col(name, alias), b.integer(0)), name)
            for name in (due_col(reward.name), waived_col(reward.name))
        ]

    # ------------------------------------------------------------------- words

    def describe(self, reward: ir.Commission, program: ir.Program, words: Words) -> tuple[list[str], Table | None]:
        fmt, p, row = words.fmt, words.participant, words.row_noun(reward.table)
        column = words.column_words(reward.column, reward.table)
        condition = order_condition(reward.filters, reward.table, words)
        first = (
            _("On each {row} of {a_p} that may take part, if {condition}, the commission is {rate} of the {column}.")
            if condition
            else _("On each {row} of {a_p} that may take part the commission is {rate} of the {column}.")
        )
        text = [first.format(row=row, a_p=an(p), condition=condition, rate=fmt.percent(reward.rate), column=column)]
        if reward.standard is not None:
            text.append(
                _("On every other {row} the standard commission of {rate} of the {column} applies.").format(
                    row=row, rate=fmt.percent(reward.standard), column=column
                )
            )
        text.append(_("Commission is a charge on the {p}, not a reward.").format(p=p))
        return text, None

    def reason(
        self, program: ir.Program, reward: ir.Commission, values: Mapping[str, object], code: str, paid: Paid
    ) -> str:
        return f"{reward.name.replace('_', ' ')}: {format_money(paid.before_limits, code)}"

    def effect_reason(
        self,
        reward: ir.Commission,
        outcome: EffectOutcome,
        code: str,
        base: str,
        inside: Callable[[], str],
        why_not: Callable[[], str],
    ) -> str:
        rate = f"{_percent(outcome.rate)}" if outcome.rate is not None else "no"
        head = f"{rate} commission on {base} = {format_money(outcome.amount, code)}"
        if outcome.applies:
            return f"{head} — {reward.name.replace('_', ' ')}: {inside()}"
        standard = "standard rate" if reward.standard is not None else "no standard rate"
        return f"{head} — {standard}: {why_not()}"

    def summary(self, reward: ir.Commission) -> list[str]:
        parts = [self.source_summary(format_percent(reward.rate) + " of", reward)]
        return parts + ([f"standard rate {format_percent(reward.standard)}"] if reward.standard else [])

    def diff(self, c: Collector, decl: Decl, old: ir.Commission, new: ir.Commission) -> None:
        c.field(decl, "rate", old.rate, new.rate, format_percent)
        c.field(decl, "standard rate", old.standard, new.standard, format_percent)
        self.diff_source(c, decl, old, new, "charged on")


def _percent(rate: Decimal) -> str:
    """A rate fraction as written in a rule file: ``0.05`` → ``5%``."""
    shown = (rate * 100).normalize()
    return f"{shown:f}%"


KIND = CommissionKind()
