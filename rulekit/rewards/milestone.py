"""``milestone``: a ladder of tiers on a metric; ``highest`` pays the top tier reached,
``cumulative`` every tier reached."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlglot import exp

from rulekit import codes, ir
from rulekit import types as t
from rulekit.checks.rewards import participant_metric
from rulekit.diff import format_literal as diff_literal
from rulekit.diff import format_money as diff_money
from rulekit.diff import limit_fields, limits_text
from rulekit.plan.names import metric_type as plan_metric_type
from rulekit.pyeval.rewards import ZERO
from rulekit.pyeval.types import label, metric_type, name_type
from rulekit.pyeval.values import literal_value
from rulekit.reasons import cap_text, format_literal, format_money, format_value
from rulekit.render.i18n import _
from rulekit.render.model import Table
from rulekit.render.rewards import cap_sentence, capitalize_first, pool_sentences
from rulekit.render.words import humanize
from rulekit.rewards.amounts import MetricAmountKind
from rulekit.rewards.base import Paid
from rulekit.sql import build as b
from rulekit.sql.exprs import Operand, compare, literal

if TYPE_CHECKING:
    from rulekit.checks.context import Context
    from rulekit.diff import Collector, Decl
    from rulekit.render.words import Words


def milestone_tiers(milestone: ir.Milestone, value: object) -> list[ir.MilestoneTier]:
    """The tiers whose threshold ``value`` reaches, in source order."""
    if value is None:
        return []
    reached: list[ir.MilestoneTier] = []
    for tier in milestone.tiers:
        threshold = literal_value(tier.threshold)
        try:
            if value >= threshold:  # type: ignore[operator]
                reached.append(tier)
        except TypeError:
            continue
    return reached


def top_tier(tiers: list[ir.MilestoneTier]) -> ir.MilestoneTier:
    """The tier with the highest threshold (the last written among equal ones): what ``highest`` pays,
    whatever its amount (``docs/semantics.md``)."""
    return max(reversed(tiers), key=lambda tier: literal_value(tier.threshold))


def milestone_raw(milestone: ir.Milestone, value: object) -> Decimal:
    """``highest`` pays the top tier reached; ``cumulative`` pays every tier reached."""
    reached = milestone_tiers(milestone, value)
    if not reached:
        return ZERO
    if milestone.mode == "cumulative":
        return sum((t.amount.amount for t in reached), ZERO)
    return top_tier(reached).amount.amount


class MilestoneKind(MetricAmountKind[ir.Milestone]):
    name = "milestone"
    decl = ir.Milestone
    keyword = "milestone"
    total = "milestones"

    def metric(self, reward: ir.Milestone) -> tuple[str, ir.Span | None]:
        return reward.metric, reward.metric_span

    def check(self, ctx: Context, reward: ir.Milestone) -> None:
        metric = participant_metric(ctx, reward.metric, reward.metric_span, "a milestone")
        value = plan_metric_type(ctx.program, metric) if metric else t.UNKNOWN
        if not reward.tiers:
            ctx.error(
                codes.RK509,
                f"milestone `{reward.name}` has no tiers",
                reward.span,
                "add lines like `bronze at 10: $50`",
            )
        for tier in reward.tiers:
            threshold = t.of_literal(tier.threshold)
            if not t.comparable(value, threshold):
                ctx.error(
                    codes.RK211,
                    f"tier `{tier.name}` is reached at {threshold.describe()}, "
                    f"but `{reward.metric}` is {value.describe()}",
                    tier.threshold.span,
                    t.unit_hint(value, threshold) or "write the threshold in the metric's unit",
                )

    def raw(self, reward: ir.Milestone, value: object) -> Decimal:
        return milestone_raw(reward, value)

    def sql_raw(self, reward: ir.Milestone, value: Operand) -> exp.Expression:
        """``highest``: the amount of the top tier reached; ``cumulative``: the sum of those reached."""
        if not reward.tiers:
            return b.integer(0)

        def reached(tier: ir.MilestoneTier) -> exp.Expression:
            return b.is_true(compare(ir.CompareOp.GE, value, Operand(literal(tier.threshold))))

        if reward.mode == "cumulative":
            parts = [b.case([(reached(tier), b.dec(tier.amount.amount))], b.integer(0)) for tier in reward.tiers]
            total: exp.Expression = parts[0]
            for part in parts[1:]:
                total = exp.Add(this=total, expression=part)
            return total
        # A ladder from the top: the first threshold reached, counting down, is the tier paid.
        # Highest threshold first; among equal ones the last written first, as top_tier picks.
        ladder = sorted(reversed(reward.tiers), key=lambda tier: literal_value(tier.threshold), reverse=True)
        return b.case([(reached(tier), b.dec(tier.amount.amount)) for tier in ladder], b.integer(0))

    def most_for_one(self, reward: ir.Milestone, words: Words) -> list[tuple[str, Decimal]]:
        tiers = [t.amount.amount for t in reward.tiers]
        best = max(tiers, default=Decimal(0)) if reward.mode == "highest" else sum(tiers, Decimal(0))
        cap = reward.limits.per_participant
        best = min(best, cap.amount) if cap is not None else best
        # Named: a program can have several milestone rewards, each with its own limits.
        # A milestone's name is often plural ("sales badges"): "a" cannot go before it, "the" can.
        return [
            (
                _("at most {amount} from the {name}").format(amount=words.fmt.money(best), name=humanize(reward.name)),
                best,
            )
        ]

    def describe(self, reward: ir.Milestone, program: ir.Program, words: Words) -> tuple[list[str], Table | None]:
        p, measure = words.participant, words.measure(reward.metric)
        rows = tuple((humanize(t.name), words.value(t.threshold), words.fmt.money(t.amount)) for t in reward.tiers)
        how = (
            _(
                "A qualifying {p} reaches a tier when its {measure} is at least the tier's threshold; "
                "only the highest tier reached is paid."
            )
            if reward.mode == "highest"
            else _(
                "A qualifying {p} reaches a tier when its {measure} is at least the tier's threshold; "
                "every tier reached is paid."
            )
        )
        text = [how.format(p=p, measure=measure)]
        text.extend(cap_sentence(reward.limits, words, _("milestone reward")))
        # The budget is this reward's own: "all milestone rewards" would read as a shared one.
        what = _("payments of this reward")
        text.extend(pool_sentences(reward.limits, words, what, _("in order of {p}").format(p=p)))
        header = (_("Tier"), _("{Measure} at least").format(Measure=capitalize_first(measure)), _("Reward"))
        return text, Table(header, rows) if rows else None

    def reason(
        self, program: ir.Program, reward: ir.Milestone, values: Mapping[str, object], code: str, paid: Paid
    ) -> str:
        value = values.get(reward.metric)
        words = label(program, reward.metric)
        metric = program.metric(reward.metric)
        value_type = metric_type(program, metric) if metric else name_type(program, reward.metric)
        shown = format_value(program, value_type, value)
        reached = milestone_tiers(reward, value)
        if not reached:
            first = reward.tiers[0] if reward.tiers else None
            need = f", the first tier ({first.name}) needs {format_literal(first.threshold)}" if first else ""
            return f"no tier reached: {words} {shown}{need}"
        raw = milestone_raw(reward, value)
        if reward.mode == "cumulative":
            paid_tiers = " + ".join(f"{t.name} {format_literal(t.amount)}" for t in reached)
            text = f"{words} {shown} reaches {paid_tiers} = {format_money(raw, code)}"
        else:
            top = top_tier(reached)
            text = (
                f"{top.name} reached ({words} {shown}, needs {format_literal(top.threshold)}): "
                f"{format_literal(top.amount)}"
            )
        return text + cap_text(raw, reward.limits, code)

    def summary(self, reward: ir.Milestone) -> list[str]:
        parts = [f"{reward.metric}, {reward.mode}"]
        parts += [f"{t.name} at {diff_literal(t.threshold)}: {diff_money(t.amount)}" for t in reward.tiers]
        return parts + limits_text(reward.limits, self.pool_word)

    def diff(self, c: Collector, decl: Decl, old: ir.Milestone, new: ir.Milestone) -> None:
        c.field(decl, "metric", old.metric, new.metric)
        c.field(decl, "mode", old.mode, new.mode)

        def tiers(m: ir.Milestone) -> dict[str, ir.MilestoneTier]:
            return {f"tier `{t.name}`": t for t in m.tiers}

        c.keyed(decl, tiers(old), tiers(new), lambda t: f"at {diff_literal(t.threshold)}: {diff_money(t.amount)}")
        limit_fields(c, decl, old.limits, new.limits, self.pool_word)


KIND = MilestoneKind()
