"""Worked examples for requirements, minimum samples and budgets.

A requirement (``gate``) that fails takes every reward away; a rule with a minimum
sample (``when order_count >= 20``) is not judged below it; a budget scales every
amount down. Each example is decided by the engine on a constructed case
(:mod:`rulekit.render.cases`); an example whose case the engine does not decide as
intended (a condition the value chooser cannot meet) is left out rather than wrong.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import cast

from rulekit import ir
from rulekit.money import minor_unit
from rulekit.plan.kinds import kind_of
from rulekit.render import examples as ex
from rulekit.render import i18n
from rulekit.render.cases import Case, Chooser, Decider, Value, qualifying, scaled_share
from rulekit.render.i18n import _
from rulekit.render.model import Example
from rulekit.render.words import Subject, Words, an, humanize, join_words, negate
from rulekit.results import Decision


def _title(clause: ir.Clause | ir.Reward) -> str:
    return ex.capitalized(clause.text.label or humanize(clause.name))


def with_bases(program: ir.Program, decider: Decider, chooser: Chooser, keep: frozenset[str] = frozenset()) -> Case:
    """The chooser's case, each rebate's base well under its cap (unless ``keep`` or the
    conditions already fix it)."""
    case = chooser.case()
    for rebate in _rebates(program):
        if rebate.base not in case.metrics:
            low = ir.Money(ex.rebate_bases(rebate)[1], decider.plan.currency)
            case = case.with_base(decider.plan, rebate.base, low, keep)
    return case


def _rebates(program: ir.Program) -> list[ir.Rebate]:
    """The program's rebates (told apart through the registry, as everywhere)."""
    return [cast("ir.Rebate", r) for r in program.rewards if kind_of(r).name == "rebate"]


def _bases_phrase(program: ir.Program, words: Words, decision: Decision) -> str:
    """``, with net GMV of $10,000``: each rebate's base as the engine computed it."""
    parts = []
    for rebate in _rebates(program):
        value = decision.metrics.get(rebate.base)
        if isinstance(value, Decimal):
            parts.append(
                _("{measure} of {value}").format(
                    measure=words.measure(rebate.base), value=words.fmt.money(value, words.currency)
                )
            )
    return _(", with {values}").format(values=join_words(parts)) if parts else ""


def _show(words: Words, value: Value) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str):
        return _("“{text}”").format(text=value)
    return words.value(value)


def _names(expr: ir.Expr) -> list[str]:
    """The names a condition reads, in order, once each."""
    match expr:
        case ir.NameRef(name=name):
            return [name]
        case ir.Compare(left=left, right=right):
            return [*_names(left), *_names(right)]
        case ir.InList(operand=operand):
            return _names(operand)
        case ir.BoolOp(operands=operands):
            return list(dict.fromkeys(n for o in operands for n in _names(o)))
        case ir.Not(operand=operand):
            return _names(operand)
        case ir.Quantified(body=body):
            return _names(body)
    return []


def _ratio_text(words: Words, decision: Decision, name: str, parts: tuple[str, str]) -> str:
    numerator, denominator = (decision.metrics.get(n) for n in parts)
    value = decision.metrics.get(name)
    text = _("its {numerator} is {n} and its {denominator} is {d}").format(
        numerator=words.measure(parts[0]),
        n=words.fmt.number(_int(numerator)),
        denominator=words.measure(parts[1]),
        d=words.fmt.number(_int(denominator)),
    )
    if isinstance(value, Fraction):
        exact = Decimal(value.numerator) * 100 / Decimal(value.denominator)
        shown = exact.quantize(Decimal("0.1"))
        ratio = _(", so its {measure} is {value}") if shown == exact else _(", so its {measure} is about {value}")
        text += ratio.format(measure=words.measure(name), value=words.fmt.percent(shown.normalize()))
    return text


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0


