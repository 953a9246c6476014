"""The single-decision evaluator: a rule program compiled to Python closures.

``rulekit.compile_py`` is the public entry point; the modules here are its parts:

* :mod:`rulekit.pyeval.types` — value types of names and metrics, labels;
* :mod:`rulekit.pyeval.values` — literals to comparable Python values, exact ratios;
* :mod:`rulekit.pyeval.rewards` — the cap and rounding every reward kind shares;
* :mod:`rulekit.pyeval.exprs` — expressions to closures (SQL three-valued logic);
* :mod:`rulekit.pyeval.metrics` — metrics to closures over lists of rows;
* :mod:`rulekit.pyeval.program` — the compiled program and its decisions.
"""
