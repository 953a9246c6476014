"""Syntax highlighting: the Pygments lexer and the VS Code TextMate grammar on both campaigns.

The TextMate grammar is exercised by a small tokeniser with TextMate's rule for
`match` patterns: at each position the pattern whose match starts earliest wins, ties
going to the pattern listed first. Its regular expressions keep to a subset Python's
`re` and Oniguruma read alike, so a scope found here is the scope VS Code shows.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.token import Comment, Error, Keyword, Literal, Name, Number, Operator, Punctuation, String, _TokenType

from rulekit.lsp.completion import keywords
from rulekit.pygments_lexer import DECLARATIONS, KEYWORDS, RulekitLexer

ROOT = Path(__file__).resolve().parent.parent
CAMPAIGNS = sorted((ROOT / "campaigns").glob("*.rules"))
VSCODE = ROOT / "editors" / "vscode"
APOLLO = (ROOT / "campaigns" / "apollo.rules").read_text(encoding="utf-8")
UK = (ROOT / "campaigns" / "uk_shop.rules").read_text(encoding="utf-8")


def _line(text: str, start: str) -> str:
    return next(line for line in text.split("\n") if line.startswith(start))


# ------------------------------------------------------------------------------ Pygments


def _pygments(text: str) -> list[tuple[_TokenType, str]]:
    return [(kind, value) for kind, value in RulekitLexer().get_tokens(text) if value.strip()]


@pytest.mark.parametrize("path", CAMPAIGNS, ids=lambda p: p.name)
def test_pygments_reads_every_campaign_without_an_error_token(path: Path) -> None:
    tokens = list(RulekitLexer().get_tokens(path.read_text(encoding="utf-8")))
    assert [value for kind, value in tokens if kind in Error] == []


def test_both_campaigns_are_highlighted() -> None:
    # Every shipped campaign (the growth leaderboard added with metric arithmetic) is highlighted.
    assert [p.name for p in CAMPAIGNS] == [
        "apollo.rules",
        "growth_leaderboard.rules",
        "streak_challenge.rules",  # calendar buckets and streaks (issue 10)
        "uk_shop.rules",
    ]


def test_pygments_finds_the_lexer_by_name_and_file_name() -> None:
    # Through the `pygments.lexers` entry point in pyproject.toml.
    assert isinstance(get_lexer_by_name("rulekit"), RulekitLexer)
    assert isinstance(get_lexer_for_filename("apollo.rules"), RulekitLexer)


def test_pygments_token_types_on_a_metric_and_a_clause() -> None:
    metric = _pygments(_line(APOLLO, "metric product_uv ="))
    assert metric[:4] == [
        (Keyword.Declaration, "metric"),
        (Name.Function, "product_uv"),
        (Operator, "="),
        (Keyword, "count"),
    ]
    assert (Name, "product_views") in metric and (Keyword, "during") in metric and (Name, "activity") in metric
    gate = _pygments(_line(APOLLO, "gate live_hours:"))
    assert [(Keyword, "every"), (Name, "host"), (Keyword, "has")] == gate[3:6]
    assert gate[-3:] == [(Operator, ">"), (Number, "14"), (Keyword.Pseudo, "hours")]
    refund = _pygments(_line(APOLLO, "disqualify high_refund_rate:"))
    assert (Number.Percent, "30%") in refund and (Name, "order_count") in refund and (Number, "20") in refund
    assert refund[-1] == (Comment.Single, "# ASSUMPTION: limit and sample")


def test_pygments_money_strings_dates_and_booleans() -> None:
    assert _pygments("  rank 1: $4,000  # ASSUMPTION: prize per rank") == [
        (Keyword, "rank"),
        (Number, "1"),
        (Punctuation, ":"),
        (Number.Money, "$4,000"),
        (Comment.Single, "# ASSUMPTION: prize per rank"),
    ]
    assert (String.Double, '"Europe/London"') in _pygments(_line(UK, "  timezone:"))
    given = _pygments(_line(APOLLO, '  given hosts: account_id = "a1"'))
    assert (Literal.Date, "2022-02-01") in given and (Literal.Date, "09:00") in given
    assert (Keyword.Constant, "true") in _pygments("x = true") and (Operator.Word, "not") in _pygments("where not y")


def test_pygments_orders_is_a_keyword_only_where_the_grammar_says_so() -> None:
    assert _pygments(_line(UK, "  max orders:"))[:2] == [(Keyword, "max"), (Keyword, "orders")]
    assert _pygments(_line(UK, "  cap per order:"))[:4] == [
        (Keyword, "cap"),
        (Keyword, "per"),
        (Keyword, "order"),
        (Punctuation, ":"),
    ]
    assert (Number.Money, "£4.99") in _pygments(_line(UK, "  cap per order:"))
    assert (Name, "orders") in _pygments(_line(UK, "metric order_count ="))  # the table
    column = _pygments(_line(UK, "  item_total: money"))
    # The column's reader-facing label is a string after its type.
    assert column == [
        (Name.Attribute, "item_total"),
        (Punctuation, ":"),
        (Keyword.Type, "money"),
        (String.Double, '"item total"'),
    ]


def test_pygments_keywords_are_the_grammars() -> None:
    contextual = {"orders", "order", "pool cap"}  # matched only in their multi-word forms
    special = {"true", "false", "null", "and", "or", "not"}  # constants and word operators
    assert set(KEYWORDS) | contextual | special == keywords()
    assert set(DECLARATIONS) <= keywords()


# ------------------------------------------------------------------------------ TextMate


def _grammar() -> dict[str, Any]:
    return dict(json.loads((VSCODE / "syntaxes" / "rulekit.tmLanguage.json").read_text(encoding="utf-8")))


def _rules(grammar: dict[str, Any]) -> list[tuple[re.Pattern[str], str | None, dict[str, Any]]]:
    """The grammar's `match` rules in order, with includes expanded."""

    def expand(patterns: list[dict[str, Any]]) -> list[tuple[re.Pattern[str], str | None, dict[str, Any]]]:
        found = []
        for pattern in patterns:
            if "include" in pattern:
                found += expand([grammar["repository"][pattern["include"].removeprefix("#")]])
            elif "patterns" in pattern:
                found += expand(pattern["patterns"])
            else:
                assert "begin" not in pattern, "the test tokeniser handles match rules only"
                found.append((re.compile(pattern["match"]), pattern.get("name"), pattern.get("captures", {})))
        return found

    return expand(grammar["patterns"])


