"""The Zipkin v2 HTTP API: POST /spans and the read endpoints, under /api/v2 and /zipkin/api/v2.

POST /spans is served under both prefixes, as the contract (shared/interfaces.md) has it; zipkin-server
serves it under /api/v2 alone.
"""

from __future__ import annotations

import json

from flask import Blueprint, Flask, Response, current_app, request

from . import routing
from .dependencies import link_dependencies
from .ingest import SpanDecodeError, decode_span_list, inflate
from .java_numbers import JAVA_BLANKS
from .proto import decode_proto_span_list
from .query import (
    BadQuery,
    normalize_trace_id,
    parse_autocomplete_key,
    parse_dependency_window,
    parse_trace_ids,
    parse_trace_query,
    required,
    stored_trace_id,
)
from .routing import text
from .store import SpanStore

JSON = "application/json"
NAMES_MAX_AGE_S = 300  # Zipkin's QUERY_NAMES_MAX_AGE default


def _store() -> SpanStore:
    return current_app.extensions["span_store"]


def _settings() -> dict:
    return current_app.config["JOURNEY"]


def _json_traces(traces: list[str]) -> Response:
    return Response("[" + ",".join(traces) + "]", mimetype=JSON)


def _names(names: list[str], cache: bool) -> Response:
    """A sorted list of names, with Cache-Control when `cache` (Zipkin's maybeCacheNames)."""
    response = Response(json.dumps(sorted(names)), mimetype=JSON)
    if cache:
        response.headers["Cache-Control"] = f"max-age={NAMES_MAX_AGE_S}, must-revalidate"
    return response


def post_spans() -> Response:
    """Accept a span list (proto3, else JSON v2 whatever the content type), maybe gzipped; 202 once committed.

    As in zipkin-server, whose /api/v2/spans reads any type but application/x-protobuf as JSON
    (application/x-thrift too: Thrift is for v1, at /api/v1/spans, which neither serves).
    """
    content_type = (request.mimetype or "").lower()
    limit = _settings()["max_body_bytes"]
    body = request.get_data(cache=False)
    try:
        if "gzip" in request.headers.get("Content-Encoding", "").lower():
            body = inflate(body, limit)
        decode = decode_proto_span_list if content_type == "application/x-protobuf" else decode_span_list
        spans = decode(body)
    except SpanDecodeError as error:
        return text(str(error), error.status)
    store = _store()
    store.add_spans(spans)  # returns once committed: what is acknowledged survives a crash
    store.enforce_retention()
    return routing.empty(202)


def get_trace(trace_id: str) -> Response:
    """One trace's spans as stored, or 404 `<id> not found` (the id as Zipkin normalizes it)."""
    normalized = normalize_trace_id(trace_id.strip(JAVA_BLANKS))
    body = _store().get_trace_json(stored_trace_id(normalized), strict=_settings()["strict_trace_id"])
    if body is None:
        return text(f"{normalized} not found", 404)
    return Response(body, mimetype=JSON)


def get_trace_many() -> Response:
    """The traces among ?traceIds= that exist, in any order."""
    trace_ids = parse_trace_ids(request.args.get("traceIds"))
    return _json_traces(_store().get_traces_json(trace_ids, strict=_settings()["strict_trace_id"]))


def get_traces() -> Response:
    """Traces matching the query, newest first, each a list of its spans."""
    query = parse_trace_query(request.args, _settings()["query_lookback"])
    return _json_traces(_store().find_traces_json(query))


def _knows_many_services(service_names: list[str] | None = None) -> bool:
    """Whether name lists are cacheable: Zipkin caches them once it knows more than 3 services, so that
    a demo just getting started never sees a stale, cached empty list.

    Zipkin keeps the count of its last /services answer in memory (Lens asks for /services first);
    our worker processes share no memory, so each answer counts the services in the store.
    """
    return len(_store().service_names() if service_names is None else service_names) > 3


def get_services() -> Response:
    """Every service name seen."""
    names = _store().service_names()
    return _names(names, cache=_knows_many_services(names))


def _service_param() -> str:
    return required(request.args, "serviceName").strip().lower()


def get_span_names() -> Response:
    """Span names recorded by ?serviceName=."""
    names = _store().span_names(_service_param())
    return _names(names, cache=_knows_many_services())


def get_remote_services() -> Response:
    """Remote services called by ?serviceName=."""
    names = _store().remote_service_names(_service_param())
    return _names(names, cache=_knows_many_services())


def get_dependencies() -> Response:
    """Service links between endTs - lookback and endTs, counted like Zipkin."""
    end_ts, lookback = parse_dependency_window(request.args, _settings()["query_lookback"])
    links = link_dependencies(_store().traces_in_window(end_ts, lookback))
    return Response(json.dumps(links), mimetype=JSON)


def get_autocomplete_keys() -> Response:
    """The tag keys offered for autocompletion (AUTOCOMPLETE_KEYS)."""
    return _names(list(_settings()["autocomplete_keys"]), cache=True)


def get_autocomplete_values() -> Response:
    """Known values of ?key=, for a key that is offered for autocompletion (else none)."""
    key = parse_autocomplete_key(request.args)
    values = _store().tag_values(key)  # only autocomplete keys' values are kept
    return _names(values, cache=len(values) > 3)  # here Zipkin does count the values


def health() -> Response:
    """200 UP once the database answers; 503 DOWN otherwise."""
    try:
        _store().check()
    except Exception as error:  # noqa: BLE001 - any storage failure means not ready
        body = {"status": "DOWN", "zipkin": {"status": "DOWN", "details": {"error": str(error)}}}
        return Response(json.dumps(body), status=503, mimetype=JSON)
    body = {"status": "UP", "zipkin": {"status": "UP", "details": {"SQLiteStorage": {"status": "UP"}}}}
    return Response(json.dumps(body), mimetype=JSON)


ROUTES = [
    ("/spans", post_spans, ["POST"]),
    ("/spans", get_span_names, ["GET"]),
    ("/trace/<path:trace_id>", get_trace, ["GET"]),
    ("/traceMany", get_trace_many, ["GET"]),
    ("/traces", get_traces, ["GET"]),
    ("/services", get_services, ["GET"]),
    ("/remoteServices", get_remote_services, ["GET"]),
    ("/dependencies", get_dependencies, ["GET"]),
    ("/autocompleteKeys", get_autocomplete_keys, ["GET"]),
    ("/autocompleteValues", get_autocomplete_values, ["GET"]),
]


def _bad_query(error: BadQuery) -> Response:
    return text(str(error), 400)


def _blueprint(name: str, prefix: str) -> Blueprint:
    blueprint = Blueprint(name, __name__, url_prefix=prefix)
    # a missing or malformed parameter is the client's error: 400 with Zipkin's message, from every route
    blueprint.register_error_handler(BadQuery, _bad_query)
    for rule, view, methods in ROUTES:
        # a CORS preflight is answered by cors.py, any other OPTIONS (and HEAD) by routing.py
        blueprint.add_url_rule(rule, f"{view.__name__}_{methods[0]}", view, methods=methods)
    return blueprint


def init_app(app: Flask) -> None:
    """Mount the API at /api/v2 and /zipkin/api/v2, and /health."""
    app.register_blueprint(_blueprint("api_v2", "/api/v2"))
    app.register_blueprint(_blueprint("zipkin_api_v2", "/zipkin/api/v2"))
    app.add_url_rule("/health", "health", health)
