"""Source text to typed IR.

The file is split into top-level items (a line starting in column 0 opens one). Each
item is parsed on its own with the LALR grammar, so a syntax error in one item is
reported and the next items are still parsed and checked. The Lark tree of an item is
turned into IR immediately; nothing outside this module sees a Lark ``Tree``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Any, ClassVar

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.indenter import DedentError, Indenter
from lark.parse_tree_builder import PropagatePositions

from rulekit import codes, ir
from rulekit.diagnostics import Diagnostic, error, suggest
from rulekit.errors import RulekitError
from rulekit.lalr_loop import parse_item
from rulekit.plan.aggregates import column_aggregate_words

MAX_SOURCE_BYTES = 5_000_000
# Far longer whole numbers than any limit admits; RK802 words the usual limits after parsing,
# this only keeps absurd lengths away from int()'s 4,300-digit conversion limit.
_MAX_INT_DIGITS = 1_000
# `given N T like (...)` repeats a row at most this often: examples are small by nature.
MAX_EXAMPLE_ROWS = 10_000


class _RuleIndenter(Indenter):
    NL_type = "_NL"
    OPEN_PAREN_types: ClassVar[list[str]] = ["LPAR"]
    CLOSE_PAREN_types: ClassVar[list[str]] = ["RPAR"]
    INDENT_type = "_INDENT"
    DEDENT_type = "_DEDENT"
    tab_len = 4

    def process(self, stream: Iterable[Token]) -> Iterator[Token]:
        # `fmt` needs every code token of the file; it gets them from the one parse it makes
        # (see `parse_recording`) instead of lexing the file again.
        sink = _RECORDING.get()
        tokens: Iterator[Token] = super().process(stream if sink is None else _recorded(stream, sink))  # type: ignore[no-untyped-call]
        return tokens


_RECORDING: ContextVar[list[Token] | None] = ContextVar("rulekit_parser_recording", default=None)


def _recorded(stream: Iterable[Token], sink: list[Token]) -> Iterator[Token]:
    for token in stream:
        sink.append(token)
        yield token


@functools.cache
def _lark() -> Lark:
    grammar = resources.files("rulekit").joinpath("grammar.lark").read_text(encoding="utf-8")
    # The `<function> COLUMN in TABLE` aggregates are the registry's (rulekit.plan.aggregates):
    # the grammar's AGG_FUNC line is rewritten from it, so a new aggregate is one entry there.
    words = "|".join(column_aggregate_words())
    grammar = re.sub(r"(?m)^AGG_FUNC\.2: .*$", lambda _: f"AGG_FUNC.2: /({words})\\b/", grammar)
    lark = Lark(
        grammar,
        parser="lalr",
        lexer="contextual",
        postlex=_RuleIndenter(),
        propagate_positions=True,
        maybe_placeholders=False,
    )
    _use_fast_positions(lark)
    return lark


class _FastPositions(PropagatePositions):
    """Lark's position propagation with a shortcut that gives the same positions.

    A rule inlined with ``?`` that has a single child returns that child unchanged; Lark
    still recomputes its ``container_*`` positions from itself, which changes nothing but
    costs two scans and six attribute writes on every step of an expression's chain
    (``expr`` -> ``or_expr`` -> ... -> ``atom``): a third of the parse of a long condition.
    """

    def __call__(self, children: list[Any]) -> Any:
        if len(children) == 1:
            res = self.node_builder(children)
            if res is children[0]:  # the child passed through: its meta is already complete
                return res
            return self._propagate(res, children)
        return self._propagate(self.node_builder(children), children)

    def _propagate(self, res: Any, children: list[Any]) -> Any:
        # The body of PropagatePositions.__call__ (lark 1.3), after the node is built.
        if not isinstance(res, Tree):
            return res
        res_meta: Any = res.meta  # lark sets its container_* attributes on the fly
        first_meta = self._pp_get_meta(children)  # type: ignore[no-untyped-call]
        if first_meta is not None:
            if not hasattr(res_meta, "line"):
                res_meta.line = getattr(first_meta, "container_line", first_meta.line)
                res_meta.column = getattr(first_meta, "container_column", first_meta.column)
                res_meta.start_pos = getattr(first_meta, "container_start_pos", first_meta.start_pos)
                res_meta.empty = False
            res_meta.container_line = getattr(first_meta, "container_line", first_meta.line)
            res_meta.container_column = getattr(first_meta, "container_column", first_meta.column)
            res_meta.container_start_pos = getattr(first_meta, "container_start_pos", first_meta.start_pos)
        last_meta = self._pp_get_meta(reversed(children))  # type: ignore[no-untyped-call]
        if last_meta is not None:
            if not hasattr(res_meta, "end_line"):
                res_meta.end_line = getattr(last_meta, "container_end_line", last_meta.end_line)
                res_meta.end_column = getattr(last_meta, "container_end_column", last_meta.end_column)
                res_meta.end_pos = getattr(last_meta, "container_end_pos", last_meta.end_pos)
                res_meta.empty = False
            res_meta.container_end_line = getattr(last_meta, "container_end_line", last_meta.end_line)
            res_meta.container_end_column = getattr(last_meta, "container_end_column", last_meta.end_column)
            res_meta.container_end_pos = getattr(last_meta, "container_end_pos", last_meta.end_pos)
        return res


def _use_fast_positions(lark: Lark) -> None:
    """Swap each rule's position wrapper (the outermost callback) for :class:`_FastPositions`."""
    callbacks = lark.parser.parser.parser.callbacks
    for rule, callback in callbacks.items():
        if type(callback) is PropagatePositions:
            callbacks[rule] = _FastPositions(callback.node_builder)  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class ParseResult:
    program: ir.Program
    diagnostics: tuple[Diagnostic, ...] = field(default=())
    # SHA-256 of the bytes read (a file) or of the text's UTF-8 (a string): the program's identity.
    digest: str = ""


@dataclass(frozen=True)
class _Chunk:
    first_line: int  # 1-based line of the item's header in the whole file
    text: str

    @property
    def key(self) -> str:
        """The text without trailing blank lines and spaces, which the lexer folds into the
        item's last line end: texts with the same key give the same tokens and IR."""
        return self.text.rstrip(" \t\n")


def parse(source: str, path: str = "<string>") -> ParseResult:
    """Parse rule-file text into a :class:`ir.Program` plus syntax diagnostics."""
    return _parse(source, path, None, None)


@dataclass
class Recording:
    """What :func:`parse_recording` keeps besides the result, for the formatter.

    ``tokens`` maps a 0-based line of the file to its tokens as the lexer gave them to the
    parser (layout tokens included; comments, which the lexer skips, are not). ``items``
    maps an item's text (its ``_Chunk.key``: trailing blank lines aside) to its IR, so that
    parsing the same item text again can be skipped.
    """

    tokens: dict[int, list[Token]] = field(default_factory=dict)
    items: dict[str, Any] = field(default_factory=dict)
    _chunk_tokens: dict[str, list[Token]] = field(default_factory=dict)

    def add(self, chunk: _Chunk, tokens: list[Token], item: Any) -> None:
        """Record one item: its tokens (lines relative to the item) and, if it parsed, its IR."""
        for token in tokens:
            if token.line is not None:
                self.tokens.setdefault(chunk.first_line - 1 + token.line - 1, []).append(token)
        if item is not None:
            self.items[chunk.key] = item
            self._chunk_tokens[chunk.key] = tokens

    def reuse(self, chunk: _Chunk, into: Recording | None) -> Any:
        """The IR of an item text parsed before, its tokens recorded again at this chunk's lines."""
        item = self.items[chunk.key]
        if into is not None:
            into.add(chunk, self._chunk_tokens[chunk.key], item)
        return item


def parse_recording(source: str, path: str, known: Recording | None = None) -> tuple[ParseResult, Recording]:
    """:func:`parse`, also recording every token by line and every item's IR by its text.

    An item whose text is in ``known.items`` is not parsed again: the same text always gives
    the same IR (spans aside, and IR equality ignores spans) and the same tokens.
    """
    recording = Recording()
    return _parse(source, path, recording, known), recording


