"""`journey load` against a real backend and collector: journeys run, every span marked synthetic."""

import subprocess
import sys

import requests
from support import ROOT
from support.shapes import find, wait_for_shape


def test_load_runs_journeys_whose_spans_are_all_marked_synthetic(backend, collector):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "journey",
            "load",
            "--url",
            backend.url,
            "--collector",
            collector.url,
            "--users",
            "2",
            "--duration",
            "3",
            "--think-ms",
            "50",
            "--seed",
            "7",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
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


def test_load_reports_a_dead_app_as_failure(collector):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "journey",
            "load",
            "--url",
            "http://127.0.0.1:9",
            "--collector",
            collector.url,
            "--users",
            "1",
            "--duration",
            "1",
            "--think-ms",
            "100",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1 and "errors 0," not in result.stdout
