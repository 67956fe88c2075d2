"""The Zipkin v2 HTTP API: POST /spans and the read endpoints, under /api/v2 and /zipkin/api/v2."""

from __future__ import annotations

import json

from flask import Blueprint, Flask, Response, current_app, request

from .ingest import SpanDecodeError, decode_span_list, inflate
from .query import BadQuery, parse_trace_id, parse_trace_query
from .store import SpanStore

JSON = "application/json"


def _store() -> SpanStore:
    return current_app.extensions["span_store"]


def _text(message: str, status: int) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")


def _json_list(items: list) -> Response:
    return Response(json.dumps(items), mimetype=JSON)


def post_spans() -> Response:
    """Accept a JSON v2 span list (any content type, optionally gzipped); 202 once it is committed."""
    content_type = (request.mimetype or "").lower()
    if content_type in ("application/x-protobuf", "application/x-thrift"):
        return _text(f"Unsupported Content-Type {content_type}: send Zipkin JSON v2", 415)
    limit = current_app.config["JOURNEY"]["max_body_bytes"]
    body = request.get_data(cache=False)
    try:
        if request.headers.get("Content-Encoding", "").lower() == "gzip":
            body = inflate(body, limit)
        spans = decode_span_list(body)
    except SpanDecodeError as error:
        return _text(str(error), error.status)
    _store().add_spans(spans)
    return Response(status=202)


def get_trace(trace_id: str) -> Response:
    """One trace's spans as stored, or 404."""
    try:
        normalized = parse_trace_id(trace_id)
    except BadQuery as error:
        return _text(str(error), 400)
    strict = current_app.config["JOURNEY"]["strict_trace_id"]
    body = _store().get_trace_json(normalized, strict=strict)
    if body is None:
        return _text(f"{trace_id} not found", 404)
    return Response(body, mimetype=JSON)


def get_traces() -> Response:
    """Traces matching the query, newest first, each a list of its spans."""
    try:
        query = parse_trace_query(request.args, current_app.config["JOURNEY"]["query_lookback"])
    except BadQuery as error:
        return _text(str(error), 400)
    store = _store()
    traces = [store.get_trace_json(trace_id) for trace_id in store.find_trace_ids(query)]
    return Response("[" + ",".join(t for t in traces if t) + "]", mimetype=JSON)


def get_services() -> Response:
    """Every service name seen."""
    return _json_list(_store().service_names())


def _required_service() -> str:
    service = (request.args.get("serviceName") or "").strip().lower()
    if not service:
        raise BadQuery("serviceName is required")
    return service


def get_span_names() -> Response:
    """Span names recorded by ?serviceName=."""
    try:
        return _json_list(_store().span_names(_required_service()))
    except BadQuery as error:
        return _text(str(error), 400)


def get_remote_services() -> Response:
    """Remote services called by ?serviceName=."""
    try:
        return _json_list(_store().remote_service_names(_required_service()))
    except BadQuery as error:
        return _text(str(error), 400)


def health() -> Response:
    """200 UP once the database answers; 503 DOWN otherwise."""
    try:
        _store().check()
    except Exception as error:  # any storage failure means not ready
        body = {"status": "DOWN", "zipkin": {"status": "DOWN", "details": {"error": str(error)}}}
        return Response(json.dumps(body), status=503, mimetype=JSON)
    body = {"status": "UP", "zipkin": {"status": "UP", "details": {"SQLiteStorage": {"status": "UP"}}}}
    return Response(json.dumps(body), mimetype=JSON)


ROUTES = [
    ("/spans", post_spans, ["POST"]),
    ("/spans", get_span_names, ["GET"]),
    ("/trace/<trace_id>", get_trace, ["GET"]),
    ("/traces", get_traces, ["GET"]),
    ("/services", get_services, ["GET"]),
    ("/remoteServices", get_remote_services, ["GET"]),
]


def _blueprint(name: str, prefix: str) -> Blueprint:
    blueprint = Blueprint(name, __name__, url_prefix=prefix)
    for rule, view, methods in ROUTES:
        # OPTIONS is answered by Flask; cors.py adds the preflight headers
        blueprint.add_url_rule(rule, f"{view.__name__}_{methods[0]}", view, methods=methods)
    return blueprint


def init_app(app: Flask) -> None:
    """Mount the API at /api/v2 and /zipkin/api/v2, and /health."""
    app.register_blueprint(_blueprint("api_v2", "/api/v2"))
    app.register_blueprint(_blueprint("zipkin_api_v2", "/zipkin/api/v2"))
    app.add_url_rule("/health", "health", health)

    @app.errorhandler(413)
    def too_large(_error):
        limit = app.config["MAX_CONTENT_LENGTH"]
        return _text(f"Request body is larger than the limit of {limit} bytes", 413)

    @app.errorhandler(405)
    def method_not_allowed(_error):
        return _text(f"Method {request.method} is not allowed on {request.path}", 405)

    @app.errorhandler(404)
    def not_found(_error):
        return _text(f"No such resource: {request.path}", 404)
