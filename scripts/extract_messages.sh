#!/usr/bin/env bash
# Refresh the translation catalogues from the code: every `_()` / `ngettext()` in
# rulekit/render and rulekit/rewards and every `{{ _("…") }}` in rulekit/templates (see
# babel.cfg). New messages arrive untranslated (tests/test_i18n.py then names them);
# messages no longer used are dropped. Translations already made are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
pot=$(mktemp --suffix=.pot)
trap 'rm -f "$pot"' EXIT
.venv/bin/pybabel extract -F babel.cfg --no-location --sort-output --omit-header -o "$pot" . >/dev/null
for language in rulekit/locale/*/; do
  language=$(basename "$language")
  .venv/bin/pybabel update -i "$pot" -d rulekit/locale -D rulekit -l "$language" --no-fuzzy-matching --ignore-obsolete
  # The header (Plural-Forms, Language) stays; its creation date would change every run.
  sed -i '/^"POT-Creation-Date: /d' "rulekit/locale/$language/LC_MESSAGES/rulekit.po"
done
