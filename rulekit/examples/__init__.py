"""Examples embedded in rule files, run as tests with clause coverage (``rulekit test``).

An ``example`` item gives a small inline table set and the outcomes it must produce;
see ``docs/test.md``. The parts:

* :mod:`~rulekit.examples.validate` — RK7xx diagnostics for examples that name
  unknown tables, columns, participants, clauses, rewards or metrics;
* :mod:`~rulekit.examples.tables` — ``given`` rows to typed Arrow tables and facts;
* :mod:`~rulekit.examples.engine` — the evaluators, behind a protocol;
* :mod:`~rulekit.examples.compare` — expectations against results, as diffs;
* :mod:`~rulekit.examples.coverage` — which clauses and rewards no example exercised;
* :mod:`~rulekit.examples.runner` — running one file; :mod:`~rulekit.examples.report`
  — its human and JSON forms.
"""

from __future__ import annotations

from rulekit.examples.coverage import Coverage, Gap, Observations, coverage
from rulekit.examples.runner import ExampleResult, FileReport, run_examples, run_file
from rulekit.examples.validate import check_examples

__all__ = [
    "Coverage",
    "ExampleResult",
    "FileReport",
    "Gap",
    "Observations",
    "check_examples",
    "coverage",
    "run_examples",
    "run_file",
]
