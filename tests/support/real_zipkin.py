"""The real zipkin-server for the tests: the jar docker-compose.yml's image version pins
(journey/zipkin_server.py), run on a free port, configured as the `collector` fixture's collector."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import NoReturn

import pytest
import requests

from collector.settings import SETTINGS as COLLECTOR_SETTINGS
from common.settings import resolve
from journey.zipkin_server import fetch_jar, find_java, listening_url, server_command
from support import Server, poll_until

START_TIMEOUT_S = 120  # a JVM on two busy cores; ~10 s when idle


def unavailable(error: Exception) -> NoReturn:
    """No real Zipkin here: skip, saying what to install; in CI (CI set) fail, for there it must run."""
    if os.environ.get("CI"):
        pytest.fail(f"no real Zipkin: {error}")
    pytest.skip(f"no real Zipkin: {error}")


def start_real_zipkin(log_dir: Path, module: Path | None = None) -> Server:
    """zipkin-server on a free port, in memory, offering the same autocomplete keys as our collector
    (with `module`, zipkin-otel's unpacked module, taking OTLP at /v1/traces too).

    Raises journey.zipkin_server.ZipkinUnavailable when Java, Maven or the download is missing.
    """
    keys = resolve([s for s in COLLECTOR_SETTINGS if s.key == "autocomplete_keys"])["autocomplete_keys"]
    command = server_command(find_java(), fetch_jar(), 0, autocomplete_keys=keys, module=module)
    log_path = log_dir / "zipkin.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=log_dir)

    def listening() -> str | None:
        if process.poll() is not None:
            raise RuntimeError(f"zipkin-server exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        return listening_url(log_path.read_text(errors="replace"))

    server = Server("zipkin", process, "", log_path)
    try:
        server.url = poll_until(listening, "zipkin-server to listen", timeout=START_TIMEOUT_S)
        poll_until(lambda: requests.get(f"{server.url}/health", timeout=2).ok, "zipkin-server /health", timeout=30)
    except BaseException:
        server.stop()
        raise
    return server
