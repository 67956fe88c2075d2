"""Why the backend has code of its own where OpenTelemetry Python has a stock package: each test runs
the stock package against the real app and shows the failure that made us replace it (or adapt the
app around it). Journey's own modules cite these tests in their docstrings; the tests they pass
instead are in test_backend_tracing.py and test_backend_operations.py. When an upgrade of a stock
package makes one of these tests fail, the stock package may now do the job: try it in the app.
"""

from __future__ import annotations

import threading
import urllib.request
from functools import partial

import pytest
from backend_support import GraphQLClient, RatingsServer, planner_app, provider_for
from flask import Flask, request
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from werkzeug.serving import make_server

from backend import telemetry
from common.zipkin_export import ZipkinJsonExporter
from common.zipkin_model import remote_service_name


@pytest.fixture
def ratings():
    server = RatingsServer(InMemorySpanExporter())
    yield server
    server.stop()


@pytest.fixture
def zipkin():
    """A Zipkin endpoint on a free port that keeps every batch posted to it: (its URL, the batches)."""
    batches: list[list[dict]] = []
    app = Flask("zipkin")

    @app.post("/api/v2/spans")
    def spans():
        batches.append(request.get_json(force=True))
        return "", 202

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/api/v2/spans", batches
    server.shutdown()


def named(exporter: InMemorySpanExporter, name: str):
    found = [s for s in exporter.get_finished_spans() if s.name == name]
    assert len(found) == 1, f"{len(found)} spans {name!r} in {[s.name for s in exporter.get_finished_spans()]}"
    return found[0]


def test_stock_zipkin_exporter_names_no_remote_service(zipkin, ratings):
    """common/zipkin_export.py: without remoteEndpoint, Zipkin's dependency graph has no sqlite."""
    from opentelemetry.exporter.zipkin.json import ZipkinExporter

    spans = InMemorySpanExporter()
    GraphQLClient(planner_app(spans, ratings_url=ratings.url).test_client())(
        "query Recommend { recommendations { id } }"
    )
    url, batches = zipkin
    ZipkinExporter(endpoint=url, max_tag_value_length=4096).export(spans.get_finished_spans())
    ZipkinJsonExporter(url).export(spans.get_finished_spans())
    stock, ours = batches

    def remote_services(batch: list[dict]) -> set:
        return {(span["name"], remote_service_name(span)) for span in batch if span.get("kind") == "CLIENT"}

    assert remote_services(stock) == {("SELECT", None), ("GET", None)}  # calls to nobody
    assert remote_services(ours) == {("SELECT", "sqlite"), ("GET", "ratings")}
    assert all(span.get("debug") for span in stock)  # and every span marked "keep, whatever the sampler says"


def test_stock_strawberry_extension_misnames_operations_and_records_what_users_typed(monkeypatch):
    """backend/graphql_tracing.py: the stock spans break the trace shape of interfaces.md and its privacy rule."""
    from strawberry.extensions.tracing import OpenTelemetryExtensionSync

    def stock_extension(tracer_provider, _settings):
        return [partial(OpenTelemetryExtensionSync, tracer_provider=tracer_provider)]

    monkeypatch.setattr(telemetry, "graphql_extensions", stock_extension)
    spans = InMemorySpanExporter()
    gql = GraphQLClient(planner_app(spans, fix_n_plus_one=True).test_client())
    gql('mutation AddToSchedule { addToSchedule(talkId: "3") { talks { id } } }')
    gql("query Find($s: String) { talks(search: $s) { items { speakers { name } } } }", {"s": "kubernetes"})
    names = {s.name for s in spans.get_finished_spans()}
    # interfaces.md: `mutation AddToSchedule` with graphql.operation.type/name, under the SERVER span
    assert "mutation AddToSchedule" not in names
    mutation = named(spans, "GraphQL Query: AddToSchedule")
    assert mutation.kind == SpanKind.SERVER and "graphql.operation.type" not in mutation.attributes
    assert '"3"' in mutation.attributes["query"]  # the document with its literal values
    assert named(spans, "GraphQL Resolving: talks").attributes["graphql.param.search"] == "kubernetes"  # typed
    # every resolver hangs off the operation: no span says which lookup a speakers lookup belongs to
    find = named(spans, "GraphQL Query: Find")
    speakers = [s for s in spans.get_finished_spans() if s.name == "GraphQL Resolving: speakers"]
    assert speakers and all(s.parent.span_id == find.context.span_id for s in speakers)


def test_stock_urllib_instrumentation_serves_only_the_first_provider_it_is_given(ratings):
    """backend/ratings_client.py uses httpx: its instrumentation takes a provider per client, urllib's does not.

    opentelemetry-instrumentation-urllib (and -requests alike) patches the library for the whole process;
    a second app's set-up is ignored, so its calls are recorded by the first app's provider, and its own
    trace lacks the CLIENT span the ratings service's SERVER span hangs under.
    """
    from opentelemetry.instrumentation.urllib import URLLibInstrumentor

    first, second = InMemorySpanExporter(), InMemorySpanExporter()
    second_provider = provider_for("backend", second)
    instrumentor = URLLibInstrumentor()
    instrumentor.instrument(tracer_provider=provider_for("backend", first))  # the first app's set-up
    try:
        instrumentor.instrument(tracer_provider=second_provider)  # the second app's: "already instrumented"
        with second_provider.get_tracer("probe").start_as_current_span("resolve Query.recommendations"):
            urllib.request.urlopen(f"{ratings.url}/ratings?talkIds=1", timeout=5).read()
    finally:
        instrumentor.uninstrument()
    assert [s.name for s in first.get_finished_spans()] == ["GET"]  # the second app's call
    assert [s.name for s in second.get_finished_spans()] == ["resolve Query.recommendations"]
