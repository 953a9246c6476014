"""Ranking and reward sections: how winners are chosen and what can be earned.

Also the few amounts the document computes from the rule file's numbers (the prize
of a rank, a rebate on a base, the most one participant can receive); they follow
``docs/semantics.md`` and are used by the worked examples.
"""

from __future__ import annotations

from decimal import Decimal

from rulekit import ir
from rulekit.money import minor_unit, round_money
from rulekit.plan import Remainder, TiePolicy
from rulekit.plan.kinds import kind_of
from rulekit.render import i18n
from rulekit.render import periods as render_periods  # issue 10, construct 6 (periods)
from rulekit.render.i18n import _
from rulekit.render.model import Fact, Item, Section
from rulekit.render.words import Subject, Words, an, humanize, slug

# --------------------------------------------------------------------- arithmetic


def prize_for_rank(prize: ir.Prize, rank: int) -> Decimal:
    """The scheduled prize of one position (0 when the schedule has no such rank)."""
    # Imported here: the prize entry imports this module for its sentences.
    from rulekit.rewards.prize import prize_for_position

    return prize_for_position(prize, rank)


def rebate_amount(rebate: ir.Rebate, base: Decimal, currency: str) -> Decimal:
    """The rebate on ``base`` before the per-participant cap, rounded half-even."""
    # Imported here: the rebate entry imports this module for its sentences.
    from rulekit.rewards.rebate import rebate_raw

    return round_money(rebate_raw(rebate, base), currency)


# --------------------------------------------------------------------- ranking


def _key_order(key: ir.RankKey, program: ir.Program) -> str:
    participant_table = program.table(program.participant.table) if program.participant else None
    column = participant_table.column(key.name) if participant_table is not None else None
    textual = column is not None and column.type is ir.ColumnType.STRING
    if key.direction is ir.Direction.DESCENDING:
        return _("Z to A") if textual else _("highest first")
    return _("A to Z") if textual else _("lowest first")


def ties_possible(ranking: ir.Ranking, program: ir.Program) -> bool:
    """False when a ranking key is the participant key: then no two participants are equal."""
    return not any(_is_unique_key(k, program) for k in ranking.keys)


def _is_unique_key(key: ir.RankKey, program: ir.Program) -> bool:
    table = program.table(program.participant.table) if program.participant else None
    return table is not None and table.key == (key.name,)


def ranking_section(program: ir.Program, words: Words) -> Section | None:
    if not program.rankings:
        return None
    items = [_ranking_item(r, program, words) for r in program.rankings]
    return Section("ranking", _("How winners are chosen"), (), tuple(items))


def _ranking_item(ranking: ir.Ranking, program: ir.Program, words: Words) -> Item:
    p = words.participant
    text = []
    for index, key in enumerate(ranking.keys):
        measure = words.measure(key.name)
        order = _key_order(key, program)
        if index == 0:
            text.append(
                _("Qualifying {p}s are ranked by their {measure}, {order}.").format(p=p, measure=measure, order=order)
            )
        else:
            # Two sentences, not "all of the above" in the place of a measure: German quotes
            # a measure's name but not the words for all of them.
            equal = (
                _("{P}s equal on {previous} are ordered by {measure}, {order}.")
                if index == 1
                else _("{P}s equal on all of the above are ordered by {measure}, {order}.")
            )
            previous = words.measure(ranking.keys[index - 1].name)
            text.append(equal.format(P=p.capitalize(), previous=previous, measure=measure, order=order))
    text.append(
        _("{a_p} with no value for a ranking measure is placed after those that have one.").format(
            a_p=capitalize_first(an(p))
        )
    )
    text.append(_tie_sentence(ranking, program, words))
    if ranking.top is not None:
        text.append(
            _("Only the top {n} ranks win prizes; a tie at the last rank keeps every tied {p}.").format(
                n=words.fmt.number(ranking.top), p=p
            )
        )
    return Item(
        f"ranking-{slug(ranking.name)}",
        capitalize_first(ranking.text.label or humanize(ranking.name)),
        tuple(text),
        ranking.text.description,
        ranking.text.notes,
    )


