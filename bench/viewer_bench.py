"""Viewer speed: a 1,000-span trace page, from navigation until all its rows are painted in headless Chromium.

    .venv/bin/python bench/viewer_bench.py [--spans 1000] [--runs 10]

Posts one trace of `--spans` spans (a realistic tree: actions, calls, resolvers, queries) to a
real collector, then times `--runs` loads of its page (after one warm-up load) three ways, so a
slow figure says where the time goes:

- server: the page's HTML fetched alone with requests (query, build the rows, render the template);
- load event: navigation start to the load event (adds transfer, parsing, the deferred script);
- painted: navigation start to the first frame after the load event, the rows laid out and painted
  (the figure the budget is about: 0.5 s, the team's goal 0.3 s).

Each prints median, range (min–max) and runs. The search at 1M spans is the same query as the API's,
measured by bench/collector_bench.py.
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
TRACE_ID = "b1" * 8
BUDGET_S, GOAL_S = 0.5, 0.3

# Runs in the page before its own scripts: records when the first frame after the load event is produced
# (a requestAnimationFrame callback runs before that frame's style, layout and paint; the next one after it).
PAINTED_PROBE = """
addEventListener('load', () => requestAnimationFrame(() => requestAnimationFrame(() => {
  window.__journeyPainted = performance.now();
})));
"""


def big_trace(count: int) -> list[dict]:
    rng = random.Random(9)
    now = int(time.time() * 1_000_000)
    spans = [
        {
            "traceId": TRACE_ID,
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
                "traceId": TRACE_ID,
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


def time_server(page_url: str, runs: int) -> tuple[list[float], int]:
    """Seconds to fetch the page's HTML alone, each of `runs` times after one warm-up, and its size in bytes."""
    timings, size = [], 0
    for _ in range(runs + 1):
        started = time.perf_counter()
        size = len(requests.get(page_url, timeout=30).content)
        timings.append(time.perf_counter() - started)
    return timings[1:], size


def time_page_loads(page_url: str, runs: int) -> tuple[list[float], list[float], int]:
    """Seconds from navigation to the load event and to the first frame after it, per load; and the row count."""
    from playwright.sync_api import sync_playwright
    from support import CHROMIUM_ARGS, chromium_path

    loaded, painted = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.add_init_script(PAINTED_PROBE)
        for _ in range(runs + 1):
            page.goto(page_url, wait_until="load")
            page.wait_for_function("window.__journeyPainted !== undefined")
            loaded.append(page.evaluate("performance.getEntriesByType('navigation')[0].loadEventStart") / 1000)
            painted.append(page.evaluate("window.__journeyPainted") / 1000)
        rows = page.locator("li.row").count()
        browser.close()
    return loaded[1:], painted[1:], rows  # the first load warms the server and the browser's cache


def spread(timings: list[float]) -> str:
    return (
        f"median {statistics.median(timings):.3f} s, range {min(timings):.3f}–{max(timings):.3f} s, {len(timings)} runs"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--spans", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="journey-bench-") as tmp:
        process, url = start_collector(tmp)
        try:
            assert requests.post(f"{url}/api/v2/spans", json=big_trace(args.spans), timeout=30).status_code == 202
            page_url = f"{url}/zipkin/traces/{TRACE_ID}"
            server, size = time_server(page_url, args.runs)
            loaded, painted, rows = time_page_loads(page_url, args.runs)
        finally:
            process.terminate()
            process.wait()
    print(f"{args.spans}-span trace page, {rows} rows, {size / 1024:.0f} KiB of HTML")
    print(f"  server (HTML alone): {spread(server)}")
    print(f"  to the load event:   {spread(loaded)}")
    print(f"  to rows painted:     {spread(painted)}   budget <= {BUDGET_S} s, goal {GOAL_S} s")


if __name__ == "__main__":
    main()