def _parse(source: str, path: str, recording: Recording | None, known: Recording | None) -> ParseResult:
    if len(source) > MAX_SOURCE_BYTES and len(source.encode("utf-8")) > MAX_SOURCE_BYTES:
        # The limit `parse_file` applies to files, for text given directly (`rulekit.loads`).
        return ParseResult(ir.Program(None, source="", path=path), (too_large(path),))
    diagnostics: list[Diagnostic] = []
    items: list[Any] = []
    for chunk in _chunks(source):
        try:
            if known is not None and chunk.key in known.items:
                item, problems = known.reuse(chunk, recording), list[Diagnostic]()
            else:
                item, problems = _parse_recorded(chunk, path, recording)
        except RecursionError:  # thousands of nested `not` or `(`: a diagnostic, not a crash
            span = ir.Span(path, chunk.first_line, 1, chunk.first_line, 2)
            hint = "split the condition into several clauses or metrics"
            item, problems = None, [error(codes.RK001, "expressions are nested too deeply to read", span, hint)]
        diagnostics.extend(problems)
        if item is not None:
            items.append(item)
    program, assembly = _assemble(items, source, path)
    digest = hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()
    return ParseResult(program, tuple(diagnostics + assembly), digest)


def parse_file(path: str, recording: Recording | None = None) -> tuple[ParseResult, str]:
    """Read and parse a file; unreadable or non-text files become diagnostics.

    With ``recording``, its tokens and items are recorded there (see :func:`parse_recording`).
    """
    span = ir.Span(path, 1, 1, 1, 2)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_SOURCE_BYTES + 1)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return ParseResult(ir.Program(None, path=path), (error(codes.RK003, f"cannot read file: {reason}", span),)), ""
    if len(raw) > MAX_SOURCE_BYTES:
        return ParseResult(ir.Program(None, path=path), (too_large(path),)), ""
    try:
        source = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        bad = ir.Span(path, line, 1, line, 2)
        hint = "save the rule file as UTF-8 text"
        return ParseResult(ir.Program(None, path=path), (error(codes.RK003, "file is not UTF-8 text", bad, hint),)), ""
    if "\x00" in source:
        line = source[: source.index("\x00")].count("\n") + 1
        bad = ir.Span(path, line, 1, line, 2)
        return ParseResult(
            ir.Program(None, path=path), (error(codes.RK003, "file contains binary data (NUL bytes)", bad),)
        ), source
    parsed = _parse(source, path, recording, None)
    return dataclasses.replace(parsed, digest=hashlib.sha256(raw).hexdigest()), source


def too_large(path: str) -> Diagnostic:
    """RK003 for rule-file text beyond :data:`MAX_SOURCE_BYTES`, from a file or a string."""
    msg = f"file is larger than {MAX_SOURCE_BYTES // 1_000_000} MB; a rule file is text a person edits"
    return error(codes.RK003, msg, ir.Span(path, 1, 1, 1, 2))


# ------------------------------------------------------------------------- chunking


def _chunks(source: str) -> Iterator[_Chunk]:
    # A comment-only line is blanked (keeping line numbers) so that its indentation,
    # e.g. a detail line commented out with `#` in column 0, never opens or closes a block.
    lines = ["" if line.lstrip().startswith("#") else line for line in source.splitlines()]
    start: int | None = None
    for index, line in enumerate(lines):
        opens_item = bool(line) and not line[0].isspace()
        if opens_item:
            if start is not None:
                yield _Chunk(start + 1, "\n".join(lines[start:index]) + "\n")
            start = index
        elif start is None and line.strip():
            # Indented text before any item: parse it alone so it gets a diagnostic.
            start = index
    if start is not None:
        yield _Chunk(start + 1, "\n".join(lines[start:]) + "\n")


def _parse_recorded(chunk: _Chunk, path: str, recording: Recording | None) -> tuple[Any, list[Diagnostic]]:
    if recording is None:
        return _parse_chunk(chunk, path)
    sink: list[Token] = []
    reset = _RECORDING.set(sink)
    try:
        item, problems = _parse_chunk(chunk, path)
    finally:
        _RECORDING.reset(reset)
    recording.add(chunk, sink, item if not problems else None)
    return item, problems


def _parse_chunk(chunk: _Chunk, path: str) -> tuple[Any, list[Diagnostic]]:
    transformer = _ToIR(path, chunk.first_line - 1)
    # The IR built while parsing (rulekit.lalr_loop): the same IR, positions and diagnostics
    # as Lark's tree turned into IR afterwards, which remains for whatever the fast loop
    # leaves (syntax errors, value problems, very deep nesting).
    item = parse_item(_lark(), chunk.text, _RECORDING.get(), transformer)
    if item is not None:
        return item, _repeated_lines(transformer.seen_lines)
    transformer = _ToIR(path, chunk.first_line - 1)
    try:
        tree = _lark().parse(chunk.text)
    except UnexpectedInput as exc:
        return None, [_syntax_diagnostic(exc, chunk, path)]
    except DedentError:
        return None, [_dedent_diagnostic(chunk, path)]
    try:
        item = transformer.transform(tree)
    except _ValueProblemError as problem:
        return None, [error(problem.code, problem.message, problem.span, problem.help)]
    return item, _repeated_lines(transformer.seen_lines)


def _dedent_diagnostic(chunk: _Chunk, path: str) -> Diagnostic:
    """A line indented less than its block but more than the enclosing one."""
    levels = [0]
    number, width = chunk.first_line, 1
    for offset, text in enumerate(chunk.text.split("\n")):
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        indent = len(text) - len(text.lstrip(" \t"))
        if indent > levels[-1]:
            levels.append(indent)
            continue
        while indent < levels[-1]:
            levels.pop()
        if indent != levels[-1]:
            number, width = chunk.first_line + offset, max(1, indent)
            break
    span = ir.Span(path, number, 1, number, 1 + width)
    hint = "indent detail lines under the line they belong to, by the same amount"
    return error(codes.RK001, "this line's indentation matches no enclosing line", span, hint)


# --------------------------------------------------------------------- syntax errors

TOP_LEVEL_KEYWORDS: tuple[str, ...] = (
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
    "payout",
    "example",
)
"""The words a top-level line (column 0) can start with."""

# Terminals that stand for a fixed set of words (regex terminals in the grammar).
_WORD_TERMINALS: dict[str, tuple[str, ...]] = {
    "CLAUSE_KIND": ("eligible", "gate", "warn", "disqualify"),
    "BOUND": ("inclusive", "exclusive"),
    "DIRECTION": ("ascending", "descending"),
    "AGG_FUNC": column_aggregate_words(),
    "QUANT": ("every", "any", "no"),
    "HAS": ("has", "have"),
    "BRACKET_MODE": ("marginal", "whole-tier"),
    "MILESTONE_MODE": ("highest", "cumulative"),
    "POOL_WORD": ("pool cap", "budget"),
    "FULL": ("full",),
    "CALL_FUNC": ("min(", "max("),
    "WINDOW_BOUND": ("start of", "end of"),
    "AS_OF": ("as of",),
    "BUCKET_UNIT": ("day", "week", "month"),  # calendar buckets (issue 10, construct 3)
    "BUCKET_UNITS": ("days", "weeks", "months"),
}

_TOKEN_WORDS: dict[str, str] = {
    "NAME": "a name",
    "STRING": 'a quoted text like "US"',
    "MONEY": "an amount like `$10,000`",
    "PERCENT": "a percentage like `2%`",
    "DURATION": "a duration like `14 hours`",
    "BUSINESS_DAYS": "business days like `20 business days`",
    "NUMBER": "a number",
    "INT": "a whole number",
    "DATE": "a date like `2022-02-14`",
    "TIME": "a time like `09:30`",
    "COMP_OP": "a comparison like `>` or `=`",
    "_NL": "the end of the line",
    "_INDENT": "an indented line",
    "_DEDENT": "the end of the block",
    "$END": "the end of the file",
}


def _or_words(words: tuple[str, ...]) -> str:
    quoted = [f"`{w}`" for w in words]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _literal_word(name: str) -> str | None:
    """The fixed text of a string terminal such as ``COLON`` or ``METRIC``, if it is one."""
    try:
        pattern = _lark().get_terminal(name).pattern
    except KeyError:
        return None
    return pattern.value if pattern.type == "str" else None


def _describe_expected(expected: set[str]) -> str:
    words: list[str] = []
    # The end of the line goes last: "expected `:` or the end of the line" reads naturally.
    for name in sorted(expected, key=lambda n: (n in ("_NL", "_DEDENT", "$END"), n)):
        if name in _WORD_TERMINALS:
            word = _or_words(_WORD_TERMINALS[name])
        else:
            literal = _literal_word(name)
            word = _TOKEN_WORDS.get(name) or (f"`{literal}`" if literal is not None else name)
        if word not in words:
            words.append(word)
    if len(words) > 6:
        words = [*words[:6], "…"]
    return ", ".join(words)