def _values(words: Words, decider: Decider, case: Case, decision: Decision, names: list[str]) -> list[str]:
    """``its refund rate is …``, ``host 2's effective live time is 13 hours``: the case's values of ``names``."""
    plan, out = decider.plan, []
    # A ratio states its two counts: they are not repeated on their own.
    parts = {part for name in names if (m := plan.metric(name)) is not None and m.parts for part in m.parts}
    for name in [n for n in names if n not in parts]:
        metric = plan.metric(name)
        if metric is not None and metric.parts is not None:
            out.append(_ratio_text(words, decision, name, metric.parts))
        elif metric is not None and metric.per_member:
            for index, values in enumerate(case.members):
                if name in values:
                    out.append(
                        _("{member}'s {measure} is {value}").format(
                            member=_member_label(words, index),
                            measure=words.measure(name),
                            value=_show(words, values[name]),
                        )
                    )
        elif name in case.metrics:
            out.append(
                _("its {measure} is {value}").format(
                    measure=words.measure(name), value=_show(words, case.metrics[name])
                )
            )
    return out


def _member_label(words: Words, index: int) -> str:
    """``host 2``: a member of the example by its number."""
    member = i18n.noun(words.member) if words.member else _("member")
    return f"{member} {words.fmt.number(index + 1)}"


def _changed(words: Words, before: Case, after: Case, names: list[str]) -> list[str]:
    """What differs between two cases, for the names of one condition."""
    out = []
    for index, (old, new) in enumerate(zip(before.members, after.members, strict=False)):
        for name in names:
            if name in new and old.get(name) != new[name]:
                out.append(
                    _("{member}'s {measure} were {value}").format(
                        member=_member_label(words, index), measure=words.measure(name), value=_show(words, new[name])
                    )
                )
    for name in names:
        if name in after.metrics and before.metrics.get(name) != after.metrics[name]:
            out.append(
                _("its {measure} were {value}").format(
                    measure=words.measure(name), value=_show(words, after.metrics[name])
                )
            )
    return out


def _nothing(program: ir.Program, words: Words) -> str:
    text = (
        _("The {p} is not ranked and receives nothing: {zero}.")
        if program.rankings
        else _("The {p} receives nothing: {zero}.")
    )
    return text.format(p=words.participant, zero=words.fmt.money(Decimal(0), words.currency))


def _prize_note(program: ir.Program) -> str:
    return _(", plus any prize its rank earns") if any(kind_of(r).name == "prize" for r in program.rewards) else ""


def _every_other_rule(program: ir.Program, words: Words, decision: Decision) -> str:
    """ "Suppose an account meets every other rule, with net GMV of $50,000"."""
    p = words.participant
    return _("Suppose {a_p} meets every other rule{bases}").format(
        a_p=an(p), p=p, bases=_bases_phrase(program, words, decision)
    )


# --------------------------------------------------------------------- requirements


# Each example decides whole cases (linear in the program's size), so a document shows
# at most this many rules of one kind: rendering stays linear for generated programs with
# hundreds of gates (tests/test_limits.py), and no reader wants more worked examples.
MOST_PER_KIND = 8


def gate_examples(program: ir.Program, words: Words, decider: Decider) -> list[Example]:
    gates = program.clauses_of(ir.ClauseKind.GATE)[:MOST_PER_KIND]
    found = [_gate_example(program, words, decider, gate) for gate in gates]
    return [e for e in found if e is not None]


def _gate_example(program: ir.Program, words: Words, decider: Decider, gate: ir.Clause) -> Example | None:
    p, fmt = words.participant, words.fmt
    failing = qualifying(program, decider.plan, skip=gate.name)
    failing.want(gate.condition, False)
    keep = frozenset(_names(gate.condition))
    fail_case = with_bases(program, decider, failing, keep)
    pass_case = with_bases(program, decider, qualifying(program, decider.plan), keep)
    fail, passed = decider.decide(fail_case), decider.decide(pass_case)
    if fail.qualified or not fail.eligible or not passed.qualified:
        return None
    names = _names(gate.condition)
    values = _values(words, decider, fail_case, fail, names)
    subject = Subject.of(p)
    steps = [_every_other_rule(program, words, fail) + "."]
    if values:
        steps.append(ex.capitalized(join_words(values)) + ".")
    steps.append(
        _("{rule} requires that {condition}; that does not hold, so the {p} does not qualify.").format(
            rule=_title(gate), condition=words.expr(gate.condition, subject), p=p
        )
    )
    changed = _changed(words, fail_case, pass_case, names)
    condition = (
        _("If {changes}, {rule} would hold and the {p} would be paid {amount}{prize}.").format(
            changes=join_words(changed),
            rule=_title(gate),
            p=p,
            amount=fmt.money(passed.total_payout, words.currency),
            prize=_prize_note(program),
        )
        if changed
        else _("If {condition}, the {p} would qualify.").format(condition=words.expr(gate.condition, subject), p=p)
    )
    title = _("{rule} not met").format(rule=_title(gate))
    return Example(title, tuple(steps), _nothing(program, words), (condition,))


