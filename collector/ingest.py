"""Decode and validate a Zipkin v2 JSON span list the way Zipkin does; one bad span rejects the batch.

Zipkin's JSON reader is lenient about types where Gson is (java_numbers.py): a number where a string
belongs is read as the text it was written as, and a string where a number belongs as the number it
spells; what it refuses (true for a name, 1.5 for a timestamp, null for a tag value), this refuses.
"""

from __future__ import annotations

import functools
import gzip
import ipaddress
import zlib
from typing import Any

from common.zipkin_model import KINDS

from .java_numbers import gson_integer, gson_reads, is_number, load_json, text_of

HEX_DIGITS = "0123456789abcdef"
HEX = frozenset(HEX_DIGITS)
ONLY_STRINGS = frozenset({str})
NOT_A_LIST = "Expected a JSON_V2 encoded list"


class FieldError(ValueError):
    """One field of one span is invalid."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field, self.problem = field, problem


class SpanDecodeError(ValueError):
    """The body is not an acceptable span list; the message names the span, the field and the problem."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def inflate(body: bytes, limit: int) -> bytes:
    """Gunzip a request body, refusing (413) once the output passes `limit` bytes, without inflating the rest."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, limit + 1)
        if len(out) > limit or inflater.unconsumed_tail:
            raise SpanDecodeError(f"gzip body inflates past the limit of {limit} bytes", status=413)
        out += inflater.flush()
    except (zlib.error, gzip.BadGzipFile):
        raise SpanDecodeError("Cannot gunzip spans") from None
    if not inflater.eof:
        raise SpanDecodeError("Cannot gunzip spans")
    return out


def decode_span_list(body: bytes) -> list[dict[str, Any]]:
    """Parse a JSON v2 span list and return its spans normalized as Zipkin stores them."""
    if not body.strip():
        return []
    try:
        document = load_json(body)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested past the parser's limit
        document = None
    if not isinstance(document, list):
        raise SpanDecodeError(NOT_A_LIST)
    if any(isinstance(raw, dict) and _looks_like_v1(raw) for raw in document):
        raise SpanDecodeError("Expected a JSON_V2 encoded list, but received: JSON_V1")
    return normalize_spans(document, "json")


def normalize_spans(document: list[Any], encoding: str) -> list[dict[str, Any]]:
    """Normalize every span of a decoded list; the first bad one fails the whole list."""
    spans = []
    for index, raw in enumerate(document):
        if not isinstance(raw, dict):
            raise SpanDecodeError(f"Expected a span object at path $[{index}] reading List<Span> from {encoding}")
        try:
            spans.append(normalize_span(raw))
        except FieldError as error:
            raise SpanDecodeError(
                f"{error.problem} at path $[{index}].{error.field} reading List<Span> from {encoding}"
            ) from None
    return spans


def _looks_like_v1(raw: dict[str, Any]) -> bool:
    """Zipkin v1 spans carry binaryAnnotations, or endpoints inside annotations."""
    if "binaryAnnotations" in raw:
        return True
    annotations = raw.get("annotations")
    return isinstance(annotations, list) and any(isinstance(a, dict) and "endpoint" in a for a in annotations)


def normalize_span(raw: dict[str, Any]) -> dict[str, Any]:
    """Validate one span and return it in Zipkin's field order, empty fields left out."""
    trace_id = _hex_id(raw.get("traceId"), "traceId", 32)
    if len(trace_id) == 32 and trace_id.startswith("0" * 16):
        trace_id = trace_id[16:]  # a 128-bit id whose high half is zero is a 64-bit id
    span_id = _hex_id(raw.get("id"), "id", 16)
    span: dict[str, Any] = {"traceId": trace_id}
    parent_id = raw.get("parentId")
    if parent_id is not None:
        parent_id = _hex_id(parent_id, "parentId", 16, allow_zero=True)
        if parent_id != "0" * 16 and parent_id != span_id:
            span["parentId"] = parent_id
    span["id"] = span_id
    kind = raw.get("kind")
    if kind is not None:
        if kind not in KINDS:
            raise FieldError("kind", f"{kind!r} is not one of {', '.join(KINDS)}")
        span["kind"] = kind
    name = _optional_string(raw.get("name"), "name")
    if name:
        span["name"] = name.lower()
    for field in ("timestamp", "duration"):
        value = _microseconds(raw.get(field), field)
        if value:
            span[field] = value
    for field in ("localEndpoint", "remoteEndpoint"):
        endpoint = _endpoint(raw.get(field), field)
        if endpoint:
            span[field] = endpoint
    annotations = _annotations(raw.get("annotations"))
    if annotations:
        span["annotations"] = annotations
    tags = _tags(raw.get("tags"))
    if tags:
        span["tags"] = tags
    if _flag(raw.get("debug"), "debug"):
        span["debug"] = True
    if _flag(raw.get("shared"), "shared") and kind != "CLIENT":
        span["shared"] = True
    return span


