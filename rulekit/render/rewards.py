"""Ranking and reward sections: how winners are chosen and what can be earned.

Also the few amounts the document computes from the rule file's numbers (the prize
of a rank, a rebate on a base, the most one participant can receive); they follow
``docs/semantics.md`` and are used by the worked examples.
"""

from __future__ import annotations

from decimal import Decimal

from rulekit import ir
from rulekit.money import minor_unit, round_money
from rulekit.render.model import Fact, Item, Section, Table
from rulekit.render.words import Subject, Words, an, humanize, slug

# --------------------------------------------------------------------- arithmetic


def prize_for_rank(prize: ir.Prize, rank: int) -> Decimal:
    """The scheduled prize of one position (0 when the schedule has no such rank)."""
    return next((t.amount.amount for t in prize.schedule if t.first <= rank <= t.last), Decimal(0))


def schedule_total(prize: ir.Prize) -> Decimal:
    return sum((t.amount.amount * (t.last - t.first + 1) for t in prize.schedule), Decimal(0))


def rebate_amount(rebate: ir.Rebate, base: Decimal, currency: str) -> Decimal:
    """The rebate on ``base`` before the per-participant cap, rounded half-even."""
    if base <= 0:
        return Decimal(0)
    if rebate.rate is not None:
        return round_money(base * rebate.rate.fraction, currency)
    brackets = sorted(rebate.brackets, key=lambda b: b.threshold.amount)
    reached = [b for b in brackets if base >= b.threshold.amount]
    if not reached:
        return Decimal(0)
    if rebate.mode is ir.BracketMode.WHOLE_TIER:
        return round_money(base * reached[-1].rate.fraction, currency)
    total = Decimal(0)
    for index, bracket in enumerate(brackets):
        upper = brackets[index + 1].threshold.amount if index + 1 < len(brackets) else base
        slice_ = min(base, upper) - bracket.threshold.amount
        if slice_ > 0:
            total += slice_ * bracket.rate.fraction
    return round_money(total, currency)


def currency_of(program: ir.Program) -> str:
    return program.header.currency if program.header is not None and program.header.currency else "USD"


# --------------------------------------------------------------------- ranking


def _key_order(key: ir.RankKey, program: ir.Program) -> str:
    participant_table = program.table(program.participant.table) if program.participant else None
    column = participant_table.column(key.name) if participant_table is not None else None
    textual = column is not None and column.type is ir.ColumnType.STRING
    if key.direction is ir.Direction.DESCENDING:
        return "Z to A" if textual else "highest first"
    return "A to Z" if textual else "lowest first"


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
    return Section("ranking", "How winners are chosen", (), tuple(items))


