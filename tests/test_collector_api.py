"""The collector over real HTTP: what is posted is stored and found; what is bad is refused whole."""

import gzip
import json
import time

import pytest
import requests

from collector.ingest import NOT_A_LIST

NOW_US = int(time.time() * 1_000_000)


def make_trace(trace_id: str, service: str = "frontend", start_us: int = NOW_US, session: str = "s1") -> list[dict]:
    return [
        {
            "traceId": trace_id,
            "id": "a1",
            "name": "show talks",
            "timestamp": start_us,
            "duration": 9000,
            "localEndpoint": {"serviceName": service},
            "tags": {"session.id": session},
        },
        {
            "traceId": trace_id,
            "id": "b2",
            "parentId": "a1",
            "kind": "CLIENT",
            "name": "POST",
            "timestamp": start_us + 100,
            "duration": 8000,
            "localEndpoint": {"serviceName": service},
            "annotations": [{"timestamp": start_us + 200, "value": "wire.send"}],
        },
        {
            "traceId": trace_id,
            "id": "c3",
            "parentId": "b2",
            "kind": "SERVER",
            "name": "POST /graphql",
            "timestamp": start_us + 500,
            "duration": 6000,
            "localEndpoint": {"serviceName": "backend"},
            "tags": {"http.route": "/graphql"},
        },
    ]


def post(collector, spans, **kwargs):
    return requests.post(f"{collector.url}/api/v2/spans", data=json.dumps(spans), timeout=5, **kwargs)


def trace_ids(collector, **params):
    response = requests.get(f"{collector.url}/api/v2/traces", params=params, timeout=5)
    assert response.status_code == 200, response.text
    return [trace[0]["traceId"] for trace in response.json()]


def test_posted_trace_reads_back_by_id_in_zipkin_form(collector):
    assert post(collector, make_trace("7d")).status_code == 202
    response = requests.get(f"{collector.url}/api/v2/trace/7d", timeout=5)
    assert response.status_code == 200
    spans = response.json()
    assert [s["id"] for s in spans] == ["00000000000000a1", "00000000000000b2", "00000000000000c3"]
    assert spans[2] == {
        "traceId": "000000000000007d",
        "parentId": "00000000000000b2",
        "id": "00000000000000c3",
        "kind": "SERVER",
        "name": "post /graphql",
        "timestamp": NOW_US + 500,
        "duration": 6000,
        "localEndpoint": {"serviceName": "backend"},
        "tags": {"http.route": "/graphql"},
    }
    assert list(spans[2]) == [
        "traceId",
        "parentId",
        "id",
        "kind",
        "name",
        "timestamp",
        "duration",
        "localEndpoint",
        "tags",
    ]


def test_search_by_service_span_name_tag_and_time(collector):
    post(collector, make_trace("1001", session="alpha", start_us=NOW_US - 5_000_000))
    post(collector, make_trace("1002", service="other", session="beta"))
    assert trace_ids(collector, serviceName="frontend") == ["0000000000001001"]
    assert trace_ids(collector, serviceName="backend") == ["0000000000001002", "0000000000001001"]
    assert trace_ids(collector, spanName="show talks", serviceName="other") == ["0000000000001002"]
    assert trace_ids(collector, annotationQuery="session.id=alpha") == ["0000000000001001"]
    assert trace_ids(collector, annotationQuery="wire.send and session.id=beta") == ["0000000000001002"]
    assert trace_ids(collector, annotationQuery="session.id=gamma") == []
    # the backend's spans carry no session tag: with serviceName the terms must hold on its spans
    assert trace_ids(collector, serviceName="backend", annotationQuery="session.id=alpha") == []
    assert trace_ids(collector, limit="1") == ["0000000000001002"]
    end_ms = (NOW_US - 2_000_000) // 1000
    assert trace_ids(collector, endTs=str(end_ms), lookback="10000") == ["0000000000001001"]
    services = requests.get(f"{collector.url}/api/v2/services", timeout=5).json()
    assert services == ["backend", "frontend", "other"]


