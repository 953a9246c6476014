"""The kinds of input a settlement reads (issue 11, item 4), each taken literally.

The reference is the settlement of the UK example data read from its CSV folder; every
other container of the same rows must settle to exactly the same results. Where the
container decides something of its own (which duplicate is kept across several files),
the expected row is named by hand.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from rulekit import ir
from rulekit.cli import app
from rulekit.data import DataError, load_tables
from rulekit.inputs import Pattern
from rulekit.parser import parse_file
from rulekit.settle import settle

ROOT = Path(__file__).parent.parent
UK_FILE = ROOT / "campaigns" / "uk_shop.rules"
UK_DATA = ROOT / "examples" / "uk_shop"
runner = CliRunner()


def _program() -> ir.Program:
    parsed, _ = parse_file(str(UK_FILE))
    return parsed.program


UK = _program()


def _frames() -> dict[str, pd.DataFrame]:
    return {name: pd.read_csv(UK_DATA / f"{name}.csv", dtype=str) for name in ("merchants", "orders")}


def _arrow(frame: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(frame, preserve_index=False)


def _reader(table: pa.Table) -> pa.RecordBatchReader:
    return pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=7))


def _hive_orders(folder: Path, orders: pd.DataFrame) -> Path:
    """``orders.parquet/`` partitioned by merchant the way Spark writes it, with a _SUCCESS marker.

    The partition column is the merchant: it is read back from the folder names, as text
    (``M01`` here; an id like ``007`` would keep its zeros).
    """
    root = folder / "orders.parquet"
    for merchant, part in orders.groupby("merchant_id", sort=True):
        where = root / f"merchant_id={merchant}"
        where.mkdir(parents=True)
        pq.write_table(_arrow(part.drop(columns=["merchant_id"])), where / "part-00000.parquet")
    (root / "_SUCCESS").write_bytes(b"")
    return root


def test_a_hive_partitioned_parquet_folder_settles_like_the_csv_files(tmp_path: Path) -> None:
    reference = settle(UK, UK_DATA)
    frames = _frames()
    _hive_orders(tmp_path, frames["orders"])
    pq.write_table(_arrow(frames["merchants"]), tmp_path / "merchants.parquet")
    loaded = load_tables(UK, tmp_path)
    merchants = len(frames["orders"]["merchant_id"].unique())
    info = {i.table: i for i in loaded.inputs}
    assert info["orders"].source == f"orders.parquet/ ({merchants} files)"
    assert info["orders"].rows == len(frames["orders"])
    result = settle(UK, loaded)
    assert result.participants == reference.participants
    assert result.totals == reference.totals


def test_tables_named_one_by_one_single_files_and_patterns(tmp_path: Path) -> None:
    reference = settle(UK, UK_DATA)
    frames = _frames()
    halves = tmp_path / "split"
    halves.mkdir()
    orders = frames["orders"]
    middle = len(orders) // 2
    # Two CSV files matched by a pattern: rows of the first sorted file first.
    orders.iloc[:middle].to_csv(halves / "orders-1.csv", index=False)
    orders.iloc[middle:].to_csv(halves / "orders-2.csv", index=False)
    sources: list[dict[str, object]] = [
        {"merchants": str(UK_DATA / "merchants.csv"), "orders": UK_DATA / "orders.csv"},
        {"merchants": UK_DATA / "merchants.csv", "orders": Pattern(str(halves / "orders-*.csv"))},
    ]
    for source in sources:
        result = settle(UK, source)
        assert result.participants == reference.participants, source
        assert result.totals == reference.totals


def test_lazy_frames_relations_and_record_batch_readers(tmp_path: Path) -> None:
    reference = settle(UK, UK_DATA)
    frames = _frames()
    con = duckdb.connect()
    sources: list[dict[str, object]] = [
        {k: pl.from_pandas(v).lazy() for k, v in frames.items()},
        {k: con.from_df(v) for k, v in frames.items()},
        {
            k: pa.RecordBatchReader.from_batches(_arrow(v).schema, _arrow(v).to_batches(max_chunksize=7))
            for k, v in frames.items()
        },
    ]
    for source in sources:
        result = settle(UK, source)
        assert result.participants == reference.participants, type(next(iter(source.values())))
        assert result.totals == reference.totals


def test_something_that_is_no_table_is_named_not_crashed_on() -> None:
    with pytest.raises(DataError) as caught:
        load_tables(UK, {"merchants": _frames()["merchants"], "orders": 42})
    problems = [i.problem for i in caught.value.issues]
    assert any("expected an Arrow table" in p and "got int" in p for p in problems), problems


def test_the_duplicate_kept_across_files_follows_the_sorted_file_names(tmp_path: Path) -> None:
    frames = _frames()
    orders = frames["orders"]
    first = orders.iloc[[0]].copy()
    twin = first.copy()
    twin["item_total"] = "999.00"  # the same order id, another amount
    rest = orders.iloc[1:]
    root = tmp_path / "orders"
    (root / "b").mkdir(parents=True)
    (root / "a").mkdir(parents=True)
    # Written b first, so that the file system's own order (creation) would keep the twin.
    pq.write_table(_arrow(pd.concat([twin, rest])), root / "b" / "part.parquet")
    pq.write_table(_arrow(first), root / "a" / "part.parquet")
    pq.write_table(_arrow(frames["merchants"]), tmp_path / "merchants.parquet")
    loaded = load_tables(UK, tmp_path)
    order_id = first["order_id"].iloc[0]
    kept = loaded.connection.execute("SELECT item_total FROM orders WHERE order_id = ?", [order_id]).fetchall()
    # a/part.parquet sorts before b/part.parquet: its row (the original amount) is kept.
    assert kept == [(Decimal(first["item_total"].iloc[0]),)]
    assert sum(i.rows for i in loaded.issues if "duplicate" in i.problem) == 1


def test_a_folder_of_several_files_hashes_every_byte(tmp_path: Path) -> None:
    frames = _frames()
    root = _hive_orders(tmp_path, frames["orders"])
    pq.write_table(_arrow(frames["merchants"]), tmp_path / "merchants.parquet")
    before = {i.table: i.sha256 for i in load_tables(UK, tmp_path).inputs}
    parts = sorted(p for p in root.rglob("*.parquet"))
    # The hash is over each file's relative path and bytes' sha256, in sorted order.
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(part.read_bytes()).digest())
    assert before["orders"] == digest.hexdigest()
    last = frames["orders"][frames["orders"]["merchant_id"] == frames["orders"]["merchant_id"].max()]
    pq.write_table(_arrow(last.drop(columns=["merchant_id"]).iloc[1:]), parts[-1])
    after = {i.table: i.sha256 for i in load_tables(UK, tmp_path).inputs}
    assert after["orders"] != before["orders"] and after["merchants"] == before["merchants"]


def test_a_path_with_pattern_characters_is_read_literally(tmp_path: Path) -> None:
    frames = _frames()
    odd = tmp_path / "month[12]"
    odd.mkdir()
    for other in ("month1", "month2"):
        (tmp_path / other).mkdir()
        frames["orders"].iloc[:3].to_csv(tmp_path / other / "orders.csv", index=False)
    frames["orders"].to_csv(odd / "orders.csv", index=False)
    loaded = load_tables(UK, {"merchants": UK_DATA / "merchants.csv", "orders": odd / "orders.csv"})
    assert {i.table: i.rows for i in loaded.inputs}["orders"] == len(frames["orders"])
    with pytest.raises(DataError) as caught:
        load_tables(UK, {"merchants": UK_DATA / "merchants.csv", "orders": str(tmp_path / "month*" / "orders.csv")})
    assert any("does not exist" in i.problem for i in caught.value.issues)


def test_a_pattern_of_mixed_file_kinds_is_refused(tmp_path: Path) -> None:
    frames = _frames()
    frames["orders"].to_csv(tmp_path / "o1.csv", index=False)
    pq.write_table(_arrow(frames["orders"]), tmp_path / "o2.parquet")
    with pytest.raises(DataError) as caught:
        load_tables(UK, {"merchants": UK_DATA / "merchants.csv", "orders": Pattern(str(tmp_path / "o*"))})
    assert any("several kinds" in i.problem and ".csv" in i.problem for i in caught.value.issues)


# ----------------------------------------------------------------------------- CLI


def _totals(args: list[str]) -> dict[str, object]:
    result = runner.invoke(app, ["run", str(UK_FILE), *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout)["totals"])


def test_cli_tables_named_one_by_one_settle_like_the_folder(tmp_path: Path) -> None:
    frames = _frames()
    root = _hive_orders(tmp_path, frames["orders"])
    reference = _totals(["--data", str(UK_DATA)])
    assert _totals(["--data", str(UK_DATA), "--table", f"orders={root}"]) == reference
    merchants = f"merchants={UK_DATA / 'merchants.csv'}"
    assert _totals(["--table", merchants, "--table-pattern", f"orders={root}/*/*.parquet"]) == reference


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--table", "refunds=x.csv"], "declares no table 'refunds'"),
        (["--table", "orders"], "--table takes TABLE=PATH"),
        ([], "give the data folder with --data DIR"),
        (["--table", f"orders={UK_DATA / 'orders.csv'}"], "missing table 'merchants'"),
    ],
)
def test_cli_source_mistakes_are_usage_errors(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["run", str(UK_FILE), *args])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


def test_cli_refuses_to_overwrite_a_table_named_by_option(tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_bytes((UK_DATA / "orders.csv").read_bytes())
    before = orders.read_bytes()
    args = ["run", str(UK_FILE), "--data", str(UK_DATA), "--table", f"orders={orders}", "--out", str(orders)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "which this run reads" in result.output
    assert orders.read_bytes() == before


def test_partition_values_are_typed_as_declared_keeping_leading_zeros(tmp_path: Path) -> None:
    frames = _frames()
    first = frames["orders"]["merchant_id"].min()
    for frame in frames.values():
        frame.loc[frame["merchant_id"] == first, "merchant_id"] = "007"
    _hive_orders(tmp_path, frames["orders"])
    pq.write_table(_arrow(frames["merchants"]), tmp_path / "merchants.parquet")
    loaded = load_tables(UK, tmp_path)
    ids = {row[0] for row in loaded.connection.execute("SELECT DISTINCT merchant_id FROM orders").fetchall()}
    assert "007" in ids and "7" not in ids
