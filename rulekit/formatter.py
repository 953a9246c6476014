"""``rulekit fmt``: one canonical layout for rule files.

The formatter re-emits each physical line from the parser's own token stream rather
than from the IR, so every comment and every line survives; only whitespace and the
spelling of a few literals change. The layout (see ``docs/fmt.md``):

* top-level lines in column 0, detail lines indented by two spaces, lines continued
  inside ``( … )`` by four more than the line that opened the parenthesis;
* the ``| a | b |`` rows of an example table indented by four spaces, their cells padded
  so the bars line up;
* one space between tokens, none before ``:`` ``,`` ``)`` and around ``.``, none after ``(``,
  after a unary minus (``-$50``, ``-growth``) or between ``min``/``max`` and its ``(``;
* ``$10000`` → ``$10,000``; ``14   hour`` → ``14 hours`` (singular only for exactly ``1``);
  ``pool   cap`` → ``pool cap``;
* exactly one blank line between top-level items; inside a block and inside a comment
  block before an item, a run of blank lines becomes one; no blank line right after a
  header line or at the start of the file;
* full-line comments are re-indented to the line they precede (a comment before a
  detail line is indented like it, one before a top-level item or the end of the file
  starts in column 0); end-of-line comments stay on their line, two spaces after the code;
* no trailing whitespace; the file ends with exactly one newline.

Before returning a result the formatter parses its own output and requires the same IR
and the same comments in the same order; if that ever fails it refuses (RK901) instead
of changing a file's meaning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lark import Token

from rulekit import codes, ir
from rulekit.diagnostics import Diagnostic, error, has_errors
from rulekit.parser import ParseResult, Recording, parse_file, parse_recording

INDENT = "  "
CONTINUATION = "    "

_NO_SPACE_BEFORE = frozenset({"COLON", "COMMA", "RPAR", "DOT"})
_NO_SPACE_AFTER = frozenset({"LPAR", "DOT"})
_LAYOUT_TOKENS = frozenset({"_NL", "_INDENT", "_DEDENT"})
_MONEY = re.compile(r"([$£€])([\d,]+)(\.\d+)?")


@dataclass(frozen=True)
class FormatResult:
    """The outcome for one file: the canonical text, or the diagnostics that prevented it."""

    path: str
    source: str
    formatted: str | None
    diagnostics: tuple[Diagnostic, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.formatted is not None

    @property
    def changed(self) -> bool:
        return self.formatted is not None and self.formatted != self.source


# ----------------------------------------------------------------------------- tokens


def normalise_token(token: Token) -> str:
    """The canonical spelling of one token; meaning-preserving by construction."""
    text = str(token)
    if token.type == "MONEY":
        return _money(text)
    if token.type in ("DURATION", "BUSINESS_DAYS"):
        words = text.split()
        unit = words[-1].rstrip("s")
        plural = "" if words[0] == "1" else "s"
        return " ".join([*words[:-1], unit + plural])
    if token.type in ("POOL_WORD", "WINDOW_BOUND", "AS_OF"):  # `end of`, `as of`: points in time (issue 10)
        return " ".join(text.split())
    return text


def _money(text: str) -> str:
    match = _MONEY.fullmatch(text)
    if match is None:  # pragma: no cover - the lexer only produces this shape
        return text
    symbol, whole, fraction = match.groups()
    return f"{symbol}{_grouped(whole.replace(',', ''))}{fraction or ''}"


def _grouped(digits: str) -> str:
    """``1234567`` -> ``1,234,567`` without leading zeros, on the text: ``int()`` refuses
    numbers over 4,300 digits, which a careless or hostile file may hold (the checker,
    not the formatter, says they are too large)."""
    digits = digits.lstrip("0") or "0"
    head = len(digits) % 3 or 3
    return ",".join([digits[:head], *(digits[i : i + 3] for i in range(head, len(digits), 3))])


# Tokens that end a value: a `-` after one of them subtracts, any other `-` negates.
_VALUE_END = frozenset({"NAME", "MONEY", "PERCENT", "DURATION", "NUMBER", "INT", "RPAR", "STRING", "DATE", "TIME"})


def join_tokens(tokens: list[Token]) -> str:
    """One line of code from its tokens, with canonical spacing: ``q2 - q1``, ``-$50``, ``min(a, b)``."""
    out: list[str] = []
    previous: Token | None = None
    glued = False  # the previous token was a unary minus or a `min`/`max` call name
    for token in tokens:
        spaced = previous is not None and token.type not in _NO_SPACE_BEFORE and previous.type not in _NO_SPACE_AFTER
        if spaced and not glued:
            out.append(" ")
        out.append(normalise_token(token))
        unary = token.type == "MINUS" and (previous is None or previous.type not in _VALUE_END)
        glued = unary or token.type == "CALL_FUNC"
        previous = token
    return "".join(out)


def _code_tokens(recording: Recording) -> dict[int, list[Token]]:
    """Code tokens of every item, keyed by 0-based line of the whole file (no layout tokens)."""
    by_line: dict[int, list[Token]] = {}
    for line, tokens in recording.tokens.items():
        code = [t for t in tokens if t.type not in _LAYOUT_TOKENS]
        if code:
            by_line[line] = code
    return by_line


# ------------------------------------------------------------------------------ lines


@dataclass
class _Line:
    kind: str  # "blank" | "comment" | "header" | "detail" | "continuation" | "table"
    code: str = ""
    comment: str = ""
    indent: str = ""
    cells: list[str] = field(default_factory=list)  # a "table" line's cells, before alignment


def _classify(source: str, recording: Recording) -> list[_Line]:
    by_line = _code_tokens(recording)
    lines: list[_Line] = []
    depth = 0
    base = ""
    for index, raw in enumerate(source.splitlines()):
        stripped = raw.strip()
        if not stripped:
            lines.append(_Line("blank"))
            continue
        if stripped.startswith("#"):
            lines.append(_Line("comment", comment=stripped))
            continue
        tokens = by_line.get(index, [])
        rest = raw[(tokens[-1].end_column or 1) - 1 :].strip() if tokens else stripped
        if depth > 0:
            line = _Line("continuation", indent=base + CONTINUATION)
        elif tokens and tokens[0].type == "VBAR":
            line = _Line("table", indent=INDENT + INDENT)
        elif raw[0].isspace():
            line = _Line("detail", indent=INDENT)
        else:
            line = _Line("header")
        if line.kind != "continuation":
            base = line.indent
        line.code = join_tokens(tokens)
        line.comment = rest
        depth += sum(t.type == "LPAR" for t in tokens) - sum(t.type == "RPAR" for t in tokens)
        lines.append(line)
        if line.kind == "table":
            line.cells = _cells(tokens)
    _align_tables(lines)
    _indent_comments(lines)
    return lines


def _cells(tokens: list[Token]) -> list[str]:
    """The cells of a ``| a | b |`` example-table line, each with canonical spacing."""
    cells: list[list[Token]] = []
    for token in tokens:
        if token.type == "VBAR":
            cells.append([])
        else:
            cells[-1].append(token)
    return [join_tokens(cell) for cell in cells[:-1]]


def _align_tables(lines: list[_Line]) -> None:
    """Pad the cells of each run of table lines (comments may sit between) to common widths."""
    run: list[_Line] = []
    for line in [*lines, _Line("blank")]:
        if line.kind == "table":
            run.append(line)
            continue
        if line.kind == "comment":
            continue
        widths: dict[int, int] = {}
        for row in run:
            for index, cell in enumerate(row.cells):
                widths[index] = max(widths.get(index, 0), len(cell))
        for row in run:
            padded = [cell.ljust(widths[i]) for i, cell in enumerate(row.cells)]
            row.code = "| " + " | ".join(padded) + " |"
        run = []


def _indent_comments(lines: list[_Line]) -> None:
    """A full-line comment takes the indentation of the next code line, or column 0."""
    following = ""
    for line in reversed(lines):
        if line.kind == "comment":
            line.indent = following
        elif line.kind != "blank":
            following = line.indent


def _emit(lines: list[_Line]) -> str:
    out: list[str] = []
    previous: _Line | None = None  # the last line written
    pending_blank = False
    for line in lines:
        if line.kind == "blank":
            pending_blank = True
            continue
        top = line.indent == ""
        if previous is not None:
            after_top_comment = previous.kind == "comment" and previous.indent == ""
            if top and not after_top_comment:
                out.append("")  # exactly one blank line between items
            elif top:
                if pending_blank:
                    out.append("")  # paragraphs of a leading comment block
            elif pending_blank and previous.kind != "header" and line.kind != "continuation":
                out.append("")
        text = line.code
        if line.comment:
            text = f"{text}  {line.comment}" if text else line.comment
        out.append(line.indent + text)
        previous, pending_blank = line, False
    return "\n".join(out) + "\n" if out else ""


def _comments(lines: list[_Line]) -> list[str]:
    return [line.comment for line in lines if line.comment]


def _comment_texts(source: str, recording: Recording) -> list[str]:
    """``_comments(_classify(source, recording))`` without laying out the code of each line."""
    by_line = recording.tokens
    out: list[str] = []
    for index, raw in enumerate(source.splitlines()):
        stripped = raw.strip()
        if not stripped:
            continue
        tokens = [t for t in by_line.get(index, ()) if t.type not in _LAYOUT_TOKENS]
        rest = raw[(tokens[-1].end_column or 1) - 1 :].strip() if tokens else stripped
        if rest:
            out.append(rest)
    return out


# ----------------------------------------------------------------------------- public


def format_source(source: str, path: str = "<string>") -> FormatResult:
    """Format rule-file text; a file with syntax errors is returned unformatted with its diagnostics."""
    before, recording = parse_recording(source, path)
    return _format_parsed(source, path, before, recording)


def format_file(path: str) -> FormatResult:
    """Read and format one file (not written back; the CLI decides that)."""
    recording = Recording()
    result, source = parse_file(path, recording)
    return _format_parsed(source, path, result, recording)


def _format_parsed(source: str, path: str, before: ParseResult, recording: Recording) -> FormatResult:
    if has_errors(before.diagnostics):
        return FormatResult(path, source, None, before.diagnostics)
    lines = _classify(source, recording)
    formatted = _emit(lines)
    if formatted == source:  # already formatted: nothing can have changed, no second parse needed
        return FormatResult(path, source, formatted)
    problem = _verify(formatted, path, before, lines, recording)
    if problem is not None:
        return FormatResult(path, source, None, (problem,))
    return FormatResult(path, source, formatted)


def _verify(
    formatted: str, path: str, before: ParseResult, lines: list[_Line], recording: Recording
) -> Diagnostic | None:
    """Refuse any output whose IR or comments differ from the input's.

    Items of the output whose text is unchanged are not parsed again (their IR and tokens are
    the input's); every changed item is.
    """
    after, again = parse_recording(formatted, path, known=recording)
    same_ir = not has_errors(after.diagnostics) and after.program == before.program
    same_comments = _comment_texts(formatted, again) == _comments(lines) if same_ir else False
    if same_ir and same_comments:
        return None
    what = "meaning" if not same_ir else "comments"
    return error(
        codes.RK901,
        f"formatting would change this file's {what}, so it was left unchanged",
        ir.Span(path, 1, 1, 1, 2),
        "this is a bug in `rulekit fmt`; please report it with the file",
    )
