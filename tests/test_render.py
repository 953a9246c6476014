"""Policy documents (`rulekit docs`): every value the document states is derived here
from the parsed IR and formatted independently of the renderer (plain f-strings,
``datetime`` fields, a separate business-day count), then looked up in the output."""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import holidays
import html5lib
import pytest
from typer.testing import CliRunner

from rulekit import ir
from rulekit.checker import check_file, check_source
from rulekit.cli import app
from rulekit.parser import parse
from rulekit.render import UnknownFormatError, UnknownLocaleError, render_document
from rulekit.render.formatting import Formatter
from rulekit.render.words import Subject, Words, humanize, negate

ROOT = Path(__file__).resolve().parent.parent
APOLLO = ROOT / "campaigns" / "apollo.rules"
UK = ROOT / "campaigns" / "uk_shop.rules"
LOCALES = ("en-US", "en-GB")
runner = CliRunner()


# ----------------------------------------------------------------- independent formatting


def program_of(source: str, path: str = "test.rules") -> ir.Program:
    result = parse(source, path)
    assert not result.diagnostics, result.diagnostics
    return result.program


def money(amount: Decimal, currency: str, locale: str) -> str:
    """$10,000 / US$10,000 / £4.99 — written out by hand, not with Babel."""
    symbol = {"USD": "$" if locale == "en-US" else "US$", "GBP": "£"}[currency]
    if amount == amount.to_integral_value():
        return f"{symbol}{int(amount):,}"
    return f"{symbol}{amount:,.2f}"


def long_date(day: dt.date, locale: str) -> str:
    if locale == "en-US":
        return f"{day:%B} {day.day}, {day.year}"
    return f"{day.day} {day:%B} {day.year}"


def percent(value: Decimal) -> str:
    return f"{value.normalize():f}%"


def hours(duration: ir.Duration) -> str:
    amount = int(duration.amount)
    return f"{amount} {duration.unit.value if amount != 1 else duration.unit.value[:-1]}"


def business_days_after(day: dt.date, count: int, country: str) -> tuple[dt.date, list[dt.date]]:
    """The count-th weekday after ``day`` that is not a public holiday, and the holidays passed."""
    calendar = holidays.country_holidays(country, years=range(day.year, day.year + 2))
    skipped: list[dt.date] = []
    while count:
        day += dt.timedelta(days=1)
        if day.weekday() >= 5:
            continue
        if day in calendar:
            skipped.append(day)
            continue
        count -= 1
    return day, skipped


def clause(program: ir.Program, name: str) -> ir.Clause:
    return next(c for c in program.clauses if c.name == name)


def reward(program: ir.Program, kind: type[ir.Prize | ir.Rebate | ir.Commission | ir.Subsidy]) -> object:
    return next(r for r in program.rewards if isinstance(r, kind))


@pytest.fixture(scope="module")
def apollo() -> ir.Program:
    return program_of(APOLLO.read_text(encoding="utf-8"), str(APOLLO))


@pytest.fixture(scope="module")
def uk() -> ir.Program:
    return program_of(UK.read_text(encoding="utf-8"), str(UK))


def flat(text: str) -> str:
    """Markdown with escapes removed and whitespace collapsed, for phrase lookups."""
    return re.sub(r"\s+", " ", re.sub(r"\\(.)", r"\1", text))


# ------------------------------------------------------------------------- Apollo


