"""Loading and validating the input tables of a settlement.

:func:`load_tables` reads the tables a program declares from a folder of Parquet /
CSV / JSON files, from in-memory frames (pandas, polars, Arrow) or from a DuckDB
connection, and registers them, typed as declared, in one fresh in-process DuckDB
connection. It then separates the rows the engine can use from the rows it cannot:

* **fatal** problems raise :class:`DataError` — a missing table, file or column, a
  value that cannot be read as the declared type;
* every other problem is a :class:`~rulekit.results.DataIssue` in the data-quality
  report, with the number of rows and an example row. Rows with a null in a
  required column, duplicate keys (of each key the smallest row by content is kept,
  see :mod:`rulekit.sql.cleaning`), periods
  that end before they start, events of unknown participants, unknown currency
  codes and money in another currency are **not used**; negative money is
  reported and kept. Nothing is dropped without being counted. The cleaning and the
  report are portable SQL (:mod:`rulekit.sql.cleaning`): run here for DuckDB, by the
  engine itself for Spark and Postgres (``defer_cleaning``).

Timestamps are read as UTC: naive values are UTC, values with an offset are
converted. All queries are sqlglot trees; names and values are never spliced into SQL.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import duckdb
import pyarrow as pa
from sqlglot import exp

from rulekit import conversion, ir
from rulekit.errors import DataError as DataError  # re-exported: its long-standing home
from rulekit.errors import RulekitError, describe_issue
from rulekit.inputs import (
    PARQUET_SUFFIX,
    TABLE_FILE_SUFFIXES,
    FileSet,
    InputShapeError,
    Pattern,
    file_set,
    pattern_files,
    table_in_folder,
)
from rulekit.inputs import frame_to_arrow as to_arrow_table
from rulekit.plan import bind
from rulekit.plan.kinds import kind_of
from rulekit.results import DataIssue
from rulekit.sql import build as b
from rulekit.sql import cleaning
from rulekit.sql.dialects import render
from rulekit.sql.failures import engine_step
from rulekit.sql.pushdown import scan_windows

INTERNAL_PREFIX = "__"  # names rulekit uses inside the loader; reserved in rule files (RK118)
ROW = cleaning.ROW  # 0-based input order of a row, kept for examples and tie-breaks
PARQUET_ROW = "file_row_number"  # the row number column DuckDB's read_parquet adds on request
PARQUET_FILE = "__rk_file"  # the file name column read_parquet adds for a table of several files
FILE_SUFFIXES = TABLE_FILE_SUFFIXES
FILE_BITS = 40  # a row of file k of a table is numbered k * 2**40 + its row in the file

SQL_TYPES: dict[ir.ColumnType, str] = {
    ir.ColumnType.STRING: "VARCHAR",
    ir.ColumnType.INT: "BIGINT",
    ir.ColumnType.DECIMAL: b.DECIMAL_TYPE,
    ir.ColumnType.MONEY: b.MONEY_TYPE,
    ir.ColumnType.BOOL: "BOOLEAN",
    ir.ColumnType.TIMESTAMP: "TIMESTAMP",
    ir.ColumnType.DATE: "DATE",
    ir.ColumnType.DURATION: b.DECIMAL_TYPE,  # seconds
    ir.ColumnType.PERCENT: b.DECIMAL_TYPE,  # a fraction: 0.05 is 5 %
}


@dataclass(frozen=True)
class InputInfo:
    """One input table as read: where from, its sha256 and its row count."""

    table: str
    source: str
    sha256: str
    rows: int


@dataclass
class LoadedData:
    """The typed, cleaned tables in ``connection`` (one table per declared table)."""

    connection: duckdb.DuckDBPyConnection
    inputs: tuple[InputInfo, ...]
    issues: tuple[DataIssue, ...]
    rows_used: dict[str, int] = field(default_factory=dict)
    deferred: bool = False  # read and typed only: the engine cleans and reports (load_tables)


Source = str | Path | Mapping[str, Any] | duckdb.DuckDBPyConnection
Raw: TypeAlias = pa.Table | FileSet  # an input held in memory, or Parquet files read through a view


describe = describe_issue  # the one-line form of a data issue, kept under its old name


def load_tables(program: ir.Program, source: Source, *, defer_cleaning: bool = False) -> LoadedData:
    """Read, type, validate and clean every table ``program`` declares.

    With ``defer_cleaning`` the tables are read and typed only (``__typed_<name>``), for an
    engine that cleans them itself (:func:`rulekit.settle.settle` on Spark or Postgres): the
    clean tables are views, the report is left empty, the rows read are kept for examples.

    Raises :class:`DataError` for fatal problems (all of them at once) and
    :class:`~rulekit.errors.EngineError` when DuckDB fails on a table (a corrupt file).
    """
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    raws, inputs, fatal = _read_all(program, source)
    for name, raw in raws.items():
        with engine_step(name):
            if isinstance(raw, FileSet):
                con.execute(_parquet_view(name, raw).sql("duckdb"))
            else:
                con.register(_raw(name), raw)
    for tbl in program.tables:
        if tbl.name in raws:
            with engine_step(tbl.name):
                fatal += _check_columns(con, tbl)
    if fatal:
        con.close()
        raise DataError(fatal)
    names = set(raws)
    if defer_cleaning:  # the engine cleans: views here, so DuckDB can still plan the queries
        for create in _clean(program, names):
            create.set("kind", "VIEW")
            con.execute(create.sql("duckdb"))
        return LoadedData(con, tuple(inputs), (), {}, deferred=True)
    for create in _clean(program, names):
        with engine_step(create.this.name):
            con.execute(create.sql("duckdb"))
    with engine_step(", ".join(raws)):
        issues, used = report_here(con, program, names)
        _release_raw(con, raws)
    for tbl in program.tables:
        if tbl.name in raws and not _orders_by_input(program, tbl):
            with engine_step(tbl.name):
                con.execute(_drop_row_number(tbl.name).sql("duckdb"))
    return LoadedData(con, tuple(inputs), tuple(issues), used)


def _orders_by_input(program: ir.Program, tbl: ir.Table) -> bool:
    """Whether the settlement orders ``tbl``'s rows by input order: a per-order reward on a table
    without a key or a time. Other tables drop the row number once cleaned (8 bytes a row)."""
    orders = [kind_of(r).order(r) for r in program.rewards]
    on_table = any(o is not None and o.table == tbl.name for o in orders)
    return on_table and not (tbl.key and (tbl.time or tbl.period))


def _drop_row_number(table: str) -> exp.Alter:
    drop = exp.Drop(tables=[b.col(ROW)], kind="COLUMN")
    return exp.Alter(this=b.table(table), kind="TABLE", actions=[drop])


def _release_raw(con: duckdb.DuckDBPyConnection, raws: Mapping[str, Raw]) -> None:
    """Drop the typed views and the raw inputs once the clean tables exist: the connection no
    longer holds the Arrow tables it was given, so their memory can go back."""
    for name, raw in raws.items():
        con.execute(exp.Drop(tables=[b.table(_typed(name))], kind="VIEW", exists=True).sql("duckdb"))
        if isinstance(raw, FileSet):
            con.execute(exp.Drop(tables=[b.table(_raw(name))], kind="VIEW", exists=True).sql("duckdb"))
        else:
            con.unregister(_raw(name))


def _parquet_view(name: str, files: FileSet) -> exp.Create:
    """A view over a table's Parquet files, numbered in file order: DuckDB reads the files where
    the raw table is used, and only the clean table is ever held in memory (no Arrow copy).

    Several files are numbered file by file in the order of their sorted paths (a small join
    gives each file its index), so the numbering never depends on the order DuckDB reads them.
    """
    if len(files.files) == 1:
        number = b.alias(b.col(PARQUET_ROW), ROW)
        scan = _parquet_scan(files.files[0], numbered=True, hive=files.hive)
        query = b.select(exp.Star(except_=[b.col(PARQUET_ROW)]), number).from_(scan)
    else:
        query = _numbered_files(files)
    return exp.Create(this=b.table(_raw(name)), kind="VIEW", expression=query, replace=True)


def _numbered_files(files: FileSet) -> exp.Select:
    index = exp.Values(
        expressions=[
            exp.Tuple(expressions=[b.string(str(f)), exp.Literal.number(i)]) for i, f in enumerate(files.files)
        ],
        alias=exp.TableAlias(
            this=exp.to_identifier("__rk_files"), columns=[exp.to_identifier("f"), exp.to_identifier("k")]
        ),
    )
    file_index = exp.Cast(this=b.col("k", "__rk_files"), to=exp.DataType.build("BIGINT"))
    offset = exp.Mul(this=file_index, expression=exp.Literal.number(2**FILE_BITS))
    number = b.alias(exp.Add(this=offset, expression=b.col(PARQUET_ROW, "__rk_scan")), ROW)
    star = exp.Star(except_=[b.col(PARQUET_ROW), b.col(PARQUET_FILE)])
    scan = _parquet_scan_many(files).as_("__rk_scan")
    on = exp.EQ(this=b.col(PARQUET_FILE, "__rk_scan"), expression=b.col("f", "__rk_files"))
    return b.select(exp.Column(this=star, table=exp.to_identifier("__rk_scan")), number).from_(scan).join(index, on=on)


# ------------------------------------------------------------------------ reading


def _raw(name: str) -> str:
    return f"__raw_{name}"


def _typed(name: str) -> str:
    return cleaning.typed_name(name)


def _read_all(program: ir.Program, source: Source) -> tuple[dict[str, Raw], list[InputInfo], list[DataIssue]]:
    raws: dict[str, Raw] = {}
    inputs: list[InputInfo] = []
    fatal: list[DataIssue] = []
    if isinstance(source, str | Path) and not Path(source).is_dir():
        problem = "the data folder does not exist" if not Path(source).exists() else "not a folder"
        return raws, inputs, [DataIssue(table=str(source), column=None, problem=problem, rows=0)]
    for tbl in program.tables:
        try:
            arrow, info = _read_one(tbl.name, source)
        except _MissingError as exc:
            fatal.append(DataIssue(table=tbl.name, column=None, problem=str(exc), rows=0))
            continue
        except (duckdb.Error, OSError, pa.ArrowException, ValueError, TypeError, InputShapeError) as exc:
            problem = f"cannot read the table: {_first_line(exc)}"
            fatal.append(DataIssue(table=tbl.name, column=None, problem=problem, rows=0))
            continue
        if isinstance(arrow, FileSet):
            raws[tbl.name] = arrow
        else:
            arrow = _without_internal_names(_columns_of_empty_json(tbl, info, arrow))
            raws[tbl.name] = arrow.append_column(ROW, pa.array(range(arrow.num_rows), pa.int64()))
        inputs.append(info)
    return raws, inputs, fatal


def _columns_of_empty_json(tbl: ir.Table, info: InputInfo, arrow: pa.Table) -> pa.Table:
    """A JSON file holding ``[]`` names no columns (DuckDB reads it as one column ``json``):
    it is a table with no rows, so it gets the declared columns, as text."""
    if arrow.num_rows or not info.source.endswith((".json", ".jsonl")):
        return arrow
    return pa.Table.from_pylist([], schema=pa.schema([(c.name, pa.string()) for c in tbl.columns]))


def _without_internal_names(arrow: pa.Table) -> pa.Table:
    """The input without columns named like rulekit's own (``__rk_row``, ``__rk_dup``):
    no rule file can declare such a name (RK118), and an input column must never stand
    in for the row number that breaks ties between duplicates equal in every column."""
    internal = [name for name in arrow.column_names if name.startswith(INTERNAL_PREFIX)]
    return arrow.drop_columns(internal) if internal else arrow


class _MissingError(RulekitError):
    pass


def fetch_one(con: duckdb.DuckDBPyConnection, query: exp.Expression) -> tuple[Any, ...] | None:
    """The first row of ``query`` (the whole result is fetched, so the connection is free again)."""
    rows = con.execute(query.sql("duckdb")).fetchall()
    return tuple(rows[0]) if rows else None


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _read_one(name: str, source: Source) -> tuple[Raw, InputInfo]:
    if isinstance(source, duckdb.DuckDBPyConnection):
        try:
            arrow = source.table(name).to_arrow_table()
        except duckdb.CatalogException as exc:
            raise _MissingError("missing table: the DuckDB connection has no such table") from exc
        return arrow, InputInfo(name, "<duckdb>", arrow_sha256(arrow), arrow.num_rows)
    if isinstance(source, Mapping):
        if name not in source:
            raise _MissingError(f"missing table: no frame named {name!r} (got {', '.join(sorted(source)) or 'none'})")
        given = source[name]
        if isinstance(given, str | Path | Pattern):
            named = pattern_files(given) if isinstance(given, Pattern) else file_set(Path(given))
            return _read_files(name, named)
        arrow = to_arrow_table(given)
        return arrow, InputInfo(name, "<memory>", arrow_sha256(arrow), arrow.num_rows)
    folder = Path(source)
    files = table_in_folder(name, folder)
    if files is None:
        raise _MissingError(
            f"missing table: no {name}.parquet, {name}.csv or {name}.json (nor a folder {name}/ of Parquet files) "
            f"in {folder}"
        )
    return _read_files(name, files)


def _read_files(name: str, files: FileSet) -> tuple[Raw, InputInfo]:
    """A table's files as Arrow, or for Parquet the checked files themselves (read later through a view)."""
    if files.suffix == PARQUET_SUFFIX:
        parquet = _parquet_files(name, files)
        if parquet is not None:
            return parquet
    tables = [_read_file(path) for path in files.files]
    arrow = tables[0] if len(tables) == 1 else pa.concat_tables(tables, promote_options="permissive")
    return arrow, InputInfo(name, files.shown, files.sha256(), arrow.num_rows)


