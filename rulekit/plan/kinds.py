"""Finding a reward's kind: its one registry entry (:mod:`rulekit.rewards`).

The plan labels every reward with its entry (``RewardPlan.kind``); stages that work
on the IR (the checker, documents, diff) find it with :func:`kind_of`. Nothing tests
a reward's class outside the registry. An unregistered class is an error, never
silently taken for some other kind.
"""

from __future__ import annotations

from rulekit.rewards.base import RewardKind
from rulekit.rewards.lookup import all_kinds, by_name, kind_of, registered

__all__ = ["RewardKind", "all_kinds", "by_name", "kind_of", "registered"]
