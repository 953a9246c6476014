"""The resolved plan of a checked program (see :mod:`rulekit.plan.model`).

``bind(program)`` is the one place where names, levels, types, windows, defaults and
reward kinds are worked out; every stage after the checker reads the plan.
"""

from rulekit.plan.bind import bind
from rulekit.plan.kinds import RewardKind, all_kinds, kind_of
from rulekit.plan.model import (
    ClausePlan,
    ColumnPlan,
    Empty,
    EntityPlan,
    Level,
    LimitsPlan,
    MetricPlan,
    Overflow,
    Plan,
    RankingPlan,
    RewardPlan,
    Shape,
    TablePlan,
    TiePolicy,
    WindowPlan,
)

__all__ = [
    "ClausePlan",
    "ColumnPlan",
    "Empty",
    "EntityPlan",
    "Level",
    "LimitsPlan",
    "MetricPlan",
    "Overflow",
    "Plan",
    "RankingPlan",
    "RewardKind",
    "RewardPlan",
    "Shape",
    "TablePlan",
    "TiePolicy",
    "WindowPlan",
    "all_kinds",
    "bind",
    "kind_of",
]
