"""The facilitator's view answers the checkpoints' questions from a snapshot of the store: each answer
must be the one the real collector gives over HTTP to the same request (ZipkinClient both ways)."""

from __future__ import annotations

import time

import pytest
import requests
from support import start_server

from collector.store import SpanStore
from journey.workshop.snapshot import Snapshot, SnapshotClient
from journey.zipkin_client import CollectorUnreachable, ZipkinClient

MINUTE_US = 60_000_000


def trace(number: int, session: str, ago_min: float, **extra) -> list[dict]:
    """A browser action with its call to the backend, `ago_min` minutes ago (read when the module's collector
    starts, not when pytest imports the module); `extra` tags the backend's span."""
    trace_id = f"{number:032x}"
    start = time.time_ns() // 1000 - int(ago_min * MINUTE_US)
    root = {
        "traceId": trace_id,
        "id": f"{number:08x}00000001",
        "name": "search talks",
        "timestamp": start,
        "duration": 5000,
        "localEndpoint": {"serviceName": "frontend"},
        "tags": {"session.id": session, "ui.action": "search talks"},
    }
    call = {**root, "id": f"{number:08x}00000002", "parentId": root["id"], "name": "post", "kind": "CLIENT"}
    call["timestamp"], call["duration"] = start + 100, 4000
    server = {
        "traceId": trace_id,
        "id": f"{number:08x}00000003",
        "parentId": call["id"],
        "name": "post /graphql",
        "kind": "SERVER",
        "timestamp": start + 300,
        "duration": 3000,
        "localEndpoint": {"serviceName": "backend"},
        "remoteEndpoint": {"serviceName": "frontend"},
        "tags": {"session.id": session, **extra},
    }
    if extra.pop("retry", None):
        server["annotations"] = [{"timestamp": start + 400, "value": "retry"}]
        server["tags"].pop("retry")
    return [root, call, server]


def made_traces() -> list[list[dict]]:
    return [
        trace(1, "s1", 1),
        trace(2, "s1", 2, error="database is locked"),
        trace(3, "s2", 3, retry="yes"),
        trace(4, "s2", 4, **{"service.instance.id": "i-7"}),
        trace(5, "s1", 5, **{"db.system": "sqlite"}),
        trace(6, "s3", 30),  # outside a 15-minute lookback
        trace(7, "s1", 6, **{"journey.synthetic": "true"}),
    ]


# (service, span name, annotationQuery, lookback minutes, limit): what the checkpoints ask, and the edges
QUERIES = [
    ("frontend", None, None, 15, 10),
    ("frontend", None, None, 60, 10),
    ("frontend", "search talks", "session.id=s1", 15, 10),
    ("frontend", "search talks", "session.id=s1", 15, 2),
    ("backend", None, "session.id=s1 and error", 15, 10),
    ("backend", None, "error=database is locked", 15, 10),
    ("backend", None, "error=database", 15, 10),  # exact values only
    ("frontend", None, "error", 15, 10),  # Zipkin looks at the named service's spans only
    ("backend", None, "retry", 15, 10),  # a bare word: an annotation's value
    ("backend", None, "retry=", 15, 10),  # `k=` is a bare word too
    ("backend", None, "service.instance.id=i-7", 15, 100),
    ("backend", None, "service.instance.id", 15, 100),  # a bare key: has the tag
    ("backend", "post /graphql", "session.id=s2 and service.instance.id=i-7", 15, 10),
    ("backend", None, "session.id=s1 and ", 15, 10),  # what ` and ` at the end leaves finds nothing
    ("frontend", None, "ui.action=search talks and session.id=s3", 60, 10),
    ("frontend", None, "session.id=nobody", 15, 10),
    ("ratings", None, None, 15, 10),
]


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """The real collector (its own process) holding made_traces(), and a snapshot read from its database file."""
    logs = tmp_path_factory.mktemp("snapshot")
    server = start_server(["collector", "--db", str(logs / "spans.db")], "collector", logs)
    response = requests.post(f"{server.url}/api/v2/spans", json=[s for t in made_traces() for s in t], timeout=5)
    assert response.status_code == 202, response.text
    store = SpanStore(str(logs / "spans.db"))
    lookback_us = 120 * MINUTE_US
    snapshot = Snapshot(store.traces_in_window(time.time_ns() // 1000, lookback_us), store.service_names())
    store.close()
    yield ZipkinClient(server.url), SnapshotClient(snapshot, server.url)
    server.stop()


def ids(traces: list[list[dict]]) -> list[tuple[str, list[str]]]:
    return [(spans[0]["traceId"], sorted(s["id"] for s in spans)) for spans in traces]


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: f"{q[0]}|{q[1]}|{q[2]}|{q[3]}m|{q[4]}")
def test_the_snapshot_answers_a_trace_search_as_the_collector_does(stored, query):
    http, snapshot = stored
    service, span, annotation_query, lookback_min, limit = query
    expected = http.traces(service, span, annotation_query, lookback_min * 60_000, limit)
    assert ids(snapshot.traces(service, span, annotation_query, lookback_min * 60_000, limit)) == ids(expected)


def test_the_queries_tell_traces_apart(stored):
    """The comparison above means something: the queries' answers differ, and some are empty."""
    http, _ = stored
    answers = [len(http.traces(*q[:3], q[3] * 60_000, q[4])) for q in QUERIES]
    assert 0 in answers and len(set(answers)) >= 4, answers


def test_one_trace_services_and_dependencies_as_the_collector_gives_them(stored):
    http, snapshot = stored
    for trace_id in (f"{3:032x}", f"{99:032x}"):
        assert ids([snapshot.trace(trace_id)] if snapshot.trace(trace_id) else []) == ids(
            [http.trace(trace_id)] if http.trace(trace_id) else []
        )
    assert snapshot.services() == http.services() == ["backend", "frontend"]
    assert snapshot.dependencies(15 * 60_000) == http.dependencies(15 * 60_000) != []


def test_a_request_the_collector_refuses_is_refused_alike(stored):
    http, snapshot = stored
    for client in (http, snapshot):
        with pytest.raises(CollectorUnreachable, match="400: limit <= 0"):
            client.traces("frontend", None, None, 60_000, 0)
        with pytest.raises(CollectorUnreachable, match="400"):
            client.trace("not-hex")


def test_the_journey_link_is_the_collectors_journey_page(stored):
    http, snapshot = stored
    assert snapshot.journey_url("s 1") == f"{http.root}/zipkin/journeys/s%201" == http.journey_url("s 1")
