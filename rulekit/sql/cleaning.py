"""Cleaning and the data-quality report as portable SQL (sqlglot trees), run by every engine.

The loader (:mod:`rulekit.data`) reads each declared table and types it as declared,
giving a *typed* table ``__typed_<name>``: the declared columns plus ``__rk_row``, the
row's 0-based position in the input (shown in examples, never deciding anything). From
there everything is set-based SQL built here, the same tree on DuckDB, Spark and Postgres
(lowered by :mod:`rulekit.sql.dialects`):

* :func:`cleaned` — the usable rows of a table: no null in a required column, no period
  ending before it starts, a known currency equal to the program's, a participant that
  exists; and of rows sharing a key, **the smallest by content** (:func:`content_order`:
  every declared column in declared order, ascending, nulls first; the input position
  only breaks ties between rows equal in every column, which are interchangeable), so
  the kept row never depends on the order rows were read in;
* :func:`findings`, :func:`count_queries` and :func:`examples_query` — the data-quality
  report: the count of every finding (and of each table's usable rows) in one pass over
  each table, and each finding's example, again the smallest row by content.

Window pushdown (:mod:`rulekit.sql.pushdown`) filters the *settled* rows only; the
report is always over every row read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlglot import exp

from rulekit import ir, money
from rulekit.contract import participant_key, required_columns
from rulekit.plan.links import resolve_link, singular
from rulekit.sql import build as b
from rulekit.sql.pushdown import Bounds, in_windows

__all__ = [
    "DUP",
    "ROW",
    "Finding",
    "clean_views",
    "cleaned",
    "cleaning_order",
    "content_order",
    "count_queries",
    "examples_query",
    "findings",
    "row_checks",
    "typed_name",
]

ROW = "__rk_row"  # 0-based input position of a row: shown in examples, the last tie-break only
DUP = "__rk_dup"  # a row's number among the rows of its key, in content order
_K, _N, _R = "__rk_k", "__rk_n", "__rk_r"  # the report's columns: finding, rows, example


def typed_name(table: str) -> str:
    """The name of a table's typed, uncleaned rows (the loader's view, an engine's copy)."""
    return f"__typed_{table}"


@dataclass(frozen=True)
class Finding:
    """One line the data-quality report may hold: the rows of its source where ``condition`` holds.

    The source is the table's typed rows, or for ``numbered`` the usable rows of a keyed
    table numbered within their key (``DUP``). A finding without ``example`` is not a
    line of the report but the count of a table's usable rows."""

    table: ir.Table
    column: str | None
    problem: str
    numbered: bool
    condition: exp.Expression
    example: bool = True


def cleaning_order(program: ir.Program) -> list[ir.Table]:
    """Participant table first, then the member table, then events (orphans need them)."""
    first = [program.participant.table] if program.participant else []
    if program.member:
        first.append(program.member.table)
    ordered = [t for name in first if (t := program.table(name)) is not None]
    return ordered + [t for t in program.tables if t not in ordered]


def content_order(tbl: ir.Table) -> list[exp.Ordered]:
    """A total order over a table's rows by content: each declared column ascending, nulls
    first (explicit, as engines differ by default), then the input position."""
    by_content = [exp.Ordered(this=b.col(c.name), desc=False, nulls_first=True) for c in tbl.columns]
    return [*by_content, exp.Ordered(this=b.col(ROW), desc=False, nulls_first=True)]


def _columns(tbl: ir.Table) -> list[exp.Expression]:
    return [*(b.col(c.name) for c in tbl.columns), b.col(ROW)]


def row_checks(program: ir.Program, tbl: ir.Table) -> list[tuple[str | None, str, exp.Expression]]:
    """(column, problem, condition) for every reason a row is not used, except duplicates."""
    checks: list[tuple[str | None, str, exp.Expression]] = [
        (name, "null in a required column; rows not used", exp.Is(this=b.col(name), expression=b.null()))
        for name in required_columns(program, tbl)
    ]
    if tbl.period:
        start, end = tbl.period
        checks.append((end, f"{end} before {start}; rows not used", exp.LT(this=b.col(end), expression=b.col(start))))
    currency = program.header.currency if program.header else None
    if any(c.type is ir.ColumnType.MONEY for c in tbl.columns) and tbl.column("currency"):
        known = exp.In(this=b.col("currency"), expressions=[b.string(c) for c in sorted(money.known_currencies())])
        checks.append(("currency", "unknown currency code; rows not used", b.not_(known)))
        if currency:
            other = b.and_(known, exp.NEQ(this=b.col("currency"), expression=b.string(currency)))
            checks.append(("currency", f"money in another currency than {currency}; rows not used", other))
    pk = participant_key(program)
    ptable = program.participant.table if program.participant else None
    if pk and ptable and tbl.name != ptable and tbl.column(pk):
        known_pk = exp.In(this=b.col(pk), query=b.select(b.col(pk)).from_(b.table(ptable)).subquery())
        checks.append((pk, f"{pk} not in {ptable}; rows not used", b.not_(known_pk)))
    return checks


