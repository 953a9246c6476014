"""The registered reward kinds, in the order documents and totals list them.

Loaded on first use by :func:`rulekit.plan.kinds.kind_of`: the entries call into the
stages (checks, SQL, documents), which find entries through ``kind_of`` in turn.
"""

from __future__ import annotations

from rulekit import ir
from rulekit.rewards import bonus, commission, milestone, prize, rebate, subsidy
from rulekit.rewards.base import AnyKind

KINDS: tuple[AnyKind, ...] = (prize.KIND, rebate.KIND, bonus.KIND, milestone.KIND, subsidy.KIND, commission.KIND)
BY_CLASS: dict[type[ir.Reward], AnyKind] = {k.decl: k for k in KINDS}
BY_NAME: dict[str, AnyKind] = {k.name: k for k in KINDS}