RULES = _rules(_grammar())


def _textmate(line: str) -> tuple[list[tuple[str, str]], str]:
    """(text, scope) tokens of one line, and the non-blank text no rule matched."""
    tokens: list[tuple[str, str]] = []
    missed = ""
    position = 0
    while position < len(line):
        best = None
        for regex, name, captures in RULES:
            match = regex.search(line, position)
            if match and match.end() > match.start() and (best is None or match.start() < best[0].start()):
                best = (match, name, captures)
        if best is None:
            missed += line[position:]
            break
        match, name, captures = best
        missed += line[position : match.start()]
        if captures:
            tokens += [(match.group(int(g)), c["name"]) for g, c in captures.items() if match.group(int(g))]
        else:
            tokens.append((match.group(), str(name)))
        position = match.end()
    return tokens, missed.strip()


@pytest.mark.parametrize("path", CAMPAIGNS, ids=lambda p: p.name)
def test_textmate_scopes_every_character_of_every_campaign(path: Path) -> None:
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        tokens, missed = _textmate(line)
        assert missed == "", f"{path.name}:{number}: no scope for {missed!r}"
        if line.lstrip().startswith("#"):
            assert tokens == [(line.lstrip(), "comment.line.number-sign.rulekit")]


def test_textmate_scopes_of_a_metric_a_clause_and_a_prize_line() -> None:
    metric, _ = _textmate(_line(APOLLO, "metric product_uv ="))
    assert metric[:3] == [
        ("metric", "storage.type.declaration.rulekit"),
        ("product_uv", "entity.name.function.rulekit"),
        ("=", "keyword.operator.rulekit"),
    ]
    assert ("during", "keyword.control.rulekit") in metric and ("product_views", "variable.other.rulekit") in metric
    gate, _ = _textmate(_line(APOLLO, "gate live_hours:"))
    assert gate[-2:] == [("14", "constant.numeric.duration.rulekit"), ("hours", "keyword.other.unit.rulekit")]
    assert ("every", "keyword.control.rulekit") in gate
    rank, _ = _textmate("  rank 1: $4,000  # ASSUMPTION: prize per rank")
    assert rank == [
        ("rank", "keyword.control.rulekit"),
        ("1", "constant.numeric.rulekit"),
        (":", "punctuation.separator.rulekit"),
        ("$4,000", "constant.numeric.money.rulekit"),
        ("# ASSUMPTION: prize per rank", "comment.line.number-sign.rulekit"),
    ]


