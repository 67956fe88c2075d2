"""The one place the backend's tracing is set up: provider, exporter, processors, instrumentations.

Read top to bottom: `build_tracer_provider` makes the SDK pipeline (the one every Journey service
uses, common/tracing.py); `instrument_app` wires it into Flask, `traced_connect` into SQLite and
`graphql_extensions` into strawberry. Only the process entry point (journey.cli) installs the
provider globally; tests pass their own.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from flask import Flask
from opentelemetry import trace

from common import tracing


def build_tracer_provider(settings: dict[str, Any]) -> trace.TracerProvider:
    """The SDK pipeline from settings: resource, sampler (OTEL_TRACES_SAMPLER), batch export to Zipkin."""
    from . import __version__

    return tracing.build_tracer_provider(settings, __version__)


def instrument_app(app: Flask, tracer_provider: trace.TracerProvider) -> None:
    """Trace HTTP requests and add the traceresponse header."""
    tracing.instrument_http(app, tracer_provider)


def traced_connect(connect: Callable[[], sqlite3.Connection], tracer_provider: trace.TracerProvider):
    """Wrap a connection factory so every statement gets a CLIENT span with db.system=sqlite."""
    if isinstance(tracer_provider, trace.NoOpTracerProvider):
        return connect
    from .db_tracing import TracedConnection

    tracer = trace.get_tracer("backend.db_tracing", tracer_provider=tracer_provider)
    return lambda: TracedConnection(connect(), tracer)


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
