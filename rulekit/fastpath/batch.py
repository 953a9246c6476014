"""Batch decisions: one table of per-participant records in, one Arrow table of outcomes out.

``program.decide_batch(table)`` takes an Arrow table (or record batch), a pandas or a polars
DataFrame with one row per participant:

* the participant table's columns, at the top level;
* the metric values given instead of events (``product_uv``, ``net_gmv``, …), one column
  each, as ``decide`` takes them at the top level of its facts;
* the member table, when the program has members, as a list-of-struct column named after
  it (``hosts``: each element a member row, with its ``per <member>`` metric values);
* any other event table as a list-of-struct column named after it.

Each record is decided exactly as ``decide`` decides the same facts (the compiled fast path
of :mod:`rulekit.fastpath`, record by record), so a batch agrees with ``decide`` on every
record. Only the per-participant stage is decided: rules that need the whole population
(prize ranks, pool caps, budgets, ``max orders``) are not applied, and the amounts are
before those limits, as in a single decision; ``settle`` applies them.

The batch is evaluated vectorised (:mod:`rulekit.fastpath.vector`, polars) when the plan and
the table's types allow it, and record by record by the generated code otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pyarrow as pa

from rulekit.errors import FactsError
from rulekit.plan import Plan
from rulekit.result_schema import money_type
from rulekit.rewards.base import RewardKind

from . import FastProgram, Outcome
from .vector import vector_decide


class BatchFactsError(FactsError):
    """Bad facts in one record of a batch: ``record`` is its 0-based position in the table."""

    def __init__(self, record: int, cause: FactsError) -> None:
        self.record = record
        super().__init__(f"record {record}: {cause.problem}", cause.table, cause.column, cause.row)


def as_arrow(table: Any) -> pa.Table:
    """An Arrow table from an Arrow table or record batch, a pandas or a polars DataFrame."""
    if isinstance(table, pa.Table):
        return table
    if isinstance(table, pa.RecordBatch):
        return pa.Table.from_batches([table])
    module = type(table).__module__.split(".")[0]
    if module == "polars":
        found = table.to_arrow()
        assert isinstance(found, pa.Table)
        return found
    if module == "pandas":
        try:
            return pa.Table.from_pandas(table, preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:  # a column of mixed kinds of values
            raise FactsError(f"the table cannot be read as Arrow: {exc}") from None
    raise FactsError(f"a batch is an Arrow table, a pandas or a polars DataFrame, got {type(table).__name__}")


def records(plan: Plan, table: pa.Table) -> Iterator[dict[str, Any]]:
    """Each row of ``table`` as the facts ``decide`` takes."""
    participant = plan.participant_table
    own = [c.name for c in participant.columns if c.name in table.column_names]
    rest = [name for name in table.column_names if name not in own]
    for row in table.to_pylist():
        facts: dict[str, Any] = {name: row[name] for name in rest}
        facts[participant.name] = {name: row[name] for name in own}
        yield facts


def result_schema(plan: Plan) -> pa.Schema:
    """The columns of a batch's outcome table (``docs/api.md``)."""
    money = money_type(plan.currency)
    fields = [
        pa.field("id", pa.string()),
        pa.field("eligible", pa.bool_()),
        pa.field("qualified", pa.bool_()),
        pa.field("disqualified", pa.bool_()),
        pa.field("warnings", pa.list_(pa.string())),
    ]
    fields += [pa.field(f"clause.{c.name}", pa.bool_()) for c in plan.clauses]
    fields += [pa.field(f"reward.{r.name}", money) for r in plan.rewards if _known(r.kind)]
    fields += [pa.field("total_payout", money), pa.field("payout_due", pa.date32())]
    return pa.schema(fields)


def _known(kind: RewardKind[Any]) -> bool:
    """Rewards a single decision pays: decided from one participant's metric values (the kind
    has its own ``py_amount``), or paid per order and summed. Prizes rank the population."""
    if kind.per_order:
        return kind.paid
    return type(kind).py_amount is not RewardKind.py_amount


def decide_batch(fast: FastProgram, table: Any) -> pa.Table:
    """Decide every record of ``table``; raises :class:`BatchFactsError` naming the record."""
    plan = fast.py.plan
    arrow = as_arrow(table)
    if fast.generated:
        found = vector_decide(plan, arrow, result_schema(plan), fast.due)
        if found is not None:
            return found
    outcomes = []
    for index, facts in enumerate(records(plan, arrow)):
        try:
            outcomes.append(fast.decide(facts))
        except BatchFactsError:  # pragma: no cover - decide raises plain FactsError
            raise
        except FactsError as exc:
            raise BatchFactsError(index, exc) from None
    return _table(plan, outcomes)


def _table(plan: Plan, outcomes: list[Outcome]) -> pa.Table:
    schema = result_schema(plan)
    columns: dict[str, list[Any]] = {
        "id": [o.id for o in outcomes],
        "eligible": [o.eligible for o in outcomes],
        "qualified": [o.qualified for o in outcomes],
        "disqualified": [o.disqualified for o in outcomes],
        "warnings": [list(o.warnings) for o in outcomes],
    }
    for i, clause in enumerate(plan.clauses):
        columns[f"clause.{clause.name}"] = [o.holds[i] for o in outcomes]
    for field in schema:
        if field.name.startswith("reward."):
            name = field.name.removeprefix("reward.")
            columns[field.name] = [_amount(o, name) for o in outcomes]
    columns["total_payout"] = [o.total_payout for o in outcomes]
    columns["payout_due"] = [o.payout_due for o in outcomes]
    return pa.table(columns, schema=schema)


def _amount(outcome: Outcome, name: str) -> Any:
    found: Mapping[str, Any] = {r.name: r.amount for r in outcome.rewards}
    return found.get(name)
