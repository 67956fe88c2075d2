"""Collector benchmark: ingest throughput with zero loss, query latency at 1M spans, peak RSS.

    .venv/bin/python bench/collector_bench.py [--spans 1000000] [--throughput-spans 200000]

Realistic spans (batches of 100, 10-20 tags each) from 4 concurrent clients against a real
collector process on a temporary SQLite file; prints the figures with their targets.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from spans import SERVICES, make_batches  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def start_collector(db: Path, root: Path = ROOT) -> tuple[subprocess.Popen, str]:
    """A collector of the source tree at `root` on a new SQLite file `db`; the process and its URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "journey", "collector", "--port", "0", "--db", str(db), "--max-spans", "5000000"],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    line = process.stdout.readline()
    url = re.search(r"(http://\S+)", line).group(1)
    threading.Thread(target=process.stdout.read, daemon=True).start()  # keep draining its output
    return process, url


def process_tree(pid: int) -> list[int]:
    """The collector and its worker processes."""
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            children += [int(c) for c in (task / "children").read_text().split()]
        except FileNotFoundError:  # a thread that ended (one per request) since the directory was listed
            continue
    return [pid] + [p for child in children for p in process_tree(child)]


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of the collector's processes so far: a figure the machine's other load
    does not move as much as it moves the wall clock."""
    ticks = 0
    for each in process_tree(pid):
        fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    """Sum over the collector's processes of each one's peak resident set (VmHWM)."""
    total = 0
    for each in process_tree(pid):
        for line in Path(f"/proc/{each}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1])
    return total / 1024


def post(url: str, body: bytes) -> int:
    request = urllib.request.Request(f"{url}/api/v2/spans", data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def ingest(url: str, bodies: list[bytes], clients: int = 4) -> tuple[int, float]:
    """Post every body from `clients` threads; returns (acknowledged batches, seconds)."""
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        statuses = list(pool.map(lambda body: post(url, body), bodies))
    return sum(1 for status in statuses if status == 202), time.perf_counter() - started


def get(url: str) -> tuple[float, bytes]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        body = response.read()
    return (time.perf_counter() - started) * 1000, body


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"p50 {p50:7.1f} ms   p95 {p95:7.1f} ms"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--spans", type=int, default=1_000_000, help="spans stored before the query phase")
    parser.add_argument("--throughput-spans", type=int, default=200_000, help="spans in the timed ingest phase")
    parser.add_argument("--queries", type=int, default=200, help="requests per query kind")
    return parser.parse_args()


def measure_ingest(url: str, pid: int, count: int) -> list[str]:
    """Time `count` spans posted by 4 clients, then check every one is queryable; the trace ids posted."""
    batches = make_batches(count, seed=1)
    bodies = [json.dumps(batch).encode() for batch in batches]
    cpu_before = cpu_seconds(pid)
    acknowledged, seconds = ingest(url, bodies)
    cpu = cpu_seconds(pid) - cpu_before
    spans_acked = sum(len(batches[i]) for i in range(len(batches)))  # all or the count below says
    rate = count / seconds
    print(
        f"ingest: {count} spans in {seconds:.1f} s = {rate:,.0f} spans/s (4 clients, batches of 100)   target >= 20,000"
    )
    print(f"        collector CPU {cpu * 1e6 / count:.1f} µs per span (all its processes, user + system)")
    print(f"        acknowledged {acknowledged}/{len(bodies)} batches")

    expected: dict[str, int] = {}
    for batch in batches:
        for span in batch:
            expected[span["traceId"]] = expected.get(span["traceId"], 0) + 1
    ids = list(expected)
    stored = 0
    for start in range(0, len(ids), 50):
        chunk = ids[start : start + 50]
        _ms, body = get(f"{url}/api/v2/traceMany?traceIds={','.join(chunk)}")
        stored += sum(len(trace) for trace in json.loads(body))
    print(
        f"        queryable afterwards: {stored}/{spans_acked} spans "
        f"({'zero loss' if stored == spans_acked and acknowledged == len(bodies) else 'LOSS'})"
    )
    return ids


def fill(url: str, remaining: int, total: int, tmp: str) -> None:
    """Post `remaining` more spans, untimed per request, so that the queries run against `total`."""
    seed = 2
    fill_started = time.perf_counter()
    while remaining > 0:
        chunk = min(remaining, 100_000)
        bodies = [json.dumps(b).encode() for b in make_batches(chunk, seed=seed)]
        ingest(url, bodies)
        remaining -= chunk
        seed += 1
    _ms, body = get(f"{url}/health")
    print(
        f"filled to {total:,} spans in {time.perf_counter() - fill_started:.0f} s; db "
        f"{sum(f.stat().st_size for f in Path(tmp).iterdir()) / 1e6:,.0f} MB"
    )


def query_kinds(rng: random.Random, ids: list[str], queries: int) -> list[tuple[str, int, Callable[[], str], str]]:
    """(label, requests, path maker, target) of each kind of query the viewer makes.

    The annotationQuery kinds that could walk the whole lookback get a tenth of the requests: before the
    term index (docs/performance.md) each took over a second.
    """
    scans = max(queries // 10, 5)
    traces = "/api/v2/traces?limit=10"
    every_annotation_query = "target p95 <= 100 ms"
    return [
        ("/trace/{id}", queries, lambda: f"/api/v2/trace/{rng.choice(ids)}", "target p95 <= 20 ms"),
        (
            "/traces?serviceName=",
            queries,
            lambda: f"{traces}&serviceName={rng.choice(SERVICES)}",
            "target p95 <= 100 ms",
        ),
        (
            "session.id=… (autocomplete key)",
            queries,
            lambda: f"{traces}&serviceName=frontend&annotationQuery=session.id%3Dsession-{rng.randrange(5000)}",
            every_annotation_query,
        ),
        (
            "status 500 and error, one service",
            queries,
            lambda: (
                f"{traces}&serviceName={rng.choice(SERVICES[1:])}&annotationQuery="
                "http.response.status_code%3D500%20and%20error"
            ),
            every_annotation_query,
        ),
        ("error", queries, lambda: f"{traces}&annotationQuery=error", every_annotation_query),
        (
            "app.retry (a key alone, 0.2 % of spans)",
            scans,
            lambda: f"{traces}&annotationQuery=app.retry",
            every_annotation_query,
        ),
        (
            "method=POST and net.peer.port=… (2 tags)",
            scans,
            lambda: (
                f"{traces}&annotationQuery=http.request.method%3DPOST%20and%20net.peer.port%3D"
                f"{rng.randrange(1024, 65535)}"
            ),
            every_annotation_query,
        ),
        (
            "otel.scope.name=journey.backend on frontend",  # most traces have it, never on that service
            scans,
            lambda: f"{traces}&serviceName=frontend&annotationQuery=otel.scope.name%3Djourney.backend",
            every_annotation_query,
        ),
        (
            "db.system=sqlite + a span name no span has",
            scans,
            lambda: (
                f"{traces}&serviceName=backend&spanName=nothing-{rng.randrange(99)}&annotationQuery=db.system%3Dsqlite"
            ),
            every_annotation_query,
        ),
        (
            "db.system=sqlite + minDuration past the longest",  # spans last 50 µs to 200 ms
            scans,
            lambda: (
                f"{traces}&serviceName=backend&minDuration={rng.randrange(200_001, 210_000)}"
                "&annotationQuery=db.system%3Dsqlite"
            ),
            every_annotation_query,
        ),
        (
            "minDuration past the longest (no annotationQuery)",
            scans,
            lambda: f"{traces}&serviceName=backend&minDuration={rng.randrange(200_001, 210_000)}",
            "target p95 <= 100 ms",
        ),
        (
            "app.detail.1=<a value no span has>",
            scans,
            lambda: f"{traces}&annotationQuery=app.detail.1%3D{rng.getrandbits(128):032x}",
            every_annotation_query,
        ),
    ]


def measure_queries(url: str, ids: list[str], queries: int) -> None:
    """Latency of each kind of query the viewer makes."""
    rng = random.Random(3)
    for label, count, path, target in query_kinds(rng, ids, queries):
        samples = [get(f"{url}{path()}")[0] for _ in range(count)]
        print(f"{label:44} {percentiles(samples)}   ({count} requests)   {target}")


def report_memory(pid: int) -> None:
    workers = len(process_tree(pid)) - 1
    print(
        f"collector peak RSS: {peak_rss_mb(pid):.0f} MB, all {workers} workers and their "
        f"supervisor together   target <= 300 MB"
    )


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="journey-bench-") as tmp:
        process, url = start_collector(Path(tmp) / "spans.db")
        try:
            print(f"collector {url}, SQLite file in {tmp}")
            ids = measure_ingest(url, process.pid, args.throughput_spans)
            fill(url, args.spans - args.throughput_spans, args.spans, tmp)
            measure_queries(url, ids, args.queries)
            report_memory(process.pid)
        finally:
            process.terminate()
            process.wait()


if __name__ == "__main__":
    main()
