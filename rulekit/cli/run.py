"""``rulekit run FILE --data DIR [--table T=PATH] [--out PATH] [--engine duckdb|spark|postgres]``: settle a program.

Exit status: 0 when settled; 1 for rule-file errors, fatal data problems or a
program the settlement engine cannot run; 2 for a wrong command line.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Protocol

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import typer
from rich.progress import Progress
from rich.table import Table

from rulekit import ir
from rulekit.api import in_example
from rulekit.cli import run_periods
from rulekit.cli.app import EXIT_FINDINGS, EXIT_USAGE, OutputFormat, app, err, out, plain_requested
from rulekit.cli.sources import SourceError, files_read, parse_assignments, run_sources
from rulekit.cli.stdin import check_path, display_name, is_stdin, short_name
from rulekit.data import DataError, LoadedData, describe, load_tables
from rulekit.diagnostics import render
from rulekit.engines import engine_for
from rulekit.errors import CompileError, EngineError
from rulekit.manifest import build_manifest, manifest_path, write_manifest
from rulekit.periods import is_paid_per_period
from rulekit.periods.run import PeriodSettlement
from rulekit.plan.kinds import kind_of
from rulekit.pyeval.types import name_type
from rulekit.reasons import format_money, format_value
from rulekit.results import ParticipantResult, Settlement
from rulekit.settle import Progress as ProgressFn
from rulekit.settle import settle

OUT_SUFFIXES = (".json", ".csv", ".parquet")


class EngineName(enum.Enum):
    """``--engine`` of ``rulekit run``."""

    DUCKDB = "duckdb"
    SPARK = "spark"
    POSTGRES = "postgres"


MAX_ROWS = 50  # rows of the on-screen table; the output file has everything


@app.command()
def run(
    file: Annotated[Path, typer.Argument(help="The rule file (`-`: standard input).", metavar="FILE")],
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Folder of input tables (Parquet, CSV or JSON files, or Parquet folders)."),
    ] = None,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Write the settlement to PATH (.json, .csv or .parquet).")
    ] = None,
    output: Annotated[OutputFormat, typer.Option("--format", help="`human` or `json` on stdout.")] = OutputFormat.HUMAN,
    table: Annotated[
        list[str] | None,
        typer.Option(
            "--table", help="TABLE=PATH: read one table from a file or a folder of Parquet files (repeatable)."
        ),
    ] = None,
    table_pattern: Annotated[
        list[str] | None,
        typer.Option("--table-pattern", help="TABLE=GLOB: read one table from the files a glob pattern matches."),
    ] = None,
    engine: Annotated[
        EngineName, typer.Option("--engine", help="Where the settlement query runs (same results on each).")
    ] = EngineName.DUCKDB,
    engine_url: Annotated[
        str | None,
        typer.Option("--engine-url", help="Postgres: a connection string; Spark: a master URL (default local)."),
    ] = None,
) -> None:
    """Settle a program over its input tables and write an audit manifest."""
    if out_path is not None and out_path.suffix not in OUT_SUFFIXES:
        err.print(f"rulekit run: --out must end in {', '.join(OUT_SUFFIXES)} (got {out_path.name})", markup=False)
        raise typer.Exit(EXIT_USAGE)
    report = check_path(file)
    blocking = [d for d in report.diagnostics if d.is_error and not in_example(d, report.source)]
    if blocking:
        err.print("\n\n".join(render(d, report.source) for d in report.diagnostics), markup=False)
        err.print(f"{display_name(file)}: has errors; nothing was settled", markup=False)
        raise typer.Exit(EXIT_FINDINGS)
    if not report.ok:  # only `example` blocks have errors: they are tests, not the program
        count = sum(1 for d in report.diagnostics if d.is_error)
        err.print(
            f"note: {display_name(file)}: {count} error{'s' if count != 1 else ''} in `example` blocks; the "
            f"program itself is fine and runs. See them with `rulekit test {display_name(file)}`.",
            markup=False,
        )
    program = report.program
    try:
        named = parse_assignments(table or [], "--table")
        patterns = parse_assignments(table_pattern or [], "--table-pattern")
        source = run_sources(program, data, named, patterns)
    except SourceError as exc:
        err.print(f"rulekit run: {exc}", markup=False)
        raise typer.Exit(EXIT_USAGE) from None
    if is_paid_per_period(program) and engine is not EngineName.DUCKDB:
        # Never settle somewhere other than where the user asked: say so instead.
        message = f"rulekit run: a program paid per period settles on duckdb only (not yet on {engine.value})"
        err.print(message, markup=False)
        raise typer.Exit(EXIT_USAGE)
    if out_path is not None:
        _check_out(out_path, files_read(file, source))
    try:
        with _progress() as step:
            step("loading and checking the data", 1, 4)
            # Spark and Postgres clean the typed tables and report on them themselves.
            loaded = load_tables(program, source, defer_cleaning=engine is not EngineName.DUCKDB)
            if is_paid_per_period(program):  # issue 10, construct 6: one line per period
                lines = run_periods.settle_lines(program, loaded)
                _periods_out(lines, out_path, output)
                return
            settlement = settle(program, loaded, progress=step, engine=engine_for(engine.value, engine_url))
    except DataError as exc:
        where = f"in {data}" if data is not None and not (table or table_pattern) else "given"
        err.print(f"cannot settle {short_name(file)}: the data {where} has problems:", markup=False)
        for issue in exc.issues:
            err.print(f"  {describe(issue)}", markup=False)
        raise typer.Exit(EXIT_FINDINGS) from None
    except CompileError as exc:
        err.print(f"cannot settle {short_name(file)}: {exc}", markup=False)
        raise typer.Exit(EXIT_FINDINGS) from None
    except EngineError as exc:  # e.g. amounts too large to add up exactly; names table and column
        err.print(f"cannot settle {short_name(file)}: {exc}", markup=False)
        raise typer.Exit(EXIT_FINDINGS) from None
    if out_path is not None:
        try:
            _write(settlement, out_path)
            rule_text = report.source if is_stdin(file) else None
            write_manifest(manifest_path(out_path), build_manifest(file, loaded, settlement, out_path, rule_text))
        except OSError as exc:
            err.print(f"rulekit run: cannot write {out_path}: {exc.strerror or type(exc).__name__}", markup=False)
            raise typer.Exit(EXIT_FINDINGS) from None
    if output is OutputFormat.JSON:
        typer.echo(settlement.model_dump_json(indent=2))
    else:
        _human(program, settlement, loaded, out_path)


def _periods_out(lines: PeriodSettlement, out_path: Path | None, output: OutputFormat) -> None:
    """Write and show the lines of a program paid per period (issue 10, construct 6)."""
    if out_path is not None:
        try:
            _write(lines, out_path)
        except OSError as exc:
            err.print(f"rulekit run: cannot write {out_path}: {exc.strerror or type(exc).__name__}", markup=False)
            raise typer.Exit(EXIT_FINDINGS) from None
    run_periods.show(lines.rules, lines, output is OutputFormat.JSON, out_path)


def _check_out(out_path: Path, inputs: list[Path]) -> None:
    """Refuse, before settling, an output that is a folder or would overwrite an input."""
    if out_path.is_dir():
        hint = out_path / "settlement.json"
        err.print(f"rulekit run: --out {out_path} is a folder; give a file name, like {hint}", markup=False)
        raise typer.Exit(EXIT_USAGE)
    read = {p.resolve() for p in inputs if p.exists()}
    for target in (out_path, manifest_path(out_path)):
        if target.exists() and target.resolve() in read:
            err.print(
                f"rulekit run: --out would overwrite {target}, which this run reads; write the output elsewhere",
                markup=False,
            )
            raise typer.Exit(EXIT_USAGE)


@contextmanager
def _progress() -> Iterator[ProgressFn]:
    """Stage progress on stderr when it is a terminal; silent otherwise (outputs stay identical).

    ``NO_COLOR`` also silences it: the animation is cursor codes, not plain text.
    """
    if not err.is_terminal or plain_requested():
        yield lambda _stage, _step, _total: None
        return
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task("settling", total=4)

        def step(stage: str, index: int, total: int) -> None:
            bar.update(task, description=stage, completed=index - 1, total=total)

        yield step


class _Written(Protocol):
    """What ``--out`` writes: a settlement, or the lines of a program paid per period."""

    def model_dump_json(self, *, indent: int | None = None) -> str: ...

    def to_arrow(self) -> pa.Table: ...


def _write(settlement: _Written, path: Path) -> None:
    """``--out``: JSON with every line and its reasons, or the table as CSV / Parquet."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".json":
        path.write_text(settlement.model_dump_json(indent=2) + "\n", encoding="utf-8")
    elif path.suffix == ".csv":
        pa_csv.write_csv(settlement.to_arrow(), str(path))
    else:
        pq.write_table(settlement.to_arrow(), str(path))


