#!/usr/bin/env bash
# Create .venv and install rulekit (editable) with its development tools, exactly as pinned
# in uv.lock. Needs only Python 3.11+ (`python3`, or the interpreter named by $PYTHON): uv
# itself is installed from the package index into .tools/ at the version scripts/uv.sh pins.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/check-lock.sh
source scripts/uv.sh
# --locked: install exactly what uv.lock says and never re-resolve; packages not in the
# lock are removed from .venv, so every machine tests the same set of versions.
"$UV" sync --locked --quiet
# The Spark and Postgres engines the suite compares with DuckDB (installed only when missing).
bash scripts/engines.sh
