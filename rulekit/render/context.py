"""Build the document view-model (:mod:`rulekit.render.model`) from a program's IR.

Sections follow what a reader asks: who may take part, when, what they must do, how
performance is measured, how winners are chosen, what can be earned, what gets them
warned or disqualified, when and how they are paid, and a worked example.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.numbers import get_currency_name

from rulekit import ir, timeutil, walk
from rulekit.plan import Plan
from rulekit.plan.aggregates import aggregate
from rulekit.plan.kinds import kind_of
from rulekit.plan.names import is_member_metric
from rulekit.render import examples, i18n, rewards
from rulekit.render import periods as render_periods  # issue 10, construct 6 (periods)
from rulekit.render.formatting import Formatter
from rulekit.render.i18n import N_, _
from rulekit.render.links import entity_noun, link_sentences
from rulekit.render.model import Document, Fact, Item, Section
from rulekit.render.words import Subject, Words, an, humanize, negate, plural, slug

_SINGLE_COMPARE = (ir.CompareOp.GT, ir.CompareOp.GE, ir.CompareOp.LT, ir.CompareOp.LE)


def capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def sentence(text: str) -> str:
    """Capitalised, ending with a full stop."""
    text = capitalize(text.strip())
    return text if text.endswith((".", "!", "?")) else text + "."


def title_of(name: str, text: ir.Text) -> str:
    return capitalize(text.label or humanize(name))


def program_zone(program: ir.Program) -> ZoneInfo | None:
    header = program.header
    return timeutil.zone(header.timezone) if header is not None and header.timezone else None


def zone_phrase(program: ir.Program, fmt: Formatter) -> str:
    """``Eastern Time (America/New_York)``: the everyday name and the exact zone."""
    tz = program_zone(program)
    if tz is None:
        return _("local time (the rule file names no valid time zone)")
    return f"{fmt.zone_name(tz)} ({tz.key})"


def build(program: ir.Program, plan: Plan | None, fmt: Formatter) -> Document:
    """The whole document for ``program`` and its plan (``None`` when it has errors), formatted with ``fmt``."""
    words = Words(program, fmt, plan)
    header = program.header
    name = header.name if header is not None else "program"
    sections = [
        _participation(program, words),
        _windows(program, words),
        _requirements(program, words),
        _measures(program, words),
        rewards.ranking_section(program, words),
        rewards.rewards_section(program, words),
        _conduct(program, words),
        _payment(program, words),
        _glossary(program, words),
        examples.section(program, words),
    ]
    return Document(
        name=name,
        title=(header.title if header is not None and header.title else humanize(name)),
        locale=fmt.locale,
        description=header.text.description if header is not None else None,
        notes=header.text.notes if header is not None else (),
        facts=_facts(program, words),
        sections=tuple(s for s in sections if s is not None),
    )


# ---------------------------------------------------------------------- at a glance


def _facts(program: ir.Program, words: Words) -> tuple[Fact, ...]:
    fmt, header = words.fmt, program.header
    facts: list[Fact] = []
    if header is not None and header.market:
        facts.append(Fact(_("Market"), fmt.territory(header.market)))
    if header is not None and header.currency:
        currency_name = get_currency_name(header.currency, locale=fmt.babel_locale)
        facts.append(Fact(_("Currency"), f"{currency_name} ({header.currency})"))
    facts.append(Fact(_("Time zone"), zone_phrase(program, fmt)))
    for window in program.windows:
        facts.append(Fact(title_of(window.name, window.text), window_summary(program, window, words)))
    facts.extend(rewards.facts(program, words))
    due = payment_due(program, words)
    if due is not None:
        facts.append(Fact(_("Payment"), due))
    return tuple(facts)


# ---------------------------------------------------------------------- participation


def _participation(program: ir.Program, words: Words) -> Section:
    p = words.participant
    intro = [_("The program is open to {p}s. Each {p} takes part, qualifies and is paid on its own.").format(p=p)]
    if words.member is not None:
        intro.append(
            _(
                "Each {p} has {m}s; rules that speak of “every {m}” or “at least one {m}” look at the {m}s of that {p}."
            ).format(p=p, m=words.member)
        )
    eligible = program.clauses_of(ir.ClauseKind.ELIGIBLE)
    if eligible:
        intro.append(
            _("{a_p} may take part only if it meets every condition below; failing any one excludes it.").format(
                a_p=capitalize(an(p)), p=p
            )
        )
    else:
        intro.append(_("Every {p} may take part; the program sets no conditions.").format(p=p))
    items = [_eligible_item(c, words) for c in eligible]
    return Section("who", _("Who may take part"), tuple(intro), tuple(items))


def _eligible_item(clause: ir.Clause, words: Words) -> Item:
    subject = Subject.of(words.participant)
    sentences = [
        sentence(_("required: {condition}").format(condition=words.expr(clause.condition, subject))),
        sentence(_("excluded when {condition}").format(condition=words.expr(negate(clause.condition), subject))),
    ]
    boundary = boundary_note(clause.condition, words, triggers=False)
    return Item(
        f"eligible-{slug(clause.name)}",
        title_of(clause.name, clause.text),
        tuple(sentences) + ((boundary,) if boundary else ()),
        clause.text.description,
        clause.text.notes,
    )


def boundary_note(expr: ir.Expr, words: Words, *, triggers: bool) -> str | None:
    """ "Exactly 14 hours is not enough": what happens at the threshold itself."""
    if isinstance(expr, ir.Quantified) and isinstance(expr.body, ir.Compare):
        expr = expr.body
    if not isinstance(expr, ir.Compare) or expr.op not in _SINGLE_COMPARE:
        return None
    if not isinstance(expr.right, ir.Money | ir.Percent | ir.Duration | ir.Number):
        return None
    value = words.value(expr.right)
    holds = expr.op in (ir.CompareOp.GE, ir.CompareOp.LE)
    if triggers:
        text = _("Exactly {value} triggers this rule.") if holds else _("Exactly {value} does not trigger this rule.")
    else:
        text = _("Exactly {value} is enough.") if holds else _("Exactly {value} is not enough.")
    return text.format(value=value)


# -------------------------------------------------------------------------- windows


def window_bounds(program: ir.Program, window: ir.AbsoluteWindow) -> tuple[dt.datetime, dt.datetime] | None:
    """The window's ``[start, end)`` as aware UTC instants, when the zone is valid."""
    tz = program_zone(program)
    return timeutil.absolute_bounds(window, tz) if tz is not None else None


