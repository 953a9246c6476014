"""Generate the example data sets in ``examples/`` (apollo, uk_shop, seller_milestones,
listing_bonus, ytd_bonus, new_seller, streak_challenge, flash_sale).

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


# ----------------------------------------------------------------- seller milestones

# The season: 1 November - 31 December 2024 inclusive in US Central time: it opens in daylight
# time (CDT, UTC-5; it ends on 3 November) and closes in standard time (CST, UTC-6).
SEASON_START = dt.datetime(2024, 11, 1, 5, 0, tzinfo=UTC)
SEASON_END = dt.datetime(2025, 1, 1, 6, 0, tzinfo=UTC)


@dataclass
class Seller:
    """One seller: its orders in the season (amount, refunded, on time) set exactly."""

    seller_id: str
    orders: list[tuple[Decimal, bool, bool]]
    status: str = "active"
    country: str = "US"
    outside: int = 0  # extra orders just outside the season (either side), which must not count


def milestone_sellers(rng: random.Random) -> list[Seller]:
    """Named cases first (each tier, the caps, refunds either side of the limits), then filler."""

    def same(n: int, amount: str, refunded: int = 0, late: int = 0) -> list[tuple[Decimal, bool, bool]]:
        return [(Decimal(amount), i < refunded, i >= late) for i in range(n)]

    sellers = [
        Seller("S01", same(12, "500.00")),  # silver, 1% rebate
        Seller("S02", same(9, "300.00")),  # one order short of the gate
        Seller("S03", same(20, "3000.00", late=20)),  # gold; 2% of $60,000 capped at $1,000
        Seller("S04", same(20, "100.00", refunded=3)),  # 15% refunded: warned
        Seller("S05", same(20, "1000.00", refunded=6)),  # 30% refunded: disqualified
        Seller("S06", same(10, "100.00"), outside=4),  # bronze at exactly $1,000; orders outside ignored
        Seller("S07", same(12, "100.00"), country="CA"),  # not in the US
        Seller("S08", same(15, "700.00"), status="suspended"),  # not active
        Seller("S09", same(200, "40.00")),  # $8,000 silver; 200 on-time orders x $2 = $400, capped at $300
        Seller("S10", same(40, "250.00", refunded=5)),  # 12.5% refunded of 40: warned only
    ]
    for index in range(11, 41):
        count = rng.randint(5, 60)
        orders = [
            (Decimal(rng.randint(1000, 90000)) / 100, rng.random() < 0.08, rng.random() < 0.85) for _ in range(count)
        ]
        sellers.append(Seller(f"S{index:02d}", orders, outside=rng.randint(0, 2)))
    return sellers


def _season_time(rng: random.Random) -> dt.datetime:
    return SEASON_START + dt.timedelta(seconds=rng.randrange(int((SEASON_END - SEASON_START).total_seconds())))


def generate_milestones(folder: Path) -> None:
    rng = random.Random(SEED + 2)
    sellers = milestone_sellers(rng)
    rows: list[list[object]] = []
    counter = 0
    for seller in sellers:
        for amount, refunded, on_time in seller.orders:
            counter += 1
            when = _season_time(rng)
            rows.append(
                [f"O{counter:05d}", seller.seller_id, ts(when), f"{amount:.2f}", _bool(refunded), _bool(on_time)]
            )
        for extra in range(seller.outside):
            counter += 1
            # one second before the season opens, or exactly when it has closed (the end is exclusive)
            when = SEASON_START - dt.timedelta(seconds=1) if extra % 2 == 0 else SEASON_END
            rows.append([f"O{counter:05d}", seller.seller_id, ts(when), "5000.00", "false", "true"])
    write(
        folder / "sellers.csv",
        ["seller_id", "status", "country"],
        [[s.seller_id, s.status, s.country] for s in sellers],
    )
    write(folder / "orders.csv", ["order_id", "seller_id", "placed_at", "amount", "refunded", "on_time"], rows)


def _bool(value: bool) -> str:
    return "true" if value else "false"


# ------------------------------------------------------------------- listing bonus
# campaigns/listing_bonus.rules: March 2024 in New York (UTC-5 until 10 March, UTC-4 after).

# seller_id, region
LB_SELLERS = [
    ("S01", "US"),  # L101, L102 qualify; L103 has 2 photos; L104 never sold: $10
    ("S02", "US"),  # one listing whose only March order was refunded: fails the gate
    ("S03", "US"),  # 30 qualifying listings: 30 x $5 = $150, capped at $100
    ("S04", "CA"),  # not a US seller: not eligible
    ("S05", "US"),  # a listing created 23:30 on 31 March New York time (03:30 UTC on 1 April) counts: $5
    ("S06", "US"),  # no listings at all: 0, fails the gate
]

# listing_id, seller_id, created_at (UTC), photos
LB_LISTINGS = [
    ("L101", "S01", "2024-03-02 15:00", 3),
    ("L102", "S01", "2024-03-03 15:00", 8),
    ("L103", "S01", "2024-03-04 15:00", 2),
    ("L104", "S01", "2024-03-05 15:00", 5),
    ("L201", "S02", "2024-03-06 15:00", 4),
    ("L401", "S04", "2024-03-06 15:00", 4),
    ("L501", "S05", "2024-04-01 03:30", 6),  # 23:30 EDT on 31 March: a March listing
    ("L502", "S05", "2024-03-01 04:30", 6),  # 23:30 EST on 29 February: before March
]

# order_id, listing_id, ordered_at (UTC), gmv, refunded
LB_ORDERS = [
    ("B0001", "L101", "2024-03-06 15:00", "20.00", False),
    ("B0002", "L102", "2024-03-07 15:00", "30.00", False),
    ("B0003", "L102", "2024-03-08 15:00", "30.00", False),
    ("B0004", "L103", "2024-03-09 15:00", "10.00", False),  # L103 has only 2 photos
    ("B0005", "L201", "2024-03-10 15:00", "25.00", True),  # refunded: does not count
    ("B0006", "L201", "2024-04-01 04:30", "25.00", False),  # 00:30 EDT on 1 April: after March
    ("B0007", "L401", "2024-03-10 15:00", "25.00", False),
    ("B0008", "L501", "2024-04-01 03:45", "12.00", False),  # 23:45 EDT on 31 March: in March
    ("B0009", "L502", "2024-03-15 15:00", "12.00", False),  # L502 is not a March listing
    ("B0010", "L999", "2024-03-15 15:00", "12.00", False),  # an orphan: no such listing, reported
]


def generate_listing_bonus(folder: Path) -> None:
    listings: list[list[object]] = [[i, s, ts(utc(c)), p] for i, s, c, p in LB_LISTINGS]
    orders: list[list[object]] = [[o, i, ts(utc(c)), g, str(r).lower()] for o, i, c, g, r in LB_ORDERS]
    start = utc("2024-03-12 15:00")
    for index in range(30):  # S03: 30 qualifying listings, one order each
        listing = f"L3{index:02d}"
        listings.append([listing, "S03", ts(start + dt.timedelta(hours=index)), 3 + index % 4])
        orders.append([f"B1{index:03d}", listing, ts(start + dt.timedelta(hours=index + 24)), "15.00", "false"])
    write(folder / "sellers.csv", ["seller_id", "region"], [list(row) for row in LB_SELLERS])
    write(folder / "listings.csv", ["listing_id", "seller_id", "created_at", "photos"], listings)
    write(folder / "orders.csv", ["order_id", "listing_id", "ordered_at", "gmv", "refunded"], orders)


# ----------------------------------------------------------------------------- YTD bonus
# campaigns/ytd_bonus.rules (issue 10, construct 6): paid monthly, January to June 2024.

YTD_SELLERS = [
    ("S01", "US", False),  # steady seller: crosses the 2% bracket in February, 4% in May
    ("S02", "US", False),  # one huge January: the $2,000 monthly cap holds back, later months catch up
    ("S03", "US", False),  # a refund-heavy March: sales to date fall, nothing is clawed back
    ("S04", "CA", False),  # outside the US: never eligible
    ("S05", "US", True),  # fraud flag: disqualified every month
    ("S06", "US", False),  # no orders in April: the active-month gate fails that month
]


def generate_ytd(folder: Path) -> None:
    rng = random.Random(SEED + 2)
    rows: list[list[object]] = []
    counter = 0

    def order(seller: str, when: dt.datetime, gmv: Decimal, refunded: bool = False) -> None:
        nonlocal counter
        counter += 1
        rows.append([f"Y{counter:05d}", seller, ts(when), f"{gmv:.2f}", str(refunded).lower()])

    for month in range(1, 7):
        first = dt.datetime(2024, month, 1, 15, tzinfo=UTC)
        for seller in ("S01", "S04", "S05", "S06"):
            if seller == "S06" and month == 4:
                continue
            for _ in range(rng.randint(3, 12)):
                order(
                    seller, first + dt.timedelta(days=rng.randrange(0, 27)), Decimal(rng.randint(50_000, 300_000)) / 100
                )
    order("S02", dt.datetime(2024, 1, 15, 15, tzinfo=UTC), Decimal(110_000))
    for month in range(2, 7):
        order("S02", dt.datetime(2024, month, 3, 15, tzinfo=UTC), Decimal(250))
    order("S03", dt.datetime(2024, 2, 1, 4, 30, tzinfo=UTC), Decimal(30_000))  # 31 January 23:30 in New York
    order("S03", dt.datetime(2024, 3, 10, 15, tzinfo=UTC), Decimal(-12_000))  # a chargeback: sales to date fall
    order("S03", dt.datetime(2024, 5, 10, 15, tzinfo=UTC), Decimal(4_000))
    write(
        folder / "sellers.csv",
        ["seller_id", "region", "fraud_flag"],
        [[s, r, str(f).lower()] for s, r, f in YTD_SELLERS],
    )
    write(folder / "orders.csv", ["order_id", "seller_id", "ordered_at", "gmv", "refunded"], rows)


# ----------------------------------------------------------------------------- new sellers (issue 10)
# Program period 2024-01-01 00:00 EST (05:00 UTC) to 2024-07-01 00:00 EDT (04:00 UTC).

# seller_id, joined_at (UTC), brand_registered_at (UTC)
NEW_SELLERS = [
    ("N01", "2024-01-10 15:00", "2024-02-01 15:00"),  # qualifies; launch sales cut at 10 Apr 14:00 UTC
    ("N02", "2024-01-31 15:00", "2024-07-31 14:00"),  # brand exactly 6 months later (31 Jul 10:00 EDT): eligible
    ("N03", "2024-01-31 15:00", "2024-07-31 14:00:01"),  # one second too late: not eligible
    ("N04", "2024-01-01 04:59", "2024-01-02 15:00"),  # joined 31 Dec 23:59 EST: before the program
    ("N05", "2024-02-01 15:00", "2024-02-01 15:00"),  # first non-refunded sale after 30 days
    ("N06", "2024-05-01 15:00", "2024-05-01 15:00"),  # rating falls to 4.1 at the last instant counted
    ("N07", "2024-03-01 15:00", "2024-03-01 15:00"),  # suspended before the end: disqualified
    ("N08", "2024-03-01 15:00", "2024-03-01 15:00"),  # never rated: fails well_rated
    ("N09", "2024-04-20 14:00", "2024-04-21 14:00"),  # two rating changes at the same instant: the key decides
    ("N10", "2024-06-15 14:00", None),  # brand never registered: not eligible
]

# change_id, seller_id, changed_at (UTC), rating, status
NEW_RATINGS = [
    ("R001", "N01", "2024-03-01 12:00", "4.2", "active"),
    ("R002", "N01", "2024-06-01 12:00", "4.8", "active"),
    ("R003", "N02", "2024-02-01 12:00", "4.5", "active"),
    ("R004", "N03", "2024-02-01 12:00", "4.5", "active"),
    ("R005", "N04", "2024-02-01 12:00", "4.9", "active"),
    ("R006", "N05", "2024-02-10 12:00", "4.9", "active"),
    ("R007", "N06", "2024-05-10 12:00", "4.9", "active"),
    ("R008", "N06", "2024-07-01 03:59:59", "4.1", "active"),  # 30 Jun 23:59:59 EDT: counts
    ("R009", "N06", "2024-07-01 04:00", "5.0", "active"),  # 1 Jul 00:00 EDT: after the end
    ("R010", "N07", "2024-03-10 12:00", "4.9", "active"),
    ("R011", "N07", "2024-06-20 12:00", "4.9", "suspended"),
    ("R012", "N09", "2024-05-01 12:00", "4.0", "active"),  # same instant as R013; R013 has the larger key
    ("R013", "N09", "2024-05-01 12:00", "4.7", "active"),
]

# order_id, seller_id, ordered_at (UTC), gmv, refunded
NEW_ORDERS = [
    ("Q001", "N01", "2024-01-13 15:00", "1000.00", False),
    ("Q002", "N01", "2024-04-10 13:59", "500.00", False),  # last minute of the launch period
    ("Q003", "N01", "2024-04-10 14:00", "700.00", False),  # after it
    ("Q004", "N02", "2024-02-01 15:00", "100.00", False),
    ("Q005", "N03", "2024-02-01 15:00", "100.00", False),
    ("Q006", "N04", "2024-01-02 15:00", "100.00", False),
    ("Q007", "N05", "2024-02-05 15:00", "100.00", True),  # refunded: not a first sale
    ("Q008", "N05", "2024-03-03 15:00", "100.00", False),  # 1 Feb 10:00 EST + 30 days = 2 Mar 15:00 UTC: too late
    ("Q009", "N06", "2024-05-02 15:00", "200.00", False),
    ("Q010", "N07", "2024-03-02 15:00", "200.00", False),
    ("Q011", "N08", "2024-03-02 15:00", "200.00", False),
    ("Q012", "N09", "2024-04-25 14:00", "12000.00", False),  # 5% = $600, capped at $500
    ("Q013", "N10", "2024-06-16 14:00", "300.00", False),
]


def generate_new_seller(folder: Path) -> None:
    write(
        folder / "sellers.csv",
        ["seller_id", "joined_at", "brand_registered_at"],
        [[s, ts(utc(j)), ts(utc(b)) if b else ""] for s, j, b in NEW_SELLERS],
    )
    write(
        folder / "seller_ratings.csv",
        ["change_id", "seller_id", "changed_at", "rating", "status"],
        [[c, s, ts(utc(t)), r, st] for c, s, t, r, st in NEW_RATINGS],
    )
    write(
        folder / "orders.csv",
        ["order_id", "seller_id", "ordered_at", "gmv", "refunded"],
        [[o, s, ts(utc(t)), g, str(r).lower()] for o, s, t, g, r in NEW_ORDERS],
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


# ----------------------------------------------------------------------- flash sale

# seller_id, region, enrolled
FLASH_SELLERS = [
    ("F01", "GB", True),  # a few orders: shipping paid, capped at £3.99
    ("F02", "GB", True),  # 13 orders on 28 March: takes the whole day's £50
    ("F03", "GB", True),  # 28 March after the budget ran out (one at the same instant, larger key); paid on 29 March
    ("F04", "GB", False),  # not enrolled
    ("F05", "IE", True),  # outside the UK
    ("F06", "GB", True),  # either side of local midnights, on the 23-hour Sunday
    ("F07", "GB", True),  # 12 orders on Sunday 31 March: Sunday's budget runs out
    ("F08", "GB", True),  # an order under £15, a cancelled order, one of exactly £15
]


def _flash_orders() -> list[list[object]]:
    """Each order set exactly; the README lists what every seller is paid and why."""
    rows: list[list[object]] = []

    def add(order: str, seller: str, at: str, item: str, fee: str, cancelled: bool = False) -> None:
        rows.append([order, seller, ts(utc(at)), item, fee, str(cancelled).lower()])

    add("F0101", "F01", "2024-03-25 09:00", "20.00", "2.50")  # paid in full
    add("F0102", "F01", "2024-03-26 09:00", "35.00", "5.49")  # capped at £3.99
    add("F0103", "F01", "2024-03-24 23:59", "35.00", "3.00")  # 23:59 GMT on 24 March: before the sale
    for index in range(13):  # 08:00, 08:10, ... 10:00 on 28 March
        add(f"F02{index + 1:02d}", "F02", f"2024-03-28 {8 + index // 6:02d}:{index % 6 * 10:02d}", "25.00", "3.99")
    add("F0301", "F03", "2024-03-28 10:00", "25.00", "3.99")  # same instant as F0213, larger key: after it
    add("F0302", "F03", "2024-03-28 10:05", "25.00", "3.99")
    add("F0303", "F03", "2024-03-29 09:00", "25.00", "4.25")  # a new day, a new budget
    add("F0401", "F04", "2024-03-25 10:00", "20.00", "3.00")
    add("F0501", "F05", "2024-03-25 10:00", "20.00", "3.00")
    add("F0601", "F06", "2024-03-30 23:59", "40.00", "3.99")  # Saturday, 23:59 GMT
    add("F0602", "F06", "2024-03-31 00:00", "40.00", "3.99")  # Sunday's first instant (midnight GMT)
    add("F0603", "F06", "2024-03-31 22:59", "40.00", "3.99")  # 23:59 BST: Sunday, after its budget ran out
    add("F0604", "F06", "2024-03-31 23:00", "40.00", "3.99")  # 00:00 BST on 1 April: after the sale
    for index in range(12):  # 12:00, 12:10, ... 13:50 on Sunday
        add(f"F07{index + 1:02d}", "F07", f"2024-03-31 {12 + index // 6:02d}:{index % 6 * 10:02d}", "30.00", "3.99")
    add("F0801", "F08", "2024-03-27 09:00", "14.99", "3.00")  # under £15
    add("F0802", "F08", "2024-03-27 09:30", "50.00", "3.00", cancelled=True)
    add("F0803", "F08", "2024-03-27 10:00", "15.00", "1.99")  # exactly £15: paid
    return rows


def generate_flash_sale(folder: Path) -> None:
    sellers = [[s, r, str(e).lower()] for s, r, e in FLASH_SELLERS]
    write(folder / "sellers.csv", ["seller_id", "region", "enrolled"], sellers)
    header = ["order_id", "seller_id", "ordered_at", "item_total", "shipping_fee", "cancelled"]
    write(folder / "orders.csv", header, _flash_orders())


def main() -> None:
    generate_apollo(HERE / "apollo")
    generate_uk(HERE / "uk_shop")
    generate_milestones(HERE / "seller_milestones")
    generate_listing_bonus(HERE / "listing_bonus")
    generate_ytd(HERE / "ytd_bonus")
    generate_new_seller(HERE / "new_seller")
    generate_streak(HERE / "streak_challenge")
    generate_flash_sale(HERE / "flash_sale")


if __name__ == "__main__":
    main()
