"""Rewards as one algebra: one registry entry per reward kind.

A reward is a base (a participant metric, a rank, or an order's money column) put
through a formula (flat rate, marginal or whole-tier brackets, per unit, milestone
tiers, a schedule by rank), then a per-participant cap, rounding to the minor unit,
and a pool or budget policy (scale down or first come). The shared steps are
written once (:mod:`rulekit.pyeval.rewards` for Python, :mod:`rulekit.sql.rewards`
for SQL: ``amount_stages``, ``pool_policy``); each kind's module says only what is
its own, as a :class:`~rulekit.rewards.base.RewardKind`:

* its checks (``check``), its Python and SQL evaluation (``py_amount`` /
  ``compile_effect``, ``sql_stages``), its bound for the maximum payout (``bound``,
  ``most_for_one``), its words in documents (``describe``, ``facts``) and in
  explanations (``reason``, ``effect_reason``, ``notes``), and what ``rulekit diff``
  compares (``summary``, ``diff``).

Kinds paid from one participant metric share :mod:`rulekit.rewards.amounts`; kinds
decided per order share :mod:`rulekit.rewards.orders`. The entries are listed in
:mod:`rulekit.rewards.registry`; every stage finds a reward's entry with
:func:`rulekit.plan.kinds.kind_of` (or ``RewardPlan.kind``) and never tests the
reward's class (``tests/test_reward_registry.py``). This ``__init__`` imports nothing,
so the plan can name the base class without loading every stage.

Adding a kind: its IR class (``ir.py``), its syntax (``grammar.lark``, ``parser.py``,
``pygments_lexer.py``), one module here and one line in ``registry.py``.
"""