def test_a_batch_with_one_bad_span_is_refused_whole(collector):
    batch = make_trace("2001")
    batch[1]["timestamp"] = 1.5
    response = post(collector, batch)
    assert response.status_code == 400
    assert "at path $[1].timestamp" in response.text and "fraction" in response.text
    assert requests.get(f"{collector.url}/api/v2/trace/2001", timeout=5).status_code == 404
    assert requests.get(f"{collector.url}/api/v2/services", timeout=5).json() == []


def test_browser_beacon_text_plain_and_gzip_are_accepted(collector):
    beacon = post(collector, make_trace("3001"), headers={"Content-Type": "text/plain;charset=UTF-8"})
    zipped = requests.post(
        f"{collector.url}/api/v2/spans",
        data=gzip.compress(json.dumps(make_trace("3002")).encode()),
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
        timeout=5,
    )
    assert (beacon.status_code, zipped.status_code) == (202, 202)
    for trace_id in ("3001", "3002"):
        assert len(requests.get(f"{collector.url}/api/v2/trace/{trace_id}", timeout=5).json()) == 3


def test_query_errors_are_400_with_zipkin_messages(collector):
    cases = {
        "limit=0": "limit <= 0",
        "lookback=-1": "lookback <= 0",
        "endTs=0": "endTs <= 0",
        "maxDuration=5": "maxDuration is only valid with minDuration",
        "limit=ten": 'For input string: "ten"',
    }
    for query, message in cases.items():
        response = requests.get(f"{collector.url}/api/v2/traces?{query}", timeout=5)
        assert (response.status_code, response.text) == (400, message)
    bad_id = requests.get(f"{collector.url}/api/v2/trace/XYZ", timeout=5)
    assert bad_id.status_code == 400
    missing = requests.get(f"{collector.url}/api/v2/trace/abcdef", timeout=5)
    assert (missing.status_code, missing.text.strip()) == (404, "0000000000abcdef not found")


