"""What Zipkin's own UI (Lens) and other outside clients see of zipkin-server, seen here over real HTTP:
the UI config, status lines, error texts, what no route serves, cache headers, the autocomplete key
rule and CORS."""

import json
import time

import pytest
import requests
from support import start_server

NOW_US = int(time.time() * 1_000_000)

# zipkin-server's /zipkin/config.json with its defaults, byte for byte (Jackson's pretty printer)
ZIPKIN_UI_CONFIG = """{
  "environment" : "",
  "queryLimit" : 10,
  "defaultLookback" : 900000,
  "searchEnabled" : true,
  "logsUrl" : null,
  "supportUrl" : null,
  "archivePostUrl" : null,
  "archiveUrl" : null,
  "dependency" : {
    "enabled" : true,
    "lowErrorRate" : 0.5,
    "highErrorRate" : 0.75
  }
}"""


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


@pytest.fixture
def listed_origins(tmp_path):
    """A collector that allows two origins only, one of them configured in upper case."""
    server = start_server(
        ["collector", "--db", ":memory:", "--allowed-origins", "http://localhost:8000,http://Other.example"],
        "cors-list",
        tmp_path,
    )
    yield server
    server.stop()


def test_ui_config_is_zipkin_servers_default(collector):
    response = get(collector, "/zipkin/config.json")
    assert response.status_code == 200
    assert response.text == ZIPKIN_UI_CONFIG
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["Cache-Control"] == "max-age=600"
    again = get(collector, "/zipkin/config.json", headers={"If-None-Match": response.headers["ETag"]})
    assert (again.status_code, again.content) == (304, b"")
    # Lens on another origin reads it like the API
    elsewhere = get(collector, "/zipkin/config.json", headers={"Origin": "http://lens.example"})
    assert elsewhere.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    "method, path, status, reason",
    [
        ("GET", "/api/v2/services", 200, "OK"),
        ("POST", "/api/v2/spans", 202, "Accepted"),
        ("GET", "/api/v2/traces?limit=0", 400, "Bad Request"),
        ("GET", "/api/v2/trace/abc", 404, "Not Found"),
        ("GET", "/zipkin/api/v2/trace/abc", 404, "Not Found"),
        ("GET", "/no/such/page", 404, "Not Found"),
        ("DELETE", "/api/v2/spans", 404, "Not Found"),
        ("DELETE", "/zipkin/config.json", 405, "Method Not Allowed"),
        ("TRACE", "/no/such", 405, "Method Not Allowed"),
    ],
)
def test_status_lines_carry_zipkins_reason_phrases(collector, method, path, status, reason):
    response = requests.request(method, f"{collector.url}{path}", data=b"[]" if method == "POST" else None, timeout=5)
    assert (response.status_code, response.reason) == (status, reason)


@pytest.mark.parametrize(
    "path, message",
    [
        ("/api/v2/spans", "Mandatory parameter/header/attribute is missing: serviceName"),
        ("/api/v2/traces?limit=x", 'For input string: "x"'),
        ("/api/v2/traces?minDuration=%205", 'For input string: " 5"'),  # Java does not trim
        ("/api/v2/traces?endTs=1_0", 'For input string: "1_0"'),
        ("/api/v2/traces?endTs=1e3", 'For input string: "1e3"'),
        ("/api/v2/traces?endTs=99999999999999999999", 'For input string: "99999999999999999999"'),
        ("/api/v2/traces?limit=", "Cannot set null to primitive type parameter: limit"),
        ("/api/v2/dependencies?endTs=", "Cannot set null to primitive type parameter: endTs"),
        ("/api/v2/dependencies", "Mandatory parameter/header/attribute is missing: endTs"),
    ],
)
def test_bad_parameters_get_the_texts_of_zipkins_framework_and_java(collector, path, message):
    response = get(collector, path)
    assert (response.status_code, response.text) == (400, message)  # no newline after it, as in Zipkin
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_numbers_that_java_parses_are_taken(collector):
    for query in ("limit=%2B5", "endTs=", "minDuration=", "limit=%EF%BC%95"):  # +5, none, none, a full-width 5
        assert get(collector, f"/api/v2/traces?{query}").status_code == 200, query


