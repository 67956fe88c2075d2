"""Property-based checks of span ingest (hypothesis) against the collector app and its real SQLite store:
never a 5xx; every span the Zipkin spec allows is stored and read back exactly; one bad span refuses
the whole batch."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collector import create_app

HEX = "0123456789abcdef"
hex_id = lambda n: st.text(HEX, min_size=n, max_size=n).filter(lambda s: set(s) != {"0"})  # noqa: E731
names = (
    st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30)
    .map(str.lower)
    .filter(lambda s: s == s.lower())
)
micros = st.integers(min_value=1, max_value=2**53)
PROPERTIES = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)


@st.composite
def zipkin_spans(draw, trace_id=None):
    """A span in the form Zipkin stores it (ids padded, names lower-case, empty fields left out)."""
    span = {"traceId": trace_id or draw(st.one_of(hex_id(16), hex_id(32).filter(lambda s: not s.startswith("0" * 16))))}
    span_id = draw(hex_id(16))
    parent = draw(st.one_of(st.none(), hex_id(16)))
    if parent and parent != span_id:
        span["parentId"] = parent
    span["id"] = span_id
    kind = draw(st.sampled_from([None, "CLIENT", "SERVER", "PRODUCER", "CONSUMER"]))
    if kind:
        span["kind"] = kind
    if draw(st.booleans()):
        span["name"] = draw(names)
    for field in ("timestamp", "duration"):
        if draw(st.booleans()):
            span[field] = draw(micros)
    if draw(st.booleans()):
        span["localEndpoint"] = {"serviceName": draw(names)}
    annotations = draw(st.lists(st.tuples(micros, names), max_size=3, unique=True))
    if annotations:
        span["annotations"] = [{"timestamp": t, "value": v} for t, v in sorted(annotations)]
    tags = draw(st.dictionaries(names, st.text(max_size=40), max_size=4))
    if tags:
        span["tags"] = dict(sorted(tags.items()))
    if draw(st.booleans()):
        span["debug"] = True
    if kind != "CLIENT" and draw(st.booleans()):
        span["shared"] = True
    return span


def client():
    return create_app({"db": ":memory:", "retention_hours": 10**6}).test_client()


@PROPERTIES
@given(st.lists(zipkin_spans(), min_size=1, max_size=5, unique_by=lambda s: (s["traceId"], s["id"])))
def test_every_allowed_span_is_read_back_exactly(spans):
    api = client()
    assert api.post("/api/v2/spans", data=json.dumps(spans)).status_code == 202
    for span in spans:
        stored = api.get(f"/api/v2/trace/{span['traceId']}").get_json()
        assert span in stored


BAD_FIELDS = [
    ("traceId", "ABC"),
    ("id", ""),
    ("timestamp", 1.5),
    ("kind", "INTERNAL"),
    ("tags", {"k": 1}),
    ("annotations", [{"value": "x"}]),
    ("localEndpoint", "svc"),
    ("duration", "10"),
]


@PROPERTIES
@given(
    st.lists(zipkin_spans(), min_size=1, max_size=4, unique_by=lambda s: (s["traceId"], s["id"])),
    st.sampled_from(BAD_FIELDS),
    st.integers(min_value=0, max_value=4),
)
def test_one_bad_span_refuses_the_whole_batch(spans, bad, position):
    api = client()
    broken = {**spans[0], "id": "f" * 16, bad[0]: bad[1]}
    batch = spans[:position] + [broken] + spans[position:]
    response = api.post("/api/v2/spans", data=json.dumps(batch))
    assert response.status_code == 400 and "reading List<Span> from json" in response.get_data(as_text=True)
    assert api.get("/api/v2/services").get_json() == []
    assert all(api.get(f"/api/v2/trace/{s['traceId']}").status_code == 404 for s in spans)


@PROPERTIES
@given(
    st.one_of(
        st.binary(max_size=300),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
            lambda children: (
                st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
            ),
            max_leaves=20,
        ).map(lambda value: json.dumps(value).encode()),
    )
)
def test_no_body_makes_a_server_error(body):
    api = client()
    for content_type in ("application/json", "text/plain", "application/x-protobuf"):
        assert api.post("/api/v2/spans", data=body, content_type=content_type).status_code in (202, 400, 413, 415)
