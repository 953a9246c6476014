"""A faster driver for the rule grammar's Lark LALR parser: same tables, same IR.

``Lark.parse`` runs every token through four generators (lexer, indenter, the recording
of ``fmt``, the parser loop), looks every reduction up by ``Rule`` and ``Token`` objects
whose ``__eq__`` is Python code, builds a tree through three wrappers per rule, and the IR
is then made by a second walk over that tree: on a 63 KB file of long conditions that was
0.4-0.5 CPU seconds, over the 0.32 s that 200 KB per second allows (issue 14).

:func:`parse_item` does the same work in one loop: Lark's parse table (re-keyed by plain
strings), the compiled patterns, keyword callbacks and line counting of Lark's per-state
contextual lexers, the indenter's rules, and for each reduction Lark's child filter,
single-child expansion and position propagation followed at once by the rule's IR method
(``rulekit.parser._ToIR``). A reduction that only passes its one child up changes the
state and nothing else. Whatever it cannot do exactly as before (input that does not
parse, a value problem that must not be reported before a later syntax error, a tree
deep enough to reach the recursion limit in the old walk) it leaves to the old way,
``Lark.parse`` and the walk, which then give the diagnostics they always gave.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lark import Lark, Token, Tree
from lark.indenter import Indenter
from lark.parsers.lalr_analysis import Shift

from rulekit.errors import RulekitError

_new_token = str.__new__  # a Token's attributes are then set as Token._future_new sets them

# A state's action for one symbol: (True, next state) to shift, (False, reduction) to reduce.
# (length, how to build its node or None when the one child passes through unchanged, rule's name)
_Reduction = tuple[int, "_Rule | None", str]
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
    actions: dict[int, dict[str, _Action]] = {}
    for state, row in table.states.items():
        converted: dict[str, _Action] = {}
        for symbol, (action, arg) in row.items():
            if action is Shift:
                converted[str(symbol)] = (True, arg)
            else:
                info = None if _passes_through(arg) else _rule_info(arg)
                converted[str(symbol)] = (False, (len(arg.expansion), info, str(arg.origin.name)))
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


@dataclass(frozen=True)
class _Rule:
    """How Lark's tree builder shapes the node of one rule (``lark.parse_tree_builder``)."""

    name: str  # the tree's ``data``: the alias, the template's or the rule's name
    expand1: bool  # ``?rule``: a single remaining child replaces the node
    keep: tuple[tuple[int, bool], ...] | None  # (child index, splice an inlined ``_rule``), None: all
    inlined: bool  # a ``_rule``: its children are spliced into its parent's


def _rule_info(rule: Any) -> _Rule:
    expansion = rule.expansion
    keep_all = rule.options.keep_all_tokens
    keep = tuple(
        (i, not sym.is_term and sym.name.startswith("_"))
        for i, sym in enumerate(expansion)
        if keep_all or not (sym.is_term and sym.filter_out)
    )
    plain = len(keep) == len(expansion) and not any(splice for _, splice in keep)
    name = str(rule.alias or rule.options.template_source or rule.origin.name)
    return _Rule(name, bool(rule.options.expand1 and not rule.alias), None if plain else keep, name.startswith("_"))


def _passes_through(rule: Any) -> bool:
    """Whether reducing ``rule`` returns its one child unchanged: ``?a: b`` (no alias), with
    ``b`` kept in the tree (not an anonymous token, not an inlined ``_rule``). Lark's callback
    for it (ExpandSingleChild, then positions, which leave a passed-through child as it is)
    would return the child itself; a long condition has three such steps per token."""
    if len(rule.expansion) != 1 or not rule.options.expand1 or rule.alias:
        return False
    (symbol,) = rule.expansion
    if symbol.is_term:
        return bool(rule.options.keep_all_tokens or not symbol.filter_out)
    return not symbol.name.startswith("_")


def _lexers(by_state: dict[int, Any]) -> dict[int, _Lexer]:
    made: dict[int, _Lexer] = {}  # states share lexers: convert each once
    return {state: made.setdefault(id(basic), _lexer(basic)) for state, basic in by_state.items()}


class _NotParsedError(RulekitError):
    """The input does not parse (or needs Lark's error handling): parse it with Lark.

    Never reaches a user: :func:`parse_item` turns it into ``None``."""


class Meta:
    """The positions a rule method gets, as Lark's ``propagate_positions`` computes them."""

    __slots__ = ("column", "empty", "end_column", "end_line", "line")

    def __init__(self, line: int | None, column: int | None, end_line: int | None, end_column: int | None) -> None:
        self.line, self.column, self.end_line, self.end_column = line, column, end_line, end_column
        self.empty = line is None


class _Node:
    """A reduced rule on the parser's stack: its value (IR, a ``Tree`` for a rule without a
    method, the child list of an inlined ``_rule``), its own positions and the positions of
    what it was inlined from (Lark's ``container_*``), and the depth of the tree it stands for."""

    __slots__ = ("cend", "cstart", "depth", "end", "start", "value")

    def __init__(self, value: Any, start: tuple[int, int] | None, end: tuple[int, int] | None, depth: int) -> None:
        self.value, self.start, self.end, self.cstart, self.cend, self.depth = value, start, end, start, end, depth

    # The node is the ``meta`` its rule's method gets: Lark's Meta attributes, read only when used.
    @property
    def empty(self) -> bool:
        return self.start is None

    @property
    def line(self) -> int | None:
        return self.start[0] if self.start else None

    @property
    def column(self) -> int | None:
        return self.start[1] if self.start else None

    @property
    def end_line(self) -> int | None:
        return self.end[0] if self.end else None

    @property
    def end_column(self) -> int | None:
        return self.end[1] if self.end else None


