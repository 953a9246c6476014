"""The checker's individual checks; :mod:`rulekit.checker` runs them all."""
