"""The `otel` Compose profile without Docker: the OpenTelemetry Collector that scripts/build-otel-collector.sh
builds (ocb, only the components otel-collector.yaml uses) runs that very file between the real apps and the
real Zipkin. The backend and ratings post OTLP/HTTP (protobuf) to its receiver, the real browser posts OTLP/JSON
to it cross-origin (the receiver's CORS list names the app's origin), and the Zipkin exporter hands every span
to zipkin-server, where one click reads back as one whole trace.

Building the collector needs Go 1.25 or newer (Debian 12's Go is 1.19) and takes minutes, so CI does not build
it: where the binary is missing these tests are skipped, in CI too, saying how to build it.
"""

import os
import subprocess
from pathlib import Path

import pytest
import requests
import yaml
from support import ROOT, Server, backend_args, poll_until, start_server
from support.shapes import action_shape, find, guided_journey_shape, service, wait_for_shape
from support.ui import finish_plan_my_day, last_trace_id, search_talks, start_plan_my_day
from test_journey_up import free_port
from test_workshop_checkpoints import journey_check

from journey.zipkin_server import cache_dir

pytestmark = [pytest.mark.zipkin, pytest.mark.browser]

BUILD = "scripts/build-otel-collector.sh"
MANIFEST = ROOT / "scripts" / "otelcol-builder.yaml"
CONFIG = ROOT / "otel-collector.yaml"
# The collector's own metrics listen on localhost:8888 and it will not start when that port is taken: off here,
# in a second config file merged over CONFIG, so that nothing else on the machine can stop the test.
NO_SELF_METRICS = {"service": {"telemetry": {"metrics": {"level": "none"}}}}
SPAN_DEADLINE_S = 30  # the apps' 100 ms batches, the collector's 1 s batch, Zipkin's write


def built_collector() -> Path | None:
    """The binary the build script leaves: $JOURNEY_OTELCOL, else <cache>/<dist name>-<dist version>."""
    dist = yaml.safe_load(MANIFEST.read_text())["dist"]
    named = os.environ.get("JOURNEY_OTELCOL")
    binary = Path(named) if named else cache_dir() / f"{dist['name']}-{dist['version']}"
    return binary if os.access(binary, os.X_OK) else None


def start_otel_collector(binary: Path, port: int, app_origin: str, zipkin_url: str, log_dir: Path) -> Server:
    """otel-collector.yaml run natively: its receiver on 127.0.0.1:`port`, CORS for `app_origin`, spans to Zipkin."""
    overlay = log_dir / "no-self-metrics.yaml"
    overlay.write_text(yaml.safe_dump(NO_SELF_METRICS))
    environment = {
        "OTLP_HTTP_ENDPOINT": f"127.0.0.1:{port}",
        "CORS_ALLOWED_ORIGIN": app_origin,
        "ZIPKIN_SPANS_ENDPOINT": f"{zipkin_url}/api/v2/spans",
    }
    log_path = log_dir / "otelcol.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(binary), "--config", str(CONFIG), "--config", f"file:{overlay}"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **environment},
        )
    server = Server("otelcol", process, f"http://127.0.0.1:{port}", log_path)

    def ready() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"the collector exited with {process.returncode}:\n{server.log()[-3000:]}")
        return "Everything is ready" in server.log()

    try:
        poll_until(ready, "the OpenTelemetry Collector to start", timeout=30)
    except BaseException:
        server.stop()
        raise
    return server


@pytest.fixture(scope="session")
def otelcol() -> Path:
    """The built collector, or a skip saying how to build it (session-scoped: checked before Zipkin starts)."""
    binary = built_collector()
    if binary is None:
        pytest.skip(
            f"the OpenTelemetry Collector is not built on this machine: {BUILD} builds it with the OpenTelemetry "
            "Collector Builder (needs Go 1.25 or newer; minutes, once)"
        )
    return binary


