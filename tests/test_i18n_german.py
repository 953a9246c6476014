"""The German (de-DE) documents: complete, German throughout, formatted the German way.

``tests/test_i18n.py`` checks the catalogue against the code; this module checks what a
reader in Germany gets: every campaign rendered in de-DE, with no English sentence left
apart from the text the policy author wrote in the rule file (titles, descriptions,
notes, labels, channel names), no database column name in the prose, Babel's German
numbers, amounts and dates, and the ``--locale`` option of ``rulekit docs``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rulekit import ir
from rulekit.checker import check_file
from rulekit.cli import app
from rulekit.plan.aggregates import AGGREGATES
from rulekit.render import UnknownLocaleError, render_document, resolve_locale
from rulekit.render.context import AGGREGATE_PHRASES, due_details
from rulekit.render.formatting import Formatter
from rulekit.render.words import humanize
from rulekit.timeutil import holidays_between

ROOT = Path(__file__).resolve().parent.parent
CAMPAIGNS = sorted(p.stem for p in (ROOT / "campaigns").glob("*.rules"))

# English words that German prose never uses; "per" and "plus" are German too, so absent.
ENGLISH = re.compile(
    r"\b(the|and|is|are|of|its|each|every|when|which|with|that|would|receives?|if|or|not|"
    r"at least|at most|more than|less than|paid|only|after|before|within|until)\b",
    re.IGNORECASE,
)


def _author_text(program: ir.Program) -> set[str]:
    """Every piece of text the rule file holds (names, labels, descriptions, notes,
    terms, channel): the document quotes it as written, untranslated."""
    found: set[str] = set()

    def visit(value: object) -> None:
        if isinstance(value, str):
            found.update({value, humanize(value)})
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            for field in dataclasses.fields(value):
                visit(getattr(value, field.name))
        elif isinstance(value, tuple | list):
            for item in value:
                visit(item)

    visit(program)
    details = due_details(program)
    if details is not None and program.header is not None and program.header.calendar:
        # Public holiday names come from the `holidays` package in English (see the docs).
        last, due, _skipped = details
        found.update(name for _day, name in holidays_between(last, due, program.header.calendar))
    return {text for text in found if len(text) > 1}


def _german(name: str, fmt: str = "md") -> tuple[ir.Program, str]:
    report = check_file(str(ROOT / "campaigns" / f"{name}.rules"))
    assert report.ok
    return report.program, render_document(report.program, fmt, "de-DE")


def _prose_without_author_text(program: ir.Program, text: str) -> list[str]:
    """The document's lines, with code spans, anchors and the author's own text removed."""
    authored = sorted(_author_text(program), key=len, reverse=True)
    lines = []
    for line in text.splitlines():
        if line.startswith(("<a id=", "> ")) or re.fullmatch(r"#+ .*|\d+\. \[.*\]\(#.*\)", line):
            continue  # anchors, author notes, headings (rule titles), the table of contents
        line = re.sub(r"`[^`]*`", "", line)
        for piece in authored:
            line = line.replace(piece, "").replace(piece[:1].upper() + piece[1:], "")
        lines.append(line)
    return lines


def test_the_campaigns_are_all_checked() -> None:
    assert len(CAMPAIGNS) >= 9 and {"apollo", "uk_shop", "flash_sale"} <= set(CAMPAIGNS)


@pytest.mark.parametrize("name", CAMPAIGNS)
def test_german_documents_leave_no_english_sentence(name: str) -> None:
    program, text = _german(name)
    english = [line for line in _prose_without_author_text(program, text) if ENGLISH.search(line)]
    assert not english, "English left in the German document:\n" + "\n".join(english)


def test_the_english_word_check_finds_english() -> None:
    """The check above can fail: an English sentence of the renderer is caught."""
    program, _text = _german("apollo")
    english = render_document(program, "md", "en-US")
    assert any(ENGLISH.search(line) for line in _prose_without_author_text(program, english))


@pytest.mark.parametrize("name", CAMPAIGNS)
def test_german_documents_render_as_html_too(name: str) -> None:
    _program, html = _german(name, "html")
    assert '<html lang="de-DE">' in html and "Auf einen Blick" in html


@pytest.mark.parametrize("name", ["apollo", "uk_shop"])
def test_no_database_column_name_reaches_the_german_prose(name: str) -> None:
    """The English check of tests/test_render.py, on the German document."""
    program, text = _german(name)
    for table in program.tables:
        for column in table.columns:
            assert column.label, f"{table.name}.{column.name} has no reader-facing label"
            if column.name != column.label and ("_" in column.name or len(column.name) <= 3):
                assert not re.search(rf"(?<![\w-]){re.escape(column.name)}(?![\w-])", text), column.name
            spoken = humanize(column.name)
            if spoken.lower() not in column.label.lower():
                assert not re.search(rf"(?<![\w-]){re.escape(spoken)}(?![\w-])", text), (column.name, spoken)


def test_german_apollo_reads_as_written_by_hand() -> None:
    _program, text = _german("apollo")
    # Comparisons, quantifiers and flags in German word order, the author's labels quoted.
    assert "- Erforderlich: „effective live time“ jedes Hosts beträgt mehr als 14 Stunden." in text
    assert "wenn gilt: „effective live time“ mindestens eines Hosts beträgt höchstens 14 Stunden." in text
    assert "wenn gilt: beim Account ist „click farming“ vermerkt." in text
    # 2 % of $150,000 is $3,000, capped at $2,000: German grouping, the symbol after the amount.
    # (Babel puts a no-break space between number and symbol: written "\xa0" here.)
    expected = "Rückvergütung: 2 % von 150.000 $ = 3.000 $, mehr als die Obergrenze von 2.000 $ je Account"
    assert expected.replace(" %", "\xa0%").replace(" $", "\xa0$") in text
    # The budget example: 50,000 / 62,500 = 0.8 and 2,000 × 0.8 = 1,600.
    assert "50.000\xa0$ ÷ 62.500\xa0$ = 0,8: 2.000\xa0$ × 0,8 = 1.600\xa0$" in text
    # Refund rate 9 / 19 = 47.37 % ≈ 47.4 %.
    assert "also beträgt „refund rate“ etwa 47,4\xa0%" in text
    assert "Die Auszahlung ist am Freitag, 25. März 2022 fällig" in text


# ------------------------------------------------------------------ Babel formatting


def test_german_money_numbers_and_percentages() -> None:
    fmt = Formatter("de-DE", "USD")
    nbsp = "\xa0"
    assert fmt.money(Decimal("1234.56")) == f"1.234,56{nbsp}$"
    assert fmt.money(Decimal("10000.50")) == f"10.000,50{nbsp}$"
    assert fmt.money(Decimal("10000")) == f"10.000{nbsp}$"  # whole amounts without cents, as in English
    assert fmt.money(ir.Money(Decimal("4.99"), "GBP")) == f"4,99{nbsp}£"
    assert fmt.percent(Decimal("2.5")) == f"2,5{nbsp}%"
    assert fmt.number(Decimal("1234.5")) == "1.234,5"


def test_german_dates_durations_and_lists() -> None:
    fmt = Formatter("de-DE")
    assert fmt.date(dt.date(2024, 1, 31)) == "31. Januar 2024"
    assert fmt.weekday_date(dt.date(2024, 1, 31)) == "Mittwoch, 31. Januar 2024"  # 31 Jan 2024 was a Wednesday
    assert fmt.datetime(dt.datetime(2022, 2, 14, 5, 0)) == "05:00 am 14. Februar 2022"
    assert fmt.duration(ir.Duration(Decimal(14), ir.TimeUnit.HOURS)) == "14 Stunden"
    assert fmt.duration(ir.Duration(Decimal(1), ir.TimeUnit.HOURS)) == "1 Stunde"
    assert fmt.list(["a", "b", "c"]) == "a, b und c"


def test_english_formatting_is_unchanged() -> None:
    fmt = Formatter("en-US", "USD")
    assert fmt.money(Decimal("1234.56")) == "$1,234.56" and fmt.percent(Decimal("2.5")) == "2.5%"
    assert fmt.date(dt.date(2024, 1, 31)) == "January 31, 2024"


# ------------------------------------------------------------------ locale names


@pytest.mark.parametrize("spelling", ["de-DE", "de", "de_DE", "DE-de", " de "])
def test_german_is_accepted_in_every_usual_spelling(spelling: str) -> None:
    assert resolve_locale(spelling) == "de-DE"


@pytest.mark.parametrize("spelling", ["fr", "en", "de-AT", "", "xx_YY"])
def test_an_unknown_or_ambiguous_locale_names_the_supported_ones(spelling: str) -> None:
    with pytest.raises(UnknownLocaleError, match="supported locales: de-DE, en-GB, en-US"):
        resolve_locale(spelling)


def test_rulekit_docs_renders_german() -> None:
    runner = CliRunner()
    by_option = [
        runner.invoke(app, ["docs", str(ROOT / "campaigns" / "uk_shop.rules"), "--locale", spelling])
        for spelling in ("de-DE", "de", "de_DE")
    ]
    assert all(r.exit_code == 0 for r in by_option)
    assert by_option[0].stdout == by_option[1].stdout == by_option[2].stdout
    # 500 orders × £4.99 = £2,495, the most one merchant can receive.
    assert "## Auf einen Blick" in by_option[0].stdout
    assert "| Höchstbetrag je Teilnehmer | 2.495\xa0£ |" in by_option[0].stdout


def test_rulekit_docs_refuses_an_unknown_locale_without_a_traceback() -> None:
    result = CliRunner().invoke(app, ["docs", str(ROOT / "campaigns" / "apollo.rules"), "--locale", "fr-FR"])
    assert result.exit_code == 2
    assert "unknown or unsupported locale `fr-FR`; supported locales: de-DE, en-GB, en-US" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout and result.stdout == ""


def test_every_aggregate_phrase_is_marked_for_the_catalogue() -> None:
    """The aggregates' document phrases live in the plan registry; the renderer marks them."""
    phrases = {a.words for a in AGGREGATES} | {a.labelled_words for a in AGGREGATES if a.labelled_words}
    assert phrases == set(AGGREGATE_PHRASES)


def test_conditions_join_with_german_lists() -> None:
    """Lists inside sentences use Babel's German patterns; English keeps its own (no serial comma)."""
    from rulekit.render.i18n import active
    from rulekit.render.words import join_words

    with active("de-DE"):
        assert join_words(["x", "y", "z"]) == "x, y und z"
        assert join_words(["x", "y", "z"], alternatives=True) == "x, y oder z"
    assert join_words(["x", "y", "z"]) == "x, y and z"
    assert join_words(["x", "y", "z"], alternatives=True) == "x, y or z"