def _expected_keywords(expected: set[str]) -> list[str]:
    out: list[str] = []
    for name in expected:
        if name in _WORD_TERMINALS:
            out.extend(_WORD_TERMINALS[name])
        else:
            literal = _literal_word(name)
            if literal is not None and literal[:1].isalpha():
                out.append(literal)
    return out


def _expected_terminals(exc: UnexpectedInput) -> set[str]:
    # The interactive parser knows what the grammar really accepts here; the lexer's own
    # list also holds the end of line everywhere (the indenter always accepts it).
    interactive = getattr(exc, "interactive_parser", None)
    if interactive is not None:
        try:
            return set(interactive.accepts())
        except Exception:  # fall back to the lexer's list rather than fail on an error report
            pass
    return set(getattr(exc, "expected", None) or getattr(exc, "allowed", None) or ())


@dataclass(frozen=True)
class _Found:
    """What the parser stumbled on, and where (line and column within the chunk)."""

    line: int
    column: int
    width: int
    text: str  # as shown in a message: "`4000`", "end of line"
    raw: str  # the token's own text ("" for line ends and the end of input)
    type: str


def _found(exc: UnexpectedInput, chunk: _Chunk) -> _Found:
    text_lines = chunk.text.rstrip("\n").split("\n")
    at_end = _Found(len(text_lines), len(text_lines[-1]) + 1, 1, "end of input", "", "$END")
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        if token.type == "$END" or token.line is None:
            return at_end
        if token.type == "_INDENT":
            # The indenter dates this token at the line break before it; point at the line itself.
            line, column = token.end_line or token.line, token.end_column or 1
            return _Found(line, column, 1, "indentation", "", token.type)
        if token.type in ("_NL", "_DEDENT"):
            return _Found(token.line, token.column or 1, 1, "end of line", "", token.type)
        raw = str(token).split("\n")[0]
        return _Found(token.line, token.column or 1, max(1, len(raw)), f"`{raw[:40]}`", raw, token.type)
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream or 0
        char = chunk.text[pos] if pos < len(chunk.text) else ""
        return _Found(exc.line or 1, exc.column or 1, 1, f"`{char}`" if char else "end of input", char, "CHAR")
    return at_end


def _syntax_diagnostic(exc: UnexpectedInput, chunk: _Chunk, path: str) -> Diagnostic:
    expected = _expected_terminals(exc)
    found = _found(exc, chunk)
    abs_line = chunk.first_line + found.line - 1
    span = ir.Span(path, abs_line, found.column, abs_line, found.column + found.width)
    message, hint = _explain(expected, found, chunk)
    return error(codes.RK001, message, span, hint)


_UNIT_WORDS = ", ".join(u.value for u in ir.TimeUnit)


def _not_a_duration(found: _Found, chunk: _Chunk) -> tuple[str, str]:
    """``6 months``: name the word that is not a unit and list the units there are."""
    line = chunk.text.split("\n")[found.line - 1]
    after = line[found.column - 1 + len(found.raw) :].split()
    # A word that can follow a duration (`… from joined_at`, `… after activity`) is not a
    # misspelt unit: the unit is missing.
    word = after[0] if after and after[0][:1].isalpha() and after[0] not in ("from", "after") else None
    units = f"the units of time are {_UNIT_WORDS} (singular or plural)"
    if word is not None:
        return f"`{word}` is not a unit of time", f"{units}, like `{found.raw} days`"
    return f"{found.text} is not a duration", f"write the number with a unit; {units}, like `{found.raw} days`"


def _explain(expected: set[str], found: _Found, chunk: _Chunk) -> tuple[str, str | None]:
    """A friendly message and hint for the commonest mistakes; a generic one otherwise."""
    generic = f"unexpected {found.text}"
    if expected:
        generic += f"; expected {_describe_expected(expected)}"
    close = suggest(found.raw, _expected_keywords(expected)) if found.raw[:1].isalpha() else None
    close = close if close and close.startswith("did you mean") else None
    if found.line == 1 and chunk.text[:1].isspace():
        hint = "top-level lines start in column 0; indented detail lines go under one of them"
        return "this indented line does not belong to any item above it", hint
    if found.line == 1 and found.column == 1:
        listed = "A top-level line starts with one of: " + ", ".join(TOP_LEVEL_KEYWORDS)
        near = suggest(found.raw, TOP_LEVEL_KEYWORDS) if found.raw else None
        hint = f"{near} {listed}" if near and near.startswith("did you mean") else listed[0].lower() + listed[1:]
        return f"{found.text} does not start a top-level item", hint
    if found.type == "CHAR" and found.raw == '"':
        hint = 'end the text with `"` on the same line; write `\\"` for a quote inside it'
        return 'this quoted text is not closed: the closing `"` is missing', hint
    if "BOUND" in expected and found.type == "_NL":
        hint = "say whether the last date counts: `… to 2022-02-27 inclusive` or `… exclusive`"
        return "missing `inclusive` or `exclusive` after the window's end", hint
    if found.type == "_INDENT":
        hint = "indent every detail line of an item by the same amount (two spaces)"
        return "this line is indented more than the line above it", hint
    if expected == {"COLON"}:
        where = "at the end of the line" if found.type == "_NL" else f"before {found.text}"
        return f"missing `:` {where}", f'add `:` {where}, as in `window activity: …` or `note: "…"`'
    number = found.raw[:1].isdigit()
    if "MONEY" in expected and number:
        hint = "write money with its currency symbol: `$10,000`, `£3.50`, `€5`"
        return f"{found.text} is not an amount of money", hint
    if "PERCENT" in expected and number:
        return f"{found.text} is not a percentage", "write a percentage with `%`, like `2%`"
    if "DURATION" in expected and number:
        return _not_a_duration(found, chunk)
    if close is not None:
        return generic, close
    if "COLON" in expected:
        return generic, f"is a `:` missing before {found.text}?"
    if expected == {"_NL"}:
        return generic, "the line should end here; start a comment with `#`"
    return generic, None


# ------------------------------------------------------------------------ tree -> IR


class _ValueProblemError(RulekitError):
    def __init__(self, message: str, span: ir.Span, help: str | None = None, code: codes.Code = codes.RK002) -> None:
        super().__init__(message)
        self.message = message
        self.span = span
        self.help = help
        self.code = code


_ESCAPE = re.compile(r'\\(["\\])')
_SINGULAR_UNITS = {u.value.rstrip("s"): u for u in ir.TimeUnit}


def _line(kind: str, convert: Callable[[_ToIR, list[Any]], Any]) -> Any:
    """A transformer method for a detail line: returns ``(kind, value, span)``."""

    def method(self: _ToIR, meta: Any, c: list[Any]) -> tuple[str, Any, ir.Span]:
        span = self._span(meta)
        self.seen_lines.append((kind, span))
        return (kind, convert(self, c), span)

    return method


