"""Data impact of a program change: compare two settlements of the same data.

:func:`compare_settlements` takes the settlement of the old and of the new version
over one set of input tables and reports, per participant, what changed for them:
eligibility, qualification, disqualification, warnings, rank, each reward, the
commission charged or waived, and the total payout; plus the change in the total
payout over all participants. Amounts are ``Decimal`` throughout.

:func:`settle_both` runs ``rulekit.settle.settle`` on both programs; it is kept apart
so the comparison itself can be tested on hand-built settlements.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rulekit import ir
from rulekit.diff import format_amount
from rulekit.periods import is_paid_per_period
from rulekit.periods.run import PeriodSettlement, settle_periods
from rulekit.results import DataIssue, ParticipantResult, Settlement

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Effect:
    """One thing that changed for one participant.

    ``aspect`` is a stable word (``eligibility``, ``qualification``, ``disqualified``,
    ``warning``, ``rank``, ``reward``, ``commission due``, ``commission waived``,
    ``payout``, ``participation``); ``name`` the reward or warning it concerns.
    """

    aspect: str
    old: str
    new: str
    summary: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class ParticipantImpact:
    """Everything that changed for one participant, with the payout on both sides."""

    id: str
    effects: tuple[Effect, ...]
    old_payout: Decimal
    new_payout: Decimal

    @property
    def payout_changed(self) -> bool:
        return self.old_payout != self.new_payout

    @property
    def difference(self) -> Decimal:
        return self.new_payout - self.old_payout


@dataclass(frozen=True, slots=True)
class Impact:
    """The effect of a program change on one data set."""

    currency: str
    participants: tuple[ParticipantImpact, ...]
    old_total: Decimal
    new_total: Decimal
    old_commission: Decimal = ZERO
    new_commission: Decimal = ZERO
    data_issues: tuple[str, ...] = field(default=())

    @property
    def difference(self) -> Decimal:
        return self.new_total - self.old_total

    @property
    def payout_changed_ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.participants if p.payout_changed)

    def to_json(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "old_total": str(self.old_total),
            "new_total": str(self.new_total),
            "difference": str(self.difference),
            "old_commission": str(self.old_commission),
            "new_commission": str(self.new_commission),
            "participants": [
                {
                    "id": p.id,
                    "old_payout": str(p.old_payout),
                    "new_payout": str(p.new_payout),
                    "payout_changed": p.payout_changed,
                    "effects": [
                        {"aspect": e.aspect, "name": e.name, "old": e.old, "new": e.new, "summary": e.summary}
                        for e in p.effects
                    ],
                }
                for p in self.participants
            ],
            "data_issues": list(self.data_issues),
        }


# ---------------------------------------------------------------------- comparison


def compare_settlements(old: Settlement, new: Settlement) -> Impact:
    """What changes for each participant between two settlements of the same data."""
    currency = new.currency or old.currency
    money = _money(currency)
    old_by = {str(p.id): p for p in old.participants}
    new_by = {str(p.id): p for p in new.participants}
    impacts = []
    for pid in sorted(old_by.keys() | new_by.keys()):
        impact = _participant(pid, old_by.get(pid), new_by.get(pid), money)
        if impact.effects:
            impacts.append(impact)
    issues = _issues(old, new)
    return Impact(
        currency=currency,
        participants=tuple(impacts),
        old_total=_total(old.participants, lambda p: p.total_payout),
        new_total=_total(new.participants, lambda p: p.total_payout),
        old_commission=_total(old.participants, lambda p: p.commission_due),
        new_commission=_total(new.participants, lambda p: p.commission_due),
        data_issues=issues,
    )


def _total(participants: Iterable[ParticipantResult], amount: Callable[[ParticipantResult], Decimal | None]) -> Decimal:
    return sum((amount(p) or ZERO for p in participants), ZERO)


def _issues(old: Settlement, new: Settlement) -> tuple[str, ...]:
    """Data-quality findings of both settlements; one found by a single version says which."""
    before = [_issue(i) for i in old.data_quality]
    after = [_issue(i) for i in new.data_quality]
    out = []
    for text in dict.fromkeys(before + after):
        if text not in after:
            text = f"old version only: {text}"
        elif text not in before:
            text = f"new version only: {text}"
        out.append(text)
    return tuple(out)


def _issue(issue: DataIssue) -> str:
    where = f"{issue.table}.{issue.column}" if issue.column else issue.table
    example = f" (e.g. {issue.example})" if issue.example else ""
    return f"{where}: {issue.problem}, {issue.rows} row(s){example}"


def _money(currency: str) -> Callable[[Decimal | None], str]:
    def render(amount: Decimal | None) -> str:
        return "none" if amount is None else format_amount(amount, currency)

    return render


def _participant(
    pid: str,
    old: ParticipantResult | None,
    new: ParticipantResult | None,
    money: Callable[[Decimal | None], str],
) -> ParticipantImpact:
    effects: list[Effect] = []
    if old is None or new is None:
        present = "participant" if old is not None else "absent"
        now = "participant" if new is not None else "absent"
        word = "no longer a participant" if new is None else "new participant"
        effects.append(Effect("participation", present, now, word))
    effects += _flags(old, new)
    effects += _rank(old, new)
    effects += _rewards(old, new, money)
    for aspect, attr in (("commission due", "commission_due"), ("commission waived", "commission_waived")):
        before = getattr(old, attr, None) if old else None
        after = getattr(new, attr, None) if new else None
        if before != after:
            effects.append(Effect(aspect, money(before), money(after), f"{aspect}: {money(before)} -> {money(after)}"))
    old_payout = old.total_payout if old else ZERO
    new_payout = new.total_payout if new else ZERO
    if old_payout != new_payout:
        summary = f"payout: {money(old_payout)} -> {money(new_payout)} ({_signed(new_payout - old_payout, money)})"
        effects.append(Effect("payout", money(old_payout), money(new_payout), summary))
    return ParticipantImpact(pid, tuple(effects), old_payout, new_payout)


def _signed(amount: Decimal, money: Callable[[Decimal | None], str]) -> str:
    return ("+" if amount > 0 else "") + money(amount)


def _flags(old: ParticipantResult | None, new: ParticipantResult | None) -> list[Effect]:
    effects = []
    for aspect, attr, gained, lost in (
        ("eligibility", "eligible", "became eligible", "no longer eligible"),
        ("qualification", "qualified", "now qualifies", "no longer qualifies"),
        ("disqualified", "disqualified", "now disqualified", "no longer disqualified"),
    ):
        before = bool(getattr(old, attr)) if old else False
        after = bool(getattr(new, attr)) if new else False
        if before != after:
            reason = _failed_clauses(new) if attr != "disqualified" and not after else ""
            effects.append(Effect(aspect, _yes(before), _yes(after), (gained if after else lost) + reason))
    old_warn = set(old.warnings) if old else set()
    new_warn = set(new.warnings) if new else set()
    for name in sorted(new_warn - old_warn):
        effects.append(Effect("warning", "no", "yes", f"new warning `{name}`", name))
    for name in sorted(old_warn - new_warn):
        effects.append(Effect("warning", "yes", "no", f"warning `{name}` no longer applies", name))
    return effects


def _failed_clauses(result: ParticipantResult | None) -> str:
    """`` (fails `live_hours`)`` — the eligibility or gate clauses that no longer hold."""
    if result is None:
        return ""
    failed = [c.name for c in result.clauses if c.kind in ("eligible", "gate") and c.judged and not c.holds]
    return f" (fails {', '.join(f'`{n}`' for n in failed)})" if failed else ""


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _rank(old: ParticipantResult | None, new: ParticipantResult | None) -> list[Effect]:
    before = old.rank if old else None
    after = new.rank if new else None
    if before == after:
        return []

    def show(rank: int | None) -> str:
        return "unranked" if rank is None else str(rank)

    return [Effect("rank", show(before), show(after), f"rank: {show(before)} -> {show(after)}")]


def _rewards(
    old: ParticipantResult | None, new: ParticipantResult | None, money: Callable[[Decimal | None], str]
) -> list[Effect]:
    before = _by_reward(old)
    after = _by_reward(new)
    effects = []
    for name in list(before) + [n for n in after if n not in before]:
        a, b = before.get(name), after.get(name)
        amount_a = a[1] if a else None
        amount_b = b[1] if b else None
        if amount_a == amount_b:
            continue
        kind = (b or a or ("reward", ZERO))[0]
        summary = f"{kind} `{name}`: {money(amount_a)} -> {money(amount_b)}"
        effects.append(Effect("reward", money(amount_a), money(amount_b), summary, name))
    return effects


def _by_reward(result: ParticipantResult | None) -> dict[str, tuple[str, Decimal]]:
    """Reward name -> (kind, amount); a reward listed twice is summed."""
    out: dict[str, tuple[str, Decimal]] = {}
    for reward in result.rewards if result else []:
        kind, amount = out.get(reward.name, (reward.kind, ZERO))
        out[reward.name] = (kind, amount + reward.amount)
    return out


# ---------------------------------------------------------------------- rendering


def render_impact(impact: Impact, label: str = "the data") -> str:
    """The human form: one block per participant whose outcome changes, then totals."""
    money = _money(impact.currency)
    lines = [f"Impact on {label}:"]
    if not impact.participants:
        lines.append("  no participant's outcome changes")
    for p in impact.participants:
        lines.append(f"  {p.id}")
        lines += [f"    {e.summary}" for e in p.effects]
    lines.append(
        f"Total payout: {money(impact.old_total)} -> {money(impact.new_total)} ({_signed(impact.difference, money)})"
    )
    if impact.old_commission != impact.new_commission:
        change = _signed(impact.new_commission - impact.old_commission, money)
        lines.append(f"Total commission: {money(impact.old_commission)} -> {money(impact.new_commission)} ({change})")
    changed = len(impact.payout_changed_ids)
    lines.append(f"{changed} participant{'s' if changed != 1 else ''} with a different payout.")
    if impact.data_issues:
        lines.append("Data issues:")
        lines += [f"  {issue}" for issue in impact.data_issues]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------- settling


def settle_both(old: ir.Program, new: ir.Program, data: Any) -> tuple[Settlement, Settlement]:
    """Settle both versions on the same data with ``rulekit.settle.settle``.

    Raises ``ImportError`` while the settlement engine is not installed.
    """
    return _settle_one(old, data), _settle_one(new, data)


def _settle_one(program: ir.Program, data: Any) -> Settlement:
    from rulekit.settle import settle  # type: ignore[import-not-found, unused-ignore]

    if is_paid_per_period(program):
        return as_one_settlement(settle_periods(program, data))
    settled: Settlement = settle(program, data)
    return settled


def as_one_settlement(periods: PeriodSettlement) -> Settlement:
    """A settlement paid per period as one list of lines, each named ``ID in PERIOD``
    (``S01 in 2024-03``), so a change is reported for the period it changes; a version paid
    once and one paid per period then differ in who takes part, which is what changed."""
    lines = [
        line.result.model_copy(update={"id": f"{line.result.id} in {line.period.label}"}) for line in periods.lines
    ]
    return Settlement(
        program=periods.program,
        currency=periods.currency,
        timezone=periods.timezone,
        participants=lines,
        totals=periods.totals,
        data_quality=periods.data_quality,
    )
