"""Where a service's spans go (OTEL_TRACES_EXPORTER and OTEL_EXPORTER_*), and what the browser is told: each
way of export sends a real span to a real collector, the other ways leading nowhere."""

import socket
import time
import uuid

import pytest
import requests
from support import poll_until, start_server

from backend import create_app
from backend.settings import SETTINGS
from common.settings import SettingError, resolve
from common.tracing import build_tracer_provider, span_exporter

NOWHERE = "http://127.0.0.1:9"  # discard port: nothing answers


def settings_from(environ: dict[str, str]) -> dict:
    """The backend's settings from an environment, a fresh service name so each test finds its own spans."""
    return resolve(SETTINGS, {}, {"OTEL_SERVICE_NAME": f"export-{uuid.uuid4().hex[:8]}", **environ})


def send_one_span(settings: dict) -> None:
    provider = build_tracer_provider(settings, "test")
    provider.get_tracer("test").start_span("probe").end()
    provider.force_flush()
    provider.shutdown()


def stored(collector_url: str, service_name: str) -> list:
    found = requests.get(f"{collector_url}/api/v2/traces", params={"serviceName": service_name}, timeout=5)
    return found.json() if found.status_code == 200 else []


EXPORTS = {
    "zipkin": lambda url: {
        "OTEL_EXPORTER_ZIPKIN_ENDPOINT": f"{url}/api/v2/spans",
        "OTEL_EXPORTER_OTLP_ENDPOINT": NOWHERE,
    },
    "otlp": lambda url: {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_ENDPOINT": url},
    "otlp http/json": lambda url: {
        "OTEL_TRACES_EXPORTER": "otlp",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
        "OTEL_EXPORTER_OTLP_ENDPOINT": url,
    },
    "otlp traces endpoint": lambda url: {
        "OTEL_TRACES_EXPORTER": "otlp",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": f"{url}/v1/traces",  # used as is, and wins
        "OTEL_EXPORTER_OTLP_ENDPOINT": NOWHERE,
    },
}


@pytest.mark.parametrize("way", list(EXPORTS))
def test_each_way_of_export_brings_the_span_to_the_collector(collector, way):
    environ = {"OTEL_EXPORTER_ZIPKIN_ENDPOINT": f"{NOWHERE}/api/v2/spans", **EXPORTS[way](collector.url)}
    settings = settings_from(environ)
    send_one_span(settings)
    [[span]] = poll_until(lambda: stored(collector.url, settings["service_name"]), f"the span sent by {way}")
    assert span["name"] == "probe" and span["localEndpoint"]["serviceName"] == settings["service_name"]


def test_none_exports_nothing_yet_still_traces_each_request(collector):
    settings = settings_from(
        {
            "OTEL_TRACES_EXPORTER": "none",
            "OTEL_EXPORTER_ZIPKIN_ENDPOINT": f"{collector.url}/api/v2/spans",
            "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url,
        }
    )
    provider = build_tracer_provider(settings, "test")
    client = create_app({**settings, "db": ":memory:", "ratings_url": NOWHERE}, tracer_provider=provider).test_client()
    response = client.post("/graphql", json={"query": "{ talks(limit: 1) { total } }"})
    assert response.status_code == 200 and response.headers["traceresponse"].startswith("00-")
    provider.force_flush()
    time.sleep(0.5)
    assert stored(collector.url, settings["service_name"]) == []


def test_console_prints_each_span_on_standard_output(tmp_path):
    ratings = start_server(
        ["ratings", "--delay-ms", "0"],
        "ratings",
        tmp_path,
        env={"OTEL_TRACES_EXPORTER": "console", "OTEL_BSP_SCHEDULE_DELAY": "100"},
    )
    try:
        requests.get(f"{ratings.url}/ratings", params={"talkIds": "1"}, timeout=5)
        poll_until(lambda: '"name": "GET /ratings"' in ratings.log(), "the span printed in the service's output")
    finally:
        ratings.stop()


def test_the_otlp_timeout_is_milliseconds_as_the_specification_says():
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings = settings_from(
            {
                "OTEL_TRACES_EXPORTER": "otlp",
                "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{silent.getsockname()[1]}",
                "OTEL_EXPORTER_OTLP_TIMEOUT": "300",
            }
        )
        exporter = span_exporter(settings)
        started = time.monotonic()
        exporter.export([finished_span()])
        assert time.monotonic() - started < 3  # read as seconds, it would wait 300 s
        exporter.shutdown()


def finished_span():
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    provider.get_tracer("test").start_span("probe").end()
    return memory.get_finished_spans()[0]


@pytest.mark.parametrize(
    "environ,message",
    [
        (
            {"OTEL_TRACES_EXPORTER": "jaeger"},
            "OTEL_TRACES_EXPORTER: 'jaeger' is not one of zipkin, otlp, console, none",
        ),
        ({"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, "OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' is not one of http/protobuf"),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "localhost:4318"}, "OTEL_EXPORTER_OTLP_ENDPOINT: not an http"),
        ({"JOURNEY_BROWSER_EXPORTER": "console"}, "JOURNEY_BROWSER_EXPORTER: 'console' is not one of zipkin, otlp"),
    ],
)
def test_a_bad_export_setting_is_refused_naming_the_choices(environ, message):
    with pytest.raises(SettingError, match=message):
        resolve(SETTINGS, {}, environ)


# the backend's settings → what its /config.json tells the browser: (exporter, OTLP endpoint)
BROWSER_CONFIGS = [
    ({}, ("zipkin", "http://localhost:9411/v1/traces")),
    ({"OTEL_TRACES_EXPORTER": "otlp"}, ("otlp", "http://localhost:9411/v1/traces")),
    ({"OTEL_TRACES_EXPORTER": "console"}, ("zipkin", "http://localhost:9411/v1/traces")),
    (
        {"OTEL_TRACES_EXPORTER": "otlp", "JOURNEY_BROWSER_EXPORTER": "zipkin"},
        ("zipkin", "http://localhost:9411/v1/traces"),
    ),
    (
        {"JOURNEY_BROWSER_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318/"},
        ("otlp", "http://otel:4318/v1/traces"),
    ),
    (
        {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://otel:4318/t"},
        ("otlp", "http://otel:4318/t"),
    ),
    (
        {"OTEL_TRACES_EXPORTER": "otlp", "JOURNEY_BROWSER_OTLP_ENDPOINT": "http://localhost:4318/v1/traces"},
        ("otlp", "http://localhost:4318/v1/traces"),
    ),
]


@pytest.mark.parametrize("environ,expected", BROWSER_CONFIGS)
def test_the_browser_is_told_how_to_export(environ, expected):
    settings = resolve(SETTINGS, {}, environ) | {"db": ":memory:"}
    app = create_app(settings, tracer_provider=build_tracer_provider({"sdk_disabled": True}, "test"))
    served = app.test_client().get("/config.json").json
    assert (served["exporter"], served["otlpEndpoint"]) == expected
    assert served["zipkinEndpoint"] == "http://localhost:9411/api/v2/spans"


def test_the_ratings_service_follows_the_same_setting(collector, tmp_path):
    ratings = start_server(
        ["ratings", "--delay-ms", "0"],
        "ratings",
        tmp_path,
        env={
            "OTEL_TRACES_EXPORTER": "otlp",
            "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url,
            "OTEL_EXPORTER_ZIPKIN_ENDPOINT": f"{NOWHERE}/api/v2/spans",
            "OTEL_BSP_SCHEDULE_DELAY": "100",
        },
    )
    try:
        assert requests.get(f"{ratings.url}/ratings", params={"talkIds": "1"}, timeout=5).status_code == 200
        [[span]] = poll_until(lambda: stored(collector.url, "ratings"), "the ratings service's span, over OTLP")
        assert (span["name"], span["kind"]) == ("get /ratings", "SERVER")
    finally:
        ratings.stop()
