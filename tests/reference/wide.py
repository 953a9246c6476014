"""The widened cross-check generator (issue 14, item 6): every reward kind, limits,
quantifiers, guards, absolute and relative windows, and damaged data in three formats.

A :class:`WideSpec` is a :class:`~tests.reference.programs.Spec` (ranking, prize, rebate,
subsidy with their caps, pools and budgets) plus a member table with a per-host metric and a
quantifier gate, a guarded ``disqualify`` and ``warn``, a bonus, a milestone (highest or
cumulative) and a commission over a relative window (``first N days from joined_at``), all
with their own limits. :func:`wide_data` draws raw text rows that also carry what real
data carries: nulls in optional columns (kept), nulls in required columns, duplicate keys,
rows in another currency and event rows of unknown participants (each reported and not
used). :func:`clean` applies the loader's rules of ``rulekit/data.py`` (as documented
there and in docs/semantics.md) independently and returns the usable rows and the
findings the settlement must report. :func:`write_folder` writes the rows as CSV or JSON.
Nothing here imports ``rulekit``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from tests.reference.programs import FIRST_DAY, LAST_DAY, Limits, Spec, specs, usd, window_bounds

Text = str | None
Raw = dict[str, Text]
PROGRAM_CURRENCY = "USD"

COLUMNS = {
    "accounts": ["account_id", "tier", "joined_at"],
    "hosts": ["account_id", "host_id"],
    # In the order `source()` declares them (the base table, then `host_id` and `currency`
    # after `refunded`): which duplicate is kept compares columns in declared order.
    "orders": ["order_id", "account_id", "ts", "gmv", "fee", "refunded", "host_id", "currency"],
}
KEYS = {"accounts": ("account_id",), "hosts": ("account_id", "host_id"), "orders": ("order_id",)}
# Required columns (docs/api.md "Facts"): keys, the participant key in event tables, `time:`,
# money and the currency beside it, and the anchor of a relative window.
REQUIRED = {
    "accounts": ("account_id", "joined_at"),
    "hosts": ("account_id", "host_id"),
    "orders": ("order_id", "account_id", "ts", "gmv", "fee", "currency"),
}


@dataclass(frozen=True)
class WideSpec:
    """A population :class:`Spec` plus the per-participant and per-order constructs it lacks."""

    base: Spec
    quantifier: str  # "every" | "any" | "no" | "at least 2"
    host_threshold: int  # cents: a host's sales must exceed (or reach) this
    host_op: str  # ">" | ">="
    guard_min_orders: int  # `disqualify ... when n >= G`
    refund_limit: int  # disqualify when refunded orders > this (judged when n >= G)
    warn_sales: int  # cents: warn when sales > this (judged when n >= 1)
    bonus_unit: int  # cents per order
    bonus_limits: Limits
    milestone_mode: str  # "highest" | "cumulative"
    milestone_tiers: tuple[tuple[int, int], ...]  # (threshold cents, amount cents)
    milestone_limits: Limits
    waiver_rate: Decimal  # percent during the first `relative_days` days
    standard_rate: Decimal
    relative_days: int

    @property
    def zone(self) -> str:
        return self.base.zone

    def source(self) -> str:
        b = self.base
        lines = b.source().splitlines()
        # The base program's tables, with the columns the wide constructs need.
        lines = _replace(lines, "  tier: string", ["  tier: string", "  joined_at: timestamp"])
        lines = _replace(
            lines,
            "  refunded: bool",
            ["  refunded: bool", "  host_id: string", "  currency: string"],
        )
        hosts = ["table hosts:", "  account_id: string", "  host_id: string", "  key: account_id, host_id", ""]
        lines = _replace(lines, "participant account: accounts", [*hosts, "participant account: accounts"])
        lines = _replace(
            lines, "participant account: accounts", ["participant account: accounts", "member host: hosts"]
        )
        window = f"window early: first {self.relative_days} days from joined_at"
        lines = _replace(
            lines, f"window w: from {FIRST_DAY} to {LAST_DAY} inclusive", [lines[_at(lines, "window w:")], window]
        )
        metrics = [
            "metric host_sales = sum gmv in orders during w where not refunded per host",
            "metric refunds = count orders during w where refunded",
        ]
        lines = _replace(lines, "metric n = count orders during w", ["metric n = count orders during w", *metrics])
        have = "have" if self.quantifier == "at least 2" else "has"
        hosts_word = "hosts" if self.quantifier == "at least 2" else "host"
        body = f"host_sales {self.host_op} {usd(self.host_threshold)}"
        clauses = [
            f"gate host_rule: {self.quantifier} {hosts_word} {have} {body}",
            f"disqualify refund_abuse: refunds > {self.refund_limit} when n >= {self.guard_min_orders}",
            f"warn big_seller: sales > {usd(self.warn_sales)} when n >= 1",
            "",
        ]
        lines = _replace(lines, "ranking board: by sales descending", [*clauses, "ranking board: by sales descending"])
        extra = [
            f"bonus per_order: {usd(self.bonus_unit)} per unit of n",
            *self.bonus_limits.lines(),
            "",
            f"milestone ladder: sales, {self.milestone_mode}",
            *[
                f"  {name} at {usd(t)}: {usd(a)}"
                for name, (t, a) in zip(TIER_NAMES, self.milestone_tiers, strict=False)
            ],
            *self.milestone_limits.lines(),
            "",
            f"commission fee_waiver: {self.waiver_rate}% of gmv in orders during early",
            f"  standard rate: {self.standard_rate}%",
            "",
        ]
        lines = _replace(lines, "payout:", [*extra, "payout:"])
        return "\n".join(lines) + "\n"


TIER_NAMES = ("bronze", "silver", "gold")


def _at(lines: list[str], prefix: str) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith(prefix))


def _replace(lines: list[str], exact: str, new: list[str]) -> list[str]:
    i = lines.index(exact)
    return [*lines[:i], *new, *lines[i + 1 :]]


@st.composite
def wide_specs(draw: st.DrawFn) -> WideSpec:
    base = draw(specs())
    thresholds = sorted(draw(st.sets(st.sampled_from([1_000, 4_999, 10_000, 50_000]), min_size=1, max_size=3)))
    # Amounts rise with the thresholds: with a falling ladder `highest` pays the largest amount
    # reached, not the top tier's (pinned in tests/test_crosscheck_wide.py).
    amounts = sorted(
        draw(st.lists(st.sampled_from([100, 500, 1_001]), min_size=len(thresholds), max_size=len(thresholds)))
    )
    tiers = list(zip(thresholds, amounts, strict=True))
    return WideSpec(
        base=base,
        quantifier=draw(st.sampled_from(["every", "any", "no", "at least 2"])),
        host_threshold=draw(st.sampled_from([0, 0, 2_500, 9_999])),
        host_op=draw(st.sampled_from([">=", ">"])),
        guard_min_orders=draw(st.sampled_from([1, 2, 3])),
        refund_limit=draw(st.sampled_from([0, 1, 2])),
        warn_sales=draw(st.sampled_from([0, 10_000])),
        bonus_unit=draw(st.sampled_from([50, 125, 333])),
        bonus_limits=_per_participant_limits(draw),
        milestone_mode=draw(st.sampled_from(["highest", "cumulative"])),
        milestone_tiers=tuple(tiers),
        milestone_limits=_per_participant_limits(draw),
        waiver_rate=Decimal(draw(st.sampled_from(["0", "1.5"]))),
        standard_rate=Decimal(draw(st.sampled_from(["5", "7.25"]))),
        relative_days=draw(st.sampled_from([1, 10, 45])),
    )


def _per_participant_limits(draw: st.DrawFn) -> Limits:
    cap = draw(st.none() | st.sampled_from([100, 777]))
    pool = draw(st.none() | st.sampled_from([1, 1_234]))
    overflow = draw(st.sampled_from([None, "scale down", "first come"])) if pool is not None else None
    return Limits(cap, pool, overflow)


# ---------------------------------------------------------------------------- data

JOINS = [dt.datetime(2024, 2, 20, 12, tzinfo=dt.UTC), dt.datetime(2024, 3, 9, 15, 30, tzinfo=dt.UTC)]


def _text(instant: dt.datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Drawn:
    """Raw rows per table (text or null), and how JSON files spell amounts."""

    tables: dict[str, list[Raw]]
    json_numbers: bool  # money as JSON numbers (``12.5``) instead of text (``"12.50"``)


@st.composite
def wide_data(draw: st.DrawFn, zone: str) -> Drawn:
    start, end = window_bounds(zone)
    minutes = int((end - start).total_seconds() // 60)
    instants = st.one_of(
        st.builds(lambda m: start + dt.timedelta(minutes=m), st.integers(0, minutes - 1)),
        st.builds(lambda a, s: a + dt.timedelta(seconds=s), st.sampled_from([start, end]), st.sampled_from([-1, 0, 1])),
    )
    tables: dict[str, list[Raw]] = {"accounts": [], "hosts": [], "orders": []}
    for a in range(draw(st.integers(1, 5))):
        aid = f"acc{a}"
        joined = draw(st.sampled_from(JOINS)) + dt.timedelta(hours=draw(st.integers(0, 48)))
        tables["accounts"].append(
            {
                "account_id": aid,
                "tier": draw(st.sampled_from(["gold", "gold", "silver", None])),
                "joined_at": _text(joined),
            }
        )
        hosts = [f"h{h}" for h in range(draw(st.sampled_from([0, 1, 2, 2, 3])))]
        tables["hosts"] += [{"account_id": aid, "host_id": h} for h in hosts]
        for _ in range(draw(st.integers(0, 4))):
            tables["orders"].append(_order(draw, len(tables["orders"]), aid, hosts, draw(instants)))
    _damage(draw, tables, draw(instants))
    return Drawn(tables, draw(st.booleans()))


def _order(draw: st.DrawFn, n: int, aid: str, hosts: list[str], ts: dt.datetime) -> Raw:
    return {
        "order_id": f"o{n:03d}",
        "account_id": aid,
        # a null or unlisted host counts for no host
        "host_id": draw(st.sampled_from([*hosts, *hosts, None, "ghost"])),
        "ts": _text(ts),
        "gmv": draw(st.sampled_from(["0.00", "10.00", "25.00", "49.99", "100.00", "333.33"])),
        "fee": draw(st.sampled_from(["0.00", "1.99", "3.00", "6.50"])),
        "currency": PROGRAM_CURRENCY,
        "refunded": draw(st.sampled_from(["false", "false", "false", "true", None])),  # null: neither refunded nor not
    }


def _damage(draw: st.DrawFn, tables: dict[str, list[Raw]], ts: dt.datetime) -> None:
    """Append damaged rows: each has exactly one defect, so each finding counts it once."""
    accounts = [str(r["account_id"]) for r in tables["accounts"]]
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(
            st.sampled_from(
                ["null_required", "duplicate", "currency", "orphan", "dup_account", "null_anchor", "orphan_host"]
            )
        )
        aid = draw(st.sampled_from(accounts))
        row = _order(draw, len(tables["orders"]), aid, [], ts)
        if kind == "null_required":
            row[draw(st.sampled_from(["gmv", "fee", "ts"]))] = None
        elif kind == "duplicate" and tables["orders"]:
            row["order_id"] = draw(st.sampled_from([str(r["order_id"]) for r in tables["orders"]]))
        elif kind == "currency":
            row["currency"] = "EUR"
        elif kind == "orphan":
            row["account_id"] = "nobody"
        elif kind == "dup_account":
            tables["accounts"].append({"account_id": aid, "tier": "gold", "joined_at": _text(JOINS[0])})
            continue
        elif kind == "null_anchor":
            # A second account whose anchor is null: not used, so its orders become orphans.
            new = f"lost{len(tables['accounts'])}"
            tables["accounts"].append({"account_id": new, "tier": "gold", "joined_at": None})
            row["account_id"] = new
        elif kind == "orphan_host":
            tables["hosts"].append({"account_id": "nobody", "host_id": "h0"})
            continue
        tables["orders"].append(row)


# ------------------------------------------------------------------------ cleaning


@dataclass(frozen=True)
class Finding:
    """What the settlement's data-quality report must say: table, column, kind and row count."""

    table: str
    column: str
    kind: str  # "null" | "currency" | "orphan" | "duplicate"
    rows: int


