"""What the tests, the benchmarks and `make screenshots` share: real servers as child processes on free
ports, the Chromium to drive, and poll_until. Fixtures live in conftest.py and use these."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
# the default build's JavaScript, gzipped, everything the default (Zipkin) page loads (issue 16)
JS_BUDGET_GZIPPED = 30 * 1024


def poll_until(fn: Callable[[], Any], what: str, timeout: float = 10.0, interval: float = 0.1) -> Any:
    """Call fn until it returns something truthy; on timeout fail showing what it last returned."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        try:
            last = fn()
        except Exception as error:  # noqa: BLE001 - shown in the failure message
            last = error
        else:
            if last:
                return last
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}; last saw: {last!r}"[:4000])
        time.sleep(interval)


@dataclass
class Server:
    """A journey server running as a child process."""

    name: str
    process: subprocess.Popen
    url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(command: list[str], name: str, log_dir: Path, env: dict[str, str] | None = None) -> Server:
    """Run `journey <command> --port 0`, wait for its listening line and a healthy /health."""
    log_path = log_dir / f"{name}.log"
    log_file = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "journey", *command, "--port", "0"],
        stdout=log_file,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )

    def listening() -> str | None:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{log_path.read_text()}")
        found = re.search(r"listening on (http://\S+)", log_path.read_text())
        return found.group(1) if found else None

    url = poll_until(listening, f"{name} to listen", timeout=30)
    server = Server(name, process, url, log_path)
    poll_until(lambda: requests.get(f"{url}/health", timeout=2).status_code == 200, f"{name} /health", timeout=30)
    return server


def chromium_path() -> str | None:
    """The Chromium to drive: JOURNEY_CHROMIUM, else Debian's /usr/bin/chromium, else Playwright's own."""
    configured = os.environ.get("JOURNEY_CHROMIUM")
    if configured:
        return configured
    for candidate in ("/usr/bin/chromium", shutil.which("chromium") or ""):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


NOWHERE = "http://127.0.0.1:9"  # the discard port: nothing answers there


def backend_args(db: Path, viewer_url: str, *options: str, ratings_url: str = NOWHERE) -> list[str]:
    """`journey backend` as the tests run it: its own database, links to `viewer_url`, spans every 100 ms,
    the planted flaky write off (its tests turn it on), plus `options` (where spans go, the viewer's kind...)."""
    return [
        "backend",
        "--db",
        str(db),
        "--viewer-url",
        viewer_url,
        "--batch-delay",
        "100",
        "--ratings-url",
        ratings_url,
        "--flaky-write-rate",
        "0",
        *options,
    ]