def window_summary(program: ir.Program, window: ir.Window, words: Words) -> str:
    """One line for the "at a glance" table."""
    fmt = words.fmt
    if isinstance(window, ir.RelativeWindow):
        return _("the first {length} from each {p}'s {anchor}").format(
            length=fmt.duration(window.length), p=words.participant, anchor=_anchor_words(window, words)
        )
    start, end = window.start, window.end
    first = fmt.date(start.date) if start.time is None else fmt.datetime(start.start())
    last = fmt.date(end.date) if end.time is None else fmt.datetime(end.start())
    if end.time is None:
        state = _("last day included") if window.end_inclusive else _("last day not included")
    else:
        state = _("end time included") if window.end_inclusive else _("end time not included")
    return _("{first} to {last} ({state})").format(first=first, last=last, state=state)


def _windows(program: ir.Program, words: Words) -> Section | None:
    if not program.windows:
        return None
    intro = (
        _("All dates and times are in {zone} unless stated otherwise.").format(zone=zone_phrase(program, words.fmt)),
    )
    items = [_window_item(program, w, words) for w in program.windows]
    return Section("when", _("When"), intro, tuple(items))


def _window_item(program: ir.Program, window: ir.Window, words: Words) -> Item:
    sentences = (
        _relative_sentences(window, words)
        if isinstance(window, ir.RelativeWindow)
        else _absolute_sentences(program, window, words)
    )
    return Item(
        f"window-{slug(window.name)}",
        title_of(window.name, window.text),
        sentences,
        window.text.description,
        window.text.notes,
    )


