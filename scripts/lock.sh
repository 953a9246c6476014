#!/usr/bin/env bash
# Refresh uv.lock after a change to pyproject.toml, or upgrade pinned versions on purpose:
#   bash scripts/lock.sh                      # re-resolve, keeping every version that still fits
#   bash scripts/lock.sh --upgrade            # move every dependency to its newest release
#   bash scripts/lock.sh --upgrade-package babel
# Then regenerate what depends on library data (bash scripts/regen.sh), run the suite, and
# commit uv.lock (and the regenerated files) in a commit of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/uv.sh
"$UV" lock "$@"
echo "uv.lock refreshed; review with: git diff uv.lock"
