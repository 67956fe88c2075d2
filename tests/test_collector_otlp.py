"""POST /v1/traces over real HTTP: answers by the OTLP specification, spans read back through the Zipkin
API and the viewer like any span, bad input refused whole with a google.rpc.Status, CORS as for Zipkin."""

import gzip
import json
import uuid

import pytest
import requests
from google.protobuf import json_format
from google.rpc import code_pb2, error_details_pb2, status_pb2
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status
from support import start_server
from support.otlp import ENCODINGS, JSON, PROTOBUF, encode, export_request, now_ns, otlp_span, post_otlp

from collector import create_app


@pytest.fixture(scope="module")
def collector(tmp_path_factory):
    """One collector for this module's tests; each test uses trace ids of its own."""
    log_dir = tmp_path_factory.mktemp("otlp")
    server = start_server(
        ["collector", "--db", str(log_dir / "spans.db"), "--max-body-bytes", "200000"], "otlp", log_dir
    )
    yield server
    server.stop()


@pytest.fixture(params=ENCODINGS, ids=["protobuf", "json"])
def encoding(request):
    return request.param


def new_trace_id() -> bytes:
    return uuid.uuid4().bytes


def stored(collector, trace_id: bytes):
    response = requests.get(f"{collector.url}/api/v2/trace/{trace_id.hex()}", timeout=5)
    return response.json() if response.status_code == 200 else None


def rpc_status(response: requests.Response) -> status_pb2.Status:
    """The google.rpc.Status of a failure, decoded from the answer's own encoding."""
    if response.headers["Content-Type"] == PROTOBUF:
        return status_pb2.Status.FromString(response.content)
    return json_format.Parse(response.text, status_pb2.Status())


def field_violations(status: status_pb2.Status) -> list[tuple[str, str]]:
    found = []
    for detail in status.details:
        bad_request = error_details_pb2.BadRequest()
        assert detail.Unpack(bad_request)
        found += [(v.field, v.description) for v in bad_request.field_violations]
    return found


def action_request(
    trace_id: bytes, session: str = "otlp-session", frontend: str = "frontend", backend: str = "backend"
):
    """A user action as the browser and the backend would send it: root, fetch (CLIENT), server."""
    start = now_ns()
    root = otlp_span({"session.id": session}, trace_id=trace_id, span_id=b"\x01" * 8, name="Show Talks")
    fetch = otlp_span(
        {"session.id": session, "peer.service": backend},
        trace_id=trace_id,
        span_id=b"\x02" * 8,
        parent_span_id=b"\x01" * 8,
        kind=Span.SPAN_KIND_CLIENT,
        name="POST",
        start_time_unix_nano=start - 4_000_000,
    )
    server = otlp_span(
        {"session.id": session, "http.route": "/graphql"},
        trace_id=trace_id,
        span_id=b"\x03" * 8,
        parent_span_id=b"\x02" * 8,
        kind=Span.SPAN_KIND_SERVER,
        name="POST /graphql",
        start_time_unix_nano=start - 3_000_000,
        status=Status(code=Status.STATUS_CODE_ERROR, message="resolver failed"),
    )
    request = export_request(root, fetch, resource={"service.name": frontend}, scope={"name": "web"})
    served = export_request(server, resource={"service.name": backend}, scope={"name": "flask", "version": "0.66b1"})
    request.resource_spans.extend(served.resource_spans)
    return request


def test_a_protobuf_request_is_answered_200_with_a_protobuf_response_once_stored(collector):
    trace_id = new_trace_id()
    response = post_otlp(collector.url, action_request(trace_id), PROTOBUF)
    assert (response.status_code, response.headers["Content-Type"]) == (200, PROTOBUF)
    answer = ExportTraceServiceResponse.FromString(response.content)
    assert not answer.HasField("partial_success")
    spans = stored(collector, trace_id)  # no polling: the 200 came after the commit
    assert {(s["localEndpoint"]["serviceName"], s["name"]) for s in spans} == {
        ("frontend", "show talks"),
        ("frontend", "post"),
        ("backend", "post /graphql"),
    }


