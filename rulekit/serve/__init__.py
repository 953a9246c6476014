"""``rulekit serve``: an HTTP JSON decision service over one or more rule files.

:func:`create_app` builds the ASGI application (Starlette) from a :class:`Registry` of
loaded programs; ``rulekit serve FILE...`` runs it under uvicorn. Endpoints, limits,
reloading and the error format are described in ``docs/serve.md``.

Starlette is imported only when one of these names is used, so the other commands of
the CLI (which read the defaults in :mod:`rulekit.serve.config`) start as fast as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rulekit.serve.config import ServeConfig

if TYPE_CHECKING:
    from rulekit.serve.app import create_app
    from rulekit.serve.registry import Registry, ServeSetupError

__all__ = ["Registry", "ServeConfig", "ServeSetupError", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from rulekit.serve.app import create_app

        return create_app
    if name in ("Registry", "ServeSetupError"):
        from rulekit.serve import registry

        return getattr(registry, name)
    raise AttributeError(f"module 'rulekit.serve' has no attribute {name!r}")
