"""CLI conventions: `-` for standard input, shell completion, `--format human|json` on
`diff`, and plain output for `NO_COLOR` and pipes."""

from __future__ import annotations

import hashlib
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from rulekit.cli import app

ROOT = Path(__file__).resolve().parent.parent
APOLLO = ROOT / "campaigns" / "apollo.rules"
UK = ROOT / "campaigns" / "uk_shop.rules"
RULEKIT = str(Path(sys.executable).parent / "rulekit")
runner = CliRunner()

# The README's order: joined 2022-03-10, ordered 2022-03-20 (inside the first 90 days and
# the 1 March - 31 May offer), item total £20.00, shipping £3.50 (below the £4.99 cap).
FACTS = {
    "merchants": {"merchant_id": "M9", "region": "GB", "joined_at": "2022-03-10T09:00:00"},
    "orders": {
        "order_id": "o1",
        "merchant_id": "M9",
        "created_at": "2022-03-20T12:00:00",
        "item_total": "20.00",
        "shipping_fee": "3.50",
        "currency": "GBP",
        "refunded": False,
    },
}


def _invoke(args: list[str], stdin: str | None = None) -> Result:
    result = runner.invoke(app, args, input=stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


# ---------------------------------------------------------------------------- stdin


def test_check_reads_standard_input() -> None:
    result = _invoke(["check", "-"], APOLLO.read_text(encoding="utf-8"))
    # Maximum payout: the prize pool cap $10,000 plus the rebate budget $50,000.
    assert result.exit_code == 0 and result.stdout == "<stdin>: ok — maximum total payout $60,000.00\n"


def test_check_names_standard_input_in_diagnostics() -> None:
    broken = APOLLO.read_text(encoding="utf-8").replace("in product_views during", "in product_view during")
    result = _invoke(["check", "-"], broken)
    # line 59, column 49: "metric product_uv = count distinct viewer_id in " is 48 characters
    assert result.exit_code == 1 and "<stdin>:59:49: error[RK101]: unknown table `product_view`" in result.stdout


def test_standard_input_is_read_only_once() -> None:
    assert _invoke(["check", "-", "-"], "").exit_code == 2
    assert _invoke(["decide", "-", "--input", "-"], "").exit_code == 2
    assert _invoke(["diff", "-", "-"], "").exit_code == 2


def test_fmt_filters_standard_input_to_standard_output() -> None:
    canonical = APOLLO.read_text(encoding="utf-8")
    messy = canonical.replace("  rank 2: $2,500", "  rank 2 :   $2,500")
    assert messy != canonical
    result = _invoke(["fmt", "-"], messy)
    assert result.exit_code == 0 and result.stdout == canonical  # apollo.rules is canonical (fmt --check)
    unchanged = _invoke(["fmt", "-"], canonical)
    assert unchanged.exit_code == 0 and unchanged.stdout == canonical
    checked = _invoke(["fmt", "--check", "-"], messy)
    assert checked.exit_code == 1 and checked.stdout == "" and "would reformat <stdin>" in checked.stderr


def test_fmt_of_broken_standard_input_prints_diagnostics_and_no_text() -> None:
    result = _invoke(["fmt", "-"], "metric = \n")
    assert result.exit_code == 1 and result.stdout == "" and "<stdin>:1:" in result.stderr


def test_decide_reads_the_rule_file_or_the_facts_from_standard_input(tmp_path: Path) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps(FACTS), encoding="utf-8")
    from_files = _invoke(["decide", str(UK), "--input", str(facts), "--format", "json"])
    rules_on_stdin = _invoke(["decide", "-", "--input", str(facts), "--format", "json"], UK.read_text("utf-8"))
    facts_on_stdin = _invoke(["decide", str(UK), "--input", "-", "--format", "json"], json.dumps(FACTS))
    assert from_files.exit_code == rules_on_stdin.exit_code == facts_on_stdin.exit_code == 0
    assert rules_on_stdin.stdout == from_files.stdout == facts_on_stdin.stdout
    human = _invoke(["decide", "-", "--input", str(facts)], UK.read_text("utf-8")).stdout
    assert "free shipping £3.50 on shipping fee £3.50" in human  # below the £4.99 cap: paid in full
    assert "0% commission on item total £20.00 = £0.00" in human  # inside the first 90 days


def test_run_settles_a_rule_file_on_standard_input(tmp_path: Path) -> None:
    data = str(ROOT / "examples" / "apollo")
    from_file = _invoke(["run", str(APOLLO), "--data", data, "--out", str(tmp_path / "file.json")])
    from_stdin = _invoke(
        ["run", "-", "--data", data, "--out", str(tmp_path / "stdin.json")], APOLLO.read_text(encoding="utf-8")
    )
    assert from_file.exit_code == from_stdin.exit_code == 0
    assert (tmp_path / "stdin.json").read_bytes() == (tmp_path / "file.json").read_bytes()
    manifest = json.loads((tmp_path / "stdin.json.manifest.json").read_text(encoding="utf-8"))
    assert manifest["rule_file"] == {"name": "<stdin>", "sha256": hashlib.sha256(APOLLO.read_bytes()).hexdigest()}