@pytest.mark.parametrize("locale", LOCALES)
def test_apollo_states_every_clause_with_its_numbers(apollo: ir.Program, locale: str) -> None:
    doc = flat(render_document(apollo, "md", locale))
    header = apollo.header
    assert header is not None and header.title and header.timezone
    assert header.title in doc
    assert header.text.description and header.text.description in doc
    for note in header.text.notes:
        assert note in doc
    assert header.timezone.replace("_", " ") in doc.replace("_", " ")

    # Who may take part: every string value of every eligibility clause, both ways.
    # The column `kind` is labelled "type" in the rule file; readers never see the name
    # (this assertion once pinned "kind is “agency”", a database name in prose).
    assert "type is “agency”" in doc and "type is not “agency”" in doc
    assert "program is “TikTok Shopping Partner”" in doc
    assert "region is “US”" in doc and "region is not “US”" in doc
    for c in apollo.clauses:
        for note in c.text.notes:
            assert note in doc

    # Window: dates from the IR, last day included.
    window = apollo.window("activity")
    assert isinstance(window, ir.AbsoluteWindow) and window.end_inclusive
    start, end = window.start.date, window.end.date
    assert f"from the start of {long_date(start, locale)} to the end of {long_date(end, locale)}" in doc
    assert f"the last day, {long_date(end, locale)}, is included" in doc
    assert f"It covers {(end - start).days + 1} days" in doc

    # Gate and warning thresholds with the quantifier.
    gate = clause(apollo, "live_hours").condition
    assert isinstance(gate, ir.Quantified) and isinstance(gate.body, ir.Compare)
    assert isinstance(gate.body.right, ir.Duration)
    assert f"every host's effective live time is more than {hours(gate.body.right)}" in doc
    assert f"Exactly {hours(gate.body.right)} is not enough" in doc
    warn = clause(apollo, "idle_streaming").condition
    assert isinstance(warn, ir.Quantified) and isinstance(warn.body, ir.Compare)
    assert isinstance(warn.body.right, ir.Duration)
    assert f"at least one host's idle live time is more than {hours(warn.body.right)}" in doc

    # Disqualification with its minimum sample.
    refund = clause(apollo, "high_refund_rate")
    assert isinstance(refund.condition, ir.Compare) and isinstance(refund.condition.right, ir.Percent)
    assert isinstance(refund.guard, ir.Compare) and isinstance(refund.guard.right, ir.Number)
    assert f"refund rate is more than {percent(refund.condition.right.value)}" in doc
    assert f"number of orders is at least {int(refund.guard.right.value)} (the minimum sample)" in doc
    assert "disqualified when the account is marked “click farming”" in doc


@pytest.mark.parametrize("locale", LOCALES)
def test_apollo_prizes_rebate_pool_and_tie_break(apollo: ir.Program, locale: str) -> None:
    doc = flat(render_document(apollo, "md", locale))
    prize = reward(apollo, ir.Prize)
    assert isinstance(prize, ir.Prize) and prize.limits.pool is not None
    for tier in prize.schedule:
        ranks = str(tier.first) if tier.first == tier.last else f"{tier.first} to {tier.last}"
        each = "" if tier.first == tier.last else " each"
        assert f"| {ranks} | {money(tier.amount.amount, 'USD', locale)}{each} |" in doc
    total = sum(t.amount.amount * (t.last - t.first + 1) for t in prize.schedule)  # 4000+2500+1500+2*1000
    assert f"add up to {money(total, 'USD', locale)}" in doc
    assert f"prize pool is capped at {money(prize.limits.pool.amount, 'USD', locale)}" in doc

    ranking = apollo.ranking("leaderboard")
    assert ranking is not None and ranking.top is not None
    assert f"Only the top {ranking.top} ranks win prizes" in doc
    assert "ranked by their number of unique product viewers, highest first" in doc
    assert "ordered by net GMV, highest first" in doc
    assert "ordered by account ID, A to Z" in doc
    assert "no two accounts can share a rank" in doc

    rebate = reward(apollo, ir.Rebate)
    assert isinstance(rebate, ir.Rebate) and rebate.rate is not None
    assert rebate.limits.per_participant is not None and rebate.limits.pool is not None
    assert f"rebate of {percent(rebate.rate.value)} of its net GMV" in doc
    assert f"capped at {money(rebate.limits.per_participant.amount, 'USD', locale)} per account" in doc
    assert f"budget of {money(rebate.limits.pool.amount, 'USD', locale)}" in doc
    # Most one account can get: the rank 1 prize plus the rebate cap.
    best = max(t.amount.amount for t in prize.schedule) + rebate.limits.per_participant.amount
    assert f"The most one account can receive is {money(best, 'USD', locale)}" in doc


