"""An independent reference for Apollo's per-account stage, written from campaigns/apollo.rules
by hand (not from rulekit's code): the oracle the fast path, batches, the service and the
decision benchmark are checked against.

A record is the facts of one account with its metric values given: the account row, its
hosts with their ``effective_live_time`` / ``idle_live_time`` in seconds, and
``product_uv``, ``net_gmv``, ``order_count``, ``refunded_orders``, ``host_count``.
"""

from __future__ import annotations

import random
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

Outcome = tuple[bool, bool, bool, tuple[str, ...], Decimal | None]

PARTNER = "TikTok Shopping Partner"


def reference(record: dict[str, Any]) -> Outcome:
    """(eligible, qualified, disqualified, warnings, rebate) as the rule file words them:

    eligible: kind "agency", the partner program, region "US", hosts submitted and at least
    one host; gate: every host more than 14 hours (50,400 s) effective; warn: any host more
    than 2 hours (7,200 s) idle; disqualify: click farming, or more than 30% of at least 20
    orders refunded; rebate 2% of net GMV, at most $2,000, rounded half-even to the cent.
    """
    account, hosts = record["accounts"], record["hosts"]
    eligible = (
        account["kind"] == "agency"
        and account["program"] == PARTNER
        and account["region"] == "US"
        and account["hosts_submitted"]
        and record["host_count"] >= 1
    )
    gate = all(h["effective_live_time"] > 50400 for h in hosts)
    warned = ("idle_streaming",) if any(h["idle_live_time"] > 7200 for h in hosts) else ()
    orders, refunded = record["order_count"], record["refunded_orders"]
    refunds = orders >= 20 and refunded * 10 > orders * 3  # refunded / orders > 30%, exactly
    disqualified = account["click_farming_flag"] or refunds
    qualified = eligible and gate and not disqualified
    if not qualified:
        return eligible, False, disqualified, warned, None
    rebate = min(Decimal(str(record["net_gmv"])) * Decimal("0.02"), Decimal(2000))
    return eligible, True, disqualified, warned, rebate.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


def records(count: int, seed: int = 20220214) -> list[dict[str, Any]]:
    """``count`` seeded records: JSON-style values (money a float, seconds whole numbers,
    times ISO strings), every clause both passing and failing, boundaries included
    (exactly 14 hours, exactly 2 hours idle, exactly 30% of 20 orders)."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        account_id = f"A{i:07d}"
        hosts = [
            {
                "account_id": account_id,
                "host_id": f"{account_id}-h{h}",
                "registered_at": f"2022-01-{rng.randrange(1, 29):02d}T{rng.randrange(24):02d}:00:00Z",
                "effective_live_time": rng.choice((50400, 50401, rng.randrange(0, 120_000))),
                "idle_live_time": rng.choice((7200, 7201, rng.randrange(0, 9000))),
            }
            for h in range(rng.choice((1, 1, 2, 2, 3)))
        ]
        orders = rng.choice((20, rng.randrange(0, 80)))
        refunded = 6 if orders == 20 and rng.random() < 0.3 else rng.randrange(0, max(1, orders // 3))
        out.append(
            {
                "accounts": {
                    "account_id": account_id,
                    "kind": "agency" if rng.random() < 0.9 else "merchant",
                    "program": PARTNER if rng.random() < 0.92 else "Seller Academy",
                    "region": "US" if rng.random() < 0.95 else "GB",
                    "hosts_submitted": rng.random() < 0.97,
                    "click_farming_flag": rng.random() < 0.02,
                },
                "hosts": hosts,
                "product_uv": rng.randrange(0, 5000),
                "net_gmv": rng.randrange(0, 20_000_000) / 100,
                "order_count": orders,
                "refunded_orders": min(refunded, orders),
                "host_count": len(hosts),
            }
        )
    return out


def flat(record: dict[str, Any]) -> dict[str, Any]:
    """The record as one row of a batch table: the account's columns at the top level."""
    return {**record["accounts"], **{k: v for k, v in record.items() if k != "accounts"}}
