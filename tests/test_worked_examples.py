"""Worked examples: one for every rule that changes money, with numbers that are right.

The numbers in the documents come from the engine (``rulekit.render.cases``); each test
here reads them back from the rendered text and recomputes them by hand from the rule
file's parameters, written out below (2% rebate capped at $2,000 with a $50,000 budget,
prize $2,500 at rank 2, more than 14 hours per host, refund rate over 30% judged from 20
orders; £4.99 per order, 500 orders, a £250,000 budget paid first come).
"""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pytest

from rulekit import ir
from rulekit.checker import check_file, check_source
from rulekit.render import render_document

ROOT = Path(__file__).resolve().parent.parent
CENT = Decimal("0.01")


def _document(name: str, locale: str) -> str:
    report = check_file(str(ROOT / "campaigns" / f"{name}.rules"))
    assert report.ok
    return render_document(report.program, "md", locale)


def _examples(document: str) -> dict[str, str]:
    """Each worked example's text by its title."""
    part = document[document.index("Worked examples\n") :]
    blocks = re.split(r"^### Example: ", part, flags=re.M)[1:]
    return {block.split("\n", 1)[0]: block.split("\n---\n")[0] for block in blocks}


N = r"[\d,]+(?:\.\d+)?"  # an amount as the documents write it: 1,234.5


def _find(pattern: str, text: str) -> Decimal:
    """The amount in the first group of ``pattern``; the pattern must be found."""
    found = re.search(pattern, text)
    assert found is not None, pattern
    return _money(found.group(1))