@pytest.mark.parametrize("locale", LOCALES)
def test_apollo_due_date_from_the_us_calendar(apollo: ir.Program, locale: str) -> None:
    doc = flat(render_document(apollo, "md", locale))
    payout = apollo.payout
    assert payout is not None and payout.due is not None and payout.channel
    window = apollo.window(payout.due.after)
    assert isinstance(window, ir.AbsoluteWindow)
    due, skipped = business_days_after(window.end.date, payout.due.amount, "US")
    assert (
        f"{long_date(due, locale)}: the {payout.due.amount}th business day after {long_date(window.end.date, locale)}"
        in doc
    )
    assert f"paid via {payout.channel}" in doc
    if not skipped:
        assert "No public holiday fell between" in doc


@pytest.mark.parametrize("locale", LOCALES)
def test_apollo_worked_example_adds_prize_and_capped_rebate(apollo: ir.Program, locale: str) -> None:
    doc = flat(render_document(apollo, "md", locale))
    prize, rebate = reward(apollo, ir.Prize), reward(apollo, ir.Rebate)
    assert isinstance(prize, ir.Prize) and isinstance(rebate, ir.Rebate)
    assert rebate.rate is not None and rebate.limits.per_participant is not None
    symbol = re.escape(money(Decimal(1), "USD", locale)[:-1])
    pattern = rf"finishes at rank (\d+) with net GMV of {symbol}([\d,]+)"
    found = re.findall(pattern, doc)
    assert len(found) == 2, found
    capped = False
    for rank_text, base_text in found:
        rank, base = int(rank_text), Decimal(base_text.replace(",", ""))
        prize_amount = next((t.amount.amount for t in prize.schedule if t.first <= rank <= t.last), Decimal(0))
        raw = (base * rebate.rate.value / 100).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
        capped |= raw > rebate.limits.per_participant.amount
        paid = prize_amount + min(raw, rebate.limits.per_participant.amount)
        assert f"The account is paid {money(paid, 'USD', locale)} by bank transfer" in doc
    assert capped, "one example should show the rebate cap biting"


def test_apollo_dates_follow_the_locale(apollo: ir.Program) -> None:
    us, gb = render_document(apollo, "md", "en-US"), render_document(apollo, "md", "en-GB")
    assert "February 14, 2022" in us and "14 February 2022" not in us
    assert "14 February 2022" in gb and "February 14, 2022" not in gb
    assert "$10,000" in us and "US$10,000" in gb


# -------------------------------------------------------------------------------- UK


@pytest.mark.parametrize("locale", LOCALES)
def test_uk_states_commission_subsidy_and_caps(uk: ir.Program, locale: str) -> None:
    doc = flat(render_document(uk, "md", locale))
    commission, subsidy = reward(uk, ir.Commission), reward(uk, ir.Subsidy)
    assert isinstance(commission, ir.Commission) and commission.standard is not None
    assert isinstance(subsidy, ir.Subsidy) and subsidy.limits.per_order is not None
    assert subsidy.limits.max_orders is not None and subsidy.limits.pool is not None
    free = uk.window("free_period")
    assert isinstance(free, ir.RelativeWindow)
    # `joined_at` is labelled "joining time" (this once pinned “joined at” time).
    assert f"the first {int(free.length.amount)} days from its joining time" in doc
    assert f"the commission is {percent(commission.rate.value)} of the item total" in doc
    assert f"standard commission of {percent(commission.standard.value)}" in doc
    assert "the platform pays the full shipping fee" in doc
    assert f"at most {money(subsidy.limits.per_order.amount, 'GBP', locale)} per order" in doc
    assert f"first {subsidy.limits.max_orders} qualifying orders of each merchant" in doc
    assert f"budget of {money(subsidy.limits.pool.amount, 'GBP', locale)}" in doc
    assert "paid in the time order of the orders" in doc  # overflow: first come
    most = subsidy.limits.per_order.amount * subsidy.limits.max_orders  # 4.99 * 500
    assert f"The most one merchant can receive is {money(most, 'GBP', locale)}" in doc
    assert "merchant's region is “GB”" in doc
    offer = uk.window("offer_period")
    assert isinstance(offer, ir.AbsoluteWindow)
    assert f"to the end of {long_date(offer.end.date, locale)}" in doc
    for item in [*uk.clauses, *uk.windows, commission, subsidy]:
        for note in item.text.notes:
            assert note in doc
    assert "never warned or disqualified" in doc


