"""`journey load` against a real backend and collector: journeys run, every span marked synthetic, and
the exit status says whether the load run worked."""

import os
import pty
import subprocess
import sys

import pytest
import requests
from support import ROOT, Server, start_server
from support.shapes import find, wait_for_shape

DEAD = "http://127.0.0.1:9"  # nothing listens on the discard port


def journey_load(url: str, collector: str, *options: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`journey load` for a few seconds, its output captured (no terminal)."""
    return subprocess.run(
        [sys.executable, "-m", "journey", "load", "--url", url, "--collector", collector, "--think-ms", "50", *options],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def summary_line(result: subprocess.CompletedProcess) -> str:
    """`requests N, errors N, spans sent N, acknowledged N`."""
    return next(line for line in result.stdout.splitlines() if line.startswith("requests "))


def errors_in(result: subprocess.CompletedProcess) -> int:
    return int(summary_line(result).split("errors ")[1].split(",")[0])


@pytest.fixture
def flaky_backend(collector: Server, tmp_path):
    """The backend as the demo runs it, its planted flaky write turned up so every feedback write fails."""
    server = start_server(
        [
            "backend",
            "--db",
            str(tmp_path / "flaky.db"),
            "--zipkin-endpoint",
            f"{collector.url}/api/v2/spans",
            "--ratings-url",
            DEAD,
            "--flaky-write-rate",
            "1",
        ],
        "flaky-backend",
        tmp_path,
    )
    yield server
    server.stop()


def test_load_runs_journeys_whose_spans_are_all_marked_synthetic(backend, collector):
    result = journey_load(backend.url, collector.url, "--users", "2", "--duration", "3", "--seed", "7")
    assert result.returncode == 0, result.stdout + result.stderr
    summary = result.stdout.splitlines()
    assert summary[-2].startswith("requests ") and ", errors 0," in summary[-2]
    sent = int(summary[-2].split("spans sent ")[1].split(",")[0])
    assert sent > 8 and summary[-2].endswith(f"acknowledged {sent}") and summary[-1].startswith("latency p50")
    traces = requests.get(
        f"{collector.url}/api/v2/traces",
        timeout=5,
        params={"serviceName": "frontend", "spanName": "add to schedule", "annotationQuery": "journey.synthetic=true"},
    ).json()
    assert traces, "no synthetic 'add to schedule' trace"
    trace_id = traces[0][0]["traceId"]
    spans = wait_for_shape(
        collector.url,
        trace_id,
        [
            ("frontend", "add to schedule", None, None, None),
            ("frontend", "post", "CLIENT", "frontend", "add to schedule"),
            ("backend", "post /graphql", "SERVER", "frontend", "post"),
        ],
    )
    assert all(s["tags"].get("journey.synthetic") == "true" for s in spans)
    assert len({s["tags"]["session.id"] for s in spans}) == 1
    assert find(spans, "frontend", "add to schedule")[0]["tags"]["session.id"].startswith("load-")


def test_load_on_the_demo_passes_despite_its_planted_failures_unless_an_error_rate_is_set(flaky_backend, collector):
    passed = journey_load(flaky_backend.url, collector.url, "--users", "2", "--duration", "3")
    assert passed.returncode == 0 and errors_in(passed) > 0, passed.stdout + passed.stderr
    strict = journey_load(
        flaky_backend.url, collector.url, "--users", "2", "--duration", "3", env={"JOURNEY_LOAD_MAX_ERROR_RATE": "0"}
    )
    assert strict.returncode == 1 and errors_in(strict) > 0, strict.stdout + strict.stderr
    assert "journey load: failed: error rate" in strict.stderr and "above --max-error-rate 0.0%" in strict.stderr
    tolerant = journey_load(
        flaky_backend.url, collector.url, "--users", "2", "--duration", "3", "--max-error-rate", "0.9"
    )
    assert tolerant.returncode == 0, tolerant.stdout + tolerant.stderr


def test_load_fails_when_spans_are_lost(backend):
    result = journey_load(backend.url, DEAD, "--users", "1", "--duration", "2")
    assert result.returncode == 1 and ", errors 0," in summary_line(result), result.stdout + result.stderr
    assert "spans were not acknowledged by the collector" in result.stderr


def test_load_reports_a_dead_app_as_failure(collector):
    result = journey_load(DEAD, collector.url, "--users", "1", "--duration", "1", "--think-ms", "100")
    assert result.returncode == 1 and errors_in(result) > 0
    assert "nothing ran: no request got an answer from the app" in result.stderr


def test_load_refuses_an_error_rate_outside_0_to_1(collector):
    result = journey_load(DEAD, collector.url, "--max-error-rate", "1.5")
    assert result.returncode == 2 and "--max-error-rate: out of range 0-1: 1.5" in result.stderr


def test_load_progress_without_a_terminal_is_a_plain_line_every_few_seconds(collector):
    result = journey_load(DEAD, collector.url, "--users", "1", "--duration", "6")
    progress = [line for line in result.stderr.splitlines() if " requests, " in line]
    assert "\r" not in result.stderr and "\r" not in result.stdout
    assert len(progress) == 1 and progress[0].startswith("[   5 s] "), result.stderr  # one line at 5 s, not 12


def test_load_progress_on_a_terminal_is_redrawn_in_place(collector):
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "journey", "load", "--url", DEAD, "--collector", collector.url, "--duration", "2"],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=terminal,
    )
    os.close(terminal)
    seen = b""
    try:
        while chunk := os.read(controller, 4096):
            seen += chunk
    except OSError:  # EIO: the last process holding the terminal has exited
        pass
    finally:
        os.close(controller)
    assert process.wait(timeout=30) == 1
    assert seen.count(b"\r[") >= 2, seen  # the bar, redrawn at each tick
