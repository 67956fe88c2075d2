"""OTLP into the real Zipkin: zipkin-server with zipkin-otel's module, as the `zipkin-otel` Compose profile
runs it. The real backend and ratings service send OTLP/HTTP (protobuf) to its /v1/traces, the real browser
sends Zipkin v2 JSON to its /api/v2/spans, and each trace read back through Zipkin's API has the shape it
has on our collector.

Why the browser does not send OTLP there: its OTLP exporter posts JSON, and zipkin-otel 0.3.0 decodes an
OTLP/JSON span's own id and its parent's id differently, so the browser's spans do not link up. The last
test shows it with the real browser; Zipkin's CORS policy, which does cover the module's route, is not what
stops it.

The module is not served by the Maven repository these machines reach: scripts/build-zipkin-otel-module.sh
builds it once from zipkin-otel's source; without it these tests are skipped, in CI too, saying so.
"""

import subprocess
import sys
from pathlib import Path

import pytest
import requests
from support import ROOT, Server, backend_args, poll_until, start_server
from support.real_zipkin import start_real_zipkin, unavailable
from support.shapes import action_shape, find, guided_journey_shape, service, wait_for_shape
from support.ui import finish_plan_my_day, last_trace_id, search_talks, start_plan_my_day

from journey.zipkin_server import BUILD_OTEL_MODULE, ZipkinUnavailable, otel_module

pytestmark = [pytest.mark.zipkin, pytest.mark.browser]


@pytest.fixture(scope="module")
def zipkin_otel(tmp_path_factory):
    module = otel_module()
    if module is None:
        pytest.skip(
            f"zipkin-otel's module is not on this machine: {BUILD_OTEL_MODULE} builds it (io.zipkin.contrib.otel "
            "is not served by the Maven repository here)"
        )
    try:
        server = start_real_zipkin(tmp_path_factory.mktemp("zipkin-otel"), module=module)
    except ZipkinUnavailable as error:
        unavailable(error)
    yield server
    server.stop()


def start_app(zipkin: Server, logs: Path, browser_exporter: str) -> tuple[Server, Server]:
    """Ratings and the backend sending OTLP (protobuf) to Zipkin; the browser `browser_exporter`."""
    otlp = ["--traces-exporter", "otlp", "--otlp-endpoint", zipkin.url, "--batch-delay", "100"]
    ratings = start_server(["ratings", *otlp], "ratings", logs)
    backend = start_server(
        backend_args(
            logs / "app.db",
            f"{zipkin.url}/zipkin/",
            *otlp,
            "--browser-exporter",
            browser_exporter,
            "--browser-zipkin-endpoint",
            f"{zipkin.url}/api/v2/spans",
            "--viewer-kind",
            "zipkin",
            ratings_url=ratings.url,
        ),
        "backend",
        logs,
    )
    return backend, ratings


@pytest.fixture(scope="module", params=["zipkin"])
def otlp_app(request, zipkin_otel, tmp_path_factory):
    """The `zipkin-otel` profile's app: the backend and ratings over OTLP, the browser (by default) Zipkin v2."""
    backend, ratings = start_app(zipkin_otel, tmp_path_factory.mktemp("zipkin-otel-app"), request.param)
    yield backend
    backend.stop()
    ratings.stop()


@pytest.fixture
def page(browser, otlp_app):
    context = browser.new_context()
    page = context.new_page()
    page.posts, page.console_errors = [], []
    page.on("request", lambda req: req.method == "POST" and page.posts.append(req.url))
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    page.goto(otlp_app.url)
    page.get_by_role("status").filter(has_text="9 talks").wait_for()
    yield page
    context.close()


def test_zipkin_with_the_module_reports_its_otlp_collector_and_answers_the_browsers_preflight(zipkin_otel, otlp_app):
    health = requests.get(f"{zipkin_otel.url}/health", timeout=5).json()
    assert health["zipkin"]["details"]["OpenTelemetryHttpCollector{}"]["status"] == "UP"
    preflight = requests.options(
        f"{zipkin_otel.url}/v1/traces",
        headers={
            "Origin": otlp_app.url,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
        timeout=5,
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"].split(",")
    assert "content-type" in preflight.headers["access-control-allow-headers"].split(",")


def test_a_click_is_one_trace_in_zipkin_the_backend_over_otlp(page, zipkin_otel):
    trace_id = search_talks(page, "kubernetes")
    spans = wait_for_shape(
        zipkin_otel.url, trace_id, action_shape("search talks", "query searchtalks", "resolve query.talks")
    )
    [root] = find(spans, "frontend", "search talks")
    [server] = find(spans, "backend", "post /graphql")
    assert root["tags"]["session.id"] == server["tags"]["session.id"]
    # over OTLP the service name is the endpoint only: the backend's spans came by OTLP, the browser's by Zipkin v2
    assert {service(s) for s in spans if "service.name" in s.get("tags", {})} == {"frontend"}
    assert f"{zipkin_otel.url}/api/v2/spans" in page.posts and f"{zipkin_otel.url}/v1/traces" not in page.posts
    assert page.console_errors == []
    check = subprocess.run(
        [sys.executable, "-m", "journey", "check", "2", "--collector", zipkin_otel.url, "--wait", "10"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_guided_journey_and_the_ratings_call_are_one_trace_in_zipkin_the_backend_over_otlp(page, zipkin_otel):
    start_plan_my_day(page)
    journey = last_trace_id(page)
    finish_plan_my_day(page)
    spans = wait_for_shape(zipkin_otel.url, journey, guided_journey_shape())
    [root] = find(spans, "frontend", "plan my day")
    assert root["tags"]["ui.journey.outcome"] == "completed"
    assert len({s["tags"].get("session.id") for s in spans}) == 1
    services = requests.get(f"{zipkin_otel.url}/api/v2/services", timeout=5).json()
    assert {"frontend", "backend", "ratings"} <= set(services)


@pytest.fixture(scope="module")
def browser_otlp_app(zipkin_otel, tmp_path_factory):
    backend, ratings = start_app(zipkin_otel, tmp_path_factory.mktemp("zipkin-otel-browser-otlp"), "otlp")
    yield backend
    backend.stop()
    ratings.stop()


def test_zipkin_otel_0_3_0_unlinks_the_browsers_otlp_json_spans(browser, browser_otlp_app, zipkin_otel):
    """Why the profile's browser sends Zipkin v2: over OTLP/JSON its batches are accepted (CORS and all), yet
    each child names a parent id that no stored span has. When a zipkin-otel release decodes OTLP/JSON ids
    alike, this fails: move the profile's browser to OTLP and turn this into a whole-trace test."""
    context = browser.new_context()
    page = context.new_page()
    answered = []
    page.on("response", lambda r: r.url.startswith(f"{zipkin_otel.url}/v1/traces") and answered.append(r.status))
    page.goto(browser_otlp_app.url)
    page.get_by_role("status").filter(has_text="9 talks").wait_for()
    trace_id = search_talks(page, "kubernetes")

    def browser_spans():
        spans = requests.get(f"{zipkin_otel.url}/api/v2/trace/{trace_id}", timeout=5).json()
        mine = [s for s in spans if service(s) == "frontend"]
        return spans if {"search talks", "post"} <= {s["name"] for s in mine} else None

    spans = poll_until(browser_spans, "the browser's OTLP spans in Zipkin")
    context.close()
    assert answered and set(answered) == {202}  # accepted: CORS let the posts through
    ids = {s["id"] for s in spans}
    [post] = find(spans, "frontend", "post")
    assert post["parentId"] not in ids  # the action that is its parent is stored under another id
