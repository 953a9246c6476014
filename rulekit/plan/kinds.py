"""Finding a reward's kind: its one registry entry (:mod:`rulekit.rewards`).

The plan labels every reward with its entry (``RewardPlan.kind``); stages that work
on the IR (the checker, documents, diff) find it with :func:`kind_of`. Nothing tests
a reward's class outside the registry. An unregistered class is an error, never
silently taken for some other kind.

The registry is imported on first use: its entries call into the stages, and the
stages import this module.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

from rulekit import ir
from rulekit.rewards.base import AnyKind, RewardKind

__all__ = ["RewardKind", "all_kinds", "by_name", "kind_of", "registered"]


@functools.cache
def _registry() -> tuple[tuple[AnyKind, ...], Mapping[type, AnyKind], Mapping[str, AnyKind]]:
    from rulekit.rewards import registry

    return registry.KINDS, registry.BY_CLASS, registry.BY_NAME


def all_kinds() -> tuple[AnyKind, ...]:
    """Every registered kind, in registry order."""
    return _registry()[0]


def kind_of(reward: ir.Reward) -> AnyKind:
    """The registry entry of ``reward``; raises ``TypeError`` for an unregistered class."""
    found = _registry()[1].get(type(reward))
    if found is None:
        raise TypeError(f"reward kind {type(reward).__name__} is not registered in rulekit.rewards.registry")
    return found


def registered(decl: object) -> AnyKind | None:
    """The entry of ``decl`` when it is a reward of a registered kind, else ``None``."""
    return _registry()[1].get(type(decl))


def by_name(name: str) -> AnyKind | None:
    """The kind called ``name`` (``prize``, ``rebate``, …), or ``None``."""
    return _registry()[2].get(name)