@pytest.mark.parametrize(
    "method, path, status, body",
    [
        ("GET", "/no/such", 404, b"404 Not Found"),
        ("GET", "/api/v2/trace/", 404, b"404 Not Found"),
        ("POST", "/api/v2/services", 404, b"404 Not Found"),  # Zipkin routes its API by method too
        ("DELETE", "/health", 404, b"404 Not Found"),
        ("HEAD", "/api/v2/services", 404, b""),
        ("HEAD", "/zipkin/config.json", 200, b""),  # a UI file, served to HEAD as in Zipkin
        ("OPTIONS", "/api/v2/spans", 404, b"404 Not Found"),  # not a preflight: no Origin
        # under /zipkin/, Zipkin's UI answers what its API does not serve, 405 but to a GET
        ("HEAD", "/zipkin/api/v2/services", 405, b""),
        ("DELETE", "/zipkin/api/v2/spans", 405, b"405 Method Not Allowed"),
        ("OPTIONS", "/zipkin/config.json", 405, b"405 Method Not Allowed"),
        ("POST", "/zipkin/no/such", 405, b"405 Method Not Allowed"),
        ("GET", "/zipkin/no/such", 404, b"404 Not Found"),
        ("TRACE", "/no/such", 405, b"405 Method Not Allowed"),
    ],
)
def test_what_no_route_serves_is_answered_as_zipkin_does(collector, method, path, status, body):
    response = requests.request(method, f"{collector.url}{path}", timeout=5)
    assert (response.status_code, response.content) == (status, body)


def test_an_answer_without_a_body_names_no_content_type(collector):
    accepted = requests.post(f"{collector.url}/api/v2/spans", data=b"[]", timeout=5)
    preflight = requests.options(
        f"{collector.url}/api/v2/spans",
        headers={"Origin": "http://lens.example", "Access-Control-Request-Method": "POST"},
        timeout=5,
    )
    for response in (accepted, preflight):
        assert response.content == b"" and "Content-Type" not in response.headers, response.headers
    assert (accepted.status_code, preflight.status_code) == (202, 200)


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


def test_cors_for_any_origin_answers_star_without_vary_or_credentials(collector):
    origin = {"Origin": "http://lens.example"}
    answer = get(collector, "/api/v2/services", headers=origin)
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert "Vary" not in answer.headers and "Access-Control-Allow-Credentials" not in answer.headers
    preflight = requests.options(
        f"{collector.url}/zipkin/api/v2/spans",
        timeout=5,
        headers={**origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "Content-Type"},
    )
    assert preflight.status_code == 200 and preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert preflight.headers["Access-Control-Allow-Headers"].lower() == "content-type"
    assert "Vary" not in preflight.headers and "Access-Control-Allow-Credentials" not in preflight.headers


def test_cors_covers_every_path_as_zipkins_does(collector):
    origin = {"Origin": "http://lens.example"}
    for path in ("/no/such", "/zipkin/", "/health"):
        assert get(collector, path, headers=origin).headers["Access-Control-Allow-Origin"] == "*", path
    preflight = requests.options(
        f"{collector.url}/no/such", headers={**origin, "Access-Control-Request-Method": "GET"}, timeout=5
    )
    assert preflight.status_code == 200 and preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]


def test_cors_for_listed_origins_echoes_them_with_vary_and_nothing_for_others(listed_origins):
    for origin in ("http://localhost:8000", "http://other.example"):  # listed as http://Other.example
        answer = get(listed_origins, "/api/v2/services", headers={"Origin": origin})
        assert answer.headers["Access-Control-Allow-Origin"] == origin
        assert answer.headers["Vary"] == "Origin" and "Access-Control-Allow-Credentials" not in answer.headers
    preflight_headers = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    allowed = requests.options(
        f"{listed_origins.url}/api/v2/spans",
        timeout=5,
        headers={"Origin": "http://localhost:8000", **preflight_headers},
    )
    assert allowed.headers["Access-Control-Allow-Origin"] == "http://localhost:8000"
    assert allowed.headers["Vary"] == "Origin" and "POST" in allowed.headers["Access-Control-Allow-Methods"]
    evil = {"Origin": "http://evil.example"}
    for response in (
        get(listed_origins, "/api/v2/services", headers=evil),
        requests.options(f"{listed_origins.url}/api/v2/spans", timeout=5, headers={**evil, **preflight_headers}),
    ):
        assert response.status_code == 200
        cors = {name for name in response.headers if name.lower().startswith("access-control-") or name == "Vary"}
        assert cors == set(), response.headers
