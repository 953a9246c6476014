"""As-of values (issue 10, construct 5): `latest`/`first` by time and `as of POINT`, for a status
log (one row per change) and a daily snapshot (one row per day, a `date` column), in both
evaluators, with rows in shuffled order and ties on time.

Expected values are worked out by hand (New York: UTC-5 in winter, UTC-4 from 10 March 2024).
"""

from __future__ import annotations

import random
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

import rulekit
from rulekit import codes
from rulekit.checker import check_source
from rulekit.render import render_document

ROOT = Path(__file__).resolve().parent.parent

PROGRAM = """\
program ratings:
  market: US
  currency: USD
  timezone: "America/New_York"
  calendar: US

table sellers:
  seller_id: string
  key: seller_id

table rating_log:
  change_id: string
  seller_id: string
  changed_at: timestamp
  rating: decimal
  status: string
  key: change_id
  time: changed_at

table snapshots:
  seller_id: string
  day: date
  score: int
  key: seller_id, day
  time: day

participant seller: sellers

window quarter: from 2024-01-01 to 2024-03-31 inclusive

metric rating_q = latest rating in rating_log as of end of quarter
  label: "rating at the end of the quarter"
metric status_q = latest status in rating_log as of end of quarter
  label: "status at the end of the quarter"
metric first_status = first status in rating_log
  label: "first status"
metric rating_before = latest rating in rating_log as of 2024-02-01
  label: "rating on 1 February"
metric rating_shift = latest rating in rating_log as of end of quarter - 1 month
  label: "rating a month before the end"
metric changes_before = count rating_log as of start of quarter
  label: "changes before the quarter"
metric score_q = latest score in snapshots as of end of quarter
  label: "score at the end of the quarter"
metric first_score_in_q = first score in snapshots during quarter
  label: "first score in the quarter"

gate good: rating_q >= 4.5
gate active: status_q = "active"
"""

LOG = [
    ("a1", "s1", "2023-12-31T12:00:00Z", "3.0", "new"),
    # The quarter starts 1 Jan 2024 00:00 EST = 05:00 UTC: a2 is at it (`as of` keeps "at or before").
    ("a2", "s1", "2024-01-01T05:00:00Z", "3.5", "trial"),
    # 2024-02-01 is its local midnight, 05:00 UTC: a3 just before, a4 exactly at it.
    ("a3", "s1", "2024-02-01T04:59:59Z", "4.0", "active"),
    ("a4", "s1", "2024-02-01T05:00:00Z", "4.2", "active"),
    # end of quarter - 1 month = 29 Feb 2024 23:59:59.999999 EST = 1 Mar 04:59:59.999999 UTC.
    ("a5", "s1", "2024-03-01T04:59:59.999999Z", "4.9", "active"),
    ("a5b", "s1", "2024-03-01T05:00:00Z", "4.1", "active"),
    # end of quarter = 31 Mar 23:59:59.999999 EDT = 1 Apr 03:59:59.999999 UTC: a6 and a7 tie on time;
    # the key breaks the tie, a7 > a6, so a7 is the latest.
    ("a6", "s1", "2024-04-01T03:59:59.999999Z", "4.7", "active"),
    ("a7", "s1", "2024-04-01T03:59:59.999999Z", "4.8", "paused"),
    ("a8", "s1", "2024-04-01T04:00:00Z", "1.0", "banned"),
    # s2: the later change has no rating, so the latest rating is the earlier one's.
    ("b1", "s2", "2024-02-01T00:00:00Z", "4.6", "trial"),
    ("b2", "s2", "2024-03-01T00:00:00Z", None, "active"),
]
SNAPSHOTS = [
    ("s1", "2023-12-31", 1),
    ("s1", "2024-03-30", 7),
    ("s1", "2024-03-31", 8),  # its local midnight is inside the quarter
    ("s1", "2024-04-01", 9),  # 1 April 00:00 EDT is after the quarter's last instant
]

