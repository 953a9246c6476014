"""The committed policy documents in ``docs/campaigns`` match their rule files.

Apollo is documented in en-US and the UK programme in en-GB (see
``docs/docs-command.md``); every campaign also in German (de-DE), in
``docs/campaigns/de``. When a rule file, a template, the renderer or the German
catalogue changes, regenerate with the commands printed by a failure.
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
# Every campaign in German, in docs/campaigns/de/.
GERMAN = sorted(p.stem for p in (ROOT / "campaigns").glob("*.rules"))


def document_path(name: str, locale: str, fmt: str) -> str:
    """Where the committed document lives: ``docs/campaigns/de/`` for German."""
    folder = "docs/campaigns/de" if locale == "de-DE" else "docs/campaigns"
    return f"{folder}/{name}.{fmt}"


def regenerate_command(name: str, locale: str, fmt: str) -> str:
    return f"rulekit docs campaigns/{name}.rules --locale {locale} --format {fmt} -o {document_path(name, locale, fmt)}"


@pytest.mark.parametrize("fmt", ["md", "html"])
@pytest.mark.parametrize(("name", "locale"), DOCUMENTS + [(name, "de-DE") for name in GERMAN])
def test_committed_document_is_current(name: str, locale: str, fmt: str) -> None:
    report = check_file(str(ROOT / "campaigns" / f"{name}.rules"))
    assert report.ok, f"campaigns/{name}.rules has errors; run `rulekit check campaigns/{name}.rules`"
    expected = render_document(report.program, fmt, locale)
    committed = ROOT / document_path(name, locale, fmt)
    hint = (
        "regenerate the documents from the repository root with `bash scripts/regen.sh`, which runs:\n"
        + "\n".join(
            f"  .venv/bin/{regenerate_command(n, loc, f)}"
            for n, loc in DOCUMENTS + [(g, "de-DE") for g in GERMAN]
            for f in ("md", "html")
        )
        + "\n"
        + data_provenance("babel", "holidays")
    )
    where = document_path(name, locale, fmt)
    assert committed.exists(), f"{where} is missing; {hint}"
    assert committed.read_text(encoding="utf-8") == expected, f"{where} is out of date; {hint}"
