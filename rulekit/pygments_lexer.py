"""A Pygments lexer for rule files, so documentation sites highlight ``*.rules``.

Registered as the ``rulekit`` lexer through the ``pygments.lexers`` entry point::

    pygmentize -l rulekit campaigns/apollo.rules

Token types: declarations (``metric``, ``gate``, …) at the start of a line are
``Keyword.Declaration`` followed by the declared name as ``Name.Function``; other words
of the grammar are ``Keyword``; column types in a table are ``Keyword.Type``; money,
percentages and plain numbers are ``Number.Money``, ``Number.Percent`` and ``Number``;
a duration's unit is ``Keyword.Pseudo``; dates and times are ``Literal.Date``.
``orders`` and ``order`` are keywords only in ``max orders``, ``per order`` and
``expect order``: everywhere else they are names (a table is often called ``orders``).
The keyword lists are checked against the grammar by the tests.
"""

from __future__ import annotations

from typing import ClassVar

from pygments.lexer import RegexLexer, bygroups, words
from pygments.token import (
    Comment,
    Keyword,
    Literal,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Whitespace,
)

__all__ = ["DECLARATIONS", "KEYWORDS", "RulekitLexer"]

DECLARATIONS = (
    "program",
    "table",
    "participant",
    "member",
    "window",
    "metric",
    "eligible",
    "gate",
    "warn",
    "disqualify",
    "ranking",
    "prize",
    "rebate",
    "commission",
    "subsidy",
    "bonus",
    "milestone",
    "example",
)

# Every other word of the grammar (rulekit/grammar.lark), longest first.
KEYWORDS = (
    "disqualified", "description", "participant", "commission", "cumulative", "descending", "disqualify",
    "whole-tier", "ascending", "exclusive", "inclusive", "milestone", "qualified", "brackets", "calendar",
    "currency", "distinct", "eligible", "marginal", "overflow", "rounding", "standard", "timezone", "unranked",
    "average", "channel", "example", "highest", "program", "ranking", "subsidy", "budget", "during", "expect",
    "judged", "market", "member", "metric", "passes", "payout", "period", "rebate", "shared", "warned", "window",
    "after", "bonus", "count", "every", "fails", "first", "given", "label", "least", "prize", "ranks", "table",
    "times", "title", "total", "where", "each", "from", "full", "gate", "have", "like", "link", "note", "rank", "rate",
    "term", "them", "then", "time", "unit", "warn", "when", "any", "cap", "due", "has", "key", "max", "min", "per",
    "sum", "top", "within", "at", "by", "in", "no", "of", "to", "latest",
    "paid", "date",  # issue 10, construct 6 (periods): `paid monthly`, `during W to date`
    # calendar buckets (issue 10, construct 3), longest first
    "longest", "months", "streak", "month", "weeks", "days", "week", "day",
)  # fmt: skip

COLUMN_TYPES = ("string", "int", "decimal", "money", "bool", "timestamp", "date", "duration", "percent")
UNITS = r"(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|business[ \t]+days?)"
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"


class RulekitLexer(RegexLexer):  # type: ignore[misc]  # pygments ships no type hints
    """Rule files of rulekit (``*.rules``)."""

    name = "rulekit"
    aliases: ClassVar[list[str]] = ["rulekit"]
    filenames: ClassVar[list[str]] = ["*.rules"]
    mimetypes: ClassVar[list[str]] = ["text/x-rulekit"]

    tokens: ClassVar[dict[str, list[object]]] = {
        "root": [
            (
                rf"^({'|'.join(DECLARATIONS)})([ \t]+)({_NAME})",
                bygroups(Keyword.Declaration, Whitespace, Name.Function),
            ),
            (r"^payout\b", Keyword.Declaration),
            (
                rf"^([ \t]+)({_NAME})([ \t]*)(:)([ \t]*)({'|'.join(COLUMN_TYPES)})\b",
                bygroups(Whitespace, Name.Attribute, Whitespace, Punctuation, Whitespace, Keyword.Type),
            ),
            (r"\n", Whitespace),
            (r"[ \t]+", Whitespace),
            (r"#[^\n]*", Comment.Single),
            (r'"(?:[^"\\\n]|\\.)*"', String.Double),
            (r"[$£€]\d{1,3}(?:,\d{3})+(?:\.\d+)?|[$£€]\d+(?:\.\d+)?", Number.Money),
            (rf"(\d+(?:\.\d+)?)([ \t]+)({UNITS})\b", bygroups(Number, Whitespace, Keyword.Pseudo)),
            (r"\d+(?:\.\d+)?%", Number.Percent),
            (r"\d{4}-\d{2}-\d{2}", Literal.Date),
            (r"\d{2}:\d{2}(?::\d{2})?", Literal.Date),
            (r"\d+(?:\.\d+)?", Number),
            (words(("true", "false", "null"), suffix=r"\b"), Keyword.Constant),
            (words(("and", "or", "not"), suffix=r"\b"), Operator.Word),
            (r"(pool)([ \t]+)(cap)\b", bygroups(Keyword, Whitespace, Keyword)),
            (r"(max|per|expect)([ \t]+)(orders|order)\b", bygroups(Keyword, Whitespace, Keyword)),
            # Points in time (issue 10): `start of W`, `end of W`; `start`/`end` alone stay names.
            (r"(start|end|as)([ \t]+)(of)\b", bygroups(Keyword, Whitespace, Keyword)),
            (words(KEYWORDS, suffix=r"\b"), Keyword),
            (_NAME, Name),
            (r"->|!=|<=|>=|=|<|>|[-+*/]", Operator),
            (r"[:,().|]", Punctuation),
        ]
    }
