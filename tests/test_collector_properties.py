"""Property-based checks of span ingest (hypothesis) against the collector app and its real SQLite store:
never a 5xx; every span the Zipkin spec allows is stored and read back exactly; one bad span refuses
the whole batch; spans sent again are stored once; tag search finds what Zipkin finds, however the
spans of a trace were batched."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collector import create_app
from collector.store.terms import duration_clauses, duration_range_terms
from collector.store.writes import span_text

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


ASCII = st.text(st.sampled_from([chr(c) for c in range(128)]), max_size=12)  # controls and DEL as often
ANY_CHARACTER = st.text(st.characters(blacklist_categories=()), max_size=12)  # lone surrogates too


def ascii_fields(fields: dict) -> dict:
    """The fields with each character past ASCII of their string keys and values made a "?"."""
    ascii = lambda text: "".join(c if c < "\x80" else "?" for c in text)  # noqa: E731
    return {ascii(k): ascii(v) if isinstance(v, str) else v for k, v in fields.items()}


@PROPERTIES
@given(zipkin_spans(), st.dictionaries(ASCII | ANY_CHARACTER, ASCII | ANY_CHARACTER, max_size=3), st.booleans())
def test_a_spans_stored_text_is_what_the_standard_encoder_writes(span, tags, ascii_only):
    """The write path's faster encoder must give the very text stored so far, which is what finds a
    span sent again (collector/store/duplicates.py), whatever characters it holds."""
    span["tags"] = dict(sorted((span.get("tags", {}) | tags).items()))
    if ascii_only:  # the fast path takes ASCII only: make sure it runs
        span = json.loads(json.dumps(span), object_hook=ascii_fields)
    assert span_text(span) == json.dumps(span, separators=(",", ":"))


BAD_FIELDS = [
    ("traceId", "ABC"),
    ("id", ""),
    ("timestamp", 1.5),
    ("kind", "INTERNAL"),
    ("tags", {"k": True}),
    ("annotations", [{"value": "x"}]),
    ("localEndpoint", "svc"),
    ("duration", "1.5"),
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


def batches_of(spans: list[dict], cuts: list[int]) -> list[list[dict]]:
    """The spans cut into consecutive batches at these positions."""
    bounds = sorted({0, len(spans), *(cut % (len(spans) + 1) for cut in cuts)})
    return [spans[start:end] for start, end in zip(bounds, bounds[1:], strict=False)]


def stored_traces(api, spans: list[dict]) -> dict[str, list[str]]:
    return {
        trace_id: sorted(json.dumps(span, sort_keys=True) for span in api.get(f"/api/v2/trace/{trace_id}").get_json())
        for trace_id in {span["traceId"] for span in spans}
    }


@PROPERTIES
@given(
    st.lists(zipkin_spans(), min_size=1, max_size=6),
    st.lists(st.integers(min_value=0), max_size=3),
    st.randoms(use_true_random=False),
)
def test_spans_sent_again_in_any_batches_are_stored_once(spans, cuts, rng):
    once, again = client(), client()
    assert once.post("/api/v2/spans", data=json.dumps(spans)).status_code == 202
    retried = spans + rng.sample(spans, rng.randrange(len(spans) + 1))  # some sent again, in another order
    rng.shuffle(retried)
    for batch in batches_of(retried, cuts):
        assert again.post("/api/v2/spans", data=json.dumps(batch)).status_code == 202
    assert stored_traces(again, spans) == stored_traces(once, spans)


SERVICES = ["frontend", "backend", "ratings"]
TAGS = {"http.route": ["/a", "/b"], "k3": ["v1", "v123"], "error": ["", "timeout"]}
ANNOTATIONS = ["retry", "error", "k3"]


@st.composite
def traces_to_search(draw):
    """Spans of up to 6 traces with tags and annotations from a small vocabulary, so that queries hit."""
    spans = []
    for number in range(1, draw(st.integers(min_value=1, max_value=6)) + 1):
        for index in range(draw(st.integers(min_value=1, max_value=4))):
            span = {
                "traceId": f"{number:016x}",
                "id": f"{index + 1:016x}",
                "name": "op",
                "timestamp": 1_700_000_000_000_000 + number * 1000 + index,
                "localEndpoint": {"serviceName": draw(st.sampled_from(SERVICES))},
            }
            keys = draw(st.lists(st.sampled_from(sorted(TAGS)), unique=True, max_size=2))
            span["tags"] = {key: draw(st.sampled_from(TAGS[key])) for key in keys}
            if draw(st.booleans()):
                span["annotations"] = [{"timestamp": span["timestamp"], "value": draw(st.sampled_from(ANNOTATIONS))}]
            spans.append(span)
    return spans


criteria = st.one_of(
    st.sampled_from(sorted(TAGS)).flatmap(lambda key: st.sampled_from([f"{key}={v}" for v in TAGS[key]] + [key])),
    st.sampled_from(ANNOTATIONS + ["k3=v12", "absent"]),
)


def zipkin_finds(spans: list[dict], terms: list[str], service: str | None) -> set[str]:
    """The traces Zipkin's QueryRequest.test accepts, written out plainly as the oracle. As in Zipkin's
    parseAnnotationQuery, the query is a map: a `k=v` term always sets its key (the last one wins), a bare
    key only when the key is not there yet, and `k=` is the bare key."""
    criteria: dict[str, str | None] = {}
    for key, equals, value in (term.partition("=") for term in terms):
        if equals:
            criteria[key] = value or None
        else:
            criteria.setdefault(key, None)
    found = set()
    for trace_id in {span["traceId"] for span in spans}:
        own = [s for s in spans if s["traceId"] == trace_id]
        if service is not None:
            own = [s for s in own if s["localEndpoint"]["serviceName"] == service]
        tags = {(key, value) for s in own for key, value in s.get("tags", {}).items()}
        words = {a["value"] for s in own for a in s.get("annotations", ())} | {key for key, _ in tags}
        if own and all((key, value) in tags if value else key in words for key, value in criteria.items()):
            found.add(trace_id)
    return found


@PROPERTIES
@given(
    traces_to_search(),
    st.lists(st.integers(min_value=0), max_size=4),
    st.lists(criteria, min_size=1, max_size=3, unique=True),
    st.sampled_from([None, *SERVICES]),
)
def test_tag_search_finds_what_zipkin_finds_however_the_spans_were_batched(spans, cuts, terms, service):
    api = client()
    for batch in batches_of(spans, cuts):
        assert api.post("/api/v2/spans", data=json.dumps(batch)).status_code == 202
    params = {"annotationQuery": " and ".join(terms), "limit": 100, "endTs": 1_800_000_000_000, "lookback": 10**11}
    if service:
        params["serviceName"] = service
    found = {trace[0]["traceId"] for trace in api.get("/api/v2/traces", query_string=params).get_json()}
    assert found == zipkin_finds(spans, terms, service)


DURATIONS = st.integers(min_value=1, max_value=2**62)


@PROPERTIES
@given(st.lists(DURATIONS, min_size=1, max_size=8), DURATIONS, st.none() | DURATIONS)
def test_the_duration_words_of_a_section_never_miss_a_span_in_the_range_asked_for(durations, low, high):
    """The term index prunes a duration search by each section's longest and shortest span
    (collector/store/terms.py): a section with a span in the range must have a word of every clause."""
    words = set(duration_range_terms(durations))
    clauses = duration_clauses(low, high)
    if any(low <= d and (high is None or d <= high) for d in durations):
        assert all(words.intersection(clause) for clause in clauses)
    if not any(d >= low for d in durations) and low < 2**39:  # nothing long enough: pruned, unless within
        # an eighth of an octave (all of 12.7 days and more share one word)
        assert not words.intersection(clauses[0]) or max(durations) * 1.125 >= low