def _absolute_sentences(program: ir.Program, window: ir.AbsoluteWindow, words: Words) -> tuple[str, ...]:
    fmt, phrase = words.fmt, capitalize(words.window_phrase(window.name))
    start, end = window.start, window.end
    begins = (
        _("the start of {date}").format(date=fmt.date(start.date))
        if start.time is None
        else fmt.datetime(start.start())
    )
    if end.time is None and window.end_inclusive:
        text = _("{window} runs from {begins} to the end of {last}; the last day, {last}, is included.")
        span = text.format(window=phrase, begins=begins, last=fmt.date(end.date))
    elif end.time is None:
        text = _("{window} runs from {begins} until the start of {last}; {last} itself is not included.")
        span = text.format(window=phrase, begins=begins, last=fmt.date(end.date))
    else:
        text = (
            _("{window} runs from {begins} to {end}; that last moment is included.")
            if window.end_inclusive
            else _("{window} runs from {begins} to {end}; that last moment is not included.")
        )
        span = text.format(window=phrase, begins=begins, end=fmt.datetime(end.start()))
    out = [span]
    local_start, local_end = window.local_bounds()
    if start.time is None and end.time is None:
        out.append(_("It covers {days} days.").format(days=fmt.number((local_end - local_start).days)))
    bounds = window_bounds(program, window)
    if bounds is not None:
        utc_start, utc_end = (b.replace(tzinfo=None) for b in bounds)
        out.append(
            _("In UTC it runs from {start} up to, but not including, {end}.").format(
                start=fmt.datetime(utc_start), end=fmt.datetime(utc_end)
            )
        )
    return tuple(out)


def _anchor_words(window: ir.RelativeWindow, words: Words) -> str:
    table = words.program.participant.table if words.program.participant else None
    return words.time_words(window.anchor, table)


def _relative_sentences(window: ir.RelativeWindow, words: Words) -> tuple[str, ...]:
    fmt, p = words.fmt, words.participant
    length = fmt.duration(window.length)
    out = [
        _("For each {p}, {window} is the first {length} from its {anchor}.").format(
            p=p, window=words.window_phrase(window.name), length=length, anchor=_anchor_words(window, words)
        )
    ]
    unit = window.length.unit
    if unit.months:
        out.append(
            _(
                "It ends at the same local time of day on the same day of the month, {length} later; "
                "when that month is shorter, on its last day (31 August plus 6 months is the last day of February)."
            ).format(length=length)
        )
    elif unit.calendar:
        out.append(_("It ends at the same local time of day, {length} later on the calendar.").format(length=length))
    if window.end_inclusive:
        out.append(_("The whole of the day on which it ends is included, up to local midnight."))
    if window.within is not None:
        out.append(
            _(
                "Only the part of it that falls within {window} counts; "
                "for a {p} whose first {length} lie entirely outside it, the window is empty."
            ).format(window=words.window_phrase(window.within), p=p, length=length)
        )
    return tuple(out)


# --------------------------------------------------------------------- requirements


def _requirements(program: ir.Program, words: Words) -> Section:
    p = words.participant
    gates = program.clauses_of(ir.ClauseKind.GATE)
    intro: tuple[str, ...]
    if not gates:
        intro = (
            _("Beyond the conditions to take part, {a_p} has nothing further to achieve to qualify.").format(a_p=an(p)),
        )
    else:
        intro = (
            _("To qualify for rewards, {a_p} that may take part must also meet every requirement below.").format(
                a_p=an(p)
            ),
            _("Each measure named here is defined exactly in How performance is measured."),
        )
    items = []
    subject = Subject.of(p)
    for gate in gates:
        text = [sentence(_("required: {condition}").format(condition=words.expr(gate.condition, subject)))]
        text.append(sentence(_("fails when {condition}").format(condition=words.expr(negate(gate.condition), subject))))
        boundary = boundary_note(gate.condition, words, triggers=False)
        if boundary:
            text.append(boundary)
        items.append(
            Item(
                f"gate-{slug(gate.name)}",
                title_of(gate.name, gate.text),
                tuple(text),
                gate.text.description,
                gate.text.notes,
            )
        )
    after = (
        (
            _(
                "{a_p} qualifies when it may take part, meets every requirement and is not disqualified "
                "(see Warnings and disqualification). Only qualifying {p}s are ranked and receive rewards."
            )
            if program.rankings
            else _(
                "{a_p} qualifies when it may take part, meets every requirement and is not disqualified "
                "(see Warnings and disqualification). Only qualifying {p}s receive rewards."
            )
        ).format(a_p=capitalize(an(p)), p=p),
    )
    return Section("requirements", _("What participants must do"), intro, tuple(items), after)


