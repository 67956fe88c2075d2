"""Fixtures: real servers as child processes on free ports, a real Chromium, and poll_until."""

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

ROOT = Path(__file__).resolve().parent.parent


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


@pytest.fixture
def collector(tmp_path: Path):
    """Our Zipkin-compatible collector on a free port, with its own database file."""
    server = start_server(["collector", "--db", str(tmp_path / "spans.db")], "collector", tmp_path)
    yield server
    server.stop()


@pytest.fixture
def backend(collector: Server, tmp_path: Path):
    """The backend on a free port, exporting to the collector fixture."""
    server = start_server(
        [
            "backend",
            "--db",
            str(tmp_path / "app.db"),
            "--zipkin-endpoint",
            f"{collector.url}/api/v2/spans",
            "--viewer-url",
            f"{collector.url}/zipkin/",
            "--batch-delay",
            "100",
            "--ratings-url",
            "http://127.0.0.1:9",
            "--flaky-write-rate",
            "0",  # the planted flaky write has its own tests
        ],
        "backend",
        tmp_path,
    )
    yield server
    server.stop()


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


@pytest.fixture(scope="session")
def browser():
    """A real headless Chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if path is None and os.environ.get("CI"):
        pytest.fail("no Chromium: install Debian's chromium or set JOURNEY_CHROMIUM")
    with sync_playwright() as playwright:
        try:
            instance = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        except Exception as error:  # Playwright's own browser not installed either
            if os.environ.get("CI"):
                raise
            pytest.skip(f"no usable Chromium ({error}); set JOURNEY_CHROMIUM")
        yield instance
        instance.close()
