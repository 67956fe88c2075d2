"""The one place the backend's tracing is set up: provider, exporter, processors, instrumentations.

Read top to bottom: `build_tracer_provider` makes the SDK pipeline (resource, sampler from the
standard OTEL_* variables, batch export to Zipkin); `instrument_app` wires it into Flask, SQLite and
GraphQL. Only the process entry point (journey.cli) installs the provider globally; tests pass their own.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from typing import Any, Callable

from flask import Flask
from opentelemetry import context, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from . import conventions as attrs
from .session import session_id_from

log = logging.getLogger(__name__)


def build_tracer_provider(settings: dict[str, Any]) -> trace.TracerProvider:
    """The SDK pipeline from settings: resource, sampler (OTEL_TRACES_SAMPLER), batch export to Zipkin."""
    if settings["sdk_disabled"]:
        return trace.NoOpTracerProvider()
    from . import __version__
    from .zipkin_export import zipkin_exporter

    resource = Resource.create({
        attrs.SERVICE_NAME: settings["service_name"],
        attrs.SERVICE_VERSION: __version__,
        attrs.DEPLOYMENT_ENVIRONMENT: settings["environment"],
    })
    provider = TracerProvider(resource=resource)  # sampler from OTEL_TRACES_SAMPLER(_ARG)
    provider.add_span_processor(SessionIdSpanProcessor())
    # A bounded queue (2048 spans): with the collector down, spans are dropped, never piled up.
    # Batches of at most 128: encoding holds the interpreter, so a request waits less behind it.
    exporter = zipkin_exporter(settings["zipkin_endpoint"])
    provider.add_span_processor(BatchSpanProcessor(
        exporter, schedule_delay_millis=settings["bsp_schedule_delay_ms"], max_export_batch_size=128))
    return provider


class SessionIdSpanProcessor(SpanProcessor):
    """Copies `session.id` from W3C baggage onto every span started in that context."""

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        session_id = session_id_from(parent_context if parent_context is not None else context.get_current())
        if session_id:
            span.set_attribute(attrs.SESSION_ID, session_id)


def instrument_app(app: Flask, tracer_provider: trace.TracerProvider, settings: dict[str, Any]) -> None:
    """Trace HTTP requests, add the traceresponse header, and make database connections traced."""
    if isinstance(tracer_provider, trace.NoOpTracerProvider):
        return
    # stable HTTP attribute names (http.request.method, url.path, ...), the ones the browser side uses;
    # read once per process, when the first instrumentation initialises
    os.environ.setdefault("OTEL_SEMCONV_STABILITY_OPT_IN", "http")
    from opentelemetry.instrumentation.flask import FlaskInstrumentor

    FlaskInstrumentor().instrument_app(app, tracer_provider=tracer_provider, excluded_urls="/health,/assets/")
    app.after_request(add_traceresponse_header)


def add_traceresponse_header(response):
    """W3C Trace Context level 2: tell the caller which trace and span served it."""
    span_context = trace.get_current_span().get_span_context()
    if span_context.is_valid:
        response.headers["traceresponse"] = (
            f"00-{span_context.trace_id:032x}-{span_context.span_id:016x}-{int(span_context.trace_flags):02x}"
        )
        response.headers["Access-Control-Expose-Headers"] = "traceresponse"
    return response


class CursorShortcuts:
    """Routes sqlite3's connection shortcuts (execute, executemany) through a cursor.

    The dbapi instrumentation traces cursors only; without this, `db.execute(...)` would run
    without a span. Every other attribute is the wrapped connection's.
    """

    def __init__(self, connection) -> None:
        self._connection = connection

    def execute(self, sql: str, parameters=()):
        return self._connection.cursor().execute(sql, parameters)

    def executemany(self, sql: str, rows):
        return self._connection.cursor().executemany(sql, rows)

    def __enter__(self):
        self._connection.__enter__()
        return self

    def __exit__(self, *exc_info):
        return self._connection.__exit__(*exc_info)

    def __getattr__(self, name: str):
        return getattr(self._connection, name)


def traced_connect(connect: Callable[[], sqlite3.Connection], tracer_provider: trace.TracerProvider):
    """Wrap a connection factory so every statement gets a CLIENT span with db.system=sqlite."""
    if isinstance(tracer_provider, trace.NoOpTracerProvider):
        return connect
    from opentelemetry.instrumentation.sqlite3 import SQLite3Instrumentor

    def connect_traced() -> sqlite3.Connection:
        return CursorShortcuts(SQLite3Instrumentor.instrument_connection(connect(), tracer_provider=tracer_provider))

    return connect_traced


def graphql_extensions(tracer_provider: trace.TracerProvider, settings: dict[str, Any]) -> list:
    """The strawberry extensions that trace GraphQL operations and resolvers."""
    if isinstance(tracer_provider, trace.NoOpTracerProvider):
        return []
    from functools import partial

    from .graphql_tracing import GraphQLTracing

    return [partial(
        GraphQLTracing,
        tracer=trace.get_tracer("backend.graphql_tracing", tracer_provider=tracer_provider),
        record_document=settings["record_graphql_document"],
        record_arguments=settings["record_graphql_arguments"],
    )]
