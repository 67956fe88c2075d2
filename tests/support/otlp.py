"""OTLP test bodies made with opentelemetry-proto's own message classes, in both OTLP/HTTP encodings.

The JSON is protobuf's json_format output turned into OTLP/JSON the way the specification describes
it (ids in hex, enums as integers, 64-bit integers as strings): an independent encoder, not the
collector's decoder run backwards.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import requests
from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, ArrayValue, KeyValue, KeyValueList
from opentelemetry.proto.trace.v1.trace_pb2 import Span

PROTOBUF, JSON = "application/x-protobuf", "application/json"
ENCODINGS = (PROTOBUF, JSON)
TRACE_ID = bytes.fromhex("5b8efff798038103d269b633813fc60c")
SPAN_ID = bytes.fromhex("eee19b7ec3c1b174")


def now_ns() -> int:
    """Now, in whole microseconds, as nanoseconds (so the expected microseconds are exact)."""
    return time.time_ns() // 1000 * 1000


def any_value(value: Any) -> AnyValue:
    """A Python value as an OTLP AnyValue (None: the empty value)."""
    if value is None:
        return AnyValue()
    if isinstance(value, bool):
        return AnyValue(bool_value=value)
    if isinstance(value, int):
        return AnyValue(int_value=value)
    if isinstance(value, float):
        return AnyValue(double_value=value)
    if isinstance(value, bytes):
        return AnyValue(bytes_value=value)
    if isinstance(value, (list, tuple)):
        return AnyValue(array_value=ArrayValue(values=[any_value(item) for item in value]))
    if isinstance(value, dict):
        return AnyValue(kvlist_value=KeyValueList(values=key_values(value)))
    return AnyValue(string_value=value)


def key_values(attributes: dict[str, Any]) -> list[KeyValue]:
    return [KeyValue(key=key, value=any_value(value)) for key, value in attributes.items()]


def otlp_span(attributes: dict[str, Any] | None = None, **fields: Any) -> Span:
    """A span with ids, a name and a 5 ms lifetime ending now unless `fields` say otherwise."""
    end = now_ns()
    defaults = {
        "trace_id": TRACE_ID,
        "span_id": SPAN_ID,
        "name": "work",
        "start_time_unix_nano": end - 5_000_000,
        "end_time_unix_nano": end,
    }
    return Span(**{**defaults, **fields}, attributes=key_values(attributes or {}))


def export_request(
    *spans: Span,
    resource: dict[str, Any] | None = None,
    scope: dict[str, Any] | None = None,
) -> ExportTraceServiceRequest:
    """One resource (service.name "svc" unless `resource` says) with one scope holding `spans`."""
    request = ExportTraceServiceRequest()
    resource_spans = request.resource_spans.add()
    resource_spans.resource.attributes.extend(key_values({"service.name": "svc"} if resource is None else resource))
    scope_spans = resource_spans.scope_spans.add()
    for key, value in (scope or {}).items():
        if key == "attributes":
            scope_spans.scope.attributes.extend(key_values(value))
        else:
            setattr(scope_spans.scope, key, value)
    scope_spans.spans.extend(spans)
    return request


def otlp_json(request: ExportTraceServiceRequest) -> dict[str, Any]:
    """The request as an OTLP/JSON document: json_format's proto3 JSON with the ids in hex."""
    document = json_format.MessageToDict(request, use_integers_for_enums=True)
    for resource_spans in document.get("resourceSpans", []):
        for scope_spans in resource_spans.get("scopeSpans", []):
            for span in scope_spans.get("spans", []):
                for holder in (span, *span.get("links", [])):
                    for key in ("traceId", "spanId", "parentSpanId"):
                        if key in holder:
                            holder[key] = base64.b64decode(holder[key]).hex()
    return document


def encode(request: ExportTraceServiceRequest, content_type: str) -> bytes:
    """The request body in one of the two OTLP/HTTP encodings."""
    if content_type == PROTOBUF:
        return request.SerializeToString()
    return json.dumps(otlp_json(request)).encode()


def post_otlp(
    url: str, request: ExportTraceServiceRequest, content_type: str = PROTOBUF, **kwargs
) -> requests.Response:
    """POST the request to the collector's /v1/traces."""
    headers = {"Content-Type": content_type, **kwargs.pop("headers", {})}
    return requests.post(f"{url}/v1/traces", data=encode(request, content_type), headers=headers, timeout=10, **kwargs)