class _ToIR:
    """Turns one item's tree into an IR declaration.

    Each rule with a method of its name is converted bottom-up by ``method(meta, children)``;
    a rule without one stays a ``Tree`` (as with a Lark ``Transformer``, which this replaces:
    its per-node wrapping of every method for ``meta`` cost as much as the conversion).
    """

    def __init__(self, path: str, line_offset: int) -> None:
        self.path = path
        self.offset = line_offset
        # Every detail line in source order, so written-twice lines can be reported (RK510).
        self.seen_lines: list[tuple[str, ir.Span]] = []

    def transform(self, tree: Tree[Token]) -> Any:
        """The IR of ``tree``; a value problem raises :class:`_ValueProblemError`."""
        children = [self.transform(c) if isinstance(c, Tree) else c for c in tree.children]
        method = getattr(self, tree.data, None)
        if method is None:
            return Tree(tree.data, children, tree.meta)
        return method(tree.meta, children)

    # -- positions
    def _span(self, meta: Any) -> ir.Span:
        if getattr(meta, "empty", True):
            return ir.Span(self.path, self.offset + 1, 1, self.offset + 1, 2)
        return ir.Span(self.path, meta.line + self.offset, meta.column, meta.end_line + self.offset, meta.end_column)

    def _tspan(self, token: Token) -> ir.Span:
        line = (token.line or 1) + self.offset
        end_line = (token.end_line or token.line or 1) + self.offset
        return ir.Span(self.path, line, token.column or 1, end_line, token.end_column or 2)

    # -- tokens to values
    def _decimal(self, text: str, token: Token) -> Decimal:
        try:
            return Decimal(text.replace(",", ""))
        except InvalidOperation as exc:  # pragma: no cover - the lexer only admits digits
            raise _ValueProblemError(f"`{text}` is not a number", self._tspan(token)) from exc

    def _int(self, token: Token) -> int:
        """A whole number as written; one too long to be any rank or count is a diagnostic
        here, before Python's integer conversion limit (4,300 digits) can turn it into a crash."""
        text = str(token)
        if len(text) > _MAX_INT_DIGITS:
            raise _ValueProblemError(
                f"a whole number with {len(text):,} digits is out of range",
                self._tspan(token),
                "ranks, `top`, counts and `max orders` are far smaller; see the limits in docs/language.md",
                codes.RK802,
            )
        return int(text)

    def _money(self, token: Token) -> ir.Money:
        text = str(token)
        return ir.Money(self._decimal(text[1:], token), ir.CURRENCY_SYMBOLS[text[0]], self._tspan(token))

    def _percent(self, token: Token) -> ir.Percent:
        return ir.Percent(self._decimal(str(token)[:-1], token), self._tspan(token))

    def _duration(self, token: Token) -> ir.Duration:
        amount, unit = str(token).split()
        return ir.Duration(self._decimal(amount, token), _SINGULAR_UNITS[unit.rstrip("s")], self._tspan(token))

    def _date(self, token: Token) -> dt.date:
        try:
            return dt.date.fromisoformat(str(token))
        except ValueError as exc:
            raise _ValueProblemError(
                f"`{token}` is not a real date", self._tspan(token), "write dates as YYYY-MM-DD, like 2022-02-14"
            ) from exc

    def _time(self, token: Token) -> dt.time:
        try:
            return dt.time.fromisoformat(str(token))
        except ValueError as exc:
            raise _ValueProblemError(
                f"`{token}` is not a real time of day", self._tspan(token), "write times as HH:MM, like 09:30"
            ) from exc

    @staticmethod
    def _string(token: Token) -> str:
        # `\"` and `\\` are the only escapes; any other backslash is kept as written.
        return _ESCAPE.sub(r"\1", str(token)[1:-1])

    # -- literals
    def money(self, meta: Any, c: list[Token]) -> ir.Money:
        return self._money(c[0])

    def percent(self, meta: Any, c: list[Token]) -> ir.Percent:
        return self._percent(c[0])

    def duration(self, meta: Any, c: list[Token]) -> ir.Duration:
        return self._duration(c[0])

    def number(self, meta: Any, c: list[Token]) -> ir.Number:
        return ir.Number(self._decimal(str(c[0]), c[0]), self._tspan(c[0]))

    def string(self, meta: Any, c: list[Token]) -> ir.String:
        return ir.String(self._string(c[0]), self._tspan(c[0]))

    def date(self, meta: Any, c: list[Token]) -> ir.DateValue:
        if len(c) > 1:  # `2023-04-01 09:30` in a condition: a local moment
            return ir.DateValue(self._date(c[0]), self._span(meta), self._time(c[1]))
        return ir.DateValue(self._date(c[0]), self._tspan(c[0]))

    def true(self, meta: Any, c: list[Token]) -> ir.Bool:
        return ir.Bool(True, self._span(meta))

    def false(self, meta: Any, c: list[Token]) -> ir.Bool:
        return ir.Bool(False, self._span(meta))

    # -- expressions
    def name_ref(self, meta: Any, c: list[Token]) -> ir.NameRef:
        return ir.NameRef(str(c[0]), self._tspan(c[0]))

    def qualified_ref(self, meta: Any, c: list[Token]) -> ir.QualifiedRef:
        return ir.QualifiedRef(str(c[0]), str(c[1]), self._span(meta))

    def compare(self, meta: Any, c: list[Any]) -> ir.Compare:
        return ir.Compare(ir.CompareOp(str(c[1])), c[0], c[2], self._span(meta))

    def in_list(self, meta: Any, c: list[Any]) -> ir.InList:
        return ir.InList(c[0], tuple(c[1:]), False, self._span(meta))

    def not_in_list(self, meta: Any, c: list[Any]) -> ir.InList:
        return ir.InList(c[0], tuple(c[1:]), True, self._span(meta))

    def or_expr(self, meta: Any, c: list[Any]) -> ir.BoolOp:
        return ir.BoolOp(ir.BoolOperator.OR, tuple(c), self._span(meta))

    def and_expr(self, meta: Any, c: list[Any]) -> ir.BoolOp:
        return ir.BoolOp(ir.BoolOperator.AND, tuple(c), self._span(meta))

    def not_(self, meta: Any, c: list[Any]) -> ir.Not:
        return ir.Not(c[0], self._span(meta))

    def quantifier(self, meta: Any, c: list[Any]) -> ir.Quantified:
        return ir.Quantified(ir.Quantifier(str(c[0])), str(c[1]), c[2], None, self._span(meta), self._tspan(c[1]))

    def at_least(self, meta: Any, c: list[Any]) -> ir.Quantified:
        return ir.Quantified(
            ir.Quantifier.AT_LEAST, str(c[1]), c[3], self._int(c[0]), self._span(meta), self._tspan(c[1])
        )

    # -- shared block lines: ("kind", value, span)
    def attr(self, meta: Any, c: list[Token]) -> tuple[str, str, ir.Span]:
        span = self._span(meta)
        self.seen_lines.append((str(c[0]), span))
        return (str(c[0]), self._string(c[1]), span)

    def words(self, meta: Any, c: list[Token]) -> str:
        return " ".join(str(t) for t in c)

    def name_list(self, meta: Any, c: list[Token]) -> tuple[str, ...]:
        return tuple(str(t) for t in c)

    title_line = _line("title", lambda s, c: s._string(c[0]))
    term_line = _line("term", lambda s, c: (s._string(c[0]), s._string(c[1])))
    market_line = _line("market", lambda s, c: str(c[0]))
    currency_line = _line("currency", lambda s, c: str(c[0]))
    timezone_line = _line("timezone", lambda s, c: s._string(c[0]))
    calendar_line = _line("calendar", lambda s, c: str(c[0]))
    rounding_line = _line("rounding", lambda s, c: c[0])
    column_line = _line(
        "column",
        lambda s, c: ir.Column(
            str(c[0]), str(c[1]), s._tspan(c[0]), s._tspan(c[1]), label=s._string(c[2]) if len(c) > 2 else None
        ),
    )
    key_line = _line("key", lambda s, c: c[0])
    time_line = _line("time", lambda s, c: str(c[0]))
    period_line = _line("period", lambda s, c: (str(c[0]), str(c[1])))
    # Sub-entities and links (issue 10, construct 4).
    link_line = _line(
        "link",
        lambda s, c: ir.Link(
            str(c[0]),
            str(c[1]),
            str(c[2]) if len(c) > 2 else None,
            s._tspan(c[0]),
            s._tspan(c[0]),
            s._tspan(c[1]),
            s._tspan(c[2]) if len(c) > 2 else None,
        ),
    )
    then_by_line = _line("then_by", lambda s, c: ir.RankKey(str(c[0]), ir.Direction(str(c[1])), s._tspan(c[0])))
    top_line = _line("top", lambda s, c: s._int(c[0]))
    shared_line = _line("shared", lambda s, c: (str(c[0]), c[1] if len(c) > 1 else None))

    # `budget: $1,000 per day, first come`: the optional word after `per` is the budget's
    # period; words after a comma are its overflow policy (counted as an `overflow` line, RK510).
    def pool_line(self, meta: Any, c: list[Any]) -> tuple[str, Any, ir.Span]:
        span = self._span(meta)
        self.seen_lines.append(("pool", span))
        period = next((str(t) for t in c[2:] if isinstance(t, Token)), None)
        overflow = next((t for t in c[2:] if isinstance(t, str) and not isinstance(t, Token)), None)
        if overflow is not None:
            self.seen_lines.append(("overflow", span))
        return ("pool", (self._money(c[1]), period, overflow, span), span)

    overflow_line = _line("overflow", lambda s, c: c[0])
    bracket_line = _line("bracket", lambda s, c: ir.Bracket(s._money(c[0]), s._percent(c[1])))
    standard_line = _line("standard", lambda s, c: s._percent(c[0]))
    order_cap_line = _line("per_order", lambda s, c: s._money(c[0]))
    max_orders_line = _line("max_orders", lambda s, c: (s._int(c[0]), str(c[1])))
    # issue 10, construct 6 (periods): the optional second `per` names the cap's period.
    cap_line = _line("cap", lambda s, c: (s._money(c[0]), *_cap_pers([str(t) for t in c[1:]])))
    paid_line = _line("paid", lambda s, c: str(c[0]))
    tier_line = _line("tier", lambda s, c: ir.MilestoneTier(str(c[0]), c[1], s._money(c[2])))
    channel_line = _line("channel", lambda s, c: c[0])
    business_due = _line("due", lambda s, c: _due(s, c, business=True))
    calendar_due = _line("due", lambda s, c: _due(s, c, business=False))

    def rank_line(self, meta: Any, c: list[Token]) -> tuple[str, ir.PrizeTier, ir.Span]:
        ints = [t for t in c if t.type == "INT"]
        money = next(t for t in c if t.type == "MONEY")
        first, last = self._int(ints[0]), self._int(ints[-1])
        return ("rank", ir.PrizeTier(first, last, self._money(money), self._span(meta)), self._span(meta))

    # -- filters
    def during(self, meta: Any, c: list[Any]) -> tuple[str, str, ir.Span]:
        if len(c) > 1:  # `during W to date` (issue 10, construct 6: periods)
            return ("window", str(c[0]) + _TO_DATE, self._tspan(c[0]))
        return ("window", str(c[0]), self._tspan(c[0]))

    def to_date(self, meta: Any, c: list[Any]) -> bool:
        return True

    def where(self, meta: Any, c: list[Any]) -> tuple[str, Any, ir.Span]:
        return ("where", c[0], self._span(meta))

    def per(self, meta: Any, c: list[Token]) -> tuple[str, str, ir.Span]:
        return ("per", str(c[0]), self._tspan(c[0]))

    def as_of(self, meta: Any, c: list[Any]) -> tuple[str, Any, ir.Span]:  # as-of values (issue 10)
        return ("as_of", c[1], self._span(meta))

    def filters(self, meta: Any, c: list[tuple[str, Any, ir.Span]]) -> ir.Filters:
        parts = {kind: (value, span) for kind, value, span in c}
        window = parts.get("window")
        per = parts.get("per")
        where = parts.get("where")
        to_date = window is not None and window[0].endswith(_TO_DATE)
        bucket = parts.get("bucket")
        return ir.Filters(
            window=window[0].removesuffix(_TO_DATE) if window else None,
            where=where[0] if where else None,
            per=per[0] if per else None,
            window_span=window[1] if window else None,
            per_span=per[1] if per else None,
            to_date=to_date,
            as_of=parts["as_of"][0] if "as_of" in parts else None,
            bucket=bucket[0] if bucket else None,
            bucket_span=bucket[1] if bucket else None,
        )

    # -- calendar buckets (issue 10, construct 3)
    def by_bucket(self, meta: Any, c: list[Token]) -> tuple[str, ir.BucketUnit, ir.Span]:
        return ("bucket", ir.BucketUnit.of_word(str(c[0])), self._tspan(c[0]))

    def bucket_count(self, meta: Any, c: list[Any]) -> ir.BucketCount:
        return self._bucket_count(meta, c, streak=False)

    def bucket_streak(self, meta: Any, c: list[Any]) -> ir.BucketCount:
        return self._bucket_count(meta, c, streak=True)

    def _bucket_count(self, meta: Any, c: list[Any], *, streak: bool) -> ir.BucketCount:
        unit = ir.BucketUnit.of_word(str(c[0]))
        window = c[1] if len(c) > 2 else None  # ("window", name, span) from `during`
        name, span = (window[1], window[2]) if window else (None, None)
        return ir.BucketCount(unit, name, c[-1], streak, self._span(meta), span)

    # -- end of calendar buckets

    # -- top-level items
    def start(self, meta: Any, c: list[Any]) -> Any:
        return c[-1]

    def program(self, meta: Any, c: list[Any]) -> ir.Header:
        lines = _Lines(c[1:])
        return ir.Header(
            name=str(c[0]),
            title=lines.one("title"),
            market=lines.one("market"),
            currency=lines.one("currency"),
            timezone=lines.one("timezone"),
            calendar=lines.one("calendar"),
            rounding=lines.one("rounding"),
            text=lines.text(),
            span=self._tspan(c[0]),
            timezone_span=lines.span("timezone"),
            currency_span=lines.span("currency"),
            calendar_span=lines.span("calendar"),
            terms=tuple(lines.all("term")),
        )

    def table(self, meta: Any, c: list[Any]) -> ir.Table:
        lines = _Lines(c[1:])
        return ir.Table(
            name=str(c[0]),
            columns=tuple(lines.all("column")),
            key=lines.one("key") or (),
            time=lines.one("time"),
            period=lines.one("period"),
            text=lines.text(),
            span=self._tspan(c[0]),
            key_span=lines.span("key"),
            time_span=lines.span("time"),
            period_span=lines.span("period"),
            links=tuple(lines.all("link")),
        )

    def participant(self, meta: Any, c: list[Any]) -> tuple[str, ir.Entity]:
        entity = ir.Entity(str(c[0]), str(c[1]), _Lines(c[2:]).text(), self._tspan(c[0]), self._tspan(c[1]))
        return ("participant", entity)

    def member(self, meta: Any, c: list[Any]) -> tuple[str, ir.Entity]:
        entity = ir.Entity(str(c[0]), str(c[1]), _Lines(c[2:]).text(), self._tspan(c[0]), self._tspan(c[1]))
        return ("member", entity)

    def window(self, meta: Any, c: list[Any]) -> ir.Window:
        name, spec, rest = str(c[0]), c[1], _Lines(c[2:])
        if spec[0] == "absolute":
            _, start, end, bound = spec
            return ir.AbsoluteWindow(name, start, end, bound == "inclusive", rest.text(), self._tspan(c[0]))
        _, length, anchor, anchor_span, bound, within = spec
        inclusive = bound == "inclusive"
        within_name, within_span = within if within is not None else (None, None)
        return ir.RelativeWindow(
            name, length, anchor, rest.text(), self._tspan(c[0]), anchor_span, inclusive, within_name, within_span
        )

    def absolute_window(self, meta: Any, c: list[Any]) -> tuple[str, ir.LocalDateTime, ir.LocalDateTime, str]:
        return ("absolute", c[0], c[1], str(c[2]))

    def relative_window(
        self, meta: Any, c: list[Any]
    ) -> tuple[str, ir.Duration, str, ir.Span, str, tuple[str, ir.Span] | None]:
        rest = c[2:]
        within = rest.pop() if rest and isinstance(rest[-1], tuple) else None
        bound = str(rest[0]) if rest else "exclusive"
        return ("relative", self._duration(c[0]), str(c[1]), self._tspan(c[1]), bound, within)

    def within(self, meta: Any, c: list[Token]) -> tuple[str, ir.Span]:
        return (str(c[0]), self._tspan(c[0]))

    def datetime(self, meta: Any, c: list[Token]) -> ir.LocalDateTime:
        time = self._time(c[1]) if len(c) > 1 else None
        return ir.LocalDateTime(self._date(c[0]), time, self._span(meta))

    def metric(self, meta: Any, c: list[Any]) -> ir.Metric:
        return ir.Metric(str(c[0]), c[1], _Lines(c[2:]).text(), self._tspan(c[0]))

    def count_agg(self, meta: Any, c: list[Any]) -> ir.Aggregate:
        return ir.Aggregate(ir.AggregateFunc.COUNT, str(c[0]), None, c[1], self._span(meta), self._tspan(c[0]))

    def distinct_agg(self, meta: Any, c: list[Any]) -> ir.Aggregate:
        return ir.Aggregate(
            ir.AggregateFunc.COUNT_DISTINCT,
            str(c[1]),
            str(c[0]),
            c[2],
            self._span(meta),
            self._tspan(c[1]),
            self._tspan(c[0]),
        )

    def column_agg(self, meta: Any, c: list[Any]) -> ir.Aggregate:
        return ir.Aggregate(
            ir.AggregateFunc(str(c[0])),
            str(c[2]),
            str(c[1]),
            c[3],
            self._span(meta),
            self._tspan(c[2]),
            self._tspan(c[1]),
        )

    def time_agg(self, meta: Any, c: list[Any]) -> ir.Aggregate:
        return ir.Aggregate(ir.AggregateFunc.TOTAL_TIME, str(c[0]), None, c[1], self._span(meta), self._tspan(c[0]))

    def computed(self, meta: Any, c: list[Any]) -> ir.Ratio | ir.Computed:
        expr = c[0]
        if (
            isinstance(expr, ir.Arith)
            and expr.op is ir.ArithOp.DIV
            and isinstance(expr.left, ir.NameRef)
            and isinstance(expr.right, ir.NameRef)
        ):
            # `a / b` of two metrics stays the ratio it always was (same IR, exports, words).
            left, right = expr.left, expr.right
            return ir.Ratio(left.name, right.name, self._span(meta), left.span, right.span)
        return ir.Computed(expr, self._span(meta))

    # -- arithmetic
    def _arith(self, op: ir.ArithOp, meta: Any, c: list[Any]) -> ir.Arith:
        return ir.Arith(op, c[0], c[1], self._span(meta))

    def add(self, meta: Any, c: list[Any]) -> ir.Arith:
        return self._arith(ir.ArithOp.ADD, meta, c)

    def sub(self, meta: Any, c: list[Any]) -> ir.Arith:
        return self._arith(ir.ArithOp.SUB, meta, c)

    def mul(self, meta: Any, c: list[Any]) -> ir.Arith:
        return self._arith(ir.ArithOp.MUL, meta, c)

    def div(self, meta: Any, c: list[Any]) -> ir.Arith:
        return self._arith(ir.ArithOp.DIV, meta, c)

    def negate(self, meta: Any, c: list[Any]) -> ir.NumExpr:
        operand, span = c[0], self._span(meta)
        # `-$50`, `-3`, `-2%`, `-1 hour` are negative literals, usable wherever a literal is.
        match operand:
            case ir.Money():
                return ir.Money(-operand.amount, operand.currency, span)
            case ir.Number():
                return ir.Number(-operand.value, span)
            case ir.Percent():
                return ir.Percent(-operand.value, span)
            case ir.Duration():
                return ir.Duration(-operand.amount, operand.unit, span)
        return ir.Negate(operand, span)

    # -- points in time (issue 10): `joined_at + 6 months`, `end of program_period`
    def cond_add(self, meta: Any, c: list[Any]) -> ir.Shift | ir.Arith:
        return self._cond_arith(ir.ArithOp.ADD, meta, c)

    def cond_sub(self, meta: Any, c: list[Any]) -> ir.Shift | ir.Arith:
        return self._cond_arith(ir.ArithOp.SUB, meta, c)

    def _cond_arith(self, op: ir.ArithOp, meta: Any, c: list[Any]) -> ir.Shift | ir.Arith:
        """In a condition, `x ± DURATION` moves a point in time; the checker reports any other
        arithmetic there (RK218), and a shift of something that is not a point (RK218 too)."""
        if isinstance(c[1], ir.Duration):
            return ir.Shift(c[0], c[1], op is ir.ArithOp.SUB, self._span(meta))
        if isinstance(c[0], ir.Duration) and op is ir.ArithOp.ADD:  # `6 months + joined_at` is the same move
            return ir.Shift(c[1], c[0], False, self._span(meta))
        return self._arith(op, meta, c)

    def window_bound(self, meta: Any, c: list[Token]) -> ir.WindowBound:
        end = str(c[0]).startswith("end")
        return ir.WindowBound(str(c[1]), end, self._span(meta), self._tspan(c[1]))

    def call(self, meta: Any, c: list[Any]) -> ir.Call:
        return ir.Call(str(c[0]), (c[1], c[2]), self._span(meta))

    def default_(self, meta: Any, c: list[Any]) -> ir.Default:
        return ir.Default(c[0], c[1], self._span(meta))

    def clause(self, meta: Any, c: list[Any]) -> ir.Clause:
        kind, name, condition = ir.ClauseKind(str(c[0])), str(c[1]), c[2]
        rest = c[3:]
        guard = None
        if rest and isinstance(rest[0], tuple) and rest[0][0] == "guard":
            guard = rest[0][1]
            rest = rest[1:]
        return ir.Clause(kind, name, condition, guard, _Lines(rest).text(), self._tspan(c[1]))

    def guard(self, meta: Any, c: list[Any]) -> tuple[str, Any]:
        return ("guard", c[0])

    def ranking(self, meta: Any, c: list[Any]) -> ir.Ranking:
        lines = _Lines(c[3:])
        first = ir.RankKey(str(c[1]), ir.Direction(str(c[2])), self._tspan(c[1]))
        shared: tuple[str, str | None] | None = lines.one("shared")
        return ir.Ranking(
            name=str(c[0]),
            keys=(first, *lines.all("then_by")),
            top=lines.one("top"),
            shared_ranks=shared[0] if shared else None,
            text=lines.text(),
            span=self._tspan(c[0]),
            top_span=lines.span("top"),
            shared_span=lines.span("shared"),
            shared_rounding=shared[1] if shared else None,
        )

    def prize(self, meta: Any, c: list[Any]) -> ir.Prize:
        lines = _Lines(c[2:])
        schedule = tuple(lines.all("rank"))
        span, ranking_span = self._tspan(c[0]), self._tspan(c[1])
        return ir.Prize(str(c[0]), str(c[1]), schedule, lines.limits(), lines.text(), span, ranking_span)

    def rebate(self, meta: Any, c: list[Any]) -> ir.Rebate:
        name, spec, lines = str(c[0]), c[1], _Lines(c[2:])
        span = self._tspan(c[0])
        # Bracket lines are kept under a flat rebate too, so the checker can report them.
        brackets = tuple(lines.all("bracket"))
        if spec[0] == "flat":
            return ir.Rebate(name, spec[2], spec[1], brackets, None, lines.limits(), lines.text(), span, spec[3])
        return ir.Rebate(name, spec[2], None, brackets, spec[1], lines.limits(), lines.text(), span, spec[3])

    def flat_rebate(self, meta: Any, c: list[Token]) -> tuple[str, ir.Percent, str, ir.Span]:
        return ("flat", self._percent(c[0]), str(c[1]), self._tspan(c[1]))

    def bracket_rebate(self, meta: Any, c: list[Token]) -> tuple[str, ir.BracketMode | None, str, ir.Span]:
        # The mode is optional in the grammar so that a missing one is a checker diagnostic.
        mode = ir.BracketMode(str(c[0])) if len(c) > 1 else None
        return ("brackets", mode, str(c[-1]), self._tspan(c[-1]))

    def commission(self, meta: Any, c: list[Any]) -> ir.Commission:
        lines = _Lines(c[5:])
        return ir.Commission(
            name=str(c[0]),
            rate=self._percent(c[1]),
            column=str(c[2]),
            table=str(c[3]),
            filters=c[4],
            standard=lines.one("standard"),
            text=lines.text(),
            span=self._tspan(c[0]),
            table_span=self._tspan(c[3]),
            column_span=self._tspan(c[2]),
        )

    def subsidy(self, meta: Any, c: list[Any]) -> ir.Subsidy:
        kind, amount = c[1]
        lines = _Lines(c[5:])
        return ir.Subsidy(
            name=str(c[0]),
            kind=kind,
            amount=amount,
            column=str(c[2]),
            table=str(c[3]),
            filters=c[4],
            limits=lines.limits(),
            text=lines.text(),
            span=self._tspan(c[0]),
            table_span=self._tspan(c[3]),
            column_span=self._tspan(c[2]),
        )

    def subsidy_amount(self, meta: Any, c: list[Token]) -> tuple[ir.SubsidyKind, ir.Money | ir.Percent | None]:
        token = c[0]
        if token.type == "FULL":
            return (ir.SubsidyKind.FULL, None)
        if token.type == "PERCENT":
            return (ir.SubsidyKind.PERCENT, self._percent(token))
        return (ir.SubsidyKind.FIXED, self._money(token))

    def bonus(self, meta: Any, c: list[Any]) -> ir.Bonus:
        lines = _Lines(c[3:])
        limits, text = lines.limits(), lines.text()
        return ir.Bonus(str(c[0]), self._money(c[1]), str(c[2]), limits, text, self._tspan(c[0]), self._tspan(c[2]))

    def milestone(self, meta: Any, c: list[Any]) -> ir.Milestone:
        lines = _Lines(c[3:])
        return ir.Milestone(
            str(c[0]),
            str(c[1]),
            str(c[2]),
            tuple(lines.all("tier")),
            lines.limits(),
            lines.text(),
            self._tspan(c[0]),
            self._tspan(c[1]),
        )

    def payout(self, meta: Any, c: list[Any]) -> ir.Payout:
        lines = _Lines(c)
        return ir.Payout(
            lines.one("channel"),
            lines.one("due"),
            lines.text(),
            self._span(meta),
            paid=lines.one("paid"),
            paid_span=lines.span("paid"),
        )

    # -- examples (`rulekit test`; see docs/test.md)
    def example(self, meta: Any, c: list[Any]) -> ir.Example:
        lines = _Lines(c[1:])
        rows = tuple(row for group in lines.all("given") for row in group)
        expects = tuple(lines.all("expect"))
        local = lines.one("times") == "local"
        return ir.Example(str(c[0]), rows, expects, lines.text(), self._tspan(c[0]), local_times=local)

    def given_line(self, meta: Any, c: list[Any]) -> tuple[str, tuple[ir.ExampleRow, ...], ir.Span]:
        return ("given", (ir.ExampleRow(str(c[0]), tuple(c[1:]), self._tspan(c[0])),), self._span(meta))

    def given_repeat(self, meta: Any, c: list[Any]) -> tuple[str, tuple[ir.ExampleRow, ...], ir.Span]:
        """``given 10 orders like (...), 3 of them (...)``: N rows; each override group
        applies to the next rows in turn; ``#`` in a string value is the row's number."""
        count_token, table = c[0], c[1]
        count = self._int(count_token)
        base = [f for f in c[2:] if isinstance(f, ir.ExampleField)]
        overrides: list[tuple[int, list[ir.ExampleField]]] = [o for o in c[2:] if isinstance(o, tuple)]
        covered = sum(n for n, _ in overrides)
        if count < 1 or count > MAX_EXAMPLE_ROWS:
            raise _ValueProblemError(
                f"an example repeats a row 1 to {MAX_EXAMPLE_ROWS:,} times, not {count:,}",
                self._tspan(count_token),
                f"write a count from 1 to {MAX_EXAMPLE_ROWS:,}",
                codes.RK714,
            )
        if covered > count:
            raise _ValueProblemError(
                f"the `of them` groups cover {covered} rows, but only {count} {table} are given",
                self._span(meta),
                f"make the groups add up to at most {count}, or write `given {covered} {table} like (...)`",
                codes.RK714,
            )
        span = self._tspan(table)
        rows: list[ir.ExampleRow] = []
        changes = [fields for n, fields in overrides for _ in range(n)]
        for number in range(1, count + 1):
            extra = changes[number - 1] if number <= len(changes) else []
            fields = _override(base, extra)
            rows.append(ir.ExampleRow(str(table), tuple(_numbered(f, number) for f in fields), span))
        return ("given", tuple(rows), self._span(meta))

    def ex_override(self, meta: Any, c: list[Any]) -> tuple[int, list[ir.ExampleField]]:
        return (self._int(c[0]), [f for f in c[1:] if isinstance(f, ir.ExampleField)])

    def given_table(self, meta: Any, c: list[Any]) -> tuple[str, tuple[ir.ExampleRow, ...], ir.Span]:
        """``given T:`` then ``| col | col |`` header and value rows."""
        table = c[0]
        header: list[Token] = c[1]
        rows: list[ir.ExampleRow] = []
        for cells, row_span in c[2:]:
            if len(cells) != len(header):
                raise _ValueProblemError(
                    f"this row has {len(cells)} values but the table's header names {len(header)} columns",
                    row_span,
                    "write one value per header column, `null` for a missing one",
                    codes.RK713,
                )
            fields = tuple(ir.ExampleField(str(h), v, self._tspan(h)) for h, v in zip(header, cells, strict=True))
            rows.append(ir.ExampleRow(str(table), fields, row_span))
        return ("given", tuple(rows), self._span(meta))

    def ex_table_header(self, meta: Any, c: list[Token]) -> list[Token]:
        return list(c)

    def ex_table_row(self, meta: Any, c: list[Any]) -> tuple[list[Any], ir.Span]:
        return (list(c), self._span(meta))

    def times_line(self, meta: Any, c: list[Token]) -> tuple[str, str, ir.Span]:
        word = str(c[0])
        if word not in ("local", "UTC"):
            raise _ValueProblemError(
                f"`times: {word}` is not a choice; example times are `local` or `UTC`",
                self._tspan(c[0]),
                "write `times: local` for the program's time zone, or `times: UTC` (the default)",
                codes.RK715,
            )
        span = self._span(meta)
        self.seen_lines.append(("times", span))
        return ("times", word, span)

    def ex_field(self, meta: Any, c: list[Any]) -> ir.ExampleField:
        return ir.ExampleField(str(c[0]), c[1], self._tspan(c[0]))

    def ex_timestamp(self, meta: Any, c: list[Token]) -> ir.TimestampValue:
        return ir.TimestampValue(dt.datetime.combine(self._date(c[0]), self._time(c[1])), self._span(meta))

    def ex_null(self, meta: Any, c: list[Token]) -> ir.NullValue:
        return ir.NullValue(self._span(meta))

    def expect_line(self, meta: Any, c: list[Any]) -> tuple[str, ir.ExampleExpect, ir.Span]:
        order, (subject, span), *period = c[0]
        expect = ir.ExampleExpect(subject, order, tuple(c[1:]), span, period=period[0] if period else None)
        return ("expect", expect, self._span(meta))

    def ex_participant(self, meta: Any, c: list[Any]) -> tuple[Any, ...]:
        return (False, c[0], *c[1:])  # the pay period of `expect s1 in 2024-03` (issue 10, construct 6)

    def ex_period(self, meta: Any, c: list[Token]) -> str:
        return str(c[0])

    def ex_order(self, meta: Any, c: list[Any]) -> tuple[bool, tuple[str, ir.Span]]:
        return (True, c[0])

    def ex_id(self, meta: Any, c: list[Token]) -> tuple[str, ir.Span]:
        text = self._string(c[0]) if c[0].type == "STRING" else str(c[0])
        return (text, self._tspan(c[0]))

    def ex_reward_kind(self, meta: Any, c: list[Token]) -> str:
        return str(c[0])

    def _expect(self, meta: Any, kind: ir.ExpectKind, negated: bool = False, **more: Any) -> ir.Expectation:
        return ir.Expectation(kind, negated, span=self._span(meta), **more)

    def _named(self, meta: Any, kind: ir.ExpectKind, token: Token, negated: bool = False) -> ir.Expectation:
        return self._expect(meta, kind, negated, name=str(token), name_span=self._tspan(token))

    def ex_eligible(self, meta: Any, c: list[Any]) -> ir.Expectation:
        return self._expect(meta, ir.ExpectKind.ELIGIBLE)

    def ex_not_eligible(self, meta: Any, c: list[Any]) -> ir.Expectation:
        return self._expect(meta, ir.ExpectKind.ELIGIBLE, True)

    def ex_qualified(self, meta: Any, c: list[Any]) -> ir.Expectation:
        return self._expect(meta, ir.ExpectKind.QUALIFIED)

    def ex_not_qualified(self, meta: Any, c: list[Any]) -> ir.Expectation:
        return self._expect(meta, ir.ExpectKind.QUALIFIED, True)

    def ex_disqualified_by(self, meta: Any, c: list[Token]) -> ir.Expectation:
        return self._named(meta, ir.ExpectKind.DISQUALIFIED, c[0])

    def ex_not_disqualified(self, meta: Any, c: list[Any]) -> ir.Expectation:
        return self._expect(meta, ir.ExpectKind.DISQUALIFIED, True)

    def ex_warned(self, meta: Any, c: list[Token]) -> ir.Expectation:
        return self._named(meta, ir.ExpectKind.WARNED, c[0])

    def ex_not_warned(self, meta: Any, c: list[Any]) -> ir.Expectation:
        return self._expect(meta, ir.ExpectKind.WARNED, True)

    def ex_passes(self, meta: Any, c: list[Token]) -> ir.Expectation:
        return self._named(meta, ir.ExpectKind.PASSES, c[0])

    def ex_fails(self, meta: Any, c: list[Token]) -> ir.Expectation:
        return self._named(meta, ir.ExpectKind.FAILS, c[0])

    def ex_not_judged(self, meta: Any, c: list[Token]) -> ir.Expectation:
        return self._named(meta, ir.ExpectKind.NOT_JUDGED, c[0])

    def ex_rank(self, meta: Any, c: list[Token]) -> ir.Expectation:
        rank = ir.Number(Decimal(self._int(c[0])), self._tspan(c[0]))
        return self._expect(meta, ir.ExpectKind.RANK, value=rank)

    def ex_unranked(self, meta: Any, c: list[Any]) -> ir.Expectation:
        return self._expect(meta, ir.ExpectKind.RANK, value=ir.NullValue(self._span(meta)))

    def ex_reward(self, meta: Any, c: list[Any]) -> ir.Expectation:
        item = self._named(meta, ir.ExpectKind.REWARD, c[1])
        return dataclasses.replace(item, reward_kind=c[0], value=c[2])

    def ex_total(self, meta: Any, c: list[Any]) -> ir.Expectation:
        return self._expect(meta, ir.ExpectKind.TOTAL, value=c[0])

    def ex_metric(self, meta: Any, c: list[Any]) -> ir.Expectation:
        return dataclasses.replace(self._named(meta, ir.ExpectKind.METRIC, c[0]), value=c[1])

    def ex_member_metric(self, meta: Any, c: list[Any]) -> ir.Expectation:
        item = self._named(meta, ir.ExpectKind.METRIC, c[2])
        return dataclasses.replace(item, value=c[3], member_noun=str(c[0]), member=c[1][0])


