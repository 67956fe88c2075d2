"""annotationQuery over real HTTP, as Zipkin answers it: every term on the trace (on the named service's
spans when there is one), tags by `k=v` or key, annotations by value, newest first, whichever batch
brought each term."""

import json
import time

import requests

NOW_US = int(time.time() * 1_000_000)


def trace(number: int, *spans: tuple[str, dict], annotation: str | None = None) -> list[dict]:
    """A trace of one span per (service, tags), started `number` seconds ago: a higher number is older."""
    trace_id = f"{number:032x}"
    start = NOW_US - number * 1_000_000
    made = [
        {
            "traceId": trace_id,
            "id": f"{index + 1:016x}",
            **({"parentId": f"{1:016x}"} if index else {}),
            "name": "op",
            "timestamp": start + index,
            "duration": 10,
            "localEndpoint": {"serviceName": service},
            "tags": tags,
        }
        for index, (service, tags) in enumerate(spans)
    ]
    if annotation:
        made[-1]["annotations"] = [{"timestamp": start, "value": annotation}]
    return made


def post(collector, spans) -> None:
    response = requests.post(f"{collector.url}/api/v2/spans", data=json.dumps(spans), timeout=10)
    assert response.status_code == 202, response.text


def found(collector, query: str, **params) -> list[int]:
    """The numbers of the traces found, in the order of the answer."""
    response = requests.get(
        f"{collector.url}/api/v2/traces", params={"annotationQuery": query, "limit": 10, **params}, timeout=10
    )
    assert response.status_code == 200, response.text
    return [int(spans[0]["traceId"], 16) for spans in response.json()]


def test_tag_queries_find_what_zipkin_finds(collector):
    post(
        collector,
        trace(1, ("frontend", {"k3": "v9"}), ("backend", {"http.route": "/b", "k3": "v123"}))
        + trace(2, ("frontend", {"k3": "v123", "session.id": "s-2"}), ("backend", {"http.route": "/b"}))
        + trace(3, ("backend", {"http.route": "/b", "error": ""}))
        + trace(4, ("ratings", {"k3": "v123"}), annotation="error")
        + trace(5, ("backend", {"http.route": "/a", "k3": "v1234"})),
    )
    assert found(collector, "http.route=/b and k3=v123") == [1, 2]  # on any spans of the trace
    assert found(collector, "http.route=/b and k3=v123", serviceName="backend") == [1]  # on backend's spans
    assert found(collector, "k3=v123", serviceName="frontend") == [2]
    assert found(collector, "k3=v12") == []  # no prefix match
    assert found(collector, "k3=v123 and k3=nothing") == []
    assert found(collector, "error") == [3, 4]  # a tag key, or an annotation's value
    assert found(collector, "error", serviceName="ratings") == [4]
    assert found(collector, "k3") == [1, 2, 4, 5]  # a key alone
    assert found(collector, "session.id=s-2") == [2]  # an AUTOCOMPLETE_KEYS key
    assert found(collector, "http.route=/b", limit=2) == [1, 2]
    # older than the lookback: not found
    assert found(collector, "http.route=/b", endTs=NOW_US // 1000 - 1_500, lookback=1_000) == [2]


def test_terms_that_arrive_in_separate_batches_are_found_together(collector):
    first, second = trace(7, ("frontend", {"ui.action": "search"}), ("backend", {"k3": "v7"}))
    post(collector, [first])
    assert found(collector, "ui.action=search and k3=v7") == []
    post(collector, [second])
    assert found(collector, "ui.action=search and k3=v7") == [7]
    assert found(collector, "k3=v7", serviceName="backend") == [7]
    post(collector, [second])  # sent again: still found, once
    assert found(collector, "ui.action=search and k3=v7") == [7]


def test_a_term_every_trace_has_on_one_service_is_found_on_that_service_only(collector):
    """The index answers per service (collector/store/terms.py), not just per trace, so a common term
    asked for on a service that never has it finds nothing at once, and one trace where it does, is found."""
    for number in range(100, 130):
        post(collector, trace(number, ("frontend", {"ui.action": "open"}), ("backend", {"db.system": "sqlite"})))
    post(collector, trace(99, ("frontend", {"db.system": "sqlite"}), ("backend", {})))
    assert found(collector, "db.system=sqlite", serviceName="frontend") == [99]
    assert found(collector, "db.system=sqlite", serviceName="backend", limit=3) == [100, 101, 102]
    assert found(collector, "db.system=sqlite", serviceName="nobody") == []
    assert found(collector, "db.system=sqlite and ui.action=open", serviceName="frontend") == []
    assert found(collector, "db.system=sqlite and ui.action=open", limit=2) == [100, 101]  # any service


def test_a_span_without_a_service_is_found_by_a_search_on_no_service(collector):
    spans = trace(131, ("backend", {"k3": "v131"}), ("ratings", {"only.here": "yes"}))
    del spans[1]["localEndpoint"]
    post(collector, spans)
    assert found(collector, "only.here=yes and k3=v131") == [131]
    assert found(collector, "only.here=yes", serviceName="backend") == []
