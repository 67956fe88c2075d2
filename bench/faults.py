"""Soak and faults: does Journey hold under steady load, and lose nothing when parts fail?

    .venv/bin/python bench/faults.py soak [--minutes 10]   steady `journey load`; sent vs acknowledged vs
                                                           stored; collector and backend memory; p99 over time
    .venv/bin/python bench/faults.py kill                  kill -9 the collector mid-ingest, restart it
    .venv/bin/python bench/faults.py down [--seconds 30]   collector down under load: app latency, drops, recovery
    .venv/bin/python bench/faults.py corrupt               a corrupt or unwritable database at start

Everything runs on this machine's loopback, bounded in time; each scenario prints what it found.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Process:
    """A journey command on a free port (or a given one), its output kept."""

    def __init__(self, args: list[str], port: int = 0) -> None:
        self.args, self.lines = args, []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "journey", *args, "--port", str(port)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        first = self.process.stdout.readline()
        self.lines.append(first)
        found = re.search(r"(http://\S+)", first)
        self.url = found.group(1) if found else None
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    def rss_mb(self) -> float:
        """Resident memory of the process and its workers."""
        total, pids = 0, [self.process.pid]
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            with contextlib.suppress(FileNotFoundError):  # a request thread that just ended
                pids += [int(p) for p in (task / "children").read_text().split()]
        for pid in pids:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except FileNotFoundError:
                continue
            total += sum(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
        return total / 1024

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=15)


def stored_spans(collector: str, service: str) -> int:
    """How many spans of `service` the collector holds (from the last day, up to 100,000 traces)."""
    traces = json.loads(
        urllib.request.urlopen(f"{collector}/api/v2/traces?serviceName={service}&limit=100000&lookback=86400000").read()
    )
    return sum(1 for trace in traces for span in trace if span.get("localEndpoint", {}).get("serviceName") == service)


def latency_ms(app: str) -> float:
    body = json.dumps({"query": "query ShowTalks { talks { total } }"}).encode()
    started = time.perf_counter()
    urllib.request.urlopen(
        urllib.request.Request(f"{app}/graphql", data=body, headers={"Content-Type": "application/json"}), timeout=10
    ).read()
    return (time.perf_counter() - started) * 1000


def stack(tmp: str, collector_port: int = 0) -> tuple[Process, Process]:
    collector = Process(["collector", "--db", f"{tmp}/spans.db"], collector_port)
    backend = Process(
        [
            "backend",
            "--db",
            f"{tmp}/app.db",
            "--zipkin-endpoint",
            f"{collector.url}/api/v2/spans",
            "--ratings-url",
            "http://127.0.0.1:9",
            "--flaky-write-rate",
            "0",
            "--batch-delay",
            "200",
        ]
    )
    return collector, backend


def load(app: str, collector: str, seconds: int, users: int = 4) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "journey",
            "load",
            "--url",
            app,
            "--collector",
            collector,
            "--users",
            str(users),
            "--duration",
            str(seconds),
            "--think-ms",
            "100",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=seconds + 120,
    )


def soak(minutes: float) -> None:
    with tempfile.TemporaryDirectory(prefix="journey-soak-") as tmp:
        collector, backend = stack(tmp)
        try:
            result, memory, p99s = load_and_sample(collector, backend, minutes)
            report_soak(result, f"{tmp}/spans.db", memory, p99s)
        finally:
            backend.stop()
            collector.stop()


def load_and_sample(
    collector: Process, backend: Process, minutes: float
) -> tuple[subprocess.CompletedProcess, list[tuple[float, float, float]], list[float]]:
    """Run `journey load` for `minutes`, every 10 s sampling both processes' memory and a probe's p99;
    the load's result, the (seconds, collector MB, backend MB) samples and the p99s."""
    samples = []
    runner = threading.Thread(target=lambda: samples.append(load(backend.url, collector.url, int(minutes * 60))))
    runner.start()
    memory, p99s, started = [], [], time.monotonic()
    while runner.is_alive():
        time.sleep(10)
        probe = sorted(latency_ms(backend.url) for _ in range(20))
        memory.append((time.monotonic() - started, collector.rss_mb(), backend.rss_mb()))
        p99s.append(probe[-1])
    time.sleep(2)
    return samples[0], memory, p99s


