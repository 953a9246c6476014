"""Rule-file expressions and names in plain English.

A small renderer over the IR, generic enough that any program reads as sentences:
comparisons become "more than", "at least", "is"; quantifiers become "every host",
"at least one host"; in-lists, ``and``/``or``/``not`` follow. :func:`negate` pushes a
``not`` inwards (De Morgan) so "who may not take part" reads as positive statements.
"""

from __future__ import annotations

from dataclasses import dataclass

from babel.lists import format_list

from rulekit import ir
from rulekit.errors import CompileError
from rulekit.plan import Plan, Remainder, TiePolicy, bind
from rulekit.plan.bind import DEFAULT_CURRENCY
from rulekit.plan.names import metric_type
from rulekit.render import i18n
from rulekit.render.formatting import Formatter
from rulekit.render.i18n import _
from rulekit.types import Kind

_UPPER_WORDS = frozenset({"id", "uv", "gmv", "sku", "url", "uk", "us"})


def _op_words(op: ir.CompareOp) -> str:
    """The verb of a comparison ("is more than"), in the document's language."""
    match op:
        case ir.CompareOp.GT:
            return _("is more than")
        case ir.CompareOp.GE:
            return _("is at least")
        case ir.CompareOp.LT:
            return _("is less than")
        case ir.CompareOp.LE:
            return _("is at most")
        case ir.CompareOp.EQ:
            return _("is")
    return _("is not")


def _point_op_words(op: ir.CompareOp) -> str:
    """Comparisons of points in time (issue 10). `end of W` is the window's last moment, so
    "no later than the end of the program period" means within it or before."""
    match op:
        case ir.CompareOp.GT:
            return _("is later than")
        case ir.CompareOp.GE:
            return _("is no earlier than")
        case ir.CompareOp.LT:
            return _("is earlier than")
        case ir.CompareOp.LE:
            return _("is no later than")
        case ir.CompareOp.EQ:
            return _("is exactly")
    return _("is not exactly")


_INVERSE: dict[ir.CompareOp, ir.CompareOp] = {
    ir.CompareOp.GT: ir.CompareOp.LE,
    ir.CompareOp.GE: ir.CompareOp.LT,
    ir.CompareOp.LT: ir.CompareOp.GE,
    ir.CompareOp.LE: ir.CompareOp.GT,
    ir.CompareOp.EQ: ir.CompareOp.NE,
    ir.CompareOp.NE: ir.CompareOp.EQ,
}


def humanize(name: str) -> str:
    """``account_id`` -> ``account ID``; ``products_shown`` -> ``products shown``."""
    return " ".join(w.upper() if w.lower() in _UPPER_WORDS else w for w in name.split("_") if w)


def singular(noun: str) -> str:
    if noun.endswith("ies"):
        return noun[:-3] + "y"
    if noun.endswith("s") and not noun.endswith("ss"):
        return noun[:-1]
    return noun


def plural(noun: str) -> str:
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def join_words(parts: list[str], conjunction: str | None = None, *, alternatives: bool = False) -> str:
    """``a``, ``a and b``, ``a, b and c``; ``alternatives`` joins with "or".

    In a translated document Babel's list patterns join them ("a, b und c", "a, b oder
    c"); English keeps its own pattern (Babel's en-US one would add a serial comma the
    committed documents do not have). ``conjunction`` overrides the word in English.
    """
    language = i18n.language()
    if language != "en" and len(parts) > 1:
        return str(format_list(parts, style="or" if alternatives else "standard", locale=language))
    conjunction = conjunction or (_("or") if alternatives else _("and"))
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} {conjunction} {parts[-1]}"


def an(phrase: str) -> str:
    """``an account``, ``a host``: the indefinite article by the first letter (close enough for nouns)."""
    return f"{'an' if phrase[:1].lower() in 'aeiou' else 'a'} {phrase}"


