"""Load test of ``rulekit serve``: N requests from a thread pool against the real server on
127.0.0.1, reporting throughput and latency percentiles.

    .venv/bin/python bench/bench_serve.py --requests 5000 --concurrency 8
    .venv/bin/python bench/bench_serve.py --endpoint decide-batch --batch-size 50 --requests 200

The server is started as a subprocess (``rulekit serve campaigns/uk_shop.rules --no-reload
--no-access-log``) on a free port and stopped at the end. Bounded: at most ``--requests``
requests and ``--max-seconds`` of wall time (whichever comes first). Every answer must be
a 200; afterwards a sample of the answers is compared with ``program.decide`` on the same
facts in this process, so a fast wrong service does not pass. Client and server share
the machine's cores, so the figures are a floor for the server alone.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
UK_SHOP = ROOT / "campaigns" / "uk_shop.rules"
RULEKIT = str(Path(sys.executable).parent / "rulekit")


@dataclass
class Report:
    endpoint: str
    requests: int
    decisions: int
    concurrency: int
    seconds: float
    requests_per_s: float
    decisions_per_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    checked: int


def uk_facts(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """``count`` one-order UK decisions, seeded: joined dates and amounts vary, so both the free
    period and the standard rate, and shipping under and over the cap, are exercised."""
    rng = random.Random(seed)
    facts = []
    for i in range(count):
        merchant = f"m{i}"
        cents, fee_cents = rng.randint(100, 50_000), rng.randint(0, 900)
        facts.append(
            {
                "merchants": {
                    "merchant_id": merchant,
                    "region": "GB",
                    "joined_at": f"2022-0{rng.randint(1, 3)}-01T10:00:00Z",
                },
                "orders": {
                    "order_id": f"o{i}",
                    "merchant_id": merchant,
                    "created_at": f"2022-04-{rng.randint(1, 28):02d}T12:00:00Z",
                    "item_total": str(Decimal(cents) / 100),
                    "shipping_fee": str(Decimal(fee_cents) / 100),
                    "currency": "GBP",
                    "refunded": rng.random() < 0.1,
                },
            }
        )
    return facts


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(port: int, max_batch: int) -> subprocess.Popen[bytes]:
    command = [RULEKIT, "serve", str(UK_SHOP), "--port", str(port), "--no-reload", "--no-access-log"]
    command += ["--max-batch", str(max_batch)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.1)
    stop_server(server)
    raise SystemExit("the server did not answer /health within 60 s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


class Client:
    """One keep-alive connection per thread, as a service's client pool would hold."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.local = threading.local()

    def post(self, path: str, body: bytes) -> tuple[float, bytes]:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        start = time.perf_counter()
        conn.request("POST", path, body=body, headers={"content-type": "application/json"})
        response = conn.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - start
        if response.status != 200:
            raise SystemExit(f"{path}: HTTP {response.status}: {data[:300]!r}")
        return elapsed, data


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of an already sorted list."""
    rank = math.ceil(q / 100 * len(sorted_values))
    return sorted_values[min(max(rank, 1), len(sorted_values)) - 1]


def run(args: argparse.Namespace) -> Report:
    import rulekit  # loaded here only to check answers after the timed part

    facts = uk_facts(500)
    batch = args.endpoint == "decide-batch"
    bodies = (
        [json.dumps(facts[i : i + args.batch_size]).encode() for i in range(0, len(facts), args.batch_size)]
        if batch
        else [json.dumps(f).encode() for f in facts]
    )
    port = free_port()
    server = start_server(port, max(args.batch_size, 1))
    path = f"/programs/uk_shop/{args.endpoint}"
    client = Client(port)
    try:
        for body in bodies[: args.concurrency * 4]:  # warm up: connections, imports, caches
            client.post(path, body)
        deadline = time.monotonic() + args.max_seconds
        latencies: list[float] = []
        answers: dict[int, bytes] = {}

        def one(i: int) -> None:
            if time.monotonic() > deadline:
                return
            elapsed, data = client.post(path, bodies[i % len(bodies)])
            latencies.append(elapsed)
            if i < len(bodies):
                answers[i] = data

        started = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            list(pool.map(one, range(args.requests)))
        seconds = time.perf_counter() - started
    finally:
        stop_server(server)
    program = rulekit.load(UK_SHOP)
    checked = 0
    for i, data in list(answers.items())[: args.check]:
        got = json.loads(data)
        if batch:
            expected = [json.loads(program.decide(f).model_dump_json()) for f in json.loads(bodies[i])]
            got = got["decisions"]
        else:
            expected = json.loads(program.decide(facts[i]).model_dump_json())
            got = got["decision"] if args.endpoint == "explain" else got
        if got != expected:
            raise SystemExit(f"answer {i} differs from program.decide")
        checked += 1
    done = len(latencies)
    per_request = args.batch_size if batch else 1
    ordered = sorted(latencies)
    return Report(
        endpoint=args.endpoint,
        requests=done,
        decisions=done * per_request,
        concurrency=args.concurrency,
        seconds=round(seconds, 3),
        requests_per_s=round(done / seconds, 1),
        decisions_per_s=round(done * per_request / seconds, 1),
        p50_ms=round(statistics.median(ordered) * 1000, 2),
        p90_ms=round(percentile(ordered, 90) * 1000, 2),
        p99_ms=round(percentile(ordered, 99) * 1000, 2),
        max_ms=round(ordered[-1] * 1000, 2),
        checked=checked,
    )


def main(argv: list[str] | None = None) -> Report:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=2000, help="requests to send (default 2000)")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads (default 8)")
    parser.add_argument("--endpoint", choices=["decide", "explain", "decide-batch"], default="decide")
    parser.add_argument("--batch-size", type=int, default=50, help="facts per batch request (default 50)")
    parser.add_argument("--max-seconds", type=float, default=120, help="stop sending after this long (default 120)")
    parser.add_argument("--check", type=int, default=100, help="answers compared with program.decide (default 100)")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args(argv)
    report = run(args)
    print(
        f"{report.endpoint}: {report.requests} requests ({report.decisions} decisions), "
        f"{report.concurrency} client threads, {report.seconds} s\n"
        f"  throughput {report.requests_per_s} requests/s, {report.decisions_per_s} decisions/s\n"
        f"  latency p50 {report.p50_ms} ms, p90 {report.p90_ms} ms, p99 {report.p99_ms} ms, max {report.max_ms} ms\n"
        f"  {report.checked} answers equal program.decide on the same facts"
    )
    if args.json:
        args.json.write_text(json.dumps(asdict(report), indent=2) + "\n", encoding="utf-8")
    return report


if __name__ == "__main__":
    main()
