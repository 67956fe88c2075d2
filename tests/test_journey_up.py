"""`journey up`: both servers start, the backend exports to the collector, Ctrl-C stops both."""

import os
import signal
import socket
import subprocess
import sys

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
        if up.poll() is None:
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


def test_up_refuses_a_port_another_demo_holds_before_starting_anything(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as held:  # a stale demo still listening
        taken = held.getsockname()[1]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "journey",
                "up",
                "--port",
                str(free_port()),
                "--collector-port",
                str(taken),
                "--ratings-port",
                str(free_port()),
                "--data-dir",
                str(tmp_path / "data"),
            ],
            capture_output=True,
            text=True,
            timeout=30,
            cwd=ROOT,
        )
    assert result.returncode == 1 and f"port {taken} (collector) already in use" in result.stderr
    assert "Journey is up" not in result.stdout and not (tmp_path / "data").exists()
