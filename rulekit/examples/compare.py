"""Expectations against actual results: one :class:`Outcome` per expectation item.

An outcome carries the expected and the actual value as text in the same unit, so a
failure reads ``a1 prize leaderboard_cash: expected $4,000.00, got $2,500.00``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from rulekit import ir
from rulekit.examples.values import same_number, show, show_like
from rulekit.results import ClauseOutcome, MetricValue, OrderEffect, ParticipantResult

K = ir.ExpectKind


@dataclass(frozen=True)
class Outcome:
    """One checked expectation item."""

    subject: str  # "a1", "order o1"
    item: str  # "prize leaderboard_cash", "rank", or "" for a yes/no item
    expected: str
    actual: str
    span: ir.Span

    @property
    def passed(self) -> bool:
        return self.expected == self.actual

    def diff(self) -> str:
        where = f"{self.subject} {self.item}".strip()
        return f"{where}: expected {self.expected}, got {self.actual}"


def show_plain(actual: str | bool | dt.date) -> str:
    """A text, yes/no, day or moment value the way an example writes it (a moment in UTC)."""
    if isinstance(actual, bool):
        return "true" if actual else "false"
    if isinstance(actual, str):
        return f'"{actual}"'
    if isinstance(actual, dt.datetime):
        utc = actual.astimezone(dt.UTC) if actual.tzinfo is not None else actual
        return utc.strftime("%Y-%m-%d %H:%M:%S").removesuffix(":00")
    return actual.isoformat()


def _numeric(subject: str, label: str, item: ir.Expectation, actual: MetricValue) -> Outcome:
    """Numbers compare exactly; the text shows both in the unit the author wrote."""
    value = item.value or ir.NullValue()
    expected = show(value)
    if isinstance(actual, str | bool | dt.date):  # `latest status in …` (issue 10): compared as written
        return Outcome(subject, label, expected, show_plain(actual), item.span)
    shown = show_like(actual, value)
    if same_number(actual, value):
        shown = expected  # equal values written differently ($20 vs $20.00) still pass
    elif shown == expected:
        shown += " (not exactly)"  # a rounding difference the display hides
    return Outcome(subject, label, expected, shown, item.span)


# ---------------------------------------------------------------------- participants


def _clause(result: ParticipantResult, name: str) -> ClauseOutcome | None:
    return next((c for c in result.clauses if c.name == name), None)


def _hit(outcome: ClauseOutcome) -> bool:
    return outcome.holds and outcome.judged


def _passes(outcome: ClauseOutcome) -> bool:
    """Whether the participant passes the clause: an eligibility rule or gate holds;
    a warning or disqualification does not apply."""
    if outcome.kind in ("eligible", "gate"):
        return outcome.holds
    return not _hit(outcome)


def _hits_of(result: ParticipantResult, kind: str) -> list[str]:
    return [c.name for c in result.clauses if c.kind == kind and _hit(c)]


def _flag(word: str, value: bool) -> str:
    return word if value else f"not {word}"


def compare_participant(subject: str, item: ir.Expectation, result: ParticipantResult | None) -> Outcome:
    """Check one item of ``expect SUBJECT: …`` against a settlement row."""
    if result is None:
        return Outcome(subject, "", _expected_text(item), "absent from the settlement", item.span)
    kind, name = item.kind, item.name or ""
    if kind is K.ELIGIBLE:
        return Outcome(subject, "", _flag("eligible", not item.negated), _flag("eligible", result.eligible), item.span)
    if kind is K.QUALIFIED:
        want, got = _flag("qualified", not item.negated), _flag("qualified", result.qualified)
        return Outcome(subject, "", want, got, item.span)
    if kind in (K.DISQUALIFIED, K.WARNED) and item.name is None:
        clause_kind, word = ("disqualify", "disqualified by") if kind is K.DISQUALIFIED else ("warn", "warned")
        hits = _hits_of(result, clause_kind)
        got = f"{word} {', '.join(hits)}" if hits else f"not {word.split()[0]}"
        if kind is K.DISQUALIFIED and result.disqualified and not hits:
            got = "disqualified"
        return Outcome(subject, "", f"not {word.split()[0]}", got, item.span)
    if kind in (K.DISQUALIFIED, K.WARNED, K.PASSES, K.FAILS, K.NOT_JUDGED):
        return _clause_item(subject, item, _clause(result, name))
    if kind is K.RANK:
        want = "unranked" if isinstance(item.value, ir.NullValue) else show(item.value or ir.NullValue())
        got = "unranked" if result.rank is None else str(result.rank)
        return Outcome(subject, "rank", want, got, item.span)
    if kind is K.TOTAL:
        return _numeric(subject, "total", item, result.total_payout)
    if kind is K.REWARD:
        paid = sum((r.amount for r in result.rewards if r.name == name), Decimal(0))
        return _numeric(subject, f"{item.reward_kind} {name}", item, paid)
    return _metric_item(subject, item, result)


def _clause_item(subject: str, item: ir.Expectation, outcome: ClauseOutcome | None) -> Outcome:
    name = item.name or ""
    want = _expected_text(item)
    if outcome is None:
        return Outcome(subject, "", want, f"no outcome for clause {name}", item.span)
    if item.kind is K.DISQUALIFIED:
        got = f"disqualified by {name}" if _hit(outcome) else f"not disqualified by {name}"
    elif item.kind is K.WARNED:
        got = f"warned {name}" if _hit(outcome) else f"not warned {name}"
    elif item.kind is K.NOT_JUDGED:
        got = f"not judged {name}" if not outcome.judged else f"judged {name}"
    else:
        got = f"passes {name}" if _passes(outcome) else f"fails {name}"
    return Outcome(subject, "", want, got, item.span)


def _metric_item(subject: str, item: ir.Expectation, result: ParticipantResult) -> Outcome:
    name = item.name or ""
    if item.member is not None:
        label = f"{item.member_noun} {item.member} {name}"
        values = result.members.get(item.member, {})
    else:
        label, values = name, result.metrics
    if name not in values:
        return Outcome(subject, label, show(item.value or ir.NullValue()), "not reported", item.span)
    return _numeric(subject, label, item, values[name])


def _expected_text(item: ir.Expectation) -> str:
    """What the author wrote, for items whose actual side is a phrase."""
    name = item.name or ""
    texts = {
        K.ELIGIBLE: _flag("eligible", not item.negated),
        K.QUALIFIED: _flag("qualified", not item.negated),
        K.DISQUALIFIED: f"disqualified by {name}" if item.name else "not disqualified",
        K.WARNED: f"warned {name}" if item.name else "not warned",
        K.PASSES: f"passes {name}",
        K.FAILS: f"fails {name}",
        K.NOT_JUDGED: f"not judged {name}",
    }
    return texts.get(item.kind, show(item.value) if item.value is not None else item.kind.value)


# ---------------------------------------------------------------------------- orders


def compare_order(subject: str, item: ir.Expectation, effects: list[OrderEffect]) -> Outcome:
    """Check ``commission NAME = 0%`` / ``= £1.00`` or ``subsidy NAME = £3.50`` for one order."""
    name = item.name or ""
    label = f"{item.reward_kind} {name}"
    value = item.value or ir.NullValue()
    effect = next((e for e in effects if e.name == name), None)
    if effect is None:
        return Outcome(subject, label, show(value), "no such effect on this order", item.span)
    if isinstance(value, ir.Percent):
        return _numeric(subject, label, item, effect.rate)
    amount = effect.amount if effect.applies or effect.kind == "commission" else Decimal(0)
    return _numeric(subject, label, item, amount)