def test_cors_lets_the_app_origin_post_spans(collector):
    preflight = requests.options(
        f"{collector.url}/api/v2/spans",
        timeout=5,
        headers={
            "Origin": "http://localhost:8000",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"  # the default, any origin, as in Zipkin
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert preflight.headers["Access-Control-Allow-Headers"].lower() == "content-type"
    posted = post(collector, make_trace("4001"), headers={"Origin": "http://localhost:8000"})
    assert (posted.status_code, posted.headers["Access-Control-Allow-Origin"]) == (202, "*")


def test_health_and_viewer_pages(collector):
    assert requests.get(f"{collector.url}/health", timeout=5).json()["status"] == "UP"
    post(collector, make_trace("5001"))
    root = requests.get(f"{collector.url}/", timeout=5, allow_redirects=False)
    assert root.status_code in (301, 302) and root.headers["Location"].endswith("/zipkin/")
    search = requests.get(f"{collector.url}/zipkin/?serviceName=frontend", timeout=5)
    assert search.status_code == 200 and "/zipkin/traces/0000000000005001" in search.text
    page = requests.get(f"{collector.url}/zipkin/traces/5001", timeout=5)
    assert page.status_code == 200 and page.text.count('data-span-id="') == 2  # client + server: one row
    assert all(span_id in page.text for span_id in ("00000000000000a1", "00000000000000b2", "00000000000000c3"))


def test_numbers_are_read_as_zipkins_json_reader_reads_them(collector):
    """A number where a string belongs is the text it was written as; a string where a number belongs
    is the number it spells (a port of -1 is none): what real Zipkin stores for this very body."""
    body = (
        f'[{{"traceId": "6001", "id": 161, "name": 5, "timestamp": "{NOW_US}", "duration": " 1e3 ",'
        ' "localEndpoint": {"serviceName": 12, "port": "8000"}, "remoteEndpoint": {"serviceName": "db", "port": -1},'
        f' "annotations": [{{"timestamp": "{NOW_US + 1}", "value": 7}}],'
        ' "tags": {"retries": 1, "ratio": 1.50, "zero": -0, "big": 1E+3, "huge": 99999999999999999999}}]'
    )
    assert requests.post(f"{collector.url}/api/v2/spans", data=body, timeout=5).status_code == 202
    assert requests.get(f"{collector.url}/api/v2/trace/6001", timeout=5).json() == [
        {
            "traceId": "0000000000006001",
            "id": "0000000000000161",
            "name": "5",
            "timestamp": NOW_US,
            "duration": 1000,
            "localEndpoint": {"serviceName": "12", "port": 8000},
            "remoteEndpoint": {"serviceName": "db"},
            "annotations": [{"timestamp": NOW_US + 1, "value": "7"}],
            "tags": {"big": "1E+3", "huge": "99999999999999999999", "ratio": "1.50", "retries": "1", "zero": "-0"},
        }
    ]


@pytest.mark.parametrize(
    "fields",
    [
        '"name": true',
        '"tags": {"a": false}',
        '"duration": "1.5"',
        '"duration": "1_0"',
        '"duration": ""',
        '"duration": NaN',
        '"timestamp": 1.5e0',
        '"debug": 1',
        '"localEndpoint": {"port": "70000"}',
        '"localEndpoint": {"port": 1.5}',
        '"name": 1' + "1" * 1023,  # 1024 characters: past Gson's buffer
        '"duration": 1.' + "0" * 1022,
        '"name": 1' + "0" * 65,  # Gson's sum of its digits wraps to 0: malformed to it
        '"timestamp": "0x1p99999"',  # a hexadecimal double past Java's range: infinity, no long
        '"localEndpoint": {"port": "-0x1p99999"}',
    ],
)
def test_what_zipkins_json_reader_refuses_is_refused(collector, fields):
    body = f'[{{"traceId": "6002", "id": "1", {fields}}}]'
    response = requests.post(f"{collector.url}/api/v2/spans", data=body, timeout=5)
    assert response.status_code == 400
    assert "at path $[0]" in response.text or response.text == NOT_A_LIST  # NaN is no JSON, for Zipkin either
    assert requests.get(f"{collector.url}/api/v2/trace/6002", timeout=5).status_code == 404


def test_any_content_type_but_protobuf_is_read_as_json_as_zipkin_does(collector):
    response = post(collector, make_trace("6003"), headers={"Content-Type": "application/x-thrift"})
    assert (response.status_code, response.content, response.headers.get("Content-Type")) == (202, b"", None)
    assert len(requests.get(f"{collector.url}/api/v2/trace/6003", timeout=5).json()) == 3


def test_trace_ids_are_normalized_as_zipkin_does(collector):
    post(collector, make_trace("00000000000060a4") + make_trace("60b5"))
    many = requests.get(f"{collector.url}/api/v2/traceMany?traceIds=60a4,0060a4,60b5", timeout=5)
    # 0060a4 pads to 16 like 60a4: the same id; 00 + 16 digits pads to 32: another id, the same trace
    assert (many.status_code, many.text) == (400, "redundant traceId: 0060a4")
    many = requests.get(f"{collector.url}/api/v2/traceMany?traceIds=00000000000060a4,0000000000000000060a4", timeout=5)
    assert many.status_code == 200 and [t[0]["traceId"] for t in many.json()] == ["00000000000060a4"]
    spaced = requests.get(f"{collector.url}/api/v2/traceMany?traceIds=60a4,%2060b5", timeout=5)
    assert (spaced.status_code, spaced.text) == (400, " 60b5 should be lower-hex encoded with no prefix")
    assert requests.get(f"{collector.url}/api/v2/trace/%2060a4%20", timeout=5).status_code == 200  # trimmed here
    unknown = requests.get(f"{collector.url}/api/v2/trace/00123456789abcdef0", timeout=5)
    assert (unknown.status_code, unknown.text) == (404, "0000000000000000123456789abcdef0 not found")


def test_annotation_query_terms_are_parsed_as_zipkin_does(collector):
    post(collector, make_trace("7001", session="alpha", start_us=NOW_US - 1_000_000))
    post(collector, make_trace("7002", session="beta"))
    assert trace_ids(collector, annotationQuery="  session.id = alpha ") == ["0000000000007001"]  # trimmed
    # a bare key does not widen a tag's value given before it
    assert trace_ids(collector, annotationQuery="session.id=alpha and session.id") == ["0000000000007001"]
    assert trace_ids(collector, annotationQuery="session.id") == ["0000000000007002", "0000000000007001"]
    # a term with no key looks for an empty key, which no span has: nothing is found
    assert trace_ids(collector, annotationQuery="session.id=alpha and ") == []
    assert trace_ids(collector, annotationQuery="=alpha") == []