# ------------------------------------------------------------------------ screen


def _human(program: ir.Program, settlement: Settlement, loaded: LoadedData, out_path: Path | None) -> None:
    title = program.header.title if program.header and program.header.title else settlement.program
    out.print(f"[bold]{title}[/bold] — settlement in {settlement.currency}, {settlement.timezone}")
    if program.rankings:
        out.print(_leaderboard(program, settlement))
    else:
        out.print(_per_participant(program, settlement))
    out.print(_totals(settlement))
    warned, disq = settlement.totals["warned"], settlement.totals["disqualified"]
    out.print(f"warnings: {warned} participant(s); disqualified: {disq}", markup=False)
    if settlement.payout_due:
        out.print(f"payout due: {settlement.payout_due.isoformat()}", markup=False)
    _data_quality(settlement)
    if out_path is not None:
        out.print(f"wrote {out_path} and {manifest_path(out_path)}", markup=False)


def _money(amount: Decimal | None, currency: str) -> str:
    return "" if amount is None else format_money(amount, currency)


def _reward(person: ParticipantResult, name: str) -> Decimal:
    return sum((r.amount for r in person.rewards if r.name == name), Decimal(0))


def _paid_rewards(program: ir.Program) -> list[str]:
    """The program's rewards that pay participants, one column each (a commission is a charge,
    shown in its own columns)."""
    return [r.name for r in program.rewards if kind_of(r).paid]