# ------------------------------------------------------------------------ measures


def _measures(program: ir.Program, words: Words) -> Section | None:
    if not program.metrics:
        return None
    intro = (_("Each measure below is calculated from the platform's records, exactly as described."),)
    items = [
        Item(
            f"metric-{slug(m.name)}",
            title_of(m.name, m.text),
            metric_definition(m, words),
            m.text.description,
            m.text.notes,
        )
        for m in program.metrics
    ]
    return Section("measures", _("How performance is measured"), intro, tuple(items))


def metric_definition(metric: ir.Metric, words: Words) -> tuple[str, ...]:
    """Precise sentences from the metric definition: aggregate, table, window, filter, per member."""
    p = words.participant
    definition = metric.definition
    if isinstance(definition, ir.Ratio):
        num, den = words.measure(definition.numerator), words.measure(definition.denominator)
        return (
            _("For each {p}: its {numerator} divided by its {denominator}.").format(
                p=p, numerator=num, denominator=den
            ),
            _("There is no value while its {denominator} is 0; limits are compared exactly, without rounding.").format(
                denominator=den
            ),
        )
    if isinstance(definition, ir.Computed):
        return computed_definition(metric, definition, words)
    if isinstance(definition, ir.BucketCount):  # calendar buckets (issue 10)
        return bucket_count_definition(definition, words)
    per = entity_noun(metric, words) or definition.filters.per  # sub-entities (issue 10, construct 4)
    who = _each_of(per, words) if per else _("For each {p}: ").format(p=i18n.noun(p))
    rows = i18n.noun(words.rows_noun(definition.table))
    core = _aggregate_words(definition, words, rows)
    where = definition.filters.where
    main = f"{who}{core}{_window_clause(definition, words)}{_as_of_clause(definition, words)}"
    if where is not None:
        main += _(", counting only {rows} {condition}").format(
            rows=i18n.noun(rows), condition=words.expr(where, Subject.rows())
        )
    if definition.filters.bucket is not None:  # calendar buckets (issue 10)
        return (main + ".", bucket_sentence(definition, words))
    return (main + ".", *_clipping(definition, words), *link_sentences(metric, definition, words))


def _each_of(noun: str, words: Words) -> str:
    """ "For each host of an account: " (a member or sub-entity of the participant)."""
    p = words.participant
    return _("For each {noun} of {a_p}: ").format(noun=i18n.noun(noun), a_p=an(p), p=i18n.noun(p))


# ---- calendar buckets (issue 10, construct 3)
def _bucket_words(unit: ir.BucketUnit) -> str:
    if unit is ir.BucketUnit.DAY:
        return _("calendar day (from midnight to midnight)")
    if unit is ir.BucketUnit.WEEK:
        return _("calendar week (Monday to Sunday)")
    return _("calendar month")


def _unit_words(unit: ir.BucketUnit) -> tuple[str, str]:
    """(singular, plural) of a calendar unit: "day", "days"."""
    if unit is ir.BucketUnit.DAY:
        return _("day"), _("days")
    if unit is ir.BucketUnit.WEEK:
        return _("week"), _("weeks")
    return _("month"), _("months")


def _zone_words(words: Words) -> str:
    return zone_phrase(words.program, words.fmt)


def bucket_sentence(definition: ir.Aggregate, words: Words) -> str:
    """How a metric by day splits time: local days of the program's zone, sessions cut at midnight."""
    unit = definition.filters.bucket
    assert unit is not None
    table = words.program.table(definition.table)
    text = _("It is worked out separately for each {bucket} in {zone}").format(
        bucket=_bucket_words(unit), zone=_zone_words(words)
    )
    if table is not None and table.period is not None:
        row, (one, _many) = words.row_noun(definition.table), _unit_words(unit)
        edge = {ir.BucketUnit.DAY: _("midnight"), ir.BucketUnit.WEEK: _("the start of a week")}.get(
            unit, _("the start of a month")
        )
        split = (
            _("; {a_row} that runs past {edge} is split there, each {unit} counting its own part")
            if aggregate(definition.func).period
            else _("; {a_row} that runs past {edge} counts on each {unit} it overlaps")
        )
        text += split.format(a_row=an(row), row=i18n.noun(row), edge=edge, unit=one)
    return text + "."