def _ranking_item(ranking: ir.Ranking, program: ir.Program, words: Words) -> Item:
    p = words.participant
    text = []
    for index, key in enumerate(ranking.keys):
        measure = words.measure(key.name)
        if index == 0:
            text.append(f"Qualifying {p}s are ranked by their {measure}, {_key_order(key, program)}.")
        else:
            previous = words.measure(ranking.keys[index - 1].name) if index == 1 else "all of the above"
            text.append(f"{p.capitalize()}s equal on {previous} are ordered by {measure}, {_key_order(key, program)}.")
    text.append(f"{capitalize_first(an(p))} with no value for a ranking measure is placed after those that have one.")
    text.append(_tie_sentence(ranking, program, words))
    if ranking.top is not None:
        text.append(
            f"Only the top {words.fmt.number(ranking.top)} ranks win prizes; "
            f"a tie at the last rank keeps every tied {p}."
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
    p, minor = words.participant, words.fmt.money(minor_unit(currency_of(program)))
    unique = next((k for k in ranking.keys if _is_unique_key(k, program)), None)
    policy = {
        "split": "they would share the rank and split equally the prizes of the positions they occupy, "
        f"rounded down to {minor}",
        "same": "they would share the rank and each receive the prize of that rank",
    }.get(ranking.shared_ranks or "", f"they would be ordered by {words.measure(_participant_key(program))}, A to Z")
    if unique is not None:
        # A case that cannot happen is not described: it only puzzles readers.
        return f"Tie-break: every {p} has a different {words.measure(unique.name)}, so no two {p}s can share a rank."
    present = policy.replace("would be", "are").replace("would ", "")
    return f"Tie-break: when {p}s are equal on every measure, {present}."


def _participant_key(program: ir.Program) -> str:
    table = program.table(program.participant.table) if program.participant else None
    return table.key[0] if table is not None and table.key else "key"


# ---------------------------------------------------------------------- rewards


def rewards_section(program: ir.Program, words: Words) -> Section:
    p = words.participant
    items = [_reward_item(r, program, words) for r in program.rewards]
    minor = words.fmt.money(minor_unit(currency_of(program)))
    intro = [f"Only qualifying {p}s receive rewards (see What participants must do)."] if items else []
    if not items:
        intro.append("The rule file defines no rewards.")
    else:
        intro.append(
            f"Each amount is rounded to the nearest {minor} after its cap; an amount exactly halfway between two "
            f"{minor} steps goes to the one ending in an even digit."
        )
    most = max_sentence(program, words)
    return Section("rewards", "What can be earned", tuple(intro), tuple(items), (most,) if most else ())


def _reward_item(reward: ir.Reward, program: ir.Program, words: Words) -> Item:
    builders = {
        ir.Prize: _prize_text,
        ir.Rebate: _rebate_text,
        ir.Commission: _commission_text,
        ir.Subsidy: _subsidy_text,
        ir.Bonus: _bonus_text,
        ir.Milestone: _milestone_text,
    }
    sentences, table = builders[type(reward)](reward, program, words)  # type: ignore[operator]
    title = capitalize_first(reward.text.label or humanize(reward.name))
    return Item(
        f"reward-{slug(reward.name)}", title, tuple(sentences), reward.text.description, reward.text.notes, table
    )


def _pool_sentences(
    limits: ir.Limits, words: Words, what: str, order: str, pool_word: str = "a budget of"
) -> list[str]:
    if limits.pool is None:
        return []
    fmt, p = words.fmt, words.participant
    minor = fmt.money(minor_unit(limits.pool.currency))
    out = [f"All {what} together are limited to {pool_word} {fmt.money(limits.pool)}."]
    if limits.overflow == "first come":
        out.append(
            f"If they would add up to more, they are paid {order} until the money runs out; the last one paid "
            "receives what is left, and later ones receive nothing."
        )
    else:
        out.append(
            f"If they would add up to more, every one is scaled down by the same factor (the limit divided by the "
            f"total), rounded down to {minor}; no {p} is favoured."
        )
    return out


def _cap_sentence(limits: ir.Limits, words: Words, what: str) -> list[str]:
    if limits.per_participant is None:
        return []
    noun = limits.per_participant_noun or words.participant
    return [f"The {what} is capped at {words.fmt.money(limits.per_participant)} per {noun}."]


def _prize_text(prize: ir.Prize, program: ir.Program, words: Words) -> tuple[list[str], Table | None]:
    fmt, p = words.fmt, words.participant
    rows = tuple(
        (
            fmt.number(t.first) if t.first == t.last else f"{fmt.number(t.first)} to {fmt.number(t.last)}",
            fmt.money(t.amount) + ("" if t.first == t.last else " each"),
        )
        for t in prize.schedule
    )
    ranking = words.program.ranking(prize.ranking)
    name = (
        (ranking.text.label if ranking and ranking.text.label else humanize(prize.ranking))
        if ranking
        else prize.ranking
    )
    text = [f"Cash prizes are paid by rank in the {name} ranking (see How winners are chosen)."]
    total = schedule_total(prize)
    text.append(f"The prizes in the table add up to {fmt.money(total)}.")
    if prize.limits.pool is not None:
        within = "within" if total <= prize.limits.pool.amount else "more than"
        text.append(f"The prize pool is capped at {fmt.money(prize.limits.pool)}; the table is {within} the cap.")
        text.extend(_pool_sentences(prize.limits, words, "prizes", "in rank order", "a pool cap of")[1:])
    text.extend(_cap_sentence(prize.limits, words, "prize"))
    return text, Table(("Rank", f"Prize per {p}"), rows)


def _rebate_text(rebate: ir.Rebate, program: ir.Program, words: Words) -> tuple[list[str], Table | None]:
    fmt, p = words.fmt, words.participant
    base = words.measure(rebate.base)
    table = None
    if rebate.rate is not None:
        text = [f"Each qualifying {p} receives a rebate of {fmt.percent(rebate.rate)} of its {base}."]
    else:
        rows = tuple((fmt.money(b.threshold), fmt.percent(b.rate)) for b in rebate.brackets)
        table = Table((f"{capitalize_first(base)} from", "Rate"), rows)
        if rebate.mode is ir.BracketMode.WHOLE_TIER:
            text = [
                f"Each qualifying {p} receives a rebate on its whole {base} "
                "at the rate of the highest bracket it reaches."
            ]
        else:
            text = [
                f"Each qualifying {p} receives a rebate on its {base}: each slice of {base} between one bracket's "
                "threshold and the next earns that bracket's rate."
            ]
    text.append(f"{capitalize_first(an(base))} of zero or less earns nothing.")
    text.extend(_cap_sentence(rebate.limits, words, "rebate"))
    text.extend(_pool_sentences(rebate.limits, words, "rebates", f"in order of {p}"))
    return text, table


def _bonus_text(bonus: ir.Bonus, program: ir.Program, words: Words) -> tuple[list[str], Table | None]:
    p = words.participant
    text = [
        f"Each qualifying {p} earns {words.fmt.money(bonus.unit_amount)} "
        f"for each unit of its {words.measure(bonus.metric)}."
    ]
    text.extend(_cap_sentence(bonus.limits, words, "bonus"))
    text.extend(_pool_sentences(bonus.limits, words, "bonuses", f"in order of {p}"))
    return text, None


def _milestone_text(milestone: ir.Milestone, program: ir.Program, words: Words) -> tuple[list[str], Table | None]:
    p, measure = words.participant, words.measure(milestone.metric)
    rows = tuple((humanize(t.name), words.value(t.threshold), words.fmt.money(t.amount)) for t in milestone.tiers)
    how = "only the highest tier reached is paid" if milestone.mode == "highest" else "every tier reached is paid"
    text = [f"A qualifying {p} reaches a tier when its {measure} is at least the tier's threshold; {how}."]
    text.extend(_cap_sentence(milestone.limits, words, "milestone reward"))
    text.extend(_pool_sentences(milestone.limits, words, "milestone rewards", f"in order of {p}"))
    return text, Table(("Tier", f"{capitalize_first(measure)} at least", "Reward"), rows) if rows else None


def _order_condition(filters: ir.Filters, table: str, words: Words) -> str:
    row = words.row_noun(table)
    parts = []
    if filters.window is not None:
        parts.append(f"the {row} falls within {words.window_phrase(filters.window)}")
    if filters.where is not None:
        parts.append(words.expr(filters.where, Subject.of(row)))
    return " and ".join(parts)


def _commission_text(commission: ir.Commission, program: ir.Program, words: Words) -> tuple[list[str], Table | None]:
    fmt, p, row = words.fmt, words.participant, words.row_noun(commission.table)
    column = words.column_words(commission.column, commission.table)
    condition = _order_condition(commission.filters, commission.table, words)
    when = f", if {condition}," if condition else ""
    text = [
        f"On each {row} of {an(p)} that may take part{when} "
        f"the commission is {fmt.percent(commission.rate)} of the {column}."
    ]
    if commission.standard is not None:
        text.append(
            f"On every other {row} the standard commission of {fmt.percent(commission.standard)} "
            f"of the {column} applies."
        )
    text.append(f"Commission is a charge on the {p}, not a reward.")
    return text, None


def _subsidy_text(subsidy: ir.Subsidy, program: ir.Program, words: Words) -> tuple[list[str], Table | None]:
    fmt, p = words.fmt, words.participant
    row, rows = words.row_noun(subsidy.table), words.rows_noun(subsidy.table)
    column = words.column_words(subsidy.column, subsidy.table)
    condition = _order_condition(subsidy.filters, subsidy.table, words)
    when = f", if {condition}," if condition else ""
    if subsidy.kind is ir.SubsidyKind.FULL:
        pays = f"the full {column}"
    elif isinstance(subsidy.amount, ir.Percent):
        pays = f"{fmt.percent(subsidy.amount)} of the {column}"
    else:
        fixed = fmt.money(subsidy.amount) if isinstance(subsidy.amount, ir.Money) else "a fixed amount"
        pays = f"{fixed} towards the {column}"
    text = [f"On each {row} of a qualifying {p}{when} the platform pays {pays}."]
    limits = subsidy.limits
    if limits.per_order is not None:
        text.append(
            f"It pays at most {fmt.money(limits.per_order)} per {row}, and never more than the {column} itself."
        )
    else:
        text.append(f"It never pays more than the {column} itself.")
    if limits.max_orders is not None:
        noun = limits.max_orders_noun or p
        text.append(
            f"Only the first {fmt.number(limits.max_orders)} qualifying {rows} of each {noun} are covered, "
            "taken in time order."
        )
    text.extend(_pool_sentences(limits, words, "payments", f"in the time order of the {rows}"))
    return text, None


# ---------------------------------------------------------------- maximum payout


def max_parts(program: ir.Program, words: Words) -> list[tuple[str, Decimal]] | None:
    """The largest amount each reward can pay one participant, or ``None`` if one is unbounded."""
    fmt = words.fmt
    parts: list[tuple[str, Decimal]] = []
    for reward in program.rewards:
        cap = (
            reward.limits.per_participant.amount
            if not isinstance(reward, ir.Commission) and reward.limits.per_participant
            else None
        )
        match reward:
            case ir.Prize():
                top = max((t.amount.amount for t in reward.schedule), default=Decimal(0))
                amount = min(top, cap) if cap is not None else top
                parts.append((f"the largest prize, {fmt.money(amount)}", amount))
            case ir.Rebate() | ir.Bonus():
                if cap is None:
                    return None
                parts.append((f"{an(humanize(reward.name))} of at most {fmt.money(cap)}", cap))
            case ir.Milestone():
                tiers = [t.amount.amount for t in reward.tiers]
                best = max(tiers, default=Decimal(0)) if reward.mode == "highest" else sum(tiers, Decimal(0))
                best = min(best, cap) if cap is not None else best
                parts.append((f"milestone rewards of at most {fmt.money(best)}", best))
            case ir.Subsidy():
                per = reward.limits.per_order or (reward.amount if isinstance(reward.amount, ir.Money) else None)
                if per is None or reward.limits.max_orders is None:
                    return None
                total = per.amount * reward.limits.max_orders
                parts.append(
                    (
                        f"at most {fmt.money(per)} on each of at most "
                        f"{fmt.number(reward.limits.max_orders)} {words.rows_noun(reward.table)}",
                        total,
                    )
                )
    return parts


def max_sentence(program: ir.Program, words: Words) -> str | None:
    parts = max_parts(program, words)
    p = words.participant
    if parts is None:
        return f"There is no fixed maximum on what one {p} can receive."
    if not parts:
        return None
    total = sum((a for _, a in parts), Decimal(0))
    listed = "; ".join(label for label, _ in parts)
    return f"The most one {p} can receive is {words.fmt.money(total)}: {listed}."


def facts(program: ir.Program, words: Words) -> list[Fact]:
    """At-a-glance rows: prize pool, top prize, budgets, the most one participant can get."""
    fmt = words.fmt
    out: list[Fact] = []
    for reward in program.rewards:
        if isinstance(reward, ir.Prize):
            top = max(reward.schedule, key=lambda t: t.amount.amount, default=None)
            if top is not None:
                out.append(Fact("Top prize", fmt.money(top.amount)))
            if reward.limits.pool is not None:
                out.append(Fact("Prize pool", fmt.money(reward.limits.pool)))
        elif not isinstance(reward, ir.Commission) and reward.limits.pool is not None:
            out.append(Fact(f"{capitalize_first(humanize(reward.name))} budget", fmt.money(reward.limits.pool)))
    parts = max_parts(program, words)
    if parts:
        out.append(Fact(f"Maximum per {words.participant}", fmt.money(sum((a for _, a in parts), Decimal(0)))))
    return out