def a_name(phrase: str) -> str:
    """``an account ID``, ``a GMV rebate``: a name from the rule file with its article in
    English; German quotes the name instead („GMV rebate“), an article needing its gender."""
    text = _("an {name}") if phrase[:1].lower() in "aeiou" else _("a {name}")
    return text.format(name=phrase)


def slug(name: str) -> str:
    """An HTML/Markdown anchor: ``partner_agency`` -> ``partner-agency``."""
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")


def flag_name(name: str) -> str:
    """``click_farming_flag`` reads as "click farming"."""
    words = humanize(name)
    return words[: -len(" flag")] if words.endswith(" flag") else words


def quote(text: str) -> str:
    """``“text”`` in English, ``„text“`` in German."""
    return _("“{text}”").format(text=text)


@dataclass(frozen=True)
class Subject:
    """Who a condition talks about, as three sentence patterns: ``own`` names a measure
    of it ("the account's {measure}"), ``is_`` and ``is_not`` state a yes/no flag ("the
    account is marked {flag}"). Patterns, not prefixes: German puts the owner after the
    measure ("„region“ des Accounts")."""

    own: str
    is_: str
    is_not: str

    def owns(self, measure: str) -> str:
        return self.own.format(measure=measure)

    def marked(self, flag: str, *, positive: bool = True) -> str:
        return (self.is_ if positive else self.is_not).format(flag=flag)

    @staticmethod
    def of(noun: str) -> Subject:
        n = i18n.noun(noun)
        return Subject(
            _("the {noun}'s {measure}").replace("{noun}", n),
            _("the {noun} is marked {flag}").replace("{noun}", n),
            _("the {noun} is not marked {flag}").replace("{noun}", n),
        )

    @staticmethod
    def quantified(quantifier: ir.Quantifier, noun: str) -> Subject | None:
        """``every host's …``, ``at least one host's …``, ``no host's …``."""
        n = i18n.noun(noun)
        if quantifier is ir.Quantifier.EVERY:
            patterns = (_("every {noun}'s {measure}"), _("every {noun} is marked {flag}"))
            negative = _("every {noun} is not marked {flag}")
        elif quantifier is ir.Quantifier.ANY:
            patterns = (_("at least one {noun}'s {measure}"), _("at least one {noun} is marked {flag}"))
            negative = _("at least one {noun} is not marked {flag}")
        elif quantifier is ir.Quantifier.NO:
            patterns = (_("no {noun}'s {measure}"), _("no {noun} is marked {flag}"))
            negative = _("no {noun} is not marked {flag}")
        else:
            return None
        return Subject(*(p.replace("{noun}", n) for p in (*patterns, negative)))

    @staticmethod
    def rows() -> Subject:
        """For ``where`` filters, read after a plural noun: "orders that are not marked …"."""
        return Subject(_("whose {measure}"), _("that are marked {flag}"), _("that are not marked {flag}"))


def negate(expr: ir.Expr) -> ir.Expr:
    """The logical opposite of ``expr``, with the ``not`` pushed as far in as it goes."""
    match expr:
        case ir.Compare(op=op, left=left, right=right):
            return ir.Compare(_INVERSE[op], left, right)
        case ir.InList(operand=operand, options=options, negated=negated):
            return ir.InList(operand, options, not negated)
        case ir.BoolOp(op=op, operands=operands):
            flipped = ir.BoolOperator.OR if op is ir.BoolOperator.AND else ir.BoolOperator.AND
            return ir.BoolOp(flipped, tuple(negate(o) for o in operands))
        case ir.Not(operand=operand):
            return operand
        case ir.Bool(value=value):
            return ir.Bool(not value)
        case ir.Quantified(quantifier=ir.Quantifier.EVERY, noun=noun, body=body):
            return ir.Quantified(ir.Quantifier.ANY, noun, negate(body))
        case ir.Quantified(quantifier=ir.Quantifier.ANY, noun=noun, body=body):
            return ir.Quantified(ir.Quantifier.NO, noun, body)
        case ir.Quantified(quantifier=ir.Quantifier.NO, noun=noun, body=body):
            return ir.Quantified(ir.Quantifier.ANY, noun, body)
    return ir.Not(expr)


