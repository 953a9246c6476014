"""rulekit: incentive programs for online marketplaces as checked, compiled rule files.

>>> import rulekit
>>> program = rulekit.load("campaigns/apollo.rules")   # doctest: +SKIP
>>> decision = program.decide(facts)                    # doctest: +SKIP
"""

from rulekit.api import CompiledProgram, RuleFileError, load, loads
from rulekit.facts import FactsError
from rulekit.results import Decision, ParticipantResult, Settlement

__version__ = "0.1.0"

__all__ = [
    "CompiledProgram",
    "Decision",
    "FactsError",
    "ParticipantResult",
    "RuleFileError",
    "Settlement",
    "__version__",
    "load",
    "loads",
]
