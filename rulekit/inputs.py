"""Where a table's rows come from: the kinds of input a settlement accepts, resolved literally.

A data source is a folder, or a mapping from table name to one of:

* an in-memory table: an Arrow ``Table`` or ``RecordBatchReader``, a pandas or polars
  ``DataFrame``, a polars ``LazyFrame`` (collected here), a DuckDB relation;
* a path (``str`` or :class:`~pathlib.Path`) to one file (``.parquet``, ``.csv``,
  ``.json``/``.jsonl``) or to a folder of Parquet files, Hive-partitioned or not
  (``orders.parquet/date=2024-01-01/part-0.parquet``: ``date`` becomes a column);
* a :class:`Pattern`: an explicit glob pattern, the only way a ``*`` is ever expanded.

In a data folder, table ``T`` is the file ``T.parquet`` / ``T.csv`` / ``T.jsonl`` / ``T.json``,
or a folder ``T.parquet/`` or ``T/`` of Parquet files. Paths are taken literally: a folder
named ``month[12]`` is that folder, never a pattern.

Several Parquet files of one table are numbered in the order of their sorted relative
paths, then row by row, so which duplicate is kept never depends on the order the file
system lists them in; the input's hash covers every file's bytes, in the same order.
"""

from __future__ import annotations

import glob
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from rulekit.errors import RulekitError

PARQUET_SUFFIX = ".parquet"
TABLE_FILE_SUFFIXES = (PARQUET_SUFFIX, ".csv", ".jsonl", ".json")
MAX_FILES = 100_000  # one table's files: a limit with a message, not a hang on a huge tree


@dataclass(frozen=True)
class Pattern:
    """An explicit glob pattern for one table's files (``**`` matches any depth).

    Only a ``Pattern`` is expanded: a plain path with ``*`` or ``[`` in it names exactly
    that file or folder. The files must all be Parquet, or all CSV, or all JSON.
    """

    pattern: str

    def files(self) -> list[Path]:
        """The matching files, sorted; folders that match are left out."""
        return sorted(Path(p) for p in glob.glob(self.pattern, recursive=True) if Path(p).is_file())


@dataclass(frozen=True)
class FileSet:
    """One table stored in one or more files of one format, resolved and sorted."""

    files: tuple[Path, ...]
    root: Path  # what the user named: a file, a folder, or the pattern's fixed part
    shown: str  # how the manifest and messages name the input

    @property
    def suffix(self) -> str:
        """The files' common format suffix (``.parquet``, ``.csv``, ``.json``, ``.jsonl``)."""
        return self.files[0].suffix

    @property
    def hive(self) -> bool:
        """Whether the files sit in ``key=value`` folders below the root (Hive partitions)."""
        return any("=" in part for f in self.files for part in f.relative_to(self.root).parts[:-1])

    def sha256(self) -> str:
        """sha256 of the one file's bytes; for several files, of their relative paths and bytes."""
        if len(self.files) == 1 and self.files[0] == self.root:
            return _file_sha256(self.files[0])
        digest = hashlib.sha256()
        for path in self.files:
            digest.update(str(path.relative_to(self.root).as_posix()).encode("utf-8") + b"\0")
            digest.update(bytes.fromhex(_file_sha256(path)))
        return digest.hexdigest()


class InputShapeError(RulekitError):
    """An input that names no readable table: an empty folder, mixed formats, too many files."""


def table_in_folder(name: str, folder: Path) -> FileSet | None:
    """Table ``name`` in a data folder: a file ``name.<suffix>`` or a folder of Parquet files."""
    for suffix in TABLE_FILE_SUFFIXES:
        path = folder / f"{name}{suffix}"
        if path.is_file():
            return FileSet((path,), path, path.name)
    for path in (folder / f"{name}{PARQUET_SUFFIX}", folder / name):
        if path.is_dir():
            return parquet_folder(path, f"{path.name}/")
    return None


