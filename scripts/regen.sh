#!/usr/bin/env bash
# Regenerate every committed file that rulekit generates, from the locked environment:
# the policy documents in docs/campaigns/ (English) and docs/campaigns/de/ (German). Run after changing a rule file, a template, the
# renderer, or after a lock refresh that moves Babel (locale data) or holidays (calendars).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
rk=.venv/bin/rulekit
for fmt in md html; do
  $rk docs campaigns/apollo.rules --locale en-US --format "$fmt" -o "docs/campaigns/apollo.$fmt"
  $rk docs campaigns/uk_shop.rules --locale en-GB --format "$fmt" -o "docs/campaigns/uk_shop.$fmt"
  $rk docs campaigns/growth_leaderboard.rules --locale en-US --format "$fmt" -o "docs/campaigns/growth_leaderboard.$fmt"
  $rk docs campaigns/seller_milestones.rules --locale en-US --format "$fmt" -o "docs/campaigns/seller_milestones.$fmt"
  $rk docs campaigns/listing_bonus.rules --locale en-US --format "$fmt" -o "docs/campaigns/listing_bonus.$fmt"
  $rk docs campaigns/ytd_bonus.rules --locale en-US --format "$fmt" -o "docs/campaigns/ytd_bonus.$fmt"
  $rk docs campaigns/new_seller.rules --locale en-US --format "$fmt" -o "docs/campaigns/new_seller.$fmt"
  $rk docs campaigns/streak_challenge.rules --locale en-US --format "$fmt" -o "docs/campaigns/streak_challenge.$fmt"
  $rk docs campaigns/flash_sale.rules --locale en-GB --format "$fmt" -o "docs/campaigns/flash_sale.$fmt"
done
# German (de-DE): every campaign, in docs/campaigns/de/ (the catalogue rulekit/locale/de).
mkdir -p docs/campaigns/de
for rules in campaigns/*.rules; do
  name=$(basename "$rules" .rules)
  for fmt in md html; do
    $rk docs "$rules" --locale de-DE --format "$fmt" -o "docs/campaigns/de/$name.$fmt"
  done
done
git status --short docs/campaigns
