#!/usr/bin/env bash
# The main job: settle the Apollo program on the bundled example data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/rulekit run campaigns/apollo.rules --data examples/apollo --out out/apollo_settlement.json
