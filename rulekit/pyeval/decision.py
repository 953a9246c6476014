"""Evaluations and order effects to :class:`rulekit.results.Decision`, with reasons.

The result models are built with their ordinary (validating) constructors: pydantic's
compiled validation is faster than ``model_construct``, which runs in Python. Text that
does not depend on the facts (notes on population-wide limits, the due date) is built
once per compiled program.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from rulekit import ir
from rulekit.clause_reasons import clause_reason, traced_reason
from rulekit.explain_links import counted_notes
from rulekit.facts import Facts, Row
from rulekit.money import minor_unit
from rulekit.plan.kinds import kind_of
from rulekit.pyeval.program import CompiledEffect, EffectOutcome, Evaluation, PyProgram
from rulekit.pyeval.types import label, participant_noun
from rulekit.reasons import (
    ClauseLike,
    format_money,
    outcome_reasons,
    reward_reason,
    window_text,
)
from rulekit.results import ClauseOutcome, Decision, MetricValue, OrderEffect, RewardAmount
from rulekit.timeutil import due_date

_CLAUSE_CACHE_LIMIT = 10_000


def decide(compiled: PyProgram, facts: Facts, evaluation: Evaluation | None = None) -> Decision:
    """A whole decision: one participant (lists of events) or one order (an event given as a dict).

    ``evaluation`` is the evaluation of ``facts`` when the caller already has it (the fast
    path of :mod:`rulekit.fastpath` builds its decision when one is asked for).
    """
    order_mode = bool(facts.events)
    if evaluation is None:
        evaluation = compiled.evaluate(facts, only_needed=order_mode)
    effects: list[OrderEffect] = []
    for table in compiled.effect_tables():
        rows = [facts.events[table]] if table in facts.events else facts.tables.get(table, [])
        if order_mode and table not in facts.events:
            continue
        outcomes = compiled.order_effects(evaluation, table, rows)
        effects += [_order_effect(compiled, evaluation, o, rows) for o in outcomes]
    rewards = [] if order_mode else _rewards(compiled, evaluation, effects)
    clauses = clause_outcomes(compiled, evaluation)
    # The sum of the rewards this decision can know (population limits are applied at settlement).
    total = sum((r.amount for r in rewards), Decimal(0).quantize(minor_unit(compiled.currency)))
    return Decision(
        program=compiled.ir.header.name if compiled.ir.header else "",
        id=evaluation.participant_id,
        eligible=evaluation.eligible,
        qualified=evaluation.qualified,
        disqualified=any(c.kind == "disqualify" and c.holds and c.judged for c in clauses),
        warnings=[c.name for c in clauses if c.kind == "warn" and c.holds and c.judged],
        metrics=reported_metrics(evaluation.metrics),
        members={mid: reported_metrics(values) for mid, values in evaluation.members.items()},
        clauses=clauses,
        rewards=rewards,
        effects=effects,
        total_payout=total,
        payout_due=due_date(compiled.ir) if total > 0 else None,
        reasons=decision_reasons(compiled, clauses, evaluation.qualified, order_mode)
        + counted_notes(compiled.plan, evaluation.counted),  # sub-entities (issue 10, construct 4)
    ).under(compiled.ir)


def reported_metrics(values: Mapping[str, Any]) -> dict[str, MetricValue]:
    """Metric values as results report them: exactly as evaluated (ratios as exact fractions)."""
    return dict(values)


def clause_outcomes(compiled: PyProgram, evaluation: Evaluation) -> list[ClauseOutcome]:
    """Each clause's outcome with its reason, worded from the trace of the clause over the
    values the evaluation used (the same tracer explains a settlement row)."""
    cache = _reason_cache(compiled)
    outcomes = []
    for traced, (clause, holds, judged) in zip(compiled.traced_clauses(), evaluation.outcomes, strict=True):
        reason = traced_reason(compiled.plan, traced, evaluation.env, cache, clause_reason)
        outcomes.append(
            ClauseOutcome(name=clause.name, kind=clause.kind.value, holds=holds, judged=judged, reason=reason)
        )
    return outcomes


def _reason_cache(compiled: PyProgram) -> dict[Any, str]:
    # Reasons are pure functions of the values a clause reads, so equal inputs share text.
    cache: dict[Any, str] = compiled.cache.setdefault("clause_reasons", {})
    if len(cache) >= _CLAUSE_CACHE_LIMIT:
        cache.clear()
    return cache


# --------------------------------------------------------------------------- effects


def _effect_for(compiled: PyProgram, outcome: EffectOutcome) -> CompiledEffect:
    return next(e for e in compiled.effects if e.reward.name == outcome.name)


def _order_effect(compiled: PyProgram, evaluation: Evaluation, outcome: EffectOutcome, rows: list[Row]) -> OrderEffect:
    effect = _effect_for(compiled, outcome)
    row = next((r for r in rows if effect.order_key is None or str(r[effect.order_key]) == outcome.order_id), rows[0])
    return OrderEffect(
        name=outcome.name,
        kind=outcome.kind,
        order_id=outcome.order_id,
        applies=outcome.applies,
        rate=outcome.rate,
        amount=outcome.amount,
        reason=effect_reason(compiled, effect, evaluation, outcome, row),
    )


def effect_reason(
    compiled: PyProgram, effect: CompiledEffect, evaluation: Evaluation, outcome: EffectOutcome, row: Row
) -> str:
    """``0% commission on item total £20.00 = £0.00 — placed inside first 90 days from joined at``."""
    program, code = compiled.ir, compiled.currency
    reward = effect.reward
    base = f"{label(program, effect.order.column)} {format_money(outcome.base, code)}"
    return effect.kind.effect_reason(
        reward,
        outcome,
        code,
        base,
        lambda: _inside(compiled, effect, evaluation, row),
        lambda: _why_not(compiled, effect, evaluation, row, outcome),
    )


def _inside(compiled: PyProgram, effect: CompiledEffect, evaluation: Evaluation, row: Row) -> str:
    window = effect.order.filters.window
    if window is None:
        return "the order matches"
    when = _order_time(effect, row)
    placed = f"placed {when}, " if when else ""
    return f"{placed}inside the {window.replace('_', ' ')} ({_window_detail(compiled, window, evaluation.row)})"


def _why_not(
    compiled: PyProgram, effect: CompiledEffect, evaluation: Evaluation, row: Row, outcome: EffectOutcome
) -> str:
    noun = participant_noun(compiled.ir)
    status = effect.kind.status  # the flag an order needs: eligible (commission) or qualified (subsidy)
    if status == "eligible" and not evaluation.eligible:
        return f"the {noun} is not eligible"
    if status == "qualified" and not evaluation.qualified:
        return f"the {noun} does not qualify"
    window = effect.order.filters.window
    if window is not None:
        bounds = compiled.windows[window](evaluation.row)
        if not effect.matches(row, bounds) and effect.matches(row, None):
            when = _order_time(effect, row)
            placed = f"placed {when}, " if when else ""
            detail = _window_detail(compiled, window, evaluation.row)
            return f"{placed}outside the {window.replace('_', ' ')} ({detail})"
    where = effect.order.filters.where
    if where is not None:
        key = f"where:{effect.reward.name}"
        text = compiled.cache.get(key)
        if text is None:
            text = compiled.cache[key] = _source(compiled.ir, where.span)
        return f"the order does not meet `{text}`"
    return "the order does not match"


def _order_time(effect: CompiledEffect, row: Row) -> str | None:
    column = effect.table.time or (effect.table.period[0] if effect.table.period else None)
    value = row.get(column) if column else None
    return format_value_time(value) if isinstance(value, dt.datetime) else None


def format_value_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _window_detail(compiled: PyProgram, name: str, participant: Row) -> str:
    bounds = compiled.windows[name](participant)
    key = ("window", name, bounds)
    text: str | None = compiled.cache.get(key)
    if text is None:
        if len(compiled.cache) > 10_000:
            compiled.cache.clear()
        text = compiled.cache[key] = _window_words(compiled, name, bounds)
    return text


def _window_words(compiled: PyProgram, name: str, bounds: tuple[dt.datetime, dt.datetime]) -> str:
    start, end = bounds
    if start > end:
        return f"{window_text(compiled.ir, name)}; no anchor date"
    return f"{window_text(compiled.ir, name)}: {format_value_time(start)} to {format_value_time(end)}"


def _source(program: ir.Program, span: ir.Span) -> str:
    lines = program.source.splitlines()
    if not lines or span.line < 1 or span.line > len(lines) or span.end_line != span.line:
        return "its condition"
    return lines[span.line - 1][span.column - 1 : span.end_column - 1]


# --------------------------------------------------------------------------- rewards


def _rewards(compiled: PyProgram, evaluation: Evaluation, effects: list[OrderEffect]) -> list[RewardAmount]:
    program = compiled.ir
    values = {**evaluation.row, **evaluation.metrics}
    found = []
    for reward, amount in compiled.participant_rewards(evaluation):
        reason = reward_reason(program, reward, values, amount=amount, before_limits=amount)
        kind = kind_of(reward).name
        found.append(RewardAmount(name=reward.name, kind=kind, amount=amount, before_limits=amount, reason=reason))
    if evaluation.qualified:
        for reward in program.rewards:
            entry = kind_of(reward)
            if not (entry.per_order and entry.paid):
                continue
            paid = [e for e in effects if e.name == reward.name and e.applies]
            total = sum((e.amount for e in paid), Decimal(0))
            reason = reward_reason(program, reward, values, amount=total, before_limits=total, orders=len(paid))
            found.append(
                RewardAmount(name=reward.name, kind=entry.name, amount=total, before_limits=total, reason=reason)
            )
    return found


def decision_reasons(
    compiled: PyProgram, clauses: Sequence[ClauseLike], qualified: bool, order_mode: bool
) -> list[str]:
    """The top-level reasons of a decision: the outcome, then what a single decision cannot know."""
    noun = participant_noun(compiled.ir)
    reasons = outcome_reasons(clauses, qualified)  # the same function words a settlement row's
    if order_mode:
        reasons.append(
            "an order decision computes only the metrics the rules need, over the rows given; "
            f"rewards over the whole period are decided per {noun} or at settlement"
        )
    reasons += _static_notes(compiled)
    return reasons


def _static_notes(compiled: PyProgram) -> list[str]:
    notes: list[str] | None = compiled.cache.get("static_notes")
    if notes is None:
        program = compiled.ir
        notes = _population_notes(program, participant_noun(program))
        due = due_date(program)
        if program.payout is not None and (program.payout.channel or due):
            channel = f" by {program.payout.channel}" if program.payout.channel else ""
            when = f", due {due.isoformat()}" if due else ""
            notes.append(f"paid{channel}{when}")
        compiled.cache["static_notes"] = notes
    return notes


def _population_notes(program: ir.Program, noun: str) -> list[str]:
    """What a single decision cannot know: it depends on other participants or orders."""
    code = program.header.currency if program.header and program.header.currency else "USD"
    notes = []
    for reward in program.rewards:
        notes += kind_of(reward).notes(reward, noun, code)
    return notes