@pytest.fixture(scope="module")
def otel_stack(otelcol, zipkin, tmp_path_factory):
    """The `otel` profile on this machine: ratings, backend and browser → the collector → the real Zipkin."""
    logs = tmp_path_factory.mktemp("otel-profile")
    otlp = f"http://127.0.0.1:{free_port()}"  # the collector's receiver, started once the app's origin is known
    exporting = ["--traces-exporter", "otlp", "--otlp-endpoint", otlp, "--batch-delay", "100"]
    ratings = start_server(["ratings", *exporting], "ratings", logs)
    backend = start_server(
        backend_args(
            logs / "app.db",
            f"{zipkin.url}/zipkin/",
            *exporting,
            "--browser-otlp-endpoint",
            f"{otlp}/v1/traces",
            "--viewer-kind",
            "zipkin",
            ratings_url=ratings.url,
        ),
        "backend",
        logs,
    )
    servers = [ratings, backend]
    try:
        collector = start_otel_collector(otelcol, int(otlp.rsplit(":", 1)[1]), backend.url, zipkin.url, logs)
        servers.append(collector)
        yield {"backend": backend, "collector": collector}
    finally:
        for server in reversed(servers):
            server.stop()


@pytest.fixture
def page(browser, otel_stack):
    context = browser.new_context()
    page = context.new_page()
    page.posts, page.console_errors = [], []
    page.on("request", lambda req: req.method == "POST" and page.posts.append(req.url))
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    page.goto(otel_stack["backend"].url)
    page.get_by_role("status").filter(has_text="9 talks").wait_for()
    yield page
    context.close()


def preflight(url: str, origin: str) -> requests.Response:
    return requests.options(
        f"{url}/v1/traces",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
        timeout=5,
    )


def test_the_receiver_answers_the_preflight_of_the_apps_origin_only(otel_stack):
    collector, app = otel_stack["collector"], otel_stack["backend"].url
    allowed = preflight(collector.url, app)
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == app
    assert "POST" in allowed.headers["access-control-allow-methods"].split(",")
    assert "content-type" in allowed.headers["access-control-allow-headers"].lower().split(",")
    # Compose's app origin is not this app's: the list is what the environment set, not the file's default
    for other in ("http://localhost:8080", "http://127.0.0.1:9"):
        refused = preflight(collector.url, other)
        assert "access-control-allow-origin" not in refused.headers, other


def test_a_click_is_one_trace_in_zipkin_through_the_opentelemetry_collector(page, otel_stack, zipkin):
    collector = otel_stack["collector"]
    trace_id = search_talks(page, "kubernetes")
    spans = wait_for_shape(
        zipkin.url,
        trace_id,
        action_shape("search talks", "query searchtalks", "resolve query.talks"),
        timeout=SPAN_DEADLINE_S,
    )
    [root] = find(spans, "frontend", "search talks")
    [server] = find(spans, "backend", "post /graphql")
    assert root["tags"]["session.id"] == server["tags"]["session.id"]
    # the browser sent OTLP to the collector, never to Zipkin, and the browser saw no CORS error
    assert f"{collector.url}/v1/traces" in page.posts
    assert not any(url.startswith(zipkin.url) for url in page.posts)
    assert page.console_errors == []
    check = journey_check("11", "--collector", zipkin.url, "--trace", trace_id, "--wait", "10")  # over OTLP, whole
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_guided_journey_and_the_ratings_call_are_one_trace_through_the_collector(page, zipkin):
    start_plan_my_day(page)
    journey = last_trace_id(page)
    finish_plan_my_day(page)
    spans = wait_for_shape(zipkin.url, journey, guided_journey_shape(), timeout=SPAN_DEADLINE_S)
    assert len({s["tags"].get("session.id") for s in spans}) == 1

    def services() -> set[str]:
        return {service(s) for s in requests.get(f"{zipkin.url}/api/v2/trace/{journey}", timeout=5).json()}

    poll_until(lambda: "ratings" in services(), "the ratings service's spans in the trace", timeout=SPAN_DEADLINE_S)