@pytest.mark.parametrize("locale", LOCALES)
def test_uk_due_date_skips_the_june_2022_holidays(uk: ir.Program, locale: str) -> None:
    doc = flat(render_document(uk, "md", locale))
    payout = uk.payout
    assert payout is not None and payout.due is not None
    window = uk.window(payout.due.after)
    assert isinstance(window, ir.AbsoluteWindow)
    due, skipped = business_days_after(window.end.date, payout.due.amount, "GB")
    assert skipped, "the 2022 spring bank holiday and jubilee fall in the count"
    assert f"Payment is due on {due:%A}, {long_date(due, locale)}" in doc
    for day in skipped:
        assert f"({long_date(day, locale)})" in doc
    assert "Spring Bank Holiday" in doc


@pytest.mark.parametrize("locale", LOCALES)
def test_uk_worked_examples_inside_and_after_the_free_period(uk: ir.Program, locale: str) -> None:
    doc = flat(render_document(uk, "md", locale))
    commission, subsidy = reward(uk, ir.Commission), reward(uk, ir.Subsidy)
    assert isinstance(commission, ir.Commission) and commission.standard is not None
    assert isinstance(subsidy, ir.Subsidy) and subsidy.limits.per_order is not None
    free = uk.window("free_period")
    offer = uk.window("offer_period")
    assert isinstance(free, ir.RelativeWindow) and isinstance(offer, ir.AbsoluteWindow)
    # The example merchant joins at the start of the offer; 90 calendar days later its free period ends.
    free_end = offer.start.date + dt.timedelta(days=int(free.length.amount))
    midnight = "00:00" if locale == "en-GB" else "12:00 AM"
    assert f"runs until {midnight} on {long_date(free_end, locale)}" in doc
    pattern = r"receives an order on (.+?) with item total £([\d,.]+) and shipping fee £([\d,.]+)\."
    found = re.findall(pattern, doc)
    assert len(found) == 2
    outcomes = re.findall(r"On this order the merchant pays £([\d,.]+) commission and pays (.+?)\.(?: |$)", doc)
    for (placed_text, item_text, fee_text), (charge_text, shipping_text) in zip(found, outcomes, strict=True):
        placed = next(
            offer.start.date + dt.timedelta(days=n)
            for n in range(400)
            if long_date(offer.start.date + dt.timedelta(days=n), locale) == placed_text
        )
        item, fee = Decimal(item_text.replace(",", "")), Decimal(fee_text.replace(",", ""))
        rate = commission.rate if placed < free_end else commission.standard
        assert Decimal(charge_text) == (item * rate.value / 100).quantize(Decimal("0.01"))
        own = fee - min(fee, subsidy.limits.per_order.amount)
        assert shipping_text == ("none of the shipping fee" if own == 0 else f"£{own:.2f} of the shipping fee itself")


# ------------------------------------------------------------------ changes propagate


def _changed(path: Path, old: str, new: str) -> ir.Program:
    source = path.read_text(encoding="utf-8")
    assert old in source
    return program_of(source.replace(old, new, 1))


