"""Explanations: why one participant (or one decision) came out as it did.

Clause by clause — eligibility, gates, disqualifications, warnings, each marked ✓ (in
the participant's favour), ✗ (against it) or · (not judged yet) with its reason —
then rank, rewards with any pool scaling, commission, total, due date and channel.
"""

from __future__ import annotations

from collections.abc import Sequence

from rulekit import ir
from rulekit.explain_links import counted_lines
from rulekit.plan import bind
from rulekit.plan.kinds import kind_of
from rulekit.pyeval.types import currency, label, name_type, participant_noun
from rulekit.reasons import format_money, format_value
from rulekit.results import (
    ClauseOutcome,
    OrderEffect,
    ParticipantResult,
    RewardAmount,
    Settlement,
    UnknownParticipantError,
)

__all__ = ["UnknownParticipantError", "explain_decision", "explain_participant", "find_participant"]

_SECTIONS = (
    ("eligible", "Eligibility"),
    ("gate", "Gates"),
    ("disqualify", "Disqualification rules"),
    ("warn", "Warnings"),
)


def find_participant(settlement: Settlement, participant_id: str) -> ParticipantResult:
    """The settlement row of one participant (``settlement.participant(id)``), or
    :class:`UnknownParticipantError` with the closest id as a suggestion."""
    return settlement.participant(participant_id)


def _mark(outcome: ClauseOutcome) -> str:
    if not outcome.judged:
        return "·"
    bad = outcome.kind in ("warn", "disqualify")
    return "✗" if outcome.holds == bad else "✓"


def _clause_lines(clauses: Sequence[ClauseOutcome]) -> list[str]:
    lines: list[str] = []
    for kind, title in _SECTIONS:
        chosen = [c for c in clauses if c.kind == kind]
        if not chosen:
            continue
        lines.append(f"{title}:")
        for clause in chosen:
            note = " (not judged)" if not clause.judged else ""
            lines.append(f"  {_mark(clause)} {clause.name}{note}: {clause.reason}")
    return lines


def _title(program: ir.Program) -> str:
    header = program.header
    if header is None:
        return program.path
    return f"{header.name} ({header.title})" if header.title else header.name


def _reward_lines(rewards: Sequence[RewardAmount], code: str) -> list[str]:
    if not rewards:
        return ["Rewards: none"]
    lines = ["Rewards:"]
    for reward in rewards:
        lines.append(f"  {reward.name} ({reward.kind}): {format_money(reward.amount, code)} — {reward.reason}")
        if reward.amount != reward.before_limits:
            lines.append(
                f"    before pool/budget limits {format_money(reward.before_limits, code)}; "
                f"after them {format_money(reward.amount, code)}"
            )
    return lines


def _status(eligible: bool, qualified: bool, disqualified: bool, warnings: Sequence[str]) -> str:
    parts = ["eligible" if eligible else "not eligible"]
    if disqualified:
        parts.append("disqualified")
    parts.append("qualifies" if qualified else "does not qualify")
    if warnings:
        parts.append("warned (" + ", ".join(warnings) + ")")
    return "Outcome: " + ", ".join(parts)


def explain_participant(program: ir.Program, row: ParticipantResult, settlement: Settlement | None = None) -> str:
    """A participant's settlement row in words, clause by clause; with its ``settlement``,
    also the values it was ranked on, who shares its rank and its neighbours."""
    code = currency(program)
    noun = participant_noun(program)
    lines = [f"{noun} {row.id} — {_title(program)}", ""]
    lines += _clause_lines(row.clauses)
    if any(table.links for table in program.tables):  # nested aggregates (issue 10, construct 4)
        lines += counted_lines(bind(program), row.metrics)
    lines += ["", _status(row.eligible, row.qualified, row.disqualified, row.warnings)]
    if any(kind_of(r).ranking(r) is not None for r in program.rewards) or row.rank is not None:
        lines.append(f"Rank: {row.rank}" if row.rank is not None else "Rank: not ranked")
        if row.rank is not None and settlement is not None and program.rankings:
            lines += ranking_lines(program, settlement, row)
    lines += _reward_lines(row.rewards, code)
    if row.commission_due is not None:
        waived = format_money(row.commission_waived, code) if row.commission_waived is not None else "none"
        lines.append(f"Commission: {format_money(row.commission_due, code)} due, {waived} waived")
    lines.append(f"Total payout: {format_money(row.total_payout, code)}")
    lines.append(_due_line(program, row.payout_due.isoformat() if row.payout_due else None))
    lines += _notes(row.reasons)
    return "\n".join(lines)


