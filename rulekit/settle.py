"""Settle a whole program over its input tables, in SQL on DuckDB.

:func:`settle` loads and validates the data (:mod:`rulekit.data`), runs the query
compiled by :mod:`rulekit.compile_sql`, and builds a :class:`~rulekit.results.Settlement`:
one :class:`~rulekit.results.ParticipantResult` per participant row (eligible or
not), sorted by rank then id, with totals, the payout due date and the data-quality
report. :func:`to_arrow` flattens a settlement into an Arrow table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

import duckdb
import pyarrow as pa

from rulekit import ir, timeutil
from rulekit.compile_sql import CompiledSettlement, compile_settlement, holds_col, judged_col
from rulekit.data import LoadedData, Source, load_tables
from rulekit.money import minor_unit
from rulekit.pyeval.types import metric_type
from rulekit.pyeval.values import report_ratio
from rulekit.reasons import clause_reason, reward_reason
from rulekit.results import ClauseOutcome, MetricValue, ParticipantResult, RewardAmount, Settlement
from rulekit.sql.metrics import MID, PID, column_col, den_col, metric_col
from rulekit.sql.rewards import (
    before_col,
    digits,
    due_col,
    orders_col,
    paid_col,
    rank_col,
    ranked_col,
    tied_col,
    waived_col,
)

Progress = Callable[[str, int, int], None]  # (stage description, step, number of steps)
STAGES = (
    "loading and checking the data",
    "compiling the settlement query",
    "running the settlement",
    "building results",
)

_KINDS: dict[type, str] = {ir.Prize: "prize", ir.Rebate: "rebate", ir.Bonus: "bonus", ir.Milestone: "milestone"}
_TOTAL_KEYS = {
    "prize": "prizes",
    "rebate": "rebates",
    "bonus": "bonuses",
    "milestone": "milestones",
    "subsidy": "subsidies",
}


def settle(program: ir.Program, data: LoadedData | Source, *, progress: Progress | None = None) -> Settlement:
    """Settle ``program`` over ``data`` (loaded data, a folder, frames or a DuckDB connection).

    Raises :class:`rulekit.data.DataError` for fatal data problems and
    :class:`rulekit.sql.exprs.CompileError` for constructs the engine cannot run.
    """

    def step(index: int) -> None:
        if progress is not None:
            progress(STAGES[index], index + 1, len(STAGES))

    step(0)
    loaded = data if isinstance(data, LoadedData) else load_tables(program, data)
    step(1)
    compiled, participants_sql, members_sql = _compiled(program)
    step(2)
    rows = _fetch(loaded.connection, participants_sql)
    member_rows = _fetch(loaded.connection, members_sql) if members_sql is not None else []
    step(3)
    return build_settlement(program, compiled, rows, member_rows, loaded)


# Values derived from a program alone, by program object: its compiled query (building the sqlglot
# tree and printing it takes 0.1-0.2 s, as long as settling a small data set) and how each metric
# is read. An entry holds the program itself, so its id cannot be reused while the entry exists.
_DERIVED: dict[int, tuple[ir.Program, dict[Any, Any]]] = {}
_DERIVED_KEPT = 16


def _derived(program: ir.Program) -> dict[Any, Any]:
    found = _DERIVED.get(id(program))
    if found is None or found[0] is not program:
        if len(_DERIVED) >= _DERIVED_KEPT:
            _DERIVED.clear()
        found = _DERIVED[id(program)] = (program, {})
    return found[1]


def _compiled(program: ir.Program) -> tuple[CompiledSettlement, str, str | None]:
    """The settlement query of ``program`` and its DuckDB SQL (participants, members), built once."""
    derived = _derived(program)
    if "queries" not in derived:
        compiled = compile_settlement(program)
        members = compiled.members.sql(dialect="duckdb") if compiled.members is not None else None
        derived["queries"] = (compiled, compiled.participants.sql(dialect="duckdb"), members)
    found: tuple[CompiledSettlement, str, str | None] = derived["queries"]
    return found


def _fetch(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# ------------------------------------------------------------------------ results


def build_settlement(
    program: ir.Program,
    compiled: CompiledSettlement,
    rows: list[dict[str, Any]],
    member_rows: list[dict[str, Any]],
    loaded: LoadedData,
) -> Settlement:
    header = program.header
    currency = header.currency if header and header.currency else "USD"
    due = timeutil.due_date(program)
    members = _members(program, compiled, member_rows)
    memo: _ReasonMemo = {}
    results = [
        _participant(program, compiled, row, members.get(str(row[PID]), {}), currency, due, memo) for row in rows
    ]
    results.sort(key=lambda r: (r.rank is None, r.rank or 0, r.id))
    return Settlement(
        program=header.name if header else "",
        currency=currency,
        timezone=header.timezone if header and header.timezone else "UTC",
        participants=results,
        totals=_totals(program, results, currency),
        payout_due=due,
        data_quality=list(loaded.issues),
    )


def _metric_value(program: ir.Program, name: str, row: Mapping[str, Any], currency: str) -> Any:
    """A metric as the evaluators hold it: ``int`` counts, ``Decimal`` amounts and seconds, ``Fraction`` ratios."""
    shape, kind = _metric_shape(program, name)
    value = row.get(metric_col(name))
    if shape == "ratio":
        num, den = value, row.get(den_col(name))
        if num is None or den is None or den == 0:
            return None
        return Fraction(num) / Fraction(den)
    if shape == "average":
        den = row.get(den_col(name))
        if value is None or not den:
            return None
        average = Decimal(value) / Decimal(den)
        return average / 1_000_000 if kind == "duration" else average
    if value is None:
        return None
    if kind == "duration":
        return Decimal(value) / 1_000_000
    if kind in ("count", "int"):
        return int(value)
    if kind == "money" and isinstance(value, Decimal):
        return _tidy_money(value, currency)
    return value


def _metric_shape(program: ir.Program, name: str) -> tuple[str, str]:
    """(``ratio`` / ``average`` / ``value``, value type) of a metric, looked up once per program."""
    derived = _derived(program)
    key = ("metric", name)
    if key not in derived:
        metric = program.metric(name)
        assert metric is not None
        definition = metric.definition
        shape = "ratio" if isinstance(definition, ir.Ratio) else "value"
        if isinstance(definition, ir.Aggregate) and definition.func is ir.AggregateFunc.AVERAGE:
            shape = "average"
        derived[key] = (shape, metric_type(program, metric))
    found: tuple[str, str] = derived[key]
    return found


def _tidy_money(value: Decimal, currency: str) -> Decimal:
    """``12.500000`` → ``12.50`` when nothing below the minor unit is lost."""
    quantized = value.quantize(minor_unit(currency))
    return quantized if quantized == value else value.normalize()


def _reported(values: Mapping[str, Any]) -> dict[str, MetricValue]:
    return {k: report_ratio(v) if isinstance(v, Fraction) else v for k, v in values.items()}


def _members(
    program: ir.Program, compiled: CompiledSettlement, rows: list[dict[str, Any]]
) -> dict[str, dict[str, dict[str, Any]]]:
    """participant id → member id → member columns and member metrics (evaluator values)."""
    currency = program.header.currency if program.header and program.header.currency else "USD"
    mtable = program.table(program.member.table) if program.member else None
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for row in rows:
        values: dict[str, Any] = {}
        if mtable is not None:
            values.update({c.name: row.get(column_col(c.name)) for c in mtable.columns})
        values.update({m: _metric_value(program, m, row, currency) for m in compiled.member_metrics})
        found.setdefault(str(row[PID]), {})[str(row[MID])] = values
    return found


def _participant(
    program: ir.Program,
    compiled: CompiledSettlement,
    row: dict[str, Any],
    members: dict[str, dict[str, Any]],
    currency: str,
    due: dt.date | None,
    memo: _ReasonMemo,
) -> ParticipantResult:
    ptable = program.table(program.participant.table) if program.participant else None
    columns = {c.name: row.get(column_col(c.name)) for c in (ptable.columns if ptable else ())}
    metrics = {m: _metric_value(program, m, row, currency) for m in compiled.participant_metrics}
    values = {**columns, **metrics}
    clauses = [_clause(program, c, row, values, members, memo) for c in program.clauses]
    qualified = bool(row["qualified"])
    rewards = _rewards(program, row, values, currency) if qualified else []
    total = sum((r.amount for r in rewards), Decimal(0).quantize(minor_unit(currency)))
    primary = _primary_ranking(program)
    commissions = [r for r in program.rewards if isinstance(r, ir.Commission)]
    member_metrics = {
        mid: {m: v for m, v in vals.items() if m in compiled.member_metrics} for mid, vals in members.items()
    }
    return ParticipantResult(
        id=str(row[PID]),
        eligible=bool(row["eligible"]),
        qualified=qualified,
        disqualified=bool(row["disqualified"]),
        warnings=[c.name for c in clauses if c.kind == "warn" and c.holds and c.judged],
        metrics=_reported(metrics),
        members={mid: _reported(vals) for mid, vals in sorted(member_metrics.items())},
        clauses=clauses,
        rank=_int(row.get(rank_col(primary))) if primary else None,
        rewards=rewards,
        commission_due=_sum_minor(row, [due_col(c.name) for c in commissions], currency) if commissions else None,
        commission_waived=_sum_minor(row, [waived_col(c.name) for c in commissions], currency) if commissions else None,
        total_payout=total,
        payout_due=due if total > 0 else None,
        reasons=_reasons(program, row, clauses),
    )


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _money(minor_units: Any, currency: str) -> Decimal:
    return Decimal(int(minor_units or 0)).scaleb(-digits(currency)).quantize(minor_unit(currency))


def _sum_minor(row: Mapping[str, Any], names: list[str], currency: str) -> Decimal:
    return _money(sum(int(row.get(n) or 0) for n in names), currency)


def _primary_ranking(program: ir.Program) -> str | None:
    """The ranking of the first prize, else the first ranking: the one ``rank`` reports."""
    prize = next((r for r in program.rewards if isinstance(r, ir.Prize)), None)
    if prize is not None:
        return prize.ranking
    return program.rankings[0].name if program.rankings else None


# Clause reasons already worded in this settlement, by clause, outcome and the values the wording
# reads: most participants share the few distinct inputs of a clause such as `region = "US"`, and
# wording a reason costs more than looking one up. Clauses over members are not memoised.
_ReasonMemo = dict[Any, Any]


def _clause(
    program: ir.Program,
    clause: ir.Clause,
    row: Mapping[str, Any],
    values: Mapping[str, Any],
    members: Mapping[str, Mapping[str, Any]],
    memo: _ReasonMemo,
) -> ClauseOutcome:
    holds, judged = bool(row[holds_col(clause.name)]), bool(row[judged_col(clause.name)])
    inputs = memo.get(clause.name)
    if inputs is None:
        inputs = memo[clause.name] = _reason_inputs(program, clause)
    # By class and text, not by value: Decimal("1.0") == Decimal("1.00") but they are worded differently.
    key = (clause.name, holds, judged, *(_shown(values.get(n)) for n in inputs)) if inputs else None
    reason = memo.get(key) if key is not None else None
    if reason is None:
        reason = clause_reason(program, clause, holds, judged, values, members)
        if key is not None:
            memo[key] = reason
    return ClauseOutcome(name=clause.name, kind=clause.kind.value, holds=holds, judged=judged, reason=reason)


def _shown(value: Any) -> tuple[type, str]:
    return value.__class__, str(value)


def _reason_inputs(program: ir.Program, clause: ir.Clause) -> tuple[str, ...]:
    """The names whose values the reason of a quantifier-free clause reads (a ratio reads its parts
    too); empty when the clause has a quantifier, whose reason reads the members."""
    names: list[str] = []

    def walk(expr: ir.Expr | None) -> bool:
        if isinstance(expr, ir.Quantified):
            return False
        if isinstance(expr, ir.NameRef | ir.QualifiedRef):
            add(expr.name if isinstance(expr, ir.NameRef) else expr.column)
        parts: list[ir.Expr] = []
        if isinstance(expr, ir.Compare):
            parts = [expr.left, expr.right]
        elif isinstance(expr, ir.InList | ir.Not):
            parts = [expr.operand]
        elif isinstance(expr, ir.BoolOp):
            parts = list(expr.operands)
        return all(walk(part) for part in parts)

    def add(name: str) -> None:
        names.append(name)
        metric = program.metric(name)
        if metric is not None and isinstance(metric.definition, ir.Ratio):
            add(metric.definition.numerator)
            add(metric.definition.denominator)

    if not (walk(clause.condition) and walk(clause.guard)):
        return ()
    return tuple(dict.fromkeys(names)) or ("",)  # a clause reading no name still has one reason per outcome


def _rewards(
    program: ir.Program, row: Mapping[str, Any], values: Mapping[str, Any], currency: str
) -> list[RewardAmount]:
    found: list[RewardAmount] = []
    for reward in program.rewards:
        if isinstance(reward, ir.Commission):
            continue
        amount, before = (
            _money(row.get(paid_col(reward.name)), currency),
            _money(row.get(before_col(reward.name)), currency),
        )
        extra: dict[str, Any] = {}
        if isinstance(reward, ir.Prize):
            extra = {
                "rank": _int(row.get(rank_col(reward.ranking))),
                "ranked": _int(row.get(ranked_col(reward.ranking))),
                "tied": _int(row.get(tied_col(reward.ranking))) or 1,
            }
        elif isinstance(reward, ir.Subsidy):
            extra = {"orders": _int(row.get(orders_col(reward.name)))}
        reason = reward_reason(program, reward, values, amount=amount, before_limits=before, **extra)
        kind = _KINDS.get(type(reward), "subsidy")
        found.append(RewardAmount(name=reward.name, kind=kind, amount=amount, before_limits=before, reason=reason))  # type: ignore[arg-type]
    return found


def _reasons(program: ir.Program, row: Mapping[str, Any], clauses: list[ClauseOutcome]) -> list[str]:
    failed = [c.name for c in clauses if c.kind in ("eligible", "gate") and not c.holds]
    disq = [c.name for c in clauses if c.kind == "disqualify" and c.holds and c.judged]
    out: list[str] = []
    if failed:
        out.append("fails " + ", ".join(failed))
    if disq:
        out.append("disqualified by " + ", ".join(disq))
    out.append("qualifies" if row["qualified"] else "does not qualify")
    return out


def _totals(program: ir.Program, results: list[ParticipantResult], currency: str) -> dict[str, Decimal]:
    zero = Decimal(0).quantize(minor_unit(currency))
    totals: dict[str, Decimal] = {}
    for reward in program.rewards:
        if isinstance(reward, ir.Commission):
            totals.setdefault("commission_due", zero)
            totals.setdefault("commission_waived", zero)
        else:
            totals.setdefault(_TOTAL_KEYS[_KINDS.get(type(reward), "subsidy")], zero)
    for result in results:
        for paid in result.rewards:
            key = _TOTAL_KEYS[paid.kind]
            totals[key] = totals.get(key, zero) + paid.amount
        if result.commission_due is not None:
            totals["commission_due"] += result.commission_due
        if result.commission_waived is not None:
            totals["commission_waived"] += result.commission_waived
    totals["payout"] = sum((r.total_payout for r in results), zero)
    totals["participants"] = Decimal(len(results))
    totals["eligible"] = Decimal(sum(r.eligible for r in results))
    totals["qualified"] = Decimal(sum(r.qualified for r in results))
    totals["disqualified"] = Decimal(sum(r.disqualified for r in results))
    totals["warned"] = Decimal(sum(bool(r.warnings) for r in results))
    return totals


# ------------------------------------------------------------------------ Arrow


def to_arrow(settlement: Settlement) -> pa.Table:
    """One row per participant: flags, rank, metrics, each reward, commissions and the total.

    Money columns are ``decimal128`` with the currency's minor unit; metric columns
    are named ``metric.<name>``, reward columns ``reward.<name>``.
    """
    scale = digits(settlement.currency)
    money_type = pa.decimal128(38, scale)
    people = settlement.participants
    metric_names = list(dict.fromkeys(n for p in people for n in p.metrics))
    reward_names = list(dict.fromkeys(r.name for p in people for r in p.rewards))
    columns: dict[str, pa.Array] = {
        "id": pa.array([p.id for p in people], pa.string()),
        "rank": pa.array([p.rank for p in people], pa.int64()),
        "eligible": pa.array([p.eligible for p in people], pa.bool_()),
        "qualified": pa.array([p.qualified for p in people], pa.bool_()),
        "disqualified": pa.array([p.disqualified for p in people], pa.bool_()),
        "warnings": pa.array([";".join(p.warnings) for p in people], pa.string()),
    }
    for name in metric_names:
        columns[f"metric.{name}"] = _metric_array([p.metrics.get(name) for p in people])
    for name in reward_names:
        amounts = [next((r.amount for r in p.rewards if r.name == name), None) for p in people]
        columns[f"reward.{name}"] = pa.array(amounts, money_type)
    columns["commission_due"] = pa.array([p.commission_due for p in people], money_type)
    columns["commission_waived"] = pa.array([p.commission_waived for p in people], money_type)
    columns["total_payout"] = pa.array([p.total_payout for p in people], money_type)
    columns["payout_due"] = pa.array([p.payout_due for p in people], pa.date32())
    return pa.table(columns)


def _metric_array(values: list[MetricValue]) -> pa.Array:
    if all(v is None or isinstance(v, int) for v in values):
        return pa.array(values, pa.int64())
    quantum = Decimal("1e-9")
    return pa.array([None if v is None else Decimal(v).quantize(quantum) for v in values], pa.decimal128(38, 9))