def bucket_count_definition(definition: ir.BucketCount, words: Words) -> tuple[str, ...]:
    """`count days …` in words: "a day counts when …", in the program's time zone."""
    p, (one, many) = words.participant, _unit_words(definition.unit)
    test = words.expr(definition.condition, Subject.of(p))
    what = (_("the longest run of consecutive {units}") if definition.streak else _("the number of {units}")).format(
        units=many
    )
    phrase = words.window_phrase(definition.window) if definition.window else None
    main = (
        _("For each {p}: {what} in {window} on which {condition}.")
        if phrase
        else _("For each {p}: {what} in the program on which {condition}.")
    )
    return (
        main.format(p=i18n.noun(p), what=what, window=phrase, condition=test),
        _(
            "A {unit} counts when that holds for the {unit} on its own, in {zone}; "
            "a {unit} with no activity has 0 of everything. A {unit} only partly inside the window "
            "counts only its part inside."
        ).format(unit=one, zone=_zone_words(words)),
    )


# ---- end of calendar buckets


def computed_definition(metric: ir.Metric, definition: ir.Computed, words: Words) -> tuple[str, ...]:
    """A computed metric in words: "For each seller: its Q2 sales minus its Q1 sales."."""
    p = words.participant
    member = words.member if words.member and is_member_metric(words.program, metric) else None
    who = _each_of(member, words) if member else _("For each {p}: ").format(p=i18n.noun(p))
    sentences = [f"{who}{arith_words(definition.expr, words)}."]
    divisors = [
        arith_words(node.right, words)
        for node in walk.walk(definition.expr)
        if isinstance(node, ir.Arith) and node.op is ir.ArithOp.DIV and not isinstance(node.right, ir.Money | ir.Number)
    ]
    if divisors:
        sentences.append(_("There is no value while {divisors} is 0.").format(divisors=f" {_('or')} ".join(divisors)))
    sentences.append(_("It is computed exactly, without rounding."))
    return tuple(sentences)


def _arith_op(op: ir.ArithOp) -> str:
    if op is ir.ArithOp.ADD:
        return _("{left} plus {right}")
    if op is ir.ArithOp.SUB:
        return _("{left} minus {right}")
    if op is ir.ArithOp.MUL:
        return _("{left} times {right}")
    return _("{left} divided by {right}")


_NEGATIVE = (ir.Money, ir.Number, ir.Percent, ir.Duration)


def arith_words(expr: ir.NumExpr, words: Words) -> str:
    """Metric arithmetic as a reader says it: "its Q2 sales minus its Q1 sales", "2% of its net sales"."""
    match expr:
        case ir.NameRef():
            return _("its {measure}").format(measure=words.measure(expr.name))
        case ir.Arith():
            return _arith_op_words(expr, words)
        case ir.Negate():
            return _("minus {value}").format(value=_grouped(expr.operand, words))
        case ir.Call():
            return _call_words(expr, words)
        case ir.Default():
            value, fallback = arith_words(expr.value, words), arith_words(expr.fallback, words)
            return _("{value}, or {fallback} when that has no value").format(value=value, fallback=fallback)
    return words.value(expr)


def _arith_op_words(expr: ir.Arith, words: Words) -> str:
    left, right = _grouped(expr.left, words), _grouped(expr.right, words)
    if expr.op is ir.ArithOp.MUL and isinstance(expr.right, ir.Percent):
        return _("{percent} of {value}").format(percent=right, value=left)
    if expr.op is ir.ArithOp.MUL and isinstance(expr.left, ir.Percent):
        return _("{percent} of {value}").format(percent=left, value=right)
    op, other = expr.op, expr.right
    if op in (ir.ArithOp.ADD, ir.ArithOp.SUB) and isinstance(other, _NEGATIVE) and _amount(other) < 0:
        # `x + -$50` reads "x minus $50"
        op = ir.ArithOp.SUB if op is ir.ArithOp.ADD else ir.ArithOp.ADD
        right = words.value(_negated(other))
    return _arith_op(op).format(left=left, right=right)