def test_textmate_strings_percentages_dates_and_contextual_keywords() -> None:
    note, _ = _textmate(_line(APOLLO, '  note: "Each submitted host'))
    assert note[0] == ("note", "keyword.control.rulekit")
    assert note[-1] == (
        '"Each submitted host must stream effectively for more than 14 hours."',
        "string.quoted.double.rulekit",
    )
    refund, _ = _textmate(_line(APOLLO, "disqualify high_refund_rate:"))
    assert ("30%", "constant.numeric.percent.rulekit") in refund
    assert ("order_count", "variable.other.rulekit") in refund  # not `order` + `_count`
    window, _ = _textmate(_line(APOLLO, "window activity:"))
    assert ("2022-02-14", "constant.other.date.rulekit") in window and (
        "inclusive",
        "keyword.control.rulekit",
    ) in window
    assert _textmate(_line(UK, "  max orders:"))[0][0] == ("max orders", "keyword.control.rulekit")
    assert ("orders", "variable.other.rulekit") in _textmate(_line(UK, "metric order_count ="))[0]
    column, _ = _textmate(_line(UK, "  shipping_fee: money"))
    assert column == [
        ("shipping_fee", "variable.other.member.rulekit"),
        (":", "punctuation.separator.rulekit"),
        ("money", "support.type.column.rulekit"),
        ('"shipping fee"', "string.quoted.double.rulekit"),
    ]


@pytest.mark.parametrize("word", sorted(keywords() - {"orders", "order"}))
def test_textmate_scopes_every_grammar_keyword(word: str) -> None:
    tokens, _ = _textmate(f"x {word} y")
    scopes = ("keyword.control.rulekit", "constant.language.rulekit", "keyword.operator.word.rulekit")
    assert (word, tokens[1][1]) == tokens[1] and tokens[1][1] in scopes


def test_vscode_extension_declares_the_language_and_the_grammar() -> None:
    package = json.loads((VSCODE / "package.json").read_text(encoding="utf-8"))
    [language] = package["contributes"]["languages"]
    [grammar] = package["contributes"]["grammars"]
    assert language["id"] == grammar["language"] == "rulekit" and language["extensions"] == [".rules"]
    assert grammar["scopeName"] == _grammar()["scopeName"] == "source.rulekit"
    assert (VSCODE / grammar["path"]).is_file() and (VSCODE / language["configuration"]).is_file()
    configuration = json.loads((VSCODE / language["configuration"]).read_text(encoding="utf-8"))
    assert configuration["comments"]["lineComment"] == "#" and ["(", ")"] in configuration["brackets"]


def test_example_tables_and_repeats_tokenise_without_errors() -> None:
    source = (
        "example e:\n"
        "  times: local\n"
        '  given 3 orders like (order_id = "o#"), 1 of them (refunded = true)\n'
        "  given orders:\n"
        "    | order_id | refunded |\n"
        '    | "o9"     | false    |\n'
    )
    tokens = list(RulekitLexer().get_tokens(source))
    assert not [value for kind, value in tokens if kind is Error]
    words = {value for kind, value in tokens if kind in Keyword}
    assert {"times", "like", "them", "given"} <= words
    assert sum(1 for kind, value in tokens if kind is Punctuation and value == "|") == 6


_ARITHMETIC = "metric floor = max(min(q2_sales - q1_sales, $500), -$100) * 2% + x / 3"


def test_pygments_and_textmate_scope_metric_arithmetic() -> None:
    """`+ - * /` are operators, `min(`/`max(` keywords, `-$100` an operator then money, in both highlighters."""
    tokens = _pygments(_ARITHMETIC)
    assert [v for kind, v in tokens if kind is Operator] == ["=", "-", "-", "*", "+", "/"]
    assert (Keyword, "max") in tokens and (Keyword, "min") in tokens and (Number.Money, "$100") in tokens
    assert not [v for kind, v in tokens if kind in Error]
    scoped, missed = _textmate(_ARITHMETIC)
    assert missed == ""
    assert [v for v, scope in scoped if scope == "keyword.operator.rulekit"] == ["=", "-", "-", "*", "+", "/"]
    assert ("min", "keyword.control.rulekit") in scoped and ("$100", "constant.numeric.money.rulekit") in scoped