def test_a_json_request_is_answered_200_with_a_json_response(collector):
    trace_id = new_trace_id()
    response = post_otlp(collector.url, action_request(trace_id), JSON)
    assert (response.status_code, response.headers["Content-Type"], response.json()) == (200, JSON, {})
    assert len(stored(collector, trace_id)) == 3


def test_otlp_spans_read_back_through_every_zipkin_query_and_the_viewer(collector, encoding):
    trace_id, unique = new_trace_id(), uuid.uuid4().hex[:8]
    session, web, api = f"s-{unique}", f"web-{unique}", f"api-{unique}"
    assert post_otlp(collector.url, action_request(trace_id, session, web, api), encoding).status_code == 200

    def get(path, **params):
        response = requests.get(f"{collector.url}{path}", params=params, timeout=5)
        assert response.status_code == 200, response.text
        return response

    assert {web, api} <= set(get("/api/v2/services").json())
    assert get("/api/v2/spans", serviceName=api).json() == ["post /graphql"]
    assert get("/api/v2/remoteServices", serviceName=web).json() == [api]
    found = get("/api/v2/traces", annotationQuery=f"session.id={session}").json()
    assert [trace[0]["traceId"] for trace in found] == [trace_id.hex()]
    errors = get("/api/v2/traces", serviceName=api, annotationQuery="error=resolver failed").json()
    assert [trace[0]["traceId"] for trace in errors] == [trace_id.hex()]
    end_ts = get(f"/api/v2/trace/{trace_id.hex()}").json()[0]["timestamp"] // 1000 + 60_000
    assert {"parent": web, "child": api, "callCount": 1, "errorCount": 1} in get(
        "/api/v2/dependencies", endTs=end_ts, lookback=120_000
    ).json()
    page = get(f"/zipkin/traces/{trace_id.hex()}").text
    assert all(f"{byte * 8}" in page for byte in ("01", "02", "03"))  # every span id on the page
    assert trace_id.hex() in get(f"/zipkin/journeys/{session}").text


