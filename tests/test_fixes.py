"""Suggested code in diagnostics checks clean: every machine-applicable fix of the pinned
fixtures, applied to its file, removes its finding without adding an error; and hints that
show code write it in the program's own names and units (issue: RK603 once suggested
`when live_time >= 20`, which fails RK201)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rulekit.checker import check_source
from rulekit.diagnostics import Diagnostic
from rulekit.fixes import apply_fixes

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted((ROOT / "tests" / "fixtures" / "diagnostics").glob("*.rules"))


def _errors(diagnostics: tuple[Diagnostic, ...]) -> int:
    return sum(1 for d in diagnostics if d.is_error)


def _same_finding(a: Diagnostic, b: Diagnostic) -> bool:
    return (a.code, a.span.line, a.span.column) == (b.code, b.span.line, b.span.column)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_every_fix_removes_its_finding_and_adds_no_error(path: Path) -> None:
    source = path.read_text(encoding="utf-8", errors="replace")
    before = check_source(source, path.name).diagnostics
    for diagnostic in (d for d in before if d.fixes):
        fixed = apply_fixes(source, diagnostic.fixes)
        after = check_source(fixed, path.name).diagnostics
        assert not any(_same_finding(diagnostic, d) for d in after), (diagnostic, fixed)
        assert _errors(after) <= _errors(before) - (1 if diagnostic.is_error else 0), (diagnostic, after)


def test_the_fixtures_offer_did_you_mean_fixes() -> None:
    offered = {
        d.code for p in FIXTURES for d in check_source(p.read_text(errors="replace"), p.name).diagnostics if d.fixes
    }
    # Misspelt table, column, window, metric, ranking, name, member noun, policy word, zone.
    assert {"RK101", "RK102", "RK103", "RK104", "RK105", "RK106", "RK113"} <= offered


PROGRAM = """program p:
  market: US
  currency: USD
  timezone: "UTC"
  calendar: US

table accounts:
  account_id: string
  key: account_id

table sessions:
  account_id: string
  start_ts: timestamp
  end_ts: timestamp
  idle: bool
  period: start_ts to end_ts

participant account: accounts

metric live_time = total time in sessions
metric idle_time = total time in sessions where idle
metric idle_share = idle_time / live_time

warn idle: idle_share > 50%
"""


def test_a_minimum_sample_is_suggested_in_the_denominators_unit() -> None:
    [rk603] = [d for d in check_source(PROGRAM, "p.rules").diagnostics if d.code == "RK603"]
    # live_time is a duration: a bare number would fail RK201, so the sample is in hours.
    assert rk603.help is not None and "`when live_time >= 20 hours`" in rk603.help
    fixed = apply_fixes(PROGRAM, rk603.fixes)
    assert "warn idle: idle_share > 50% when live_time >= 20 hours\n" in fixed
    assert [d.code for d in check_source(fixed, "p.rules").diagnostics if d.is_error] == []


def test_fixes_apply_from_the_end_so_earlier_spans_stay_valid() -> None:
    from rulekit.diagnostics import Fix
    from rulekit.ir import Span

    source = "eligible e: regoin = 1 and tyer = 2\nnext line\n"
    fixes = [
        Fix(Span("x", 1, 13, 1, 19), "region"),
        Fix(Span("x", 1, 28, 1, 32), "tier"),
        Fix(Span("x", 2, 1, 2, 1), "# "),
    ]
    assert apply_fixes(source, fixes) == "eligible e: region = 1 and tier = 2\n# next line\n"
