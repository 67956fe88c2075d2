"""Frontend budgets: JavaScript the default page loads, and click-to-queryable-trace time.

    .venv/bin/python bench/frontend_bench.py [--clicks 20]

Serves the built frontend from a real backend with the demo's defaults (batch delay 500 ms on
both sides) and a real collector, clicks "Search" in headless Chromium, and times each click until
the collector's API returns the whole trace (browser action and fetch, backend server span).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def start(args: list[str]) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "journey", *args, "--port", "0"],
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = re.search(r"(http://\S+)", process.stdout.readline()).group(1)
    threading.Thread(target=process.stdout.read, daemon=True).start()
    return process, url


def shipped_javascript(app_url: str) -> tuple[int, int]:
    """Bytes of every script the default page loads, the modules its scripts import statically included:
    (raw, gzipped). The OTLP exporter's chunk, loaded by import() only when chosen, is not counted."""
    page = urllib.request.urlopen(app_url).read().decode()
    pending = [app_url.rstrip("/") + src for src in re.findall(r'<script[^>]+src="([^"]+)"', page)]
    seen: set[str] = set()
    raw = zipped = 0
    while pending:
        url = pending.pop()
        if url in seen:
            continue
        seen.add(url)
        body = urllib.request.urlopen(url).read()
        raw += len(body)
        zipped += len(gzip.compress(body, 9))
        # static imports: `from"./chunks/x.js"` or `import"./x.js"`, not `import("./x.js")`
        for module in re.findall(rb'(?:\bfrom|\bimport)\s*"(\.{1,2}/[^"]+\.js)"', body):
            pending.append(urllib.parse.urljoin(url, module.decode()))
    return raw, zipped


def complete(collector_url: str, trace_id: str) -> bool:
    try:
        spans = json.loads(urllib.request.urlopen(f"{collector_url}/api/v2/trace/{trace_id}").read())
    except OSError:
        return False
    names = {(s.get("localEndpoint", {}).get("serviceName"), s.get("name")) for s in spans}
    return {("frontend", "search talks"), ("frontend", "post"), ("backend", "post /graphql")} <= names


def report_javascript(app_url: str) -> None:
    raw, zipped = shipped_javascript(app_url)
    print(
        f"JavaScript the default page loads: {raw / 1024:.1f} kB, {zipped / 1024:.1f} kB gzipped"
        "   budget <= 30 kB gzipped"
    )


def time_clicks(app_url: str, collector_url: str, clicks: int) -> list[float]:
    """Seconds from each click on Search until the collector returns its whole trace."""
    from playwright.sync_api import sync_playwright
    from support import CHROMIUM_ARGS, chromium_path

    timings = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(app_url)
        page.get_by_role("status").filter(has_text="talks").wait_for()
        previous = page.locator("#trace-id").text_content()
        for index in range(clicks):
            page.get_by_label("Search").fill(["kubernetes", "patterns", "data", ""][index % 4])
            clicked = time.perf_counter()
            page.get_by_role("button", name="Search").click()
            while (trace_id := page.locator("#trace-id").text_content()) == previous:
                time.sleep(0.005)
            previous = trace_id
            while not complete(collector_url, trace_id):
                time.sleep(0.01)
            timings.append(time.perf_counter() - clicked)
            time.sleep(0.3)  # a user's pause, so clicks do not line up with the export timer
        browser.close()
    return timings


def report_clicks(timings: list[float], clicks: int) -> None:
    ordered = sorted(timings)
    print(
        f"click to queryable trace ({clicks} clicks, batch delay 500 ms): median "
        f"{statistics.median(ordered):.2f} s, p95 {ordered[int(len(ordered) * 0.95) - 1]:.2f} s, "
        f"max {ordered[-1]:.2f} s   budget <= 1 s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clicks", type=int, default=20)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="journey-bench-") as tmp:
        collector, collector_url = start(["collector", "--db", f"{tmp}/spans.db"])
        backend, app_url = start(
            [
                "backend",
                "--db",
                f"{tmp}/app.db",
                "--zipkin-endpoint",
                f"{collector_url}/api/v2/spans",
                "--ratings-url",
                "http://127.0.0.1:9",
            ]
        )
        try:
            report_javascript(app_url)
            report_clicks(time_clicks(app_url, collector_url, args.clicks), args.clicks)
        finally:
            for process in (backend, collector):
                process.terminate()
                process.wait()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
