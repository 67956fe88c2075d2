"""Fixtures: real servers as child processes on free ports and a real Chromium (helpers: tests/support)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest
from support import CHROMIUM_ARGS, Server, backend_args, chromium_path, start_server
from support.real_zipkin import start_real_zipkin, unavailable

from journey.zipkin_server import ZipkinUnavailable, fetch_jar


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected what will not run
def pytest_collection_modifyitems(config, items):
    """Download the real Zipkin's jar (once a machine) before any test runs, so that a first, slow
    download counts against no test's timeout; if it cannot be had, the zipkin fixture says why."""
    if any(item.get_closest_marker("zipkin") for item in items):
        with contextlib.suppress(ZipkinUnavailable):
            fetch_jar(say=lambda message: print(f"\njourney tests: {message}", flush=True))


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
        backend_args(
            tmp_path / "app.db", f"{collector.url}/zipkin/", "--zipkin-endpoint", f"{collector.url}/api/v2/spans"
        ),
        "backend",
        tmp_path,
    )
    yield server
    server.stop()


@pytest.fixture(scope="session")
def zipkin(tmp_path_factory):
    """The real zipkin-server (the version docker-compose.yml pins), one for the whole session to keep
    CI fast: its in-memory store is shared, so each test finds its own traces by trace or session id."""
    try:
        server = start_real_zipkin(tmp_path_factory.mktemp("zipkin"))
    except ZipkinUnavailable as error:
        unavailable(error)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def zipkin_app(zipkin: Server, tmp_path_factory):
    """The backend exporting to the real Zipkin, the app's links pointing at Zipkin's UI, as in
    docker-compose.yml (the browser sends its spans where the backend does)."""
    logs = tmp_path_factory.mktemp("zipkin-app")
    server = start_server(
        backend_args(
            logs / "app.db",
            f"{zipkin.url}/zipkin/",
            "--viewer-kind",
            "zipkin",
            "--zipkin-endpoint",
            f"{zipkin.url}/api/v2/spans",
        ),
        "backend",
        logs,
    )
    yield server
    server.stop()


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