def disqualify_examples(program: ir.Program, words: Words, decider: Decider) -> list[Example]:
    """Disqualification rules without a minimum sample (those with one have their own example)."""
    clauses = [c for c in program.clauses_of(ir.ClauseKind.DISQUALIFY) if c.guard is None][:MOST_PER_KIND]
    found = [_disqualify_example(program, words, decider, c) for c in clauses]
    return [e for e in found if e is not None]


def _disqualify_example(program: ir.Program, words: Words, decider: Decider, clause: ir.Clause) -> Example | None:
    p, fmt = words.participant, words.fmt
    chooser = qualifying(program, decider.plan, skip=clause.name)
    chooser.want(clause.condition, True)
    keep = frozenset(_names(clause.condition))
    hit_case = with_bases(program, decider, chooser, keep)
    clean_case = with_bases(program, decider, qualifying(program, decider.plan), keep)
    hit, clean = decider.decide(hit_case), decider.decide(clean_case)
    if not hit.disqualified or clean.disqualified or not clean.qualified:
        return None
    subject = Subject.of(p)
    steps = (
        _every_other_rule(program, words, hit) + ".",
        _("{condition}, so {rule} disqualifies it.").format(
            condition=ex.capitalized(words.expr(clause.condition, subject)), rule=_title(clause)
        ),
    )
    condition = _("Were it not so ({opposite}), the {p} would be paid {amount}{prize}.").format(
        opposite=words.expr(negate(clause.condition), subject),
        p=p,
        amount=fmt.money(clean.total_payout, words.currency),
        prize=_prize_note(program),
    )
    title = _("{rule}: disqualified").format(rule=_title(clause))
    return Example(title, steps, _nothing(program, words), (condition,))


# ------------------------------------------------------------------ minimum samples


def sample_examples(program: ir.Program, words: Words, decider: Decider) -> list[Example]:
    clauses = [c for c in program.clauses if c.guard is not None][:MOST_PER_KIND]
    found = [_sample_example(program, words, decider, c) for c in clauses]
    return [e for e in found if e is not None]


def _sample_case(program: ir.Program, decider: Decider, clause: ir.Clause, judged: bool) -> Case:
    chooser = qualifying(program, decider.plan, skip=clause.name)
    assert clause.guard is not None  # only clauses with a guard have a sample example
    chooser.want(clause.guard, judged)
    chooser.want(clause.condition, True)
    keep = frozenset([*_names(clause.guard), *_names(clause.condition)])
    return with_bases(program, decider, chooser, keep)


def _sample_example(program: ir.Program, words: Words, decider: Decider, clause: ir.Clause) -> Example | None:
    p, fmt, guard = words.participant, words.fmt, clause.guard
    if guard is None:
        return None
    below_case, at_case = (_sample_case(program, decider, clause, judged) for judged in (False, True))
    below, at = decider.decide(below_case), decider.decide(at_case)
    outcome_below = next(c for c in below.clauses if c.name == clause.name)
    outcome_at = next(c for c in at.clauses if c.name == clause.name)
    if outcome_below.judged or not (outcome_at.judged and outcome_at.holds):
        return None
    names = list(dict.fromkeys([*_names(guard), *_names(clause.condition)]))
    subject = Subject.of(p)
    warns = clause.kind is ir.ClauseKind.WARN
    below_text = (
        _(
            "{rule} is judged only once {guard}; that does not hold, so the rule does not apply and the {p} is not "
            "warned: it is paid {amount}."
        )
        if warns
        else _(
            "{rule} is judged only once {guard}; that does not hold, so the rule does not apply and the {p} still "
            "qualifies: it is paid {amount}."
        )
    )
    at_text = (
        _("Suppose instead {values}. Now the rule is judged: {condition}, so the {p} is warned.")
        if warns
        else _("Suppose instead {values}. Now the rule is judged: {condition}, so the {p} is disqualified.")
    )
    steps = (
        _every_other_rule(program, words, below)
        + _(", and {values}.").format(values=join_words(_values(words, decider, below_case, below, names))),
        below_text.format(
            rule=_title(clause),
            guard=words.expr(guard, subject),
            p=p,
            amount=fmt.money(below.total_payout, words.currency),
        ),
        at_text.format(
            values=join_words(_values(words, decider, at_case, at, names)),
            condition=words.expr(clause.condition, subject),
            p=p,
        ),
    )
    paid = fmt.money(at.total_payout, words.currency)
    if warns:
        outcome = _("The warning does not stop the {p} from being paid {amount}.").format(p=p, amount=paid)
    else:
        outcome = _("Disqualified, the {p} receives nothing: {amount}.").format(p=p, amount=paid)
    conditions = (
        _(
            "Below the minimum sample the rule cannot apply, however high the rate; "
            "once {guard}, only {opposite} avoids it."
        ).format(guard=words.expr(guard, subject), opposite=words.expr(negate(clause.condition), subject)),
    )
    title = _("{rule}, below and at the minimum sample").format(rule=_title(clause))
    return Example(title, steps, outcome, conditions)


