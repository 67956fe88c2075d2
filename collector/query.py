"""Parse and validate the query parameters of the Zipkin v2 read API, with Zipkin's messages."""

from __future__ import annotations

from typing import Mapping

from .ingest import HEX
from .store import TraceQuery, now_micros


class BadQuery(ValueError):
    """A query parameter is missing or malformed; answered with 400 and this message."""


def parse_trace_id(text: str) -> str:
    """A lower-hex trace id of up to 32 characters, left-padded to 16 or 32 like stored ids."""
    if not text or len(text) > 32 or not set(text) <= HEX:
        raise BadQuery(f"{text[:64]} should be a 1 to 32 character lower-hex string with no prefix")
    padded = text.rjust(16 if len(text) <= 16 else 32, "0")
    if len(padded) == 32 and padded.startswith("0" * 16):
        padded = padded[16:]
    return padded


def _long(args: Mapping[str, str], name: str) -> int | None:
    text = args.get(name)
    if text is None or text == "":
        return None
    try:
        return int(text)
    except ValueError:
        raise BadQuery(f"{name} should be an integer: {text[:64]!r}") from None


def _name(args: Mapping[str, str], name: str) -> str | None:
    text = (args.get(name) or "").strip().lower()
    return text or None


def parse_annotation_query(text: str | None) -> dict[str, str | None]:
    """`error and http.method=GET`: `k=v` matches a tag, a bare word an annotation value or tag key."""
    terms: dict[str, str | None] = {}
    for term in (text or "").split(" and "):
        term = term.strip()
        if not term:
            continue
        key, sep, value = term.partition("=")
        terms[key.strip()] = value.strip() if sep else None
    return terms


def parse_trace_query(args: Mapping[str, str], default_lookback_ms: int) -> TraceQuery:
    """Build the /traces criteria; the same defaults and the same 400 messages as Zipkin."""
    end_ts = _long(args, "endTs")
    end_ts = now_micros() // 1000 if end_ts is None else end_ts
    lookback = _long(args, "lookback")
    lookback = default_lookback_ms if lookback is None else lookback
    limit = _long(args, "limit")
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
        end_ts=end_ts * 1000,
        lookback=lookback * 1000,
        limit=min(limit, 10_000),
        service_name=_name(args, "serviceName"),
        remote_service_name=_name(args, "remoteServiceName"),
        span_name=None if span_name == "all" else span_name,
        annotation_query=parse_annotation_query(args.get("annotationQuery")),
        min_duration=min_duration,
        max_duration=max_duration,
    )