def _parquet_files(name: str, files: FileSet) -> tuple[Raw, InputInfo] | None:
    """Parquet files to read through a view, with their row count; ``None`` when a file has a
    column named like the row numbers DuckDB adds (then they are read as Arrow instead)."""
    con = duckdb.connect(":memory:")
    try:
        # The footers are read here, so a file that is not Parquet is a fatal problem now.
        rel = con.sql(b.select(exp.Star()).from_(_parquet_scan_many(files, numbered=False)).sql("duckdb"))
        if PARQUET_ROW in rel.columns or PARQUET_FILE in rel.columns:
            return None
        if any(c.startswith(INTERNAL_PREFIX) for c in rel.columns):
            return None
        row = con.execute(b.select(b.count_star()).from_(_parquet_scan_many(files, numbered=False)).sql("duckdb"))
        count = row.fetchone()
    finally:
        con.close()
    return files, InputInfo(name, files.shown, files.sha256(), int(count[0]) if count else 0)


def _read_file(path: Path) -> pa.Table:
    """One table file as Arrow: CSV as text (typed later), Parquet and JSON as stored."""
    if path.suffix != PARQUET_SUFFIX:
        _check_text_file(path)
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET TimeZone = 'UTC'")
        if path.suffix == ".csv":
            rel = con.read_csv(literal_path(con, path), header=True, all_varchar=True)
        elif path.suffix == PARQUET_SUFFIX:
            rel = con.read_parquet(literal_path(con, path))
        else:
            rel = con.read_json(literal_path(con, path))
        return rel.to_arrow_table()
    finally:
        con.close()


