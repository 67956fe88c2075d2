"""The tracing pipeline every Journey service starts from: one entry function per job.

`build_tracer_provider` makes the SDK pipeline (resource, sampler from the standard OTEL_* variables,
session id on every span, batch export to Zipkin); `instrument_http` gives a Flask app its SERVER
spans and the `traceresponse` header. The backend and the ratings service call both; only a process
entry point (journey.cli) installs the provider globally, tests pass their own.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from . import conventions as attrs
from .session import known_session


def build_tracer_provider(settings: dict[str, Any], service_version: str) -> trace.TracerProvider:
    """The SDK pipeline from settings: resource, sampler (OTEL_TRACES_SAMPLER), batch export to Zipkin."""
    if settings["sdk_disabled"]:
        return trace.NoOpTracerProvider()
    from .zipkin_export import zipkin_exporter

    resource = Resource.create(
        {
            attrs.SERVICE_NAME: settings["service_name"],
            attrs.SERVICE_VERSION: service_version,
            attrs.DEPLOYMENT_ENVIRONMENT: settings["environment"],
        }
    )
    provider = TracerProvider(resource=resource)  # sampler from OTEL_TRACES_SAMPLER(_ARG)
    provider.add_span_processor(SessionIdSpanProcessor())
    # A bounded queue (2048 spans): with the collector down, spans are dropped, never piled up.
    # Batches of at most 128: encoding holds the interpreter, so a request waits less behind it.
    exporter = zipkin_exporter(settings["zipkin_endpoint"])
    provider.add_span_processor(
        BatchSpanProcessor(exporter, schedule_delay_millis=settings["bsp_schedule_delay_ms"], max_export_batch_size=128)
    )
    return provider


class SessionIdSpanProcessor(SpanProcessor):
    """Copies `session.id` (and the `journey.synthetic` mark) from W3C baggage onto every span."""

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        # read once per request when its server span starts (session.with_session), not parsed per span
        session_id, synthetic = known_session(parent_context)
        if session_id:
            span.set_attribute(attrs.SESSION_ID, session_id)
        if synthetic:
            span.set_attribute(attrs.SYNTHETIC, True)


def instrument_http(app: Flask, tracer_provider: trace.TracerProvider) -> None:
    """Trace the app's HTTP requests (SERVER spans) and add the traceresponse header."""
    if isinstance(tracer_provider, trace.NoOpTracerProvider):
        return
    from .http_tracing import trace_requests

    # registered first, so its after_request hook runs last, when the server span is still current
    app.after_request(add_traceresponse_header)
    trace_requests(app, trace.get_tracer("common.http_tracing", tracer_provider=tracer_provider))


def add_traceresponse_header(response: Response) -> Response:
    """W3C Trace Context level 2: tell the caller which trace and span served it."""
    span_context = trace.get_current_span().get_span_context()
    if span_context.is_valid:
        response.headers["traceresponse"] = (
            f"00-{span_context.trace_id:032x}-{span_context.span_id:016x}-{int(span_context.trace_flags):02x}"
        )
        response.headers["Access-Control-Expose-Headers"] = "traceresponse"
    return response
