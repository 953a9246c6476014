#!/usr/bin/env bash
# Fail, saying how to fix it, when pyproject.toml's dependencies no longer match uv.lock.
# Works offline: it compares the two files, it does not resolve anything.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/uv.sh
if ! "$UV" lock --check --offline --quiet 2>/dev/null; then
  cat >&2 <<'MSG'
error: uv.lock does not match pyproject.toml (a dependency changed without refreshing the lock).
  fix: run `bash scripts/lock.sh`, then `bash scripts/test.sh`, and commit uv.lock on its own:
       git add pyproject.toml uv.lock && git commit -m "Lock: <what changed and why>"
MSG
  "$UV" lock --check --offline 2>&1 | sed 's/^/  uv: /' >&2 || true
  exit 1
fi