def clean(tables: dict[str, list[Raw]]) -> tuple[dict[str, list[Raw]], set[Finding]]:
    """The usable rows and the findings, by the loader's documented rules.

    Per table, participant table first: rows with a null in a required column, money in
    another currency, or a participant key not among the usable participants are not
    used; then of the rows left, the smallest row by content of each key is kept
    (:func:`content`), the kept rows staying in input order.
    """
    findings: dict[tuple[str, str, str], int] = {}
    usable: dict[str, list[Raw]] = {}
    for name in ("accounts", "hosts", "orders"):
        known = {r["account_id"] for r in usable.get("accounts", [])}
        kept: list[Raw] = []
        for row in tables[name]:
            problems = [("null", c) for c in REQUIRED[name] if row[c] is None]
            if name == "orders" and row["currency"] is not None and row["currency"] != PROGRAM_CURRENCY:
                problems.append(("currency", "currency"))
            if name != "accounts" and row["account_id"] is not None and row["account_id"] not in known:
                problems.append(("orphan", "account_id"))
            for kind, column in problems:
                findings[(name, column, kind)] = findings.get((name, column, kind), 0) + 1
            if not problems:
                kept.append(row)
        best: dict[tuple[Text, ...], Raw] = {}
        for row in kept:
            key = tuple(row[k] for k in KEYS[name])
            if key not in best or content(name, row) < content(name, best[key]):
                best[key] = row
        usable[name] = []
        for row in kept:
            if best[tuple(row[k] for k in KEYS[name])] is not row:
                column = ", ".join(KEYS[name])
                findings[(name, column, "duplicate")] = findings.get((name, column, "duplicate"), 0) + 1
                continue
            usable[name].append(row)
    return usable, {Finding(t, c, k, n) for (t, c, k), n in findings.items()}