def _amount(literal: ir.Money | ir.Number | ir.Percent | ir.Duration) -> Decimal:
    return literal.value if isinstance(literal, ir.Number | ir.Percent) else literal.amount


def _negated(literal: ir.Money | ir.Number | ir.Percent | ir.Duration) -> ir.Literal:
    match literal:
        case ir.Money():
            return ir.Money(-literal.amount, literal.currency)
        case ir.Number():
            return ir.Number(-literal.value)
        case ir.Percent():
            return ir.Percent(-literal.value)
    return ir.Duration(-literal.amount, literal.unit)


def _call_words(expr: ir.Call, words: Words) -> str:
    """``min(a, $500)`` is "a, at most $500"; ``max(min(a, hi), lo)`` is "a, kept between lo and hi"."""
    inner, bound = expr.args
    if isinstance(inner, _NEGATIVE):
        inner, bound = bound, inner
    if isinstance(bound, _NEGATIVE):
        if isinstance(inner, ir.Call) and inner.function != expr.function and isinstance(inner.args[1], _NEGATIVE):
            low, high = (bound, inner.args[1]) if expr.function == "max" else (inner.args[1], bound)
            value = arith_words(inner.args[0], words)
            return _("{value}, kept between {low} and {high}").format(
                value=value, low=words.value(low), high=words.value(high)
            )
        limit = _("{value}, at most {bound}") if expr.function == "min" else _("{value}, at least {bound}")
        return limit.format(value=arith_words(inner, words), bound=words.value(bound))
    a, b = (arith_words(arg, words) for arg in expr.args)
    pick = _("the smaller of {a} and {b}") if expr.function == "min" else _("the larger of {a} and {b}")
    return pick.format(a=a, b=b)


def _grouped(expr: ir.NumExpr, words: Words) -> str:
    """A part of a larger computation; a sum, difference or default inside it is bracketed."""
    text = arith_words(expr, words)
    if isinstance(expr, ir.Default | ir.Call) or (
        isinstance(expr, ir.Arith) and expr.op in (ir.ArithOp.ADD, ir.ArithOp.SUB)
    ):
        return f"({text})"
    return text


# The aggregates' document phrases (rulekit.plan.aggregates), marked here for the
# catalogue; tests/test_i18n.py checks this list against the registry.
AGGREGATE_PHRASES = (
    N_("the number of its {rows}"),
    N_("the number of different {col} values among its {rows}"),
    N_("the number of different {labels} among its {rows}"),
    N_("the sum of the {col} of its {rows}"),
    N_("the smallest {col} among its {rows}"),
    N_("the largest {col} among its {rows}"),
    N_("the average {col} of its {rows}"),
    N_("the total time its {rows} last"),
    N_("the {col} of the most recent of its {rows}"),
    N_("the {col} of the earliest of its {rows}"),
)


def _aggregate_words(definition: ir.Aggregate, words: Words, rows: str) -> str:
    column = words.column(definition.column or "", definition.table)
    entry = aggregate(definition.func)
    if entry.labelled_words and column.label:
        return _(entry.labelled_words).format(labels=plural(column.label), rows=rows)
    col = words.column_words(definition.column or "", definition.table)
    return _(entry.words).format(col=col, rows=rows)


def _as_of_clause(definition: ir.Aggregate, words: Words) -> str:
    """`as of POINT` (issue 10): "recorded no later than the end of the quarter"."""
    table = words.program.table(definition.table)
    if definition.filters.as_of is None or table is None or table.time is None:
        return ""
    point = words.point(definition.filters.as_of, Subject.rows())
    return _(", among those whose {time} is no later than {point}").format(
        time=words.time_words(table.time, table.name), point=point
    )


