"""Loading and validating input data: fatal errors and the data-quality report."""

from __future__ import annotations

import hashlib
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rulekit import ir
from rulekit.data import DataError, LoadedData, describe, load_tables
from rulekit.parser import parse_file
from rulekit.results import DataIssue
from rulekit.settle import settle

ROOT = Path(__file__).parent.parent
UK_DATA = ROOT / "examples" / "uk_shop"


def program(name: str) -> ir.Program:
    parsed, _ = parse_file(str(ROOT / "campaigns" / name))
    return parsed.program


UK = program("uk_shop.rules")
APOLLO = program("apollo.rules")


def merchants(**extra: list[object]) -> pd.DataFrame:
    base: dict[str, list[object]] = {
        "merchant_id": ["M1", "M2"],
        "region": ["GB", "GB"],
        "joined_at": ["2022-01-01T00:00:00Z", "2022-03-05T00:00:00Z"],
    }
    base.update(extra)
    return pd.DataFrame(base)


def orders(rows: list[tuple[object, ...]]) -> pd.DataFrame:
    columns = ["order_id", "merchant_id", "created_at", "item_total", "shipping_fee", "currency", "refunded"]
    return pd.DataFrame(rows, columns=columns)


GOOD = ("O1", "M1", "2022-03-02T10:00:00Z", "10.00", "2.00", "GBP", "false")


def issues_of(loaded: LoadedData, problem_word: str) -> list[DataIssue]:
    return [i for i in loaded.issues if problem_word in i.problem]


def fatal(source: object, prog: ir.Program = UK) -> list[DataIssue]:
    with pytest.raises(DataError) as caught:
        load_tables(prog, source)  # type: ignore[arg-type]
    return list(caught.value.issues)


# ----------------------------------------------------------------------------- fatal


def test_missing_table_in_folder(tmp_path: Path) -> None:
    shutil.copy(UK_DATA / "merchants.csv", tmp_path / "merchants.csv")
    found = fatal(tmp_path)
    assert [(i.table, i.column) for i in found] == [("orders", None)]
    assert "missing table" in found[0].problem and "orders.csv" in found[0].problem


def test_missing_data_folder(tmp_path: Path) -> None:
    found = fatal(tmp_path / "nope")
    assert len(found) == 1 and "does not exist" in found[0].problem


def test_missing_column_names_table_and_column() -> None:
    found = fatal({"merchants": merchants().drop(columns=["region"]), "orders": orders([GOOD])})
    assert [(i.table, i.column) for i in found] == [("merchants", "region")]
    assert "missing column" in describe(found[0])


def test_value_that_cannot_be_read_names_an_example_row() -> None:
    bad = ("O2", "M1", "2022-03-02T10:00:00Z", "ten pounds", "2.00", "GBP", "false")
    found = fatal({"merchants": merchants(), "orders": orders([GOOD, bad])})
    assert [(i.table, i.column, i.rows) for i in found] == [("orders", "item_total", 1)]
    assert found[0].example is not None
    assert "row 2" in found[0].example and "'ten pounds'" in found[0].example


def test_fractional_value_in_int_column_is_not_rounded() -> None:
    accounts = pd.DataFrame({"account_id": ["A"], "kind": ["agency"], "program": ["P"], "region": ["US"]})
    accounts["hosts_submitted"], accounts["click_farming_flag"] = ["true"], ["false"]
    frames = {
        "accounts": accounts,
        "hosts": pd.DataFrame({"account_id": ["A"], "host_id": ["H"], "registered_at": ["2022-02-01"]}),
        "live_sessions": pd.DataFrame(
            {
                "account_id": ["A"],
                "host_id": ["H"],
                "start_ts": ["2022-02-15"],
                "end_ts": ["2022-02-16"],
                "products_shown": ["1.5"],
            }
        ),
        "product_views": pd.DataFrame({"account_id": ["A"], "viewer_id": ["v"], "ts": ["2022-02-15"]}),
        "orders": pd.DataFrame(
            {"order_id": ["o"], "account_id": ["A"], "ts": ["2022-02-15"], "gmv": ["1"], "refunded": ["false"]}
        ),
    }
    found = fatal(frames, APOLLO)
    assert [(i.table, i.column) for i in found] == [("live_sessions", "products_shown")]


