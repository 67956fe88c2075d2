"""Tracing overhead of the backend: traced vs untraced latency for a representative query mix.

    .venv/bin/python bench/backend_bench.py [--requests 3000] [--rounds 5]

Starts a collector, a ratings service (no planted delay) and two identical backends, one traced
(exporting to the collector) and one with OTEL_SDK_DISABLED=true, planted problems fixed on
both. Requests alternate between the two, one at a time and in alternating order, so that the
machine's noise falls on both alike; prints median and p99 of each and their ratios.
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
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MIX = [  # (weight, operation name, query, variables)
    (
        4,
        "ShowTalks",
        "query ShowTalks { talks(limit: 20) { total items { id title startsAt room speakers { name } } } }",
        {},
    ),
    (
        2,
        "SearchTalks",
        "query SearchTalks($s: String) { talks(search: $s) { total items { id title } } }",
        {"s": "kubernetes"},
    ),
    (2, "ShowTalk", 'query ShowTalk { talk(id: "7") { title abstract rating speakers { name handle } } }', {}),
    (1, "MySchedule", "query MySchedule { mySchedule { talks { id title } conflicts { first { id } } } }", {}),
    (1, "AddToSchedule", 'mutation AddToSchedule { addToSchedule(talkId: "3") { talks { id } } }', {}),
    (1, "Recommend", "query Recommend { recommendations { id title } }", {}),
]


def start(args: list[str], env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "journey", *args, "--port", "0"],
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
    )
    line = process.stdout.readline()
    url = re.search(r"(http://\S+)", line).group(1)
    threading.Thread(target=process.stdout.read, daemon=True).start()
    return process, url


def call(url: str, query: str, variables: dict, session: str) -> float:
    body = json.dumps({"query": query, "variables": variables}).encode()
    request = urllib.request.Request(
        f"{url}/graphql", data=body, headers={"Content-Type": "application/json", "baggage": f"session.id={session}"}
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        payload = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    if b'"errors"' in payload:
        raise RuntimeError(payload[:300])
    return elapsed


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=3000, help="requests to each backend")
    parser.add_argument("--planted", action="store_true", help="leave the planted problems in (off: fixed)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="split the requests into rounds and print each round's ratio too (shows the noise)",
    )
    return parser.parse_args()


def start_stack(tmp: str, fixes: list[str], processes: list[subprocess.Popen]) -> tuple[str, str, str]:
    """Collector, ratings and the two backends, each added to `processes` once it runs; their URLs:
    (collector, traced backend, untraced backend)."""
    collector, collector_url = start(["collector", "--db", f"{tmp}/spans.db"])
    ratings, ratings_url = start(["ratings", "--delay-ms", "0", "--sdk-disabled"])
    processes += [collector, ratings]
    sink = os.environ.get("BENCH_SINK", f"{collector_url}/api/v2/spans")
    common = [
        "backend",
        "--ratings-url",
        ratings_url,
        "--zipkin-endpoint",
        sink,
        "--flaky-write-rate",
        "0",
        *fixes,
    ]
    traced, traced_url = start([*common, "--db", f"{tmp}/traced.db"])
    untraced, untraced_url = start([*common, "--db", f"{tmp}/untraced.db", "--sdk-disabled"])
    processes += [traced, untraced]
    return collector_url, traced_url, untraced_url


def measure(
    traced_url: str, untraced_url: str, requests: int, rounds: int
) -> tuple[dict[str, list[float]], list[tuple[int, int]]]:
    """Warm both up, then the same random mix on both in alternating order: the samples of each side,
    and the (start, end) sample indexes of each round."""
    rng = random.Random(5)
    ops = [op for op in MIX for _ in range(op[0])]
    for url in (traced_url, untraced_url):  # warm-up
        for _, _name, query, variables in ops * 5:
            call(url, query, variables, "warm-up")
    samples: dict[str, list[float]] = {"traced": [], "untraced": []}
    bounds: list[tuple[int, int]] = []  # (start, end) sample indexes of each round
    per_round = max(1, requests // max(1, rounds))
    for index in range(requests):
        if index % per_round == 0:
            bounds.append((index, min(index + per_round, requests)))
        _, _name, query, variables = rng.choice(ops)
        pair = [("traced", traced_url), ("untraced", untraced_url)]
        for side, url in pair if index % 2 == 0 else reversed(pair):
            samples[side].append(call(url, query, variables, f"bench-{index % 50}"))
    return samples, bounds


def report(
    args: argparse.Namespace, samples: dict[str, list[float]], rounds: list[tuple[int, int]], stored: list[str]
) -> None:
    """Median and p99 of each side, each round's ratios when there are several, and the overall ratios."""
    t, u = samples["traced"], samples["untraced"]
    print(
        f"{args.requests} requests each, query mix {', '.join(f'{w}x {n}' for w, n, _q, _v in MIX)}; "
        f"planted problems {'in' if args.planted else 'fixed'}; services in the collector: {stored}"
    )
    print(f"untraced  median {statistics.median(u):6.2f} ms   p99 {p99(u):6.2f} ms")
    print(f"traced    median {statistics.median(t):6.2f} ms   p99 {p99(t):6.2f} ms")
    if len(rounds) > 1:
        for number, (first, last) in enumerate(rounds, 1):
            rt, ru = t[first:last], u[first:last]
            print(
                f"round {number:2d}  median ratio {statistics.median(rt) / statistics.median(ru):5.2f}   "
                f"p99 ratio {p99(rt) / p99(ru):5.2f}   ({last - first} requests each)"
            )
    print(
        f"ratio     median {statistics.median(t) / statistics.median(u):6.2f}      p99 {p99(t) / p99(u):6.2f}"
        "      targets: median <= 1.15, p99 <= 1.5"
    )


def main() -> None:
    args = parse_args()
    fixes = [] if args.planted else ["--fix-n-plus-one", "--fix-slow-ratings", "--fix-flaky-write"]
    processes: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="journey-bench-") as tmp:
        try:
            collector_url, traced_url, untraced_url = start_stack(tmp, fixes, processes)
            samples, rounds = measure(traced_url, untraced_url, args.requests, args.rounds)
            time.sleep(1)
            stored = json.loads(urllib.request.urlopen(f"{collector_url}/api/v2/services").read())
        finally:
            for process in processes:
                process.terminate()
                process.wait()
    report(args, samples, rounds, stored)


if __name__ == "__main__":
    main()