def test_run_with_a_broken_rule_file_on_standard_input_names_it() -> None:
    result = _invoke(["run", "-", "--data", str(ROOT / "examples" / "apollo")], "table t:\n  x: nonsense\n")
    assert result.exit_code == 1 and "<stdin>: has errors; nothing was settled" in result.stderr


def test_diff_reads_one_side_from_standard_input() -> None:
    result = _invoke(["diff", "-", str(APOLLO)], APOLLO.read_text(encoding="utf-8"))
    assert result.exit_code == 0 and result.stdout == "No semantic changes.\n"


# ---------------------------------------------------------------------------- diff --format


def test_diff_format_is_human_or_json_and_text_still_works() -> None:
    changed = APOLLO.read_text(encoding="utf-8").replace("rank 1: $4,000", "rank 1: $3,500")
    human = _invoke(["diff", str(APOLLO), "-", "--format", "human"], changed)
    text = _invoke(["diff", str(APOLLO), "-", "--format", "text"], changed)
    default = _invoke(["diff", str(APOLLO), "-"], changed)
    assert human.exit_code == text.exit_code == default.exit_code == 1
    assert human.stdout == text.stdout == default.stdout
    assert "~ rank 1: $4,000 -> $3,500" in human.stdout
    as_json = json.loads(_invoke(["diff", str(APOLLO), "-", "--format", "json"], changed).stdout)
    assert as_json["changed"] is True
    assert _invoke(["diff", str(APOLLO), str(APOLLO), "--format", "xml"]).exit_code == 2


def test_diff_help_lists_human_and_json_only() -> None:
    shown = _invoke(["diff", "--help"]).stdout
    assert "[human|json]" in shown and "text" not in shown.split("--format", 1)[1].split("\n", 1)[0]


# ---------------------------------------------------------------------------- completion


def test_shell_completion_completes_commands_and_formats() -> None:
    env = dict(os.environ, _RULEKIT_COMPLETE="complete_bash", COMP_WORDS="rulekit ch", COMP_CWORD="1")
    commands = subprocess.run([RULEKIT], env=env, capture_output=True, text=True, timeout=120)
    assert commands.stdout.split() == ["check"]
    env.update(COMP_WORDS="rulekit diff a b --format ", COMP_CWORD="5")
    formats = subprocess.run([RULEKIT], env=env, capture_output=True, text=True, timeout=120)
    assert formats.stdout.split() == ["human", "json"]


def test_completion_can_be_shown_and_installed() -> None:
    shown = _invoke(["--help"]).stdout
    assert "--install-completion" in shown and "--show-completion" in shown


# ---------------------------------------------------------------------------- plain output


def _in_a_terminal(args: list[str], env: dict[str, str]) -> str:
    """Run with stdout and stderr on a pseudo-terminal; everything it printed."""
    master, slave = pty.openpty()
    process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env, cwd=ROOT)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert process.wait(120) == 0
    return b"".join(chunks).decode("utf-8", "replace")


RUN = [RULEKIT, "run", "campaigns/apollo.rules", "--data", "examples/apollo"]


@pytest.fixture
def terminal_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TERM")}
    return {**env, "TERM": "xterm-256color", "COLUMNS": "120"}


def test_a_terminal_gets_styles_unless_no_color_is_set(terminal_env: dict[str, str]) -> None:
    styled = _in_a_terminal(RUN, terminal_env)
    assert "\x1b[" in styled  # the bold title and the progress bar: the check below can fail
    plain = _in_a_terminal(RUN, {**terminal_env, "NO_COLOR": "1"})
    assert "\x1b" not in plain
    assert plain.startswith("Apollo US Live Shopping Incentive — settlement in USD, America/New_York")


def test_piped_output_is_plain(terminal_env: dict[str, str]) -> None:
    piped = subprocess.run(RUN, env=terminal_env, cwd=ROOT, capture_output=True, timeout=120)
    assert piped.returncode == 0 and b"\x1b" not in piped.stdout + piped.stderr


def test_test_runs_the_examples_of_standard_input() -> None:
    result = _invoke(["test", "-"], UK.read_text(encoding="utf-8"))
    # uk_shop.rules has three `example` blocks (grep -c '^example').
    assert result.exit_code == 0 and "<stdin>" in result.stdout
    assert "3 examples: 3 passed, 0 failed" in result.stdout
