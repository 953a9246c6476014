"""Random programs built from the language's population constructs, with their data.

Each :class:`Spec` is a program assembled from parts (eligibility, a gate, a ranking with
``top``/``shared ranks``, a prize schedule with caps and pools, a flat or bracketed rebate,
a per-order subsidy with ``max orders`` and a budget), rendered to rule-file text. The
data generator draws participants and orders whose values collide often, so ties, caps and
budgets are exercised. Nothing here is derived from the two campaigns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

Row = dict[str, object]
UTC = dt.UTC
ZONES = ["UTC", "America/New_York", "Europe/London", "Asia/Tokyo"]
FIRST_DAY, LAST_DAY = dt.date(2024, 3, 1), dt.date(2024, 3, 31)  # crosses both DST changes of March


def window_bounds(zone: str) -> tuple[dt.datetime, dt.datetime]:
    """``from 2024-03-01 to 2024-03-31 inclusive``: local midnights, as UTC instants."""
    tz = ZoneInfo(zone)
    start = dt.datetime.combine(FIRST_DAY, dt.time(), tz)
    end = dt.datetime.combine(LAST_DAY + dt.timedelta(days=1), dt.time(), tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def usd(cents: int) -> str:
    return f"${Decimal(cents) / 100:.2f}"


@dataclass(frozen=True)
class Limits:
    cap_each: int | None = None  # minor units
    pool: int | None = None
    overflow: str | None = None
    period: str | None = None  # `budget: … per day|week|month` (per-order rewards only)

    def lines(self, noun: str = "account") -> list[str]:
        out = []
        if self.cap_each is not None:
            out.append(f"  cap: {usd(self.cap_each)} per {noun}")
        if self.pool is not None:
            per = f" per {self.period}" if self.period else ""
            out.append(f"  budget: {usd(self.pool)}{per}")
        if self.overflow is not None:
            out.append(f"  overflow: {self.overflow}")
        return out


@dataclass(frozen=True)
class Spec:
    zone: str
    eligible_gold: bool
    min_orders: int | None
    then_by_count: bool
    top: int
    shared: str | None
    schedule: tuple[tuple[int, int, int], ...]  # (first rank, last rank, cents)
    prize_limits: Limits
    rebate_rate: Decimal | None  # flat rate; None means brackets
    brackets: tuple[tuple[int, Decimal], ...]  # (threshold cents, rate)
    bracket_mode: str
    rebate_limits: Limits
    subsidy_kind: str  # "full" | "percent" | "fixed"
    subsidy_value: Decimal
    per_order_cap: int | None
    max_orders: int | None
    subsidy_limits: Limits = field(default_factory=Limits)

    def source(self) -> str:
        lines = [
            "program generated:",
            '  title: "Generated population program"',
            "  market: US",
            "  currency: USD",
            f'  timezone: "{self.zone}"',
            "  calendar: US",
            "",
            "table accounts:",
            "  account_id: string",
            "  tier: string",
            "  key: account_id",
            "",
            "table orders:",
            "  order_id: string",
            "  account_id: string",
            "  ts: timestamp",
            "  gmv: money",
            "  fee: money",
            "  refunded: bool",
            "  key: order_id",
            "  time: ts",
            "",
            "participant account: accounts",
            "",
            f"window w: from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()} inclusive",
            "",
            "metric sales = sum gmv in orders during w where not refunded",
            "metric n = count orders during w",
            "",
        ]
        if self.eligible_gold:
            lines.append('eligible gold: tier = "gold"')
        if self.min_orders is not None:
            lines.append(f"gate enough_orders: n >= {self.min_orders}")
        lines += ["", "ranking board: by sales descending"]
        if self.then_by_count:
            lines.append("  then by n descending")
        lines.append(f"  top {self.top}")
        if self.shared is not None:
            lines.append(f"  shared ranks: {self.shared}")
        lines += ["", "prize cash: ranking board"]
        for first, last, cents in self.schedule:
            ranks = f"rank {first}" if first == last else f"rank {first} to {last}"
            lines.append(f"  {ranks}: {usd(cents)}")
        lines += self.prize_limits.lines()
        lines.append("")
        if self.rebate_rate is not None:
            lines.append(f"rebate back: {self.rebate_rate}% of sales")
        else:
            lines.append(f"rebate back: {self.bracket_mode} brackets of sales")
            lines += [f"  from {usd(t)}: {rate}%" for t, rate in self.brackets]
        lines += self.rebate_limits.lines()
        lines.append("")
        what = {"full": "full", "percent": f"{self.subsidy_value}% of", "fixed": f"{usd(int(self.subsidy_value))} of"}[
            self.subsidy_kind
        ]
        lines.append(f"subsidy ship: {what} fee in orders during w where not refunded")
        if self.per_order_cap is not None:
            lines.append(f"  cap per order: {usd(self.per_order_cap)}")
        if self.max_orders is not None:
            lines.append(f"  max orders: {self.max_orders} per account")
        lines += self.subsidy_limits.lines()
        lines += ["", "payout:", "  channel: bank transfer", "  due: 5 business days after w", ""]
        return "\n".join(lines)


def _limits(draw: st.DrawFn, per_participant: bool) -> Limits:
    cap = draw(st.none() | st.sampled_from([500, 2_999, 10_000])) if per_participant else None
    pool = draw(st.none() | st.sampled_from([1, 1_000, 4_321, 25_000]))
    # Mostly an explicit policy: `first come` only shows its order when the pool runs out.
    overflow = draw(st.sampled_from([None, "scale down", "first come", "first come"])) if pool is not None else None
    # A budget per local day, ISO week or month: only a per-order reward's orders have a time.
    period = draw(st.sampled_from([None, "day", "day", "week", "month"])) if pool and not per_participant else None
    return Limits(cap, pool, overflow, period)


def _prize_limits(draw: st.DrawFn, schedule_total: int) -> Limits:
    """A prize pool may not be below the schedule's total (RK405); ties under `same` can still exceed it."""
    # `cap: ... per account` is refused under `prize` by the parser (docs/language.md lists it).
    cap = None
    pool = draw(st.none() | st.just(schedule_total))
    overflow = draw(st.none() | st.sampled_from(["scale down", "first come"])) if pool is not None else None
    return Limits(cap, pool, overflow)