def test_unreadable_file(tmp_path: Path) -> None:
    shutil.copy(UK_DATA / "merchants.csv", tmp_path / "merchants.csv")
    (tmp_path / "orders.parquet").write_bytes(b"this is not parquet")
    found = fatal(tmp_path)
    assert found[0].table == "orders" and "cannot read" in found[0].problem


# ----------------------------------------------------------------------------- data quality


def test_nulls_duplicates_currency_and_orphans_are_counted_not_dropped_silently() -> None:
    rows = [
        GOOD,
        ("O1", "M1", "2022-03-03T10:00:00Z", "99.00", "2.00", "GBP", "false"),  # duplicate key: not used
        ("O3", "M1", None, "10.00", "2.00", "GBP", "false"),  # null time
        ("O4", "M1", "2022-03-02T10:00:00Z", None, "2.00", "GBP", "false"),  # null money
        ("O5", "M1", "2022-03-02T10:00:00Z", "10.00", "2.00", "XYZ", "false"),  # unknown currency
        ("O6", "M1", "2022-03-02T10:00:00Z", "10.00", "2.00", "EUR", "false"),  # another currency
        ("O7", "M9", "2022-03-02T10:00:00Z", "10.00", "2.00", "GBP", "false"),  # unknown merchant
        ("O8", "M2", "2022-03-02T10:00:00Z", "-5.00", "2.00", "GBP", "true"),  # negative: kept
    ]
    loaded = load_tables(UK, {"merchants": merchants(), "orders": orders(rows)})
    found = {(i.column, i.problem.split(";")[0]): i for i in loaded.issues}
    assert found[("order_id", "duplicate order_id")].rows == 1
    assert "row 2" in (found[("order_id", "duplicate order_id")].example or "")
    assert found[("created_at", "null in a required column")].rows == 1
    assert found[("item_total", "null in a required column")].rows == 1
    assert found[("currency", "unknown currency code")].rows == 1
    assert "'XYZ'" in (found[("currency", "unknown currency code")].example or "")
    assert found[("currency", "money in another currency than GBP")].rows == 1
    assert found[("merchant_id", "merchant_id not in merchants")].rows == 1
    assert found[("item_total", "negative amount")].rows == 1
    # 8 rows in; 6 are not used (O1 duplicate, O3, O4, O5, O6, O7); O1 and O8 are used.
    assert loaded.rows_used["orders"] == 2
    not_used = sum(i.rows for i in loaded.issues if i.table == "orders" and "not used" in i.problem)
    assert not_used == 8 - 2
    kept = loaded.connection.execute('SELECT order_id, item_total FROM "orders" ORDER BY order_id').fetchall()
    # Of the two O1 rows the smaller by content is kept: equal order_id and merchant_id, then
    # created_at 2022-03-02 (GOOD) < 2022-03-03, so 10.00, not the later 99.00.
    assert kept == [("O1", Decimal("10")), ("O8", Decimal("-5"))]


def test_duplicate_participants_and_null_keys() -> None:
    frame = merchants(merchant_id=["M1", "M1"], region=["GB", "FR"])
    frame.loc[2] = [None, "GB", "2022-01-01"]
    loaded = load_tables(UK, {"merchants": frame, "orders": orders([GOOD])})
    problems = sorted((i.column, i.problem.split(";")[0], i.rows) for i in loaded.issues)
    assert problems == [("merchant_id", "duplicate merchant_id", 1), ("merchant_id", "null in a required column", 1)]
    # Of the two M1 rows the smallest by content is kept (merchant_id equal, then region:
    # 'FR' < 'GB'), whatever their order. This assertion used to pin 'GB', the first row in
    # input order: a choice that changed when the input was reordered (issue 11 item 2).
    assert loaded.connection.execute("SELECT region FROM merchants").fetchall() == [("FR",)]


