"""Journey's Zipkin exporter: a small class of our own implementing the SDK's public `SpanExporter`
interface, and a wrapper that logs an unreachable collector once per outage.

It stands in for opentelemetry-exporter-zipkin-json's `ZipkinExporter`, which writes no
`remoteEndpoint`: a CLIENT span then names no service at its other end, so Zipkin's dependency graph
and its remote-service search lose sqlite (workshop chapters 6 and 10 show it there), and the
exporter has no option or hook to add it (tests/test_backend_stock.py,
`test_stock_zipkin_exporter_names_no_remote_service`). The JSON is otherwise the stock exporter's
(Zipkin v2: the same tags, annotations and status tags), plus `remoteEndpoint.serviceName` for
CLIENT and PRODUCER spans from the peer service or the database system, as the OpenTelemetry
specification of Zipkin export asks, and without the stock `debug: true` on every sampled span
(Zipkin's "keep whatever the sampler says" flag). Encoding a span costs about what the stock
encoder's does (18-24 µs on the 2-core machine): cost is not why it exists.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from typing import Any

import requests
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import SpanKind, StatusCode

from . import conventions as attrs

log = logging.getLogger(__name__)

# Long enough for a redacted GraphQL document (capped at 4096 too) and any SQL statement of the app;
# the stock exporter's default would cut them at 128.
MAX_TAG_LENGTH = 4096
KINDS = {
    SpanKind.CLIENT: "CLIENT",
    SpanKind.SERVER: "SERVER",
    SpanKind.PRODUCER: "PRODUCER",
    SpanKind.CONSUMER: "CONSUMER",
}
# where a CLIENT or PRODUCER span names the service at its other end, in order of preference
REMOTE_SERVICE_KEYS = (attrs.SERVICE_PEER_NAME, attrs.PEER_SERVICE, attrs.DB_SYSTEM_NAME, attrs.DB_SYSTEM)


def _tag(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return json.dumps([_tag(item) if isinstance(item, bool) else item for item in value])[:MAX_TAG_LENGTH]
    return str(value)[:MAX_TAG_LENGTH]


def remote_service(span: ReadableSpan) -> str | None:
    """The service a CLIENT or PRODUCER span calls, from its attributes; None for other kinds."""
    if span.kind not in (SpanKind.CLIENT, SpanKind.PRODUCER):
        return None
    attributes = span.attributes or {}
    return next((str(attributes[key]) for key in REMOTE_SERVICE_KEYS if attributes.get(key)), None)


class ZipkinJsonEncoder:
    """Zipkin JSON v2 for a batch of spans; the tags a resource and scope share are made once."""

    def __init__(self) -> None:
        self._shared: tuple[Any, Any, dict[str, str]] | None = None  # (resource, scope, their tags)

    def _shared_tags(self, span: ReadableSpan) -> dict[str, str]:
        shared = self._shared
        if shared is None or shared[0] is not span.resource or shared[1] is not span.instrumentation_scope:
            tags = {k: _tag(v) for k, v in span.resource.attributes.items()} if span.resource else {}
            scope = span.instrumentation_scope
            if scope is not None:
                tags.update({"otel.scope.name": scope.name, "otel.scope.version": scope.version or ""})
            shared = self._shared = (span.resource, scope, tags)
        return shared[2]

    def encode(self, span: ReadableSpan, service_name: str) -> dict[str, Any]:
        """One span as a Zipkin v2 dict."""
        context = span.get_span_context()
        encoded: dict[str, Any] = {"traceId": f"{context.trace_id:032x}", "id": f"{context.span_id:016x}"}
        if span.parent is not None:
            encoded["parentId"] = f"{span.parent.span_id:016x}"
        kind = KINDS.get(span.kind)
        if kind:
            encoded["kind"] = kind
        encoded["name"] = span.name
        # whole microseconds, at least one: Zipkin rejects fractions
        encoded["timestamp"] = (span.start_time + 500) // 1000
        encoded["duration"] = max((span.end_time - span.start_time + 500) // 1000, 1)
        encoded["localEndpoint"] = {"serviceName": service_name}
        remote = remote_service(span)
        if remote:
            encoded["remoteEndpoint"] = {"serviceName": remote}
        tags = {**self._shared_tags(span), **{k: _tag(v) for k, v in (span.attributes or {}).items()}}
        if span.status.status_code is not StatusCode.UNSET:
            tags["otel.status_code"] = span.status.status_code.name
            if span.status.status_code is StatusCode.ERROR:
                tags["error"] = span.status.description or ""
        encoded["tags"] = tags
        if span.events:
            encoded["annotations"] = [
                {
                    "timestamp": (event.timestamp + 500) // 1000,
                    "value": json.dumps({event.name: {k: _tag(v) for k, v in (event.attributes or {}).items()}}),
                }
                for event in span.events
            ]
        return encoded

    def serialize(self, spans: Sequence[ReadableSpan]) -> str:
        """The batch as the JSON list the Zipkin API takes, named for the first span's service."""
        service_name = (spans[0].resource.attributes.get(attrs.SERVICE_NAME) if spans else None) or "unknown_service"
        return json.dumps([self.encode(span, str(service_name)) for span in spans], separators=(",", ":"))


class ZipkinJsonExporter(SpanExporter):
    """POSTs each batch as Zipkin v2 JSON to a Zipkin-compatible collector (the SDK's SpanExporter interface)."""

    def __init__(self, endpoint: str, timeout_s: float = 5) -> None:
        self.endpoint = endpoint
        self.timeout_s = timeout_s
        self._encoder = ZipkinJsonEncoder()
        self._session = requests.Session()  # one connection, kept open from batch to batch
        self._session.headers["Content-Type"] = "application/json"

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        response = self._session.post(self.endpoint, data=self._encoder.serialize(spans), timeout=self.timeout_s)
        return SpanExportResult.SUCCESS if response.status_code in (200, 202) else SpanExportResult.FAILURE

    def shutdown(self) -> None:
        self._session.close()


class ResilientExporter(SpanExporter):
    """Wraps an exporter: an unreachable collector is logged once (and its recovery once), not per batch."""

    def __init__(self, inner: SpanExporter, endpoint: str) -> None:
        self.inner = inner
        self.endpoint = endpoint
        self.dropped = 0  # spans lost while the collector was unreachable
        self.exported = 0
        self._failing = False
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        try:
            result = self.inner.export(spans)
        except Exception as error:  # noqa: BLE001 - the collector is down, slow or refusing: never the app's problem
            result, reason = SpanExportResult.FAILURE, error
        else:
            reason = "it refused the batch"
        with self._lock:
            if result is SpanExportResult.SUCCESS:
                self.exported += len(spans)
                if self._failing:
                    log.warning("spans reach %s again (%d dropped meanwhile)", self.endpoint, self.dropped)
                    self._failing = False
                return result
            self.dropped += len(spans)
            if not self._failing:
                log.warning("cannot export spans to %s (%s); dropping them until it is back", self.endpoint, reason)
                self._failing = True
        return result

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return self.inner.force_flush(timeout_millis)


def zipkin_exporter(endpoint: str, timeout_s: float = 5) -> ResilientExporter:
    """Journey's Zipkin exporter, with failures logged once per outage."""
    return ResilientExporter(ZipkinJsonExporter(endpoint, timeout_s), endpoint)
