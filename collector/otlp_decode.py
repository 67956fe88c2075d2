"""OTLP/HTTP request bodies as `ExportTraceServiceRequest` messages, decoded by opentelemetry-proto.

Binary protobuf is the generated message's own parser. OTLP/JSON is the proto3 JSON mapping, which
protobuf's json_format reads, except for the ids: OTLP writes trace and span ids as hex (case
insensitive), where the standard mapping has base64 for bytes. So the ids are turned into base64
before json_format reads the document (zipkin-otel instead lets the parser misread them and turns
the result back into hex, which cannot tell a bad id from a good one). Unknown fields are ignored,
as the specification asks of a receiver; enums are taken as integers or names.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from .ingest import FieldError, SpanDecodeError

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
SPAN_IDS = ("traceId", "spanId", "parentSpanId")
LINK_IDS = ("traceId", "spanId")


def decode_protobuf(body: bytes) -> ExportTraceServiceRequest:
    """A binary protobuf ExportTraceServiceRequest; SpanDecodeError (400) if it is not one."""
    try:
        return ExportTraceServiceRequest.FromString(body)
    except (DecodeError, RecursionError) as error:
        raise SpanDecodeError(f"Expected a protobuf ExportTraceServiceRequest: {error}") from None


def decode_json(body: bytes) -> ExportTraceServiceRequest:
    """An OTLP/JSON ExportTraceServiceRequest; SpanDecodeError or FieldError (both 400) if it is not one."""
    if not body.strip():
        return ExportTraceServiceRequest()  # an empty request is a successful one
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as error:  # not JSON, not UTF-8, or nested past the parser's limit
        raise SpanDecodeError(f"Expected an OTLP/JSON ExportTraceServiceRequest: {error}") from None
    if not isinstance(document, dict):
        raise SpanDecodeError("Expected an OTLP/JSON ExportTraceServiceRequest: the body is not a JSON object")
    _hex_ids_to_base64(document)
    try:
        return json_format.ParseDict(document, ExportTraceServiceRequest(), ignore_unknown_fields=True)
    except (json_format.ParseError, RecursionError) as error:
        raise SpanDecodeError(f"Expected an OTLP/JSON ExportTraceServiceRequest: {error}") from None


def decode_request(body: bytes, content_type: str) -> ExportTraceServiceRequest:
    """The request in either encoding (`content_type` is PROTOBUF or JSON)."""
    return decode_protobuf(body) if content_type == PROTOBUF else decode_json(body)


def _items(parent: Any, key: str) -> list[tuple[int, dict]]:
    """The objects in parent[key] when it is a list of them; anything else is left to json_format to refuse."""
    items = parent.get(key) if isinstance(parent, dict) else None
    return [(i, item) for i, item in enumerate(items) if isinstance(item, dict)] if isinstance(items, list) else []


def _hex_ids_to_base64(document: dict) -> None:
    for r, resource_spans in _items(document, "resourceSpans"):
        for s, scope_spans in _items(resource_spans, "scopeSpans"):
            for n, span in _items(scope_spans, "spans"):
                path = f"resourceSpans[{r}].scopeSpans[{s}].spans[{n}]"
                _rewrite(span, SPAN_IDS, path)
                for k, link in _items(span, "links"):
                    _rewrite(link, LINK_IDS, f"{path}.links[{k}]")


def _rewrite(holder: dict, keys: tuple[str, ...], path: str) -> None:
    for key in keys:
        value = holder.get(key)
        if isinstance(value, str) and value:
            try:
                holder[key] = base64.b64encode(binascii.unhexlify(value)).decode("ascii")
            except ValueError:  # binascii.Error: not hex digits, or an odd number of them
                raise FieldError(f"{path}.{key}", f"{value[:40]!r} is not a hex string") from None
