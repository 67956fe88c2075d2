"""The `scale` Compose profile's storage without Docker: scripts/zipkin-on-opensearch.sh starts a single-node
OpenSearch (its test distribution, from Maven Central), zipkin-server on it, the real backend and ratings service
and `journey load`'s simulated browsers, then reads every span back through Zipkin's API. The test runs the script
as a person would and holds it to its report: what the apps sent is what OpenSearch stored and Zipkin returns.
"""

import os
import re
import signal
import subprocess

import pytest
from support import ROOT
from support.real_zipkin import unavailable

from journey.zipkin_server import ZipkinUnavailable, fetch_jar, find_java

pytestmark = pytest.mark.zipkin

SCRIPT = "scripts/zipkin-on-opensearch.sh"
RUN_TIMEOUT_S = 400  # two JVMs and the apps on two busy cores; about 40 s when idle


def number(pattern: str, text: str) -> int:
    found = re.search(pattern, text)
    assert found, f"no {pattern!r} in:\n{text}"
    return int(found.group(1))


@pytest.mark.timeout(RUN_TIMEOUT_S + 30)
def test_zipkin_on_opensearch_stores_and_returns_every_span_the_apps_and_browsers_send():
    try:
        find_java()
        fetch_jar()
    except ZipkinUnavailable as error:
        unavailable(error)
    script = subprocess.Popen(
        ["bash", SCRIPT],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "LOAD_SECONDS": "5"},
        start_new_session=True,  # its own process group: on a timeout, OpenSearch and Zipkin are stopped with it
    )
    try:
        report, log = script.communicate(timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(script.pid, signal.SIGTERM)
        report, log = script.communicate()
        pytest.fail(f"{SCRIPT} took over {RUN_TIMEOUT_S} s:\n{report}{log[-3000:]}")
    assert script.returncode == 0, report + log[-3000:]
    spans = number(r"\d+ traces, (\d+) spans read back", report)
    stored = sum(int(n) for n in re.findall(r"index zipkin-span-\S+: (\d+) documents", report))
    assert spans == stored > 0  # one OpenSearch document a span, and Zipkin returns each
    per_service = re.search(r"traces by service: (.*)", report).group(1)  # "backend 130, frontend 129, ratings 1"
    by_service = {name: int(n) for name, n in re.findall(r"(\w+) (\d+)", per_service)}
    assert set(by_service) == {"backend", "frontend", "ratings"}, report
    browser_spans = number(r"acknowledged (\d+)", log)  # journey load: two spans an action, one trace an action
    assert by_service["frontend"] * 2 == browser_spans
    assert "journey check 2 on a 'search talks' trace (whole from click to database): passed" in report
