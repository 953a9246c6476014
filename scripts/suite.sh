#!/usr/bin/env bash
# The checks of the suite, run with whatever environment is first on PATH.
# Called by scripts/test.sh (the locked .venv) and scripts/test-unlocked.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
# RULEKIT_SUITE=runtime skips the stages that judge rulekit's own code (lint, layout, types):
# scripts/test-unlocked.sh --lowest uses it, where the tools themselves are old releases.
if [ "${RULEKIT_SUITE:-all}" != runtime ]; then
  echo "== ruff check";          ruff check .
  echo "== ruff format --check"; ruff format --check .
  echo "== mypy --strict";       mypy --strict rulekit
fi
echo "== rulekit check";       rulekit check campaigns/*.rules
echo "== rulekit test";        rulekit test campaigns/*.rules
echo "== rulekit fmt --check"; rulekit fmt --check campaigns/*.rules
echo "== pytest";              python -m pytest -q -p no:cacheprovider "$@"