def content(name: str, row: Raw) -> tuple[tuple[bool, object], ...]:
    """A row's place in the loader's content order (docs/run.md): its typed values column by
    column in declared order, nulls first. Texts compare as typed: timestamps share one
    format (text order is time order), booleans are 'false' < 'true', money is a Decimal."""
    return tuple(
        (row[c] is not None, Decimal(str(row[c])) if c in MONEY and row[c] is not None else row[c] or "")
        for c in COLUMNS[name]
    )


MONEY = ("gmv", "fee")


def kind_of(problem: str) -> str:
    """The kind of a rulekit data-quality problem text (its wording may change; its kind may not)."""
    for needle, kind in (
        ("null", "null"),
        ("another currency", "currency"),
        (" not in ", "orphan"),
        ("duplicate", "duplicate"),
    ):
        if needle in problem:
            return kind
    return problem


# ------------------------------------------------------------------------ writing


def write_folder(folder: Path, drawn: Drawn, fmt: str) -> Path:
    """One file per table: ``csv`` (an empty field is null) or ``json`` (an array of objects)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in drawn.tables.items():
        if fmt == "csv":
            with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(COLUMNS[name])
                writer.writerows([["" if r[c] is None else r[c] for c in COLUMNS[name]] for r in rows])
        else:
            (folder / f"{name}.json").write_text(json.dumps([_json_row(r, drawn.json_numbers) for r in rows]))
    return folder


def _json_row(row: Raw, numbers: bool) -> dict[str, object]:
    out: dict[str, object] = {}
    for column, value in row.items():
        if value is not None and column == "refunded":
            out[column] = value == "true"  # a JSON boolean
        elif value is not None and numbers and column in ("gmv", "fee"):
            out[column] = float(value) if "." in value else int(value)
        else:
            out[column] = value
    return out


def local_days_later(instant: dt.datetime, days: int, zone: str) -> dt.datetime:
    """``first N days from X``: the same local wall-clock time N days later, as UTC."""
    tz = ZoneInfo(zone)
    local = instant.astimezone(tz)
    later = dt.datetime.combine(local.date() + dt.timedelta(days=days), local.timetz().replace(tzinfo=None), tz)
    return later.astimezone(dt.UTC)


def parse_instant(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
