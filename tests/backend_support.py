"""Helpers for backend tests: an app on an in-memory exporter, a real ratings service, GraphQL calls."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from werkzeug.serving import make_server

from backend import create_app
from common.tracing import SessionIdSpanProcessor
from ratings import create_app as create_ratings_app

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
PARENT_ID = "b7ad6b7169203331"


def provider_for(service: str, exporter: InMemorySpanExporter) -> TracerProvider:
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(SessionIdSpanProcessor())
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


class RatingsServer:
    """The real ratings app on a free port, in a thread, traced as service `ratings`."""

    def __init__(self, exporter: InMemorySpanExporter, delay_ms: int = 0) -> None:
        config = {"ratings_delay_ms": delay_ms, "service_name": "ratings"}
        app = create_ratings_app(config, tracer_provider=provider_for("ratings", exporter))
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()


@dataclass
class GraphQLClient:
    """Posts GraphQL like the browser does: traceparent and baggage with a session id."""

    client: object
    session: str | None = "s-42"

    def __call__(self, query: str, variables: dict | None = None, session: str | None = "default", **extra):
        session = self.session if session == "default" else session
        headers = {"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01"}
        if session is not None:
            headers["baggage"] = f"session.id={session}"
        return self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}, **extra}, headers=headers
        )


def planner_app(exporter: InMemorySpanExporter, ratings_url: str = "http://127.0.0.1:9", **config):
    """The backend with an in-memory database, exporting to `exporter`."""
    settings = {"db": ":memory:", "ratings_url": ratings_url, "flaky_write_rate": 0.0, **config}
    return create_app(settings, tracer_provider=provider_for("backend", exporter))
