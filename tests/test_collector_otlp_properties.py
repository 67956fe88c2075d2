"""Property-based checks of POST /v1/traces (hypothesis) against the collector app and its real SQLite
store: never a 5xx; a refused request stores nothing; every attribute value becomes a tag."""

import json
import math

from google.protobuf import json_format
from google.rpc import status_pb2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.otlp import ENCODINGS, JSON, PROTOBUF, encode, export_request, otlp_span

from collector import create_app

PROPERTIES = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)

json_documents = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
# OTLP/JSON's own keys, so that the documents get past the top level often
otlp_shaped = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=34),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                ["resourceSpans", "scopeSpans", "spans", "traceId", "spanId", "name", "attributes", "kind"]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=25,
)
scalars = st.text(max_size=20) | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats() | st.binary(max_size=8)
attribute_values = st.recursive(
    st.none() | scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=10,
)


def app():
    return create_app({"db": ":memory:", "retention_hours": 10**6})


def status_of(response) -> status_pb2.Status:
    if response.content_type == PROTOBUF:
        return status_pb2.Status.FromString(response.data)
    return json_format.Parse(response.data, status_pb2.Status())


@PROPERTIES
@given(st.binary(max_size=400) | json_documents.map(lambda v: json.dumps(v).encode()) | otlp_shaped.map(json.dumps))
def test_no_body_makes_a_server_error(body):
    client = app().test_client()
    body = body.encode() if isinstance(body, str) else body
    for content_type in (*ENCODINGS, "text/plain"):
        response = client.post("/v1/traces", data=body, content_type=content_type)
        assert response.status_code in (200, 400, 415), response.data
        if response.status_code != 200:
            assert status_of(response).message  # a google.rpc.Status that says what is wrong


@PROPERTIES
@given(st.sampled_from(ENCODINGS), st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=4))
def test_a_damaged_request_is_stored_whole_or_not_at_all(encoding, damage):
    flask_app = app()
    spans = [otlp_span({"n": n}, span_id=bytes([n + 1]) * 8) for n in range(5)]
    body = bytearray(encode(export_request(*spans), encoding))
    for position, byte in damage:
        body[position % len(body)] = byte
    response = flask_app.test_client().post("/v1/traces", data=bytes(body), content_type=encoding)
    assert response.status_code in (200, 400), response.data
    if response.status_code == 400:
        assert flask_app.extensions["span_store"].span_count() == 0


@PROPERTIES
@given(
    st.dictionaries(st.text(min_size=1, max_size=10), attribute_values, min_size=1, max_size=6),
    st.sampled_from(ENCODINGS),
)
def test_every_attribute_value_becomes_a_string_tag(attributes, encoding):
    client = app().test_client()
    response = client.post(
        "/v1/traces", data=encode(export_request(otlp_span(attributes)), encoding), content_type=encoding
    )
    assert response.status_code == 200, response.data
    [span] = client.get("/api/v2/trace/5b8efff798038103d269b633813fc60c").get_json()
    tags = span.get("tags", {})
    for key, value in attributes.items():
        if key == "error" and value in (False, "false"):
            assert key not in tags  # the one attribute left out
            continue
        assert isinstance(tags[key], str)
        if isinstance(value, str):
            assert tags[key] == value
        elif isinstance(value, bool):
            assert tags[key] == str(value).lower()
        elif isinstance(value, int):
            assert int(tags[key]) == value
        elif isinstance(value, float) and math.isfinite(value):
            assert float(tags[key]) == value
        elif isinstance(value, (list, dict)):
            assert isinstance(json.loads(tags[key]), type(value))


def test_json_content_type_with_a_charset_is_json():
    client = app().test_client()
    body = encode(export_request(otlp_span()), JSON)
    response = client.post("/v1/traces", data=body, content_type="application/json; charset=utf-8")
    assert response.status_code == 200 and response.content_type == JSON