def test_an_otlp_span_is_stored_exactly_as_the_zipkin_span_it_maps_to(collector, encoding):
    otlp_trace, zipkin_trace = new_trace_id(), new_trace_id()
    start = now_ns()
    span = otlp_span(
        {"http.route": "/graphql", "retries": 2, "cached": False},
        trace_id=otlp_trace,
        kind=Span.SPAN_KIND_SERVER,
        name="POST /graphql",
        start_time_unix_nano=start,
        end_time_unix_nano=start + 7_000_000,
        events=[Span.Event(name="sent", time_unix_nano=start + 1_000_000)],
        status=Status(code=Status.STATUS_CODE_OK),
    )
    assert post_otlp(collector.url, export_request(span, resource={"service.name": "backend"}), encoding).ok
    zipkin = {
        "traceId": zipkin_trace.hex(),
        "id": span.span_id.hex(),
        "kind": "SERVER",
        "name": "POST /graphql",
        "timestamp": start // 1000,
        "duration": 7000,
        "localEndpoint": {"serviceName": "backend"},
        "annotations": [{"timestamp": start // 1000 + 1000, "value": "sent"}],
        "tags": {"http.route": "/graphql", "retries": "2", "cached": "false", "otel.status_code": "OK"},
    }
    assert requests.post(f"{collector.url}/api/v2/spans", json=[zipkin], timeout=5).status_code == 202
    as_otlp = requests.get(f"{collector.url}/api/v2/trace/{otlp_trace.hex()}", timeout=5).text
    as_zipkin = requests.get(f"{collector.url}/api/v2/trace/{zipkin_trace.hex()}", timeout=5).text
    assert as_otlp == as_zipkin.replace(zipkin_trace.hex(), otlp_trace.hex())  # byte for byte


def test_gzipped_requests_are_accepted(collector, encoding):
    trace_id = new_trace_id()
    body = gzip.compress(encode(action_request(trace_id), encoding))
    response = requests.post(
        f"{collector.url}/v1/traces",
        data=body,
        headers={"Content-Type": encoding, "Content-Encoding": "gzip"},
        timeout=5,
    )
    assert response.status_code == 200 and len(stored(collector, trace_id)) == 3


def test_an_empty_request_is_a_success(collector, encoding):
    response = requests.post(f"{collector.url}/v1/traces", data=b"", headers={"Content-Type": encoding}, timeout=5)
    assert response.status_code == 200 and response.headers["Content-Type"] == encoding


BAD_IDS = [
    ("trace_id", b"\x01" * 8, "traceId", "8 bytes (16 hex digits), expected 16"),
    ("trace_id", bytes(16), "traceId", "all zeros"),
    ("span_id", b"\x01" * 4, "spanId", "4 bytes (8 hex digits), expected 8"),
    ("span_id", bytes(8), "spanId", "all zeros"),
    ("parent_span_id", b"\x01" * 16, "parentSpanId", "16 bytes (32 hex digits), expected 8"),
]


@pytest.mark.parametrize(("field", "value", "name", "problem"), BAD_IDS, ids=[f"{b[0]}-{b[3]}" for b in BAD_IDS])
def test_a_bad_id_is_a_400_naming_the_span_and_nothing_of_the_request_is_stored(
    collector, encoding, field, value, name, problem
):
    good_trace = new_trace_id()
    bad = otlp_span(**{"trace_id": good_trace, "span_id": b"\x09" * 8, field: value})
    request = export_request(otlp_span(trace_id=good_trace), bad)
    response = post_otlp(collector.url, request, encoding)
    assert (response.status_code, response.headers["Content-Type"]) == (400, encoding)
    status = rpc_status(response)
    path = f"resourceSpans[0].scopeSpans[0].spans[1].{name}"
    assert status.code == code_pb2.INVALID_ARGUMENT
    assert status.message == f"Invalid span: {path}: {problem}"
    assert field_violations(status) == [(path, problem)]
    assert stored(collector, good_trace) is None  # all or nothing


@pytest.mark.parametrize(
    ("content_type", "body", "message"),
    [
        (PROTOBUF, b"\x0a\x05\x0a\x03", "Expected a protobuf ExportTraceServiceRequest: Error parsing message"),
        (JSON, b'{"resourceSpans": [', "Expected an OTLP/JSON ExportTraceServiceRequest: Expecting value"),
        (JSON, b'{"resourceSpans": 7}', "Expected an OTLP/JSON ExportTraceServiceRequest: Failed to parse"),
        (JSON, b"\xff\xfe", "Expected an OTLP/JSON ExportTraceServiceRequest: "),
    ],
    ids=["truncated-protobuf", "truncated-json", "json-of-the-wrong-shape", "not-utf8"],
)
def test_a_malformed_body_is_a_400_with_the_reason(collector, content_type, body, message):
    response = requests.post(f"{collector.url}/v1/traces", data=body, headers={"Content-Type": content_type}, timeout=5)
    assert (response.status_code, response.headers["Content-Type"]) == (400, content_type)
    assert rpc_status(response).message.startswith(message), rpc_status(response).message


def test_a_json_id_that_is_not_hex_is_a_400_naming_it(collector):
    document = {"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "x" * 32, "spanId": "01" * 8}]}]}]}
    response = requests.post(f"{collector.url}/v1/traces", json=document, timeout=5)
    assert response.status_code == 400
    [(field, problem)] = field_violations(rpc_status(response))
    assert (field, problem) == ("resourceSpans[0].scopeSpans[0].spans[0].traceId", f"'{'x' * 32}' is not a hex string")


def test_garbage_gzip_is_a_400(collector, encoding):
    headers = {"Content-Type": encoding, "Content-Encoding": "gzip"}
    response = requests.post(f"{collector.url}/v1/traces", data=b"not gzip", headers=headers, timeout=5)
    assert response.status_code == 400 and rpc_status(response).message == "Cannot gunzip spans"


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "text/plain"},
        {"Content-Type": "application/x-thrift"},
        {"Content-Type": "application/grpc"},
        {},
        {"Content-Type": PROTOBUF, "Content-Encoding": "br"},
    ],
    ids=["text", "thrift", "grpc", "no-content-type", "brotli"],
)
def test_other_content_types_and_encodings_are_415(collector, headers):
    body = encode(action_request(new_trace_id()), PROTOBUF)
    response = requests.post(f"{collector.url}/v1/traces", data=body, headers=headers, timeout=5)
    assert response.status_code == 415
    assert rpc_status(response).message.startswith("Unsupported Content-"), response.text


