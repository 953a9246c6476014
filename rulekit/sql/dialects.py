"""Per-dialect lowering of the finished settlement query: one pass over the sqlglot tree.

The generator (:mod:`rulekit.sql`, :mod:`rulekit.compile_sql`) builds one tree in
DuckDB's vocabulary plus a few *semantic* nodes whose SQL differs by engine. This
module rewrites a copy of that tree for one dialect, so every construct the generator
emits is portable without the generator knowing about engines:

* **Time zones.** ``ConvertTimezone(source, target, ts)`` is a naive wall-clock
  conversion (naive in, naive out), never dependent on the session time zone. DuckDB
  and Postgres: ``(ts AT TIME ZONE source) AT TIME ZONE target`` (timestamp ->
  timestamptz -> timestamp, a type-dependent pair the two engines agree on); Spark:
  ``FROM_UTC_TIMESTAMP`` / ``TO_UTC_TIMESTAMP`` (one side is always UTC); Trino:
  ``WITH_TIMEZONE`` then ``AT_TIMEZONE`` then a cast back to ``TIMESTAMP``.
* **Exact integers.** DuckDB's ``HUGEINT`` (sums of minor units) is ``DECIMAL(38, 0)``
  elsewhere. Integer division (``//``: pool scaling, always of non-negative numbers by
  a positive one) is ``DIV`` on Spark and Postgres (truncating, so flooring here) and
  ``(a - MOD(a, b)) / b`` on Trino, whose ``/`` on decimals rounds.
* **Microseconds between two timestamps** are exact on every engine (Postgres'
  ``EXTRACT(EPOCH ...)`` is ``NUMERIC`` since version 14).

What the results also depend on — the session time zone and Spark's decimal precision
rules — is set and checked by the engines (:mod:`rulekit.engines`), not here.
"""

from __future__ import annotations

from typing import Literal, get_args

from sqlglot import exp

__all__ = ["DIALECTS", "Dialect", "lower", "render"]

Dialect = Literal["duckdb", "spark", "postgres", "trino"]
DIALECTS: tuple[str, ...] = get_args(Dialect)

EXACT_INTEGER = "DECIMAL(38, 0)"


def render(query: exp.Expression, dialect: str, *, pretty: bool = False) -> str:
    """The SQL text of ``query`` for ``dialect`` (one of :data:`DIALECTS`), lowered first."""
    target = "spark" if dialect == "spark" else dialect
    return lower(query, dialect).sql(dialect=target, pretty=pretty)


def lower(query: exp.Expression, dialect: str) -> exp.Expression:
    """A copy of ``query`` with every engine-dependent node rewritten for ``dialect``."""
    if dialect not in DIALECTS:
        raise ValueError(f"unknown SQL dialect {dialect!r}: expected one of {', '.join(DIALECTS)}")

    out = query.copy()
    # Children before parents (reversed pre-order), so a rewritten node's own arguments
    # are already lowered: conversions nest (a window end converts a converted anchor).
    for node in reversed(list(out.walk(bfs=False))):
        if not isinstance(node, exp.Expression):
            continue
        lowered = _rewrite(node, dialect)
        if lowered is not node:
            if node is out:
                return lowered
            node.replace(lowered)
    return out


def _rewrite(node: exp.Expression, dialect: str) -> exp.Expression:
    if isinstance(node, exp.ConvertTimezone):
        return _convert_timezone(node, dialect)
    if dialect == "duckdb":
        return node
    if isinstance(node, exp.DataType) and node.this == exp.DataType.Type.INT128:
        return exp.DataType.build(EXACT_INTEGER)
    if isinstance(node, exp.IntDiv):
        return _int_div(node, dialect)
    return node


def _zone(node: exp.ConvertTimezone, key: str) -> str:
    zone = node.args.get(key)
    if not isinstance(zone, exp.Literal) or not zone.is_string:
        raise ValueError("a time-zone conversion needs literal zone names")
    return str(zone.this)


def _convert_timezone(node: exp.ConvertTimezone, dialect: str) -> exp.Expression:
    source, target = _zone(node, "source_tz"), _zone(node, "target_tz")
    ts = node.args["timestamp"]
    if dialect == "spark":
        if source == "UTC":
            return exp.Anonymous(this="FROM_UTC_TIMESTAMP", expressions=[ts, exp.Literal.string(target)])
        if target == "UTC":
            return exp.Anonymous(this="TO_UTC_TIMESTAMP", expressions=[ts, exp.Literal.string(source)])
        raise ValueError("Spark converts between a zone and UTC only")
    if dialect == "trino":
        aware = exp.Anonymous(this="WITH_TIMEZONE", expressions=[ts, exp.Literal.string(source)])
        moved = exp.Anonymous(this="AT_TIMEZONE", expressions=[aware, exp.Literal.string(target)])
        return exp.Cast(this=moved, to=exp.DataType.build("TIMESTAMP"))
    aware_at = exp.AtTimeZone(this=_paren(ts), zone=exp.Literal.string(source))
    return exp.Paren(this=exp.AtTimeZone(this=exp.Paren(this=aware_at), zone=exp.Literal.string(target)))


def _int_div(node: exp.IntDiv, dialect: str) -> exp.Expression:
    left, right = node.this, node.expression
    if dialect in ("spark", "postgres"):
        return exp.Cast(this=exp.Anonymous(this="DIV", expressions=[left, right]), to=exp.DataType.build(EXACT_INTEGER))
    whole = exp.Sub(this=_paren(left), expression=exp.Anonymous(this="MOD", expressions=[left.copy(), right]))
    quotient = exp.Div(this=exp.Paren(this=whole), expression=_paren(right.copy()))
    return exp.Cast(this=quotient, to=exp.DataType.build(EXACT_INTEGER))


def _paren(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Column | exp.Literal | exp.Paren | exp.Cast | exp.Anonymous):
        return node
    return exp.Paren(this=node)