def _window_clause(definition: ir.Aggregate, words: Words) -> str:
    name = definition.filters.window
    if name is None:
        return ""
    table = words.program.table(definition.table)
    phrase = words.window_phrase(name)
    if table is not None and table.period is not None:
        inside = _(" inside {window}") if aggregate(definition.func).period else _(" that overlap {window}")
        return inside.format(window=phrase)
    if table is not None and table.time is not None:
        extra = render_periods.measure_words(definition, words)  # issue 10, construct 6 (periods)
        within = _(" within {window} (by their {time})").format(
            window=phrase, time=words.time_words(table.time, table.name)
        )
        return within + extra
    return _(" during {window}").format(window=phrase)


def _clipping(definition: ir.Aggregate, words: Words) -> tuple[str, ...]:
    """For time in intervals: what counts of a session that crosses the window's edge."""
    table = words.program.table(definition.table)
    if definition.filters.window is None or table is None or table.period is None:
        return ()
    if not aggregate(definition.func).period:
        return ()
    row = words.row_noun(definition.table)
    start, end = (words.column(c, table.name) for c in table.period)
    if start.label and end.label:
        text = _(
            "{a_row} lasts from its {start} to its {end}; "
            "one that crosses the start or end of the window counts only its part inside."
        )
        first, last = start.label, end.label
    else:
        text = _(
            "{a_row} lasts from its “{start}” to its “{end}” time; "
            "one that crosses the start or end of the window counts only its part inside."
        )
        first, last = humanize(start.name), humanize(end.name)
    return (text.format(a_row=capitalize(an(row)), row=i18n.noun(row), start=first, end=last),)


# ------------------------------------------------------------------------- conduct


def _conduct(program: ir.Program, words: Words) -> Section:
    p = words.participant
    warns = program.clauses_of(ir.ClauseKind.WARN)
    dqs = program.clauses_of(ir.ClauseKind.DISQUALIFY)
    intro: list[str] = []
    if warns:
        intro.append(
            _(
                "A warning is recorded and reported to the {p}; it does not by itself stop the {p} from qualifying."
            ).format(p=p)
        )
    if dqs:
        intro.append(
            _(
                "A disqualified {p} is not ranked and receives no rewards, even if it meets every other condition."
            ).format(p=p)
        )
    if not warns and not dqs:
        intro.append(
            _("The program has no warning or disqualification rules: {a_p} is never warned or disqualified.").format(
                a_p=an(p)
            )
        )
    items = [_conduct_item(c, words, _("the {p} is warned when {condition}")) for c in warns]
    items += [_conduct_item(c, words, _("the {p} is disqualified when {condition}")) for c in dqs]
    return Section("conduct", _("Warnings and disqualification"), tuple(intro), tuple(items))


def _conduct_item(clause: ir.Clause, words: Words, outcome: str) -> Item:
    subject = Subject.of(words.participant)
    text = [sentence(outcome.format(p=words.participant, condition=words.expr(clause.condition, subject)))]
    boundary = boundary_note(clause.condition, words, triggers=True)
    if boundary:
        text.append(boundary)
    if clause.guard is not None:
        text.append(
            sentence(
                _("this rule is judged only once {guard} (the minimum sample); until then it does not apply").format(
                    guard=words.expr(clause.guard, subject)
                )
            )
        )
    prefix = "warn" if clause.kind is ir.ClauseKind.WARN else "disqualify"
    return Item(
        f"{prefix}-{slug(clause.name)}",
        title_of(clause.name, clause.text),
        tuple(text),
        clause.text.description,
        clause.text.notes,
    )


# ------------------------------------------------------------------------- payment


def due_details(program: ir.Program) -> tuple[dt.date, dt.date, list[tuple[dt.date, str]]] | None:
    """(last day of the anchor window, due date, weekday holidays skipped) when computable."""
    due = timeutil.due_date(program)
    payout, header, tz = program.payout, program.header, program_zone(program)
    if due is None or payout is None or payout.due is None or header is None or tz is None:
        return None
    window = program.window(payout.due.after)
    if not isinstance(window, ir.AbsoluteWindow):
        return None
    last = timeutil.last_local_day(timeutil.absolute_bounds(window, tz)[1], tz)
    skipped: list[tuple[dt.date, str]] = []
    if payout.due.business and header.calendar:
        skipped = timeutil.holidays_between(last + dt.timedelta(days=1), due, header.calendar)
    return last, due, skipped