def _check_text_file(path: Path) -> None:
    """Problems DuckDB reports obscurely, named with the file, the line and the fix:
    an empty file, bytes that are not UTF-8, and (CSV) a column named twice in the header."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line, first_line, blank = 1, b"", True
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            if blank:
                first_line = block.lstrip().split(b"\n", 1)[0]
                blank = not block.strip()
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                where = line + block[: exc.start].count(b"\n")
                byte = block[exc.start]
                raise ValueError(
                    f"{path.name} line {where}: byte 0x{byte:02X} is not UTF-8 text "
                    f"(the file is probably Latin-1 or Windows-1252); save it as UTF-8"
                ) from None
            line += block.count(b"\n")
    if blank:
        raise ValueError(f"{path.name} is empty: write a header line with the column names, then one row a line")
    if path.suffix == ".csv":
        header = next(csv.reader([first_line.decode("utf-8-sig", errors="replace").rstrip("\r")]), [])
        seen: dict[str, int] = {}
        for index, name in enumerate(header, start=1):
            if name in seen:
                raise ValueError(
                    f"{path.name} line 1: column `{name}` is named twice in the header "
                    f"(columns {seen[name]} and {index}); rename or delete one"
                )
            seen[name] = index


_GLOB_CHARACTERS = re.compile(r"([*?\[])")


def literal_path(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    """``path`` as a DuckDB file pattern that matches exactly that file.

    DuckDB's readers take glob patterns: a folder named ``month[12]`` would read
    ``month1/`` and ``month2/``, and ``*`` or ``?`` in a name other files too. Each
    pattern character is wrapped in a class (``[[]``, ``[*]``, ``[?]``), and DuckDB's own
    ``glob`` must then find exactly this one file, so the manifest's hash is of what is read.
    """
    pattern = _GLOB_CHARACTERS.sub(r"[\1]", str(path))
    listing = b.select(b.col("file")).from_(exp.Table(this=exp.Anonymous(this="glob", expressions=[b.string(pattern)])))
    found = [row[0] for row in con.execute(listing.sql("duckdb")).fetchall()]
    if [Path(f).resolve() for f in found] != [path.resolve()]:
        raise ValueError(f"cannot read {path} as exactly one file (the path matches {len(found)} files)")
    return pattern


def _escaped(path: Path) -> exp.Literal:
    """A file path as a DuckDB pattern that matches only that file (see :func:`literal_path`)."""
    return b.string(_GLOB_CHARACTERS.sub(r"[\1]", str(path)))


def _option(name: str, value: exp.Expression) -> exp.EQ:
    return exp.EQ(this=b.col(name), expression=value)


def _parquet_scan(path: Path, *, numbered: bool = False, hive: bool = False) -> exp.Table:
    args: list[exp.Expression] = [_escaped(path)]
    if numbered:
        args.append(_option(PARQUET_ROW, b.boolean(True)))
    args.append(_option("hive_partitioning", b.boolean(hive)))
    if hive:
        args.append(_option("hive_types_autocast", b.boolean(False)))
    return exp.Table(this=exp.Anonymous(this="read_parquet", expressions=args))


def _parquet_scan_many(files: FileSet, *, numbered: bool = True) -> exp.Table:
    """``read_parquet`` over every file of a table, columns matched by name across files."""
    args: list[exp.Expression] = [exp.Array(expressions=[_escaped(f) for f in files.files])]
    args.append(_option("hive_partitioning", b.boolean(files.hive)))
    if files.hive:  # partition values stay text, typed as declared like any column ("007" keeps its zeros)
        args.append(_option("hive_types_autocast", b.boolean(False)))
    args.append(_option("union_by_name", b.boolean(True)))
    if numbered:
        args += [_option(PARQUET_ROW, b.boolean(True)), _option("filename", b.string(PARQUET_FILE))]
    return exp.Table(this=exp.Anonymous(this="read_parquet", expressions=args))


def arrow_sha256(arrow: pa.Table) -> str:
    """sha256 of a canonical Arrow IPC stream of the table (one chunk, no metadata)."""
    canonical = arrow.replace_schema_metadata(None).combine_chunks()
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, canonical.schema) as writer:
        writer.write_table(canonical)
    return hashlib.sha256(sink.getvalue()).hexdigest()


# ------------------------------------------------------------------------ typing


def _raw_types(con: duckdb.DuckDBPyConnection, name: str) -> dict[str, str]:
    rel = con.table(_raw(name))
    return {c: str(t).upper() for c, t in zip(rel.columns, rel.types, strict=True)}


def _lookalike(wanted: str, present: Mapping[str, str]) -> str:
    """A hint when a present column differs from ``wanted`` only by look-alike letters
    (a Cyrillic `е` for a Latin `e`), naming each with its code point."""
    for name in present:
        if len(name) != len(wanted) or name == wanted:
            continue
        differing = [(a, b) for a, b in zip(name, wanted, strict=True) if a != b]
        if all(not a.isascii() and b.isascii() for a, b in differing):
            shown = ", ".join(
                f"U+{ord(a):04X} {unicodedata.name(a, 'unnamed character')} where `{b}` is expected"
                for a, b in differing
            )
            return f"; `{name}` in the file looks the same but has {shown}: retype the header"
    return ""


def _check_columns(con: duckdb.DuckDBPyConnection, tbl: ir.Table) -> list[DataIssue]:
    """Missing columns and values that cannot be read as the declared type (fatal)."""
    types = _raw_types(con, tbl.name)
    missing = [c.name for c in tbl.columns if c.name not in types]
    issues = [
        DataIssue(
            table=tbl.name,
            column=c,
            problem=f"missing column (the table has: {', '.join(t for t in types if t != ROW)}){_lookalike(c, types)}",
            rows=0,
        )
        for c in missing
    ]
    if missing:
        return issues
    for column in tbl.columns:
        ctype = column.type or ir.ColumnType.STRING
        raw = b.col(column.name)
        bad = b.and_(
            exp.Not(this=exp.Is(this=raw, expression=b.null())),
            exp.Is(this=_typed_expr(raw, ctype, types[column.name]), expression=b.null()),
        )
        with engine_step(tbl.name, column.name):  # Parquet is read column by column: a bad page is this one
            count, example = _count_and_example(con, _raw(tbl.name), bad)
        if count:
            issues.append(
                DataIssue(
                    table=tbl.name,
                    column=column.name,
                    problem=f"values that cannot be read as {ctype.value}{_PRECISION.get(ctype, '')}",
                    rows=count,
                    example=example,
                )
            )
    con.execute(_typed_view(tbl, types).sql("duckdb"))
    return issues


def _typed_expr(raw: exp.Expression, ctype: ir.ColumnType, raw_type: str) -> exp.Expression:
    """The raw value as the declared type, NULL when it cannot be read exactly."""
    if raw_type == "VARCHAR" and ctype is not ir.ColumnType.STRING:
        raw = _spelled(raw, ctype)  # text follows rulekit.conversion, the rule `decide` uses
    target = SQL_TYPES[ctype]
    if ctype is ir.ColumnType.TIMESTAMP:
        if raw_type.startswith("TIMESTAMP") and "TIME ZONE" not in raw_type:
            return b.try_cast(raw, "TIMESTAMP")
        # With the session in UTC, an offset is converted to UTC and a naive value is UTC.
        return b.try_cast(b.try_cast(raw, "TIMESTAMPTZ"), "TIMESTAMP")
    if ctype is ir.ColumnType.INT:
        # TRY_CAST('1.5' AS BIGINT) rounds; only accept values that are whole numbers.
        whole = b.try_cast(raw, "BIGINT")
        exact = exp.EQ(this=b.try_cast(raw, b.DECIMAL_TYPE), expression=whole)
        return b.case([(exact, whole)])
    if ctype is ir.ColumnType.DURATION and raw_type.startswith("INTERVAL"):
        return b.try_cast(b.func("epoch", raw), target)
    if ctype is ir.ColumnType.STRING:
        return b.cast(raw, target)
    value = b.try_cast(raw, target)
    if ctype in _EXACT_DECIMALS:
        # DECIMAL(38, 12) would round a 13th decimal place that `decide` keeps: such a value
        # cannot be read exactly, so it is reported rather than rounded by one evaluator only.
        if raw_type == "VARCHAR":
            finer: exp.Expression = exp.RegexpLike(this=raw, expression=b.string(r"\.[0-9]{12}0*[1-9]"))
        elif raw_type.startswith("DECIMAL"):
            finer = exp.NEQ(this=value.copy(), expression=raw.copy())
        else:
            return value
        return b.case([(b.is_true(finer), b.null())], value)
    return value


_PRECISION = {t: " (exactly: at most 12 decimal places)" for t in (ir.ColumnType.MONEY, ir.ColumnType.DECIMAL)}
_EXACT_DECIMALS = (ir.ColumnType.MONEY, ir.ColumnType.DECIMAL, ir.ColumnType.PERCENT, ir.ColumnType.DURATION)


def _spelled(raw: exp.Expression, ctype: ir.ColumnType) -> exp.Expression:
    """Text as the value it spells under :mod:`rulekit.conversion`, NULL when it does not:
    a boolean as TRUE/FALSE, a number or timestamp as its trimmed text (cast afterwards)."""
    text = b.func("trim", raw)
    if ctype is ir.ColumnType.BOOL:
        word = b.func("lower", text.copy())
        true = exp.In(this=word, expressions=[b.string(w) for w in conversion.TRUE_WORDS])
        false = exp.In(this=word.copy(), expressions=[b.string(w) for w in conversion.FALSE_WORDS])
        return b.case([(true, b.boolean(True)), (false, b.boolean(False))])
    patterns = {ir.ColumnType.TIMESTAMP: conversion.TIMESTAMP_PATTERN, ir.ColumnType.DATE: conversion.DATE_PATTERN}
    pattern = patterns.get(ctype, conversion.NUMBER_PATTERN)
    return b.case([(b.func("regexp_full_match", text.copy(), b.string(pattern)), text.copy())])


def _typed_view(tbl: ir.Table, raw_types: dict[str, str]) -> exp.Create:
    projections: list[exp.Expression] = [
        b.alias(_typed_expr(b.col(c.name), c.type or ir.ColumnType.STRING, raw_types[c.name]), c.name)
        for c in tbl.columns
    ]
    projections.append(b.col(ROW))
    query = b.select(*projections).from_(b.table(_raw(tbl.name)))
    return exp.Create(this=b.table(_typed(tbl.name)), kind="VIEW", expression=query, replace=True)


def _count_and_example(con: duckdb.DuckDBPyConnection, source: str, cond: exp.Expression) -> tuple[int, str | None]:
    """How many rows of ``source`` match ``cond``, and the first one (input order) as text."""
    query = b.select(b.count_star(), exp.Min(this=b.col(ROW))).from_(b.table(source)).where(cond)
    row = fetch_one(con, query)
    count = int(row[0]) if row else 0
    if not count or row is None:
        return 0, None
    return count, _example(con, source, int(row[1]))


def _example(con: duckdb.DuckDBPyConnection, source: str, row_index: int) -> str:
    """The row as read, e.g. ``row 3: order_id='O3', gmv='abc'`` (rows count from 1)."""
    raw = _raw(source.removeprefix("__typed_").removeprefix("__raw_"))
    query = b.select(exp.Star()).from_(b.table(raw)).where(exp.EQ(this=b.col(ROW), expression=b.integer(row_index)))
    rel = con.execute(query.sql("duckdb"))
    names = [d[0] for d in rel.description or []]
    rows = rel.fetchall()
    values = rows[0] if rows else ()
    shown = ", ".join(f"{n}={_show(v)}" for n, v in zip(names, values, strict=False) if n != ROW)
    return f"row {row_index + 1}: {shown}"


def _show(value: object) -> str:
    return "null" if value is None else repr(str(value))


# ------------------------------------------------------------------------ cleaning


def _clean(program: ir.Program, loaded: set[str]) -> list[exp.Create]:
    """Create each table of rows to settle (in cleaning order: orphan checks read the
    participants), rows outside every window of a table left out (:mod:`rulekit.sql.pushdown`)."""
    windows = scan_windows(bind(program))
    return [
        exp.Create(
            this=b.table(tbl.name),
            kind="TABLE",
            expression=cleaning.cleaned(program, tbl, windows.get(tbl.name, ())),
            replace=True,
        )
        for tbl in cleaning.cleaning_order(program)
        if tbl.name in loaded
    ]


Rows = list[tuple[Any, ...]]


def report_sql(program: ir.Program, loaded: set[str], dialect: str) -> list[str]:
    """The data-quality report's queries for an engine, in ``dialect``: the counts (one
    query per table and source), then the example of every finding (none when it has no rows)."""
    found = cleaning.findings(program, loaded)
    queries = [render(query, dialect) for _, query in cleaning.count_queries(program, found)]
    examples = cleaning.examples_query(program, found, [i for i, f in enumerate(found) if f.example])
    return queries + ([render(examples, dialect)] if examples is not None else [])


def report(
    con: duckdb.DuckDBPyConnection, program: ir.Program, loaded: set[str], results: Sequence[Rows]
) -> tuple[list[DataIssue], dict[str, int]]:
    """The data-quality report and the usable rows per table from the rows of the report's
    queries (:func:`report_sql`, run on any engine); examples are worded from the rows as
    read, which ``con`` still holds."""
    found = cleaning.findings(program, loaded)
    groups = cleaning.count_queries(program, found)
    counts: dict[int, int] = {}
    for (indexes, _), rows in zip(groups, results, strict=False):
        counts.update(zip(indexes, (int(v or 0) for v in rows[0]), strict=True))
    examples = {int(k): int(r) for k, r in results[len(groups)]} if len(results) > len(groups) else {}
    issues: list[DataIssue] = []
    used: dict[str, int] = {}
    for index, finding in enumerate(found):
        count = counts.get(index, 0)
        if not finding.example:
            used[finding.table.name] = count
        elif count:
            row = examples.get(index)
            shown = _example(con, finding.table.name, row) if row is not None else None
            issues.append(
                DataIssue(
                    table=finding.table.name, column=finding.column, problem=finding.problem, rows=count, example=shown
                )
            )
    return issues, used


def report_here(
    con: duckdb.DuckDBPyConnection, program: ir.Program, loaded: set[str]
) -> tuple[list[DataIssue], dict[str, int]]:
    """:func:`report` run on DuckDB in two steps: the counts, then the examples of the findings with rows only."""
    found = cleaning.findings(program, loaded)
    groups = cleaning.count_queries(program, found)
    results: list[Rows] = [con.execute(render(query, "duckdb")).fetchall() for _, query in groups]
    flat = {
        i: int(v or 0)
        for (indexes, _), rows in zip(groups, results, strict=True)
        for i, v in zip(indexes, rows[0], strict=True)
    }
    examples = cleaning.examples_query(program, found, [i for i, f in enumerate(found) if f.example and flat[i]])
    results.append(con.execute(render(examples, "duckdb")).fetchall() if examples is not None else [])
    return report(con, program, loaded, results)
