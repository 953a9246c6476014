"""Reproducible installs: uv.lock is checked in, matches pyproject.toml, and is what is installed.

Also the packaging promises of a development install: the version comes from the package
metadata, and type checkers find the package (PEP 561) through the editable install.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

import rulekit
from rulekit.cli import app
from tests.lockfile import ROOT, installed_version, locked_versions

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _uv() -> str:
    """The pinned uv that scripts/setup.sh installed; its absence is a setup failure, not a skip."""
    uv = ROOT / ".tools" / "bin" / "uv"
    assert uv.exists(), "uv is missing from .tools/: run `bash scripts/setup.sh` first"
    return str(uv)


def _copy_project(tmp_path: Path) -> Path:
    """The files the lock check reads, in a scratch folder, so a test can edit them."""
    for name in ("pyproject.toml", "uv.lock", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "scripts", tmp_path / "scripts")
    # Reuse the installed uv rather than installing another one in the scratch folder.
    (tmp_path / ".tools").symlink_to(ROOT / ".tools")
    return tmp_path


def _check_lock(folder: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHON": sys.executable}
    return subprocess.run(
        ["bash", "scripts/check-lock.sh"], cwd=folder, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_lock_is_checked_in_and_current(tmp_path: Path) -> None:
    result = _check_lock(_copy_project(tmp_path))
    assert result.returncode == 0, result.stderr


def test_a_dependency_changed_without_a_lock_refresh_fails_with_the_fix(tmp_path: Path) -> None:
    folder = _copy_project(tmp_path)
    pyproject = folder / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    [babel] = [dep for dep in PYPROJECT["project"]["dependencies"] if dep.startswith("babel")]
    pyproject.write_text(text.replace(f'"{babel}"', '"babel>=2.15.0"', 1), encoding="utf-8")
    assert pyproject.read_text(encoding="utf-8") != text

    result = _check_lock(folder)

    assert result.returncode != 0
    assert "uv.lock does not match pyproject.toml" in result.stderr
    assert "bash scripts/lock.sh" in result.stderr


@pytest.mark.locked
def test_the_environment_is_exactly_the_locked_one() -> None:
    result = subprocess.run(
        [_uv(), "sync", "--locked", "--check", "--offline"],
        cwd=ROOT,
        env={**os.environ, "UV_PROJECT_ENVIRONMENT": str(Path(sys.prefix)), "UV_PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"the environment differs from uv.lock; run `bash scripts/setup.sh`\n{result.stderr}"


@pytest.mark.locked
@pytest.mark.parametrize("name", ["babel", "holidays", "duckdb", "sqlglot", "lark"])
def test_libraries_that_shape_output_are_the_locked_versions(name: str) -> None:
    assert installed_version(name) == locked_versions()[name]


def test_the_library_keeps_lower_bounds_not_pins() -> None:
    # `pip install rulekit` must not fight the user's other packages: pins live in uv.lock only.
    for dep in PYPROJECT["project"]["dependencies"]:
        assert ">=" in dep and "==" not in dep, dep


def test_version_comes_from_the_package_metadata() -> None:
    assert rulekit.__version__ == PYPROJECT["project"]["version"]
    runner = CliRunner()
    for args in (["--version"], ["version"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0
        assert result.output.strip() == f"rulekit {PYPROJECT['project']['version']}"


def test_type_checkers_find_the_installed_package(tmp_path: Path) -> None:
    # Outside the repository, so only the editable install can make `rulekit` importable;
    # mypy must see its annotations (py.typed) to report this wrong type.
    client = tmp_path / "client.py"
    client.write_text('import rulekit\n\nprogram: int = rulekit.load("x.rules")\n', encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--python-executable",
            sys.executable,
            "client.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert 'expression has type "CompiledProgram"' in result.stdout, result.stdout + result.stderr
    assert "import-not-found" not in result.stdout and "import-untyped" not in result.stdout
