"""Finding a reward kind's registry entry, importable from anywhere.

This module imports only the IR and the base class, so modules that the plan itself
imports (``rulekit.contract``) can use it too; :mod:`rulekit.plan.kinds` re-exports it.
The registry is imported on first use: its entries call into the stages, and the
stages find entries through here.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

from rulekit import ir
from rulekit.rewards.base import AnyKind


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
