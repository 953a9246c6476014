#!/usr/bin/env bash
# Opt-in: the whole suite against the newest releases that pyproject.toml allows (default),
# or against the lowest versions of the direct dependencies (`--lowest`), in .venv-newest/
# or .venv-lowest/, leaving the locked .venv alone. A failure here is what an upgrade of the
# lock would change; an upgrade is then a deliberate `bash scripts/lock.sh --upgrade` commit.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
resolution=highest
if [ "${1:-}" = "--lowest" ]; then
  resolution=lowest-direct
  export RULEKIT_SUITE=runtime  # old linters judge style, not whether rulekit works
  shift
fi
source scripts/uv.sh
venv="$PWD/.venv-${resolution%%-*}"
[ "$resolution" = highest ] && venv="$PWD/.venv-newest"
"$UV" venv --quiet --allow-existing "$venv"
VIRTUAL_ENV="$venv" "$UV" pip install --quiet --upgrade --resolution "$resolution" -e . --group dev
echo "== installed (resolution: $resolution)"
VIRTUAL_ENV="$venv" "$UV" pip list --format freeze | sed 's/^/  /'
export PATH="$venv/bin:$PATH"
# The test that the environment matches uv.lock is expected to fail here, by design.
bash scripts/suite.sh -m "not bench and not fuzz and not locked" "$@"
