"""What Zipkin's own UI (Lens) and other outside clients see of zipkin-server, seen here over real HTTP:
status lines, cache headers and the autocomplete key rule."""

import json
import time

import pytest
import requests

NOW_US = int(time.time() * 1_000_000)


def post(server, spans):
    response = requests.post(f"{server.url}/api/v2/spans", data=json.dumps(spans), timeout=5)
    assert response.status_code == 202, response.text


def get(server, path, headers=None, **params):
    return requests.get(f"{server.url}{path}", params=params, headers=headers, timeout=5)


def local_spans(trace_id: str, service: str, names: list[str]) -> list[dict]:
    """One trace of `service` alone: a span per name, no remote service."""
    return [
        {
            "traceId": trace_id,
            "id": f"{index + 1:x}",
            "name": name,
            "timestamp": NOW_US + index,
            "duration": 10,
            "localEndpoint": {"serviceName": service},
        }
        for index, name in enumerate(names)
    ]


@pytest.mark.parametrize(
    "method, path, status, reason",
    [
        ("GET", "/api/v2/services", 200, "OK"),
        ("POST", "/api/v2/spans", 202, "Accepted"),
        ("GET", "/api/v2/traces?limit=0", 400, "Bad Request"),
        ("GET", "/api/v2/trace/abc", 404, "Not Found"),
        ("GET", "/zipkin/api/v2/trace/abc", 404, "Not Found"),
        ("GET", "/no/such/page", 404, "Not Found"),
        ("DELETE", "/api/v2/spans", 405, "Method Not Allowed"),
    ],
)
def test_status_lines_carry_zipkins_reason_phrases(collector, method, path, status, reason):
    response = requests.request(method, f"{collector.url}{path}", data=b"[]" if method == "POST" else None, timeout=5)
    assert (response.status_code, response.reason) == (status, reason)


def test_name_lists_are_cached_once_more_than_three_services_are_known(collector):
    post(collector, local_spans("c1", "solo", ["a", "b", "c", "d", "e"]))
    assert get(collector, "/api/v2/services").json() == ["solo"]
    many_names = get(collector, "/api/v2/spans", serviceName="solo")
    assert len(many_names.json()) == 5 and "Cache-Control" not in many_names.headers  # 5 names, 1 service
    for index, service in enumerate(("one", "two", "three")):
        post(collector, local_spans(f"c{index + 2}", service, ["only"]))
    services = get(collector, "/api/v2/services")  # what Lens asks first
    assert len(services.json()) == 4 and services.headers["Cache-Control"] == "max-age=300, must-revalidate"
    one_name = get(collector, "/api/v2/spans", serviceName="one")
    assert one_name.json() == ["only"] and one_name.headers["Cache-Control"] == "max-age=300, must-revalidate"
    no_remote = get(collector, "/api/v2/remoteServices", serviceName="one")
    assert no_remote.json() == [] and no_remote.headers["Cache-Control"] == "max-age=300, must-revalidate"


def test_autocomplete_values_of_an_empty_key_are_refused(collector):
    for prefix in ("/api/v2", "/zipkin/api/v2"):
        response = get(collector, f"{prefix}/autocompleteValues", key="")
        assert (response.status_code, response.reason, response.text.strip()) == (400, "Bad Request", "key was empty")
    assert get(collector, "/api/v2/autocompleteValues", key="session.id").status_code == 200
