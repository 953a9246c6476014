"""One error hierarchy: every error rulekit raises is a ``RulekitError``, and no
``duckdb.Error`` reaches a caller of ``settle`` (it is an ``EngineError`` naming the
table and column)."""

from __future__ import annotations

import ast
import shutil
from collections.abc import Callable
from pathlib import Path

import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import rulekit
from rulekit import errors
from rulekit.cli import app

ROOT = Path(__file__).resolve().parent.parent
UK = ROOT / "campaigns" / "uk_shop.rules"
UK_DATA = ROOT / "examples" / "uk_shop"


def _exception_classes() -> list[tuple[str, str]]:
    """(module path, class name) of every class in ``rulekit/`` that derives from an exception."""
    found = []
    for path in sorted((ROOT / "rulekit").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = {ast.unparse(base) for base in node.bases}
                if any(base.endswith(("Error", "Exception")) for base in bases):
                    found.append((str(path.relative_to(ROOT)), node.name))
    return found


def test_every_exception_class_is_a_rulekit_error() -> None:
    import importlib

    classes = _exception_classes()
    assert len(classes) >= 12  # the 12 classes of 99a2949 and the base's subclasses
    for module_path, name in classes:
        module = importlib.import_module(module_path.removesuffix(".py").replace("/", ".").removesuffix(".__init__"))
        cls = getattr(module, name)
        assert issubclass(cls, errors.RulekitError), f"{module_path}: {name}"


def test_old_names_are_the_same_classes() -> None:
    from rulekit.compile_py import CompileError as PyCompileError
    from rulekit.data import DataError
    from rulekit.facts import FactsError
    from rulekit.sql.exprs import CompileError as SqlCompileError

    # 99a2949 had two unrelated CompileErrors; now both names are one class.
    assert PyCompileError is SqlCompileError is errors.CompileError is rulekit.CompileError
    assert DataError is errors.DataError is rulekit.DataError
    assert FactsError is errors.FactsError is rulekit.FactsError
    assert issubclass(FactsError, ValueError)  # code catching ValueError keeps working
    for name in ("RulekitError", "RuleFileError", "EngineError", "OutputError"):
        assert name in rulekit.__all__


def _corrupt_item_total(folder: Path) -> None:
    """orders as Parquet with the item_total column chunk overwritten (the footer stays valid)."""
    table = pa_csv.read_csv(UK_DATA / "orders.csv")
    target = folder / "orders.parquet"
    pq.write_table(table, target)
    (folder / "orders.csv").unlink()
    chunk = pq.ParquetFile(target).metadata.row_group(0).column(table.column_names.index("item_total"))
    data = bytearray(target.read_bytes())
    start = chunk.data_page_offset + 16  # past the page header's first bytes, inside the values
    data[start : start + 64] = b"\xab" * 64
    target.write_bytes(bytes(data))


def _overflowing_amounts(folder: Path) -> None:
    """Two in-period orders of M01 whose item_total adds up past an exact DECIMAL(38, 12):
    9·10^25 fits (26 integer digits), 9·10^25 + 9·10^25 = 1.8·10^26 does not."""
    lines = (folder / "orders.csv").read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    big = "90000000000000000000000000"
    rows = [r for r in rows if ",M01," not in r]
    rows += [f"B1,M01,2022-03-02T10:00:00Z,{big},1.00,GBP,false", f"B2,M01,2022-03-03T10:00:00Z,{big},1.00,GBP,false"]
    (folder / "orders.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


@pytest.mark.parametrize("spoil", [_corrupt_item_total, _overflowing_amounts])
def test_engine_failures_are_engine_errors_naming_table_and_column(
    spoil: Callable[[Path], None], tmp_path: Path
) -> None:
    folder = tmp_path / "data"
    shutil.copytree(UK_DATA, folder)
    spoil(folder)
    program = rulekit.load(UK)
    with pytest.raises(errors.EngineError) as caught:
        program.settle(str(folder))
    assert (caught.value.table, caught.value.column) == ("orders", "item_total")
    assert str(caught.value).startswith("orders.item_total: ")

    result = CliRunner().invoke(app, ["run", str(UK), "--data", str(folder)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cannot settle uk_shop.rules: orders.item_total: "), lines
