"""Tracing overhead of the backend: traced vs untraced latency for a representative query mix.

    .venv/bin/python bench/backend_bench.py [--requests 3000] [--rounds 5] [--variant LABEL:ENV=VALUE,...]

Starts a collector, a ratings service (no planted delay) and two identical backends, one traced
(exporting to the collector) and one with OTEL_SDK_DISABLED=true, planted problems fixed on
both. Requests alternate between the two, one at a time and in rotating order, so that the
machine's noise falls on both alike; prints median and p99 of each and their ratios. Each
--variant adds a third (fourth, ...) traced backend started with those environment variables, in
the same rotation, so that two ways of tracing are compared in one run (e.g.
`--variant no-sampling:OTEL_TRACES_SAMPLER=always_off`); with --root LABEL=PATH that variant runs
the Journey checked out at PATH instead, e.g. an earlier commit:

    git archive <commit> | tar -x -C /tmp/before
    .venv/bin/python bench/backend_bench.py --variant before --root before=/tmp/before
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

TARGETS = {"median": 1.20, "p99": 1.5}  # traced / untraced
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


def start(args: list[str], env: dict[str, str] | None = None, root: Path = ROOT) -> tuple[subprocess.Popen, str]:
    """`journey <args>` from the checkout at `root` on a free port: the process and the URL it prints."""
    process = subprocess.Popen(
        [sys.executable, "-m", "journey", *args, "--port", "0"],
        cwd=root,
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
        "--variant",
        action="append",
        default=[],
        metavar="LABEL:ENV=VALUE,...",
        help="one more traced backend, started with these environment variables (repeatable)",
    )
    parser.add_argument(
        "--root",
        action="append",
        default=[],
        metavar="LABEL=PATH",
        help="run variant LABEL from the Journey checked out at PATH (its code, this machine's packages)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="split the requests into rounds and print each round's ratio too (shows the noise)",
    )
    return parser.parse_args()


def parse_variant(text: str) -> tuple[str, dict[str, str]]:
    """`label:ENV=VALUE,ENV=VALUE` as (label, environment)."""
    label, _, assignments = text.partition(":")
    return label, dict(pair.split("=", 1) for pair in assignments.split(",") if "=" in pair)


def start_stack(
    tmp: str, fixes: list[str], variants: list[str], roots: list[str], processes: list[subprocess.Popen]
) -> tuple[str, dict[str, str]]:
    """Collector, ratings and the backends, each added to `processes` once it runs: the collector's URL
    and each backend's (untraced, traced, then one per variant)."""
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
    sides = [("untraced", ["--sdk-disabled"], {}), ("traced", [], {})]
    sides += [(label, [], env) for label, env in map(parse_variant, variants)]
    checkouts = {label: Path(path) for label, _, path in (root.partition("=") for root in roots)}
    urls = {}
    for label, extra, env in sides:
        db = f"{tmp}/{label}.db"
        process, urls[label] = start([*common, "--db", db, *extra], env, checkouts.get(label, ROOT))
        processes.append(process)
    return collector_url, urls


def measure(urls: dict[str, str], requests: int, rounds: int) -> tuple[dict[str, list[float]], list[tuple[int, int]]]:
    """Warm every backend up, then the same random mix on each in rotating order: the samples of each
    side, and the (start, end) sample indexes of each round."""
    rng = random.Random(5)
    ops = [op for op in MIX for _ in range(op[0])]
    for url in urls.values():  # warm-up
        for _, _name, query, variables in ops * 5:
            call(url, query, variables, "warm-up")
    samples: dict[str, list[float]] = {side: [] for side in urls}
    bounds: list[tuple[int, int]] = []  # (start, end) sample indexes of each round
    per_round = max(1, requests // max(1, rounds))
    sides = list(urls.items())
    for index in range(requests):
        if index % per_round == 0:
            bounds.append((index, min(index + per_round, requests)))
        _, _name, query, variables = rng.choice(ops)
        shift = index % len(sides)
        for side, url in sides[shift:] + sides[:shift]:
            samples[side].append(call(url, query, variables, f"bench-{index % 50}"))
    return samples, bounds


def report(
    args: argparse.Namespace, samples: dict[str, list[float]], rounds: list[tuple[int, int]], stored: list[str]
) -> None:
    """Median and p99 of each side, each round's ratios when there are several, and the overall ratios."""
    u = samples["untraced"]
    print(
        f"{args.requests} requests each, query mix {', '.join(f'{w}x {n}' for w, n, _q, _v in MIX)}; "
        f"planted problems {'in' if args.planted else 'fixed'}; services in the collector: {stored}"
    )
    for side, t in samples.items():
        print(f"{side:9s} median {statistics.median(t):6.2f} ms   p99 {p99(t):6.2f} ms")
    for side, t in samples.items():
        if side == "untraced":
            continue
        if len(rounds) > 1:
            for number, (first, last) in enumerate(rounds, 1):
                rt, ru = t[first:last], u[first:last]
                print(
                    f"{side:9s} round {number:2d}  median ratio {statistics.median(rt) / statistics.median(ru):5.2f}   "
                    f"p99 ratio {p99(rt) / p99(ru):5.2f}   ({last - first} requests each)"
                )
        print(
            f"{side:9s} ratio median {statistics.median(t) / statistics.median(u):6.2f}      p99 {p99(t) / p99(u):6.2f}"
            f"      targets: median <= {TARGETS['median']}, p99 <= {TARGETS['p99']}"
        )


def main() -> None:
    args = parse_args()
    fixes = [] if args.planted else ["--fix-n-plus-one", "--fix-slow-ratings", "--fix-flaky-write"]
    processes: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="journey-bench-") as tmp:
        try:
            collector_url, urls = start_stack(tmp, fixes, args.variant, args.root, processes)
            samples, rounds = measure(urls, args.requests, args.rounds)
            time.sleep(1)
            stored = json.loads(urllib.request.urlopen(f"{collector_url}/api/v2/services").read())
        finally:
            for process in processes:
                process.terminate()
                process.wait()
    report(args, samples, rounds, stored)


if __name__ == "__main__":
    main()