def test_null_anchor_of_a_relative_window_is_reported_by_both_evaluators() -> None:
    # M2 has no joined_at: its free period cannot be placed. Settling it as "no free period"
    # would silently charge it full commission; both evaluators must refuse the row instead.
    frame = merchants(joined_at=["2022-01-01T00:00:00Z", None])
    loaded = load_tables(UK, {"merchants": frame, "orders": orders([GOOD])})
    problems = [(i.table, i.column, i.problem.split(";")[0], i.rows) for i in loaded.issues]
    assert problems == [("merchants", "joined_at", "null in a required column", 1)]
    assert loaded.connection.execute("SELECT merchant_id FROM merchants").fetchall() == [("M1",)]

    from rulekit.api import loads
    from rulekit.facts import FactsError

    compiled = loads((ROOT / "campaigns" / "uk_shop.rules").read_text(encoding="utf-8"))
    order = dict(zip(orders([GOOD]).columns, GOOD, strict=True)) | {"merchant_id": "M2"}
    with pytest.raises(FactsError, match="joined_at"):
        compiled.decide({"merchants": {"merchant_id": "M2", "region": "GB", "joined_at": None}, "orders": order})


def test_period_ending_before_it_starts() -> None:
    loaded = load_tables(APOLLO, ROOT / "tests" / "fixtures" / "settle" / "bad_periods")
    issue = next(i for i in loaded.issues if "before" in i.problem)
    assert (issue.table, issue.column, issue.rows) == ("live_sessions", "end_ts", 1)
    assert issue.example is not None and "'H2'" in issue.example


# ----------------------------------------------------------------------------- sources


def _frames() -> dict[str, pd.DataFrame]:
    return {name: pd.read_csv(UK_DATA / f"{name}.csv", dtype=str) for name in ("merchants", "orders")}


def test_every_kind_of_source_gives_the_same_settlement(tmp_path: Path) -> None:
    reference = settle(UK, UK_DATA)
    frames = _frames()
    for name, frame in frames.items():
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp_path / f"{name}.parquet")
    json_dir = tmp_path / "json"
    json_dir.mkdir()
    for name, frame in frames.items():
        frame.to_json(json_dir / f"{name}.jsonl", orient="records", lines=True)
    con = duckdb.connect()
    for name, frame in frames.items():
        con.from_df(frame).create(name)
    sources: list[object] = [
        tmp_path,
        json_dir,
        frames,
        {k: pl.from_pandas(v) for k, v in frames.items()},
        {k: pa.Table.from_pandas(v, preserve_index=False) for k, v in frames.items()},
        con,
    ]
    for source in sources:
        result = settle(UK, source)  # type: ignore[arg-type]
        assert result.participants == reference.participants, type(source)
        assert result.totals == reference.totals


def test_input_hashes_and_row_counts() -> None:
    loaded = load_tables(UK, UK_DATA)
    info = {i.table: i for i in loaded.inputs}
    assert info["orders"].sha256 == hashlib.sha256((UK_DATA / "orders.csv").read_bytes()).hexdigest()
    # One header line plus one line per row.
    assert info["orders"].rows == len((UK_DATA / "orders.csv").read_text().splitlines()) - 1
    frames = _frames()
    first = load_tables(UK, frames).inputs
    again = load_tables(UK, {k: v.copy() for k, v in frames.items()}).inputs
    assert first == again and len(first[0].sha256) == 64
    changed = {**frames, "orders": frames["orders"].iloc[1:]}
    assert load_tables(UK, changed).inputs[1].sha256 != first[1].sha256
