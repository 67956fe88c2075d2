"""`journey up`: both servers start, the backend exports to the collector, Ctrl-C stops both."""

import http.server
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests
from support import ROOT, poll_until


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("exporter", ["zipkin", "otlp"])
def test_up_starts_all_three_and_ctrl_c_stops_them(tmp_path, exporter):
    port, collector_port, ratings_port = free_port(), free_port(), free_port()
    log = tmp_path / "up.log"
    with log.open("w") as out:
        up = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "journey",
                "up",
                "--port",
                str(port),
                "--collector-port",
                str(collector_port),
                "--ratings-port",
                str(ratings_port),
                "--data-dir",
                str(tmp_path / "data"),
                "--exporter",
                exporter,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        poll_until(lambda: "Journey is up" in log.read_text(), "journey up to say it is up", timeout=40)
        text = log.read_text()
        assert f"http://localhost:{port}/" in text and f"http://localhost:{collector_port}/zipkin/" in text
        config = requests.get(f"http://127.0.0.1:{port}/config.json", timeout=5).json()
        assert config["zipkinEndpoint"] == f"http://localhost:{collector_port}/api/v2/spans"
        assert config["exporter"] == exporter and ("OTLP/HTTP" in text) == (exporter == "otlp")
        if exporter == "otlp":
            assert config["otlpEndpoint"] == f"http://localhost:{collector_port}/v1/traces"
        answer = requests.post(
            f"http://127.0.0.1:{port}/graphql", timeout=10, json={"query": "query Probe { recommendations { id } }"}
        ).json()
        assert len(answer["data"]["recommendations"]) == 3
        poll_until(
            lambda: (
                requests.get(f"http://127.0.0.1:{collector_port}/api/v2/services", timeout=5).json()
                == ["backend", "ratings"]
            ),
            "the backend's and the ratings service's spans in the collector",
        )
        # the Zipkin exporter writes the resource's service.name as a tag too; OTLP's mapping to Zipkin keeps it
        # only as the span's localEndpoint: which of the two carried the ratings service's spans
        stored = requests.get(
            f"http://127.0.0.1:{collector_port}/api/v2/traces", params={"serviceName": "ratings"}, timeout=5
        ).json()
        tagged = {"service.name" in span.get("tags", {}) for trace in stored for span in trace}
        assert tagged == {exporter == "zipkin"}, stored
        up.send_signal(signal.SIGINT)
        assert up.wait(timeout=20) == 0
    finally:
        if up.poll() is None:  # SIGTERM first: journey up stops its children; a kill would leave them running
            up.terminate()
            try:
                up.wait(timeout=20)
            except subprocess.TimeoutExpired:
                up.kill()
    for each in (port, collector_port, ratings_port):
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", each)) != 0, f"port {each} still answers after Ctrl-C"
    assert (tmp_path / "data" / "spans.db").exists() and (tmp_path / "data" / "app.db").exists()


def test_up_refuses_one_port_for_both(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "journey", "up", "--port", "9999", "--collector-port", "9999"],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=tmp_path,
    )
    assert result.returncode == 2 and "must differ" in result.stderr


def up(tmp_path, ports: dict[str, int], env: dict[str, str] | None = None, **kwargs) -> subprocess.Popen:
    """`journey up` on these ports (any not given: a free one), its output in tmp_path/up.log."""
    ports = {"port": free_port(), "collector-port": free_port(), "ratings-port": free_port(), **ports}
    flags = [item for name, port in ports.items() for item in (f"--{name}", str(port))]
    return subprocess.Popen(
        [sys.executable, "-m", "journey", "up", *flags, "--data-dir", str(tmp_path / "data")],
        stdout=(tmp_path / "up.log").open("w"),
        stderr=subprocess.STDOUT,
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        **kwargs,
    )


def stop(process: subprocess.Popen) -> None:
    """Stop `journey up` as Ctrl-C would, or with SIGTERM: never a kill, which would leave its children running."""
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=30)


def test_up_says_what_the_demo_runs_with_remembered_fixes_switches_and_samplers(tmp_path):
    fix = [sys.executable, "-m", "journey", "fix", "--data-dir", str(tmp_path / "data"), "n-plus-one", "flaky-write"]
    subprocess.run(fix, check=True, capture_output=True, cwd=ROOT, timeout=60)
    env = {
        "JOURNEY_FIX_FLAKY_WRITE": "false",  # a switch for this run overrides the remembered fix
        "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
        "OTEL_TRACES_SAMPLER_ARG": "0.5",
        "JOURNEY_BROWSER_SAMPLE_RATIO": "0.25",
    }
    started = up(tmp_path, {}, env=env)
    try:
        poll_until(lambda: "Ctrl-C stops them all" in (tmp_path / "up.log").read_text(), "journey up", timeout=40)
    finally:
        stop(started)
    text = (tmp_path / "up.log").read_text()
    assert "  fixed:    n-plus-one\n" in text, text
    assert "  planted:  slow-ratings, flaky-write (JOURNEY_FIX_FLAKY_WRITE=false)\n" in text, text
    assert "the browser keeps 25% of actions; the backend's sampler: parentbased_traceidratio 0.5" in text, text
    assert "  spans:    Zipkin v2 JSON to /api/v2/spans" in text, text
    assert f"  store:    Journey's collector, spans in {tmp_path / 'data' / 'spans.db'}" in text, text


def test_up_refuses_a_port_another_demo_answers_on_at_once(tmp_path):
    class Health(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    other = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Health)  # a running demo's ratings service
    threading.Thread(target=other.serve_forever, daemon=True).start()
    try:
        started = time.monotonic()
        result = up(tmp_path, {"ratings-port": other.server_address[1]})
        assert result.wait(timeout=30) == 1
        elapsed = time.monotonic() - started
    finally:
        other.shutdown()
        other.server_close()
    text = (tmp_path / "up.log").read_text()
    assert f"port {other.server_address[1]} (ratings) already in use: a server answers /health" in text, text
    assert "another `make demo` running?" in text and elapsed < 4  # no wait for a port that will not be released
    assert "Journey is up" not in text and not (tmp_path / "data").exists()


def test_up_waits_for_the_ports_of_a_demo_still_stopping(tmp_path):
    held = socket.create_server(("127.0.0.1", 0))  # the stopped demo's ratings service, not yet gone
    taken = held.getsockname()[1]
    threading.Timer(2.0, held.close).start()
    started = up(tmp_path, {"ratings-port": taken})
    try:
        poll_until(lambda: "Journey is up" in (tmp_path / "up.log").read_text(), "journey up to start", timeout=40)
        started.send_signal(signal.SIGINT)
        assert started.wait(timeout=20) == 0
    finally:
        if started.poll() is None:
            started.kill()
        held.close()
    assert "in use" not in (tmp_path / "up.log").read_text()


def test_up_says_a_port_held_but_silent_was_not_released_before_starting_anything(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as held:  # a process that listens and answers nothing
        taken = held.getsockname()[1]
        started = time.monotonic()
        result = up(tmp_path, {"collector-port": taken})
        assert result.wait(timeout=30) == 1
        elapsed = time.monotonic() - started
    text = (tmp_path / "up.log").read_text()
    assert f"port {taken} (collector) still held after 5 s, and nothing answers there" in text, text
    assert "a demo still stopping" in text and elapsed >= 5
    assert "Journey is up" not in text and not (tmp_path / "data").exists()
