"""`fmt` throughput on the issue-14 reproducer's file, against the budget of 4 MB in 20 CPU s.

Run: .venv/bin/python bench/bench_fmt.py [--rounds 3] [--large]

``--large`` also times ``check`` and ``fmt`` once on a 3.5 MB file inside every documented
limit (4,000 metrics of 60 terms each).

Three versions of the same ~63 KB file: every item respaced (so every item changes and is
checked again), one line in twenty respaced, and already formatted. For each: CPU seconds
per run (min / median / max over the rounds) and KB per CPU second. To compare with an
older commit, run the same script from a checkout of it, alternating the two.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rulekit.checker import check_source
from rulekit.formatter import format_source
from rulekit.parser import parse
from tests.test_limits import BASE, SMALL_PRIZE
from tests.test_reproducers import _large_source

BUDGET = 4_000_000 / 20  # bytes per CPU second (the 4 MB in 20 s)


def _versions() -> dict[str, str]:
    formatted = format_source(_large_source()).formatted
    assert formatted is not None
    lines = formatted.splitlines(keepends=True)
    some = "".join(line.replace(" and ", "  and ") if i % 20 == 0 else line for i, line in enumerate(lines))
    return {
        "every item changes": formatted.replace(" and ", "  and "),
        "5% of lines change": some,
        "formatted": formatted,
    }


def _cpu(run: object) -> float:
    start = time.process_time()
    run()  # type: ignore[operator]
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--large", action="store_true", help="also check and format a 3.5 MB file")
    options = parser.parse_args()
    rounds = options.rounds
    versions = _versions()
    parse(versions["formatted"])  # the grammar is built once, outside the timings
    for name, source in versions.items():
        times = [_cpu(lambda s=source: format_source(s)) for _ in range(rounds)]
        size = len(source.encode("utf-8"))
        rate = size / statistics.median(times) / 1000
        print(
            f"{name:20} {size / 1000:6.1f} KB  CPU s min {min(times):.3f} median {statistics.median(times):.3f} "
            f"max {max(times):.3f}  {rate:6.1f} KB/s (budget {BUDGET / 1000:.0f} KB/s)"
        )
    if options.large:
        _large()


def _large() -> None:
    terms = " and ".join(f"gmv > ${k}" for k in range(60))
    metrics = "".join(f"metric m{i} = count orders during spring where {terms}\n" for i in range(4000))
    source = BASE + metrics + SMALL_PRIZE
    size = len(source.encode("utf-8"))
    for name, stage in (("check", check_source), ("fmt", format_source)):
        seconds = _cpu(lambda stage=stage: stage(source, "large.rules"))
        print(f"{name:6} {size / 1e6:.2f} MB  CPU s {seconds:.1f}  {size / seconds / 1000:6.1f} KB/s")


if __name__ == "__main__":
    main()