def _money(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def _rebate(net_gmv: Decimal) -> Decimal:
    """Apollo: 2% of net GMV, rounded half-even to the cent, at most $2,000."""
    return min((net_gmv * Decimal("0.02")).quantize(CENT, ROUND_HALF_EVEN), Decimal(2000))


@pytest.fixture(scope="module")
def apollo() -> dict[str, str]:
    return _examples(_document("apollo", "en-US"))


@pytest.fixture(scope="module")
def uk() -> dict[str, str]:
    return _examples(_document("uk_shop", "en-GB"))


def test_apollo_has_an_example_for_every_rule_that_changes_money(apollo: dict[str, str]) -> None:
    # prize + capped rebate, prize outside the ranks, the gate, both disqualifications, the budget.
    for title in (
        "An account at rank 2",
        "An account at rank 6",
        "Live hours not met",
        "Click farming: disqualified",
        "High refund rate, below and at the minimum sample",
        "GMV rebate over its budget",
    ):
        assert title in apollo, sorted(apollo)
    for title, text in apollo.items():
        assert "What could change this:" in text, title


def test_apollo_gate_example_one_host_short_gets_nothing(apollo: dict[str, str]) -> None:
    text = " ".join(apollo["Live hours not met"].split())
    hours = [Decimal(h) for h in re.findall(r"host \d's effective live time is ([\d.]+) hours", text, re.I)]
    assert len(hours) == 2
    assert hours[0] > 14 and hours[1] <= 14  # one host meets "more than 14 hours", the other does not
    assert "The account is not ranked and receives nothing: $0." in text
    base = _find(r"with net GMV of \$([\d,]+)", text)
    fixed = re.search(rf"host 2's effective live time were ([\d.]+) hours.*?would be paid \$({N})", text)
    assert fixed is not None and Decimal(fixed.group(1)) > 14
    assert _money(fixed.group(2)) == _rebate(base)


def test_apollo_minimum_sample_example(apollo: dict[str, str]) -> None:
    text = " ".join(apollo["High refund rate, below and at the minimum sample"].split())
    counts = re.findall(r"number of refunded orders is (\d+) and its number of orders is (\d+)", text)
    assert len(counts) == 2
    (below_refunded, below_orders), (at_refunded, at_orders) = ((int(a), int(b)) for a, b in counts)
    assert below_orders < 20 <= at_orders  # judged only from 20 orders
    assert Decimal(below_refunded) / below_orders > Decimal("0.3")  # would trigger, but not judged
    assert Decimal(at_refunded) / at_orders > Decimal("0.3")  # judged and over 30%
    base = _find(r"with net GMV of \$([\d,]+)", text)
    paid = _find(rf"still qualifies: it is paid \$({N})", text)
    assert paid == _rebate(base)
    assert "the account is disqualified" in text and "receives nothing: $0." in text


def test_apollo_budget_example_scales_with_the_arithmetic_shown(apollo: dict[str, str]) -> None:
    text = " ".join(apollo["GMV rebate over its budget"].split())
    found = re.search(rf"comes to \$({N}) before the budget, with net GMV of \$([\d,]+)", text)
    assert found is not None
    amount, base = _money(found.group(1)), _money(found.group(2))
    assert amount == _rebate(base) == Decimal(2000)  # the capped rebate
    total = _find(rf"add up to \$({N}), more than the budget of \$50,000", text)
    assert total > 50_000
    factor = Decimal(50_000) / total
    share = (amount * factor).quantize(CENT, ROUND_DOWN)
    assert f"= {factor.normalize()}:" in text
    result = re.search(rf"GMV rebate is \$({N}) instead of \$({N})", text)
    assert result is not None and _money(result.group(1)) == share and _money(result.group(2)) == amount


def test_apollo_ranked_examples_state_what_could_change_them(apollo: dict[str, str]) -> None:
    text = " ".join(apollo["An account at rank 2"].split())
    base = _find(r"with net GMV of \$([\d,]+)", text)
    assert f"The account is paid ${Decimal(2500) + _rebate(base):,}" in text
    assert "more than $50,000, this one is reduced" in text
    assert "Live hours" in text and "High refund rate" in text


def test_uk_has_an_example_for_every_rule_that_changes_money(uk: dict[str, str]) -> None:
    for title in (
        "An order inside the merchant's free period",
        "An order after the merchant's free period",
        "The order limit",
        "The budget runs out (£250,000)",
    ):
        assert title in uk, sorted(uk)
    for title in ("An order inside the merchant's free period", "An order after the merchant's free period"):
        text = " ".join(uk[title].split())
        assert "first 500 qualifying orders of each merchant" in text
        assert "budget of £250,000 lasts" in text


def test_uk_order_limit_example(uk: dict[str, str]) -> None:
    text = " ".join(uk["The order limit"].split())
    assert "already had 500 qualifying orders" in text and "number 501 in time order" in text
    fee = _find(rf"has shipping fee £({N})", text)
    would = _find(rf"would pay £({N})", text)
    assert would == min(fee, Decimal("4.99"))
    assert "pays nothing on it" in text and f"pays the whole shipping fee, £{fee}, itself" in text


def test_uk_first_come_budget_example(uk: dict[str, str]) -> None:
    text = " ".join(uk["The budget runs out (£250,000)"].split())
    used = _find(rf"have used £({N}) of the budget", text)
    fee = _find(rf"with shipping fee £({N}) is paid", text)
    found = re.search(rf"would pay £({N}); only £({N}) is left, so it pays £({N})", text)
    assert found is not None
    would, left, paid = (_money(g) for g in found.groups())
    assert would == min(fee, Decimal("4.99"))
    assert left == Decimal(250_000) - used
    assert paid == min(would, left) and paid < would
    own = _find(rf"the merchant pays £({N}) of the shipping fee itself", text)
    assert own == fee - paid


SMALL = """
program small:
  market: US
  currency: USD
  timezone: "UTC"
  calendar: US

table sellers:
  seller_id: string
  tier: string
  key: seller_id

table stores:
  seller_id: string
  store_id: string
  key: seller_id, store_id

table visits:
  seller_id: string
  store_id: string
  ts: timestamp
  minutes: int
  time: ts

table orders:
  order_id: string
  seller_id: string
  ts: timestamp
  amount: money
  disputed: bool
  key: order_id
  time: ts

participant seller: sellers
member store: stores

window month: from 2024-03-01 to 2024-03-31 inclusive

metric store_visits = count visits during month per store
metric sales = sum amount in orders during month
metric order_count = count orders during month
metric disputes = count orders during month where disputed
metric dispute_rate = disputes / order_count

eligible gold: tier in ("gold", "platinum")
gate busy_stores: at least 2 stores have store_visits >= 50
disqualify disputed: dispute_rate > 10% when order_count >= 30

rebate sales_rebate: 4% of sales
  cap: $800 per seller
  budget: $20,000
  overflow: scale down
"""


def test_a_small_generated_program_has_an_example_for_each_money_rule() -> None:
    report = check_source(SMALL, "small.rules")
    assert report.ok, [d.message for d in report.diagnostics]
    examples = _examples(render_document(report.program, "md", "en-US"))
    assert {"A rebate", "Busy stores not met", "Disputed, below and at the minimum sample"} <= set(examples)
    assert "Sales rebate over its budget" in examples
    gate = " ".join(examples["Busy stores not met"].split())
    # `at least 2 stores` with one store short: only store 1 reaches 50 visits.
    visits = [int(v) for v in re.findall(r"store \d's number of store visits is (\d+)", gate, re.I)]
    assert len(visits) == 2 and visits[0] >= 50 > visits[1]
    assert "receives nothing: $0." in gate
    budget = " ".join(examples["Sales rebate over its budget"].split())
    found = re.search(rf"comes to \$({N}) before the budget, with sales of \$([\d,]+)", budget)
    assert found is not None
    amount, base = _money(found.group(1)), _money(found.group(2))
    assert amount == min((base * Decimal("0.04")).quantize(CENT), Decimal(800))
    result = re.search(rf"is \$({N}) instead of", budget)
    assert result is not None and _money(result.group(1)) == (amount * Decimal("0.8")).quantize(CENT, ROUND_DOWN)


def test_examples_keep_to_the_rules_when_a_parameter_changes() -> None:
    source = (ROOT / "campaigns" / "apollo.rules").read_text(encoding="utf-8")
    changed = source.replace("effective_live_time > 14 hours", "effective_live_time > 20 hours", 1)
    report = check_source(changed, "apollo.rules")
    assert report.ok
    text = " ".join(_examples(render_document(report.program, "md", "en-US"))["Live hours not met"].split())
    hours = [Decimal(h) for h in re.findall(r"host \d's effective live time is ([\d.]+) hours", text, re.I)]
    assert hours[0] > 20 >= hours[1]


def test_a_program_with_errors_renders_without_examples() -> None:
    report = check_source(SMALL.replace("4% of sales", "4% of salez"), "small.rules")
    assert not report.ok
    document = render_document(report.program, "md", "en-US")
    assert isinstance(report.program, ir.Program) and "Worked examples" not in document
