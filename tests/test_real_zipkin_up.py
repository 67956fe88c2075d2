"""`journey up --store zipkin`: the real zipkin-server in place of our collector, the app sending to it
and linking to its UI, Ctrl-C stopping Java with the rest; and a clear message for whatever is missing."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from support import ROOT, poll_until
from support.real_zipkin import unavailable
from support.shapes import action_shape, wait_for_shape
from test_journey_up import free_port

from journey.zipkin_server import ARTIFACT, JAR_URL, ZIPKIN_VERSION, ZipkinUnavailable, fetch_jar, find_java


@dataclass
class Up:
    process: subprocess.Popen
    app: int
    zipkin: int
    ratings: int
    log: Path

    @property
    def zipkin_url(self) -> str:
        return f"http://127.0.0.1:{self.zipkin}"


@pytest.fixture(scope="module")
def up(tmp_path_factory):
    """`journey up --store zipkin` on free ports, as `make demo` would run it with JOURNEY_STORE=zipkin."""
    try:
        find_java(), fetch_jar()
    except ZipkinUnavailable as error:
        unavailable(error)
    logs = tmp_path_factory.mktemp("up-zipkin")
    app, zipkin, ratings = free_port(), free_port(), free_port()
    log = logs / "up.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "journey", "up", "--port", str(app), "--collector-port", str(zipkin)]
            + ["--ratings-port", str(ratings), "--data-dir", str(logs / "data")],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env={
                **os.environ,
                "PYTHONUNBUFFERED": "1",
                "JOURNEY_STORE": "zipkin",
                "OTEL_BSP_SCHEDULE_DELAY": "100",
                "JOURNEY_FLAKY_WRITE_RATE": "0",
            },
        )
    running = Up(process, app, zipkin, ratings, log)
    try:
        poll_until(lambda: "Journey is up" in log.read_text() or process.poll() is not None, "journey up", timeout=150)
        assert process.poll() is None, log.read_text()
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.mark.zipkin
def test_up_runs_the_real_zipkin_and_points_the_app_at_it(up):
    printed = up.log.read_text()
    assert f"traces:   http://localhost:{up.zipkin}/zipkin/" in printed
    assert f"store:    the real Zipkin {ZIPKIN_VERSION}, spans in memory" in printed
    info = requests.get(f"{up.zipkin_url}/info", timeout=5).json()  # only zipkin-server has /info
    assert info["zipkin"]["version"] == ZIPKIN_VERSION
    config = requests.get(f"http://127.0.0.1:{up.app}/config.json", timeout=5).json()
    assert config["viewerKind"] == "zipkin"
    assert config["viewerUrl"] == f"http://localhost:{up.zipkin}/zipkin/"
    assert config["zipkinEndpoint"] == f"http://localhost:{up.zipkin}/api/v2/spans"
    answer = requests.post(
        f"http://127.0.0.1:{up.app}/graphql", timeout=10, json={"query": "query Probe { recommendations { id } }"}
    ).json()
    assert len(answer["data"]["recommendations"]) == 3
    poll_until(
        lambda: {"backend", "ratings"} <= set(requests.get(f"{up.zipkin_url}/api/v2/services", timeout=5).json()),
        "the backend's and the ratings service's spans in Zipkin",
    )


def search_in_the_app(browser, up) -> tuple:
    """A search in the app; its trace whole in Zipkin. (page, trace id)"""
    page = browser.new_context().new_page()
    page.goto(f"http://localhost:{up.app}/")
    page.get_by_role("status").filter(has_text="9 talks").wait_for()
    page.get_by_label("Search").fill("kubernetes")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("status").filter(has_text="4 talks").wait_for()
    trace_id = poll_until(lambda: page.locator("#trace-id").text_content(), "the search's trace id")
    wait_for_shape(up.zipkin_url, trace_id, action_shape("search talks", "query searchtalks", "resolve query.talks"))
    return page, trace_id


@pytest.mark.zipkin
@pytest.mark.browser
def test_the_apps_trace_link_opens_the_click_in_zipkins_ui(up, browser):
    page, trace_id = search_in_the_app(browser, up)
    link = page.locator("#open-trace").get_attribute("href")
    assert link == f"http://localhost:{up.zipkin}/zipkin/traces/{trace_id}"
    page.goto(link)
    page.get_by_text("frontend: search talks").first.wait_for()  # Zipkin's UI, Lens, drew the trace
    page.get_by_text("backend: post /graphql").first.wait_for()
    page.context.close()


@pytest.mark.zipkin
@pytest.mark.browser
def test_the_apps_journey_link_lists_the_sessions_traces_in_zipkins_ui(up, browser):
    page, trace_id = search_in_the_app(browser, up)
    page.goto(page.locator("#open-journey").get_attribute("href"))
    listed = page.locator(f"a[href$='/traces/{trace_id}']")  # the link of the search's row in Lens's results
    deadline = time.monotonic() + 10  # Lens searches within a second or two of loading
    while not listed.count() and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    assert listed.count() == 1, page.locator("body").inner_text()[:500]
    page.context.close()


@pytest.mark.zipkin
def test_ctrl_c_stops_zipkin_with_the_rest(up):
    up.process.send_signal(signal.SIGINT)
    assert up.process.wait(timeout=30) == 0
    for port in (up.app, up.zipkin, up.ratings):
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still answers after Ctrl-C"


def journey_up(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    ports = ["--port", str(free_port()), "--collector-port", str(free_port()), "--ratings-port", str(free_port())]
    return subprocess.run(
        [sys.executable, "-m", "journey", "up", *ports, "--data-dir", str(tmp_path / "data"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, **env},
    )


def fake(directory: Path, name: str, script: str) -> None:
    """An executable `name` in `directory` running the shell `script`."""
    directory.mkdir(exist_ok=True)
    path = directory / name
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(0o755)


JAVA_17 = """echo 'openjdk version "17.0.15" 2025-04-15' >&2"""


@pytest.mark.parametrize(
    "tools, message",
    [
        ({}, "there is no `java`: apt-get install -y openjdk-17-jre-headless"),
        ({"java": """echo 'openjdk version "11.0.2" 2019-01-15' >&2"""}, 'is openjdk version "11.0.2"'),
        (
            {"java": JAVA_17},
            f"Maven (mvn), which downloads it, is missing: apt-get install -y maven (or download {JAR_URL}",
        ),
        (
            {"java": JAVA_17, "mvn": "echo '[ERROR] Failed to execute goal: Could not transfer artifact'; exit 1"},
            f"Maven could not download {ARTIFACT} (exit 1): is Maven Central reachable?\n"
            "  [ERROR] Failed to execute goal: Could not transfer artifact",
        ),
    ],
    ids=["no java", "java 11", "no maven", "download fails"],
)
def test_what_is_missing_for_the_real_zipkin_is_named_before_anything_starts(tmp_path, tools, message):
    for name, script in tools.items():
        fake(tmp_path / "bin", name, script)
    (tmp_path / "bin").mkdir(exist_ok=True)
    cache = tmp_path / "cache"
    result = journey_up(tmp_path, "--store", "zipkin", PATH=str(tmp_path / "bin"), XDG_CACHE_HOME=str(cache))
    assert result.returncode == 1, result.stderr
    assert "journey up --store zipkin: " in result.stderr and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "Journey is up" not in result.stdout
    assert not (tmp_path / "data").exists()
    assert not any(cache.rglob("*.jar")) and not any(cache.rglob(".download-*"))  # nothing half-downloaded


@pytest.mark.parametrize(
    "args, env, message",
    [
        (["--store", "mongo"], {}, "journey up: --store: 'mongo' is not one of journey, zipkin"),
        ([], {"JOURNEY_STORE": "mongo"}, "journey up: JOURNEY_STORE: 'mongo' is not one of journey, zipkin"),
    ],
)
def test_an_unknown_store_is_refused_naming_the_choices(tmp_path, args, env, message):
    result = journey_up(tmp_path, *args, **env)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_the_jar_is_downloaded_once_and_reused(tmp_path, monkeypatch):
    calls = tmp_path / "mvn-calls"
    # a stand-in for Maven that "downloads" by writing the jar where dependency:copy is told to
    fake(
        tmp_path / "bin",
        "mvn",
        f'echo "$@" >> {calls}\nfor a in "$@"; do case "$a" in -DoutputDirectory=*) '
        f'echo jar > "${{a#-DoutputDirectory=}}/zipkin-server-{ZIPKIN_VERSION}-exec.jar";; esac; done',
    )
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    first = fetch_jar(tmp_path / "cache")
    again = fetch_jar(tmp_path / "cache")
    assert first == again == tmp_path / "cache" / f"zipkin-server-{ZIPKIN_VERSION}-exec.jar"
    assert len(calls.read_text().splitlines()) == 1 and f"-Dartifact={ARTIFACT}" in calls.read_text()
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [first.name]  # no staging left behind
