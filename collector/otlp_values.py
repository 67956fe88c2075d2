"""OTLP `AnyValue`s as text, for Zipkin's string tags and annotation values.

The rule is the OpenTelemetry specification's "AnyValue representation for non-OTLP protocols"
(common/README.md), which its Zipkin mapping asks for: a string as it is, a boolean as `true`/`false`,
numbers as JSON numbers (NaN and the infinities as `NaN`, `Infinity`, `-Infinity`), bytes in base64,
an empty value as the empty string; arrays and maps as JSON, their strings quoted. Arrays as JSON, not
joined with commas as zipkin-otel joins them: Journey's Zipkin exporter and the stock Python one write
JSON arrays, so an attribute reads the same whichever way the span came in. The JSON is spaced as the
specification's examples are (`["a", "b"]`, `{"a": 1}`), which is also what Journey's exporter writes.
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any

from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

SPECIAL_FLOATS = {math.inf: "Infinity", -math.inf: "-Infinity"}


def _float_text(number: float) -> str:
    if math.isnan(number):
        return "NaN"
    return SPECIAL_FLOATS.get(number) or json.dumps(number)


def _json_ready(value: AnyValue) -> Any:
    """The value as Python data for json.dumps: what an array element or a map value becomes."""
    which = value.WhichOneof("value")
    if which == "double_value":
        number = value.double_value
        return number if math.isfinite(number) else _float_text(number)  # JSON has no NaN: a string
    if which == "bytes_value":
        return base64.b64encode(value.bytes_value).decode("ascii")
    if which == "array_value":
        return [_json_ready(item) for item in value.array_value.values]
    if which == "kvlist_value":
        return key_values_json_ready(value.kvlist_value.values)
    return None if which is None else getattr(value, which)  # string, bool, int; None: an empty value


def key_values_json_ready(key_values: Any) -> dict[str, Any]:
    """A list of KeyValue as a dict for json.dumps; a repeated key keeps its last value."""
    return {kv.key: _json_ready(kv.value) for kv in key_values}


def to_json(data: Any) -> str:
    """JSON text as the specification's examples write it, non-ASCII left readable."""
    return json.dumps(data, ensure_ascii=False)


def value_text(value: AnyValue) -> str:
    """One attribute value as a Zipkin tag value."""
    which = value.WhichOneof("value")
    if which == "string_value":
        return value.string_value
    if which == "bool_value":
        return "true" if value.bool_value else "false"
    if which == "int_value":
        return str(value.int_value)
    if which == "double_value":
        return _float_text(value.double_value)
    if which is None:
        return ""
    ready = _json_ready(value)
    return ready if isinstance(ready, str) else to_json(ready)  # bytes as base64 alone, unquoted


def attribute_tags(key_values: list[KeyValue]) -> dict[str, str]:
    """Attributes as tags; a repeated key keeps its last value (as zipkin-otel does)."""
    return {kv.key: value_text(kv.value) for kv in key_values}