def test_changed_rank_1_prize_changes_the_document() -> None:
    program = _changed(APOLLO, "rank 1: $4,000", "rank 1: $4,750")
    doc = render_document(program, "md", "en-US")
    assert "| 1 | $4,750 |" in doc and "| 1 | $4,000 |" not in doc
    assert "| Top prize | $4,750 |" in doc
    # 4,750 + 2,500 + 1,500 + 2 * 1,000 = 10,750: over the $10,000 cap now.
    assert "add up to $10,750" in doc and "the table is more than the cap" in doc


def test_changed_window_end_moves_dates_and_due_date() -> None:
    program = _changed(APOLLO, "to 2022-02-27 inclusive", "to 2022-03-06 inclusive")
    doc = flat(render_document(program, "md", "en-GB"))
    assert "to the end of 6 March 2022" in doc
    due, _ = business_days_after(dt.date(2022, 3, 6), 20, "US")
    assert f"Payment is due on {due:%A}, {long_date(due, 'en-GB')}" in doc
    assert "It covers 21 days" in doc  # 14 February to 6 March inclusive


def test_changed_rebate_rate_changes_rate_and_examples() -> None:
    program = _changed(APOLLO, "2% of net_gmv", "4% of net_gmv")
    doc = flat(render_document(program, "md", "en-US"))
    assert "rebate of 4% of its net GMV" in doc and "rebate of 2%" not in doc
    # The cap bites at 2,000 / 4% = 50,000, so the capped example now uses a base of 75,000.
    assert "net GMV of $75,000" in doc and "4% of $75,000 is $3,000" in doc


def test_exclusive_end_and_other_expressions_render_generically() -> None:
    source = APOLLO.read_text(encoding="utf-8")
    source = source.replace("to 2022-02-27 inclusive", "to 2022-02-27 exclusive")
    source = source.replace('eligible us_account: region = "US"', 'eligible us_account: region in ("US", "CA")')
    source = source.replace(
        "gate live_hours: every host has effective_live_time > 14 hours",
        "gate live_hours: at least 2 hosts have effective_live_time >= 10 hours or not hosts_submitted",
    )
    doc = flat(render_document(program_of(source), "md", "en-US"))
    assert "until the start of February 27, 2022; February 27, 2022 itself is not included" in doc
    assert "region is one of “US” or “CA”" in doc and "region is not one of “US” or “CA”" in doc
    assert (
        "Required: at least 2 hosts meet the condition that the host's effective live time is at least 10 hours "
        "or the account is not marked “hosts submitted”."
    ) in doc
    assert (
        "Fails when fewer than 2 hosts meet the condition that the host's effective live time is at least 10 hours "
        "and the account is marked “hosts submitted”."
    ) in doc


# ---------------------------------------------------------------- words, directly


def test_words_negation_and_quantifiers() -> None:
    program = program_of(APOLLO.read_text(encoding="utf-8"))
    words = Words(program, Formatter("en-US"))
    subject = Subject.of("account")
    limit = ir.Compare(ir.CompareOp.LE, ir.NameRef("net_gmv"), ir.Money(Decimal("500.5"), "USD"))
    assert words.expr(limit, subject) == "the account's net GMV is at most $500.50"
    assert words.expr(negate(limit), subject) == "the account's net GMV is more than $500.50"
    nobody = ir.Quantified(
        ir.Quantifier.NO, "host", ir.Compare(ir.CompareOp.EQ, ir.NameRef("idle_live_time"), ir.Number(Decimal(0)))
    )
    assert words.expr(nobody, subject) == "no host's idle live time is 0"
    either = ir.BoolOp(
        ir.BoolOperator.OR,
        (
            ir.NameRef("click_farming_flag"),
            ir.Compare(ir.CompareOp.LT, ir.NameRef("order_count"), ir.Number(Decimal(3))),
        ),
    )
    assert words.expr(ir.Not(either), subject) == (
        "the account is not marked “click farming” and the account's number of orders is at least 3"
    )


