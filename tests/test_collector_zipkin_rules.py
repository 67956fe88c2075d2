"""Zipkin's API rules, one test each, over real HTTP against the collector."""

import gzip
import json
import time

import pytest
import requests
from support.zipkin_proto import ListOfSpans

NOW_US = int(time.time() * 1_000_000)


def post(collector, spans, path="/api/v2/spans", **kwargs):
    return requests.post(f"{collector.url}{path}", data=json.dumps(spans), timeout=5, **kwargs)


def get(collector, path, **params):
    return requests.get(f"{collector.url}{path}", params=params, timeout=5)


def rpc_trace(trace_id, *, start=NOW_US, error=False, client_service="frontend", server_service="backend"):
    """frontend (local) → frontend CLIENT → backend SERVER → backend CLIENT to an uninstrumented db."""
    server_tags = {"error": "boom"} if error else {}
    return [
        {
            "traceId": trace_id,
            "id": "1",
            "name": "click",
            "timestamp": start,
            "duration": 900,
            "localEndpoint": {"serviceName": client_service},
        },
        {
            "traceId": trace_id,
            "id": "2",
            "parentId": "1",
            "kind": "CLIENT",
            "name": "post",
            "timestamp": start + 10,
            "duration": 800,
            "localEndpoint": {"serviceName": client_service},
        },
        {
            "traceId": trace_id,
            "id": "3",
            "parentId": "2",
            "kind": "SERVER",
            "name": "post /graphql",
            "timestamp": start + 20,
            "duration": 700,
            "localEndpoint": {"serviceName": server_service},
            "tags": server_tags,
        },
        {
            "traceId": trace_id,
            "id": "4",
            "parentId": "3",
            "kind": "CLIENT",
            "name": "select",
            "timestamp": start + 30,
            "duration": 100,
            "localEndpoint": {"serviceName": server_service},
            "remoteEndpoint": {"serviceName": "sqlite"},
        },
    ]


def test_both_api_prefixes_serve_the_same_store(collector):
    assert post(collector, rpc_trace("a1"), path="/zipkin/api/v2/spans").status_code == 202
    assert len(get(collector, "/api/v2/trace/a1").json()) == 4
    assert len(get(collector, "/zipkin/api/v2/trace/a1").json()) == 4


def test_accepted_is_202_with_an_empty_body_and_empty_lists_are_fine(collector):
    for body in (b"", b"[]"):
        response = requests.post(f"{collector.url}/api/v2/spans", data=body, timeout=5)
        assert (response.status_code, response.content) == (202, b"")


def test_protobuf_list_of_spans_is_stored_like_json(collector):
    message = ListOfSpans()
    span = message.spans.add(
        trace_id=bytes.fromhex("463ac35c9f6413ad48485a3953bb6124"),
        id=bytes.fromhex("a2fb4a1d1a96d312"),
        parent_id=bytes.fromhex("0000000000000001"),
        kind=2,
        name="GET /Talks",
        timestamp=NOW_US,
        duration=207,
        debug=True,
    )
    span.local_endpoint.service_name = "Backend"
    span.local_endpoint.ipv4 = bytes([10, 0, 0, 1])
    span.local_endpoint.port = 8000
    span.annotations.add(timestamp=NOW_US + 5, value="ws")
    span.tags["http.route"] = "/talks"
    response = requests.post(
        f"{collector.url}/api/v2/spans",
        data=message.SerializeToString(),
        headers={"Content-Type": "application/x-protobuf"},
        timeout=5,
    )
    assert response.status_code == 202, response.text
    assert get(collector, "/api/v2/trace/463ac35c9f6413ad48485a3953bb6124").json() == [
        {
            "traceId": "463ac35c9f6413ad48485a3953bb6124",
            "parentId": "0000000000000001",
            "id": "a2fb4a1d1a96d312",
            "kind": "SERVER",
            "name": "get /talks",
            "timestamp": NOW_US,
            "duration": 207,
            "localEndpoint": {"serviceName": "backend", "ipv4": "10.0.0.1", "port": 8000},
            "annotations": [{"timestamp": NOW_US + 5, "value": "ws"}],
            "tags": {"http.route": "/talks"},
            "debug": True,
        }
    ]


