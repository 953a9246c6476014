"""The code tables of ``docs/diagnostics.md`` and ``docs/test.md``, generated from
:mod:`rulekit.codes`.

Generated text sits between ``<!-- BEGIN GENERATED: NAME -->`` and
``<!-- END GENERATED: NAME -->``; everything around the markers stays hand-written.
Each code's example is the first diagnostic with that code in its pinned fixture
(``tests/fixtures/diagnostics/NAME.out``), so the documentation shows exactly what
the checker prints. ``scripts/gen_diagnostics_doc.py`` writes the files;
``tests/test_codes.py`` fails when the committed files differ from what it would write.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from rulekit.codes import AREAS, REGISTRY, Code, Severity

DIAGNOSTICS = "codes"  # the marker name in docs/diagnostics.md
EXAMPLES = "example-codes"  # the marker name in docs/test.md


def _area_codes(start: str, end: str | None) -> list[Code]:
    return [c for key, c in sorted(REGISTRY.items()) if key >= start and (end is None or key < end)]


def _areas() -> Iterator[tuple[str, list[Code]]]:
    starts = [start for start, _ in AREAS]
    for index, (start, heading) in enumerate(AREAS):
        end = starts[index + 1] if index + 1 < len(starts) else None
        yield heading, _area_codes(start, end)


def example_of(code: Code, fixtures: Path) -> str | None:
    """The first rendered diagnostic with ``code`` in its fixture's ``.out`` (``None`` without one)."""
    if code.example is None:
        return code.sample
    text = (fixtures / f"{code.example}.out").read_text(encoding="utf-8")
    for block in text.split("\n\n"):
        first = block.split("\n", 1)[0]
        if re.search(rf": (error|warning)\[{code}\]: ", first):
            return block.rstrip("\n")
    raise LookupError(f"{code}: no diagnostic with this code in {code.example}.out")


def _section(code: Code, fixtures: Path) -> str:
    warning = " (warning)" if code.severity is Severity.WARNING else ""
    parts = [f"### {code} — {code.summary}{warning}"]
    example = example_of(code, fixtures)
    if code.example is not None:
        parts.append(f"From `{code.example}.rules`:")
    if example is not None:
        parts.append(f"```text\n{example}\n```")
    parts.append(f"**Fix:** {code.fix}")
    return "\n\n".join(parts)


def examples_table() -> str:
    """The RK7xx codes as a Markdown table (``docs/test.md`` and ``docs/diagnostics.md``)."""
    rows = ["| code | problem |", "|---|---|"]
    area_codes = next(found for heading, found in _areas() if heading.startswith("RK7xx"))
    for code in area_codes:
        warning = " (warning)" if code.severity is Severity.WARNING else ""
        rows.append(f"| {code} | {code.summary}{warning} |")
    return "\n".join(rows)


def diagnostics_sections(fixtures: Path) -> str:
    """Every code, by area: heading, the pinned example and the fix."""
    out: list[str] = []
    for heading, area_codes in _areas():
        out.append(f"## {heading}")
        if heading.startswith("RK7xx"):
            out.append(examples_table())
            continue
        out += [_section(code, fixtures) for code in area_codes]
    return "\n\n".join(out)


def replace_between(text: str, name: str, generated: str) -> str:
    """``text`` with the block between the ``name`` markers replaced by ``generated``."""
    begin, end = f"<!-- BEGIN GENERATED: {name} -->", f"<!-- END GENERATED: {name} -->"
    if text.count(begin) != 1 or text.count(end) != 1:
        raise ValueError(f"expected one `{begin}` and one `{end}` marker")
    head, rest = text.split(begin)
    _, tail = rest.split(end)
    return f"{head}{begin}\n{generated}\n{end}{tail}"


def generated_docs(root: Path) -> dict[Path, str]:
    """The two documents as they should be committed, keyed by path."""
    fixtures = root / "tests" / "fixtures" / "diagnostics"
    diagnostics = root / "docs" / "diagnostics.md"
    test_doc = root / "docs" / "test.md"
    return {
        diagnostics: replace_between(
            diagnostics.read_text(encoding="utf-8"), DIAGNOSTICS, diagnostics_sections(fixtures)
        ),
        test_doc: replace_between(test_doc.read_text(encoding="utf-8"), EXAMPLES, examples_table()),
    }
