"""Zipkin's decoding rules for POST /api/v2/spans, one rule per test."""

import gzip
import json

import pytest

from collector.ingest import SpanDecodeError, decode_span_list, inflate


def decode(*spans):
    return decode_span_list(json.dumps(list(spans)).encode())


def span(**fields):
    return {"traceId": "1", "id": "2", **fields}


def test_ids_are_left_padded():
    [s] = decode(span(traceId="abc", id="d", parentId="e"))
    assert (s["traceId"], s["parentId"], s["id"]) == ("0000000000000abc", "000000000000000e", "000000000000000d")


def test_128_bit_trace_id_with_zero_high_half_is_stored_as_64_bit():
    [s] = decode(span(traceId="0" * 16 + "463ac35c9f6413ad"))
    assert s["traceId"] == "463ac35c9f6413ad"


@pytest.mark.parametrize(
    "field,value,problem",
    [
        ("traceId", "ABC", "lower-hex"),
        ("traceId", "0" * 32, "all zeros"),
        ("traceId", "1" * 33, "longer than 32"),
        ("id", "x1", "lower-hex"),
        ("id", "1" * 17, "longer than 16"),
        ("id", True, "lower-hex string"),
        ("timestamp", 1.5, "fraction"),
        ("duration", "ten", "integer microseconds"),
        ("kind", "INTERNAL", "is not one of"),
        ("tags", {"http.status_code": None}, "string value"),
        ("annotations", [{"value": "ws"}], "both timestamp and value"),
    ],
)
def test_bad_field_is_rejected_naming_the_field(field, value, problem):
    with pytest.raises(SpanDecodeError) as error:
        decode(span(), span(**{field: value}))
    assert f"at path $[1].{field}" in str(error.value)
    assert str(error.value).endswith(" reading List<Span> from json")
    assert problem in str(error.value)


def test_missing_ids_are_rejected():
    with pytest.raises(SpanDecodeError, match=r"required at path \$\[0\]\.traceId"):
        decode({"id": "1"})


def test_names_are_lower_cased_and_empty_fields_dropped():
    [s] = decode(span(name="GET /Talks", localEndpoint={"serviceName": "Frontend"}, remoteEndpoint={}, tags={}))
    assert s == {
        "traceId": "0000000000000001",
        "id": "0000000000000002",
        "name": "get /talks",
        "localEndpoint": {"serviceName": "frontend"},
    }


def test_parent_id_equal_to_id_or_zero_is_dropped():
    a, b = decode(span(parentId="2"), span(parentId="0000000000000000"))
    assert "parentId" not in a and "parentId" not in b


def test_zero_or_negative_times_mean_absent():
    [s] = decode(span(timestamp=0, duration=-5))
    assert "timestamp" not in s and "duration" not in s


def test_annotations_are_deduplicated_and_sorted():
    [s] = decode(
        span(
            annotations=[{"timestamp": 2, "value": "b"}, {"timestamp": 1, "value": "a"}, {"timestamp": 2, "value": "b"}]
        )
    )
    assert s["annotations"] == [{"timestamp": 1, "value": "a"}, {"timestamp": 2, "value": "b"}]


def test_shared_is_dropped_on_client_spans_and_false_flags_are_left_out():
    client, server = decode(span(kind="CLIENT", shared=True), span(id="3", kind="SERVER", shared=True, debug=False))
    assert "shared" not in client and server["shared"] is True and "debug" not in server


def test_v1_json_is_recognised():
    with pytest.raises(SpanDecodeError, match="^Expected a JSON_V2 encoded list, but received: JSON_V1$"):
        decode(span(binaryAnnotations=[]))


@pytest.mark.parametrize("body", [b"{", b'{"traceId": "1"}', b"hello", b"\xff\xfe", b"[" * 100_000])
def test_malformed_bodies_are_rejected_as_not_a_list(body):
    with pytest.raises(SpanDecodeError, match="^Expected a JSON_V2 encoded list$"):
        decode_span_list(body)


def test_a_list_item_that_is_not_an_object_is_named():
    with pytest.raises(SpanDecodeError, match=r"Expected a span object at path \$\[0\]"):
        decode_span_list(b"[1]")


def test_empty_body_and_empty_list_are_fine():
    assert decode_span_list(b"") == [] and decode_span_list(b"[]") == []


def test_gzip_bomb_is_refused_at_the_limit():
    bomb = gzip.compress(b" " * 5_000_000)
    with pytest.raises(SpanDecodeError) as error:
        inflate(bomb, limit=1_000_000)
    assert error.value.status == 413


def test_gzip_garbage_is_a_clear_400():
    with pytest.raises(SpanDecodeError, match="^Cannot gunzip spans$") as error:
        inflate(b"not gzip", limit=1000)
    assert error.value.status == 400
