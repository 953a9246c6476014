"""The load test of ``rulekit serve`` at a small size (``pytest -m bench``; the default run
excludes it): 200 requests from 4 threads against the real server on 127.0.0.1.

It checks that the load test itself works — every request answered 200 within the time
bound, and 100 answers equal to ``program.decide`` on the same facts — and asserts no
throughput: on a shared 2-core machine that figure is reported, not pinned.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import bench_serve

pytestmark = pytest.mark.bench


@pytest.mark.parametrize("endpoint", ["decide", "explain"])
def test_load_test_answers_every_request_correctly(endpoint: str) -> None:
    report = bench_serve.main(["--requests", "200", "--concurrency", "4", "--endpoint", endpoint])
    assert (report.requests, report.checked) == (200, 100)
    assert report.p50_ms <= report.p99_ms <= report.max_ms


def test_batch_load_test_counts_every_decision() -> None:
    # 20 requests of 25 facts each: 20 x 25 = 500 decisions; answers 0-19 hold all 500 facts.
    report = bench_serve.main(["--requests", "20", "--endpoint", "decide-batch", "--batch-size", "25"])
    assert (report.requests, report.decisions, report.checked) == (20, 500, 20)
