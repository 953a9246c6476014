#!/usr/bin/env bash
# The whole test suite: lint, format, types, the campaign files, and pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff check";          ruff check .
echo "== ruff format --check"; ruff format --check .
echo "== mypy --strict";       mypy --strict rulekit
echo "== rulekit check";       rulekit check campaigns/*.rules
echo "== rulekit test";        rulekit test campaigns/*.rules
echo "== rulekit fmt --check"; rulekit fmt --check campaigns/*.rules
echo "== pytest";              python -m pytest -q -p no:cacheprovider "$@"