def _due(s: _ToIR, c: list[Token], *, business: bool) -> ir.Due:
    token, after = c[0], c[1]
    if business:
        number = str(token).split()[0]
        amount = s._int(
            Token("INT", number, token.start_pos, token.line, token.column, token.end_line, token.end_column)
        )
    else:
        duration = s._duration(token)
        if duration.unit is not ir.TimeUnit.DAYS or duration.amount != duration.amount.to_integral_value():
            raise _ValueProblemError(
                "a payout is due a whole number of days after a window",
                s._tspan(token),
                "write `due: 20 business days after activity` or `due: 30 days after activity`",
            )
        amount = int(duration.amount)
    return ir.Due(amount, business, str(after), s._tspan(token), s._tspan(after))


# issue 10, construct 6 (periods) ------------------------------------------------
# `during W to date` travels from `during` to `filters` as a suffix no name can contain.
_TO_DATE = " to date"
# The words a cap's period is written with: `per month`, `per week`, `per day`.
CAP_PERIODS = ("day", "week", "month")


def _cap_pers(words: list[str]) -> tuple[str | None, str | None]:
    """``per seller per month`` -> (``seller``, ``month``); a lone ``per month`` is a period."""
    if len(words) == 2:
        return words[0], words[1]
    if len(words) == 1 and words[0] in CAP_PERIODS:
        return None, words[0]
    return (words[0] if words else None), None


