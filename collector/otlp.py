"""OTLP/HTTP traces: POST /v1/traces, answered as the OTLP specification asks, stored as Zipkin spans.

- protobuf (`application/x-protobuf`) or JSON (`application/json`), maybe gzipped; any other content
  type, or content encoding, is 415.
- 200 with an empty `ExportTraceServiceResponse` in the request's encoding, only once the batch is
  committed: what is acknowledged survives a crash. zipkin-otel answers 202 with no body; OTLP
  exporters take any 2xx, but the specification says 200 and a body.
- Every failure's body is a `google.rpc.Status` in the request's encoding (JSON when that is not one
  of the two): 400 for a body that is not a request or a span that cannot be stored (its message names
  the span and field, also given as a `google.rpc.BadRequest` field violation), 413 past the body
  limit (before or after gunzip), 503 with Retry-After while the collector stops. All or nothing:
  one bad span refuses the request, and nothing of it is stored.

Decoding is collector.otlp_decode, the mapping collector.otlp_mapping; gunzip and the normalization
of each span are collector.ingest's, the same as for POST /api/v2/spans.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, request
from google.protobuf import json_format
from google.rpc import code_pb2, error_details_pb2, status_pb2
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from .ingest import FieldError, SpanDecodeError, inflate
from .otlp_decode import JSON, PROTOBUF, decode_request
from .otlp_mapping import zipkin_spans
from .store import StoreClosed

# gRPC's codes by meaning (OTLP/HTTP clients go by the HTTP status; the code is for people)
CODES = {
    400: code_pb2.INVALID_ARGUMENT,
    413: code_pb2.RESOURCE_EXHAUSTED,
    415: code_pb2.INVALID_ARGUMENT,
    500: code_pb2.INTERNAL,
    503: code_pb2.UNAVAILABLE,
}


def _encoding() -> str:
    """The request's encoding when it is one of OTLP's, else JSON (for the answer to a 415)."""
    return PROTOBUF if (request.mimetype or "").lower() == PROTOBUF else JSON


def _encode(message, content_type: str) -> bytes:
    if content_type == PROTOBUF:
        return message.SerializeToString()
    return json_format.MessageToJson(message, indent=None).encode()


def failure(status: int, message: str, field: str | None = None, problem: str | None = None) -> Response:
    """A google.rpc.Status answer, in the request's encoding, naming the bad field when there is one."""
    answer = status_pb2.Status(code=CODES.get(status, code_pb2.UNKNOWN), message=message)
    if field is not None:
        violation = error_details_pb2.BadRequest.FieldViolation(field=field, description=problem or message)
        answer.details.add().Pack(error_details_pb2.BadRequest(field_violations=[violation]))
    content_type = _encoding()
    return Response(_encode(answer, content_type), status=status, content_type=content_type)


def post_traces() -> Response:
    """Store an ExportTraceServiceRequest's spans as Zipkin spans; 200 once committed."""
    content_type = (request.mimetype or "").lower()
    if content_type not in (PROTOBUF, JSON):
        return failure(415, f"Unsupported Content-Type {content_type!r}: send {PROTOBUF} or {JSON}")
    content_encoding = request.headers.get("Content-Encoding", "identity").strip().lower()
    if content_encoding not in ("identity", "gzip"):
        return failure(415, f"Unsupported Content-Encoding {content_encoding!r}: send gzip or none")
    limit = current_app.config["JOURNEY"]["max_body_bytes"]
    body = request.get_data(cache=False)
    try:
        if content_encoding == "gzip":
            body = inflate(body, limit)
        spans = zipkin_spans(decode_request(body, content_type))
    except SpanDecodeError as error:
        return failure(error.status, str(error))
    except FieldError as error:
        return failure(400, f"Invalid span: {error}", error.field, error.problem)
    except RecursionError:  # a value nested past Python's limit, which the parser let through
        return failure(400, "Invalid span: an attribute value is nested too deeply")
    store = current_app.extensions["span_store"]
    store.add_spans(spans)  # returns once committed: what is acknowledged survives a crash
    store.enforce_retention()
    return Response(_encode(ExportTraceServiceResponse(), content_type), status=200, content_type=content_type)


def _too_large(_error) -> Response:
    return failure(413, f"Request body is larger than the limit of {current_app.config['MAX_CONTENT_LENGTH']} bytes")


def _shutting_down(error: StoreClosed) -> Response:
    # refused whole, never half stored; OTLP clients retry a 503, after Retry-After
    response = failure(503, f"Service unavailable: {error}; retry")
    response.headers["Retry-After"] = "1"
    return response


def _internal_error(_error) -> Response:
    # a bug, not bad input: logged with its traceback by Flask
    return failure(500, "Internal error: see the collector's log")


def init_app(app: Flask) -> None:
    """Mount POST /v1/traces (OPTIONS is answered by Flask; cors.py adds the preflight headers)."""
    blueprint = Blueprint("otlp", __name__)
    blueprint.add_url_rule("/v1/traces", "post_traces", post_traces, methods=["POST"])
    blueprint.register_error_handler(413, _too_large)
    blueprint.register_error_handler(StoreClosed, _shutting_down)
    blueprint.register_error_handler(500, _internal_error)
    app.register_blueprint(blueprint)
