"""Decode `zipkin.proto3.ListOfSpans` (application/x-protobuf) into the same span dicts as JSON v2.

A small reader of the protobuf wire format, so that the collector needs no protobuf runtime; the
result goes through the same validation (ingest.normalize_spans) as JSON, with the same messages.
"""

from __future__ import annotations

import ipaddress
import struct
from collections.abc import Iterator
from typing import Any

from .ingest import SpanDecodeError, normalize_spans

KIND_NAMES = {1: "CLIENT", 2: "SERVER", 3: "PRODUCER", 4: "CONSUMER"}
VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5


class _Malformed(ValueError):
    pass


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise _Malformed("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _fields(data: bytes) -> Iterator[tuple[int, int, Any]]:
    """(field number, wire type, value) of one message; bytes for length-delimited fields."""
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise _Malformed("field number 0")
        if wire == VARINT:
            value, pos = _varint(data, pos)
        elif wire == FIXED64:
            if pos + 8 > len(data):
                raise _Malformed("truncated fixed64")
            value, pos = struct.unpack_from("<Q", data, pos)[0], pos + 8
        elif wire == LENGTH:
            length, pos = _varint(data, pos)
            if pos + length > len(data):
                raise _Malformed("truncated length-delimited field")
            value, pos = data[pos : pos + length], pos + length
        elif wire == FIXED32:
            if pos + 4 > len(data):
                raise _Malformed("truncated fixed32")
            value, pos = struct.unpack_from("<I", data, pos)[0], pos + 4
        else:
            raise _Malformed(f"unsupported wire type {wire}")
        yield number, wire, value


def _text(value: Any) -> str:
    if not isinstance(value, bytes):
        raise _Malformed("expected a string")
    return value.decode("utf-8")  # UnicodeDecodeError is a ValueError: reported as malformed


def _endpoint(data: bytes) -> dict[str, Any]:
    endpoint: dict[str, Any] = {}
    for number, _wire, value in _fields(data):
        if number == 1:
            endpoint["serviceName"] = _text(value)
        elif number == 2 and isinstance(value, bytes) and len(value) == 4:
            endpoint["ipv4"] = str(ipaddress.IPv4Address(value))
        elif number == 3 and isinstance(value, bytes) and len(value) == 16:
            endpoint["ipv6"] = str(ipaddress.IPv6Address(value))
        elif number == 4 and isinstance(value, int):
            port = value & 0xFFFFFFFF
            endpoint["port"] = port - (1 << 32) if port >= 1 << 31 else port  # int32
    return endpoint


def _span(data: bytes) -> dict[str, Any]:
    span: dict[str, Any] = {}
    tags: dict[str, str] = {}
    annotations: list[dict[str, Any]] = []
    for number, _wire, value in _fields(data):
        if number in (1, 2, 3):
            if not isinstance(value, bytes):
                raise _Malformed("expected id bytes")
            span[{1: "traceId", 2: "parentId", 3: "id"}[number]] = value.hex()
        elif number == 4:
            span["kind"] = KIND_NAMES.get(value) if value else None
            if value and value not in KIND_NAMES:
                span["kind"] = f"kind {value}"  # refused by validation, named in its message
        elif number == 5:
            span["name"] = _text(value)
        elif number in (6, 7):
            span["timestamp" if number == 6 else "duration"] = value
        elif number in (8, 9):
            span["localEndpoint" if number == 8 else "remoteEndpoint"] = _endpoint(value)
        elif number == 10:
            annotation = {}
            for field, _w, item in _fields(value):
                if field == 1:
                    annotation["timestamp"] = item
                elif field == 2:
                    annotation["value"] = _text(item)
            annotations.append(annotation)
        elif number == 11:
            entry = {field: _text(item) for field, _w, item in _fields(value) if field in (1, 2)}
            tags[entry.get(1, "")] = entry.get(2, "")
        elif number in (12, 13):
            span["debug" if number == 12 else "shared"] = bool(value)
    if annotations:
        span["annotations"] = annotations
    if tags:
        span["tags"] = tags
    return span


def decode_proto_span_list(body: bytes) -> list[dict[str, Any]]:
    """Parse a protobuf ListOfSpans and return its spans normalized as Zipkin stores them."""
    if not body:
        return []
    try:
        raw = [_span(value) for number, wire, value in _fields(body) if number == 1 and wire == LENGTH]
    except (_Malformed, ValueError) as error:
        raise SpanDecodeError(f"Expected a PROTO3 encoded list: {error}") from None
    return normalize_spans(raw, "proto3")
