"""Paths are taken literally (issue 14, item 4).

On 99a2949 a `--data` folder named `month[12]` was read as a DuckDB file pattern and
settled the files of `month1/` and `month2/` (while the manifest hashed `month[12]`'s
own files, never read); `*` and `?` in a folder name read other folders' rows too;
`run --out DATA/orders.csv` overwrote an input table; `--out` at a folder exited 3.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import rulekit
import rulekit.cli  # registers the commands
from rulekit.cli.app import app

PROGRAM = """program spring:
  market: US
  currency: USD
  timezone: "America/New_York"
  calendar: US

table sellers:
  seller_id: string
  key: seller_id

table orders:
  order_id: string
  seller_id: string
  ts: timestamp
  gmv: money
  key: order_id
  time: ts

participant seller: sellers

window spring: from 2024-03-01 to 2024-03-31 inclusive

metric net_gmv = sum gmv in orders during spring
  label: "GMV"

rebate cash: 10% of net_gmv
  budget: $1,000
  overflow: scale down
"""

runner = CliRunner()


def _folder(path: Path, seller: str, gmv: str) -> Path:
    path.mkdir(parents=True)
    (path / "sellers.csv").write_text(f"seller_id\n{seller}\n", encoding="utf-8")
    (path / "orders.csv").write_text(
        f"order_id,seller_id,ts,gmv\no-{seller},{seller},2024-03-05T10:00:00,{gmv}\n", encoding="utf-8"
    )
    return path


@pytest.mark.parametrize(
    ("name", "decoys"), [("month[12]", ["month1", "month2"]), ("a*b", ["axb"]), ("q?x", ["qax"]), ("s**", ["sxx", "s"])]
)
def test_data_folder_names_are_literal(tmp_path: Path, name: str, decoys: list[str]) -> None:
    own = _folder(tmp_path / name, "own", "50.00")
    for index, decoy in enumerate(decoys):
        if not (tmp_path / decoy).exists():
            _folder(tmp_path / decoy, f"decoy{index}", "9000.00")
    settlement = rulekit.loads(PROGRAM).settle(str(own))
    # Only the folder's own seller: 10% of $50.00 = $5.00.
    assert [(p.id, str(p.total_payout)) for p in settlement.participants] == [("own", "5.00")]


def test_manifest_hashes_exactly_the_files_read(tmp_path: Path) -> None:
    own = _folder(tmp_path / "month[12]", "own", "50.00")
    _folder(tmp_path / "month1", "decoy", "9000.00")
    rules = tmp_path / "spring.rules"
    rules.write_text(PROGRAM, encoding="utf-8")
    out = tmp_path / "out" / "result.json"
    result = runner.invoke(app, ["run", str(rules), "--data", str(own), "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    manifest = json.loads(out.with_name("result.json.manifest.json").read_text(encoding="utf-8"))
    hashes = {i["source"]: i["sha256"] for i in manifest["inputs"]}
    expected = {f: hashlib.sha256((own / f).read_bytes()).hexdigest() for f in ("sellers.csv", "orders.csv")}
    assert {name: hashes.get(name) for name in expected} == expected
    assert json.loads(out.read_text(encoding="utf-8"))["participants"][0]["id"] == "own"


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["run", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stderr


def test_out_never_overwrites_an_input(tmp_path: Path) -> None:
    data = _folder(tmp_path / "data", "s1", "50.00")
    rules = tmp_path / "spring.rules"
    rules.write_text(PROGRAM, encoding="utf-8")
    before = (data / "orders.csv").read_bytes()
    code, stderr = _run(str(rules), "--data", str(data), "--out", str(data / "orders.csv"))
    assert code == 2
    assert "which this run reads" in stderr
    assert (data / "orders.csv").read_bytes() == before


def test_out_at_a_folder_or_unwritable_is_a_clear_error(tmp_path: Path) -> None:
    data = _folder(tmp_path / "data", "s1", "50.00")
    rules = tmp_path / "spring.rules"
    rules.write_text(PROGRAM, encoding="utf-8")
    (tmp_path / "x.json").mkdir()
    code, stderr = _run(str(rules), "--data", str(data), "--out", str(tmp_path / "x.json"))
    assert (code, "is a folder" in stderr) == (2, True)
    # A path under a regular file cannot be created.
    code, stderr = _run(str(rules), "--data", str(data), "--out", str(rules / "x.json"))
    assert (code, "cannot write" in stderr) == (1, True)


def test_docs_output_never_overwrites_the_rule_file(tmp_path: Path) -> None:
    rules = tmp_path / "spring.rules"
    rules.write_text(PROGRAM, encoding="utf-8")
    result = runner.invoke(app, ["docs", str(rules), "-o", str(rules)])
    assert result.exit_code == 2
    assert rules.read_text(encoding="utf-8") == PROGRAM
