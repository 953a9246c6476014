"""One registry of diagnostic codes (``rulekit/codes.py``): every emitter uses it, every
code is documented, and the committed documentation is generated from it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from rulekit import codes
from rulekit.checker import check_file
from rulekit.codes_doc import generated_docs
from rulekit.diagnostics import Diagnostic
from rulekit.examples import check_examples
from rulekit.parser import parse_file

ROOT = Path(__file__).resolve().parent.parent
RULEKIT = ROOT / "rulekit"
CODE = re.compile(r"\bRK\d{3}\b")


def _documented() -> set[str]:
    text = "".join((ROOT / "docs" / name).read_text(encoding="utf-8") for name in ("diagnostics.md", "test.md"))
    return set(re.findall(r"(?m)^(?:### |\| )(RK\d{3})\b", text))  # a section heading or a table row


def _docstrings(tree: ast.Module) -> set[int]:
    """ids of the docstring nodes of a module and its classes and functions (they may cite codes)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def test_no_code_literal_outside_the_registry() -> None:
    offenders = []
    for path in sorted(RULEKIT.rglob("*.py")):
        if path.name == "codes.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = _docstrings(tree)
        for node in ast.walk(tree):
            text = node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""
            if CODE.search(text) and id(node) not in docstrings:
                offenders.append(f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}: {text!r}")
    assert offenders == [], "use a constant of rulekit/codes.py:\n" + "\n".join(offenders)


def test_every_code_used_in_rulekit_is_registered_and_documented() -> None:
    used = set()
    for path in sorted(RULEKIT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            is_code = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "codes"
            if is_code and isinstance(node, ast.Attribute) and CODE.fullmatch(node.attr):
                used.add(node.attr)
    assert len(used) >= 90  # 92 codes are registered, every one emitted somewhere
    assert used - set(codes.REGISTRY) == set()
    assert used - _documented() == set()


def test_every_registered_code_is_documented_and_vice_versa() -> None:
    assert set(codes.REGISTRY) == _documented()
    # RK951-956 were undocumented on 99a2949.
    assert {"RK951", "RK952", "RK953", "RK954", "RK955", "RK956"} <= _documented()


def _emitted() -> list[Diagnostic]:
    """Every diagnostic the checker and the example validator give on the fixtures and campaigns."""
    found: list[Diagnostic] = []
    for path in sorted((ROOT / "tests" / "fixtures" / "diagnostics").glob("*.rules")):
        found += check_file(str(path)).diagnostics
    for path in sorted((ROOT / "tests" / "fixtures" / "examples").glob("*.rules")):
        parsed, _ = parse_file(str(path))
        found += check_examples(parsed.program)
    for path in sorted((ROOT / "campaigns").glob("*.rules")):
        found += check_file(str(path)).diagnostics
    return found


def test_every_emitted_code_is_registered_documented_and_of_its_severity() -> None:
    emitted = _emitted()
    assert len({d.code for d in emitted}) >= 70  # the fixtures show 71 codes
    for diagnostic in emitted:
        assert diagnostic.code in codes.REGISTRY, diagnostic
        assert diagnostic.code in _documented(), diagnostic
        assert diagnostic.severity is codes.lookup(diagnostic.code).severity, diagnostic


def test_committed_docs_are_generated_from_the_registry() -> None:
    for path, expected in generated_docs(ROOT).items():
        assert path.read_text(encoding="utf-8") == expected, (
            f"{path.relative_to(ROOT)} is stale: run `.venv/bin/python scripts/gen_diagnostics_doc.py`"
        )


def test_code_is_its_text_and_carries_its_entry() -> None:
    assert codes.RK101 == "RK101" and isinstance(codes.RK101, str)
    assert codes.RK101.summary == "unknown table"
    assert codes.RK403.severity is codes.WARNING
    with pytest.raises(ValueError, match="registered twice"):
        codes._code("RK101", codes.ERROR, "again", fix="-")
    with pytest.raises(ValueError, match="not a diagnostic code"):
        codes.Code("X1", codes.ERROR, "bad", fix="-")