# Deeper trees go the old way (Lark's tree, then a recursive walk), which reports nesting
# beyond Python's recursion limit as a diagnostic; this keeps that behaviour exactly.
MAX_DEPTH = 150


def parse_item(lark: Lark, text: str, sink: list[Token] | None, transformer: Any) -> Any:
    """What ``transformer.transform(lark.parse(text))`` returns, built while parsing; ``None``
    when that needs the old way: text that does not parse, a method that raises (its error
    must not come before a syntax error further on), a tree deeper than :data:`MAX_DEPTH`.

    ``lark`` must be the rule grammar's LALR parser with the contextual lexer and an
    ``Indenter`` postlex. ``sink``, when given, receives every token the lexer produced,
    as the recording postlex does (see ``rulekit.parser``); it is left empty on ``None``.
    """
    tables = _tables(lark)
    build = functools.partial(_build, transformer=transformer, methods={})
    try:
        node = _run(tables, text, sink, build)
        return node.value if isinstance(node, _Node) else node
    except Exception:  # every failure is answered by the old way, exactly as before
        if sink is not None:
            sink.clear()
        return None


def _first(children: list[Any]) -> tuple[int, int] | None:
    for child in children:
        if type(child) is _Node:
            if child.cstart is not None:
                return child.cstart
        else:
            return (child.line, child.column)
    return None


def _last(children: list[Any]) -> tuple[int, int] | None:
    for child in reversed(children):
        if type(child) is _Node:
            if child.cend is not None:
                return child.cend
        else:
            return (child.end_line, child.end_column)
    return None


def _build(rule: _Rule, children: list[Any], transformer: Any, methods: dict[str, Any]) -> Any:
    """Lark's ChildFilter, ExpandSingleChild, PropagatePositions and the transformer's method, in one."""
    if rule.keep is None:
        kept = children
    else:
        kept = []
        for index, splice in rule.keep:
            if splice:
                kept.extend(children[index].value)
            else:
                kept.append(children[index])
    first, last = _first(children), _last(children)
    if rule.expand1 and len(kept) == 1:
        only = kept[0]
        if type(only) is not _Node:
            return only  # a token passes through as it is
        if only.start is None:
            raise _NotParsedError  # its method already ran without the positions Lark would give it
        if first is not None:
            only.cstart = first
        if last is not None:
            only.cend = last
        return only
    depth = 1
    for child in kept:
        if type(child) is _Node and child.depth >= depth:
            depth = child.depth + 1
    if depth > MAX_DEPTH:
        raise _NotParsedError
    if rule.inlined:
        return _Node(kept, first, last, depth)
    values = [c.value if type(c) is _Node else c for c in kept]
    try:
        method = methods[rule.name]
    except KeyError:
        method = methods[rule.name] = getattr(transformer, rule.name, None)
    node = _Node(None, first, last, depth)
    if method is None:
        meta = Meta(*(first or (None, None)), *(last or (None, None)))
        node.value = Tree(rule.name, values, meta)  # type: ignore[arg-type]
    else:
        node.value = method(node, values)
    return node


def _run(t: _Tables, text: str, sink: list[Token] | None, build: Callable[[_Rule, list[Any]], Any]) -> Any:
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
            size, rule, origin = arg
            if rule is None:  # the one child passes through: only the state changes
                del states[-1]
                states.append(actions[states[-1]][origin][1])
                continue
            if size:
                children = values[-size:]
                del states[-size:]
                del values[-size:]
            else:
                children = []
            value = build(rule, children)
            states.append(actions[states[-1]][origin][1])
            values.append(value)

    levels = [0]  # the indenter's stack of indentation widths
    parens = 0
    last: Token | None = None  # the last token the lexer gave
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
                _indentation(t, token, levels, feed)
        else:
            feed(token)
        if kind in t.open_parens:
            parens += 1
        elif kind in t.close_parens:
            parens -= 1
            if parens < 0:
                raise _NotParsedError
    while len(levels) > 1:
        levels.pop()
        feed(Token.new_borrow_pos(t.dedent, "", last) if last is not None else Token(t.dedent, "", 0, 0, 0, 0, 0, 0))
    return _finish(t, states, values, build)


def _indentation(t: _Tables, token: Token, levels: list[int], feed: Callable[[Token], None]) -> None:
    """The ``_INDENT`` / ``_DEDENT`` tokens after a line end, as ``lark.indenter.Indenter`` makes them."""
    spaces = token.rsplit("\n", 1)[1]
    width = spaces.count(" ") + spaces.count("\t") * t.tab_len
    if width > levels[-1]:
        levels.append(width)
        feed(Token.new_borrow_pos(t.indent, spaces, token))
        return
    while width < levels[-1]:
        levels.pop()
        feed(Token.new_borrow_pos(t.dedent, spaces, token))
    if width != levels[-1]:
        raise _NotParsedError


def _finish(t: _Tables, states: list[int], values: list[Any], build: Callable[[_Rule, list[Any]], Any]) -> Any:
    """Feed the end of input: reduce until the automaton reaches its end state."""
    actions = t.actions
    while True:
        shift, arg = actions[states[-1]]["$END"]
        if shift:
            raise _NotParsedError  # lark asserts this cannot happen
        size, rule, origin = arg
        if rule is None:
            del states[-1]
            states.append(actions[states[-1]][origin][1])
        else:
            children = values[-size:] if size else []
            if size:
                del states[-size:]
                del values[-size:]
            value = build(rule, children)
            states.append(actions[states[-1]][origin][1])
            values.append(value)
        if states[-1] == t.end:
            return values[-1]