class _Lines:
    """The detail lines of one block, looked up by kind."""

    def __init__(self, lines: list[Any]) -> None:
        self.lines = [x for x in lines if isinstance(x, tuple) and len(x) == 3]

    def all(self, kind: str) -> list[Any]:
        return [value for k, value, _ in self.lines if k == kind]

    def one(self, kind: str) -> Any:
        found = self.all(kind)
        return found[0] if found else None

    def span(self, kind: str) -> ir.Span | None:
        return next((span for k, _, span in self.lines if k == kind), None)

    def text(self) -> ir.Text:
        return ir.Text(label=self.one("label"), description=self.one("description"), notes=tuple(self.all("note")))

    def limits(self) -> ir.Limits:
        cap = self.one("cap")
        max_orders = self.one("max_orders")
        pool = self.one("pool")
        return ir.Limits(
            per_participant=cap[0] if cap else None,
            per_participant_noun=cap[1] if cap else None,
            pool=pool[0] if pool else None,
            overflow=self.one("overflow") or (pool[2] if pool else None),
            per_order=self.one("per_order"),
            max_orders=max_orders[0] if max_orders else None,
            max_orders_noun=max_orders[1] if max_orders else None,
            overflow_span=self.span("overflow") or (pool[3] if pool and pool[2] else None),
            cap_span=self.span("cap"),
            pool_span=self.span("pool"),
            max_orders_span=self.span("max_orders"),
            cap_period=cap[2] if cap else None,
            pool_period=pool[1] if pool else None,
        )


