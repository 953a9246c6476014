"""The committed policy documents in ``docs/campaigns`` match their rule files.

Apollo is documented in en-US and the UK programme in en-GB (see
``docs/docs-command.md``). When a rule file, a template or the renderer changes,
regenerate with the commands printed by a failure.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rulekit.checker import check_file
from rulekit.render import render_document
from tests.lockfile import data_provenance

ROOT = Path(__file__).resolve().parent.parent

# (campaign, locale): one document per format.
DOCUMENTS = [
    ("apollo", "en-US"),
    ("uk_shop", "en-GB"),
    ("growth_leaderboard", "en-US"),
    ("listing_bonus", "en-US"),
    ("ytd_bonus", "en-US"),
    ("seller_milestones", "en-US"),
    ("new_seller", "en-US"),
    ("flash_sale", "en-GB"),
]


def regenerate_command(name: str, locale: str, fmt: str) -> str:
    return f"rulekit docs campaigns/{name}.rules --locale {locale} --format {fmt} -o docs/campaigns/{name}.{fmt}"


@pytest.mark.parametrize("fmt", ["md", "html"])
@pytest.mark.parametrize(("name", "locale"), DOCUMENTS)
def test_committed_document_is_current(name: str, locale: str, fmt: str) -> None:
    report = check_file(str(ROOT / "campaigns" / f"{name}.rules"))
    assert report.ok, f"campaigns/{name}.rules has errors; run `rulekit check campaigns/{name}.rules`"
    expected = render_document(report.program, fmt, locale)
    committed = ROOT / "docs" / "campaigns" / f"{name}.{fmt}"
    hint = (
        "regenerate the documents from the repository root with `bash scripts/regen.sh`, which runs:\n"
        + "\n".join(f"  .venv/bin/{regenerate_command(n, loc, f)}" for n, loc in DOCUMENTS for f in ("md", "html"))
        + "\n"
        + data_provenance("babel", "holidays")
    )
    assert committed.exists(), f"docs/campaigns/{name}.{fmt} is missing; {hint}"
    assert committed.read_text(encoding="utf-8") == expected, f"docs/campaigns/{name}.{fmt} is out of date; {hint}"
