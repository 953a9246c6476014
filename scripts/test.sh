#!/usr/bin/env bash
# The whole test suite on the locked versions: lint, format, types, the campaign files, pytest.
# Extra arguments go to pytest (e.g. `bash scripts/test.sh -m bench` for the benchmarks).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The Spark and Postgres engines the suite compares with DuckDB (installed only when missing;
# the main job, scripts/run.sh, needs neither).
bash scripts/engines.sh
export PATH="$PWD/.venv/bin:$PATH"
bash scripts/suite.sh "$@"
