"""The tables of ``rulekit run``: a data folder, plus tables named one by one.

``--table NAME=PATH`` reads table NAME from one file or a folder of Parquet files, taken
literally; ``--table-pattern NAME=GLOB`` from the files an explicit pattern matches (the
only way a ``*`` is expanded). Tables not named so come from ``--data``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from rulekit import ir
from rulekit.data import Source
from rulekit.errors import RulekitError
from rulekit.inputs import InputShapeError, Pattern, file_set, pattern_files, table_in_folder


class SourceError(RulekitError):
    """A command line whose tables cannot all be found; the message says which and how to fix it."""


def parse_assignments(values: list[str], option: str) -> dict[str, str]:
    """``NAME=VALUE`` options as a mapping; a malformed or repeated one is a :class:`SourceError`."""
    named: dict[str, str] = {}
    for value in values:
        name, sep, target = value.partition("=")
        if not sep or not name or not target:
            raise SourceError(f"{option} takes TABLE=PATH, got {value!r}")
        if name in named:
            raise SourceError(f"{option} names table {name!r} twice")
        named[name] = target
    return named


def run_sources(
    program: ir.Program, data: Path | None, tables: Mapping[str, str], patterns: Mapping[str, str]
) -> Source:
    """What ``load_tables`` reads: the folder alone, or one entry per declared table."""
    declared = {t.name for t in program.tables}
    for name in [*tables, *patterns]:
        if name not in declared:
            raise SourceError(f"the program declares no table {name!r} (it reads: {', '.join(sorted(declared))})")
    both = sorted(set(tables) & set(patterns))
    if both:
        raise SourceError(f"table {both[0]!r} is given by both --table and --table-pattern")
    if not tables and not patterns:
        if data is None:
            raise SourceError("give the data folder with --data DIR, or each table with --table TABLE=PATH")
        return data
    return {name: _source_of(name, data, tables, patterns) for name in sorted(declared)}


def _source_of(name: str, data: Path | None, tables: Mapping[str, str], patterns: Mapping[str, str]) -> Path | Pattern:
    if name in tables:
        return Path(tables[name])
    if name in patterns:
        return Pattern(patterns[name])
    found = table_in_folder(name, data) if data is not None else None
    if found is None:
        where = f"in {data}" if data is not None else "(no --data folder was given)"
        raise SourceError(
            f"missing table {name!r}: no {name}.parquet, .csv or .json {where}, and no --table {name}=PATH"
        )
    return found.root


def files_read(file: Path, source: Source) -> list[Path]:
    """Every file the run may read: the rule file and the files of each table."""
    paths = [file]
    if isinstance(source, Path):
        return paths + [p for p in source.iterdir() if p.is_file()] if source.is_dir() else paths
    if isinstance(source, Mapping):
        for given in source.values():
            try:
                paths += list((pattern_files(given) if isinstance(given, Pattern) else file_set(Path(given))).files)
            except InputShapeError:
                continue  # reported when the table is read
    return paths
