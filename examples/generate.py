"""Generate the example data sets in ``examples/apollo/``, ``examples/uk_shop/`` and
``examples/streak_challenge/``.

Run ``python examples/generate.py``; the output is seeded and byte-identical on every
run. The special cases each account or merchant exercises are listed in
``examples/README.md``; the numbers that decide them (product viewers, net GMV, live
hours, refund counts) are set exactly here, and random filler only adds background.

All timestamps are UTC, written with a ``Z``.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
SEED = 20220214
UTC = dt.UTC

# Apollo window: 14-27 February 2022 inclusive in US Eastern time (UTC-5).
WINDOW_START = dt.datetime(2022, 2, 14, 5, 0, tzinfo=UTC)
WINDOW_END = dt.datetime(2022, 2, 28, 5, 0, tzinfo=UTC)
HOUR = dt.timedelta(hours=1)


def ts(value: dt.datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


# ----------------------------------------------------------------------------- Apollo


@dataclass
class Account:
    """One account and the exact numbers that decide its outcome."""

    account_id: str
    uv: int  # distinct viewers inside the window
    net_gmv: Decimal  # non-refunded order value inside the window
    hours: list[Decimal]  # effective live hours inside the window, one entry per host
    kind: str = "agency"
    program: str = "TikTok Shopping Partner"
    region: str = "US"
    hosts_submitted: bool = True
    click_farming: bool = False
    orders: int = 4  # orders inside the window (refunded ones included)
    refunded: int = 0
    idle_hours: Decimal = Decimal(0)  # idle (products_shown = 0) hours of the first host
    straddle: str = ""  # "start" / "end" / "both": the first host has sessions crossing the window bounds
    extra: dict[str, object] = field(default_factory=dict)


def apollo_accounts(rng: random.Random) -> list[Account]:
    d = Decimal
    special = [
        Account("AC01", 150, d("8000.00"), [d(18), d(16)]),
        Account("AC02", 140, d("120000.00"), [d(20)], orders=12),  # rebate 2,400 capped at 2,000
        Account("AC03", 130, d("5000.00"), [d(17)]),  # ties AC04 on viewers, wins on net GMV
        Account("AC04", 130, d("4000.00"), [d(15), d(19)]),
        Account("AC05", 120, d("3000.00"), [d(16)]),  # ties AC06 on viewers and net GMV: the key decides
        Account("AC06", 120, d("3000.00"), [d(16)]),
        Account("AC07", 60, d("2500.00"), [d(16)], orders=20, refunded=6),  # exactly 30%: not above the limit
        Account("AC08", 55, d("1800.00"), [d(15)], idle_hours=d(2)),  # idle exactly 2 h: no warning
        Account("AC09", 200, d("9000.00"), [d(20)], click_farming=True),  # would win; click farming
        Account("AC10", 190, d("7000.00"), [d(20)], orders=25, refunded=10),  # 40% of 25 orders
        Account("AC11", 100, d("2000.00"), [d(16)], orders=10, refunded=5),  # 50% of 10: not judged
        Account("AC12", 180, d("6000.00"), [d(14)], straddle="start"),  # exactly 14 h: fails the gate
        Account("AC13", 110, d("2200.00"), [d(14) + d(1) / 60], straddle="both"),  # 14 h 1 min: passes
        Account("AC14", 90, d("1500.00"), [d(16)], idle_hours=d(3)),  # idle 3 h: warned
        Account("AC15", 170, d("5500.00"), [d(18), d(10)]),  # second host only 10 h: fails the gate
        Account("AC20", 250, d("9500.00"), [d(20)], kind="individual"),  # not an agency
        Account("AC21", 240, d("9400.00"), [d(20)], program="Other Program"),  # not a partner
        Account("AC22", 160, d("3000.00"), [d(16)], region="CA"),  # not a US account
        Account("AC23", 165, d("3100.00"), [d(16)], hosts_submitted=False),  # hosts not submitted
        Account("AC24", 155, d("3200.00"), []),  # no hosts at all
    ]
    filler: list[Account] = []
    for index in range(25, 35):
        hosts = [Decimal(rng.randint(15, 24)) for _ in range(rng.randint(2, 4))]
        if index % 4 == 0:
            hosts[-1] = Decimal(rng.randint(5, 13))  # one host short of the gate
        gmv = Decimal(rng.randint(20000, 300000)) / 100
        filler.append(Account(f"AC{index}", rng.randint(10, 50), gmv, hosts, orders=rng.randint(1, 8)))
    return special + filler


def _in_window(rng: random.Random) -> dt.datetime:
    span = int((WINDOW_END - WINDOW_START).total_seconds())
    return WINDOW_START + dt.timedelta(seconds=rng.randrange(0, span))


def _sessions(account: Account, host_id: str, hours: Decimal, first: bool) -> list[list[object]]:
    """Sessions whose parts inside the window add up to exactly ``hours`` (effective)."""
    rows: list[list[object]] = []
    remaining = dt.timedelta(seconds=int(hours * 3600))
    if first and account.straddle in ("start", "both"):
        # 3 hours before the window opens (not counted) + 2 hours inside.
        start = WINDOW_START - 3 * HOUR
        rows.append([account.account_id, host_id, ts(start), ts(WINDOW_START + 2 * HOUR), 4])
        remaining -= 2 * HOUR
    if first and account.straddle in ("end", "both"):
        # 1 hour inside before the window closes + 4 hours after it (not counted).
        rows.append([account.account_id, host_id, ts(WINDOW_END - HOUR), ts(WINDOW_END + 4 * HOUR), 2])
        remaining -= HOUR
    day = 1
    while remaining > dt.timedelta(0):
        length = min(remaining, 3 * HOUR)
        start = WINDOW_START + dt.timedelta(days=day, hours=10)  # 10:00 Eastern
        rows.append([account.account_id, host_id, ts(start), ts(start + length), 1 + day % 5])
        remaining -= length
        day += 1
    if first and account.idle_hours:
        start = WINDOW_START + dt.timedelta(days=day + 1, hours=2)
        rows.append(
            [
                account.account_id,
                host_id,
                ts(start),
                ts(start + dt.timedelta(seconds=int(account.idle_hours * 3600))),
                0,
            ]
        )
    return rows


def _views(rng: random.Random, account: Account, shared_pool: list[str]) -> list[list[object]]:
    rows: list[list[object]] = []
    own = [f"{account.account_id}-v{i:03d}" for i in range(account.uv - min(5, account.uv))]
    viewers = own + shared_pool[: min(5, account.uv)]  # a few viewers also watch other accounts
    for viewer in viewers:
        for _ in range(rng.randint(1, 4)):
            rows.append([account.account_id, viewer, ts(_in_window(rng))])
    # Viewers seen only outside the window do not count.
    rows.append([account.account_id, f"{account.account_id}-early", ts(WINDOW_START - dt.timedelta(seconds=1))])
    rows.append([account.account_id, f"{account.account_id}-late", ts(WINDOW_END)])
    return rows


def _orders(rng: random.Random, account: Account, counter: list[int]) -> list[list[object]]:
    rows: list[list[object]] = []
    kept = account.orders - account.refunded
    if kept <= 0:
        return rows
    cents = int(account.net_gmv * 100)
    parts = [cents // kept] * kept
    parts[-1] += cents - sum(parts)
    amounts = [(Decimal(p) / 100, False) for p in parts]
    amounts += [(Decimal(rng.randint(2000, 30000)) / 100, True) for _ in range(account.refunded)]
    for amount, refunded in amounts:
        counter[0] += 1
        rows.append(
            [f"O{counter[0]:05d}", account.account_id, ts(_in_window(rng)), f"{amount:.2f}", str(refunded).lower()]
        )
    # An order before the window: never counted.
    counter[0] += 1
    rows.append([f"O{counter[0]:05d}", account.account_id, ts(WINDOW_START - 2 * HOUR), "999.00", "false"])
    return rows


def generate_apollo(folder: Path) -> None:
    rng = random.Random(SEED)
    accounts = apollo_accounts(rng)
    shared_pool = [f"shared-v{i}" for i in range(5)]
    account_rows, host_rows, session_rows, view_rows, order_rows = [], [], [], [], []
    counter = [0]
    for acc in accounts:
        account_rows.append(
            [
                acc.account_id,
                acc.kind,
                acc.program,
                acc.region,
                str(acc.hosts_submitted).lower(),
                str(acc.click_farming).lower(),
            ]
        )
        for index, hours in enumerate(acc.hours):
            host_id = f"{acc.account_id}-H{index + 1}"
            host_rows.append([acc.account_id, host_id, ts(dt.datetime(2022, 2, 1, 15, tzinfo=UTC))])
            session_rows += _sessions(acc, host_id, hours, first=index == 0)
        view_rows += _views(rng, acc, shared_pool)
        order_rows += _orders(rng, acc, counter)
    rng.shuffle(view_rows)
    rng.shuffle(order_rows)
    write(
        folder / "accounts.csv",
        ["account_id", "kind", "program", "region", "hosts_submitted", "click_farming_flag"],
        account_rows,
    )
    write(folder / "hosts.csv", ["account_id", "host_id", "registered_at"], host_rows)
    write(folder / "live_sessions.csv", ["account_id", "host_id", "start_ts", "end_ts", "products_shown"], session_rows)
    write(folder / "product_views.csv", ["account_id", "viewer_id", "ts"], view_rows)
    write(folder / "orders.csv", ["order_id", "account_id", "ts", "gmv", "refunded"], order_rows)


# ----------------------------------------------------------------------------- UK shop


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


# merchant_id, region, joined_at (UTC)
MERCHANTS = [
    ("M01", "GB", "2021-10-01 10:00"),  # free period over before the offer: 5% on everything
    ("M02", "GB", "2021-12-28 10:00"),  # free period ends 2022-03-28 10:00 BST = 09:00 UTC (after the clocks change)
    ("M03", "GB", "2022-03-10 12:00"),  # joined inside the offer: free for the whole offer period
    ("M04", "GB", "2022-04-15 08:30"),  # joined inside the offer, orders before and after joining
    ("M05", "FR", "2022-01-05 09:00"),  # not a GB merchant: standard rate, no subsidy
    ("M06", "GB", "2022-01-01 00:30"),  # free period ends 2022-04-01 00:30 BST = 2022-03-31 23:30 UTC
    ("M07", "GB", "2021-11-20 15:00"),  # many small orders
    ("M08", "GB", "2022-02-20 11:00"),  # joined just before the offer
]

# order_id, merchant_id, created_at (UTC), item_total, shipping_fee, currency, refunded
UK_ORDERS = [
    ("U0001", "M01", "2022-02-20 10:00", "40.00", "3.99", "GBP", False),  # before the offer: no subsidy
    ("U0002", "M01", "2022-03-02 10:00", "12.50", "2.99", "GBP", False),  # 5% = 0.625 -> 0.62 (half-even)
    ("U0003", "M01", "2022-03-03 10:00", "13.50", "5.99", "GBP", False),  # 5% = 0.675 -> 0.68; shipping capped at 4.99
    ("U0004", "M01", "2022-03-04 10:00", "80.00", "4.99", "GBP", True),  # refunded: no subsidy, commission still due
    ("U0005", "M02", "2022-03-20 10:00", "50.00", "3.50", "GBP", False),  # inside the free period
    ("U0006", "M02", "2022-03-28 08:59", "20.00", "4.99", "GBP", False),  # one minute before the free period ends
    ("U0007", "M02", "2022-03-28 09:00", "30.00", "6.50", "GBP", False),  # the free period has just ended: 5%
    ("U0008", "M02", "2022-03-28 09:30", "10.00", "1.99", "GBP", False),  # standard; 90 x 24 h would wrongly waive it
    ("U0009", "M02", "2022-05-31 22:59", "25.00", "3.00", "GBP", False),  # 23:59 BST on the last day: subsidised
    ("U0010", "M02", "2022-05-31 23:00", "25.00", "3.00", "GBP", False),  # 00:00 BST on 1 June: after the offer
    ("U0011", "M03", "2022-03-10 11:59", "15.00", "2.50", "GBP", False),  # before joining: standard rate
    ("U0012", "M03", "2022-03-15 10:00", "60.00", "7.50", "GBP", False),  # free; shipping capped at 4.99
    ("U0013", "M03", "2022-04-02 10:00", "45.00", "4.50", "GBP", False),
    ("U0014", "M03", "2022-05-20 10:00", "33.33", "0.00", "GBP", False),  # no shipping fee: nothing to subsidise
    ("U0015", "M04", "2022-04-01 10:00", "22.00", "3.20", "GBP", False),  # before joining
    ("U0016", "M04", "2022-04-20 10:00", "18.00", "4.98", "GBP", True),  # refunded
    ("U0017", "M04", "2022-05-01 10:00", "99.99", "5.00", "GBP", False),
    ("U0018", "M05", "2022-03-05 10:00", "70.00", "3.99", "GBP", False),  # FR merchant
    ("U0019", "M05", "2022-03-06 10:00", "10.00", "2.00", "EUR", False),  # euros: not used, reported
    ("U0020", "M06", "2022-03-31 23:15", "40.00", "3.99", "GBP", False),  # 00:15 BST on 1 April, before 23:30 UTC: free
    ("U0021", "M06", "2022-03-31 23:45", "40.00", "3.99", "GBP", False),  # after 23:30 UTC: standard rate
    ("U0022", "M08", "2022-02-25 10:00", "16.00", "2.49", "GBP", False),  # free, before the offer: no subsidy
    ("U0023", "M08", "2022-03-01 00:00", "16.00", "2.49", "GBP", False),  # first instant of the offer (GMT)
    ("U0024", "M99", "2022-03-08 10:00", "16.00", "2.49", "GBP", False),  # unknown merchant: reported, not used
]


def generate_uk(folder: Path) -> None:
    rng = random.Random(SEED + 1)
    merchant_rows = [[m, r, ts(utc(j))] for m, r, j in MERCHANTS]
    rows: list[list[object]] = [
        [o, m, ts(utc(c)), i, s, cur, str(ref).lower()] for o, m, c, i, s, cur, ref in UK_ORDERS
    ]
    # M07: many small orders across the offer period (fees on both sides of the cap).
    start = utc("2022-03-01 08:00")
    for index in range(40):
        created = start + dt.timedelta(hours=rng.randrange(0, 24 * 90))
        item = Decimal(rng.randint(500, 9000)) / 100
        fee = rng.choice(["1.99", "2.99", "3.99", "4.99", "5.49", "6.99"])
        rows.append([f"U1{index:03d}", "M07", ts(created), f"{item:.2f}", fee, "GBP", str(rng.random() < 0.1).lower()])
    write(folder / "merchants.csv", ["merchant_id", "region", "joined_at"], merchant_rows)
    write(
        folder / "orders.csv",
        ["order_id", "merchant_id", "created_at", "item_total", "shipping_fee", "currency", "refunded"],
        rows,
    )


# ----------------------------------------------------------------------- streak challenge
# Calendar buckets (issue 10): 1-30 March 2024 in New York time; the clocks go forward at
# 02:00 on 10 March, so that day has 23 hours. A day counts with >= 45 minutes live and >= 2
# products shown; 10 days earn $50 (20 days $120), 7 days in a row $30 (14 in a row $80).
NEW_YORK = ZoneInfo("America/New_York")


def _local(day: int, clock: str, month: int = 3) -> dt.datetime:
    """A New York wall-clock time in 2024 (the first occurrence when it repeats)."""
    hour, minute = (int(x) for x in clock.split(":"))
    return dt.datetime(2024, month, day, hour, minute, tzinfo=NEW_YORK)


# creator, region, banned, [(first day, last day, start, end, products)] (end before start: next day)
STREAK_CREATORS: list[tuple[str, str, bool, list[tuple[int, int, str, str, int]]]] = [
    ("K01", "US", False, [(1, 10, "19:00", "20:00", 3)]),  # 10 days in a row: $50 + $30
    ("K02", "US", False, [(1, 7, "19:00", "20:00", 2), (9, 15, "19:00", "20:00", 2), (17, 22, "19:00", "20:00", 2)]),
    ("K03", "US", False, [(1, 9, "19:00", "20:00", 3)]),  # 9 days: fails the gate
    # Every other night from 23:30 to 00:30: 30 minutes on each side of midnight, no day counts.
    ("K04", "US", False, [(day, day, "23:30", "00:30", 5) for day in range(1, 30, 2)]),
    ("K05", "US", False, [(1, 30, "01:20", "03:00", 2)]),  # 100 minutes, but 40 on 10 March (clocks go forward)
    ("K06", "CA", False, [(1, 12, "19:00", "20:00", 3)]),  # outside the US: not eligible
    ("K07", "US", True, [(1, 14, "19:00", "20:00", 3)]),  # banned: disqualified
    ("K08", "US", False, [(17, 29, "19:00", "20:00", 3), (30, 30, "23:00", "01:00", 3)]),  # last hour of 30 March
    ("K09", "US", False, [(1, 10, "19:00", "19:44", 4), (11, 20, "19:00", "20:00", 1)]),  # 44 minutes, 1 product
]


def _streak_sessions(rng: random.Random) -> tuple[list[list[object]], list[list[object]]]:
    creators: list[list[object]] = []
    sessions: list[list[object]] = []
    for creator, region, banned, runs in STREAK_CREATORS:
        creators.append([creator, region, str(banned).lower()])
        for first, last, start, end, products in runs:
            for day in range(first, last + 1):
                begins = _local(day, start)
                ends = _local(day, end) if end > start else _local(day, end) + dt.timedelta(days=1)
                sessions.append([f"{creator}-{day:02d}-{start}", creator, ts(begins), ts(ends), products])
    for index in range(10, 30):  # background creators with random evenings
        creator = f"K{index:02d}"
        creators.append([creator, "US", "false"])
        for day in sorted(rng.sample(range(1, 31), rng.randint(5, 25))):
            begins = _local(day, f"{rng.randint(0, 23):02d}:{rng.choice(['00', '15', '30', '45'])}")
            ends = begins + dt.timedelta(minutes=rng.choice([20, 44, 45, 46, 60, 90, 180]))
            sessions.append([f"{creator}-{day:02d}", creator, ts(begins), ts(ends), rng.randint(0, 4)])
    return creators, sessions


def generate_streak(folder: Path) -> None:
    creators, sessions = _streak_sessions(random.Random(SEED + 10))
    write(folder / "creators.csv", ["creator_id", "region", "banned"], creators)
    header = ["session_id", "creator_id", "start_ts", "end_ts", "products_shown"]
    write(folder / "live_sessions.csv", header, sessions)


def main() -> None:
    generate_apollo(HERE / "apollo")
    generate_uk(HERE / "uk_shop")
    generate_streak(HERE / "streak_challenge")


if __name__ == "__main__":
    main()
