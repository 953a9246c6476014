"""The language server's name index and answers, without a server: uk_shop and edge cases.

Line numbers are 1-based file lines, read off `campaigns/uk_shop.rules` with `grep -n`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types as lsp

from rulekit.lsp import features
from rulekit.lsp.analysis import analyse
from rulekit.lsp.symbols import Symbol, SymbolKind

ROOT = Path(__file__).resolve().parent.parent
UK = (ROOT / "campaigns" / "uk_shop.rules").read_text(encoding="utf-8")
URI = "file:///uk_shop.rules"


def _lines(kind: SymbolKind, name: str, table: str | None = None, source: str = UK) -> list[int]:
    index = analyse(source, "uk_shop.rules").index
    return [o.span.line for o in index.references(Symbol(kind, name, table))]


def test_a_relative_windows_anchor_is_a_participant_column() -> None:
    # joined_at: declared on 17, the anchor of `free_period` on 36, and set in the
    # `given merchants` rows of the three examples on 71, 91 and 103.
    assert _lines(SymbolKind.COLUMN, "joined_at", "merchants") == [17, 36, 71, 91, 103]


def test_a_subsidy_column_and_the_example_rows_that_set_it() -> None:
    # shipping_fee: declared on 25, subsidised on 53, and set in the order rows
    # (continued lines 73, 76, 79, 93, 95, 105).
    assert _lines(SymbolKind.COLUMN, "shipping_fee", "orders") == [25, 53, 73, 76, 79, 93, 95, 105]


def test_windows_used_by_metrics_rewards_and_the_payout() -> None:
    # offer_period: declared on 33; `during offer_period` in the two metrics (39, 42) and the
    # subsidy (53); `due: 10 business days after offer_period` (62). free_period: declared
    # on 36, used by the commission (49); the example `free_period_and_shipping_cap` (69) is
    # another name.
    assert _lines(SymbolKind.WINDOW, "offer_period") == [33, 39, 42, 53, 62]
    assert _lines(SymbolKind.WINDOW, "free_period") == [36, 49]


def test_positions_count_utf16_units_after_a_character_outside_the_bmp() -> None:
    # "🙂" is one character for Python but two UTF-16 units for LSP: the second `region`
    # starts at character 40 in Python (`eligible gb: region = "🙂" or region = `) and at 41 in LSP.
    source = UK.replace('eligible uk_merchant: region = "GB"', 'eligible uk_merchant: region = "🙂" or region = "GB"')
    analysis = analyse(source, "uk_shop.rules")
    line = next(n for n, text in enumerate(analysis.lines) if text.startswith("eligible uk_merchant"))
    text = analysis.lines[line]
    python_column = text.index("region", text.index("🙂"))
    assert python_column == len('eligible uk_merchant: region = "🙂" or ')  # 22 + 9 + 4 + 4 = 39
    occurrence = analysis.index.at(line + 1, python_column + 1)
    assert occurrence is not None and occurrence.symbol == Symbol(SymbolKind.COLUMN, "region", "merchants")
    found = analysis.range(occurrence.span)
    assert (found.start.character, found.end.character) == (python_column + 1, python_column + 1 + len("region"))
    assert analysis.line_column(lsp.Position(line, python_column + 1)) == (line + 1, python_column + 1)


def test_nouns_are_not_renamed() -> None:
    # `participant merchant: merchants` (line 31) is also written in `max orders: 500 per merchant`,
    # which has no position in the parsed program: renaming would miss it.
    analysis = analyse(UK, "uk_shop.rules")
    assert analysis.lines[30].startswith("participant merchant")
    assert features.prepare_rename(analysis, lsp.Position(30, 13)) is None
    assert features.rename(analysis, URI, lsp.Position(30, 13), "seller") is None


@pytest.mark.parametrize("name", ["not", "every"])
def test_a_rename_to_a_word_the_grammar_needs_is_refused(name: str) -> None:
    # Renaming the metric `refund_rate` (apollo line 104, at 29) to `not` or `every` makes
    # `disqualify high_refund_rate: not > 30% ...` unreadable. (Most keywords are accepted as
    # names by the contextual lexer, `where` and `then` included; the parse decides.)
    apollo = (ROOT / "campaigns" / "apollo.rules").read_text(encoding="utf-8")
    analysis = analyse(apollo, "apollo.rules")
    assert analysis.lines[103][29:40] == "refund_rate"
    with pytest.raises(ValueError, match="word of the rule language"):
        features.rename(analysis, URI, lsp.Position(103, 30), name)
    edit = features.rename(analysis, URI, lsp.Position(103, 30), "where")
    assert edit is not None and edit.changes is not None and len(edit.changes[URI]) == 5


@pytest.mark.parametrize("name", ["true", "false", "null"])
def test_a_rename_to_a_value_is_refused(name: str) -> None:
    # `true > 30%` would parse, as a comparison of a boolean: a different program.
    analysis = analyse((ROOT / "campaigns" / "apollo.rules").read_text(encoding="utf-8"), "apollo.rules")
    with pytest.raises(ValueError, match="is a value"):
        features.rename(analysis, URI, lsp.Position(103, 30), name)


def test_a_failing_index_still_leaves_the_diagnostics(monkeypatch: pytest.MonkeyPatch) -> None:
    import rulekit.lsp.analysis as analysis_module

    def broken(program: object) -> None:
        raise RuntimeError("index bug")

    monkeypatch.setattr(analysis_module, "build_index", broken)
    analysis = analyse(UK.replace("during offer_period", "during offer_perod", 1), "uk_shop.rules")
    assert [d.code for d in analysis.report.diagnostics] != [] and analysis.index.occurrences == []
    assert features.hover(analysis, lsp.Position(32, 8)) is None
