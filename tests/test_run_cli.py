"""``rulekit run``: leaderboard on screen, output files, manifest, determinism, bad input."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import rulekit.cli  # noqa: F401  (registers the commands)
from rulekit.cli.app import app

ROOT = Path(__file__).parent.parent
APOLLO = str(ROOT / "campaigns" / "apollo.rules")
UK = str(ROOT / "campaigns" / "uk_shop.rules")
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["run", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_leaderboard_on_screen() -> None:
    code, out, _ = run(APOLLO, "--data", str(ROOT / "examples" / "apollo"))
    assert code == 0
    assert "leaderboard" in out and "AC01" in out and "$4,000.00" in out
    lines = out.splitlines()
    first = next(i for i, line in enumerate(lines) if "AC01" in line)
    assert "AC02" in lines[first + 1]  # rank order
    assert "AC09" not in out.split("totals")[0]  # disqualified: not on the leaderboard
    assert "payout due: 2022-03-25" in out
    assert "warnings: 1 participant(s); disqualified: 2" in out


def test_uk_prints_per_merchant_commission_and_subsidy() -> None:
    code, out, _ = run(UK, "--data", str(ROOT / "examples" / "uk_shop"))
    assert code == 0
    assert "per merchant" in out and "commission" in out and "leaderboard" not in out
    m02 = next(line for line in out.splitlines() if "M02" in line)
    assert "£4.50" in m02 and "£3.50" in m02 and "£18.47" in m02
    assert "data quality: 2 finding(s)" in out and "U0019" in out


@pytest.mark.parametrize("suffix", [".json", ".csv", ".parquet"])
def test_outputs_and_manifest_are_byte_identical_on_a_second_run(tmp_path: Path, suffix: str) -> None:
    target = tmp_path / f"settlement{suffix}"
    manifest = tmp_path / f"settlement{suffix}.manifest.json"
    data = str(ROOT / "examples" / "apollo")
    assert run(APOLLO, "--data", data, "--out", str(target))[0] == 0
    first = (target.read_bytes(), manifest.read_bytes())
    target.unlink()
    manifest.unlink()
    assert run(APOLLO, "--data", data, "--out", str(target))[0] == 0
    assert (target.read_bytes(), manifest.read_bytes()) == first
    facts = json.loads(manifest.read_text())
    assert facts["rule_file"]["sha256"] == hashlib.sha256(Path(APOLLO).read_bytes()).hexdigest()
    assert facts["output"]["sha256"] == hashlib.sha256(target.read_bytes()).hexdigest()
    views = next(i for i in facts["inputs"] if i["table"] == "product_views")
    views_csv = ROOT / "examples" / "apollo" / "product_views.csv"
    assert views["sha256"] == hashlib.sha256(views_csv.read_bytes()).hexdigest()
    assert views["rows"] == len(views_csv.read_text().splitlines()) - 1
    assert facts["timezone"] == "America/New_York" and facts["currency"] == "USD"
    assert facts["payout_due"] == "2022-03-25" and facts["totals"]["prizes"] == "10000.00"
    assert facts["rulekit_version"]


def test_output_contents(tmp_path: Path) -> None:
    data = str(ROOT / "examples" / "apollo")
    run(APOLLO, "--data", data, "--out", str(tmp_path / "s.json"))
    run(APOLLO, "--data", data, "--out", str(tmp_path / "s.csv"))
    run(APOLLO, "--data", data, "--out", str(tmp_path / "s.parquet"))
    settled = json.loads((tmp_path / "s.json").read_text())
    assert settled["participants"][0]["id"] == "AC01" and settled["totals"]["prizes"] == "10000.00"
    table = pq.read_table(tmp_path / "s.parquet")
    assert table.column("id").to_pylist()[:2] == ["AC01", "AC02"]
    assert table.column("reward.leaderboard_cash").to_pylist()[0] == Decimal("4000.00")
    csv_table = pa_csv.read_csv(tmp_path / "s.csv")
    assert csv_table.num_rows == len(settled["participants"]) == 30


def test_json_format_on_stdout() -> None:
    code, out, _ = run(UK, "--data", str(ROOT / "examples" / "uk_shop"), "--format", "json")
    assert code == 0
    assert json.loads(out)["totals"]["commission_due"] == "104.76"


def test_bad_data_exits_1_with_a_clear_message(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples" / "uk_shop", tmp_path / "data")
    orders = tmp_path / "data" / "orders.csv"
    lines = orders.read_text().splitlines()
    lines[3] = lines[3].replace("13.50", "lots")
    orders.write_text("\n".join(lines) + "\n")
    code, out, err = run(UK, "--data", str(tmp_path / "data"))
    assert code == 1
    assert "orders.item_total" in err and "row 3" in err and "'lots'" in err
    assert "Traceback" not in out + err


def test_missing_table_and_bad_rule_file(tmp_path: Path) -> None:
    code, _, err = run(UK, "--data", str(tmp_path))
    assert code == 1 and "merchants: missing table" in err and "Traceback" not in err
    broken = tmp_path / "broken.rules"
    broken.write_text(
        Path(UK).read_text().replace("metric order_count = count orders", "metric order_count = count ordrs")
    )
    code, _, err = run(str(broken), "--data", str(ROOT / "examples" / "uk_shop"))
    assert code == 1 and "broken.rules:" in err and "nothing was settled" in err


def test_bad_out_suffix_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = run(UK, "--data", str(ROOT / "examples" / "uk_shop"), "--out", str(tmp_path / "x.xlsx"))
    assert code == 2 and "--out" in err


def test_console_script_end_to_end(tmp_path: Path) -> None:
    """The real entry point, as ``scripts/run.sh`` calls it."""
    exe = Path(sys.executable).parent / "rulekit"
    out = tmp_path / "apollo_settlement.json"
    done = subprocess.run(
        [str(exe), "run", APOLLO, "--data", str(ROOT / "examples" / "apollo"), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert out.exists() and (tmp_path / "apollo_settlement.json.manifest.json").exists()
    assert "Traceback" not in done.stderr