class Words:
    """Turns names, values and expressions of one program into English."""

    def __init__(self, program: ir.Program, fmt: Formatter, plan: Plan | None = None) -> None:
        self.program = program
        self.fmt = fmt
        # The resolved meaning (currency, tie policies, defaults) is read from the plan. A
        # program with errors has none (``rulekit docs`` refuses it; the API still describes
        # it as written), so the defaults below are the bind pass's own.
        self.plan = plan

    @property
    def currency(self) -> str:
        return currency_of(self.program, self.plan)

    def remainder(self, ranking: str) -> Remainder:
        """What a split prize does with the minor units left over (rounded down without a word)."""
        planned = self.plan.ranking(ranking) if self.plan is not None else None
        return planned.remainder if planned is not None else Remainder.DROPPED

    def ties(self, ranking: str) -> TiePolicy:
        """The ranking's tie policy (``shared ranks``), by key when it states none."""
        planned = self.plan.ranking(ranking) if self.plan is not None else None
        if planned is not None:
            return planned.ties
        declared = self.program.ranking(ranking)
        shared = declared.shared_ranks if declared is not None else None
        return TiePolicy(shared) if shared in {p.value for p in TiePolicy} else TiePolicy.BY_KEY

    # ------------------------------------------------------------------ nouns
    @property
    def participant(self) -> str:
        return self.program.participant.noun if self.program.participant else "participant"

    @property
    def member(self) -> str | None:
        return self.program.member.noun if self.program.member else None

    def row_noun(self, table: str) -> str:
        """What one row of ``table`` is called: the entity noun, or the singular table name."""
        for entity in (self.program.participant, self.program.member):
            if entity is not None and entity.table == table:
                return entity.noun
        return singular(humanize(table))

    def rows_noun(self, table: str) -> str:
        return plural(self.row_noun(table))

    def column_words(self, name: str, table: str | None = None) -> str:
        """A column as readers know it: its label (``ts: timestamp "order time"``), else
        its name in words. Without ``table``, the participant's, then the member's, then
        any table's column of that name."""
        column = self._column(name, table)
        return column.label if column is not None and column.label else humanize(name)

    def time_words(self, name: str, table: str | None = None) -> str:
        """A point-in-time column: ``order time`` when labelled, else ``“created at” time``."""
        column = self._column(name, table)
        if column is not None and column.label:
            return column.label
        return _("“{name}” time").format(name=humanize(name))

    def flag_words(self, name: str) -> str:
        """A yes/no column in ``marked “…”``: its label, else its name without ``flag``."""
        column = self._column(name, None)
        return column.label if column is not None and column.label else flag_name(name)

    def column(self, name: str, table: str) -> ir.Column:
        """The declared column (a stand-in without a label when the table lacks it)."""
        return self._column(name, table) or ir.Column(name, "string")

    def _column(self, name: str, table: str | None) -> ir.Column | None:
        if table is not None:
            found = self.program.table(table)
            return found.column(name) if found is not None else None
        entities = [e.table for e in (self.program.participant, self.program.member) if e is not None]
        ordered = [t for t in (self.program.table(n) for n in entities) if t is not None]
        ordered += [t for t in self.program.tables if t.name not in entities]
        return next((c for t in ordered if (c := t.column(name)) is not None), None)

    def window_phrase(self, name: str) -> str:
        """``the activity window``, ``the offer period``."""
        window = self.program.window(name)
        text = window.text.label if window is not None and window.text.label else humanize(name)
        # A relative window is different for every participant: "the merchant's free period".
        # German quotes the label and lets each sentence say "Zeitraum" in its own case.
        relative = isinstance(window, ir.RelativeWindow)
        if text.endswith(("period", "window")):
            phrase = _("the {p}'s {label}") if relative else _("the {label}")
        else:
            phrase = _("the {p}'s {label} window") if relative else _("the {label} window")
        return phrase.format(p=i18n.noun(self.participant), label=text)

    def measure(self, name: str) -> str:
        """A metric by its label ("net GMV"), counts as "number of …"; a column by its name."""
        metric = self.program.metric(name)
        if metric is None:
            return self.column_words(name)
        label = metric.text.label or humanize(name)
        counting = metric_type(self.program, metric).kind is Kind.COUNT
        if counting and not any(word in label.lower() for word in ("number", "count", "how many")):
            return _("number of {label}").format(label=label)
        return label

    def is_flag(self, name: str) -> bool:
        """A bare name that is a yes/no column reads as "is marked …"."""
        if self.program.metric(name) is not None:
            return False
        return any((c := t.column(name)) is not None and c.type is ir.ColumnType.BOOL for t in self.program.tables)

    # ----------------------------------------------------------------- values
    def value(self, literal: ir.Literal) -> str:
        match literal:
            case ir.Money():
                return self.fmt.money(literal)
            case ir.Percent():
                return self.fmt.percent(literal)
            case ir.Duration():
                return self.fmt.duration(literal)
            case ir.Number(value=value):
                return self.fmt.number(value)
            case ir.String(value=value):
                return quote(value)
            case ir.Bool(value=value):
                return _("yes") if value else _("no")
            case ir.DateValue(time=None, value=value):
                return self.fmt.date(value)
            case ir.DateValue():
                return self.fmt.datetime(literal.local())
        raise TypeError(f"not a literal: {literal!r}")  # pragma: no cover - the IR has no other literals

    def operand(self, expr: ir.Expr, subject: Subject) -> str:
        match expr:
            case ir.NameRef(name=name):
                return subject.owns(self.measure(name))
            case ir.QualifiedRef(table=table, column=column):
                return Subject.of(self.row_noun(table)).owns(self.column_words(column, table))
            case ir.Money() | ir.Percent() | ir.Duration() | ir.Number() | ir.String() | ir.Bool() | ir.DateValue():
                return self.value(expr)
        if isinstance(expr, ir.ARITHMETIC):  # only in a file with errors (RK218): as written
            from rulekit.diff import format_arith

            return f"`{format_arith(expr)}`"
        return f"({self.expr(expr, subject)})"

    # ------------------------------------------------------- points in time (issue 10)
    def point(self, expr: ir.Expr, subject: Subject) -> str:
        """A point in time: ``the seller's “joined at” time``, ``6 months after …``, ``the end of …``."""
        match expr:
            case ir.WindowBound(window=window, end=end):
                edge = _("the end of {window}") if end else _("the start of {window}")
                return edge.format(window=self.window_phrase(window))
            case ir.Shift(base=base, length=length, subtract=subtract):
                shift = _("{length} before {point}") if subtract else _("{length} after {point}")
                return shift.format(length=self.fmt.duration(length), point=self.point(base, subject))
            case ir.NameRef(name=name) if self.program.metric(name) is None:
                return subject.owns(self.time_words(name))
        return self.operand(expr, subject)

    # ------------------------------------------------------------ expressions
    def expr(self, expr: ir.Expr, subject: Subject) -> str:
        """``expr`` as a clause of a sentence about ``subject``."""
        match expr:
            case ir.NameRef(name=name) if self.is_flag(name):
                return subject.marked(quote(self.flag_words(name)))
            case ir.Compare(
                op=ir.CompareOp.EQ | ir.CompareOp.NE as op, left=ir.NameRef(name=name), right=ir.Bool(value=v)
            ):
                positive = v if op is ir.CompareOp.EQ else not v
                return subject.marked(quote(self.flag_words(name)), positive=positive)
            case ir.Compare(op=op, left=left, right=right) if isinstance(left, ir.POINTS) or isinstance(
                right, ir.POINTS
            ):  # points in time (issue 10): "is no later than"
                return f"{self.point(left, subject)} {_point_op_words(op)} {self.point(right, subject)}"
            case ir.Compare(op=op, left=left, right=right):
                return f"{self.operand(left, subject)} {_op_words(op)} {self.operand(right, subject)}"
            case ir.InList(operand=operand, options=options, negated=negated):
                verb = _("{operand} is not one of {values}") if negated else _("{operand} is one of {values}")
                values = join_words([self.value(o) for o in options], alternatives=True)
                return verb.format(operand=self.operand(operand, subject), values=values)
            case ir.BoolOp(op=op, operands=operands):
                return self._bool_op(op, operands, subject)
            case ir.Not(operand=ir.NameRef(name=name)) if self.is_flag(name):
                return subject.marked(quote(self.flag_words(name)), positive=False)
            case ir.Not(operand=ir.Quantified(quantifier=ir.Quantifier.AT_LEAST) as q):
                return self._at_least(q, at_least=False)
            case ir.Not(operand=operand):
                pushed = negate(operand)
                if isinstance(pushed, ir.Not):
                    return _("it is not the case that {condition}").format(condition=self.expr(operand, subject))
                return self.expr(pushed, subject)
            case ir.Quantified():
                return self._quantified(expr)
            case ir.Bool(value=value):
                return _("always") if value else _("never")
        return self.operand(expr, subject)

    def _bool_op(self, op: ir.BoolOperator, operands: tuple[ir.Expr, ...], subject: Subject) -> str:
        parts = []
        for operand in operands:
            text = self.expr(operand, subject)
            # A nested and/or of the other kind keeps its grouping visible.
            parts.append(f"({text})" if isinstance(operand, ir.BoolOp) and operand.op is not op else text)
        return join_words(parts, alternatives=op is ir.BoolOperator.OR)

    def _noun(self, q: ir.Quantified) -> str:
        """The member noun in the singular ("at least 2 hosts have" names it ``hosts``)."""
        return q.noun if q.noun == self.member else singular(q.noun)

    def _at_least(self, q: ir.Quantified, *, at_least: bool = True) -> str:
        noun, count = self._noun(q), q.count or 1
        many = noun if count == 1 else plural(noun)
        body = self.expr(q.body, Subject.of(noun))
        text = (
            _("at least {count} {nouns} meet the condition that {condition}")
            if at_least
            else _("fewer than {count} {nouns} meet the condition that {condition}")
        )
        return text.format(count=self.fmt.number(count), nouns=i18n.noun(many), condition=body)

    def _quantified(self, q: ir.Quantified) -> str:
        noun = self._noun(q)
        simple = isinstance(q.body, ir.Compare | ir.InList | ir.NameRef) or (
            isinstance(q.body, ir.Not) and isinstance(q.body.operand, ir.NameRef)
        )
        lead = Subject.quantified(q.quantifier, noun)
        if simple and lead is not None:
            return self.expr(q.body, lead)
        if q.quantifier is ir.Quantifier.AT_LEAST:
            return self._at_least(q)
        body = self.expr(q.body, Subject.of(noun))
        n = i18n.noun(noun)
        if q.quantifier is ir.Quantifier.NO:
            return _("there is no {noun} for which {condition}").format(noun=n, condition=body)
        if q.quantifier is ir.Quantifier.EVERY:
            return _("for every {noun}, {condition}").format(noun=n, condition=body)
        return _("for at least one {noun}, {condition}").format(noun=n, condition=body)


def currency_of(program: ir.Program, plan: Plan | None) -> str:
    """The plan's currency; for a program that does not bind, the header's or the default."""
    if plan is not None:
        return plan.currency
    header = program.header
    return (header.currency if header else None) or DEFAULT_CURRENCY


def bound(program: ir.Program) -> Plan | None:
    """The plan of ``program``, or ``None`` when it has errors the bind pass cannot resolve."""
    try:
        return bind(program)
    except CompileError:
        return None
