"""Parse and validate the query parameters of the Zipkin v2 read API, with Zipkin's messages.

zipkin-server's framework (Armeria) reads the parameters: a missing mandatory one, or an empty one
where Java wants a primitive (limit, the endTs of /dependencies), is its error; numbers are Java's
(java_numbers.py). Trace ids and annotationQuery follow zipkin2's Span and QueryRequest.
"""

from __future__ import annotations

from collections.abc import Mapping

from .ingest import HEX
from .java_numbers import JAVA_BLANKS, parse_integer
from .store import TraceQuery, now_micros

MAX_MICROS = 2**63 - 1


def _micros(millis: int) -> int:
    """Milliseconds as microseconds, capped to what SQLite's 64-bit integers hold."""
    return min(millis * 1000, MAX_MICROS)


class BadQuery(ValueError):
    """A query parameter is missing or malformed; answered with 400 and this message."""


def normalize_trace_id(text: str) -> str:
    """Zipkin's Span.normalizeTraceId: lower hex of up to 32 characters, padded with zeros to 16 or 32;
    an id of exactly 32 whose high half is zero is its low half (a padded one of 17 to 31 stays 32)."""
    if not text:
        raise BadQuery("traceId is empty")
    if len(text) > 32:
        raise BadQuery("traceId.length > 32")
    if not set(text) <= HEX:
        raise BadQuery(f"{text} should be lower-hex encoded with no prefix")
    if set(text) == {"0"}:
        raise BadQuery("traceId is all zeros")
    if len(text) == 32 and text.startswith("0" * 16):
        return text[16:]
    return text.rjust(16 if len(text) <= 16 else 32, "0")


def stored_trace_id(normalized: str) -> str:
    """The form the store keeps a trace id in: a 128-bit id whose high half is zero is its low half."""
    return normalized[16:] if len(normalized) == 32 and normalized.startswith("0" * 16) else normalized


def parse_trace_id(text: str) -> str:
    """The id of one trace (trimmed, as Zipkin's /trace/{traceId} does), in the form the store keeps."""
    return stored_trace_id(normalize_trace_id(text.strip(JAVA_BLANKS)))


def parse_trace_ids(text: str | None) -> list[str]:
    """The traceIds of /traceMany, in the form the store keeps: at least two, none repeated.

    As in Zipkin, ids are not trimmed, and are the same when Zipkin's normalized forms are: `00` and 16
    hex digits (padded to 32) is not the same id as those 16, though both name one trace, found once.
    """
    if text is None:
        raise BadQuery(missing("traceIds"))
    if not text:
        raise BadQuery("traceIds parameter is empty")
    normalized: dict[str, None] = {}
    for raw in text.split(",", 999):  # Java's split(",", 1000): the 1000th part holds the rest
        trace_id = normalize_trace_id(raw)
        if trace_id in normalized:
            raise BadQuery(f"redundant traceId: {raw}")
        normalized[trace_id] = None
    if len(normalized) == 1:
        raise BadQuery("Use /api/v2/trace/{traceId} endpoint to retrieve a single trace")
    return list(dict.fromkeys(map(stored_trace_id, normalized)))


def missing(name: str) -> str:
    """Armeria's message (Zipkin's server) for a mandatory parameter that is absent."""
    return f"Mandatory parameter/header/attribute is missing: {name}"


def required(args: Mapping[str, str], name: str) -> str:
    """A mandatory query parameter."""
    value = args.get(name)
    if value is None:
        raise BadQuery(missing(name))
    return value


def parse_autocomplete_key(args: Mapping[str, str]) -> str:
    """The ?key= of /autocompleteValues: mandatory, and not empty (Zipkin's storages refuse "")."""
    key = required(args, "key")
    if not key:
        raise BadQuery("key was empty")
    return key


def _long(args: Mapping[str, str], name: str, bits: int = 64, primitive: bool = False) -> int | None:
    """A number parameter as Armeria reads it into Java: absent or empty is none, unless Java's type is
    primitive (then empty is an error); otherwise Long.parseLong's (Integer.parseInt's) rules."""
    text = args.get(name)
    if text == "" and primitive:
        raise BadQuery(f"Cannot set null to primitive type parameter: {name}")
    if not text:
        return None
    try:
        return parse_integer(text, bits)
    except ValueError as error:
        raise BadQuery(str(error)) from None


def _name(args: Mapping[str, str], name: str) -> str | None:
    text = (args.get(name) or "").strip().lower()
    return text or None


def parse_annotation_query(text: str | None) -> dict[str, str | None]:
    """`error and http.method=GET`, as Zipkin's QueryRequest parses it: terms trimmed, `k=v` matches a
    tag (the last for a key wins), a bare word (or `k=`) an annotation value or a tag key (a tag's
    value wins over it). A term with no key (`=x`, or what ` and ` at the end leaves) is kept, so finds
    no trace, as in Zipkin."""
    terms: dict[str, str | None] = {}
    for term in text.split(" and ", 99) if text else ():  # Java's split(" and ", 100)
        key, equals, value = term.partition("=")
        key, value = key.strip(JAVA_BLANKS), value.strip(JAVA_BLANKS)
        if equals:
            terms[key] = value or None
        else:
            terms.setdefault(key, None)
    return terms


def parse_dependency_window(args: Mapping[str, str], default_lookback_ms: int) -> tuple[int, int]:
    """endTs (required) and lookback of /dependencies, in microseconds."""
    end_ts = _long({"endTs": required(args, "endTs")}, "endTs", primitive=True)
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
    limit = _long(args, "limit", bits=32, primitive=True)
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
