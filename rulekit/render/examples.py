"""Worked examples for every rule that changes money, decided by the engine.

Each example is a constructed case (:mod:`rulekit.render.cases`): made-up values that
meet or fail the rule file's conditions, decided by the single-decision evaluator, so
its numbers are the engine's and change when the rule file changes. The examples cover
prizes and per-participant amounts with their caps (here), requirements and minimum
samples (:mod:`rulekit.render.examples_rules`), budgets, per-order rewards and order
limits (:mod:`rulekit.render.examples_orders`); each states what could change it.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from typing import cast

from rulekit import ir, timeutil
from rulekit.errors import RulekitError
from rulekit.money import minor_unit
from rulekit.plan import TiePolicy
from rulekit.plan.kinds import kind_of
from rulekit.render import examples_orders, examples_rules, i18n, rewards
from rulekit.render.cases import Case, Decider, qualifying
from rulekit.render.i18n import _
from rulekit.render.model import Example, Section
from rulekit.render.words import Words, an, humanize, join_words


def round_figure(value: Decimal) -> Decimal:
    """``value`` rounded to two significant figures: 149,700 -> 150,000; 2.994 -> 3.0."""
    if value <= 0:
        return Decimal(0)
    exponent = value.adjusted() - 1
    return value.scaleb(-exponent).quantize(Decimal(1)).scaleb(exponent)


# What the engine raises on a case or a program it cannot decide (a program with errors,
# values the chooser could not make fit): the examples concerned are left out.
_REFUSED = (RulekitError, ValueError, ArithmeticError, TypeError, LookupError)


def section(program: ir.Program, words: Words) -> Section | None:
    """The worked examples of a program that binds (a program with errors has none)."""
    plan = words.plan
    if plan is None or program.participant is None:
        return None
    try:
        decider = Decider(program, plan)
    except _REFUSED:  # a program with errors the evaluator cannot compile (the checker reports them)
        return None
    builders = (
        _ranked_examples,
        examples_rules.gate_examples,
        examples_rules.disqualify_examples,
        examples_rules.sample_examples,
        examples_rules.budget_examples,
        examples_orders.order_examples,
    )
    found: list[Example] = []
    for build in builders:
        try:
            found += build(program, words, decider)
        except _REFUSED:
            # A case the engine refuses (values the chooser could not make fit) leaves
            # its examples out: a document never shows a wrong example, nor a traceback.
            continue
    if not found:
        return None
    intro = (
        _("These examples apply the rules above to made-up figures; they are not extra rules."),
        _("Each one ends with the conditions that could change its result."),
    )
    return Section("examples", _("Worked examples"), intro, examples=tuple(found))


def capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def first_of(program: ir.Program, kind: str) -> ir.Reward | None:
    """The first reward of the registered kind called ``kind``."""
    return next((r for r in program.rewards if kind_of(r).name == kind), None)


def rebate_bases(rebate: ir.Rebate) -> tuple[Decimal, Decimal]:
    """A base above the point where the cap bites, and one well below it."""
    cap = rebate.limits.per_participant
    rates = [rebate.rate.fraction] if rebate.rate is not None else [b.rate.fraction for b in rebate.brackets]
    rate = max(rates, default=Decimal(0))
    if cap is None or rate <= 0:
        return Decimal(100_000), Decimal(10_000)
    turning = cap.amount / rate
    return round_figure(turning * Decimal("1.5")), round_figure(turning / 2)


def if_nothing_stops_it(program: ir.Program, words: Words) -> str | None:
    """The condition every paid example shares: requirements met, not disqualified."""
    p = words.participant
    clauses = [*program.clauses_of(ir.ClauseKind.GATE), *program.clauses_of(ir.ClauseKind.DISQUALIFY)]
    if not clauses:
        return None
    named = join_words([capitalized(c.text.label or humanize(c.name)) for c in clauses])
    return _("The {p} receives nothing if it fails a requirement or is disqualified (the rules {named}).").format(
        p=p, named=named
    )


# ---------------------------------------------------------------- prizes and rebates


def _prize_ranks(prize: ir.Prize | None, program: ir.Program) -> tuple[ir.Ranking | None, int]:
    if prize is None:
        return None, 0
    ranking = program.ranking(prize.ranking)
    if ranking is not None and ranking.top is not None:
        return ranking, ranking.top
    return ranking, max((t.last for t in prize.schedule), default=1)


def _ranked_examples(program: ir.Program, words: Words, decider: Decider) -> list[Example]:
    prize = cast("ir.Prize | None", first_of(program, "prize"))
    rebate = cast("ir.Rebate | None", first_of(program, "rebate"))
    if prize is None and rebate is None:
        return []
    ranking, top = _prize_ranks(prize, program)
    high, low = rebate_bases(rebate) if rebate is not None else (Decimal(0), Decimal(0))
    found = [_ranked_example(program, words, decider, prize, rebate, 2 if top >= 2 else 1, high)]
    if prize is not None and rebate is not None:
        found.append(_ranked_example(program, words, decider, prize, rebate, top + 1, low))
    splits = (
        ranking is not None and words.ties(ranking.name) is TiePolicy.SPLIT and rewards.ties_possible(ranking, program)
    )
    if prize is not None and splits and top >= 3:
        found.append(_tie_example(words, prize))
    return found


def _tie_example(words: Words, prize: ir.Prize) -> Example:
    fmt, p, currency = words.fmt, words.participant, words.currency
    second, third = rewards.prize_for_rank(prize, 2), rewards.prize_for_rank(prize, 3)
    each = ((second + third) / 2).quantize(minor_unit(currency), rounding=ROUND_DOWN)
    steps = (
        _("Two {p}s tie at rank 2, so together they occupy positions 2 and 3.").format(p=p),
        _("The prizes of those positions are {second} and {third}, {both} together.").format(
            second=fmt.money(second, currency),
            third=fmt.money(third, currency),
            both=fmt.money(second + third, currency),
        ),
    )
    outcome = _("Each of the two {p}s receives a prize of {each}; the next {p} is ranked 4.").format(
        p=p, each=fmt.money(each, currency)
    )
    conditions = (
        _("A tie needs the {p}s to be equal on every ranking measure; otherwise each keeps its own rank.").format(p=p),
    )
    return Example(_("A tie at rank 2"), steps, outcome, conditions)


def rebate_step(words: Words, rebate: ir.Rebate, base: Decimal, raw: Decimal, paid: Decimal) -> str:
    """``Rebate: 2% of $150,000 is $3,000, more than the cap of $2,000 per account, so …``."""
    fmt, currency = words.fmt, words.currency
    how = (
        _("{percent} of {value}").format(percent=fmt.percent(rebate.rate), value=fmt.money(base, currency))
        if rebate.rate
        else _("the brackets' total")
    )
    cap = rebate.limits.per_participant
    if cap is not None and raw > paid:
        noun = rebate.limits.per_participant_noun or words.participant
        return _("Rebate: {how} is {raw}, more than the cap of {cap} per {noun}, so the rebate is {paid}.").format(
            how=how,
            raw=fmt.money(raw, currency),
            cap=fmt.money(cap),
            noun=i18n.noun(noun),
            paid=fmt.money(paid, currency),
        )
    return _("Rebate: {how} is {raw}, within any cap.").format(how=how, raw=fmt.money(raw, currency))


def rebate_outcome(decider: Decider, case: Case, rebate: ir.Rebate) -> tuple[Decimal, Decimal, Decimal]:
    """(base, amount before the cap, amount paid) of ``rebate`` for ``case``, by the engine."""
    decision = decider.decide(case)
    base = decision.metrics.get(rebate.base)
    value = base if isinstance(base, Decimal) else Decimal(0)
    raw = kind_of(rebate).py_amount(rebate, decision.metrics) or Decimal(0)
    paid = next((r.before_limits for r in decision.rewards if r.name == rebate.name), Decimal(0))
    return value, raw.quantize(minor_unit(decider.plan.currency)), paid


def _ranked_example(
    program: ir.Program,
    words: Words,
    decider: Decider,
    prize: ir.Prize | None,
    rebate: ir.Rebate | None,
    rank: int,
    base: Decimal,
) -> Example:
    fmt, p, currency = words.fmt, words.participant, words.currency
    case = qualifying(program, decider.plan).case()
    if rebate is not None:
        case = case.with_base(decider.plan, rebate.base, ir.Money(base, currency))
    steps: list[str] = []
    total = Decimal(0)
    if prize is not None:
        amount = rewards.prize_for_rank(prize, rank)
        if amount > 0:
            steps.append(
                _("Prize for rank {rank}: {amount}.").format(rank=fmt.number(rank), amount=fmt.money(amount, currency))
            )
        else:
            steps.append(
                _("Prize: none, because rank {rank} is outside the prize ranks.").format(rank=fmt.number(rank))
            )
        total += amount
    situation = _situation(words, prize is not None, rank)
    if rebate is not None:
        value, raw, paid = rebate_outcome(decider, case, rebate)
        situation = _with_base(words, situation, prize is not None, rebate.base, fmt.money(value, currency))
        steps.append(rebate_step(words, rebate, value, raw, paid))
        total += paid
    steps.insert(0, _("Suppose {situation}.").format(situation=situation))
    title = (
        _("{a_p} at rank {rank}").format(a_p=capitalized(an(p)), p=p, rank=fmt.number(rank))
        if prize is not None
        else _("A rebate")
    )
    outcome = _paid_outcome(program, words, total, rebate.limits.pool if rebate is not None else None)
    return Example(title, tuple(steps), outcome, _ranked_conditions(program, words, prize, rebate))


def _situation(words: Words, ranked: bool, rank: int) -> str:
    p = words.participant
    if ranked:
        return _("a qualifying {p} finishes at rank {rank}").format(p=p, rank=words.fmt.number(rank))
    return _("a qualifying {p}").format(p=p)


def _with_base(words: Words, situation: str, ranked: bool, base: str, value: str) -> str:
    """ "… finishes at rank 2 with net GMV of $150,000" / "a qualifying seller has net sales of …"."""
    text = _("{situation} with {measure} of {value}") if ranked else _("{situation} has {measure} of {value}")
    return text.format(situation=situation, measure=words.measure(base), value=value)


def _paid_outcome(program: ir.Program, words: Words, total: Decimal, pool: ir.Money | None) -> str:
    """ "The account is paid $4,500 by bank transfer, due …, provided …"."""
    fmt, p = words.fmt, words.participant
    parts = [_("The {p} is paid {amount}").format(p=p, amount=fmt.money(total, words.currency))]
    if program.payout is not None and program.payout.channel:
        parts.append(_(" by {channel}").format(channel=program.payout.channel))
    due = timeutil.due_date(program)
    if due is not None:
        parts.append(_(", due {date}").format(date=fmt.weekday_date(due)))
    if pool is not None:
        parts.append(
            _(", provided the rebates of all {p}s stay within the budget of {pool}").format(p=p, pool=fmt.money(pool))
        )
    return "".join(parts) + "."


def _ranked_conditions(
    program: ir.Program, words: Words, prize: ir.Prize | None, rebate: ir.Rebate | None
) -> tuple[str, ...]:
    from rulekit.rewards.prize import schedule_total  # the prize entry imports the render modules

    p, fmt = words.participant, words.fmt
    out: list[str] = []
    if prize is not None:
        ranking = program.ranking(prize.ranking)
        measure = words.measure(ranking.keys[0].name) if ranking is not None and ranking.keys else _("ranking measure")
        out.append(
            _("The rank depends on the {measure} of every qualifying {p}; another rank pays that rank's prize.").format(
                measure=measure, p=p
            )
        )
        if prize.limits.pool is not None and schedule_total(prize) > prize.limits.pool.amount:
            out.append(
                _("The prizes are scaled down to the prize pool of {pool}.").format(pool=fmt.money(prize.limits.pool))
            )
    if rebate is not None and rebate.limits.pool is not None:
        out.append(
            _(
                "If the rebates of all {p}s add up to more than {pool}, this one is reduced "
                "(see the budget example below)."
            ).format(p=p, pool=fmt.money(rebate.limits.pool))
        )
    shared = if_nothing_stops_it(program, words)
    if shared:
        out.append(shared)
    return tuple(out)