def test_a_body_over_the_limit_is_413_and_so_is_a_gzip_bomb(collector, encoding):
    too_big = export_request(
        *[otlp_span({"pad": "x" * 1000}, span_id=bytes([1, n, 1, 1, 1, 1, 1, 1])) for n in range(250)]
    )
    response = post_otlp(collector.url, too_big, encoding)
    assert (response.status_code, response.headers["Content-Type"]) == (413, encoding)
    assert rpc_status(response).message == "Request body is larger than the limit of 200000 bytes"
    bomb = gzip.compress(b" " * 5_000_000)  # 5 kB on the wire
    headers = {"Content-Type": encoding, "Content-Encoding": "gzip"}
    response = requests.post(f"{collector.url}/v1/traces", data=bomb, headers=headers, timeout=5)
    assert response.status_code == 413
    assert rpc_status(response).message == "gzip body inflates past the limit of 200000 bytes"


def test_a_closing_store_is_a_503_with_retry_after_and_nothing_stored(tmp_path, encoding):
    # the state the collector is in while it stops: its store closed under a request (see journey/serve.py)
    app = create_app({"db": str(tmp_path / "spans.db")})
    app.extensions["span_store"].close()
    body = encode(action_request(new_trace_id()), encoding)
    response = app.test_client().post("/v1/traces", data=body, content_type=encoding)
    assert (response.status_code, response.headers["Retry-After"], response.content_type) == (503, "1", encoding)
    status = status_pb2.Status.FromString(response.data) if encoding == PROTOBUF else json.loads(response.data)
    assert "retry" in (status.message if encoding == PROTOBUF else status["message"])


def test_cors_preflight_and_post_from_a_browser_origin(collector):
    origin = {"Origin": "http://localhost:8000"}
    preflight = requests.options(
        f"{collector.url}/v1/traces",
        timeout=5,
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,content-encoding",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"  # the default, as for /api/v2/spans
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert preflight.headers["Access-Control-Allow-Headers"].lower() == "content-type, content-encoding"
    posted = post_otlp(collector.url, action_request(new_trace_id()), JSON, headers=origin)
    assert (posted.status_code, posted.headers["Access-Control-Allow-Origin"]) == (200, "*")
    refused = post_otlp(collector.url, export_request(otlp_span(span_id=bytes(8))), JSON, headers=origin)
    assert (refused.status_code, refused.headers["Access-Control-Allow-Origin"]) == (400, "*")  # readable by the page


def test_cors_for_listed_origins_on_otlp(tmp_path):
    server = start_server(
        ["collector", "--db", ":memory:", "--allowed-origins", "http://localhost:8000"], "otlp-cors", tmp_path
    )
    try:
        allowed = post_otlp(
            server.url, action_request(new_trace_id()), JSON, headers={"Origin": "http://localhost:8000"}
        )
        assert allowed.headers["Access-Control-Allow-Origin"] == "http://localhost:8000"
        assert allowed.headers["Vary"] == "Origin"
        other = post_otlp(server.url, action_request(new_trace_id()), JSON, headers={"Origin": "http://evil.example"})
        assert "Access-Control-Allow-Origin" not in other.headers
    finally:
        server.stop()