# ---------------------------------------------------------------------------- HTML


@pytest.mark.parametrize("path", [APOLLO, UK])
@pytest.mark.parametrize("locale", LOCALES)
def test_html_is_valid_standalone_html5_with_toc(path: Path, locale: str) -> None:
    program = program_of(path.read_text(encoding="utf-8"))
    page = render_document(program, "html", locale)
    html5lib.HTMLParser(strict=True).parse(page)  # raises on any parse error
    assert page.startswith("<!DOCTYPE html>") and f'<html lang="{locale}">' in page
    assert "<style>" in page and "@media print" in page
    assert "<link" not in page and "<script" not in page  # nothing external
    ids = set(re.findall(r'id="([^"]+)"', page))
    links = re.findall(r'href="#([^"]+)"', page)
    assert links and set(links) <= ids  # every table-of-contents link has a target


def test_html_escapes_rule_file_text() -> None:
    source = APOLLO.read_text(encoding="utf-8").replace(
        'note: "The target market is the US;', 'note: "<script>alert(1)</script> & <b>US</b>;'
    )
    page = render_document(program_of(source), "html", "en-US")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;US&lt;/b&gt;" in page
    html5lib.HTMLParser(strict=True).parse(page)


def test_markdown_escapes_rule_file_text() -> None:
    source = APOLLO.read_text(encoding="utf-8").replace(
        'note: "The target market is the US;', 'note: "*Only* the _US_ [market] <here>;'
    )
    doc = render_document(program_of(source), "md", "en-US")
    assert r"\*Only\* the \_US\_ \[market\] \<here\>;" in doc


def test_output_is_deterministic(apollo: ir.Program) -> None:
    first = render_document(apollo, "html", "en-US")
    assert first == render_document(apollo, "html", "en-US")
    assert str(dt.date.today().year) not in first


# ----------------------------------------------------------------------- templates


def test_override_folder_replaces_a_template_by_name(apollo: ir.Program, tmp_path: Path) -> None:
    (tmp_path / "document.md.j2").write_text("Custom: {{ doc.title }} ({{ doc.facts|length }} facts)\n")
    assert render_document(apollo, "md", "en-US", tmp_path) == "Custom: Apollo US Live Shopping Incentive (9 facts)\n"
    # Templates the folder does not override still come from the package.
    assert render_document(apollo, "html", "en-US", tmp_path).startswith("<!DOCTYPE html>")


def test_override_stylesheet_only(apollo: ir.Program, tmp_path: Path) -> None:
    (tmp_path / "document.css").write_text("body { color: rebeccapurple; }\n")
    page = render_document(apollo, "html", "en-US", tmp_path)
    assert "rebeccapurple" in page and "@media print" not in page


def test_unknown_format_and_locale_raise(apollo: ir.Program) -> None:
    with pytest.raises(UnknownFormatError):
        render_document(apollo, "pdf", "en-US")
    with pytest.raises(UnknownLocaleError):
        render_document(apollo, "md", "fr-FR")


# ---------------------------------------------------------------------------- CLI