def _override(base: list[ir.ExampleField], extra: list[ir.ExampleField]) -> list[ir.ExampleField]:
    """The base fields with ``extra`` replacing same-named ones and adding the others."""
    replaced = {f.column: f for f in extra}
    fields = [replaced.pop(f.column, f) for f in base]
    return fields + list(replaced.values())


def _numbered(field: ir.ExampleField, number: int) -> ir.ExampleField:
    """``#`` in a repeated row's string value becomes the row's number (``"o#"`` -> ``"o7"``)."""
    value = field.value
    if isinstance(value, ir.String) and "#" in value.value:
        return ir.ExampleField(field.column, ir.String(value.value.replace("#", str(number)), value.span), field.span)
    return field


# Single-valued detail lines, with the words an author writes for them.
_SINGLE_LINES: dict[str, str] = {
    "times": "times",
    "title": "title",
    "market": "market",
    "currency": "currency",
    "timezone": "timezone",
    "calendar": "calendar",
    "rounding": "rounding",
    "key": "key",
    "time": "time",
    "period": "period",
    "top": "top",
    "shared": "shared ranks",
    "pool": "pool cap` or `budget",
    "overflow": "overflow",
    "standard": "standard rate",
    "per_order": "cap per order",
    "max_orders": "max orders",
    "cap": "cap",
    "channel": "channel",
    "due": "due",
    "paid": "paid",  # issue 10, construct 6 (periods)
    "label": "label",
    "description": "description",
}