def _usable(program: ir.Program, tbl: ir.Table) -> exp.Select:
    conditions = [b.is_true(cond) for _, _, cond in row_checks(program, tbl)]
    query = b.select(*_columns(tbl)).from_(b.table(typed_name(tbl.name)))
    return query.where(b.not_(b.or_(*conditions))) if conditions else query


def _numbered(program: ir.Program, tbl: ir.Table, rows: exp.Select | None = None) -> exp.Select:
    """The usable rows (or ``rows``), each numbered among the rows of its key in content order (``DUP``)."""
    number = b.window(exp.RowNumber(), partition=[b.col(k) for k in tbl.key], order=content_order(tbl))
    source = (rows if rows is not None else _usable(program, tbl)).subquery("u")
    return b.select(*_columns(tbl), b.alias(number, DUP)).from_(source)


def cleaned(program: ir.Program, tbl: ir.Table, bounds: tuple[Bounds, ...] = ()) -> exp.Select:
    """The rows of ``tbl`` the settlement uses (with ``ROW``): usable, one per key, and with
    ``bounds`` (:func:`rulekit.sql.pushdown.scan_windows`) only those inside a window."""
    if not tbl.key:
        query = _usable(program, tbl)
        return query.where(in_windows(tbl, bounds)) if bounds else query
    first = exp.EQ(this=b.col(DUP), expression=b.integer(1))
    if not bounds:
        return b.select(*_columns(tbl)).from_(_numbered(program, tbl).subquery("n")).where(first)
    inside = in_windows(tbl, bounds)
    return (
        b.select(*_columns(tbl))
        .from_(_numbered(program, tbl, _sharing_keys(program, tbl, bounds)).subquery("n"))
        .where(b.and_(first, inside))
    )


def _sharing_keys(program: ir.Program, tbl: ir.Table, bounds: tuple[Bounds, ...]) -> exp.Select:
    """The usable rows whose key some usable row inside the windows has. Which row of a key is
    kept is decided among all its rows (an earlier duplicate outside the windows wins, and
    then the key counts nothing), so these are exactly the rows that decide; the rows of the
    other keys are dropped as they are scanned, never held for numbering."""
    same_key = [exp.EQ(this=b.col(k, "i"), expression=b.col(k, "o")) for k in tbl.key]
    inner = b.select(b.integer(1)).from_(_usable(program, tbl).subquery("i"))
    inner = inner.where(b.and_(in_windows(tbl, bounds, "i"), *same_key))
    return b.select(*_columns(tbl)).from_(_usable(program, tbl).subquery("o")).where(exp.Exists(this=inner))


def findings(program: ir.Program, loaded: set[str]) -> list[Finding]:
    """Every line the report may hold for the tables in ``loaded``, in report order: per table
    (cleaning order) its row checks, duplicates and negative amounts; then link values;
    then each table's count of usable rows (``example`` false)."""
    tables = [t for t in cleaning_order(program) if t.name in loaded]
    found: list[Finding] = []
    kept: dict[str, exp.Expression] = {}
    for tbl in tables:
        # Over the typed rows, each check is read from its flag (:func:`_flagged`), computed once.
        checks = row_checks(program, tbl)
        found += [
            Finding(tbl, column, problem, False, b.col(_flag(i))) for i, (column, problem, _) in enumerate(checks)
        ]
        usable = b.col(_USABLE)
        kept[tbl.name] = exp.EQ(this=b.col(DUP), expression=b.integer(1)) if tbl.key else usable
        if tbl.key:
            key = ", ".join(tbl.key)
            problem = f"duplicate {key}; rows not used (of each key the smallest row by content is kept)"
            found.append(Finding(tbl, key, problem, True, exp.GT(this=b.col(DUP), expression=b.integer(1))))
        for column in tbl.columns:
            if column.type is ir.ColumnType.MONEY:
                negative = b.and_(kept[tbl.name].copy(), exp.LT(this=b.col(column.name), expression=b.integer(0)))
                found.append(Finding(tbl, column.name, "negative amount; rows kept", bool(tbl.key), negative))
    found += _link_findings(program, tables, loaded, kept)
    found += [Finding(t, None, "usable rows", bool(t.key), kept[t.name].copy(), example=False) for t in tables]
    return found


