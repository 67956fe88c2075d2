"""Spans sharing a span id: one rule (collector.rpc), so the waterfall and the dependency links tell the same calls."""

import pytest

from collector.dependencies import link_dependencies
from collector.rpc import Node, merge_shared
from collector.trace_model import build_rows


def span(span_id: str, service: str, kind: str | None = None, parent: str | None = None, **fields) -> dict:
    depth = {None: 0, "1": 1, "2": 2}[parent]
    made = {
        "traceId": "00000000000000e1",
        "id": span_id,
        "name": f"{service} {kind or 'local'}".lower(),
        "timestamp": 1_000_000 + 10 * depth,
        "duration": 1000 - 20 * depth,
        "localEndpoint": {"serviceName": service},
    }
    if parent:
        made["parentId"] = parent
    if kind:
        made["kind"] = kind
    return made | fields


ROOT = span("1", "frontend")
CLIENT = span("2", "frontend", "CLIENT", parent="1")


def calls_in_waterfall(spans: list[dict]) -> set[tuple[str, str]]:
    """The calls the trace page shows as one client + server row."""
    return {tuple(row.services) for row in build_rows(spans) if row.server}


def calls_in_graph(spans: list[dict]) -> set[tuple[str, str]]:
    return {(link["parent"], link["child"]) for link in link_dependencies([spans])}


@pytest.mark.parametrize("server_first", [False, True])
def test_a_client_and_a_server_sharing_an_id_are_one_call(server_first):
    client = span("2", "frontend", "CLIENT", parent="1", tags={"error": "timeout"})
    server = span("2", "backend", "SERVER", parent="1")  # B3: the server reuses its client's span id
    spans = [ROOT, server, client] if server_first else [ROOT, client, server]
    assert merge_shared(spans) == {"1": Node(ROOT), "2": Node(client, server)}
    assert [row.services for row in build_rows(spans)] == [["frontend"], ["frontend", "backend"]]
    assert link_dependencies([spans]) == [{"parent": "frontend", "child": "backend", "callCount": 1, "errorCount": 1}]


def test_a_kindless_piece_of_a_span_does_not_hide_its_server_span():
    # the old waterfall kept the first span of an id (here the piece: no call shown); the links took the SERVER
    piece = span("3", "backend", parent="2", annotations=[{"timestamp": 1_000_030, "value": "wr"}])
    server = span("3", "backend", "SERVER", parent="2")
    spans = [ROOT, CLIENT, piece, server]
    assert merge_shared(spans)["3"] == Node(server)
    assert calls_in_waterfall(spans) == calls_in_graph(spans) == {("frontend", "backend")}


def test_a_server_span_reported_twice_is_not_a_call_to_itself():
    # the old links took the second SERVER as the callee of the first: backend → backend, while the
    # waterfall showed frontend → backend
    first, again = span("3", "backend", "SERVER", parent="2"), span("3", "backend", "SERVER", parent="2")
    spans = [ROOT, CLIENT, first, again]
    assert merge_shared(spans)["3"].span is first
    assert calls_in_waterfall(spans) == calls_in_graph(spans) == {("frontend", "backend")}
