"""`rulekit check`: exit codes, human and JSON output, and no traceback for any input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rulekit.cli import app

ROOT = Path(__file__).resolve().parent.parent
APOLLO = ROOT / "campaigns" / "apollo.rules"
UK = ROOT / "campaigns" / "uk_shop.rules"
runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["check", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_clean_files_exit_0_with_summary() -> None:
    code, output = _run(str(APOLLO), str(UK))
    assert code == 0
    assert output.splitlines() == [
        f"{APOLLO}: ok — maximum total payout $60,000.00",
        f"{UK}: ok — maximum total payout £250,000.00",
    ]


def test_warnings_alone_exit_0(tmp_path: Path) -> None:
    source = APOLLO.read_text(encoding="utf-8").replace("  overflow: scale down\n", "", 1)
    path = tmp_path / "warned.rules"
    path.write_text(source, encoding="utf-8")
    code, output = _run(str(path))
    assert code == 0
    assert "warning[RK406]" in output
    assert output.splitlines()[-1] == f"{path}: ok, 1 warning — maximum total payout $60,000.00"


def test_errors_exit_1_and_count(tmp_path: Path) -> None:
    source = APOLLO.read_text(encoding="utf-8").replace("calendar: US", "calendar: USA").replace("top 5", "top 0")
    path = tmp_path / "bad.rules"
    path.write_text(source, encoding="utf-8")
    code, output = _run(str(path), str(UK))
    assert code == 1
    assert f"{path}: 2 errors" in output.splitlines()
    assert "error[RK302]: unknown calendar `USA`" in output


def test_json_shape(tmp_path: Path) -> None:
    missing = tmp_path / "missing.rules"
    code, output = _run("--format", "json", str(APOLLO), str(missing))
    assert code == 1
    data = json.loads(output)
    assert [entry["file"] for entry in data] == [str(APOLLO), str(missing)]
    assert data[0] == {
        "file": str(APOLLO),
        "ok": True,
        "diagnostics": [],
        "max_payout": {"amount": "60000.00", "currency": "USD"},
    }
    assert data[1]["ok"] is False and data[1]["max_payout"] is None
    [diag] = data[1]["diagnostics"]
    assert diag["code"] == "RK003" and diag["severity"] == "error" and diag["line"] == 1
    keys = {"code", "severity", "message", "file", "line", "column", "end_line", "end_column", "help", "fixes"}
    assert set(diag) == keys and diag["fixes"] == []


def test_json_fixes_locate_the_replacement(tmp_path: Path) -> None:
    broken = tmp_path / "apollo.rules"
    source = APOLLO.read_text(encoding="utf-8")
    broken.write_text(source.replace("in product_views during", "in product_view during", 1), encoding="utf-8")
    code, output = _run("--format", "json", str(broken))
    assert code == 1
    [diag] = json.loads(output)[0]["diagnostics"]
    [fix] = diag["fixes"]
    line = broken.read_text(encoding="utf-8").splitlines()[fix["line"] - 1]
    assert line[fix["column"] - 1 : fix["end_column"] - 1] == "product_view" and fix["text"] == "product_views"


@pytest.mark.parametrize("args", [[], ["--bogus", str(APOLLO)], ["--format", "xml", str(APOLLO)]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    code, _ = _run(*args)
    assert code == 2


def _awkward_inputs(tmp_path: Path) -> dict[str, Path]:
    files = {
        "empty": b"",
        "binary": bytes(range(256)) * 4,
        "nul": b"program x:\n\x00\x00\n",
        "latin1": "program caf\u00e9:\n".encode("latin-1"),
        "truncated": APOLLO.read_bytes()[:1234],
        "huge": b"# padding\n" * 600_000,
        "deep": b"eligible x: " + b"(" * 5000 + b"true" + b")" * 5000 + b"\n",
        "nested": b"program p:\n  market: US\neligible x: " + b"not " * 3000 + b"true\n",
    }
    paths = {}
    for name, content in files.items():
        paths[name] = tmp_path / f"{name}.rules"
        paths[name].write_bytes(content)
    paths["directory"] = tmp_path
    paths["missing"] = tmp_path / "nope.rules"
    return paths


def test_no_traceback_for_awkward_inputs(tmp_path: Path) -> None:
    for name, path in _awkward_inputs(tmp_path).items():
        code, output = _run(str(path))
        assert code == 1, name
        assert "Traceback" not in output, name
        assert "RK900" not in output, name
        assert output.splitlines()[-1].startswith(f"{path}: "), name


def test_console_script_has_no_traceback(tmp_path: Path) -> None:
    binary = tmp_path / "binary.rules"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    script = "from rulekit.cli import main; main()"
    done = subprocess.run(
        [sys.executable, "-c", script, "check", str(binary), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    assert "error[RK003]" in done.stdout
