"""Parse and validate the query parameters of the Zipkin v2 read API, with Zipkin's messages."""

from __future__ import annotations

from collections.abc import Mapping

from .ingest import HEX
from .store import TraceQuery, now_micros

MAX_MICROS = 2**63 - 1


def _micros(millis: int) -> int:
    """Milliseconds as microseconds, capped to what SQLite's 64-bit integers hold."""
    return min(millis * 1000, MAX_MICROS)


class BadQuery(ValueError):
    """A query parameter is missing or malformed; answered with 400 and this message."""


def parse_trace_id(text: str) -> str:
    """A lower-hex trace id of up to 32 characters, normalized like stored ids (Zipkin's rules and messages)."""
    text = text.strip()
    if not text:
        raise BadQuery("traceId is empty")
    if len(text) > 32:
        raise BadQuery("traceId.length > 32")
    if not set(text) <= HEX:
        raise BadQuery(f"{text} should be lower-hex encoded with no prefix")
    padded = text.rjust(16 if len(text) <= 16 else 32, "0")
    if set(padded) == {"0"}:
        raise BadQuery("traceId is all zeros")
    if len(padded) == 32 and padded.startswith("0" * 16):
        padded = padded[16:]
    return padded


def parse_trace_ids(text: str | None) -> list[str]:
    """The traceIds of /traceMany: at least two, none repeated."""
    if text is None:
        raise BadQuery("Mandatory parameter/header is missing: traceIds")
    if not text:
        raise BadQuery("traceIds parameter is empty")
    normalized: list[str] = []
    for raw in text.split(",")[:1000]:
        trace_id = parse_trace_id(raw)
        if trace_id in normalized:
            raise BadQuery(f"redundant traceId: {raw}")
        normalized.append(trace_id)
    if len(normalized) == 1:
        raise BadQuery("Use /api/v2/trace/{traceId} endpoint to retrieve a single trace")
    return normalized


def required(args: Mapping[str, str], name: str) -> str:
    """A mandatory query parameter, as Armeria (Zipkin's server) reports its absence."""
    value = args.get(name)
    if value is None:
        raise BadQuery(f"Mandatory parameter/header is missing: {name}")
    return value


def parse_autocomplete_key(args: Mapping[str, str]) -> str:
    """The ?key= of /autocompleteValues: mandatory, and not empty (Zipkin's storages refuse "")."""
    key = required(args, "key")
    if not key:
        raise BadQuery("key was empty")
    return key


def _long(args: Mapping[str, str], name: str, java_type: str = "Long") -> int | None:
    text = args.get(name)
    if text is None or text == "":
        return None
    try:
        value = int(text.strip())
    except ValueError:
        raise BadQuery(f"Can't convert '{text[:64]}' to type '{java_type}'.") from None
    limit = 2**31 if java_type == "int" else 2**63
    if not -limit <= value < limit:
        raise BadQuery(f"Can't convert '{text[:64]}' to type '{java_type}'.")
    return value


def _name(args: Mapping[str, str], name: str) -> str | None:
    text = (args.get(name) or "").strip().lower()
    return text or None


def parse_annotation_query(text: str | None) -> dict[str, str | None]:
    """`error and http.method=GET`: `k=v` matches a tag, a bare word an annotation value or tag key."""
    terms: dict[str, str | None] = {}
    for term in (text or "").split(" and "):
        key, sep, value = term.partition("=")
        if key:
            terms[key] = value if sep and value else None  # `k=` is the bare key, as in Zipkin
    return terms


def parse_dependency_window(args: Mapping[str, str], default_lookback_ms: int) -> tuple[int, int]:
    """endTs (required) and lookback of /dependencies, in microseconds."""
    end_ts = _long({"endTs": required(args, "endTs")}, "endTs")
    lookback = _long(args, "lookback")
    lookback = default_lookback_ms if lookback is None else lookback
    if end_ts is None or end_ts <= 0:
        raise BadQuery("endTs <= 0")
    if lookback <= 0:
        raise BadQuery("lookback <= 0")
    return _micros(end_ts), _micros(lookback)


def parse_trace_query(args: Mapping[str, str], default_lookback_ms: int) -> TraceQuery:
    """Build the /traces criteria; the same defaults and the same 400 messages as Zipkin."""
    end_ts = _long(args, "endTs")
    end_ts = now_micros() // 1000 if end_ts is None else end_ts
    lookback = _long(args, "lookback")
    lookback = default_lookback_ms if lookback is None else lookback
    limit = _long(args, "limit", "int")
    limit = 10 if limit is None else limit
    min_duration = _long(args, "minDuration")
    max_duration = _long(args, "maxDuration")
    if end_ts <= 0:
        raise BadQuery("endTs <= 0")
    if limit <= 0:
        raise BadQuery("limit <= 0")
    if lookback <= 0:
        raise BadQuery("lookback <= 0")
    if min_duration is not None:
        if min_duration <= 0:
            raise BadQuery("minDuration <= 0")
        if max_duration is not None and max_duration < min_duration:
            raise BadQuery("maxDuration < minDuration")
    elif max_duration is not None:
        raise BadQuery("maxDuration is only valid with minDuration")
    span_name = _name(args, "spanName")
    return TraceQuery(
        end_ts=_micros(end_ts),
        lookback=_micros(lookback),
        limit=min(limit, 10_000),
        service_name=_name(args, "serviceName"),
        remote_service_name=_name(args, "remoteServiceName"),
        span_name=None if span_name == "all" else span_name,
        annotation_query=parse_annotation_query(args.get("annotationQuery")),
        min_duration=min_duration,
        max_duration=max_duration,
    )
