"""rulekit: incentive programs for online marketplaces as checked, compiled rule files."""

__version__ = "0.1.0"
