"""The OTLP → Zipkin mapping, one rule per test, each request built with opentelemetry-proto's messages
and decoded from both OTLP/HTTP encodings (binary protobuf and OTLP/JSON)."""

import json
import math

import pytest
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status
from support.otlp import ENCODINGS, JSON, PROTOBUF, SPAN_ID, TRACE_ID, encode, export_request, now_ns, otlp_span

from collector.ingest import FieldError, SpanDecodeError, decode_span_list
from collector.otlp_decode import decode_request
from collector.otlp_mapping import zipkin_spans


@pytest.fixture(params=ENCODINGS, ids=["protobuf", "json"])
def encoding(request):
    return request.param


@pytest.fixture
def mapped(encoding):
    """Map a request the way POST /v1/traces does, through the encoding under test."""

    def mapped(request):
        return zipkin_spans(decode_request(encode(request, encoding), encoding))

    return mapped


def one(mapped, *spans_or_span, **request_fields):
    [span] = mapped(export_request(*spans_or_span, **request_fields))
    return span


def tags_of(mapped, attributes=None, **span_fields):
    return one(mapped, otlp_span(attributes, **span_fields)).get("tags", {})


def test_ids_become_lower_hex_and_a_zero_or_empty_parent_none(mapped):
    parent = bytes.fromhex("00f067aa0ba902b7")
    spans = mapped(
        export_request(
            otlp_span(parent_span_id=parent),
            otlp_span(span_id=b"\x01" * 8, parent_span_id=bytes(8)),
            otlp_span(span_id=b"\x02" * 8),
        )
    )
    assert spans[0]["traceId"] == TRACE_ID.hex() and spans[0]["id"] == SPAN_ID.hex()
    assert spans[0]["parentId"] == "00f067aa0ba902b7"
    assert "parentId" not in spans[1] and "parentId" not in spans[2]


def test_a_trace_id_with_a_zero_high_half_is_stored_as_zipkin_stores_it(mapped):
    span = one(mapped, otlp_span(trace_id=bytes(8) + b"\x0a" * 8))
    assert span["traceId"] == "0a0a0a0a0a0a0a0a"  # Zipkin's rule: a 64-bit id


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("trace_id", b"\x01" * 8, "traceId: 8 bytes (16 hex digits), expected 16"),
        ("trace_id", b"", "traceId: 0 bytes (0 hex digits), expected 16"),
        ("trace_id", bytes(16), "traceId: all zeros"),
        ("span_id", b"\x01" * 16, "spanId: 16 bytes (32 hex digits), expected 8"),
        ("span_id", bytes(8), "spanId: all zeros"),
        ("parent_span_id", b"\x01" * 4, "parentSpanId: 4 bytes (8 hex digits), expected 8"),
    ],
)
def test_an_id_of_the_wrong_length_or_all_zeros_rejects_the_request_naming_the_span(mapped, field, value, problem):
    good = otlp_span(span_id=b"\x07" * 8)
    with pytest.raises(FieldError) as error:
        mapped(export_request(good, otlp_span(**{field: value})))
    assert str(error.value) == f"resourceSpans[0].scopeSpans[0].spans[1].{problem}"


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (Span.SPAN_KIND_SERVER, "SERVER"),
        (Span.SPAN_KIND_CLIENT, "CLIENT"),
        (Span.SPAN_KIND_PRODUCER, "PRODUCER"),
        (Span.SPAN_KIND_CONSUMER, "CONSUMER"),
        (Span.SPAN_KIND_INTERNAL, None),
        (Span.SPAN_KIND_UNSPECIFIED, None),
    ],
)
def test_kinds(mapped, kind, expected):
    assert one(mapped, otlp_span(kind=kind)).get("kind") == expected


def test_names_are_normalized_as_zipkin_names(mapped):
    assert one(mapped, otlp_span(name="GET /Talks")).get("name") == "get /talks"
    assert "name" not in one(mapped, otlp_span(name=""))