def capitalize_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _tie_sentence(ranking: ir.Ranking, program: ir.Program, words: Words) -> str:
    p, minor = words.participant, words.fmt.money(minor_unit(words.currency))
    unique = next((k for k in ranking.keys if _is_unique_key(k, program)), None)
    if unique is not None:
        # A case that cannot happen is not described: it only puzzles readers.
        return _("Tie-break: every {p} has a different {key}, so no two {p}s can share a rank.").format(
            p=p, key=words.measure(unique.name)
        )
    key = words.measure(_participant_key(program))
    policy = words.ties(ranking.name)
    if policy is TiePolicy.SPLIT and words.remainder(ranking.name) is Remainder.BY_KEY:
        text = _(
            "Tie-break: when {p}s are equal on every measure, they share the rank and split equally the prizes "
            "of the positions they occupy, each share rounded down to {minor}, and the {minor} units left over "
            "paid one each to them in order of their {key}."
        )
    elif policy is TiePolicy.SPLIT:
        text = _(
            "Tie-break: when {p}s are equal on every measure, they share the rank and split equally the prizes "
            "of the positions they occupy, rounded down to {minor} (what is left over is not paid)."
        )
    elif policy is TiePolicy.SAME:
        text = _(
            "Tie-break: when {p}s are equal on every measure, they share the rank and each receive the prize "
            "of that rank."
        )
    else:
        text = _("Tie-break: when {p}s are equal on every measure, they are ordered by {key}, A to Z.")
    return text.format(p=p, minor=minor, key=key)


def _participant_key(program: ir.Program) -> str:
    table = program.table(program.participant.table) if program.participant else None
    return table.key[0] if table is not None and table.key else "key"


# ---------------------------------------------------------------------- rewards


def rewards_section(program: ir.Program, words: Words) -> Section:
    p = words.participant
    items = [_reward_item(r, program, words) for r in program.rewards]
    minor = words.fmt.money(minor_unit(words.currency))
    intro = [_("Only qualifying {p}s receive rewards (see What participants must do).").format(p=p)] if items else []
    if not items:
        intro.append(_("The program defines no rewards."))
    else:
        intro.append(
            _(
                "Each amount is rounded to the nearest {minor} after its cap; an amount exactly halfway between two "
                "{minor} steps goes to the one ending in an even digit."
            ).format(minor=minor)
        )
    most = max_sentence(program, words)
    return Section("rewards", _("What can be earned"), tuple(intro), tuple(items), (most,) if most else ())


def _reward_item(reward: ir.Reward, program: ir.Program, words: Words) -> Item:
    sentences, table = kind_of(reward).describe(reward, program, words)
    title = capitalize_first(reward.text.label or humanize(reward.name))
    return Item(
        f"reward-{slug(reward.name)}", title, tuple(sentences), reward.text.description, reward.text.notes, table
    )