EXPECTED: dict[str, dict[str, Any]] = {
    "s1": {
        "rating_q": Decimal("4.8"),
        "status_q": "paused",
        "first_status": "new",
        "rating_before": Decimal("4.2"),
        "rating_shift": Decimal("4.9"),
        "changes_before": 2,  # a1, a2
        "score_q": 8,
        "first_score_in_q": 7,
    },
    "s2": {
        "rating_q": Decimal("4.6"),
        "status_q": "active",
        "first_status": "trial",
        "rating_before": None,  # b1 is at 1 Feb 00:00 UTC, before 05:00 UTC... see below
        "rating_shift": Decimal("4.6"),
        "changes_before": 0,
        "score_q": None,
        "first_score_in_q": None,
    },
    # No rows: no value (null), counts 0.
    "s3": {
        "rating_q": None,
        "status_q": None,
        "first_status": None,
        "rating_before": None,
        "rating_shift": None,
        "changes_before": 0,
        "score_q": None,
        "first_score_in_q": None,
    },
}
# b1 (1 Feb 00:00 UTC) is before 2024-02-01's local midnight (05:00 UTC): it is kept.
EXPECTED["s2"]["rating_before"] = Decimal("4.6")
HOLDS = {"s1": {"good"}, "s2": {"good", "active"}, "s3": set()}


def _program() -> rulekit.CompiledProgram:
    return rulekit.loads(PROGRAM, "ratings.rules")


def _log_rows(seed: int) -> list[dict[str, Any]]:
    rows = [dict(zip(("change_id", "seller_id", "changed_at", "rating", "status"), r, strict=True)) for r in LOG]
    random.Random(seed).shuffle(rows)
    return rows


def _snapshot_rows(seed: int) -> list[dict[str, Any]]:
    rows = [dict(zip(("seller_id", "day", "score"), r, strict=True)) for r in SNAPSHOTS]
    random.Random(seed + 1).shuffle(rows)
    return rows


def _table(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> pa.Table:
    return pa.table({c: pa.array([r[c] for r in rows], pa.int64() if c == "score" else pa.string()) for c in columns})


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_as_of_values_in_both_evaluators(seed: int) -> None:
    program = _program()
    log, snaps = _log_rows(seed), _snapshot_rows(seed)
    frames = {
        "sellers": pa.table({"seller_id": ["s1", "s2", "s3"]}),
        "rating_log": _table(log, ("change_id", "seller_id", "changed_at", "rating", "status")),
        "snapshots": _table(snaps, ("seller_id", "day", "score")),
    }
    for result in program.settle(frames).participants:
        assert dict(result.metrics) == EXPECTED[str(result.id)], result.id
        assert {c.name for c in result.clauses if c.holds} == HOLDS[str(result.id)]
    for seller in EXPECTED:
        facts = {
            "sellers": {"seller_id": seller},
            "rating_log": [r for r in log if r["seller_id"] == seller],
            "snapshots": [r for r in snaps if r["seller_id"] == seller],
        }
        decision = program.decide(facts)
        assert dict(decision.metrics) == EXPECTED[seller], seller
        assert {c.name for c in decision.clauses if c.holds} == HOLDS[seller]


def test_a_missing_value_makes_the_clause_unknown_and_its_reason_says_so() -> None:
    facts = {"sellers": {"seller_id": "s3"}, "rating_log": [], "snapshots": []}
    good = next(c for c in _program().decide(facts).clauses if c.name == "good")
    assert not good.holds and "no value" in good.reason, good.reason


def test_the_document_says_which_rows_count() -> None:
    text = " ".join(render_document(_program().ir, "md", "en-US").split())
    assert (
        "the rating of the most recent of its rating logs, among those whose “changed at” time is no later "
        "than the end of the quarter window" in text
    ), text


# ------------------------------------------------------------------------- diagnostics


def _errors(source: str) -> list[str]:
    return [d.code for d in check_source(source, "x.rules").diagnostics if d.severity.value == "error"]


@pytest.mark.parametrize(
    ("metric", "code"),
    [
        ("latest rating in rating_log as of true", codes.RK313),
        ("latest rating in rating_log as of end of nowhere", codes.RK104),
        ("latest rating in rating_log as of 2024-03-31 + 1.5 months", codes.RK309),
        ("first seller_id in sellers", codes.RK311),
    ],
)
def test_misuse_is_reported(metric: str, code: str) -> None:
    assert _errors(PROGRAM + f'metric m = {metric}\n  label: "m"\n') == [code]


def test_every_hint_suggests_code_that_checks() -> None:
    out = (ROOT / "tests" / "fixtures" / "diagnostics" / "asof.out").read_text(encoding="utf-8")
    points = re.findall(r"help: .*?`(as of [^`]+)`", out)
    assert len(points) == 2
    for point in points:
        assert _errors(PROGRAM + f'metric m = latest rating in rating_log {point}\n  label: "m"\n') == [], point