def test_times_are_whole_microseconds_truncated_and_a_duration_at_least_one(mapped):
    start = now_ns()
    span = one(mapped, otlp_span(start_time_unix_nano=start + 999, end_time_unix_nano=start + 5_000_500))
    assert (span["timestamp"], span["duration"]) == (start // 1000, 5000)
    instant = one(mapped, otlp_span(start_time_unix_nano=start, end_time_unix_nano=start + 400))
    assert instant["duration"] == 1
    backwards = one(mapped, otlp_span(start_time_unix_nano=start, end_time_unix_nano=start - 10_000))
    assert backwards["duration"] == 1


def test_a_span_without_a_start_has_neither_timestamp_nor_duration(mapped):
    span = one(mapped, otlp_span(start_time_unix_nano=0, end_time_unix_nano=now_ns()))
    assert "timestamp" not in span and "duration" not in span


def test_service_name_comes_from_the_resource_else_unknown_service(mapped):
    assert one(mapped, otlp_span(), resource={"service.name": "Backend"})["localEndpoint"] == {"serviceName": "backend"}
    assert one(mapped, otlp_span(), resource={})["localEndpoint"] == {"serviceName": "unknown_service"}
    assert one(mapped, otlp_span(), resource={"service.name": ""})["localEndpoint"] == {
        "serviceName": "unknown_service"
    }


def test_local_ip_and_port_come_from_the_network_local_attributes(mapped):
    span = one(mapped, otlp_span({"network.local.address": "10.0.0.2", "network.local.port": 8000}))
    assert span["localEndpoint"] == {"serviceName": "svc", "ipv4": "10.0.0.2", "port": 8000}
    v6 = one(mapped, otlp_span({"network.local.address": "::1", "network.local.port": 70000}))
    assert v6["localEndpoint"] == {"serviceName": "svc", "ipv6": "::1"}  # no such port: left out
    named = one(mapped, otlp_span({"network.local.address": "backend.local"}))
    assert named["localEndpoint"] == {"serviceName": "svc"}  # not an ip: left out, as Zipkin does


@pytest.mark.parametrize(
    ("attributes", "remote"),
    [
        ({"peer.service": "Ratings", "server.address": "ratings.local", "db.system.name": "x"}, "ratings"),
        ({"service.peer.name": "search", "peer.service": "other"}, "search"),
        ({"db.system.name": "sqlite", "server.address": "db.local", "db.name": "app"}, "sqlite"),
        ({"db.system": "sqlite", "db.name": "app"}, "sqlite"),
        (
            {"server.address": "API.example.com", "net.peer.name": "old", "network.peer.address": "10.0.0.9"},
            "api.example.com",
        ),
        ({"net.peer.name": "old.example.com", "network.peer.address": "10.0.0.9"}, "old.example.com"),
        ({"network.peer.address": "10.0.0.9", "peer.hostname": "h"}, "10.0.0.9"),
        ({"server.socket.domain": "sock.example", "peer.address": "p"}, "sock.example"),
        ({"peer.hostname": "host-a", "db.name": "app"}, "host-a"),
        ({"db.name": "app"}, "app"),
        ({"http.request.method": "GET"}, None),
    ],
    ids=lambda value: "-".join(value) if isinstance(value, dict) else str(value),
)
def test_a_client_names_its_remote_service_by_the_ranking(mapped, attributes, remote):
    span = one(mapped, otlp_span(attributes, kind=Span.SPAN_KIND_CLIENT))
    assert span.get("remoteEndpoint", {}).get("serviceName") == remote


def test_only_clients_and_producers_get_a_remote_endpoint(mapped):
    attributes = {"peer.service": "ratings"}
    for kind in (Span.SPAN_KIND_CLIENT, Span.SPAN_KIND_PRODUCER):
        assert one(mapped, otlp_span(attributes, kind=kind))["remoteEndpoint"] == {"serviceName": "ratings"}
    for kind in (Span.SPAN_KIND_SERVER, Span.SPAN_KIND_CONSUMER, Span.SPAN_KIND_INTERNAL):
        assert "remoteEndpoint" not in one(mapped, otlp_span(attributes, kind=kind))


def test_remote_ip_and_port_come_from_the_network_peer_attributes(mapped):
    attributes = {"peer.service": "ratings", "network.peer.address": "10.0.0.7", "network.peer.port": 8001}
    span = one(mapped, otlp_span(attributes, kind=Span.SPAN_KIND_CLIENT))
    assert span["remoteEndpoint"] == {"serviceName": "ratings", "ipv4": "10.0.0.7", "port": 8001}


def test_attribute_values_as_tag_text(mapped):
    tags = tags_of(
        mapped,
        {
            "s": "Hello World",
            "b": True,
            "f": False,
            "i": -42,
            "d": 3.25,
            "big": 1.23e20,
            "nan": math.nan,
            "inf": math.inf,
            "ninf": -math.inf,
            "bytes": b"hello world",
            "empty": None,
            "arr": ["a", 1, True, None, 2.5, math.nan, b"hi"],
            "map": {"a": "x", "b": 2, "c": [3, None]},
        },
    )
    assert tags == {
        "s": "Hello World",
        "b": "true",
        "f": "false",
        "i": "-42",
        "d": "3.25",
        "big": "1.23e+20",
        "nan": "NaN",
        "inf": "Infinity",
        "ninf": "-Infinity",
        "bytes": "aGVsbG8gd29ybGQ=",
        "empty": "",
        "arr": '["a", 1, true, null, 2.5, "NaN", "aGk="]',
        "map": '{"a": "x", "b": 2, "c": [3, null]}',
    }


def test_a_repeated_attribute_key_keeps_its_last_value(mapped):
    span = otlp_span({"k": "first"})
    span.attributes.add(key="k").value.string_value = "last"
    assert one(mapped, span)["tags"] == {"k": "last"}


def test_resource_attributes_other_than_service_name_are_tags_and_span_attributes_win(mapped):
    resource = {"service.name": "svc", "host.name": "box-1", "deployment.environment.name": "bench"}
    span = one(mapped, otlp_span({"deployment.environment.name": "span's own"}), resource=resource)
    assert span["tags"] == {"host.name": "box-1", "deployment.environment.name": "span's own"}


@pytest.mark.parametrize(
    ("status", "attributes", "expected"),
    [
        (Status(), {}, {}),
        (Status(code=Status.STATUS_CODE_OK, message="ignored"), {}, {"otel.status_code": "OK"}),
        (
            Status(code=Status.STATUS_CODE_ERROR, message="timeout"),
            {},
            {"otel.status_code": "ERROR", "error": "timeout"},
        ),
        (Status(code=Status.STATUS_CODE_ERROR), {}, {"otel.status_code": "ERROR", "error": ""}),
        (
            Status(code=Status.STATUS_CODE_ERROR, message="m"),
            {"error": "E42"},
            {"otel.status_code": "ERROR", "error": "E42"},
        ),
        (
            Status(code=Status.STATUS_CODE_ERROR, message="m"),
            {"error": False},
            {"otel.status_code": "ERROR", "error": "m"},
        ),
        (Status(code=Status.STATUS_CODE_OK), {"error": "false"}, {"otel.status_code": "OK"}),
        (Status(), {"error": False}, {}),
    ],
    ids=[
        "unset",
        "ok",
        "error",
        "error-without-description",
        "error-attribute-kept",
        "false-replaced",
        "ok-false",
        "unset-false",
    ],
)
def test_status(mapped, status, attributes, expected):
    assert tags_of(mapped, attributes, status=status) == expected


def test_scope_name_and_version_and_attributes_are_tags(mapped):
    scope = {"name": "journey.backend", "version": "1.2", "attributes": {"scope.kind": "lib"}}
    span = one(mapped, otlp_span({"otel.scope.name": "spoofed"}), scope=scope)
    assert span["tags"] == {"otel.scope.name": "journey.backend", "otel.scope.version": "1.2", "scope.kind": "lib"}
    unversioned = one(mapped, otlp_span(), scope={"name": "journey.backend"})
    assert unversioned["tags"] == {"otel.scope.name": "journey.backend"}


def test_events_become_annotations_named_alone_or_with_their_attributes_as_json(mapped):
    start = now_ns()
    events = [
        Span.Event(name="cache miss", time_unix_nano=start + 1_500),
        Span.Event(name="exception", time_unix_nano=start + 2_999),
    ]
    events[1].attributes.add(key="exception.type").value.string_value = "ValueError"
    events[1].attributes.add(key="retry").value.int_value = 2
    span = one(mapped, otlp_span(start_time_unix_nano=start, end_time_unix_nano=start + 5_000_000, events=events))
    assert span["annotations"] == [
        {"timestamp": start // 1000 + 1, "value": "cache miss"},
        {"timestamp": start // 1000 + 2, "value": '"exception": {"exception.type": "ValueError", "retry": 2}'},
    ]


def test_an_event_with_dropped_attributes_says_so_in_its_annotation(mapped):
    event = Span.Event(name="log", time_unix_nano=now_ns(), dropped_attributes_count=3)
    [annotation] = one(mapped, otlp_span(events=[event]))["annotations"]
    assert annotation["value"] == '"log": {"otel.dropped_attributes_count": 3}'


def test_an_event_without_a_time_or_a_name_is_dropped_and_counted(mapped):
    events = [
        Span.Event(name="no time"),
        Span.Event(time_unix_nano=now_ns()),
        Span.Event(name="ok", time_unix_nano=now_ns()),
    ]
    span = one(mapped, otlp_span(events=events, dropped_events_count=1))
    assert [a["value"] for a in span["annotations"]] == ["ok"]
    assert span["tags"] == {"otel.dropped_events_count": "3"}


def test_dropped_counts_are_tags_when_not_zero(mapped):
    counts = {"dropped_attributes_count": 4, "dropped_events_count": 5, "dropped_links_count": 6}
    assert tags_of(mapped, **counts) == {
        "otel.dropped_attributes_count": "4",
        "otel.dropped_events_count": "5",
        "otel.dropped_links_count": "6",
    }
    assert tags_of(mapped, dropped_attributes_count=0) == {}


def test_links_and_trace_state_have_no_zipkin_field_and_are_left_out(mapped):
    link = Span.Link(trace_id=b"\x09" * 16, span_id=b"\x09" * 8)
    span = one(mapped, otlp_span(links=[link], trace_state="vendor=1"))
    assert set(span) == {"traceId", "id", "name", "timestamp", "duration", "localEndpoint"}


def test_spans_of_several_resources_and_scopes_each_get_their_own(mapped):
    request = export_request(otlp_span(name="a"), resource={"service.name": "one"}, scope={"name": "s1"})
    second = request.resource_spans.add()
    second.resource.attributes.add(key="service.name").value.string_value = "two"
    scope_spans = second.scope_spans.add()
    scope_spans.scope.name = "s2"
    scope_spans.spans.append(otlp_span(name="b", span_id=b"\x05" * 8))
    spans = mapped(request)
    assert [(s["name"], s["localEndpoint"]["serviceName"], s["tags"]["otel.scope.name"]) for s in spans] == [
        ("a", "one", "s1"),
        ("b", "two", "s2"),
    ]


def test_the_mapped_span_is_what_ingest_makes_of_the_same_zipkin_json(mapped):
    start = now_ns()
    attributes = {"session.id": "s-1", "http.route": "/graphql"}
    event = Span.Event(name="sent", time_unix_nano=start + 1000)
    span = one(
        mapped,
        otlp_span(
            attributes,
            kind=Span.SPAN_KIND_SERVER,
            name="POST /graphql",
            start_time_unix_nano=start,
            end_time_unix_nano=start + 5_000_000,
            events=[event],
        ),
    )
    zipkin = {
        "traceId": TRACE_ID.hex(),
        "id": SPAN_ID.hex(),
        "kind": "SERVER",
        "name": "POST /graphql",
        "timestamp": start // 1000,
        "duration": 5000,
        "localEndpoint": {"serviceName": "svc"},
        "annotations": [{"timestamp": start // 1000 + 1, "value": "sent"}],
        "tags": attributes,
    }
    assert json.dumps(span) == json.dumps(decode_span_list(json.dumps([zipkin]).encode())[0])  # field order too


def test_json_takes_upper_case_hex_ids_string_or_number_integers_and_ignores_unknown_fields():
    start = now_ns()
    document = {
        "resourceSpans": [
            {
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "js"}}]},
                "futureField": {"anything": 1},
                "scopeSpans": [
                    {
                        "scope": {"name": "web"},
                        "spans": [
                            {
                                "traceId": TRACE_ID.hex().upper(),
                                "spanId": SPAN_ID.hex().upper(),
                                "parentSpanId": "",
                                "name": "click",
                                "kind": 3,
                                "startTimeUnixNano": str(start),
                                "endTimeUnixNano": start + 2_000_000,
                                "attributes": [{"key": "n", "value": {"intValue": "7"}}],
                                "unknownToThisVersion": True,
                            }
                        ],
                    }
                ],
            }
        ]
    }
    [span] = zipkin_spans(decode_request(json.dumps(document).encode(), JSON))
    assert (span["traceId"], span["id"], span["kind"]) == (TRACE_ID.hex(), SPAN_ID.hex(), "CLIENT")
    assert (span["timestamp"], span["duration"], span["tags"]["n"]) == (start // 1000, 2000, "7")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "Expected an OTLP/JSON ExportTraceServiceRequest: Expecting property name"),
        (b"[]", "Expected an OTLP/JSON ExportTraceServiceRequest: the body is not a JSON object"),
        (b'{"resourceSpans": {"no": "list"}}', "Expected an OTLP/JSON ExportTraceServiceRequest: Failed to parse"),
        (b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"startTimeUnixNano": "soon"}]}]}]}', "Expected an OTLP/JSON"),
    ],
)
def test_malformed_json_is_refused_with_the_parsers_reason(body, message):
    with pytest.raises(SpanDecodeError, match="^" + message) as error:
        decode_request(body, JSON)
    assert error.value.status == 400


def test_a_json_id_that_is_not_hex_is_refused_naming_it():
    document = {"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "zz" * 16, "spanId": "01" * 8}]}]}]}
    with pytest.raises(FieldError, match=r"^resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.traceId: 'zzzz"):
        decode_request(json.dumps(document).encode(), JSON)


def test_malformed_protobuf_is_refused():
    with pytest.raises(SpanDecodeError, match="^Expected a protobuf ExportTraceServiceRequest: ") as error:
        decode_request(b"\x0a\xff\xff\xff", PROTOBUF)
    assert error.value.status == 400


def test_an_empty_request_in_either_encoding_maps_to_no_spans(encoding):
    assert zipkin_spans(decode_request(b"", encoding)) == []
