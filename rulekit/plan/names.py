"""What a bare name in an expression refers to, and the type of every metric.

The checker uses this to report scope errors; the compilers reuse it (through
:mod:`rulekit.checker`) on checked programs to know where a name's value comes from.

Scope rules (``docs/semantics.md``):

* a clause sees participant-table columns and participant-level metrics;
* inside a quantifier (``every host has …``) it also sees member-table columns and
  ``per host`` metrics, which come first when a name exists at both levels;
* a metric's ``where`` sees the columns of the metric's own table only.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from rulekit import ir, walk
from rulekit import types as t
from rulekit.plan import arith
from rulekit.plan.aggregates import aggregate
from rulekit.plan.links import entity_of
from rulekit.plan.model import Shape


class ScopeKind(enum.Enum):
    PARTICIPANT = "participant"  # a clause, a `when` guard
    MEMBER = "member"  # the body of a quantifier
    ROW = "row"  # a metric's or a per-order reward's `where`
    BUCKET = "bucket"  # the condition of `count days …` (calendar buckets, issue 10)


@dataclass(frozen=True, slots=True)
class Scope:
    kind: ScopeKind
    table: str | None = None  # the row's table, for ROW scopes
    bucket: ir.BucketUnit | None = None  # the bucket unit, for BUCKET scopes

    @staticmethod
    def row(table: str) -> Scope:
        return Scope(ScopeKind.ROW, table)

    @staticmethod
    def of_bucket(unit: ir.BucketUnit) -> Scope:
        """The condition of a bucket count: the bucket metrics of ``unit``."""
        return Scope(ScopeKind.BUCKET, bucket=unit)


PARTICIPANT_SCOPE = Scope(ScopeKind.PARTICIPANT)
MEMBER_SCOPE = Scope(ScopeKind.MEMBER)


class NameKind(enum.Enum):
    PARTICIPANT_COLUMN = "participant column"
    MEMBER_COLUMN = "member column"
    PARTICIPANT_METRIC = "participant metric"
    MEMBER_METRIC = "member metric"
    ROW_COLUMN = "row column"
    ENTITY_METRIC = "entity metric"  # `per listing`: read in a `where` over its entity table only
    BUCKET_METRIC = "bucket metric"  # `… by day`: one value per participant and bucket
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class ResolvedName:
    """A bare name's meaning. ``visible`` is false when the name exists but may not be
    used in this scope (a ``per host`` metric outside a quantifier, say)."""

    name: str
    kind: NameKind
    type: t.ValueType
    table: str | None = None
    metric: ir.Metric | None = None
    visible: bool = True


def _currency(program: ir.Program) -> str | None:
    return program.header.currency if program.header else None


def is_member_metric(program: ir.Program, metric: ir.Metric, _seen: frozenset[str] = frozenset()) -> bool:
    """Whether a metric has one value per member (``per host``, or a ratio of such)."""
    definition = metric.definition
    if isinstance(definition, ir.Aggregate):
        return definition.filters.per is not None and entity_of(program, metric) is None
    if isinstance(definition, ir.BucketCount):
        return False
    if metric.name in _seen:
        return False
    seen = _seen | {metric.name}
    parts = [program.metric(name) for name in metric_parts(definition)]
    return any(part is not None and is_member_metric(program, part, seen) for part in parts)


def metric_parts(definition: ir.Definition) -> list[str]:
    """The metrics a ratio or a computed metric is made of, in source order (none for an aggregate)."""
    if isinstance(definition, ir.Ratio):
        return [definition.numerator, definition.denominator]
    if isinstance(definition, ir.Computed):
        return list(dict.fromkeys(ref.name for ref in arith.metric_names(definition.expr)))
    if isinstance(definition, ir.BucketCount):
        return list(dict.fromkeys(walk.names(definition.condition)))
    return []


def bucket_unit(metric: ir.Metric) -> ir.BucketUnit | None:
    """The bucket unit of a bucket metric (``… by day``), ``None`` for any other metric."""
    definition = metric.definition
    return definition.filters.bucket if isinstance(definition, ir.Aggregate) else None


def metric_type(program: ir.Program, metric: ir.Metric, _seen: frozenset[str] = frozenset()) -> t.ValueType:
    """The type of a metric's value; ``UNKNOWN`` when its table or column is unknown."""
    definition = metric.definition
    if isinstance(definition, ir.Ratio):
        return t.RATIO
    if isinstance(definition, ir.BucketCount):
        return t.COUNT
    if isinstance(definition, ir.Computed):
        seen = _seen | {metric.name}

        def part(ref: ir.NameRef) -> t.ValueType:
            found = program.metric(ref.name)
            return t.UNKNOWN if found is None or ref.name in seen else metric_type(program, found, seen)

        return arith.infer(definition.expr, part, lambda node, problem: None)
    entry = aggregate(definition.func)
    table = program.table(definition.table)
    column = table.column(definition.column) if table and definition.column else None
    value = t.of_column(column, _currency(program)) if column is not None else None
    if value is not None and entry.column == "numeric" and not value.is_numeric:
        return t.UNKNOWN  # reported as RK203; unknown stops the error from cascading
    return entry.result_type(value)


