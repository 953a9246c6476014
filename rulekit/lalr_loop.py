"""A faster driver for the rule grammar's Lark LALR parser: same tables, same trees.

``Lark.parse`` runs every token through four generators (lexer, indenter, the recording
of ``fmt``, the parser loop) and one method call, and looks every reduction up by ``Rule``
and ``Token`` objects whose ``__eq__`` is Python code; on a long condition this is half of
the parse. :func:`parse_tree` does the same work in one loop over tables keyed by plain
strings, calling Lark's own per-state lexers (``BasicLexer.next_token``: same matching,
same keyword callbacks, same line counting) and Lark's own tree callbacks (same trees,
same positions). It handles only input that parses: at the first sign of trouble (no
action for a token, a character no terminal matches, an inconsistent dedent) it returns
``None`` and the caller parses again with ``Lark.parse``, which raises the error with the
context the diagnostics use.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lark import Lark, Token
from lark.exceptions import LarkError
from lark.indenter import Indenter
from lark.parsers.lalr_analysis import Shift

_new_token = str.__new__  # a Token's attributes are then set as Token._future_new sets them

# A state's action for one symbol: (True, next state) to shift, (False, reduction) to reduce.
_Reduction = tuple[int, Callable[[list[Any]], Any], str]  # (length, tree callback, rule's name)
_Action = tuple[bool, Any]


@dataclass(frozen=True)
class _Lexer:
    """What ``lark.lexer.BasicLexer.next_token`` uses of one contextual lexer."""

    patterns: tuple[Any, ...]  # its scanner's compiled alternations, tried in order
    ignore: frozenset[str]
    newlines: frozenset[str]  # terminals whose text may hold a line break
    callbacks: dict[str, Callable[[Token], Token]]  # keywords that a NAME-like match turns into


def _lexer(basic: Any) -> _Lexer:
    scanner = basic.scanner  # built on first use
    if set(basic.callback) & basic.ignore_types:
        raise ValueError("an ignored terminal with a callback is not supported")  # not in this grammar
    return _Lexer(tuple(scanner._mres), basic.ignore_types, basic.newline_types, dict(basic.callback))


@dataclass(frozen=True)
class _Tables:
    actions: dict[int, dict[str, _Action]]
    lexers: dict[int, _Lexer]  # parser state -> the terminals it accepts
    start: int
    end: int
    nl: str
    indent: str
    dedent: str
    open_parens: frozenset[str]
    close_parens: frozenset[str]
    tab_len: int


@functools.cache
def _tables(lark: Lark) -> _Tables:
    frontend = lark.parser
    parser = frontend.parser.parser  # lark.parsers.lalr_parser._Parser
    table = parser.parse_table
    callbacks = parser.callbacks
    actions: dict[int, dict[str, _Action]] = {}
    for state, row in table.states.items():
        converted: dict[str, _Action] = {}
        for symbol, (action, arg) in row.items():
            if action is Shift:
                converted[str(symbol)] = (True, arg)
            else:
                converted[str(symbol)] = (False, (len(arg.expansion), callbacks[arg], str(arg.origin.name)))
        actions[state] = converted
    (start,) = table.start_states.values()
    (end,) = table.end_states.values()
    postlex = frontend.lexer_conf.postlex
    if not isinstance(postlex, Indenter):
        raise TypeError("the rule grammar's parser has an Indenter postlex")
    return _Tables(
        actions=actions,
        lexers=_lexers(frontend.lexer.lexer.lexers),  # PostLexConnector -> ContextualLexer
        start=start,
        end=end,
        nl=postlex.NL_type,
        indent=postlex.INDENT_type,
        dedent=postlex.DEDENT_type,
        open_parens=frozenset(postlex.OPEN_PAREN_types),
        close_parens=frozenset(postlex.CLOSE_PAREN_types),
        tab_len=postlex.tab_len,
    )


def _lexers(by_state: dict[int, Any]) -> dict[int, _Lexer]:
    made: dict[int, _Lexer] = {}  # states share lexers: convert each once
    return {state: made.setdefault(id(basic), _lexer(basic)) for state, basic in by_state.items()}


class _NotParsedError(Exception):
    """The input does not parse (or needs Lark's error handling): parse it with Lark."""


def parse_tree(lark: Lark, text: str, sink: list[Token] | None = None) -> Any:
    """The tree ``lark.parse(text)`` returns, or ``None`` when ``text`` does not parse.

    ``lark`` must be the rule grammar's LALR parser with the contextual lexer and an
    ``Indenter`` postlex. ``sink``, when given, receives every token the lexer produced,
    as the recording postlex does (see ``rulekit.parser``); it is left empty on ``None``.
    """
    tables = _tables(lark)
    try:
        return _run(tables, text, sink)
    except (_NotParsedError, LarkError, KeyError):
        if sink is not None:
            sink.clear()
        return None


def _run(t: _Tables, text: str, sink: list[Token] | None) -> Any:
    actions, lexers = t.actions, t.lexers
    states: list[int] = [t.start]
    values: list[Any] = []

    def feed(token: Token) -> None:
        # One token through the LALR automaton: reduce while the table says so, then shift.
        kind = token.type
        while True:
            shift, arg = actions[states[-1]][kind]
            if shift:
                states.append(arg)
                values.append(token)
                return
            size, callback, origin = arg
            if size:
                children = values[-size:]
                del states[-size:]
                del values[-size:]
            else:
                children = []
            value = callback(children)
            states.append(actions[states[-1]][origin][1])
            values.append(value)

    levels = [0]  # the indenter's stack of indentation widths
    parens = 0
    last: Token | None = None  # the last token the lexer gave
    fed: Token | None = None  # the last token given to the parser
    pos, line, line_start, size = 0, 1, 0, len(text)
    while pos < size:
        # BasicLexer.next_token of the current state's lexer, inlined.
        lexer = lexers[states[-1]]
        for pattern in lexer.patterns:
            match = pattern.match(text, pos)
            if match is not None:
                break
        else:
            raise _NotParsedError
        value, kind = match.group(0), match.lastgroup
        column = pos - line_start + 1
        start, start_line = pos, line
        if kind in lexer.newlines:
            breaks = value.count("\n")
            if breaks:
                line += breaks
                line_start = pos + value.rindex("\n") + 1
        pos += len(value)
        if kind in lexer.ignore:
            continue
        token = _new_token(Token, value)
        token.type, token.value, token.start_pos, token.line, token.column = kind, value, start, start_line, column
        token.end_line, token.end_column, token.end_pos = line, pos - line_start + 1, pos
        callback = lexer.callbacks.get(kind)
        if callback is not None:
            token = callback(token)
            kind = token.type
        if sink is not None:
            sink.append(token)
        last = token
        # lark.indenter.Indenter, inlined.
        if kind == t.nl:
            if parens == 0:
                feed(token)
                fed = token
                fed = _indentation(t, token, levels, feed) or fed
        else:
            feed(token)
            fed = token
        if kind in t.open_parens:
            parens += 1
        elif kind in t.close_parens:
            parens -= 1
            if parens < 0:
                raise _NotParsedError
    while len(levels) > 1:
        levels.pop()
        fed = Token.new_borrow_pos(t.dedent, "", last) if last is not None else Token(t.dedent, "", 0, 0, 0, 0, 0, 0)
        feed(fed)
    end = Token.new_borrow_pos("$END", "", fed) if fed is not None else Token("$END", "", 0, 1, 1)
    return _finish(t, states, values, end, feed)


def _indentation(t: _Tables, token: Token, levels: list[int], feed: Callable[[Token], None]) -> Token | None:
    """The ``_INDENT`` / ``_DEDENT`` tokens after a line end, as ``lark.indenter.Indenter`` makes them."""
    spaces = token.rsplit("\n", 1)[1]
    width = spaces.count(" ") + spaces.count("\t") * t.tab_len
    made: Token | None = None
    if width > levels[-1]:
        levels.append(width)
        made = Token.new_borrow_pos(t.indent, spaces, token)
        feed(made)
        return made
    while width < levels[-1]:
        levels.pop()
        made = Token.new_borrow_pos(t.dedent, spaces, token)
        feed(made)
    if width != levels[-1]:
        raise _NotParsedError
    return made


def _finish(t: _Tables, states: list[int], values: list[Any], end: Token, feed: Callable[[Token], None]) -> Any:
    """Feed the end of input: reduce until the automaton reaches its end state."""
    actions = t.actions
    while True:
        shift, arg = actions[states[-1]]["$END"]
        if shift:
            raise _NotParsedError  # lark asserts this cannot happen
        size, callback, origin = arg
        children = values[-size:] if size else []
        if size:
            del states[-size:]
            del values[-size:]
        value = callback(children)
        states.append(actions[states[-1]][origin][1])
        values.append(value)
        if states[-1] == t.end:
            return values[-1]
