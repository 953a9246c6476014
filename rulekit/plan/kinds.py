"""The reward kinds: one registry entry per kind.

The plan labels every reward with its entry; results, totals and documents read the
entry instead of testing the reward's class. An unregistered class is an error, never
silently taken for some other kind.
"""

from __future__ import annotations

from dataclasses import dataclass

from rulekit import ir


@dataclass(frozen=True, slots=True)
class RewardKind:
    """What every stage needs to know about one kind of reward.

    ``per_order`` kinds are computed on each event row (commission, subsidy);
    ``paid`` kinds are money paid to the participant (a commission is charged);
    ``total`` is the key of ``Settlement.totals`` the kind adds up in.
    """

    name: str
    decl: type[ir.Reward]
    per_order: bool
    paid: bool
    total: str
    keyword: str  # the word that starts its declaration


PRIZE = RewardKind("prize", ir.Prize, per_order=False, paid=True, total="prizes", keyword="prize")
REBATE = RewardKind("rebate", ir.Rebate, per_order=False, paid=True, total="rebates", keyword="rebate")
BONUS = RewardKind("bonus", ir.Bonus, per_order=False, paid=True, total="bonuses", keyword="bonus")
MILESTONE = RewardKind("milestone", ir.Milestone, per_order=False, paid=True, total="milestones", keyword="milestone")
SUBSIDY = RewardKind("subsidy", ir.Subsidy, per_order=True, paid=True, total="subsidies", keyword="subsidy")
COMMISSION = RewardKind(
    "commission", ir.Commission, per_order=True, paid=False, total="commission_due", keyword="commission"
)

KINDS: tuple[RewardKind, ...] = (PRIZE, REBATE, BONUS, MILESTONE, SUBSIDY, COMMISSION)
_BY_CLASS: dict[type[ir.Reward], RewardKind] = {k.decl: k for k in KINDS}
BY_NAME: dict[str, RewardKind] = {k.name: k for k in KINDS}


def kind_of(reward: ir.Reward) -> RewardKind:
    """The registry entry of ``reward``; raises ``TypeError`` for an unregistered class."""
    found = _BY_CLASS.get(type(reward))
    if found is None:
        raise TypeError(f"reward kind {type(reward).__name__} is not registered in rulekit.plan.kinds")
    return found
