"""The one place the backend's tracing is set up: provider, exporter, processors, instrumentations.

Read top to bottom: `build_tracer_provider` makes the SDK pipeline (the one every Journey service
uses, common/tracing.py); then one function per span source, each setting up a stock OpenTelemetry
package with the provider it is given, never a global one: `instrument_app` (Flask: the SERVER
span), `traced_connect` (sqlite3: a CLIENT span per statement), `http_client` (httpx: the CLIENT
span of a call to another service). `graphql_extensions` is the one source that is our own code
(backend/graphql_tracing.py says why). Only the process entry point (journey.cli) installs the
provider globally; tests pass their own.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from flask import Flask
from opentelemetry import trace

from common import conventions as attrs
from common import tracing


def build_tracer_provider(settings: dict[str, Any]) -> trace.TracerProvider:
    """The SDK pipeline from settings: resource, sampler (OTEL_TRACES_SAMPLER), batch export (OTEL_TRACES_EXPORTER)."""
    from . import __version__

    return tracing.build_tracer_provider(settings, __version__)


def instrument_app(app: Flask, tracer_provider: trace.TracerProvider) -> None:
    """SERVER spans for the app's requests (opentelemetry-instrumentation-flask) and the traceresponse header."""
    tracing.instrument_http(app, tracer_provider)


def traced_connect(connect: Callable[[], sqlite3.Connection], tracer_provider: trace.TracerProvider):
    """Wrap a connection factory so that every statement run on a cursor gets a CLIENT span
    (opentelemetry-instrumentation-sqlite3, db.system=sqlite, statement text with its `?` placeholders)."""
    if isinstance(tracer_provider, trace.NoOpTracerProvider):
        return connect
    tracing.use_stable_http_conventions()
    from opentelemetry.instrumentation.sqlite3 import SQLite3Instrumentor

    # per connection, with the provider given: the package's instrument() would patch sqlite3.connect process-wide
    return lambda: SQLite3Instrumentor.instrument_connection(connect(), tracer_provider=tracer_provider)


def http_client(base_url: str, peer_service: str, tracer_provider: trace.TracerProvider, timeout_s: float = 2.0):
    """An httpx client of another service; its calls are CLIENT spans (opentelemetry-instrumentation-httpx, on
    this client only) that carry the trace on, and name that service for Zipkin's dependency graph."""
    import httpx

    if isinstance(tracer_provider, trace.NoOpTracerProvider):
        return httpx.Client(base_url=base_url, timeout=timeout_s)
    tracing.use_stable_http_conventions()
    from opentelemetry.instrumentation.httpx import SyncOpenTelemetryTransport

    def name_the_peer(span: trace.Span, _request: Any) -> None:
        span.set_attribute(attrs.SERVICE_PEER_NAME, peer_service)

    # per client, with the provider given: the urllib and requests instrumentations patch the library
    # process-wide, bound to the first provider (tests/test_backend_stock.py)
    transport = SyncOpenTelemetryTransport(
        httpx.HTTPTransport(), tracer_provider=tracer_provider, request_hook=name_the_peer
    )
    return httpx.Client(base_url=base_url, timeout=timeout_s, transport=transport)


def graphql_extensions(tracer_provider: trace.TracerProvider, settings: dict[str, Any]) -> list:
    """The strawberry extensions that trace GraphQL operations and resolvers."""
    if isinstance(tracer_provider, trace.NoOpTracerProvider):
        return []
    from functools import partial

    from .graphql_tracing import GraphQLTracing

    return [
        partial(
            GraphQLTracing,
            tracer=trace.get_tracer("backend.graphql_tracing", tracer_provider=tracer_provider),
            record_document=settings["record_graphql_document"],
            record_arguments=settings["record_graphql_arguments"],
        )
    ]