# -------------------------------------------------------------------------- budgets


def budget_examples(program: ir.Program, words: Words, decider: Decider) -> list[Example]:
    """One example for each amount paid from a metric (rebate, bonus, milestone) with a
    budget that scales down; per-order budgets are in :mod:`rulekit.render.examples_orders`."""
    found: list[Example] = []
    for reward in program.rewards:
        if len(found) >= MOST_PER_KIND:
            break
        kind = kind_of(reward)
        limits = kind.limits(reward)
        if kind.per_order or kind.name == "prize" or limits is None or limits.pool is None:
            continue
        if (limits.overflow or "scale down") != "scale down":
            continue
        example = _budget_example(program, words, decider, reward, limits.pool)
        if example is not None:
            found.append(example)
    return found


def _budget_example(
    program: ir.Program, words: Words, decider: Decider, reward: ir.Reward, pool: ir.Money
) -> Example | None:
    p, fmt, currency = words.participant, words.fmt, words.currency
    case = with_bases(program, decider, qualifying(program, decider.plan))
    if kind_of(reward).name == "rebate":
        rebate = cast("ir.Rebate", reward)
        case = case.with_base(decider.plan, rebate.base, ir.Money(ex.rebate_bases(rebate)[0], currency))
    decision = decider.decide(case)
    amount = next((r.before_limits for r in decision.rewards if r.name == reward.name), Decimal(0))
    if amount <= 0:
        return None
    title = _title(reward)
    total = pool.amount * 5 / 4  # a total a quarter over the budget: the factor is 4/5
    factor = pool.amount / total
    share = scaled_share(amount, pool.amount, total, currency)
    exact = amount * factor
    minor = fmt.money(minor_unit(currency))
    before, after = fmt.money(amount, currency), fmt.money(total, currency)
    steps = (
        _("Suppose a qualifying {p}'s {reward} comes to {amount} before the budget{bases}.").format(
            p=p, reward=title, amount=before, bases=_bases_phrase(program, words, decision)
        ),
        _("The {reward} amounts of all qualifying {p}s add up to {total}, more than the budget of {pool}.").format(
            reward=title, p=p, total=after, pool=fmt.money(pool)
        ),
        _(
            "Every amount is multiplied by the same factor, {pool} ÷ {total} = {factor}: "
            "{amount} × {factor} = {exact}, rounded down to {minor}."
        ).format(
            pool=fmt.money(pool),
            total=after,
            factor=fmt.number(factor),
            amount=before,
            exact=fmt.money(exact.normalize(), currency),
            minor=minor,
        ),
    )
    outcome = _("The {p}'s {reward} is {share} instead of {amount}.").format(
        p=p, reward=title, share=fmt.money(share, currency), amount=before
    )
    conditions = (
        _(
            "If the {reward} amounts of all {p}s stay within {pool}, nothing is scaled and the {p} receives "
            "{amount}; the factor is known only once every {p} is settled."
        ).format(reward=title, p=p, pool=fmt.money(pool), amount=before),
    )
    return Example(_("{reward} over its budget").format(reward=title), steps, outcome, conditions)