def _repeated_lines(seen: list[tuple[str, ir.Span]]) -> list[Diagnostic]:
    """RK510 for each single-valued detail line written again in the same block."""
    first: dict[str, ir.Span] = {}
    out: list[Diagnostic] = []
    for kind, span in seen:
        words = _SINGLE_LINES.get(kind)
        if words is None:
            continue
        if kind not in first:
            first[kind] = span
            continue
        message = f"`{words}` is written twice in this block; only one is allowed"
        hint = f"keep one of the two lines (the first is on line {first[kind].line}) and delete the other"
        out.append(error(codes.RK510, message, span, hint))
    return out


# -------------------------------------------------------------------------- assembly


def _assemble(items: list[Any], source: str, path: str) -> tuple[ir.Program, list[Diagnostic]]:
    diagnostics: list[Diagnostic] = []
    header: ir.Header | None = None
    participant: ir.Entity | None = None
    member: ir.Entity | None = None
    payout: ir.Payout | None = None
    buckets: dict[str, list[Any]] = {
        "tables": [],
        "windows": [],
        "metrics": [],
        "clauses": [],
        "rankings": [],
        "rewards": [],
        "examples": [],
    }

    def once(current: Any, new: Any, what: str, span: ir.Span) -> Any:
        if current is not None:
            diagnostics.append(
                error(
                    codes.RK502,
                    f"a program has one {what}; this is a second one",
                    span,
                    f"merge the two {what} declarations into one",
                )
            )
            return current
        return new

    for item in items:
        if isinstance(item, ir.Header):
            header = once(header, item, "`program` header", item.span)
        elif isinstance(item, tuple) and item[0] == "participant":
            participant = once(participant, item[1], "`participant` line", item[1].span)
        elif isinstance(item, tuple) and item[0] == "member":
            member = once(member, item[1], "`member` line", item[1].span)
        elif isinstance(item, ir.Payout):
            payout = once(payout, item, "`payout` block", item.span)
        elif isinstance(item, ir.Table):
            buckets["tables"].append(item)
        elif isinstance(item, (ir.AbsoluteWindow, ir.RelativeWindow)):
            buckets["windows"].append(item)
        elif isinstance(item, ir.Metric):
            buckets["metrics"].append(item)
        elif isinstance(item, ir.Clause):
            buckets["clauses"].append(item)
        elif isinstance(item, ir.Ranking):
            buckets["rankings"].append(item)
        elif isinstance(item, ir.Example):
            buckets["examples"].append(item)
        else:
            buckets["rewards"].append(item)
    program = ir.Program(
        header=header,
        tables=tuple(buckets["tables"]),
        participant=participant,
        member=member,
        windows=tuple(buckets["windows"]),
        metrics=tuple(buckets["metrics"]),
        clauses=tuple(buckets["clauses"]),
        rankings=tuple(buckets["rankings"]),
        rewards=tuple(buckets["rewards"]),
        payout=payout,
        examples=tuple(buckets["examples"]),
        source=source,
        path=path,
    )
    return program, diagnostics


def tree_free(value: object) -> bool:
    """True when no Lark object is left anywhere inside ``value`` (used by tests)."""
    if isinstance(value, (Tree, Token)):
        return False
    if isinstance(value, tuple):
        return all(tree_free(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return all(tree_free(getattr(value, f.name)) for f in dataclasses.fields(value))
    return True