@st.composite
def specs(draw: st.DrawFn) -> Spec:
    tiers: list[tuple[int, int, int]] = []
    rank = 1
    for _ in range(draw(st.integers(1, 3))):
        width = draw(st.integers(1, 2))
        tiers.append((rank, rank + width - 1, draw(st.sampled_from([100, 250, 333, 1_000, 5_001]))))
        rank += width
    flat = draw(st.booleans())
    brackets = tuple(
        sorted(
            {
                (t, r)
                for t, r in draw(
                    st.lists(
                        st.tuples(st.sampled_from([0, 1_000, 5_000, 12_345]), st.sampled_from(["1", "2.5", "7"])),
                        min_size=1,
                        max_size=3,
                        unique_by=lambda x: x[0],
                    )
                )
            }
        )
    )
    kind = draw(st.sampled_from(["full", "percent", "fixed"]))
    values = {"full": ["0"], "percent": ["50", "33.3", "100"], "fixed": ["150", "400"]}  # fixed: cents
    value = Decimal(draw(st.sampled_from(values[kind])))
    return Spec(
        zone=draw(st.sampled_from(ZONES)),
        eligible_gold=draw(st.booleans()),
        min_orders=draw(st.none() | st.integers(1, 3)),
        then_by_count=draw(st.booleans()),
        top=draw(st.integers(1, 4)),
        shared=draw(st.sampled_from([None, "split", "same"])),
        schedule=tuple(tiers),
        prize_limits=_prize_limits(draw, sum((last - first + 1) * cents for first, last, cents in tiers)),
        rebate_rate=Decimal(draw(st.sampled_from(["2", "12.5"]))) if flat else None,
        brackets=tuple((t, Decimal(r)) for t, r in brackets),
        bracket_mode=draw(st.sampled_from(["marginal", "whole-tier"])),
        rebate_limits=_limits(draw, per_participant=True),
        subsidy_kind=kind,
        subsidy_value=value,
        per_order_cap=draw(st.none() | st.sampled_from([199, 350])),
        max_orders=draw(st.none() | st.integers(1, 2)),
        subsidy_limits=_limits(draw, per_participant=False),
    )


@st.composite
def population_data(draw: st.DrawFn, zone: str) -> dict[str, list[Row]]:
    start, end = window_bounds(zone)
    near = st.builds(
        lambda anchor, s: anchor + dt.timedelta(seconds=s),
        st.sampled_from([start, end]),
        st.sampled_from([-3600, -1, 0, 1, 7200]),
    )
    minutes = int((end - start).total_seconds() // 60)
    inside = st.builds(lambda m: start + dt.timedelta(minutes=m), st.integers(0, minutes - 1))
    # Local midnights (and a second either side) of March's days, both DST changes among them:
    # which day's budget an order at midnight uses.
    tz = ZoneInfo(zone)
    midnight = st.builds(
        lambda day, s: (
            dt.datetime.combine(FIRST_DAY + dt.timedelta(days=day), dt.time(), tz).astimezone(UTC)
            + dt.timedelta(seconds=s)
        ),
        st.sampled_from([0, 4, 9, 10, 11, 29, 30]),
        st.sampled_from([-1, 0, 0, 1]),
    )
    accounts: list[Row] = []
    orders: list[Row] = []
    for a in range(draw(st.integers(1, 7))):
        aid = f"acc{a:02d}"
        accounts.append({"account_id": aid, "tier": draw(st.sampled_from(["gold", "gold", "silver"]))})
        for _ in range(draw(st.integers(0, 4))):
            orders.append(
                {
                    "order_id": f"o{len(orders):03d}",
                    "account_id": aid,
                    "ts": draw(st.one_of(near, inside, inside, midnight)),
                    "gmv": Decimal(draw(st.sampled_from([0, 1_000, 2_500, 4_999, 10_000, 33_333]))) / 100,
                    "fee": Decimal(draw(st.sampled_from([0, 199, 300, 650]))) / 100,
                    "refunded": draw(st.booleans()) and draw(st.booleans()),
                }
            )
    return {"accounts": accounts, "orders": orders}