def test_malformed_protobuf_is_refused_and_nothing_stored(collector):
    good = ListOfSpans()
    good.spans.add(trace_id=b"\x00" * 7 + b"\x05", id=b"\x00" * 7 + b"\x06")
    body = good.SerializeToString() + b"\x0a\xff\x01\x00"  # a second span whose length runs past the end
    response = requests.post(
        f"{collector.url}/api/v2/spans", data=body, headers={"Content-Type": "application/x-protobuf"}, timeout=5
    )
    assert response.status_code == 400 and response.text.startswith("Expected a PROTO3 encoded list")
    assert get(collector, "/api/v2/trace/5").status_code == 404


def test_128_bit_trace_id_with_zero_high_bits_is_found_by_its_64_bit_form(collector):
    post(collector, rpc_trace("0000000000000000" + "00000000000000b7"))
    assert get(collector, "/api/v2/trace/b7").json()[0]["traceId"] == "00000000000000b7"
    assert get(collector, "/api/v2/trace/" + "0" * 16 + "00000000000000b7").status_code == 200


def test_strict_trace_id_false_finds_a_128_bit_trace_by_its_low_half(tmp_path):
    from support import start_server

    server = start_server(["collector", "--db", ":memory:", "--strict-trace-id", "false"], "lenient", tmp_path)
    try:
        post(server, rpc_trace("1234567890abcdef" + "00000000000000c8"))
        assert len(get(server, "/api/v2/trace/00000000000000c8").json()) == 4
    finally:
        server.stop()


def test_strict_trace_id_true_does_not(collector):
    post(collector, rpc_trace("1234567890abcdef" + "00000000000000c9"))
    assert get(collector, "/api/v2/trace/00000000000000c9").status_code == 404


@pytest.mark.parametrize(
    "trace_id,message",
    [
        ("XYZ", "XYZ should be lower-hex encoded with no prefix"),
        ("1" * 33, "traceId.length > 32"),
        ("0" * 16, "traceId is all zeros"),
    ],
)
def test_malformed_trace_ids_are_400(collector, trace_id, message):
    response = get(collector, f"/api/v2/trace/{trace_id}")
    assert (response.status_code, response.text.strip()) == (400, message)


def test_trace_many_returns_the_traces_that_exist(collector):
    post(collector, rpc_trace("d1") + rpc_trace("d2"))
    traces = get(collector, "/api/v2/traceMany", traceIds="d1,d2,d3").json()
    assert sorted(t[0]["traceId"] for t in traces) == ["00000000000000d1", "00000000000000d2"]


@pytest.mark.parametrize(
    "trace_ids,message",
    [
        ("", "traceIds parameter is empty"),
        ("d1", "Use /api/v2/trace/{traceId} endpoint to retrieve a single trace"),
        ("d1,00d1", "redundant traceId: 00d1"),
        ("d1,zz", "zz should be lower-hex encoded with no prefix"),
    ],
)
def test_trace_many_refuses_what_zipkin_refuses(collector, trace_ids, message):
    response = get(collector, "/api/v2/traceMany", traceIds=trace_ids)
    assert (response.status_code, response.text.strip()) == (400, message)


def test_mandatory_parameters(collector):
    for path in (
        "/api/v2/spans",
        "/api/v2/remoteServices",
        "/api/v2/traceMany",
        "/api/v2/dependencies",
        "/api/v2/autocompleteValues",
    ):
        response = get(collector, path)
        assert response.status_code == 400 and response.text.startswith(
            "Mandatory parameter/header/attribute is missing: "
        )


def test_span_and_remote_service_names_per_service(collector):
    post(collector, rpc_trace("e1"))
    assert get(collector, "/api/v2/spans", serviceName="Backend").json() == ["post /graphql", "select"]
    assert get(collector, "/api/v2/remoteServices", serviceName="backend").json() == ["sqlite"]
    assert get(collector, "/api/v2/remoteServices", serviceName="nobody").json() == []


def test_names_are_cacheable_once_there_are_more_than_three(collector):
    post(collector, rpc_trace("f1"))
    assert "Cache-Control" not in get(collector, "/api/v2/services").headers
    for index, name in enumerate(("a", "b", "c")):
        post(collector, rpc_trace(f"f{index + 2}", client_service=name))
    assert get(collector, "/api/v2/services").headers["Cache-Control"] == "max-age=300, must-revalidate"


