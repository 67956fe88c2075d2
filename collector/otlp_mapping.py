"""OTLP spans (opentelemetry-proto messages) as Zipkin v2 spans, normalized as ingest normalizes Zipkin's.

The rules are the OpenTelemetry specification's Zipkin mapping (trace/sdk_exporters/zipkin.md and
common/mapping-to-non-otlp.md) and, where it says nothing, zipkin-otel 0.3, the Zipkin server module
that takes OTLP. Where they differ, the choice and the reason:

- service name: resource `service.name`, else `unknown_service` (the specification: the SDK's
  default resource; zipkin-otel leaves the span without a local endpoint, so it has no service).
- times: whole microseconds, truncated (the specification's "1234 ns is 1 µs", and zipkin-otel);
  duration = end − start in those microseconds, at least 1.
- remote endpoint (CLIENT and PRODUCER): the specification's ranking of attributes (REMOTE_SERVICE),
  not zipkin-otel's `peer.service` then `network.peer.address` alone; in front of its second rank,
  `db.system.name`/`db.system`, as Journey's Zipkin exporter (common/zipkin_export.py) does, so that
  a database shows in the dependency graph whichever way the backend exports.
- `error`: the status description on an ERROR status, unless an `error` attribute is there (both
  sources); an `error` attribute of false is left out, as the specification asks (Zipkin would count
  any `error` tag as a failure).
- dropped counts: from the span's own fields (the specification); zipkin-otel counts repeated
  attribute keys instead and never sees dropped events. Links' count too; the links themselves
  have no Zipkin field and are left out (both).
- scope: `otel.scope.name`/`otel.scope.version` (both), not the deprecated `otel.library.*`
  aliases (zipkin-otel and Journey's exporter leave them out too); scope attributes become tags.
- events: the name alone, or `"name": {attributes}` (both); one without a time or a name cannot
  be a Zipkin annotation: it is left out and counted in `otel.dropped_events_count`.

Tags are laid over each other in this order, later winning: resource attributes, scope
attributes, span attributes, then the tags made from OTLP's own fields (scope, status, counts).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from .ingest import FieldError, normalize_span
from .otlp_values import attribute_tags, key_values_json_ready, to_json, value_text

KINDS = {
    Span.SPAN_KIND_SERVER: "SERVER",
    Span.SPAN_KIND_CLIENT: "CLIENT",
    Span.SPAN_KIND_PRODUCER: "PRODUCER",
    Span.SPAN_KIND_CONSUMER: "CONSUMER",
}  # INTERNAL and UNSPECIFIED: no kind, a local span
DEFAULT_SERVICE = "unknown_service"
# where a CLIENT or PRODUCER span names the service at its other end, best first (see the docstring);
# service.peer.name is the semantic conventions' newer name for peer.service
REMOTE_SERVICE = (
    "service.peer.name",
    "peer.service",
    "db.system.name",
    "db.system",
    "server.address",
    "net.peer.name",
    "network.peer.address",
    "server.socket.domain",
    "server.socket.address",
    "net.sock.peer.name",
    "net.sock.peer.addr",
    "peer.hostname",
    "peer.address",
    "db.name",
)
ENDPOINT_KEYS = frozenset({"network.local.address", "network.local.port", "network.peer.address", "network.peer.port"})


def _id(value: bytes, field: str, size: int, optional: bool = False) -> str | None:
    """Lower hex of an id of `size` bytes; None for an absent optional one."""
    if optional and (not value or value == bytes(size)):
        return None
    if len(value) != size:
        raise FieldError(field, f"{len(value)} bytes ({2 * len(value)} hex digits), expected {size}")
    if value == bytes(size):
        raise FieldError(field, "all zeros")
    return value.hex()


def _span_attributes(span: Span) -> tuple[dict[str, str], dict[str, AnyValue]]:
    """The span's attributes as tags, and the values of those its endpoints' ips and ports come from.

    One pass: each attribute read from the message costs a Python object or two (a third of the mapping's
    time went to reading them twice)."""
    tags, endpoint_values = {}, {}
    for kv in span.attributes:
        key, value = kv.key, kv.value
        # most values are non-empty strings: read at once (an empty one, or another type, by value_text)
        tags[key] = value.string_value or value_text(value)
        if key in ENDPOINT_KEYS:
            endpoint_values[key] = value
    return tags, endpoint_values


def _endpoint(service: str | None, values: dict[str, AnyValue], address_key: str, port_key: str) -> dict | None:
    """A Zipkin endpoint; ip and port from the address and port attributes (as zipkin-otel fills them)."""
    endpoint: dict[str, Any] = {"serviceName": service} if service else {}
    address = values.get(address_key)
    if address is not None and address.WhichOneof("value") == "string_value":
        endpoint["ipv6" if ":" in address.string_value else "ipv4"] = address.string_value  # not an ip: dropped
    port = values.get(port_key)
    if port is not None and port.WhichOneof("value") == "int_value" and 0 < port.int_value < 65536:
        endpoint["port"] = port.int_value
    return endpoint or None


def _remote_service(span_tags: dict[str, str]) -> str | None:
    return next((span_tags[key] for key in REMOTE_SERVICE if span_tags.get(key)), None)


def _annotations(span: Span) -> tuple[list[dict[str, Any]], int]:
    """Events as annotations, and how many could not be one (no time or no text)."""
    annotations, unusable = [], 0
    for event in span.events:
        attributes = key_values_json_ready(event.attributes)
        if event.dropped_attributes_count:
            attributes["otel.dropped_attributes_count"] = event.dropped_attributes_count
        value = f"{to_json(event.name)}: {to_json(attributes)}" if attributes else event.name
        timestamp = event.time_unix_nano // 1000
        if timestamp and value:
            annotations.append({"timestamp": timestamp, "value": value})
        else:
            unusable += 1
    return annotations, unusable


def _status_tags(tags: dict[str, str], status: Status) -> None:
    if tags.get("error") == "false":
        del tags["error"]  # a boolean error of false: any error tag marks a Zipkin span failed
    if status.code == Status.STATUS_CODE_OK:
        tags["otel.status_code"] = "OK"
    elif status.code == Status.STATUS_CODE_ERROR:
        tags["otel.status_code"] = "ERROR"
        tags.setdefault("error", status.message)


@dataclass(frozen=True)
class Origin:
    """What a resource and a scope give each of their spans."""

    service: str
    under: dict[str, str]  # resource and scope attributes: the span's own attributes win over these
    over: dict[str, str]  # otel.scope.name and .version: these win over the span's attributes


def _origins(request: ExportTraceServiceRequest) -> Iterator[tuple[tuple[int, int, int], Span, Origin]]:
    """(where: the span's indexes, span, its origin) for every span of the request."""
    for r, resource_spans in enumerate(request.resource_spans):
        resource = attribute_tags(resource_spans.resource.attributes)
        service = resource.pop("service.name", "") or DEFAULT_SERVICE
        for s, scope_spans in enumerate(resource_spans.scope_spans):
            scope = scope_spans.scope
            under = {**resource, **attribute_tags(scope.attributes)}
            over = {
                key: text
                for key, text in (("otel.scope.name", scope.name), ("otel.scope.version", scope.version))
                if text
            }
            origin = Origin(service, under, over)
            for n, span in enumerate(scope_spans.spans):
                yield (r, s, n), span, origin


def zipkin_span(span: Span, origin: Origin) -> dict[str, Any]:
    """One OTLP span as a Zipkin v2 span dict, before normalization; a FieldError names the bad id."""
    span_tags, endpoint_values = _span_attributes(span)
    raw: dict[str, Any] = {
        "traceId": _id(span.trace_id, "traceId", 16),
        "id": _id(span.span_id, "spanId", 8),
        "parentId": _id(span.parent_span_id, "parentSpanId", 8, optional=True),
        "kind": KINDS.get(span.kind),
        "name": span.name,
        "localEndpoint": _endpoint(origin.service, endpoint_values, "network.local.address", "network.local.port"),
    }
    start_us = span.start_time_unix_nano // 1000
    if start_us:
        raw["timestamp"] = start_us
        raw["duration"] = max(1, span.end_time_unix_nano // 1000 - start_us)
    if raw["kind"] in ("CLIENT", "PRODUCER"):
        remote = _remote_service(span_tags)
        if remote:
            raw["remoteEndpoint"] = _endpoint(remote, endpoint_values, "network.peer.address", "network.peer.port")
    raw["annotations"], unusable_events = _annotations(span)
    tags = {**origin.under, **span_tags, **origin.over}
    _status_tags(tags, span.status)
    for key, count in (
        ("otel.dropped_attributes_count", span.dropped_attributes_count),
        ("otel.dropped_events_count", span.dropped_events_count + unusable_events),
        ("otel.dropped_links_count", span.dropped_links_count),
    ):
        if count:
            tags[key] = str(count)
    raw["tags"] = tags
    return raw


def zipkin_spans(request: ExportTraceServiceRequest) -> list[dict[str, Any]]:
    """Every span of the request as Zipkin stores it; the first bad one rejects them all (a FieldError)."""
    spans = []
    for (r, s, n), span, origin in _origins(request):
        try:
            raw = zipkin_span(span, origin)
        except FieldError as error:
            raise FieldError(f"{_path(r, s, n)}.{error.field}", error.problem) from None
        try:
            spans.append(normalize_span(raw))
        except FieldError as error:  # none known: the mapping makes only what ingest accepts
            raise FieldError(_path(r, s, n), f"as a Zipkin span, {error}") from None
    return spans


def _path(r: int, s: int, n: int) -> str:
    """Where a span is in the request, in OTLP/JSON's names."""
    return f"resourceSpans[{r}].scopeSpans[{s}].spans[{n}]"
