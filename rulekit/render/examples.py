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
from rulekit.render import examples_orders, examples_rules, rewards
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
    return f"The {p} receives nothing if it fails a requirement or is disqualified (the rules {named})."


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
        f"Two {p}s tie at rank 2, so together they occupy positions 2 and 3.",
        f"The prizes of those positions are {fmt.money(second, currency)} and {fmt.money(third, currency)}, "
        f"{fmt.money(second + third, currency)} together.",
    )
    outcome = f"Each of the two {p}s receives a prize of {fmt.money(each, currency)}; the next {p} is ranked 4."
    conditions = (f"A tie needs the {p}s to be equal on every ranking measure; otherwise each keeps its own rank.",)
    return Example("A tie at rank 2", steps, outcome, conditions)


def rebate_step(words: Words, rebate: ir.Rebate, base: Decimal, raw: Decimal, paid: Decimal) -> str:
    """``Rebate: 2% of $150,000 is $3,000, more than the cap of $2,000 per account, so …``."""
    fmt, currency = words.fmt, words.currency
    how = f"{fmt.percent(rebate.rate)} of {fmt.money(base, currency)}" if rebate.rate else "the brackets' total"
    cap = rebate.limits.per_participant
    if cap is not None and raw > paid:
        noun = rebate.limits.per_participant_noun or words.participant
        text = f"Rebate: {how} is {fmt.money(raw, currency)}, more than the cap of {fmt.money(cap)} per {noun}"
        return f"{text}, so the rebate is {fmt.money(paid, currency)}."
    return f"Rebate: {how} is {fmt.money(raw, currency)}, within any cap."


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
    situation = f"a qualifying {p}" + (f" finishes at rank {fmt.number(rank)}" if prize is not None else "")
    steps: list[str] = []
    total = Decimal(0)
    if prize is not None:
        amount = rewards.prize_for_rank(prize, rank)
        if amount > 0:
            steps.append(f"Prize for rank {fmt.number(rank)}: {fmt.money(amount, currency)}.")
        else:
            steps.append(f"Prize: none, because rank {fmt.number(rank)} is outside the prize ranks.")
        total += amount
    if rebate is not None:
        value, raw, paid = rebate_outcome(decider, case, rebate)
        joiner = " with" if prize is not None else " has"
        situation += f"{joiner} {words.measure(rebate.base)} of {fmt.money(value, currency)}"
        steps.append(rebate_step(words, rebate, value, raw, paid))
        total += paid
    steps.insert(0, f"Suppose {situation}.")
    outcome = f"The {p} is paid {fmt.money(total, currency)}"
    if program.payout is not None and program.payout.channel:
        outcome += f" by {program.payout.channel}"
    due = timeutil.due_date(program)
    if due is not None:
        outcome += f", due {fmt.weekday_date(due)}"
    if rebate is not None and rebate.limits.pool is not None:
        outcome += f", provided the rebates of all {p}s stay within the budget of {fmt.money(rebate.limits.pool)}"
    title = f"{an(p)} at rank {fmt.number(rank)}" if prize is not None else "a rebate"
    return Example(capitalized(title), tuple(steps), outcome + ".", _ranked_conditions(program, words, prize, rebate))


def _ranked_conditions(
    program: ir.Program, words: Words, prize: ir.Prize | None, rebate: ir.Rebate | None
) -> tuple[str, ...]:
    from rulekit.rewards.prize import schedule_total  # the prize entry imports the render modules

    p, fmt = words.participant, words.fmt
    out: list[str] = []
    if prize is not None:
        ranking = program.ranking(prize.ranking)
        measure = words.measure(ranking.keys[0].name) if ranking is not None and ranking.keys else "ranking measure"
        out.append(f"The rank depends on the {measure} of every qualifying {p}; another rank pays that rank's prize.")
        if prize.limits.pool is not None and schedule_total(prize) > prize.limits.pool.amount:
            out.append(f"The prizes are scaled down to the prize pool of {fmt.money(prize.limits.pool)}.")
    if rebate is not None and rebate.limits.pool is not None:
        out.append(
            f"If the rebates of all {p}s add up to more than {fmt.money(rebate.limits.pool)}, this one is "
            "reduced (see the budget example below)."
        )
    shared = if_nothing_stops_it(program, words)
    if shared:
        out.append(shared)
    return tuple(out)