def _column(program: ir.Program, entity: ir.Entity | None, name: str) -> tuple[ir.Table, ir.Column] | None:
    table = program.table(entity.table) if entity else None
    column = table.column(name) if table else None
    return (table, column) if table and column else None


def resolve_name(program: ir.Program, name: str, scope: Scope) -> ResolvedName:
    """What ``name`` means in ``scope``; ``kind`` is ``UNKNOWN`` when nothing matches."""
    currency = _currency(program)
    if scope.kind is ScopeKind.ROW:
        table = program.table(scope.table or "")
        column = table.column(name) if table else None
        if table and column:
            return ResolvedName(name, NameKind.ROW_COLUMN, t.of_column(column, currency), table.name)
    candidates: list[ResolvedName] = []
    metric = program.metric(name)
    entity = entity_of(program, metric) if metric is not None else None
    if metric is not None and entity is not None:
        # Sub-entities (issue 10, construct 4): visible in a `where` over the entity table only.
        here = scope.kind is ScopeKind.ROW and scope.table == entity
        return ResolvedName(name, NameKind.ENTITY_METRIC, metric_type(program, metric), entity, metric, here)
    if metric is not None:
        member_level = is_member_metric(program, metric)
        kind = NameKind.MEMBER_METRIC if member_level else NameKind.PARTICIPANT_METRIC
        if bucket_unit(metric) is not None:
            kind = NameKind.BUCKET_METRIC
        candidates.append(ResolvedName(name, kind, metric_type(program, metric), None, metric))
    member_column = _column(program, program.member, name)
    if member_column:
        table, column = member_column
        candidates.append(ResolvedName(name, NameKind.MEMBER_COLUMN, t.of_column(column, currency), table.name))
    participant_column = _column(program, program.participant, name)
    if participant_column:
        table, column = participant_column
        kind = NameKind.PARTICIPANT_COLUMN
        candidates.append(ResolvedName(name, kind, t.of_column(column, currency), table.name))
    if not candidates:
        return ResolvedName(name, NameKind.UNKNOWN, t.UNKNOWN)
    visible = sorted(
        (c for c in candidates if _visible(c.kind, scope, c.metric)), key=lambda c: _PRIORITY.index(c.kind)
    )
    if visible:
        # Member-level meanings come first inside a quantifier: the nearest scope wins.
        return visible[0]
    first = candidates[0]
    return ResolvedName(first.name, first.kind, first.type, first.table, first.metric, visible=False)


_PRIORITY = [
    NameKind.ROW_COLUMN,
    NameKind.BUCKET_METRIC,
    NameKind.MEMBER_METRIC,
    NameKind.MEMBER_COLUMN,
    NameKind.PARTICIPANT_METRIC,
    NameKind.PARTICIPANT_COLUMN,
]


def _visible(kind: NameKind, scope: Scope, metric: ir.Metric | None = None) -> bool:
    if scope.kind is ScopeKind.BUCKET:  # only the bucket metrics of the same unit
        return kind is NameKind.BUCKET_METRIC and metric is not None and bucket_unit(metric) is scope.bucket
    if kind is NameKind.BUCKET_METRIC:
        return False
    if scope.kind is ScopeKind.ROW:
        return kind is NameKind.ROW_COLUMN
    if scope.kind is ScopeKind.MEMBER:
        return True
    return kind in (NameKind.PARTICIPANT_COLUMN, NameKind.PARTICIPANT_METRIC)


def visible_names(program: ir.Program, scope: Scope) -> list[str]:
    """Every name usable in ``scope``, for ``did you mean`` suggestions."""
    if scope.kind is ScopeKind.ROW:
        table = program.table(scope.table or "")
        carried = [m.name for m in program.metrics if table and entity_of(program, m) == table.name]
        return [c.name for c in table.columns] + carried if table else []
    if scope.kind is ScopeKind.BUCKET:
        return [m.name for m in program.metrics if bucket_unit(m) is scope.bucket]
    names = [
        m.name
        for m in program.metrics
        if entity_of(program, m) is None
        and (scope.kind is ScopeKind.MEMBER or not is_member_metric(program, m))
        and bucket_unit(m) is None
    ]
    entities = [program.participant] + ([program.member] if scope.kind is ScopeKind.MEMBER else [])
    for entity in entities:
        table = program.table(entity.table) if entity else None
        names += [c.name for c in table.columns] if table else []
    return names


def metric_shape(program: ir.Program, metric: ir.Metric, _seen: frozenset[str] = frozenset()) -> Shape:
    """How a metric's value is held: one number, or a numerator and a denominator."""
    definition = metric.definition
    if isinstance(definition, ir.Ratio):
        return Shape.QUOTIENT
    if isinstance(definition, ir.Aggregate):
        return aggregate(definition.func).shape
    if isinstance(definition, ir.BucketCount):
        return Shape.VALUE
    seen = _seen | {metric.name}

    def part(name: str) -> Shape:
        found = program.metric(name)
        return Shape.VALUE if found is None or name in seen else metric_shape(program, found, seen)

    if metric_type(program, metric).kind is t.Kind.RATIO:
        return Shape.QUOTIENT  # a ratio is held as a fraction, like `a / b` (`$5 / $3` too)
    return arith.shape(definition.expr, part)
