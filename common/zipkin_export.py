"""Export to Zipkin that disturbs the app as little as possible: a lean encoder, remote endpoints
filled in for Zipkin's dependency graph, and failures logged once per outage."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from typing import Any

from opentelemetry.exporter.zipkin.json import ZipkinExporter
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import SpanKind, StatusCode

log = logging.getLogger(__name__)


MAX_TAG_LENGTH = 4096  # the stock encoder cuts every tag at 128 characters, GraphQL documents included
KINDS = {
    SpanKind.CLIENT: "CLIENT",
    SpanKind.SERVER: "SERVER",
    SpanKind.PRODUCER: "PRODUCER",
    SpanKind.CONSUMER: "CONSUMER",
}


def _tag(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return json.dumps([_tag(item) if isinstance(item, bool) else item for item in value])
    return str(value)[:MAX_TAG_LENGTH]


class ZipkinJsonEncoder:
    """Zipkin JSON v2 for a batch of spans, in the stock encoder's format but ~3x cheaper.

    Encoding runs on the export thread and holds the interpreter while it does: the stock encoder's
    ~30 microseconds a span showed up in request latency (p99 3.6x untraced). This one keeps the
    same tags (attributes, resource, scope, status) and annotations, computes the tags a resource
    and scope share once, and adds `remoteEndpoint.serviceName` from `peer.service` or `db.system`
    (the stock encoder leaves it out, so Zipkin's graph could not show ratings and sqlite).
    """

    def __init__(self) -> None:
        self._shared: dict[tuple[int, int], dict[str, str]] = {}

    def _shared_tags(self, span: ReadableSpan) -> dict[str, str]:
        key = (id(span.resource), id(span.instrumentation_scope))
        found = self._shared.get(key)
        if found is None:
            found = {k: _tag(v) for k, v in span.resource.attributes.items()} if span.resource else {}
            scope = span.instrumentation_scope
            if scope is not None:
                found.update({"otel.scope.name": scope.name, "otel.scope.version": scope.version or ""})
            if len(self._shared) > 64:
                self._shared.clear()
            self._shared[key] = found
        return found

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
        encoded["timestamp"] = (span.start_time + 500) // 1000
        encoded["duration"] = max((span.end_time - span.start_time + 500) // 1000, 1)
        encoded["localEndpoint"] = {"serviceName": service_name}
        attributes = span.attributes or {}
        remote = attributes.get("peer.service") or attributes.get("db.system")
        if remote and kind in ("CLIENT", "PRODUCER"):
            encoded["remoteEndpoint"] = {"serviceName": str(remote)}
        tags = {**self._shared_tags(span), **{k: _tag(v) for k, v in attributes.items()}}
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

    def serialize(self, spans: Sequence[ReadableSpan], local_endpoint: Any) -> str:
        """The batch as the JSON list the Zipkin API takes (the exporter's encoder interface)."""
        service_name = getattr(local_endpoint, "service_name", None) or "unknown_service"
        return json.dumps([self.encode(span, service_name) for span in spans], separators=(",", ":"))


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


def zipkin_exporter(endpoint: str, timeout_s: int = 5) -> ResilientExporter:
    """The Zipkin JSON exporter, with remote endpoints and failures handled as above."""
    exporter = ZipkinExporter(endpoint=endpoint, timeout=timeout_s)
    exporter.encoder = ZipkinJsonEncoder()
    return ResilientExporter(exporter, endpoint)