def _leaderboard(program: ir.Program, settlement: Settlement) -> Table:
    ranking = program.rankings[0]
    keys = [k.name for k in ranking.keys if program.metric(k.name) is not None]
    table = Table(title=f"leaderboard ({ranking.name})", title_justify="left")
    for name in ["rank", program.participant.noun if program.participant else "participant", *keys]:
        table.add_column(name, justify="right" if name != "participant" else "left")
    rewards = _paid_rewards(program)
    for name in (*rewards, "total"):
        table.add_column(name, justify="right")
    # Participants are in rank order, the unranked last: the ranked are the first rows.
    ranked_count = len(settlement) - settlement.to_arrow().column("rank").null_count
    code = settlement.currency
    for person in settlement.participants[: min(ranked_count, MAX_ROWS)]:
        values = [format_value(program, name_type(program, k), person.metrics.get(k)) for k in keys]
        money = [_money(_reward(person, name), code) for name in rewards]
        table.add_row(str(person.rank), person.id, *values, *money, _money(person.total_payout, code))
    others = len(settlement) - ranked_count
    table.caption = f"{ranked_count} ranked" + (f", {others} not qualified" if others else "")
    return table


def _per_participant(program: ir.Program, settlement: Settlement) -> Table:
    noun = program.participant.noun if program.participant else "participant"
    table = Table(title=f"per {noun}", title_justify="left")
    charges = any(not kind_of(r).paid for r in program.rewards)
    rewards = _paid_rewards(program)
    money_columns = [*(["commission due", "commission waived"] if charges else []), *rewards, "total payout"]
    for name in (noun, "eligible", "qualified", *money_columns):
        table.add_column(name, justify="left" if name in (noun, "eligible", "qualified") else "right")
    code = settlement.currency
    for person in settlement.participants[:MAX_ROWS]:
        commission = [_money(person.commission_due, code), _money(person.commission_waived, code)] if charges else []
        paid = [_money(_reward(person, name), code) for name in rewards]
        flags = ["yes" if person.eligible else "no", "yes" if person.qualified else "no"]
        table.add_row(person.id, *flags, *commission, *paid, _money(person.total_payout, code))
    hidden = len(settlement) - MAX_ROWS
    if hidden > 0:
        table.caption = f"… {hidden} more in the output file"
    return table


def _totals(settlement: Settlement) -> Table:
    table = Table(title="totals", title_justify="left")
    table.add_column("total")
    table.add_column("value", justify="right")
    for key, value in settlement.totals.items():
        table.add_row(key, str(value) if isinstance(value, int) else format_money(value, settlement.currency))
    return table


def _data_quality(settlement: Settlement) -> None:
    if not settlement.data_quality:
        out.print("data quality: no problems found", markup=False)
        return
    out.print(f"data quality: {len(settlement.data_quality)} finding(s)", markup=False)
    for issue in settlement.data_quality:
        out.print(f"  {describe(issue)}", markup=False)
