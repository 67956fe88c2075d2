"""The tracing pipeline every Journey service starts from: one entry function per job.

`build_tracer_provider` makes the SDK pipeline (resource, sampler from the standard OTEL_* variables,
session id and the other baggage members Journey records on every span, batch export by the
exporter OTEL_TRACES_EXPORTER names: `span_exporter`, Zipkin by default, or the stock OTLP/HTTP
exporter). `instrument_http` gives a Flask app its SERVER spans from the stock
opentelemetry-instrumentation-flask, with what Journey adds through the package's own options: the
`traceresponse` header (its response hook) and no spans for readiness probes and static files (its
excluded URLs). The backend and the ratings service call both; only a process entry point
(journey.cli) installs the provider globally, tests pass their own.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from typing import Any

from flask import Flask
from opentelemetry import metrics, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter

from . import conventions as attrs
from .session import recorded_baggage
from .telemetry_settings import otlp_traces_endpoint

# not traced: readiness probes and the built frontend's files (regular expressions on the request URL)
UNTRACED_URLS = r"://[^/?]+/health$,://[^/?]+/assets/"
SEMCONV_OPT_IN = "OTEL_SEMCONV_STABILITY_OPT_IN"


def build_tracer_provider(settings: dict[str, Any], service_version: str) -> trace.TracerProvider:
    """The SDK pipeline from settings: resource, sampler (OTEL_TRACES_SAMPLER), batch export (OTEL_TRACES_EXPORTER)."""
    if settings["sdk_disabled"]:
        return trace.NoOpTracerProvider()
    resource = Resource.create(
        {
            attrs.SERVICE_NAME: settings["service_name"],
            attrs.SERVICE_VERSION: service_version,
            attrs.DEPLOYMENT_ENVIRONMENT_NAME: settings["environment"],
        }
    )
    provider = TracerProvider(resource=resource)  # sampler from OTEL_TRACES_SAMPLER(_ARG)
    provider.add_span_processor(SessionIdSpanProcessor())
    exporter = span_exporter(settings)
    if exporter is None:  # OTEL_TRACES_EXPORTER=none: spans are made (and traceresponse sent), not exported
        return provider
    # A bounded queue (2048 spans): with the collector down, spans are dropped, never piled up.
    # Batches of at most 128: encoding holds the interpreter, so a request waits less behind it.
    provider.add_span_processor(
        BatchSpanProcessor(exporter, schedule_delay_millis=settings["bsp_schedule_delay_ms"], max_export_batch_size=128)
    )
    return provider


def span_exporter(settings: dict[str, Any]) -> SpanExporter | None:
    """The exporter OTEL_TRACES_EXPORTER names: zipkin (Journey's own, common/zipkin_export.py), otlp (the stock
    OTLP/HTTP exporter, protobuf or JSON), console (the SDK's), or none."""
    chosen = settings["traces_exporter"]
    if chosen == "zipkin":
        from .zipkin_export import zipkin_exporter

        return zipkin_exporter(settings["zipkin_endpoint"])
    if chosen == "otlp":
        if settings["otlp_protocol"] == "http/json":
            from opentelemetry.exporter.otlp.json.http.trace_exporter import OTLPSpanExporter
        else:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        # endpoint and timeout from Journey's settings (the spec's milliseconds); headers, compression and
        # certificates the exporter reads from OTEL_EXPORTER_OTLP_* itself
        return OTLPSpanExporter(endpoint=otlp_traces_endpoint(settings), timeout=settings["otlp_timeout_ms"] / 1000)
    if chosen == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter()
    return None


class SessionIdSpanProcessor(SpanProcessor):
    """Copies `session.id`, the `journey.synthetic` mark and the `workshop.attendee` nickname from W3C baggage
    onto every span, each checked (common/session.py); no other baggage member is recorded.

    The SERVER span included: the SDK hands `on_start` the context the Flask instrumentation
    extracted from the request's headers, baggage and all, so no request hook is needed for it.
    """

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        span.set_attributes(recorded_baggage(parent_context))


def use_stable_http_conventions(environ: MutableMapping[str, str] = os.environ) -> None:
    """Opt in to the stable HTTP semantic conventions (OTEL_SEMCONV_STABILITY_OPT_IN=http), keeping any
    other opt-in the environment already asks for.

    The instrumentation packages read the variable once per process, when the first of them is set
    up, so every Journey function that sets one up calls this first.
    """
    wanted = [word.strip() for word in environ.get(SEMCONV_OPT_IN, "").split(",") if word.strip()]
    if not {"http", "http/dup"} & set(wanted):
        environ[SEMCONV_OPT_IN] = ",".join([*wanted, "http"])


def instrument_http(app: Flask, tracer_provider: trace.TracerProvider) -> None:
    """SERVER spans for the app's requests (opentelemetry-instrumentation-flask) and the traceresponse header."""
    if isinstance(tracer_provider, trace.NoOpTracerProvider):
        return
    use_stable_http_conventions()
    from opentelemetry.instrumentation.flask import FlaskInstrumentor

    FlaskInstrumentor.instrument_app(
        app,
        tracer_provider=tracer_provider,
        response_hook=add_traceresponse_header,
        excluded_urls=UNTRACED_URLS,
        enable_commenter=False,  # no sqlcommenter: it would put the route into every SQL statement
        meter_provider=metrics.NoOpMeterProvider(),  # Journey exports traces only
    )


def add_traceresponse_header(span: trace.Span | None, _status: str, response_headers: list) -> None:
    """W3C Trace Context level 2: tell the caller which trace and span served it (the Flask response hook)."""
    if span is None:
        return
    from opentelemetry.instrumentation.propagators import TraceResponsePropagator
    from opentelemetry.instrumentation.wsgi import default_response_propagation_setter

    # the stock propagator, applied to this app's responses only (not installed process-wide)
    TraceResponsePropagator().inject(
        response_headers, trace.set_span_in_context(span), setter=default_response_propagation_setter
    )