def pool_sentences(limits: ir.Limits, words: Words, what: str, order: str, pool_word: str | None = None) -> list[str]:
    """The budget (or pool cap) sentences; ``what``, ``order`` and ``pool_word`` arrive translated."""
    pool_word = _("a budget of") if pool_word is None else pool_word
    if limits.pool is None:
        return []
    fmt, p = words.fmt, words.participant
    minor = fmt.money(minor_unit(limits.pool.currency))
    # `budget: £50 per day`: the amount reads "£50 per day (British Time, Europe/London)".
    pool = fmt.money(limits.pool) + render_periods.budget_period_words(limits, words)
    out = [
        _("All {what} together are limited to {pool_word} {pool}.").format(what=what, pool_word=pool_word, pool=pool)
    ]
    if limits.pool_period is not None and limits.pool_period != render_periods.pay_unit_of(words):
        out += render_periods.budget_period_sentence(limits, words, what)
    else:
        out += render_periods.pool_words(words)  # issue 10, construct 6 (periods)
    if limits.pool_period is not None and limits.overflow == "first come":  # `budget: £50 per day`
        sentences = {
            "day": _(
                "If one day's {what} would add up to more, they are paid {order} until that day's budget runs out; "
                "the last one paid receives what is left, and later ones that day receive nothing."
            ),
            "week": _(
                "If one week's {what} would add up to more, they are paid {order} until that week's budget runs "
                "out; the last one paid receives what is left, and later ones that week receive nothing."
            ),
            "month": _(
                "If one month's {what} would add up to more, they are paid {order} until that month's budget runs "
                "out; the last one paid receives what is left, and later ones that month receive nothing."
            ),
        }
        out.append(sentences.get(limits.pool_period, sentences["month"]).format(what=what, order=order))
    elif limits.overflow == "first come":
        out.append(
            _(
                "If they would add up to more, they are paid {order} until the money runs out; the last one paid "
                "receives what is left, and later ones receive nothing."
            ).format(order=order)
        )
    else:
        out.append(
            _(
                "If they would add up to more, every one is scaled down by the same factor (the limit divided by the "
                "total), rounded down to {minor}; no {p} is favoured."
            ).format(minor=minor, p=p)
        )
    return out


def cap_sentence(limits: ir.Limits, words: Words, what: str) -> list[str]:
    if limits.per_participant is None:
        return []
    noun = limits.per_participant_noun or words.participant
    period = render_periods.cap_words(limits, words)  # issue 10, construct 6 (periods)
    # `period` (" per month", " in total over all months") is part of the sentence, so a
    # language can place it: "Der Betrag ist je Seller und je Monat auf 2.000 $ begrenzt."
    capped = _("The {what} is capped at {cap} per {noun}{period}.").format(
        what=what, cap=words.fmt.money(limits.per_participant), noun=i18n.noun(noun), period=period
    )
    return [capped]


def order_condition(filters: ir.Filters, table: str, words: Words) -> str:
    row = words.row_noun(table)
    parts = []
    if filters.window is not None:
        parts.append(_("the {row} falls within {window}").format(row=row, window=words.window_phrase(filters.window)))
    if filters.where is not None:
        parts.append(words.expr(filters.where, Subject.of(row)))
    return f" {_('and')} ".join(parts)


# ---------------------------------------------------------------- maximum payout


def max_parts(program: ir.Program, words: Words) -> list[tuple[str, Decimal]] | None:
    """The largest amount each reward can pay one participant, or ``None`` if one is unbounded."""
    parts: list[tuple[str, Decimal]] = []
    for reward in program.rewards:
        most = kind_of(reward).most_for_one(reward, words)
        if most is None:
            return None
        parts += most
    return parts


def max_sentence(program: ir.Program, words: Words) -> str | None:
    parts = max_parts(program, words)
    p = words.participant
    if parts is None:
        return _("There is no fixed maximum on what one {p} can receive.").format(p=p)
    if not parts:
        return None
    total = sum((amount for _label, amount in parts), Decimal(0))
    listed = "; ".join(label for label, _amount in parts)  # each part is worded by its reward kind
    return render_periods.max_sentence_template(program).format(p=p, total=words.fmt.money(total), parts=listed)


def facts(program: ir.Program, words: Words) -> list[Fact]:
    """At-a-glance rows: prize pool, top prize, budgets, the most one participant can get."""
    fmt = words.fmt
    out: list[Fact] = []
    for reward in program.rewards:
        out += kind_of(reward).facts(reward, words)
    parts = max_parts(program, words)
    if parts:
        total = sum((amount for _label, amount in parts), Decimal(0))
        out.append(Fact(render_periods.max_fact_label(program).format(p=words.participant), fmt.money(total)))
    return out