def ranking_lines(program: ir.Program, settlement: Settlement, row: ParticipantResult) -> list[str]:
    """What a seller needs to check a rank: the values ranked on, who shares the rank (the
    prize's reason says how a split was computed), and the participants just above and below."""
    ranking = program.rankings[0]
    table = settlement.to_arrow()
    ranked = sorted(
        (r for r in table.select(["id", "rank"]).to_pylist() if r["rank"] is not None),
        key=lambda r: (r["rank"], r["id"]),
    )
    rank = row.rank
    values = _key_values(program, ranking, row)
    lines = [f"  ranked on: {values}"] if values else []
    tied = [r["id"] for r in ranked if r["rank"] == rank and r["id"] != row.id]
    if tied:
        lines.append(f"  shares rank {rank} with {', '.join(tied)}")
    near = [r["id"] for r in ranked if abs((r["rank"] or 0) - (rank or 0)) <= 2 and r["id"] != row.id]
    if near:
        lines.append("  around it:")
        for other in near:
            them = settlement.participant(other)
            shown = _key_values(program, ranking, them, directions=False)
            lines.append(f"    {them.rank}. {other}" + (f": {shown}" if shown else ""))
    return lines


def _key_values(program: ir.Program, ranking: ir.Ranking, row: ParticipantResult, directions: bool = True) -> str:
    parts = []
    for key in ranking.keys:
        value = row.metrics.get(key.name) if key.name in row.metrics else (row.id if _is_key(program, key) else None)
        if value is None and key.name not in row.metrics:
            continue  # a participant column other than the key: the settlement does not carry it
        shown = format_value(program, name_type(program, key.name), value)
        order = f" ({key.direction.value})" if directions else ""
        parts.append(f"{label(program, key.name)} {shown}{order}")
    return ", then ".join(parts) if directions else ", ".join(parts)


def _is_key(program: ir.Program, key: ir.RankKey) -> bool:
    table = program.table(program.participant.table) if program.participant else None
    return table is not None and tuple(table.key) == (key.name,)


def _due_line(program: ir.Program, due: str | None) -> str:
    payout = program.payout
    channel = payout.channel if payout and payout.channel else None
    when = f"due {due}" if due else "no due date"
    return f"Payout: {when}" + (f", by {channel}" if channel else "")


def _effect_lines(effects: Sequence[OrderEffect]) -> list[str]:
    if not effects:
        return []
    lines = ["Per order:"]
    for effect in effects:
        lines.append(f"  order {effect.order_id}, {effect.name} ({effect.kind}): {effect.reason}")
    return lines


# Decision reasons that the outcome line already says.
_STATUS_WORDS = (
    "eligible",
    "not eligible",
    "qualifies",
    "does not qualify",
    "fails the gates",
    "disqualified",
    "warned",
)


def explain_decision(program: ir.Program, decision: ParticipantResult) -> str:
    """A single decision in words: clauses, rewards before limits, per-order effects."""
    code = currency(program)
    noun = participant_noun(program)
    disqualified = any(c.kind == "disqualify" and c.holds and c.judged for c in decision.clauses)
    warnings = [c.name for c in decision.clauses if c.kind == "warn" and c.holds and c.judged]
    lines = [f"{noun} {decision.participant_id} — {_title(program)}", ""]
    lines += _clause_lines(decision.clauses)
    lines += ["", _status(decision.eligible, decision.qualified, disqualified, warnings)]
    if decision.rewards:
        lines += _reward_lines(decision.rewards, code)
    lines += _effect_lines(decision.effects)
    lines += _notes(decision.reasons)
    return "\n".join(lines)


def _notes(reasons: Sequence[str]) -> list[str]:
    """The reasons the lines above do not already say (the outcome line says the status)."""
    return [f"Note: {reason}" for reason in reasons if not reason.startswith(_STATUS_WORDS)]