def _hex_id(value: Any, field: str, max_length: int, allow_zero: bool = False) -> str:
    if value is None:
        raise FieldError(f"{field}", "required")
    if not isinstance(value, str):
        if not is_number(value):
            raise FieldError(f"{field}", f"expected a lower-hex string, got {type(value).__name__}")
        value = text_of(value)  # 161 is the id "161", as in Zipkin
    if not value:
        raise FieldError(f"{field}", "empty")
    if len(value) > max_length:
        raise FieldError(f"{field}", f"{value[:40]!r} is longer than {max_length} characters")
    if value.strip(HEX_DIGITS):  # what is left once hex digits are stripped from both ends (in C)
        raise FieldError(f"{field}", f"{value[:64]} should be lower-hex encoded with no prefix")
    width = 16 if len(value) <= 16 else 32
    padded = value.rjust(width, "0")
    if not allow_zero and not padded.strip("0"):
        raise FieldError(f"{field}", "all zeros")
    return padded


def _optional_string(value: Any, field: str) -> str | None:
    """A string, or a number as it was written (Zipkin's reader takes `"name": 5` as the name "5")."""
    if value is None or isinstance(value, str):
        return value
    if is_number(value):
        written = text_of(value)
        if not gson_reads(written):
            raise FieldError(f"{field}", f"{written[:20]}... is malformed JSON to Zipkin's reader")
        return written
    raise FieldError(f"{field}", f"expected a string, got {type(value).__name__}")


def _microseconds(value: Any, field: str) -> int | None:
    """Epoch or duration microseconds, whole, as a number or a string ("10", "1e3"), as Zipkin reads a
    long; zero or negative means absent."""
    if type(value) is int and -(2**63) <= value < 2**63:  # the usual case, quickly (not bool, nor -0)
        return value if value > 0 else None
    if value is None:
        return None
    try:
        micros = gson_integer(value)
    except ValueError as error:
        raise FieldError(f"{field}", f"expected integer microseconds, {error}") from None
    return micros if micros > 0 else None


def _endpoint(value: Any, field: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise FieldError(f"{field}", "expected an object")
    endpoint: dict[str, Any] = {}
    service = value.get("serviceName")
    if service is not None and type(service) is not str:  # the usual case builds no field name
        service = _optional_string(service, f"{field}.serviceName")
    if service:
        endpoint["serviceName"] = service.lower()
    for key, version in (("ipv4", 4), ("ipv6", 6)):
        address = value.get(key)
        if address is not None and type(address) is not str:
            address = _optional_string(address, f"{field}.{key}")
        if address:
            normalized = _ip_address(address, version)
            if normalized:
                endpoint[key] = normalized
    port = value.get("port")
    if port is not None:
        if not (type(port) is int and 0 <= port <= 65535):  # the usual case needs no conversion
            try:
                port = gson_integer(port, bits=32)
            except ValueError as error:
                raise FieldError(f"{field}.port", f"expected a port number, {error}") from None
            if port > 65535:
                raise FieldError(f"{field}.port", f"{port} is not a port number 0-65535")
        if port > 0:  # zero or negative means none, as in Zipkin
            endpoint["port"] = port
    return endpoint or None


@functools.lru_cache(maxsize=4096)
def _ip_address(address: str, version: int) -> str | None:
    """The canonical text of an IP address of that version; None (dropped, as Zipkin does) if it is not one."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return None
    return str(parsed) if parsed.version == version else None


def _annotations(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise FieldError("annotations", "expected an array")
    seen = set()
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise FieldError(f"annotations[{index}]", "expected an object")
        timestamp = _microseconds(item.get("timestamp"), f"annotations[{index}].timestamp")
        text = _optional_string(item.get("value"), f"annotations[{index}].value")
        if timestamp is None or not text:
            raise FieldError(f"annotations[{index}]", "both timestamp and value are required")
        seen.add((timestamp, text))
    return [{"timestamp": ts, "value": text} for ts, text in sorted(seen)]


def _tags(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise FieldError("tags", "expected an object of string values")
    tags = value
    if not set(map(type, value.values())) <= ONLY_STRINGS:  # the usual case skips the copy (and is C only)
        tags = {}
        for key, tag in value.items():
            if tag is None:
                raise FieldError(f"tags.{key}", "expected a string value, got null")
            tags[key] = _optional_string(tag, f"tags.{key}")
    return dict(sorted(tags.items()))


def _flag(value: Any, field: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise FieldError(f"{field}", "expected true or false")
    return value
