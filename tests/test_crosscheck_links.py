"""The two evaluators agree on sub-entities and links (issue 10, construct 4).

Hypothesis generates sellers, their listings and orders linked to the listings, with the
cases that matter: orphan orders (a listing that does not exist), null link keys,
duplicate keys (the settlement keeps the smallest row of a key by content, so the decision is given the
same rows), listings without orders, times around the window bounds and relative windows.
Programs vary the per-listing aggregate, its filters and the nested condition. For every
seller, `settle` (SQL on DuckDB) and `decide` (Python) must give the same metrics, clause
outcomes and payout.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import rulekit
from tests.test_crosscheck import CHECK, arrow_tables

UTC = dt.UTC
Rows = list[dict[str, Any]]

# March 2024 in New York: 1 March 05:00 UTC to 1 April 04:00 UTC (clocks change on 10 March).
W0 = dt.datetime(2024, 3, 1, 5, tzinfo=UTC)
W1 = dt.datetime(2024, 4, 1, 4, tzinfo=UTC)

PROGRAM = """\
program links:
  title: "Links"
  market: US
  currency: USD
  timezone: "America/New_York"
  calendar: US

table sellers:
  seller_id: string
  joined_at: timestamp
  key: seller_id

table listings:
  listing_id: string
  seller_id: string
  created_at: timestamp
  photos: int
  key: listing_id
  time: created_at

table orders:
  order_id: string
  listing_id: string
  ts: timestamp
  gmv: money
  refunded: bool
  key: order_id
  time: ts
  link: listing_id -> listings

participant seller: sellers

window march: from 2024-03-01 to 2024-03-31 inclusive

window first_days: first 10 days from joined_at

metric per_listing = {aggregate}{during}{where} per listing

metric good = count listings{outer_during} where {nested}

metric photos_of_good = sum photos in listings where {nested}

gate enough: good >= {need}

bonus b: $5 per unit of good
  cap: $20 per seller
"""


@st.composite
def programs(draw: st.DrawFn) -> str:
    aggregate, threshold = draw(
        st.sampled_from(
            [
                ("count orders", "1"),
                ("count orders", "2"),
                ("sum gmv in orders", "$20"),
                ("min gmv in orders", "$10"),
                ("max gmv in orders", "$30"),
                ("average gmv in orders", "$15"),
            ]
        )
    )
    during = draw(st.sampled_from(["", " during march", " during first_days"]))
    where = draw(st.sampled_from(["", " where not refunded"]))
    nested = f"per_listing >= {threshold}"
    nested = draw(st.sampled_from([nested, f"{nested} and photos >= 3", f"photos >= 3 or per_listing < {threshold}"]))
    outer = draw(st.sampled_from(["", " during march"]))
    need = draw(st.sampled_from(["0", "1", "2"]))
    return (
        PROGRAM.replace("{aggregate}", aggregate)
        .replace("{during}", during)
        .replace("{where}", where)
        .replace("{outer_during}", outer)
        .replace("{nested}", nested)
        .replace("{need}", need)
    )


def instants() -> st.SearchStrategy[dt.datetime]:
    near = st.builds(
        lambda anchor, seconds: anchor + dt.timedelta(seconds=seconds),
        st.sampled_from([W0, W1]),
        st.sampled_from([-3600, -1, 0, 1, 3600]),
    )
    anywhere = st.builds(lambda h: W0 + dt.timedelta(hours=h), st.integers(-48, 31 * 24 + 48))
    return st.one_of(near, anywhere)


@st.composite
def data(draw: st.DrawFn) -> dict[str, Rows]:
    tables: dict[str, Rows] = {"sellers": [], "listings": [], "orders": []}
    listing_ids: list[str] = []
    for s in range(draw(st.integers(1, 3))):
        sid = f"s{s}"
        tables["sellers"].append({"seller_id": sid, "joined_at": draw(instants())})
        for _ in range(draw(st.integers(0, 3))):  # sellers without listings too
            # A small pool of keys: two sellers' listings may share a key (the smallest row is kept).
            lid = draw(st.sampled_from(["L0", "L1", "L2", "L3", "L4", "L5"]))
            listing_ids.append(lid)
            row = {
                "listing_id": lid,
                "seller_id": sid,
                "created_at": draw(instants()),
                "photos": draw(st.integers(0, 5)),
            }
            tables["listings"].append(row)
    for o in range(draw(st.integers(0, 10))):
        # Orders of known listings, orphans (a listing no one has) and null links.
        lid = draw(st.sampled_from([*listing_ids, "L9", None] if listing_ids else ["L9", None]))
        oid = f"o{o}" if draw(st.integers(0, 9)) else "o0"  # now and then a duplicate order key
        gmv = draw(st.sampled_from(["5.00", "10.00", "15.00", "30.00", "0.01"]))
        row = {"order_id": oid, "listing_id": lid, "ts": draw(instants()), "gmv": Decimal(gmv)}
        tables["orders"].append({**row, "refunded": draw(st.booleans())})
    return tables


def _first_of_each_key(rows: Rows, key: str) -> Rows:
    """What the settlement's loader keeps: of each key the smallest row by content (every
    column in declared order, which is each row's dict order here, nulls first), the kept
    rows in input order."""

    def content(row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple((v is not None, v if v is not None else 0) for v in row.values())

    best: dict[Any, dict[str, Any]] = {}
    for row in rows:
        if row[key] not in best or content(row) < content(best[row[key]]):
            best[row[key]] = row
    return [row for row in rows if best[row[key]] is row]


def _facts(tables: dict[str, Rows], pid: str) -> dict[str, Any]:
    listings = [r for r in _first_of_each_key(tables["listings"], "listing_id") if r["seller_id"] == pid]
    keys = {r["listing_id"] for r in listings}
    orders = [r for r in _first_of_each_key(tables["orders"], "order_id") if r["listing_id"] in keys]
    seller = next(r for r in tables["sellers"] if r["seller_id"] == pid)
    return {"sellers": seller, "listings": listings, "orders": orders}


@CHECK
@given(source=programs(), tables=data())
def test_settle_and_decide_agree_on_linked_tables(source: str, tables: dict[str, Rows]) -> None:
    program = rulekit.loads(source, "links.rules")
    settlement = program.settle(arrow_tables(program.ir, tables))
    assert len(settlement.participants) == len(tables["sellers"])
    for row in settlement.participants:
        decision = program.decide(_facts(tables, row.id))
        assert decision.metrics == row.metrics, (row.id, source)
        mine = [(c.name, c.holds, c.judged) for c in decision.clauses]
        assert mine == [(c.name, c.holds, c.judged) for c in row.clauses], row.id
        assert (decision.eligible, decision.qualified) == (row.eligible, row.qualified), row.id
        assert decision.total_payout == row.total_payout, row.id