def file_set(path: Path) -> FileSet:
    """A path given for one table: one file, or a folder of Parquet files."""
    if path.is_dir():
        return parquet_folder(path, f"{path.name}/")
    if not path.is_file():
        raise InputShapeError(f"{path} does not exist" if not path.exists() else f"{path} is not a file")
    if path.suffix not in TABLE_FILE_SUFFIXES:
        raise InputShapeError(f"{path.name}: expected a .parquet, .csv, .jsonl or .json file")
    return FileSet((path,), path, path.name)


def parquet_folder(folder: Path, shown: str) -> FileSet:
    """Every ``.parquet`` file below ``folder``, at any depth, sorted by relative path.

    Files whose names start with ``.`` or ``_`` (``_SUCCESS``, ``.crc``) are skipped, as Spark
    and Hive writers leave them beside the data.
    """
    files: list[Path] = []
    for path in sorted(folder.rglob(f"*{PARQUET_SUFFIX}")):
        if path.is_file() and not any(p.startswith((".", "_")) for p in path.relative_to(folder).parts):
            files.append(path)
            if len(files) > MAX_FILES:
                raise InputShapeError(f"{shown} holds more than {MAX_FILES:,} Parquet files")
    if not files:
        raise InputShapeError(f"{shown} holds no .parquet files")
    return FileSet(tuple(files), folder, f"{shown} ({_count(len(files))})")


def pattern_files(pattern: Pattern) -> FileSet:
    """The files an explicit pattern matches, all of one format."""
    files = pattern.files()
    if not files:
        raise InputShapeError(f"the pattern {pattern.pattern!r} matches no file")
    if len(files) > MAX_FILES:
        raise InputShapeError(f"the pattern {pattern.pattern!r} matches more than {MAX_FILES:,} files")
    suffixes = sorted({f.suffix for f in files})
    if len(suffixes) > 1 or suffixes[0] not in TABLE_FILE_SUFFIXES:
        raise InputShapeError(f"the pattern {pattern.pattern!r} matches files of several kinds: {', '.join(suffixes)}")
    root = Path(_fixed_part(pattern.pattern))
    return FileSet(tuple(files), root, f"{pattern.pattern} ({_count(len(files))})")


def _fixed_part(pattern: str) -> str:
    """The folder a pattern starts from: its path up to the first pattern character."""
    parts = Path(pattern).parts
    fixed = [p for p in parts[: next((i for i, p in enumerate(parts) if glob.has_magic(p)), len(parts))]]
    return str(Path(*fixed)) if fixed else "."


def _count(n: int) -> str:
    return f"{n:,} file" + ("s" if n != 1 else "")


def frame_to_arrow(frame: Any) -> pa.Table:
    """An in-memory table as Arrow without metadata.

    Accepts Arrow tables and record-batch readers, pandas and polars DataFrames, polars
    LazyFrames (collected), DuckDB relations and Spark DataFrames (collected to the driver).
    Anything else is a ``TypeError`` naming it.
    """
    arrow = _as_arrow(frame)
    return arrow.replace_schema_metadata(None)


def _as_arrow(frame: Any) -> pa.Table:
    if isinstance(frame, pa.Table):
        return frame
    if isinstance(frame, pa.RecordBatchReader):
        return frame.read_all()
    kind = type(frame)
    module, name = kind.__module__.split(".")[0], kind.__name__
    if module == "polars" and name == "LazyFrame":
        return frame.collect().to_arrow()
    if module in ("duckdb", "_duckdb") and name == "DuckDBPyRelation":
        return frame.to_arrow_table()
    if module == "polars" and name == "DataFrame":
        return frame.to_arrow()
    if module == "pandas" and name == "DataFrame":
        return pa.Table.from_pandas(frame, preserve_index=False)
    if module == "pyspark" and name == "DataFrame":  # pulled back to the driver (the Spark engine settles it there)
        return frame.toArrow()
    raise TypeError(
        f"expected an Arrow table or record-batch reader, a pandas or polars DataFrame, a polars LazyFrame, "
        f"a DuckDB relation, a Spark DataFrame or a path, got {name}"
    )


def _file_sha256(path: Path) -> str:
    """sha256 of a file, read in blocks (an input can be larger than the memory to spare)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
