"""Generate a large, seeded Apollo data set as Parquet, for the settlement benchmarks.

    python bench/generate_large.py --views 10000000 --out bench/data/apollo_10m

The five tables of ``campaigns/apollo.rules`` are generated inside DuckDB from
``range()`` with a hash of (row, seed, salt) as the random source, so generation is
vectorised, runs on all cores, and gives the same rows for the same seed (and DuckDB
version) every time. Shapes:

* ``accounts`` — ``--accounts`` rows (5,000 by default, independent of ``--views`` so
  that only the event volume grows between scales): ~90 % agencies, ~92 % in the
  partner program, ~95 % US, ~3 % without submitted hosts, ~1 % click farming;
* ``hosts`` — 0 to 4 per account (about 2.5 on average; ~2 % of accounts have none);
* ``live_sessions`` — 6 to 11 sessions a host of 1 to 4 hours, starting anywhere from
  a day before the window to a day after it (so some cross a boundary), ~3 % idle
  (``products_shown = 0``): effective time per host straddles the 14-hour gate;
* ``product_views`` — ``--views`` rows; accounts drawn with a skew (a few accounts get
  most views), viewers from a pool of ``views / 5`` users with repeat visitors, times
  from 12 hours before the window to 12 hours after it (~7 % outside);
* ``orders`` — ``views / 20`` rows, same account skew, GMV $5 to $300, ~8 % refunded
  (40 % for one account in 37, so the refund-rate rule disqualifies some).

The rebate budget ($50,000) binds at every scale above ~1M views, so the scale-down
path of the settlement is exercised; the prize pool is exactly the schedule.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import duckdb

WINDOW_START = "2022-02-14 05:00:00"  # 14 Feb 00:00 US Eastern, in UTC
WINDOW_HOURS = 14 * 24


def _u(salt: str, seed: int, index: str = "i") -> str:
    """SQL for a uniform value in [0, 1) from a hash of (row, seed, salt)."""
    return f"((hash({index}, {seed}, '{salt}') % 1000000007) / 1000000007.0)"


def _account_index(salt: str, seed: int, accounts: int) -> str:
    """A skewed account index: u² concentrates rows on low indices, and a multiplication by
    a prime (coprime with most account counts) scatters those busy accounts over the ids."""
    return f"((CAST(floor({accounts} * {_u(salt, seed)} * {_u(salt, seed)}) AS BIGINT) * 7919) % {accounts})"


def _account_id(index_sql: str) -> str:
    return f"'AC' || lpad(CAST({index_sql} AS VARCHAR), 6, '0')"


def _copy(con: duckdb.DuckDBPyConnection, query: str, path: Path) -> None:
    con.execute(f"COPY ({query}) TO '{path}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)")


def accounts_sql(accounts: int, seed: int) -> str:
    return f"""
        SELECT {_account_id("i")} AS account_id,
               CASE WHEN {_u("kind", seed)} < 0.90 THEN 'agency' ELSE 'individual' END AS kind,
               CASE WHEN {_u("prog", seed)} < 0.92 THEN 'TikTok Shopping Partner' ELSE 'Other Program' END AS program,
               CASE WHEN {_u("region", seed)} < 0.95 THEN 'US' ELSE 'CA' END AS region,
               {_u("submitted", seed)} >= 0.03 AS hosts_submitted,
               {_u("farm", seed)} < 0.01 AS click_farming_flag
        FROM range({accounts}) t(i)
        ORDER BY i"""


def hosts_sql(accounts: int, seed: int) -> str:
    # 2 % of accounts have no host; the rest 1 to 4.
    count = f"CASE WHEN {_u('nohost', seed)} < 0.02 THEN 0 ELSE 1 + CAST(floor(4 * {_u('hosts', seed)}) AS BIGINT) END"
    return f"""
        WITH a AS (SELECT i, {count} AS n FROM range({accounts}) t(i))
        SELECT {_account_id("a.i")} AS account_id,
               {_account_id("a.i")} || '-H' || CAST(j + 1 AS VARCHAR) AS host_id,
               TIMESTAMP '2022-02-01 00:00:00' + to_hours(CAST(floor(240 * {_u("reg", seed, "a.i * 8 + j")}) AS BIGINT))
                   AS registered_at
        FROM a, range(a.n) r(j)
        ORDER BY a.i, j"""


def sessions_sql(seed: int) -> str:
    # Over the hosts file: 5 to 10 sessions each, 1 to 4 hours, from a day before the window to a day after.
    key = "h.k * 16 + s"
    start = (
        f"TIMESTAMP '{WINDOW_START}' - INTERVAL 24 HOUR"
        f" + to_seconds(CAST(floor({(WINDOW_HOURS + 48) * 3600} * {_u('start', seed, key)}) AS BIGINT))"
    )
    length = f"to_seconds(CAST(3600 + floor(3 * 3600 * {_u('len', seed, key)}) AS BIGINT))"
    shown = (
        f"CASE WHEN {_u('idle', seed, key)} < 0.03 THEN 0"
        f" ELSE 1 + CAST(floor(8 * {_u('shown', seed, key)}) AS BIGINT) END"
    )
    return f"""
        WITH h AS (
            SELECT account_id, host_id, row_number() OVER (ORDER BY account_id, host_id) AS k FROM hosts
        ), hs AS (
            SELECT *, 6 + CAST(floor(6 * {_u("nsess", seed, "k")}) AS BIGINT) AS n FROM h
        ), s AS (
            SELECT h.account_id, h.host_id, {start} AS start_ts, {length} AS len, {shown} AS products_shown, h.k, s
            FROM hs h, range(h.n) r(s)
        )
        SELECT account_id, host_id, start_ts, start_ts + len AS end_ts, products_shown
        FROM s ORDER BY k, s"""


def _event_ts(seed: int, salt: str) -> str:
    """From 12 hours before the window to 12 hours after it, to the second."""
    span = (WINDOW_HOURS + 24) * 3600
    return (
        f"TIMESTAMP '{WINDOW_START}' - INTERVAL 12 HOUR + to_seconds(CAST(floor({span} * {_u(salt, seed)}) AS BIGINT))"
    )


def views_sql(views: int, accounts: int, seed: int) -> str:
    pool = max(views // 5, 10)
    viewer = f"CAST(floor({pool} * pow({_u('viewer', seed)}, 1.5)) AS BIGINT)"  # repeat visitors on low ids
    return f"""
        SELECT {_account_id(_account_index("vacc", seed, accounts))} AS account_id,
               'V' || lpad(CAST({viewer} AS VARCHAR), 9, '0') AS viewer_id,
               {_event_ts(seed, "vts")} AS ts
        FROM range({views}) t(i)
        ORDER BY i"""


def orders_sql(orders: int, accounts: int, seed: int) -> str:
    index = _account_index("oacc", seed, accounts)
    refund_rate = f"CASE WHEN {index} % 37 = 0 THEN 0.40 ELSE 0.08 END"
    gmv = f"CAST(round(5 + 295 * pow({_u('gmv', seed)}, 2), 2) AS DECIMAL(18, 2))"
    return f"""
        SELECT 'O' || lpad(CAST(i AS VARCHAR), 10, '0') AS order_id,
               {_account_id(index)} AS account_id,
               {_event_ts(seed, "ots")} AS ts,
               {gmv} AS gmv,
               {_u("refund", seed)} < {refund_rate} AS refunded
        FROM range({orders}) t(i)
        ORDER BY i"""


def generate(out: Path, views: int, accounts: int = 5000, seed: int = 20220214) -> dict[str, int]:
    """Write the five Apollo tables as Parquet under ``out``; returns row counts per table."""
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET TimeZone = 'UTC'")
        _copy(con, accounts_sql(accounts, seed), out / "accounts.parquet")
        _copy(con, hosts_sql(accounts, seed), out / "hosts.parquet")
        con.execute(f"CREATE VIEW hosts AS SELECT * FROM read_parquet('{out / 'hosts.parquet'}')")
        _copy(con, sessions_sql(seed), out / "live_sessions.parquet")
        _copy(con, views_sql(views, accounts, seed), out / "product_views.parquet")
        _copy(con, orders_sql(max(views // 20, 1), accounts, seed), out / "orders.parquet")
        counts: dict[str, int] = {}
        for name in ("accounts", "hosts", "live_sessions", "product_views", "orders"):
            row = con.execute(f"SELECT count(*) FROM read_parquet('{out / (name + '.parquet')}')").fetchone()
            counts[name] = int(row[0]) if row else 0
        return counts
    finally:
        con.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--views", type=int, default=10_000_000, help="product_views rows (orders are views / 20)")
    parser.add_argument("--accounts", type=int, default=5000, help="accounts (default 5,000 at every scale)")
    parser.add_argument("--seed", type=int, default=20220214)
    parser.add_argument("--out", type=Path, required=True, help="output folder (use bench/data/...)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    counts = generate(args.out, args.views, args.accounts, args.seed)
    elapsed = time.perf_counter() - started
    print(f"{args.out}: " + ", ".join(f"{name} {rows:,}" for name, rows in counts.items()) + f" in {elapsed:.1f} s")


if __name__ == "__main__":
    main()