def _link_findings(
    program: ir.Program, tables: Sequence[ir.Table], loaded: set[str], kept: Mapping[str, exp.Expression]
) -> list[Finding]:
    """Null and orphan link values (sub-entities, issue 10 construct 4) of the kept rows."""
    found: list[Finding] = []
    for tbl in sorted(tables, key=program.tables.index):
        for link in tbl.links:
            resolved = resolve_link(program, tbl, link)
            if resolved is None or resolved.target not in loaded:
                continue
            noun = singular(resolved.target)
            column = b.col(resolved.column)
            null = exp.Is(this=column, expression=b.null())
            keys = b.select(b.col(resolved.target_column)).from_(b.table(resolved.target)).subquery()
            orphan = b.and_(exp.Not(this=null.copy()), b.not_(exp.In(this=column.copy(), query=keys)))
            for cond, problem in (
                (null, f"null {resolved.column}; rows kept, counted for no {noun}"),
                (orphan, f"{resolved.column} not in {resolved.target}; rows kept, counted for no {noun}"),
            ):
                condition = b.and_(kept[tbl.name].copy(), cond)
                found.append(Finding(tbl, resolved.column, problem, bool(tbl.key), condition))
    return found


def _flag(index: int) -> str:
    return f"__rk_f{index}"


_USABLE = "__rk_usable"


def _flagged(program: ir.Program, tbl: ir.Table) -> exp.Select:
    """The typed rows with a flag per row check and one for usable rows: each check, an
    orphan check's lookup included, is computed once however many findings read it."""
    checks = row_checks(program, tbl)
    flags = [b.alias(b.is_true(cond), _flag(i)) for i, (_, _, cond) in enumerate(checks)]
    inner = b.select(*_columns(tbl), *flags).from_(b.table(typed_name(tbl.name)))
    usable = b.not_(b.or_(*(b.col(_flag(i)) for i in range(len(checks))))) if checks else b.boolean(True)
    names = [*_columns(tbl), *(b.col(_flag(i)) for i in range(len(checks)))]
    return b.select(*names, b.alias(usable, _USABLE)).from_(inner.subquery("t"))


def _source(program: ir.Program, finding: Finding) -> exp.Expression:
    if finding.numbered:
        return _numbered(program, finding.table).subquery("n")
    return _flagged(program, finding.table).subquery("f")


def count_queries(program: ir.Program, found: Sequence[Finding]) -> list[tuple[list[int], exp.Select]]:
    """The counts of every finding, in one pass over each source: per table, one query over
    its typed rows and, for a keyed table, one over its numbered usable rows; each gives
    one row, a count per finding (the indexes listed with the query)."""
    groups: dict[tuple[str, bool], list[int]] = {}
    for index, finding in enumerate(found):
        groups.setdefault((finding.table.name, finding.numbered), []).append(index)
    queries = []
    for indexes in groups.values():
        counts = [
            b.alias(exp.Count(this=b.case([(b.is_true(found[i].condition.copy()), b.integer(1))])), f"{_N}{i}")
            for i in indexes
        ]
        queries.append((indexes, b.select(*counts).from_(_source(program, found[indexes[0]]))))
    return queries


def examples_query(program: ir.Program, found: Sequence[Finding], indexes: Sequence[int]) -> exp.Expression | None:
    """For each finding of ``indexes`` that has rows: ``(index, ROW)`` of its example, its
    smallest row by content (a top-1 over the rows it counts); ``None`` for no indexes."""
    parts = []
    for index in indexes:
        finding = found[index]
        first = b.select(b.alias(exp.cast(b.integer(index), "BIGINT"), _K), b.alias(b.col(ROW), _R))
        first = first.from_(_source(program, finding)).where(b.is_true(finding.condition.copy()))
        first = first.order_by(*content_order(finding.table)).limit(1)
        parts.append(b.select(b.col(_K), b.col(_R)).from_(first.subquery("x")))
    if not parts:
        return None
    query: exp.Expression = parts[0]
    for part in parts[1:]:
        query = exp.union(query, part, distinct=False)
    return query


def clean_views(program: ir.Program, loaded: set[str], windows: Mapping[str, tuple[Bounds, ...]]) -> list[exp.Create]:
    """For an engine given the typed tables: a view of each table's rows to settle (``windows``:
    :func:`rulekit.sql.pushdown.scan_windows`), in cleaning order (a table's orphan check
    reads the participants' view)."""
    return [
        exp.Create(
            this=b.table(tbl.name),
            kind="VIEW",
            expression=cleaned(program, tbl, windows.get(tbl.name, ())),
            replace=True,
            properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
        )
        for tbl in cleaning_order(program)
        if tbl.name in loaded
    ]
