"""The service's limits and reload settings, with their documented defaults."""

from __future__ import annotations

from dataclasses import dataclass

# 1 MiB: a participant with a few thousand event rows fits; a runaway client does not.
DEFAULT_MAX_BODY_BYTES = 1_048_576
# A batch is decided in one request, one decision after another: bound the time it holds a worker.
DEFAULT_MAX_BATCH = 1_000
# How often the rule files are looked at for changes (seconds).
DEFAULT_RELOAD_INTERVAL = 1.0


@dataclass(frozen=True, slots=True)
class ServeConfig:
    """Limits of one service: request body size, facts per batch, and file reloading."""

    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_batch: int = DEFAULT_MAX_BATCH
    reload: bool = True
    reload_interval: float = DEFAULT_RELOAD_INTERVAL

    def __post_init__(self) -> None:
        if self.max_body_bytes < 1:
            raise ValueError("max_body_bytes must be at least 1")
        if self.max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        if self.reload_interval <= 0:
            raise ValueError("reload_interval must be positive")