def test_cli_writes_the_document(tmp_path: Path) -> None:
    target = tmp_path / "uk.html"
    result = runner.invoke(app, ["docs", str(UK), "--format", "html", "--locale", "en-GB", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") == render_document(program_of(UK.read_text()), "html", "en-GB")


def test_cli_template_override(tmp_path: Path) -> None:
    (tmp_path / "document.md.j2").write_text("{{ doc.name }}\n")
    result = runner.invoke(app, ["docs", str(APOLLO), "--templates", str(tmp_path)])
    assert result.exit_code == 0 and result.stdout == "apollo\n"


@pytest.mark.parametrize(
    "args",
    [
        ["--locale", "fr-FR"],
        ["--format", "pdf"],
        ["--templates", "/no/such/folder"],
    ],
)
def test_cli_usage_errors_exit_2(args: list[str]) -> None:
    result = runner.invoke(app, ["docs", str(APOLLO), *args])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output


def test_cli_broken_rule_file_prints_diagnostics_exit_1(tmp_path: Path) -> None:
    broken = tmp_path / "broken.rules"
    broken.write_text(APOLLO.read_text(encoding="utf-8").replace("in product_views", "in product_view"))
    result = runner.invoke(app, ["docs", str(broken)])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert "error[" in result.stderr and "product_view" in result.stderr and "^" in result.stderr
    assert result.stdout == ""


def test_cli_broken_override_template_exit_1(tmp_path: Path) -> None:
    (tmp_path / "document.md.j2").write_text("{% for x in %}\n")
    result = runner.invoke(app, ["docs", str(APOLLO), "--templates", str(tmp_path)])
    assert result.exit_code == 1
    assert "template error" in result.stderr and "document.md.j2:1" in result.stderr


# ------------------------------------------------------------------ other programs


@pytest.mark.parametrize(
    ("mode", "low_rebate"),
    [
        # marginal: 10,000 x 1% + (50,000 - 10,000) x 2% = 100 + 800 = 900
        ("marginal", "$900"),
        # whole-tier: 50,000 reaches the 2% bracket, so 50,000 x 2% = 1,000
        ("whole-tier", "$1,000"),
    ],
)
def test_bracket_rebates_render_and_compute(mode: str, low_rebate: str) -> None:
    source = APOLLO.read_text(encoding="utf-8")
    old = next(line for line in source.splitlines() if line.startswith("rebate gmv_rebate:"))
    program = program_of(
        source.replace(old, f"rebate gmv_rebate: {mode} brackets of net_gmv\n  from $0: 1%\n  from $10,000: 2%")
    )
    doc = flat(render_document(program, "md", "en-US"))
    assert "| Net GMV from | Rate |" in doc and "| $0 | 1% |" in doc and "| $10,000 | 2% |" in doc
    # The example bases: the cap ($2,000) bites at 2,000 / 2% = 100,000; 1.5x and 0.5x of it.
    assert "finishes at rank 6 with net GMV of $50,000" in doc
    assert f"The account is paid {low_rebate} by bank transfer" in doc
    # rank 2: $2,500 prize + the capped $2,000 rebate
    assert "The account is paid $4,500 by bank transfer" in doc


def test_every_fixture_program_renders_without_crashing() -> None:
    """Programs with errors are never rendered by the CLI, but the renderer must not crash on odd IR either."""
    fixtures = sorted((ROOT / "tests" / "fixtures").rglob("*.rules"))
    assert fixtures
    for path in fixtures:
        program = parse(path.read_text(encoding="utf-8", errors="replace"), str(path)).program
        if _beyond_limits(program):
            # Values beyond the RK8xx limits (a year-9999 window, a 28-digit amount) are refused
            # before any stage runs, by the checker, `load` and every command (tests/test_limits.py).
            continue
        render_document(program, "md", "en-GB")
        html5lib.HTMLParser(strict=True).parse(render_document(program, "html", "en-US"))


# ------------------------------------------------------- reader-facing column names


def _prose(name: str) -> str:
    """A campaign's Markdown document, as a reader gets it."""
    report = check_file(str(ROOT / "campaigns" / f"{name}.rules"))
    assert report.ok
    return render_document(report.program, "md", "en-US")


@pytest.mark.parametrize("name", ["apollo", "uk_shop"])
def test_no_database_column_name_reaches_the_prose(name: str) -> None:
    program = check_file(str(ROOT / "campaigns" / f"{name}.rules")).program
    text = _prose(name)
    for table in program.tables:
        for column in table.columns:
            assert column.label, f"{table.name}.{column.name} has no reader-facing label"
            if column.name != column.label and ("_" in column.name or len(column.name) <= 3):
                # `ts`, `start_ts`, `gmv`: a database-looking name never appears as a word.
                assert not re.search(rf"(?<![\w-]){re.escape(column.name)}(?![\w-])", text), column.name
            spoken = humanize(column.name)
            if spoken.lower() not in column.label.lower():
                # "start ts", "joined at": nor does the name merely spelt out.
                assert not re.search(rf"(?<![\w-]){re.escape(spoken)}(?![\w-])", text), (column.name, spoken)


def test_a_column_label_replaces_the_name_in_every_sentence() -> None:
    source = (ROOT / "campaigns" / "uk_shop.rules").read_text(encoding="utf-8")
    unlabelled = source.replace('created_at: timestamp "order time"', "created_at: timestamp")
    program = check_source(unlabelled, "uk.rules").program
    text = render_document(program, "md", "en-GB")
    # Without a label the name is spelt out in quotes: "(by their “created at” time)".
    assert "(by their “created at” time)" in text and "(by their order time)" not in text
    assert "(by their order time)" in _prose("uk_shop")


def test_documents_leave_out_what_does_not_apply() -> None:
    apollo, uk = _prose("apollo"), _prose("uk_shop")
    # Apollo has no commission, so its payment section does not mention commissions.
    assert "commission" not in apollo.lower()
    assert "commissions are charges reported beside it" in uk
    # Apollo ranks by account ID last, so a full tie cannot happen: no paragraph about one.
    assert "so no two accounts can share a rank." in apollo and "Were two accounts" not in apollo
    # Rounding in plain words, no jargon.
    assert "half to even" not in apollo and "goes to the one ending in an even digit" in apollo


def _beyond_limits(program: ir.Program) -> bool:
    from rulekit.checks.context import Context
    from rulekit.checks.limits import check_limits

    ctx = Context(program)
    check_limits(ctx)
    return any(d.is_error for d in ctx.diagnostics)


def test_the_glossary_lists_the_rule_files_terms_and_the_documents_own() -> None:
    apollo, uk = _prose("apollo"), _prose("uk_shop")
    glossary = apollo[apollo.index("## 9. Glossary") : apollo.index("## 10. Worked examples")]
    # Apollo's rule file defines GMV; its payout counts US business days.
    assert "### GMV" in glossary and "gross merchandise value" in glossary
    assert "### business day" in glossary and "not a public holiday in the US calendar" in glossary
    assert "### commission" in uk and "not a public holiday in the GB calendar" in uk
    # A program with no terms and no business-day due date has no glossary at all.
    source = (ROOT / "campaigns" / "uk_shop.rules").read_text(encoding="utf-8")
    plain = re.sub(r'  term "[^"]+": "[^"]+"\n', "", source).replace("10 business days after", "10 days after")
    assert "Glossary" not in render_document(check_source(plain, "uk.rules").program, "md", "en-GB")


def test_each_milestone_reward_is_named_with_its_own_budget() -> None:
    # streak_challenge has two milestone rewards, each with its own budget ($20,000 and
    # $10,000) and best tier ($120 and $80): neither may read as a budget of all milestones.
    program = check_file("campaigns/streak_challenge.rules").program
    doc = render_document(program, "md", "en-US")
    assert "All milestone rewards together" not in doc
    assert doc.count("All payments of this reward together are limited to a budget of") == 2
    assert "$200: at most $120 from the badge bonus; at most $80 from the streak prize." in doc


def test_a_reader_is_told_about_the_program_not_a_rule_file_and_a_count_bonus_reads_per_thing() -> None:
    # listing_bonus pays $5 a qualifying listing (a count) and has no warning or
    # disqualification rules; the reader never sees the rule file.
    doc = render_document(check_file("campaigns/listing_bonus.rules").program, "md", "en-US")
    assert "Each qualifying seller earns $5 for each of its qualifying new listings." in doc
    assert "The program has no warning or disqualification rules: a seller is never warned or disqualified." in doc
    assert "The rule file" not in doc  # only the provenance line names it, in lower case
