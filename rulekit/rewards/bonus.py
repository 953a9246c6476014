"""``bonus``: an amount per unit of a count metric."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlglot import exp

from rulekit import codes, ir
from rulekit import types as t
from rulekit.checks.rewards import participant_metric
from rulekit.diff import format_money as diff_money
from rulekit.diff import limit_fields, limits_text
from rulekit.money import round_money
from rulekit.plan.names import metric_type
from rulekit.pyeval.rewards import ZERO, as_decimal
from rulekit.pyeval.types import label, name_type
from rulekit.reasons import cap_text, format_literal, format_money, format_value
from rulekit.render.i18n import _
from rulekit.render.model import Table
from rulekit.render.rewards import cap_sentence, pool_sentences
from rulekit.render.words import humanize
from rulekit.rewards.amounts import MetricAmountKind, positive_base
from rulekit.rewards.base import Paid
from rulekit.sql import build as b

if TYPE_CHECKING:
    from rulekit.checks.context import Context
    from rulekit.diff import Collector, Decl
    from rulekit.render.words import Words
    from rulekit.sql.exprs import Operand


def bonus_raw(bonus: ir.Bonus, value: object) -> Decimal:
    """``unit amount × metric value``; a null or negative value earns nothing."""
    amount = as_decimal(value)
    if amount is None or amount <= 0:
        return ZERO
    return bonus.unit_amount.amount * amount


class BonusKind(MetricAmountKind[ir.Bonus]):
    name = "bonus"
    decl = ir.Bonus
    keyword = "bonus"
    total = "bonuses"

    def metric(self, reward: ir.Bonus) -> tuple[str, ir.Span | None]:
        return reward.metric, reward.metric_span

    def check(self, ctx: Context, reward: ir.Bonus) -> None:
        metric = participant_metric(ctx, reward.metric, reward.metric_span, "a bonus")
        value = metric_type(ctx.program, metric) if metric else t.UNKNOWN
        if value.kind not in (t.Kind.COUNT, t.Kind.INT, t.Kind.DECIMAL, t.Kind.UNKNOWN):
            ctx.error(
                codes.RK213,
                f"a bonus is paid per unit of a count, but `{reward.metric}` is {value.describe()}",
                reward.metric_span,
                "pay per unit of a `count` metric, like `order_count`",
            )

    def raw(self, reward: ir.Bonus, value: object) -> Decimal:
        return bonus_raw(reward, value)

    def sql_raw(self, reward: ir.Bonus, value: Operand) -> exp.Expression:
        return positive_base(reward, value, b.mul(b.dec(reward.unit_amount.amount), value.num.copy()))

    def describe(self, reward: ir.Bonus, program: ir.Program, words: Words) -> tuple[list[str], Table | None]:
        p = words.participant
        text = [_each_sentence(reward, words)]
        text.extend(cap_sentence(reward.limits, words, _("bonus")))
        text.extend(pool_sentences(reward.limits, words, _("bonuses"), _("in order of {p}").format(p=p)))
        return text, None

    def reason(self, program: ir.Program, reward: ir.Bonus, values: Mapping[str, object], code: str, paid: Paid) -> str:
        value = values.get(reward.metric)
        words = label(program, reward.metric)
        shown = format_value(program, name_type(program, reward.metric), value)
        raw = bonus_raw(reward, value)
        unit = format_literal(reward.unit_amount)
        text = f"{unit} per unit × {words} {shown} = {format_money(round_money(raw, code), code)}"
        return text + cap_text(raw, reward.limits, code)

    def summary(self, reward: ir.Bonus) -> list[str]:
        return [f"{diff_money(reward.unit_amount)} per unit of {reward.metric}", *limits_text(reward.limits, "budget")]

    def diff(self, c: Collector, decl: Decl, old: ir.Bonus, new: ir.Bonus) -> None:
        c.field(decl, "amount per unit", old.unit_amount, new.unit_amount, diff_money)
        c.field(decl, "metric", old.metric, new.metric)
        limit_fields(c, decl, old.limits, new.limits, self.pool_word)


KIND = BonusKind()


def _each_sentence(reward: ir.Bonus, words: Words) -> str:
    """``… earns $5 for each of its orders`` for a count ("each unit of its number of orders"
    reads as a sum); ``… for each unit of its net sales`` otherwise."""
    p, amount = words.participant, words.fmt.money(reward.unit_amount)
    decl = words.program.metric(reward.metric)
    noun = (decl.text.label or humanize(reward.metric)) if decl is not None else ""
    counting = decl is not None and metric_type(words.program, decl).kind is t.Kind.COUNT
    if counting and not any(word in noun.lower() for word in ("number", "count", "how many")):
        return _("Each qualifying {p} earns {amount} for each of its {things}.").format(p=p, amount=amount, things=noun)
    return _("Each qualifying {p} earns {amount} for each unit of its {measure}.").format(
        p=p, amount=amount, measure=words.measure(reward.metric)
    )
