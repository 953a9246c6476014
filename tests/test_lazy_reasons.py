"""Reasons worded when a participant is read: ``settle`` words none, reading one participant
words that participant's, and writing the settlement out words the rest.

(This file used to test the deferred-reason pydantic models, ``results.trusted`` and
``_WordedLater``; a settlement is now an Arrow table and participants are built when read,
so those mechanisms are gone and their tests with them.)
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

import rulekit.settle_rows
from tests.test_settle import leaderboard


def test_settle_words_reasons_only_when_read(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    clause_reason, reward_reason = rulekit.settle_rows.clause_reason, rulekit.settle_rows.reward_reason

    def counted_clause(*args: Any, **kwargs: Any) -> str:
        calls.append("clause")
        return clause_reason(*args, **kwargs)

    def counted_reward(*args: Any, **kwargs: Any) -> str:
        calls.append("reward")
        return reward_reason(*args, **kwargs)

    monkeypatch.setattr(rulekit.settle_rows, "clause_reason", counted_clause)
    monkeypatch.setattr(rulekit.settle_rows, "reward_reason", counted_reward)
    settlement = leaderboard("split")
    # The numbers are all there without wording anything: A is paid $600 scaled by the $1,000
    # pool cap to 600 × 1000/1100 = $545.45 (see test_settle.test_split_tie_and_pool_scale_down).
    table = settlement.to_arrow()
    assert table.column("reward.cash").to_pylist()[0] == Decimal("545.45")
    assert settlement.totals["qualified"] == 4  # A, B, C, D are active; E is not
    assert calls == []
    # Reading A words A's one clause and its one reward.
    a = settlement.participant("A")
    assert a.clauses[0].reason == "active: yes"
    assert a.rewards[0].reason == "rank 1 of 4: prize $600.00; scaled down to $545.45 by the $1,000 pool cap"
    assert calls == ["clause", "reward"]
    # E does not qualify: its clause is worded, it has no reward to word.
    e = settlement.participant("E")
    assert e.clauses[0].reason == "active: no — needs yes"
    # One function words the top-level reasons of decide and settle (test_semantics checks
    # they agree); an eligibility failure reads "not eligible: fails …".
    assert e.reasons == ["not eligible: fails active_account", "does not qualify"]
    assert calls == ["clause", "reward", "clause"]
    # Writing it out words everyone: the clause of B, C and D is memoised from A's (all active,
    # same input), and their prize lines are worded (qualified; D ranks 4th, outside the top 3, $0).
    dumped = json.loads(settlement.model_dump_json())
    assert [c["reason"] for p in dumped["participants"] for c in p["clauses"]].count("active: yes") == 4
    assert [len(p["rewards"]) for p in dumped["participants"]] == [1, 1, 1, 1, 0]
    assert calls.count("clause") == 2 and calls.count("reward") == 1 + 4
