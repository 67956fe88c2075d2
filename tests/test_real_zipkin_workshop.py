"""Every workshop checkpoint against the real Zipkin: test_workshop_checkpoints.py's attendee clicks
through the finished app, which exports to zipkin-server instead of our collector, then
`journey check <chapter> --collector <the real Zipkin>` passes, as chapter 10 has attendees do.

Zipkin's store is shared by the session's tests, so each check keeps to this attendee's traces
with --session (found through the backend's deployment.environment.name, unique to this module).
Every chapter reads only the Zipkin API; all run but chapter 11, whose OTLP plain zipkin-server cannot take."""

import uuid

import pytest
import requests
import test_workshop_checkpoints as workshop
from support import start_server

from journey.checkpoints import CHECKPOINTS

pytestmark = [pytest.mark.zipkin, pytest.mark.browser]

attended = workshop.attended  # its fixture: the attendee's clicks, here on this module's demo
journey_check = workshop.journey_check


@pytest.fixture(scope="module")
def demo(zipkin, tmp_path_factory):
    """test_workshop_checkpoints' finished app (every planted problem fixed), exporting to the real Zipkin
    with the app's links on Zipkin's UI; `attended` runs the attendee's clicks on it."""
    logs = tmp_path_factory.mktemp("workshop-zipkin")
    environment = f"workshop-{uuid.uuid4().hex[:8]}"
    spans = f"{zipkin.url}/api/v2/spans"
    ratings = start_server(["ratings", "--zipkin-endpoint", spans, "--batch-delay", "100"], "ratings", logs)
    backend = start_server(
        ["backend", "--db", str(logs / "app.db"), "--zipkin-endpoint", spans, "--batch-delay", "100"]
        + ["--viewer-url", f"{zipkin.url}/zipkin/", "--viewer-kind", "zipkin", "--ratings-url", ratings.url]
        + ["--fix-n-plus-one", "--fix-slow-ratings", "--fix-flaky-write", "--flaky-write-rate", "1"]
        + ["--environment", environment],
        "backend",
        logs,
    )
    yield {"collector": zipkin.url, "app": backend.url, "environment": environment}
    for server in (backend, ratings):
        server.stop()


@pytest.fixture(scope="module")
def session(attended) -> str:
    """The attendee's session.id, read from a backend span of this module's demo."""
    found = requests.get(
        f"{attended['collector']}/api/v2/traces",
        params={
            "serviceName": "backend",
            "annotationQuery": f"deployment.environment.name={attended['environment']}",
            "lookback": 3_600_000,
            "limit": 1,
        },
        timeout=10,
    ).json()
    sessions = {s["tags"]["session.id"] for trace in found for s in trace if "session.id" in s.get("tags", {})}
    assert len(sessions) == 1, sessions
    return sessions.pop()


# Chapter 11 moves the exporters to OTLP: plain zipkin-server has no OTLP receiver, and its zipkin-otel module
# (io.zipkin.contrib.otel) is not served by the Maven repository these machines reach; tests/test_e2e_otlp.py
# runs that chapter's check on Journey's collector.
ZIPKIN_V2_CHAPTERS = [p for p in CHECKPOINTS if p.slug != "otlp"]


@pytest.mark.parametrize("point", ZIPKIN_V2_CHAPTERS, ids=lambda p: p.slug)
def test_each_checkpoint_passes_against_the_real_zipkin(attended, session, point):
    result = journey_check(str(point.number), "--collector", attended["collector"], "--session", session, "--wait", "9")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(f"PASS  chapter {point.number} ({point.slug})"), result.stdout
    assert f"{attended['collector']}/zipkin/traces/" in result.stdout or point.slug == "sampling"


def test_every_link_a_check_prints_opens_in_zipkins_ui(attended, session):
    result = journey_check("8", "--collector", attended["collector"], "--session", session, "--wait", "15")
    links = [line.split("open: ", 1)[1] for line in result.stdout.splitlines() if "open: " in line]
    assert links and all("/zipkin/journeys/" not in link for link in links), links