def test_traces_by_remote_service_and_duration_hold_on_the_named_service(collector):
    post(collector, rpc_trace("b1"))
    post(collector, rpc_trace("b2", client_service="mobile", server_service="api"))
    ids = lambda **q: [t[0]["traceId"][-2:] for t in get(collector, "/api/v2/traces", **q).json()]  # noqa: E731
    assert ids(remoteServiceName="sqlite") == ["b2", "b1"]
    assert ids(serviceName="backend", remoteServiceName="sqlite") == ["b1"]
    assert ids(serviceName="frontend", remoteServiceName="sqlite") == []  # the frontend calls no sqlite
    assert ids(serviceName="backend", minDuration="700") == ["b1"]
    assert ids(serviceName="backend", minDuration="701") == []
    assert ids(serviceName="frontend", minDuration="850", maxDuration="950") == ["b1"]
    assert ids(spanName="all") == ["b2", "b1"]


def test_a_trace_is_dated_by_its_root_span(collector):
    late_root = rpc_trace("c1", start=NOW_US - 3_600_000_000)  # the root an hour ago ...
    late_root[3]["timestamp"] = NOW_US  # ... and one child now
    post(collector, late_root)
    end_ms = NOW_US // 1000
    assert get(collector, "/api/v2/traces", endTs=end_ms, lookback=60_000).json() == []
    assert len(get(collector, "/api/v2/traces", endTs=end_ms - 3_500_000, lookback=200_000).json()) == 1


def test_dependencies_link_client_and_server_once_and_count_errors(collector):
    post(collector, rpc_trace("f10") + rpc_trace("f11", error=True))
    links = get(collector, "/api/v2/dependencies", endTs=NOW_US // 1000 + 1000, lookback=60_000).json()
    assert sorted(links, key=lambda link: link["parent"]) == [
        {"parent": "backend", "child": "sqlite", "callCount": 2},
        {"parent": "frontend", "child": "backend", "callCount": 2, "errorCount": 1},
    ]


def test_dependencies_need_a_positive_end(collector):
    response = get(collector, "/api/v2/dependencies", endTs="0")
    assert (response.status_code, response.text.strip()) == (400, "endTs <= 0")


def test_autocomplete_offers_configured_keys_and_their_values(collector):
    trace = rpc_trace("a7")
    trace[0]["tags"] = {"session.id": "s-1", "secret": "x"}
    post(collector, trace)
    assert "session.id" in get(collector, "/api/v2/autocompleteKeys").json()
    assert get(collector, "/api/v2/autocompleteValues", key="session.id").json() == ["s-1"]
    assert get(collector, "/api/v2/autocompleteValues", key="secret").json() == []


def test_cors_refuses_origins_not_allowed(tmp_path):
    from support import start_server

    server = start_server(
        ["collector", "--db", ":memory:", "--allowed-origins", "http://localhost:8000"], "cors", tmp_path
    )
    try:
        other = requests.options(
            f"{server.url}/api/v2/spans",
            timeout=5,
            headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert "Access-Control-Allow-Origin" not in other.headers
        allowed = requests.get(f"{server.url}/api/v2/services", headers={"Origin": "http://localhost:8000"}, timeout=5)
        assert allowed.headers["Access-Control-Allow-Origin"] == "http://localhost:8000"
    finally:
        server.stop()


def test_unsupported_methods_get_404_as_in_zipkin(collector):
    assert requests.delete(f"{collector.url}/api/v2/spans", timeout=5).status_code == 404
    assert requests.put(f"{collector.url}/api/v2/traces", timeout=5).status_code == 404


def test_bodies_over_the_limit_get_413_and_store_nothing(tmp_path):
    from support import start_server

    server = start_server(["collector", "--db", ":memory:", "--max-body-bytes", "2000"], "small", tmp_path)
    try:
        big = rpc_trace("9a") * 10
        assert post(server, big).status_code == 413
        zipped = requests.post(
            f"{server.url}/api/v2/spans",
            data=gzip.compress(json.dumps(big).encode()),
            headers={"Content-Encoding": "gzip"},
            timeout=5,
        )
        assert zipped.status_code == 413
        assert get(server, "/api/v2/trace/9a").status_code == 404
    finally:
        server.stop()


def test_huge_times_are_answered_not_crashed_on(collector):
    # found by the spec run: milliseconds * 1000 past SQLite's 64-bit integers
    for path in ("/api/v2/dependencies", "/api/v2/traces"):
        response = get(collector, path, endTs="9223372036854775807", lookback="10000000000000000")
        assert response.status_code == 200 and response.json() == []
    response = get(collector, "/api/v2/traces", limit="99999999999")
    assert (response.status_code, response.text.strip()) == (400, 'For input string: "99999999999"')