def payment_due(program: ir.Program, words: Words) -> str | None:
    """``bank transfer, due Friday, March 25, 2022`` for the at-a-glance table."""
    payout = program.payout
    if payout is None:
        return None
    if payout.paid is not None:  # issue 10, construct 6 (periods)
        return render_periods.payment_summary(program, words)
    details = due_details(program)
    when = _("due {date}").format(date=words.fmt.weekday_date(details[1])) if details else None
    return ", ".join(x for x in (payout.channel, when) if x) or None


def _glossary(program: ir.Program, words: Words) -> Section | None:
    """The words a reader may not know: the rule file's `term` lines, and the terms this
    document itself uses (business day, when a due date counts them)."""
    entries = [(word, meaning) for word, meaning in (program.header.terms if program.header else ())]
    due = program.payout.due if program.payout else None
    if due is not None and due.business:
        calendar = program.header.calendar if program.header and program.header.calendar else _("the market's")
        entries.append(
            (
                _("business day"),
                _("a Monday to Friday that is not a public holiday in the {calendar} calendar").format(
                    calendar=calendar
                ),
            )
        )
    if not entries:
        return None
    items = tuple(Item(f"term-{slug(word)}", word, (meaning,)) for word, meaning in sorted(entries, key=_fold))
    return Section("glossary", _("Glossary"), (), items)


def _fold(entry: tuple[str, str]) -> str:
    return entry[0].casefold()


def _payment(program: ir.Program, words: Words) -> Section:
    p, payout = words.participant, program.payout
    if payout is None:
        return Section("payment", _("Payment"), (_("The program does not say when or how {p}s are paid.").format(p=p),))
    intro = [
        _("Rewards are paid via {channel}.").format(channel=payout.channel)
        if payout.channel
        else _("The program names no payment channel.")
    ]
    charges = any(not kind_of(r).paid for r in program.rewards)
    total = (
        _("{a_p}'s payment is the sum of all its rewards; commissions are charges reported beside it.")
        if charges
        else _("{a_p}'s payment is the sum of all its rewards.")
    )
    intro.append(total.format(a_p=capitalize(an(p))))
    if payout.paid is not None:  # issue 10, construct 6 (periods): one payment per period
        intro.extend(render_periods.payment_sentences(program, words))
    elif payout.due is not None:
        intro.extend(_due_sentences(program, payout.due, words))
    return Section("payment", _("Payment"), tuple(intro), (), payout.text.notes)


def _due_sentences(program: ir.Program, due: ir.Due, words: Words) -> list[str]:
    fmt, header = words.fmt, program.header
    phrase = words.window_phrase(due.after)
    ordinal = _ordinal(due.amount, business=due.business)
    details = due_details(program)
    if details is None:
        return [_("Payment is due on the {nth} after the last day of {window}.").format(nth=ordinal, window=phrase)]
    last, date, skipped = details
    out = [
        _("Payment is due on {date}: the {nth} after {last}, the last day of {window}.").format(
            date=fmt.weekday_date(date), nth=ordinal, last=fmt.date(last), window=phrase
        )
    ]
    if due.business and header is not None and header.calendar:
        country = fmt.territory(timeutil.CALENDARS.get(header.calendar, (header.calendar, None))[0])
        out.append(_("Business days are Monday to Friday, except {country} public holidays.").format(country=country))
        if skipped:
            named = fmt.list([f"{name} ({fmt.date(day)})" for day, name in skipped], style="unit")
            out.append(_("The count skips these public holidays: {holidays}.").format(holidays=named))
        else:
            out.append(
                _("No public holiday fell between {last} and the due date, so only weekends were skipped.").format(
                    last=fmt.date(last)
                )
            )
    return out


def _ordinal(n: int, *, business: bool) -> str:
    """``20th business day``: English ordinal suffixes; other languages word it in the catalogue."""
    suffix = _ordinal_suffix(n)
    text = _("{n}{suffix} business day") if business else _("{n}{suffix} day")
    return text.format(n=n, suffix=suffix)


def _ordinal_suffix(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
