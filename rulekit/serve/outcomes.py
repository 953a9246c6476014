"""``POST /programs/{name}/decide-batch?view=outcomes``: a batch decided by ``decide_batch``.

The facts objects of the request become one table (the participant row's columns at the top
level, every other key as it is: member lists, given metric values, events), which
``program.decide_batch`` decides — vectorised when the table allows it, record by record by
the compiled fast path otherwise — and each row of the outcome table becomes one JSON object
with the columns ``docs/api.md`` lists (amounts as decimal strings, dates ISO). No reasons are
worded; ``view=decisions`` (the default) returns the full decisions.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pyarrow as pa

from rulekit.api import CompiledProgram
from rulekit.errors import FactsError
from rulekit.fastpath.batch import BatchFactsError, _table
from rulekit.serve.errors import ApiError, facts_error


def decide_outcomes(program: CompiledProgram, items: Sequence[Any]) -> str:
    """The outcome rows of ``items`` as a JSON array; bad facts raise an :class:`ApiError` naming the item."""
    table = _as_table(program, items)
    try:
        decided = program.decide_batch(table) if table is not None else _one_by_one(program, items)
    except BatchFactsError as exc:
        raise facts_error(exc, exc.record) from None
    return json.dumps([_plain(row) for row in decided.to_pylist()], ensure_ascii=False)


def _as_table(program: CompiledProgram, items: Sequence[Any]) -> pa.Table | None:
    """The items as one table, or ``None`` when they are not rows Arrow can hold together
    (mixed kinds of values in a column, or not facts objects): then decided one by one."""
    participant = program.plan.participant.table
    rows = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get(participant), dict):
            return None
        rows.append({**item[participant], **{k: v for k, v in item.items() if k != participant}})
    try:
        return pa.Table.from_pylist(rows)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
        return None


def _one_by_one(program: CompiledProgram, items: Sequence[Any]) -> pa.Table:
    outcomes = []
    for index, facts in enumerate(items):
        try:
            outcomes.append(program.decide_fast(facts))
        except FactsError as exc:
            raise facts_error(exc, index) from None
        except Exception:  # not a facts object at all: the words decide gives
            raise ApiError(422, "bad_facts", "facts are a JSON object of tables", item=index) from None
    return _table(program.plan, outcomes)


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {key: _json_value(value) for key, value in row.items()}


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
