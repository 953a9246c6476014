"""Reasons worded on first read: a deferred outcome behaves like one built with its text,
and ``settle`` words no reason until one is read."""

from __future__ import annotations

import copy
import json
import pickle
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

import rulekit.reasons
import rulekit.settle_results
from rulekit.results import ClauseOutcome, ParticipantResult, RewardAmount, Settlement, trusted
from tests.test_settle import by_id, leaderboard

TEXT = "effective live time 12.5 hours — needs more than 14 hours"


class Counted:
    """A reason callable that records each call (and the instance it was asked about)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.asked: list[Any] = []

    def __call__(self, outcome: Any) -> str:
        self.asked.append(outcome)
        return self.text


def later(reason: Callable[[Any], str] | None = None) -> ClauseOutcome:
    return ClauseOutcome.deferred(reason or Counted(TEXT), name="live_hours", kind="gate", holds=False, judged=True)


def eager() -> ClauseOutcome:
    return ClauseOutcome(name="live_hours", kind="gate", holds=False, reason=TEXT)


def test_worded_once_on_first_read_with_the_instance() -> None:
    reason = Counted(TEXT)
    outcome = later(reason)
    assert reason.asked == []  # building it words nothing
    assert (outcome.name, outcome.holds, outcome.judged) == ("live_hours", False, True)
    assert reason.asked == []  # reading the numbers words nothing either
    assert outcome.reason == TEXT
    assert outcome.reason == TEXT
    assert reason.asked == [outcome]  # once, and the callable was given the outcome itself


def test_equal_to_and_hashed_as_the_outcome_built_with_the_text() -> None:
    assert later(Counted(TEXT)) == eager()
    assert eager() == later(Counted(TEXT))
    assert later(Counted("something else")) != eager()
    assert hash(later(Counted(TEXT))) == hash(eager())
    assert len({later(Counted(TEXT)), eager()}) == 1


def test_json_and_dumps_include_the_reason_as_before() -> None:
    # The JSON of a clause outcome, written out by hand: fields in declaration order.
    expected = {"name": "live_hours", "kind": "gate", "holds": False, "judged": True, "reason": TEXT}
    assert json.loads(later().model_dump_json()) == expected
    assert later().model_dump() == expected
    assert later().model_dump_json() == eager().model_dump_json()


def test_nested_in_a_settlement_dumps_and_round_trips() -> None:
    def person(outcome: ClauseOutcome, reward: RewardAmount) -> ParticipantResult:
        return ParticipantResult(
            id="a1", eligible=True, qualified=False, disqualified=False, clauses=[outcome], rewards=[reward]
        )

    def settlement(person: ParticipantResult) -> Settlement:
        return Settlement(program="p", currency="USD", timezone="UTC", participants=[person])

    paid: dict[str, Any] = {
        "name": "cash",
        "kind": "prize",
        "amount": Decimal("10.00"),
        "before_limits": Decimal("12.00"),
    }
    worded = RewardAmount.deferred(lambda r: f"rank 1: prize ${r.before_limits}", **paid)
    lazy = settlement(person(later(), worded))
    plain = settlement(person(eager(), RewardAmount(**paid, reason="rank 1: prize $12.00")))
    dumped = lazy.model_dump_json()
    assert dumped == plain.model_dump_json()
    assert json.loads(dumped)["participants"][0]["clauses"][0]["reason"] == TEXT
    assert Settlement.model_validate_json(dumped) == lazy == plain


def test_repr_pickle_and_copies_carry_the_text() -> None:
    assert repr(later()) == repr(eager())
    assert f"reason='{TEXT}'" in repr(later())
    assert pickle.loads(pickle.dumps(later())) == eager()
    assert copy.copy(later()).reason == TEXT
    assert copy.deepcopy(later()).reason == TEXT
    assert later().model_copy().reason == TEXT
    assert later().model_copy(update={"reason": "other"}).reason == "other"


def test_other_missing_attributes_still_raise() -> None:
    with pytest.raises(AttributeError):
        _ = later().no_such_field  # type: ignore[attr-defined]


def test_trusted_builds_without_validating_and_compares_like_a_validated_model() -> None:
    built = trusted(
        RewardAmount,
        name="cash",
        kind="prize",
        amount=Decimal("1.00"),
        before_limits=Decimal("1.00"),
        reason="r",
    )
    validated = RewardAmount(name="cash", kind="prize", amount=Decimal(1), before_limits=Decimal(1), reason="r")
    assert built == validated
    assert built.model_fields_set == {"name", "kind", "amount", "before_limits", "reason"}


def test_settle_words_reasons_only_when_read(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    clause_reason, reward_reason = rulekit.reasons.clause_reason, rulekit.reasons.reward_reason

    def counted_clause(*args: Any, **kwargs: Any) -> str:
        calls.append("clause")
        return clause_reason(*args, **kwargs)

    def counted_reward(*args: Any, **kwargs: Any) -> str:
        calls.append("reward")
        return reward_reason(*args, **kwargs)

    monkeypatch.setattr(rulekit.settle_results, "clause_reason", counted_clause)
    monkeypatch.setattr(rulekit.settle_results, "reward_reason", counted_reward)
    settlement = leaderboard("split")
    people = by_id(settlement)
    # The numbers are all there without wording anything.
    assert people["A"].qualified and people["A"].rewards[0].amount == Decimal("545.45")
    # Settlement rows now word their top-level reasons with decide's function (issue 9:
    # the two gave different reasons); before, this was ["fails active_account", ...].
    assert people["E"].reasons == ["not eligible: fails active_account", "does not qualify"]
    assert calls == []
    # A is active; E is not (fixture accounts.csv).
    assert people["A"].clauses[0].reason == "active: yes"
    assert people["E"].clauses[0].reason == "active: no — needs yes"
    assert calls == ["clause", "clause"]
    # A ranks 1st of the 4 active accounts (A, B, C, D): $600, scaled by the $1,000 pool cap
    # to 600 × 1000/1100 = $545.45 (see test_settle.test_split_tie_and_pool_scale_down).
    assert people["A"].rewards[0].reason == "rank 1 of 4: prize $600.00; scaled down to $545.45 by the $1,000 pool cap"
    assert calls[-1] == "reward"
    # Writing it out words the rest: the clause of B, C and D is memoised from A's (all active),
    # and the prize lines of B, C and D (qualified; D ranks 4th, outside the top 3, with $0).
    dumped = json.loads(settlement.model_dump_json())
    assert [c["reason"] for p in dumped["participants"] for c in p["clauses"]].count("active: yes") == 4
    assert [len(p["rewards"]) for p in dumped["participants"]] == [1, 1, 1, 1, 0]
    assert calls.count("clause") == 2 and calls.count("reward") == 4
