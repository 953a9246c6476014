"""Translation catalogues: every piece of document prose the code marks has a translation.

The messages are extracted from the code exactly as ``scripts/extract_messages.sh`` does
(``babel.cfg``); a message added in English without a German translation fails here and
is named, with the command that adds it to the catalogue.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from rulekit.checker import check_file
from rulekit.render import render_document
from rulekit.render.i18n import _, active

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "rulekit" / "locale" / "de" / "LC_MESSAGES" / "rulekit.po"
METHODS = [
    ("rulekit/render/**.py", "python"),
    ("rulekit/rewards/**.py", "python"),
    ("rulekit/templates/**.j2", "jinja2"),
]
OPTIONS = {"rulekit/templates/**.j2": {"extensions": "jinja2.ext.i18n"}}


def _extracted() -> set[str]:
    found: set[str] = set()
    for _filename, _line, message, _comments, _context in extract_from_dir(str(ROOT), METHODS, OPTIONS):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _catalogue() -> dict[str, str]:
    with CATALOGUE.open("rb") as source:
        catalogue = read_po(source, locale="de")
    out: dict[str, str] = {}
    for message in catalogue:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        text = message.string if isinstance(message.string, str) else message.string[0]
        out[key] = "" if message.fuzzy else text
    return out


def test_babel_cfg_matches_the_extraction_used_here() -> None:
    config = (ROOT / "babel.cfg").read_text(encoding="utf-8")
    for pattern, method in METHODS:
        assert f"[{method}: {pattern}]" in config


def test_every_message_has_a_german_translation() -> None:
    messages, catalogue = _extracted(), _catalogue()
    assert len(messages) >= 20  # the extraction found the marked prose
    missing = sorted(m for m in messages if not catalogue.get(m))
    assert not missing, (
        "document prose without a German translation; run `bash scripts/extract_messages.sh` and translate "
        f"these in {CATALOGUE.relative_to(ROOT)}:\n" + "\n".join(missing)
    )


def test_the_catalogue_has_no_unused_messages() -> None:
    unused = sorted(set(_catalogue()) - _extracted())
    assert not unused, f"run `bash scripts/extract_messages.sh` to drop: {unused}"


def test_placeholders_survive_translation() -> None:
    """A translation uses only placeholders its English message has (it may leave one out:
    German says "Teilnehmer" where English repeats the rule file's noun, "an account")."""
    import re

    for message, text in _catalogue().items():
        fields = set(re.findall(r"\{\w+\}|%\(\w+\)s", message))
        assert set(re.findall(r"\{\w+\}|%\(\w+\)s", text)) <= fields, message


# Placeholders that only carry English grammar (the participant noun and its article, a
# row noun, "rebates", an ordinal suffix): German may word them itself. Every other one
# carries a value (an amount, a date, a condition) and must survive translation.
GRAMMAR_ONLY = {"p", "a_p", "P", "a_row", "row", "what", "pool_word", "suffix", "A_base"}


def _fields(text: str) -> set[str]:
    return {a or b for a, b in re.findall(r"\{(\w+)\}|%\((\w+)\)s", text)}


def test_every_value_placeholder_and_plural_form_is_translated() -> None:
    with CATALOGUE.open("rb") as source:
        catalogue = read_po(source, locale="de")
    checked = 0
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        texts = message.string if isinstance(message.string, tuple) else (message.string,)
        assert len(texts) == len(ids) and all(texts), ids[0]  # German has two plural forms, like English
        for text in texts:
            missing = _fields(ids[0]) - _fields(text)
            assert missing <= GRAMMAR_ONLY, (ids[0], missing)
            checked += 1
    assert checked > 300


def test_translation_follows_the_document_locale() -> None:
    assert _("Worked examples") == "Worked examples"  # no document being built: English
    with active("de-DE"):
        assert _("Worked examples") == "Rechenbeispiele"
    with active("en-GB"):
        assert _("Worked examples") == "Worked examples"


@pytest.mark.parametrize("name", ["apollo", "uk_shop", "growth_leaderboard"])
def test_german_documents_use_the_translations_and_german_numbers(name: str) -> None:
    report = check_file(str(ROOT / "campaigns" / f"{name}.rules"))
    assert report.ok
    markdown = render_document(report.program, "md", "de-DE")
    html = render_document(report.program, "html", "de-DE")
    assert "## Auf einen Blick" in markdown and "| Zeitzone |" in markdown
    assert "Dieses Dokument wird von `rulekit docs` aus der Regeldatei" in markdown
    assert '<html lang="de-DE">' in html and "<code>rulekit docs</code>" in html
    if name == "apollo":
        assert "| Preispool | 10.000\xa0$ |" in markdown  # German grouping, symbol after the amount
        assert "25. März 2022" in markdown
