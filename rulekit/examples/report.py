"""``rulekit test`` output: a human report and a JSON document."""

from __future__ import annotations

from typing import Any

from rulekit.diagnostics import render
from rulekit.examples.coverage import Coverage
from rulekit.examples.runner import ExampleResult, FileReport


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _example_lines(path: str, result: ExampleResult) -> list[str]:
    where = f"{path}:{result.span.line}"
    if result.error is not None:
        return [f"  ERROR {result.name} ({where})", f"        {result.error}"]
    if result.passed:
        return [f"  PASS  {result.name}"]
    return [f"  FAIL  {result.name} ({where})", *(f"        {o.diff()}" for o in result.failures)]


def _coverage_lines(path: str, cover: Coverage) -> list[str]:
    head = (
        f"  coverage: {cover.clauses_covered} of {_plural(cover.clauses, 'clause')}, "
        f"{cover.rewards_covered} of {_plural(cover.rewards, 'reward')} covered"
    )
    return [head, *(f"    {g.message} ({path}:{g.span.line})" for g in cover.gaps)]


def human(reports: list[FileReport]) -> str:
    """Per file: diagnostics, PASS/FAIL per example with diffs, coverage; then a summary."""
    blocks: list[str] = []
    for report in reports:
        lines = [render(d, report.source) for d in report.diagnostics]
        lines.append(report.path)
        if not report.results and report.coverage is None:
            lines.append("  examples not run: fix the errors above first")
        for result in report.results:
            lines += _example_lines(report.path, result)
        if report.coverage is not None:
            lines += _coverage_lines(report.path, report.coverage)
        blocks.append("\n".join(lines))
    blocks.append(summary(reports))
    return "\n\n".join(blocks)


def summary(reports: list[FileReport]) -> str:
    results = [r for report in reports for r in report.results]
    passed = sum(r.passed for r in results)
    full = sum(1 for r in reports if r.coverage is not None and r.coverage.full)
    return (
        f"{_plural(len(results), 'example')}: {passed} passed, {len(results) - passed} failed; "
        f"full coverage in {full} of {_plural(len(reports), 'file')}"
    )


def _result_json(result: ExampleResult) -> dict[str, Any]:
    return {
        "name": result.name,
        "line": result.span.line,
        "passed": result.passed,
        "error": result.error,
        "checked": len(result.outcomes),
        "failures": [
            {
                "subject": o.subject,
                "item": o.item,
                "expected": o.expected,
                "actual": o.actual,
                "line": o.span.line,
                "column": o.span.column,
                "text": o.diff(),
            }
            for o in result.failures
        ],
    }


def _coverage_json(cover: Coverage | None) -> dict[str, Any] | None:
    if cover is None:
        return None
    return {
        "full": cover.full,
        "clauses": cover.clauses,
        "clauses_covered": cover.clauses_covered,
        "rewards": cover.rewards,
        "rewards_covered": cover.rewards_covered,
        "uncovered": [{"kind": g.kind, "name": g.name, "message": g.message, "line": g.span.line} for g in cover.gaps],
    }


def to_json(reports: list[FileReport], coverage_gate: bool) -> dict[str, Any]:
    return {
        "ok": all(r.ok(coverage_gate) for r in reports),
        "files": [
            {
                "file": r.path,
                "ok": r.ok(coverage_gate),
                "diagnostics": [d.to_json() for d in r.diagnostics],
                "examples": [_result_json(x) for x in r.results],
                "coverage": _coverage_json(r.coverage),
            }
            for r in reports
        ],
    }
