"""rulekit: incentive programs for online marketplaces as checked, compiled rule files.

>>> import rulekit
>>> program = rulekit.load("campaigns/apollo.rules")   # doctest: +SKIP
>>> decision = program.decide(facts)                    # doctest: +SKIP
"""

from rulekit.api import CompiledProgram, load, loads
from rulekit.errors import (
    CompileError,
    DataError,
    EngineError,
    FactsError,
    OutputError,
    RuleFileError,
    RulekitError,
)
from rulekit.inputs import Pattern
from rulekit.results import Decision, ParticipantResult, Settlement


def _installed_version() -> str:
    """The version of the installed distribution (pyproject.toml is its only source)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rulekit")
    except PackageNotFoundError:  # imported from a source tree that was never installed
        return "0+unknown"


__version__ = _installed_version()

__all__ = [
    "CompileError",
    "CompiledProgram",
    "DataError",
    "Decision",
    "EngineError",
    "FactsError",
    "OutputError",
    "ParticipantResult",
    "Pattern",
    "RuleFileError",
    "RulekitError",
    "Settlement",
    "__version__",
    "load",
    "loads",
]
