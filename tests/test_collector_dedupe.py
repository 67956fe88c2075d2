"""A span sent twice is stored once (as by Zipkin's in-memory and Elasticsearch stores), over real HTTP:
a retried batch changes no trace, no search and no dependency link; spans that differ are all kept."""

import json
import time

import requests

NOW_US = int(time.time() * 1_000_000)
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def span(span_id: str, service: str, **fields) -> dict:
    return {
        "traceId": TRACE,
        "id": span_id,
        "timestamp": NOW_US + int(span_id, 16),
        "duration": 1000,
        "localEndpoint": {"serviceName": service},
        **fields,
    }


# a browser click calling the backend (a shared-id RPC: client and server halves), which calls ratings
TRACE_SPANS = [
    span("1", "frontend", name="click search", tags={"ui.action": "search"}),
    span("2", "frontend", parentId="1", kind="CLIENT", name="post", tags={"http.route": "/graphql"}),
    span(
        "2", "backend", parentId="1", kind="SERVER", name="post /graphql", shared=True, tags={"http.route": "/graphql"}
    ),
    span("3", "backend", parentId="2", kind="CLIENT", name="get", tags={"error": "timeout", "k3": "v123"}),
    span(
        "4",
        "ratings",
        parentId="3",
        kind="SERVER",
        name="get /ratings",
        annotations=[{"timestamp": NOW_US, "value": "retry"}],
    ),
]


def post(collector, spans) -> None:
    response = requests.post(f"{collector.url}/api/v2/spans", data=json.dumps(spans), timeout=10)
    assert response.status_code == 202, response.text


def get(collector, path: str, **params):
    response = requests.get(f"{collector.url}/api/v2/{path}", params=params, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def everything_read(collector) -> dict:
    """What a client can read about the trace: the trace, searches and their counts, the dependency graph."""
    stored = get(collector, f"trace/{TRACE}")
    searches = {
        query: [len(trace) for trace in get(collector, "traces", annotationQuery=query, limit=10)]
        for query in ("error", "http.route=/graphql and k3=v123", "retry", "ui.action=search")
    }
    by_service = [len(t) for t in get(collector, "traces", serviceName="backend", annotationQuery="error")]
    links = get(collector, "dependencies", endTs=NOW_US // 1000 + 60_000, lookback=3_600_000)
    return {
        "trace": sorted(stored, key=json.dumps),
        "searches": searches,
        "by_service": by_service,
        "links": sorted(links, key=json.dumps),
    }


def test_a_batch_posted_twice_reads_as_posted_once(collector):
    post(collector, TRACE_SPANS)
    once = everything_read(collector)
    assert len(once["trace"]) == 5 and once["searches"]["error"] == [5] and once["by_service"] == [5]
    assert {(link["parent"], link["child"], link["callCount"]) for link in once["links"]} == {
        ("frontend", "backend", 1),
        ("backend", "ratings", 1),
    }

    post(collector, TRACE_SPANS)  # an exporter retrying after a timeout
    post(collector, TRACE_SPANS[::-1])  # in another order
    assert everything_read(collector) == once


def test_a_span_repeated_within_a_batch_or_across_overlapping_batches_is_stored_once(collector):
    post(collector, TRACE_SPANS[:3] + TRACE_SPANS[:1])
    post(collector, TRACE_SPANS[1:])  # a retry that overlaps the first batch and completes it
    stored = get(collector, f"trace/{TRACE}")
    assert sorted(s["id"][-1] + s["localEndpoint"]["serviceName"] for s in stored) == [
        "1frontend",
        "2backend",
        "2frontend",
        "3backend",
        "4ratings",
    ]
    assert [len(t) for t in get(collector, "traces", annotationQuery="retry and ui.action=search")] == [5]


def test_spans_that_share_an_id_but_differ_are_all_kept(collector):
    first_part = span("5", "backend", parentId="1", name="render", duration=None)
    later_part = {**first_part, "duration": 2500}  # the same span reported again once it finished
    other_host = {**later_part, "localEndpoint": {"serviceName": "backend", "ipv4": "10.0.0.7"}}
    post(collector, [first_part, later_part])
    post(collector, [other_host, later_part])
    stored = [s for s in get(collector, f"trace/{TRACE}") if s["id"] == "0000000000000005"]
    assert sorted(s.get("duration", 0) for s in stored) == [0, 2500, 2500]
    assert len({json.dumps(s, sort_keys=True) for s in stored}) == 3
