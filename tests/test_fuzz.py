"""A bounded fuzzer in the suite (issue 14, item 6): generated and mutated rule files go
through check, fmt, docs, load, settle and decide (over data synthesised from the file's
tables); the only allowed outcomes are a report with diagnostics (never RK900), a
compiled program, or a clean rulekit error, within a time bound.

The suite runs a small budget; `pytest -m fuzz` runs a larger one
(`RULEKIT_FUZZ_EXAMPLES`, default 2,000 per property), and `bench/fuzz_run.py` the
issue's 100,000-file run with its figures (time and peak memory per stage, crashes saved).

Two sources: a grammar-aware generator over the language's constructs (headers,
tables, windows, metrics, nested conditions, rankings, prizes, rebates, milestones,
with values near and beyond the limits), and byte/line mutation of the campaigns and
every diagnostic fixture.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzzing import run_stages

ROOT = Path(__file__).resolve().parent.parent
CORPUS = [p.read_text(encoding="utf-8", errors="replace") for p in sorted((ROOT / "campaigns").glob("*.rules"))]
CORPUS += [
    p.read_text(encoding="utf-8", errors="replace")
    for p in sorted((ROOT / "tests" / "fixtures").rglob("*.rules"))
    if p.stat().st_size < 20_000  # the 2,001-line size fixture would dominate the budget
]
SECONDS_PER_FILE = 5.0

SUITE = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ON_DEMAND = settings(
    max_examples=int(os.environ.get("RULEKIT_FUZZ_EXAMPLES", "2000")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.fixture(scope="module", autouse=True)
def warm_up() -> None:
    """The first settlement in a process pays for DuckDB's start-up and rulekit's query
    caches (about 3 CPU seconds): pay it before the per-file bound is measured."""
    assert run_stages((ROOT / "campaigns" / "apollo.rules").read_text(encoding="utf-8")).crash is None


def through_every_stage(source: str) -> None:
    """check, fmt, docs in both formats, load, settle and decide (tests/fuzzing.py); bounded time."""
    outcome = run_stages(source)
    assert outcome.crash is None, outcome.crash
    # CPU time: a shared, busy machine does not make it flaky.
    assert outcome.cpu < SECONDS_PER_FILE, {s: m.cpu for s, m in outcome.stages.items()}


# ------------------------------------------------------------------ grammar-aware

NAMES = st.sampled_from(["a", "b", "score", "gmv", "order_count", "region", "x1", "__rk_row"])
NUMBERS = st.sampled_from(["0", "1", "2.5", "10", "99999999999999999999", "0.0000000000001", "-1", "1e5"])
ZONES = st.sampled_from(["America/New_York", "Europe/London", "posixrules", "Australia/Lord_Howe", "UTC", "Mars/Base"])
DATES = st.sampled_from(["2024-03-01", "2024-02-30", "9999-12-31", "1800-01-01", "2024-12-31"])


@st.composite
def conditions(draw: st.DrawFn, depth: int = 0) -> str:
    if depth > 3 or draw(st.booleans()):
        op = draw(st.sampled_from(["=", "!=", "<", "<=", ">", ">="]))
        right = draw(NUMBERS | st.sampled_from(['"US"', "$5", "30%", "14 hours", "true"]))
        return f"{draw(NAMES)} {op} {right}"
    kind = draw(st.sampled_from(["and", "or", "not", "paren", "many"]))
    if kind == "not":
        return f"not {draw(conditions(depth + 1))}"
    if kind == "paren":
        return f"({draw(conditions(depth + 1))})"
    if kind == "many":
        return " and ".join([draw(conditions(4))] * draw(st.integers(2, 300)))
    return f"{draw(conditions(depth + 1))} {kind} {draw(conditions(depth + 1))}"


@st.composite
def programs(draw: st.DrawFn) -> str:
    lines = [
        "program fuzz:",
        "  market: US",
        f"  currency: {draw(st.sampled_from(['USD', 'GBP', 'XXX']))}",
        f'  timezone: "{draw(ZONES)}"',
        "  calendar: US",
        "",
        "table accounts:",
        "  account_id: string",
        "  region: string",
        "  score: int",
        "  joined_at: timestamp",
        "  key: account_id",
        "",
        "table orders:",
        "  order_id: string",
        "  account_id: string",
        "  ts: timestamp",
        "  gmv: money",
        "  key: order_id",
        "  time: ts",
        "",
        "participant account: accounts",
        f"window w: from {draw(DATES)} to {draw(DATES)} inclusive",
        f"window rel: first {draw(NUMBERS)} days from joined_at",
        "metric order_count = count orders during w",
        f"metric gmv = sum gmv in orders during w where {draw(conditions())}",
    ]
    for index in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["eligible", "gate", "disqualify", "warn"]))
        lines.append(f"{kind} c{index}: {draw(conditions())}")
    top = draw(NUMBERS)
    lines += ["ranking board: by gmv descending", "  then by account_id ascending", f"  top {top}", ""]
    lines.append("prize cash: ranking board")
    for _ in range(draw(st.integers(0, 4))):
        first, last = draw(NUMBERS), draw(NUMBERS)
        lines.append(f"  rank {first} to {last}: ${draw(NUMBERS)}")
    lines += [f"  pool cap: ${draw(NUMBERS)}", "  overflow: scale down", ""]
    if draw(st.booleans()):
        lines += [f"rebate r: {draw(NUMBERS)}% of gmv", f"  budget: ${draw(NUMBERS)}", "  overflow: first come", ""]
    if draw(st.booleans()):
        lines += ["milestone m: order_count, highest", f"  bronze at {draw(NUMBERS)}: ${draw(NUMBERS)}", ""]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------- mutation


@st.composite
def mutated(draw: st.DrawFn) -> str:
    source = draw(st.sampled_from(CORPUS))
    lines = source.splitlines(keepends=True) or [""]
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        operation = draw(st.sampled_from(["delete", "duplicate", "swap", "bytes", "digits"]))
        if operation == "delete" and len(lines) > 1:
            del lines[i]
        elif operation == "duplicate":
            lines.insert(draw(st.integers(0, len(lines))), lines[i] * draw(st.integers(1, 50)))
        elif operation == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif operation == "bytes":
            at = draw(st.integers(0, len(lines[i])))
            junk = draw(st.text(max_size=6) | st.sampled_from(["(", ")", "not (", " and ", "\t", "$", "%", "9" * 30]))
            lines[i] = lines[i][:at] + junk + lines[i][at:]
        else:  # make every number on the line huge
            lines[i] = "".join("9" * 25 if ch.isdigit() else ch for ch in lines[i])
    return "".join(lines)


@SUITE
@given(programs())
def test_generated_programs(source: str) -> None:
    through_every_stage(source)


@SUITE
@given(mutated())
def test_mutated_campaigns_and_fixtures(source: str) -> None:
    through_every_stage(source)


@pytest.mark.fuzz
@ON_DEMAND
@given(programs())
def test_generated_programs_large_budget(source: str) -> None:
    through_every_stage(source)


@pytest.mark.fuzz
@ON_DEMAND
@given(mutated())
def test_mutated_campaigns_and_fixtures_large_budget(source: str) -> None:
    through_every_stage(source)