def report_soak(
    result: subprocess.CompletedProcess, database: str, memory: list[tuple[float, float, float]], p99s: list[float]
) -> None:
    """The load's own summary, browser spans sent vs acknowledged vs stored, memory spread and p99s."""
    summary = result.stdout.strip().splitlines()
    print("\n".join(summary[-2:]))
    # counted in the database itself: the API returns at most 10,000 traces per query
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        stored = db.execute("SELECT count(*) FROM spans WHERE service_name = 'frontend'").fetchone()[0]
    sent = int(re.search(r"spans sent (\d+)", result.stdout).group(1))
    acked = int(re.search(r"acknowledged (\d+)", result.stdout).group(1))
    print(f"browser spans: sent {sent}, acknowledged {acked}, stored {stored}")
    warm = [m for m in memory if m[0] > 60] or memory
    for name, index in (("collector", 1), ("backend", 2)):
        values = [m[index] for m in warm]
        print(
            f"{name} RSS after warm-up: {min(values):.0f}–{max(values):.0f} MB "
            f"({(max(values) / min(values) - 1) * 100:.0f} % spread)"
        )
    print("probe p99 every 10 s (ms): " + " ".join(f"{p:.0f}" for p in p99s))


def kill() -> None:
    with tempfile.TemporaryDirectory(prefix="journey-kill-") as tmp:
        collector, backend = stack(tmp)
        port = int(collector.url.rsplit(":", 1)[1])
        try:
            runner = threading.Thread(target=load, args=(backend.url, collector.url, 12))
            runner.start()
            time.sleep(5)
            before = stored_spans(collector.url, "backend")
            collector.stop(signal.SIGKILL)
            print(f"killed the collector with {before} backend spans stored")
            time.sleep(2)
            collector = Process(["collector", "--db", f"{tmp}/spans.db"], port)
            after = stored_spans(collector.url, "backend")
            print(f"restarted: {after} backend spans stored ({'none lost' if after >= before else 'LOST SOME'})")
            runner.join()
            time.sleep(2)
            final = stored_spans(collector.url, "backend")
            print(f"after the load: {final} backend spans ({'the exporter resumed' if final > after else 'NO RESUME'})")
        finally:
            backend.stop()
            collector.stop()


def down(seconds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="journey-down-") as tmp:
        collector, backend = stack(tmp)
        port = int(collector.url.rsplit(":", 1)[1])
        try:
            normal = statistics.median(latency_ms(backend.url) for _ in range(50))
            collector.stop()
            started, during = time.monotonic(), []
            while time.monotonic() - started < seconds:
                during.append(latency_ms(backend.url))
            collector = Process(["collector", "--db", f"{tmp}/spans.db"], port)
            time.sleep(1.5)
            for _ in range(20):
                latency_ms(backend.url)
            time.sleep(1.5)
            log = "".join(backend.lines)
            dropped = re.findall(r"\((\d+) dropped meanwhile\)", log)
            print(
                f"median latency: {normal:.1f} ms before, {statistics.median(during):.1f} ms with the collector down "
                f"({len(during)} requests over {seconds} s)"
            )
            print(
                f"backend said 'cannot export' {log.count('cannot export spans')} time(s); recovered: "
                f"{'yes' if 'spans reach' in log else 'no'}; spans dropped: {dropped[-1] if dropped else '?'}"
            )
            print(f"spans stored after recovery: {stored_spans(collector.url, 'backend')}")
        finally:
            backend.stop()
            collector.stop()


def corrupt() -> None:
    with tempfile.TemporaryDirectory(prefix="journey-corrupt-") as tmp:
        bad = Path(tmp) / "spans.db"
        bad.write_bytes(b"definitely not SQLite " * 1000)
        before = bad.read_bytes()
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "journey", "collector", "--db", str(bad), "--port", "0"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
        )
        print(
            f"corrupt file: exit {result.returncode} after {time.monotonic() - started:.1f} s: "
            f"{result.stderr.strip()} (file {'untouched' if bad.read_bytes() == before else 'CHANGED'})"
        )
        # unwritable: as root a read-only directory is still writable, so use a path under a regular file
        blocked = Path(tmp) / "a-file"
        blocked.write_text("not a directory")
        result = subprocess.run(
            [sys.executable, "-m", "journey", "collector", "--db", str(blocked / "spans.db"), "--port", "0"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
        )
        print(f"unwritable location: exit {result.returncode}: {result.stderr.strip()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="scenario", required=True)
    sub.add_parser("soak").add_argument("--minutes", type=float, default=10)
    sub.add_parser("kill")
    sub.add_parser("down").add_argument("--seconds", type=int, default=30)
    sub.add_parser("corrupt")
    args = parser.parse_args()
    {"soak": lambda: soak(args.minutes), "kill": kill, "down": lambda: down(args.seconds), "corrupt": corrupt}[
        args.scenario
    ]()


if __name__ == "__main__":
    main()
