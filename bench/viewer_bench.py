"""Viewer speed: a 1,000-span trace rendered in headless Chromium, and the search page at scale.

    .venv/bin/python bench/viewer_bench.py [--spans 1000] [--runs 10]

Posts one trace of `--spans` spans (a realistic tree: actions, calls, resolvers, queries) to a
real collector and times loading its page until the browser's load event (server render,
transfer, layout); prints median and worst of `--runs` loads. The search at 1M spans is the
same query as the API's, measured by bench/collector_bench.py.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def big_trace(count: int) -> list[dict]:
    rng = random.Random(9)
    now = int(time.time() * 1_000_000)
    spans = [
        {
            "traceId": "b1" * 8,
            "id": f"{1:016x}",
            "name": "plan my day",
            "timestamp": now - 60_000_000,
            "duration": 50_000_000,
            "localEndpoint": {"serviceName": "frontend"},
        }
    ]
    for index in range(2, count + 1):
        parent = spans[rng.randrange(max(0, len(spans) - 30), len(spans))]
        start = parent["timestamp"] + rng.randrange(0, max(parent["duration"] // 2, 1))
        spans.append(
            {
                "traceId": "b1" * 8,
                "id": f"{index:016x}",
                "parentId": parent["id"],
                "name": rng.choice(["post", "post /graphql", "query searchtalks", "resolve talk.speakers", "select"]),
                "kind": rng.choice(["CLIENT", "SERVER", None]) or "CLIENT",
                "timestamp": start,
                "duration": max(parent["duration"] // 3, 10),
                "localEndpoint": {"serviceName": rng.choice(["frontend", "backend", "ratings"])},
                "tags": {"db.system": "sqlite", "session.id": "bench"},
            }
        )
    return spans


def start_collector(tmp: str) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "journey", "collector", "--port", "0", "--db", f"{tmp}/spans.db"],
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = re.search(r"(http://\S+)", process.stdout.readline()).group(1)
    threading.Thread(target=process.stdout.read, daemon=True).start()
    return process, url


def time_page_loads(url: str, runs: int) -> tuple[list[float], int]:
    """Seconds to each load event of the big trace's page (after one warm-up load), and its row count."""
    from playwright.sync_api import sync_playwright
    from support import CHROMIUM_ARGS, chromium_path

    timings = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page()
        for _ in range(runs + 1):
            started = time.perf_counter()
            page.goto(f"{url}/zipkin/traces/{'b1' * 8}", wait_until="load")
            timings.append(time.perf_counter() - started)
        rows = page.locator("li.row").count()
        browser.close()
    return timings[1:], rows  # the first load warms the server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--spans", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="journey-bench-") as tmp:
        process, url = start_collector(tmp)
        try:
            assert requests.post(f"{url}/api/v2/spans", json=big_trace(args.spans), timeout=30).status_code == 202
            timings, rows = time_page_loads(url, args.runs)
            print(
                f"{args.spans}-span trace page ({rows} rows): median {statistics.median(timings):.2f} s, "
                f"worst {max(timings):.2f} s over {args.runs} loads   target <= 1 s"
            )
        finally:
            process.terminate()
            process.wait()


if __name__ == "__main__":
    main()
