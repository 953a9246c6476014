"""Tests of ``rulekit diff``: the semantic diff, its rendering, the data impact and the CLI.

The fixture pairs in ``tests/fixtures/diff/<case>/`` hold ``old.rules``, ``new.rules``
and ``expected.txt``; the expected text was written by hand from the edit made to the
copy, not produced by the code.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

import rulekit.cli  # noqa: F401  registers the commands
from rulekit import ir
from rulekit.cli.app import app
from rulekit.diff import (
    canonical,
    diff_programs,
    format_duration,
    format_expr,
    format_money,
    render_changes,
)
from rulekit.diffimpact import compare_settlements, render_impact
from rulekit.parser import parse
from rulekit.results import ClauseOutcome, DataIssue, ParticipantResult, RewardAmount, Settlement
from rulekit.settle import settle
from tests.lockfile import data_provenance

FIXTURES = Path(__file__).parent / "fixtures" / "diff"
CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
ROOT = Path(__file__).parent.parent
APOLLO = (ROOT / "campaigns" / "apollo.rules").read_text(encoding="utf-8")

runner = CliRunner()


def program(source: str) -> ir.Program:
    result = parse(source, "<test>")
    assert not result.diagnostics, result.diagnostics
    return result.program


def edited(source: str, *edits: tuple[str, str]) -> str:
    """Apply exact one-occurrence text edits, so a typo in a test cannot silently edit nothing."""
    for old, new in edits:
        assert source.count(old) == 1, old
        source = source.replace(old, new)
    return source


# ----------------------------------------------------------------------- fixtures


def test_every_fixture_case_is_present() -> None:
    assert set(CASES) >= {
        "reformatted",
        "prize_and_window",
        "clauses",
        "rebate",
        "metric",
        "uk_commission",
        "text_and_tiers",
    }


@pytest.mark.parametrize("case", CASES)
def test_fixture_pair_renders_expected_text(case: str) -> None:
    folder = FIXTURES / case
    old = program((folder / "old.rules").read_text(encoding="utf-8"))
    new = program((folder / "new.rules").read_text(encoding="utf-8"))
    expected = (folder / "expected.txt").read_text(encoding="utf-8")
    assert render_changes(diff_programs(old, new)) == expected, data_provenance("babel")


@pytest.mark.parametrize("case", CASES)
def test_fixture_pair_reversed_has_as_many_changes(case: str) -> None:
    # Swapping old and new turns additions into removals but finds the same places
    # (compared without the declaration word: a clause is shown under its current kind).
    folder = FIXTURES / case
    old = program((folder / "old.rules").read_text(encoding="utf-8"))
    new = program((folder / "new.rules").read_text(encoding="utf-8"))
    forward = {c.path.partition(" ")[2] for c in diff_programs(old, new)}
    backward = {c.path.partition(" ")[2] for c in diff_programs(new, old)}
    assert forward == backward


def test_reformatted_copy_differs_in_ir_but_not_in_meaning() -> None:
    # Guard against a vacuous "no changes" fixture: the copy really is written differently.
    folder = FIXTURES / "reformatted"
    old = program((folder / "old.rules").read_text(encoding="utf-8"))
    new = program((folder / "new.rules").read_text(encoding="utf-8"))
    assert old != new
    assert diff_programs(old, new) == []


def test_done_when_case_names_exactly_the_prize_and_the_window_end() -> None:
    folder = FIXTURES / "prize_and_window"
    old = program((folder / "old.rules").read_text(encoding="utf-8"))
    new = program((folder / "new.rules").read_text(encoding="utf-8"))
    changes = diff_programs(old, new)
    assert [(c.path, c.kind, c.old, c.new) for c in changes] == [
        ("window activity / end", "changed", "27 Feb 2022 (inclusive)", "28 Feb 2022 (inclusive)"),
        ("prize leaderboard_cash / rank 1", "changed", "$4,000", "$3,500"),
    ]
    assert changes[1].summary == "prize `leaderboard_cash` rank 1: $4,000 -> $3,500"


# ----------------------------------------------------------------- change records


def test_clause_added_summary_reads_as_plain_language() -> None:
    new = program(edited(APOLLO, ('eligible us_account: region = "US"\n', 'eligible us_only: region = "US"\n')))
    changes = diff_programs(program(APOLLO), new)
    assert [c.summary for c in changes] == [
        'eligibility clause `us_account` removed (was: region = "US")',
        'eligibility clause `us_only` added: region = "US"',
    ]
    assert [c.kind for c in changes] == ["removed", "added"]


def test_reward_kind_change_under_same_name_is_removed_and_added() -> None:
    new = program(
        edited(APOLLO, ("rebate gmv_rebate: 2% of net_gmv", "bonus gmv_rebate: $0.50 per unit of order_count"))
    )
    paths = [(c.path, c.kind) for c in diff_programs(program(APOLLO), new)]
    assert paths == [("rebate gmv_rebate", "removed"), ("bonus gmv_rebate", "added")]


def test_rank_ranges_compare_rank_by_rank() -> None:
    split = edited(APOLLO, ("  rank 4 to 5: $1,000\n", "  rank 4: $1,000\n  rank 5: $1,000\n"))
    assert diff_programs(program(APOLLO), program(split)) == []
    # Merging ranks 2 and 3 into one range at $2,000 changes both: 2,500 -> 2,000 and 1,500 -> 2,000.
    merged = edited(APOLLO, ("  rank 2: $2,500\n  rank 3: $1,500\n", "  rank 2 to 3: $2,000\n"))
    changes = diff_programs(program(APOLLO), program(merged))
    assert [(c.field, c.old, c.new) for c in changes] == [
        ("rank 2", "$2,500", "$2,000"),
        ("rank 3", "$1,500", "$2,000"),
    ]


def test_window_bounds_compare_by_instant_not_by_wording() -> None:
    same_end = edited(APOLLO, ("to 2022-02-27 inclusive", "to 2022-02-28 exclusive"))
    assert diff_programs(program(APOLLO), program(same_end)) == []
    # 27 Feb exclusive ends a day earlier than 27 Feb inclusive.
    shorter = edited(APOLLO, ("to 2022-02-27 inclusive", "to 2022-02-27 exclusive"))
    (change,) = diff_programs(program(APOLLO), program(shorter))
    assert (change.field, change.old, change.new) == ("end", "27 Feb 2022 (inclusive)", "27 Feb 2022 (exclusive)")


def test_days_and_hours_are_different_durations() -> None:
    # `1 day` follows the local calendar, `24 hours` is an exact length: not the same across DST.
    uk = (ROOT / "campaigns" / "uk_shop.rules").read_text(encoding="utf-8")
    window = "window free_period: first 90 days"
    weeks = edited(uk, (window, "window free_period: first 1 weeks"))
    days = edited(uk, (window, "window free_period: first 7 days"))
    hours = edited(uk, (window, "window free_period: first 168 hours"))
    assert diff_programs(program(weeks), program(days)) == []
    (change,) = diff_programs(program(days), program(hours))
    assert (change.old, change.new) == ("7 days", "168 hours")


def test_overflow_default_is_scale_down() -> None:
    no_line = edited(APOLLO, ("  pool cap: $10,000\n  overflow: scale down\n", "  pool cap: $10,000\n"))
    assert diff_programs(program(APOLLO), program(no_line)) == []
    first_come = edited(
        APOLLO, ("  pool cap: $10,000\n  overflow: scale down\n", "  pool cap: $10,000\n  overflow: first come\n")
    )
    (change,) = diff_programs(program(no_line), program(first_come))
    assert (change.field, change.old, change.new) == ("overflow", "scale down", "first come")


def test_bracket_rebate_changes_by_threshold() -> None:
    flat = "rebate r: 2% of net_gmv\n"
    brackets = "rebate r: marginal brackets of net_gmv\n  from $0: 1%\n  from $10,000: 3%\n"
    more = "rebate r: marginal brackets of net_gmv\n  from $0: 1%\n  from $10,000: 4%\n  from $50,000: 5%\n"
    changes = diff_programs(program(brackets), program(more))
    assert [c.summary for c in changes] == [
        "rebate `r` bracket from $10,000: 3% -> 4%",
        "rebate `r` bracket from $50,000 added: 5%",
    ]
    switched = diff_programs(program(flat), program(brackets))
    assert [(c.field, c.kind) for c in switched] == [
        ("rate", "changed"),
        ("bracket from $0", "added"),
        ("bracket from $10,000", "added"),
    ]
    assert switched[0].new == "marginal brackets"


def test_text_changes_are_marked_as_text() -> None:
    relabel = edited(APOLLO, ('label: "net GMV"', 'label: "net sales"'))
    (change,) = diff_programs(program(APOLLO), program(relabel))
    assert change.category == "text"
    assert change.summary == 'metric `net_gmv` label: "net GMV" -> "net sales"'


def test_note_reworded_is_one_change_and_notes_added_are_additions() -> None:
    reworded = edited(APOLLO, ("may not join for now.", "may not join."))
    (change,) = diff_programs(program(APOLLO), program(reworded))
    assert (change.field, change.kind) == ("note", "changed")
    two_more = edited(
        APOLLO,
        ('eligible us_account: region = "US"\n', 'eligible us_account: region = "US"\n  note: "a"\n  note: "b"\n'),
    )
    changes = diff_programs(program(APOLLO), program(two_more))
    assert [(c.field, c.kind, c.new) for c in changes] == [("note", "added", '"a"'), ("note", "added", '"b"')]


def test_payout_due_and_channel() -> None:
    later = edited(APOLLO, ("due: 20 business days after activity", "due: 30 days after activity"))
    (change,) = diff_programs(program(APOLLO), program(later))
    assert change.summary == "payout due: 20 business days after activity -> 30 days after activity"


# ------------------------------------------------------------ values and printer


@pytest.mark.parametrize(
    ("money", "text"),
    [
        (ir.Money(Decimal("4000"), "USD"), "$4,000"),
        (ir.Money(Decimal("1234567.5"), "USD"), "$1,234,567.5"),
        (ir.Money(Decimal("4.99"), "GBP"), "£4.99"),
        (ir.Money(Decimal("500"), "JPY"), "500 JPY"),
    ],
)
def test_money_is_written_for_humans(money: ir.Money, text: str) -> None:
    assert format_money(money) == text


def test_duration_units_are_singular_for_one() -> None:
    assert format_duration(ir.Duration(Decimal(1), ir.TimeUnit.HOURS)) == "1 hour"
    assert format_duration(ir.Duration(Decimal(14), ir.TimeUnit.HOURS)) == "14 hours"


@pytest.mark.parametrize(
    "condition",
    [
        "every host has effective_live_time > 14 hours",
        'not (region = "US" or region = "CA")',
        '(kind = "agency" or kind = "brand") and hosts_submitted',
        "at least 2 hosts have (effective_live_time > 14 hours and idle_live_time < 2 hours)",
        'region not in ("US", "PR") or accounts.region = "GB"',
        "refund_rate <= 30% and not click_farming_flag",
        "no host has not (idle_live_time >= 90 minutes)",
    ],
)
def test_expression_printer_round_trips(condition: str) -> None:
    # Print the parsed condition, parse the printout: the meaning must be unchanged,
    # and printing is stable (the second printout equals the first).
    first = program(f"eligible c: {condition}\n").clauses[0].condition
    printed = format_expr(first)
    second = program(f"eligible c: {printed}\n").clauses[0].condition
    assert canonical(first) == canonical(second)
    assert format_expr(second) == printed


def test_expression_printer_exact_text() -> None:
    expr = program('eligible c: not (a = 1 or b = "x") and every host has t > 2 hours\n').clauses[0].condition
    assert format_expr(expr) == 'not (a = 1 or b = "x") and every host has t > 2 hours'


# ------------------------------------------------------------------------ impact


def _p(pid: str, total: str, *, rank: int | None = None, eligible: bool = True, qualified: bool = True,
       rewards: tuple[tuple[str, str, str], ...] = (), warnings: tuple[str, ...] = (),
       clauses: tuple[ClauseOutcome, ...] = ()) -> ParticipantResult:  # fmt: skip
    return ParticipantResult(
        id=pid,
        eligible=eligible,
        qualified=qualified,
        disqualified=False,
        warnings=list(warnings),
        rank=rank,
        rewards=[
            RewardAmount(name=n, kind=k, amount=Decimal(a), before_limits=Decimal(a), reason="")  # type: ignore[arg-type]
            for n, k, a in rewards
        ],
        clauses=list(clauses),
        total_payout=Decimal(total),
    )


def _settlement(*participants: ParticipantResult) -> Settlement:
    return Settlement(program="apollo", currency="USD", timezone="America/New_York", participants=list(participants))


def test_impact_on_hand_built_settlements() -> None:
    gate_fails = ClauseOutcome(name="live_hours", kind="gate", holds=False, reason="")
    old = _settlement(
        _p("a", "4100.00", rank=1, rewards=(("leaderboard_cash", "prize", "4000.00"), ("gmv_rebate", "rebate", "100"))),
        _p("b", "2500.00", rank=2, rewards=(("leaderboard_cash", "prize", "2500.00"),)),
        _p("c", "0", eligible=False, qualified=False),
        _p("d", "1500.00", rank=3, rewards=(("leaderboard_cash", "prize", "1500.00"),), warnings=("idle",)),
    )
    new = _settlement(
        _p("a", "3600.00", rank=1, rewards=(("leaderboard_cash", "prize", "3500.00"), ("gmv_rebate", "rebate", "100"))),
        _p("b", "2500.00", rank=2, rewards=(("leaderboard_cash", "prize", "2500.00"),)),
        _p("c", "1500.00", rank=3, rewards=(("leaderboard_cash", "prize", "1500.00"),)),
        _p("d", "0", qualified=False, clauses=(gate_fails,)),
        _p("e", "0", eligible=False, qualified=False),
    )
    impact = compare_settlements(old, new)
    # b is unchanged; e is new (listed, payout 0 -> 0).
    assert [p.id for p in impact.participants] == ["a", "c", "d", "e"]
    assert impact.payout_changed_ids == ("a", "c", "d")
    # old total 4100 + 2500 + 0 + 1500 = 8100; new 3600 + 2500 + 1500 + 0 + 0 = 7600.
    assert (impact.old_total, impact.new_total, impact.difference) == (Decimal(8100), Decimal(7600), Decimal(-500))
    by_id = {p.id: p for p in impact.participants}
    assert [e.summary for e in by_id["a"].effects] == [
        "prize `leaderboard_cash`: $4,000.00 -> $3,500.00",
        "payout: $4,100.00 -> $3,600.00 (-$500.00)",
    ]
    assert [e.summary for e in by_id["c"].effects] == [
        "became eligible",
        "now qualifies",
        "rank: unranked -> 3",
        "prize `leaderboard_cash`: none -> $1,500.00",
        "payout: $0 -> $1,500.00 (+$1,500.00)",
    ]
    assert [e.summary for e in by_id["d"].effects] == [
        "no longer qualifies (fails `live_hours`)",
        "warning `idle` no longer applies",
        "rank: 3 -> unranked",
        "prize `leaderboard_cash`: $1,500.00 -> none",
        "payout: $1,500.00 -> $0 (-$1,500.00)",
    ]
    assert [e.aspect for e in by_id["e"].effects] == ["participation"]
    text = render_impact(impact, "test data")
    assert text.splitlines()[0] == "Impact on test data:"
    assert "Total payout: $8,100.00 -> $7,600.00 (-$500.00)" in text
    assert "3 participants with a different payout." in text


def test_impact_of_identical_settlements_is_empty() -> None:
    one = _settlement(_p("a", "10.00", rank=1, rewards=(("p", "prize", "10.00"),)))
    impact = compare_settlements(one, one)
    assert impact.participants == ()
    assert impact.difference == 0
    assert "no participant's outcome changes" in render_impact(impact)


def test_impact_reports_commission_and_shared_data_issues_once() -> None:
    def uk(due: str, waived: str, issues: list[DataIssue]) -> Settlement:
        merchant = ParticipantResult(
            id="M1",
            eligible=True,
            qualified=True,
            disqualified=False,
            commission_due=Decimal(due),
            commission_waived=Decimal(waived),
        )
        return Settlement(
            program="uk", currency="GBP", timezone="Europe/London", participants=[merchant], data_quality=issues
        )

    both = DataIssue(table="orders", column="currency", problem="money in another currency", rows=1, example="row 3")
    only_new = DataIssue(table="orders", column=None, problem="duplicate key", rows=2)
    impact = compare_settlements(uk("4.50", "3.50", [both]), uk("9.60", "0.00", [both, only_new]))
    (merchant,) = impact.participants
    assert [e.summary for e in merchant.effects] == [
        "commission due: £4.50 -> £9.60",
        "commission waived: £3.50 -> £0.00",
    ]
    assert not merchant.payout_changed
    assert impact.data_issues == (
        "orders.currency: money in another currency, 1 row(s) (e.g. row 3)",
        "new version only: orders: duplicate key, 2 row(s)",
    )
    # 9.60 - 4.50 = 5.10 more commission charged.
    assert "Total commission: £4.50 -> £9.60 (+£5.10)" in render_impact(impact)


# --------------------------------------------------------------------------- CLI


def test_cli_done_when_case_exit_code_and_text() -> None:
    folder = FIXTURES / "prize_and_window"
    result = runner.invoke(app, ["diff", str(folder / "old.rules"), str(folder / "new.rules")])
    assert result.exit_code == 1, result.output
    assert result.stdout == (folder / "expected.txt").read_text(encoding="utf-8")


def test_cli_json_output() -> None:
    folder = FIXTURES / "prize_and_window"
    result = runner.invoke(app, ["diff", str(folder / "old.rules"), str(folder / "new.rules"), "--format", "json"])
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    assert document["changed"] is True
    assert [c["path"] for c in document["changes"]] == ["window activity / end", "prize leaderboard_cash / rank 1"]
    assert document["impact"] is None


def test_cli_no_change_exits_zero() -> None:
    folder = FIXTURES / "reformatted"
    result = runner.invoke(app, ["diff", str(folder / "old.rules"), str(folder / "new.rules")])
    assert result.exit_code == 0, result.output
    assert result.stdout == "No semantic changes.\n"


def test_cli_broken_file_prints_diagnostics_and_exits_two(tmp_path: Path) -> None:
    broken = tmp_path / "broken.rules"
    broken.write_text("program x:\n  currency: USD\n\nmetric m = count\n", encoding="utf-8")
    result = runner.invoke(app, ["diff", str(FIXTURES / "rebate" / "old.rules"), str(broken)])
    assert result.exit_code == 2
    assert f"{broken}:4:" in result.stderr
    assert "cannot compare" in result.stderr
    assert "Traceback" not in result.output


def test_cli_missing_file_exits_two(tmp_path: Path) -> None:
    result = runner.invoke(app, ["diff", str(tmp_path / "nope.rules"), str(FIXTURES / "rebate" / "old.rules")])
    assert result.exit_code == 2
    assert "cannot read file" in result.stderr


def test_cli_bad_format_is_a_usage_error() -> None:
    folder = FIXTURES / "rebate"
    result = runner.invoke(app, ["diff", str(folder / "old.rules"), str(folder / "new.rules"), "--format", "xml"])
    assert result.exit_code == 2


def test_cli_data_that_cannot_be_settled_exits_two(tmp_path: Path) -> None:
    folder = FIXTURES / "uk_commission"
    args = ["diff", str(folder / "old.rules"), str(folder / "new.rules"), "--data", str(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "cannot settle the data" in result.stderr
    assert "merchants: missing table" in result.stderr


def test_cli_data_folder_must_exist(tmp_path: Path) -> None:
    folder = FIXTURES / "rebate"
    args = ["diff", str(folder / "old.rules"), str(folder / "new.rules"), "--data", str(tmp_path / "missing")]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "not a folder" in result.stderr


# ------------------------------------------------------------ impact on example data

EXAMPLE_DATA = ROOT / "examples" / "apollo"
PRIZE_AND_WINDOW = (
    (
        "window activity: from 2022-02-14 to 2022-02-27 inclusive",
        "window activity: from 2022-02-14 to 2022-02-28 inclusive",
    ),
    ("  rank 1: $4,000", "  rank 1: $3,500"),
)


def _impact_blocks(text: str) -> dict[str, list[str]]:
    """Participant id -> its effect lines, read back from the human impact section."""
    section = text.split("Impact on ", 1)[1].splitlines()[1:]
    blocks: dict[str, list[str]] = {}
    current = ""
    for line in section:
        if line.startswith("    "):
            blocks[current].append(line.strip())
        elif line.startswith("  "):
            current = line.strip()
            blocks[current] = []
    return blocks


def test_cli_impact_on_example_data_names_exactly_the_accounts_whose_payout_changes(tmp_path: Path) -> None:
    old_path = tmp_path / "old.rules"
    new_path = tmp_path / "new.rules"
    old_path.write_text(APOLLO, encoding="utf-8")
    new_path.write_text(edited(APOLLO, *PRIZE_AND_WINDOW), encoding="utf-8")

    # Independently: settle both versions and compare each participant's total payout.
    old_settlement = settle(program(APOLLO), EXAMPLE_DATA)
    new_settlement = settle(program(new_path.read_text(encoding="utf-8")), EXAMPLE_DATA)
    before = {p.id: p.total_payout for p in old_settlement.participants}
    after = {p.id: p.total_payout for p in new_settlement.participants}
    assert before.keys() == after.keys()
    expected = {pid for pid in before if before[pid] != after[pid]}
    assert expected, "lowering the first prize must change someone's payout"

    text_run = runner.invoke(app, ["diff", str(old_path), str(new_path), "--data", str(EXAMPLE_DATA)])
    assert text_run.exit_code == 1, text_run.output
    head, _, _ = text_run.stdout.partition("\nImpact on ")
    assert "  ~ end: 27 Feb 2022 (inclusive) -> 28 Feb 2022 (inclusive)" in head
    assert "  ~ rank 1: $4,000 -> $3,500" in head
    assert head.rstrip().endswith("2 changes.")
    blocks = _impact_blocks(text_run.stdout)
    named = {pid for pid, lines in blocks.items() if any(line.startswith("payout: ") for line in lines)}
    assert named == expected
    old_total, new_total = sum(before.values()), sum(after.values())
    assert f"Total payout: ${old_total:,} -> ${new_total:,}" in text_run.stdout

    # The library API agrees with the same independent set.
    assert set(compare_settlements(old_settlement, new_settlement).payout_changed_ids) == expected


def test_terms_and_column_labels_are_text_changes() -> None:
    old = program(APOLLO)
    new_source = edited(
        APOLLO,
        ('  term "GMV": "gross merchandise value: ', '  term "GMV": "gross merchandise value (all orders): '),
        ('  viewer_id: string "viewer"', '  viewer_id: string "viewing user"'),
    )
    text = render_changes(diff_programs(old, program(new_source)))
    assert "~ term `GMV`:" in text and '~ label of column `viewer_id`: "viewer" -> "viewing user"  [text]' in text
    assert "2 changes (2 to document text only)." in text
