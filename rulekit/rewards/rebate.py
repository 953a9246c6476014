"""``rebate``: a share of a money metric, at a flat rate or by marginal / whole-tier brackets."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlglot import exp

from rulekit import codes, ir
from rulekit import types as t
from rulekit.checks.rewards import check_rate, fmt_amount, participant_metric
from rulekit.diff import format_money as diff_money
from rulekit.diff import format_percent, limit_fields, limits_text, same
from rulekit.money import round_money
from rulekit.plan.names import metric_type
from rulekit.pyeval.rewards import ZERO, as_decimal
from rulekit.pyeval.types import label, name_type
from rulekit.reasons import cap_text, format_literal, format_money, format_value
from rulekit.render.i18n import _
from rulekit.render.model import Table
from rulekit.render.rewards import cap_sentence, capitalize_first, pool_sentences
from rulekit.render.words import an
from rulekit.rewards.amounts import MetricAmountKind, positive_base
from rulekit.rewards.base import Paid
from rulekit.sql import build as b

if TYPE_CHECKING:
    from rulekit.checks.context import Context
    from rulekit.diff import Collector, Decl
    from rulekit.render.words import Words
    from rulekit.sql.exprs import Operand


def rebate_raw(rebate: ir.Rebate, base: object) -> Decimal:
    """The rebate before caps: flat rate, or marginal / whole-tier brackets.

    A null or negative base earns nothing.
    """
    amount = as_decimal(base)
    if amount is None or amount <= 0:
        return ZERO
    if rebate.rate is not None:
        return amount * rebate.rate.fraction
    brackets = sorted(rebate.brackets, key=lambda b: b.threshold.amount)
    if rebate.mode is ir.BracketMode.WHOLE_TIER:
        reached = [b for b in brackets if amount >= b.threshold.amount]
        return amount * reached[-1].rate.fraction if reached else ZERO
    total = ZERO
    for index, bracket in enumerate(brackets):
        upper = brackets[index + 1].threshold.amount if index + 1 < len(brackets) else None
        top = amount if upper is None else min(amount, upper)
        if top > bracket.threshold.amount:
            total += (top - bracket.threshold.amount) * bracket.rate.fraction
    return total


class RebateKind(MetricAmountKind[ir.Rebate]):
    name = "rebate"
    decl = ir.Rebate
    keyword = "rebate"
    total = "rebates"

    def metric(self, reward: ir.Rebate) -> tuple[str, ir.Span | None]:
        return reward.base, reward.base_span

    # ------------------------------------------------------------------ checks

    def check(self, ctx: Context, reward: ir.Rebate) -> None:
        metric = participant_metric(ctx, reward.base, reward.base_span, "a rebate")
        base = metric_type(ctx.program, metric) if metric else t.UNKNOWN
        if base.kind not in (t.Kind.MONEY, t.Kind.UNKNOWN):
            ctx.error(
                codes.RK208,
                f"a rebate is paid on money, but `{reward.base}` is {base.describe()}",
                reward.base_span,
                "base the rebate on a `sum` of a money column, like `net_gmv`",
            )
        check_rate(ctx, reward.rate, "a rebate rate")
        if reward.rate is not None and reward.brackets:
            ctx.error(
                codes.RK413,
                f"rebate `{reward.name}` has a flat rate and brackets",
                reward.brackets[0].threshold.span,
                f"write `rebate {reward.name}: marginal brackets of {reward.base}` to use brackets",
            )
            return
        if reward.rate is None:
            _check_brackets(ctx, reward)

    # ----------------------------------------------------------------- formula

    def raw(self, reward: ir.Rebate, value: object) -> Decimal:
        return rebate_raw(reward, value)

    def sql_raw(self, reward: ir.Rebate, value: Operand) -> exp.Expression:
        return positive_base(reward, value, _sql_rebate(reward, value.num.copy()))

    # ------------------------------------------------------------------- words

    def describe(self, reward: ir.Rebate, program: ir.Program, words: Words) -> tuple[list[str], Table | None]:
        fmt, p = words.fmt, words.participant
        base = words.measure(reward.base)
        table = None
        if reward.rate is not None:
            text = [
                _("Each qualifying {p} receives a rebate of {rate} of its {base}.").format(
                    p=p, rate=fmt.percent(reward.rate), base=base
                )
            ]
        else:
            rows = tuple((fmt.money(b.threshold), fmt.percent(b.rate)) for b in reward.brackets)
            table = Table((_("{Base} from").format(Base=capitalize_first(base)), _("Rate")), rows)
            if reward.mode is ir.BracketMode.WHOLE_TIER:
                text = [
                    _(
                        "Each qualifying {p} receives a rebate on its whole {base} "
                        "at the rate of the highest bracket it reaches."
                    ).format(p=p, base=base)
                ]
            else:
                text = [
                    _(
                        "Each qualifying {p} receives a rebate on its {base}: each slice of {base} between one "
                        "bracket's threshold and the next earns that bracket's rate."
                    ).format(p=p, base=base)
                ]
        text.append(_("{A_base} of zero or less earns nothing.").format(A_base=capitalize_first(an(base)), base=base))
        text.extend(cap_sentence(reward.limits, words, _("rebate")))
        text.extend(pool_sentences(reward.limits, words, _("rebates"), _("in order of {p}").format(p=p)))
        return text, table

    def reason(
        self, program: ir.Program, reward: ir.Rebate, values: Mapping[str, object], code: str, paid: Paid
    ) -> str:
        base = values.get(reward.base)
        words = label(program, reward.base)
        shown = format_value(program, name_type(program, reward.base), base)
        decimal_base = as_decimal(base)
        if decimal_base is None or decimal_base <= 0:
            return f"no rebate: {words} is {shown}"
        raw = rebate_raw(reward, base)
        raw_text = format_money(round_money(raw, code), code)
        if reward.rate is not None:
            head = f"rebate {format_literal(reward.rate)} of {words} {shown} = {raw_text}"
        elif reward.mode is ir.BracketMode.WHOLE_TIER:
            reached = [b for b in reward.brackets if decimal_base >= b.threshold.amount]
            if not reached:
                first = min(b.threshold.amount for b in reward.brackets)
                return (
                    f"no rebate: {words} {shown} is below the first bracket ({format_money(first, code, whole=True)})"
                )
            top = max(reached, key=lambda b: b.threshold.amount)
            head = (
                f"rebate {format_literal(top.rate)} (bracket from {format_literal(top.threshold)}) "
                f"of {words} {shown} = {raw_text}"
            )
        else:
            head = f"marginal rebate on {words} {shown}: {_slices(reward, decimal_base, code)} = {raw_text}"
        return head + cap_text(raw, reward.limits, code)

    def summary(self, reward: ir.Rebate) -> list[str]:
        parts = [f"{_rate_text(reward)} of {reward.base}"]
        parts += [f"from {diff_money(b.threshold)}: {format_percent(b.rate)}" for b in reward.brackets]
        return parts + limits_text(reward.limits, self.pool_word)

    def diff(self, c: Collector, decl: Decl, old: ir.Rebate, new: ir.Rebate) -> None:
        c.field(decl, "base", old.base, new.base)
        c.field(decl, "rate", old, new, _rate_text, equal=lambda x, y: same((x.rate, x.mode), (y.rate, y.mode)))
        c.keyed(decl, _bracket_map(old), _bracket_map(new), format_percent)
        limit_fields(c, decl, old.limits, new.limits, self.pool_word)


def _check_brackets(ctx: Context, rebate: ir.Rebate) -> None:
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
            f"the first bracket of `{rebate.name}` starts at {fmt_amount(first.threshold.amount, ctx)}, "
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
        check_rate(ctx, bracket.rate, "a bracket rate")


def _sql_rebate(rebate: ir.Rebate, base: exp.Expression) -> exp.Expression:
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


def _slices(rebate: ir.Rebate, base: Decimal, code: str) -> str:
    brackets = sorted(rebate.brackets, key=lambda b: b.threshold.amount)
    parts = []
    for index, bracket in enumerate(brackets):
        upper = brackets[index + 1].threshold.amount if index + 1 < len(brackets) else None
        top = base if upper is None else min(base, upper)
        if top > bracket.threshold.amount:
            low = format_money(bracket.threshold.amount, code, whole=True)
            high = format_money(top, code, whole=top == upper)
            parts.append(f"{format_literal(bracket.rate)} of {low}–{high}")
    return " + ".join(parts) if parts else "below the first bracket"


def _rate_text(rebate: ir.Rebate) -> str:
    if rebate.rate is not None:
        return format_percent(rebate.rate)
    mode = rebate.mode.value if rebate.mode else "marginal"
    return f"{mode} brackets"


def _bracket_map(rebate: ir.Rebate) -> dict[str, ir.Percent]:
    ordered = sorted(rebate.brackets, key=lambda b: b.threshold.amount)
    return {f"bracket from {diff_money(b.threshold)}": b.rate for b in ordered}


KIND = RebateKind()
