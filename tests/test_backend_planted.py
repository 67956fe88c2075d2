"""The workshop's planted problems: each visible in the trace with its switch off, gone with it on."""

import logging
import time

import pytest
import requests
from backend_support import GraphQLClient, RatingsServer, planner_app
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode
from support import poll_until, start_server

SHOW_TALKS = "query ShowTalks { talks(limit: 9) { items { title audiences speakers { name } } } }"
RATE = 'mutation SubmitFeedback { submitFeedback(talkId: "2", rating: 5) { id } }'


def statements(exporter, starting="SELECT"):
    return [s for s in exporter.get_finished_spans() if s.attributes.get("db.statement", "").startswith(starting)]


def speaker_queries(exporter):
    return [s for s in statements(exporter) if "FROM speakers" in s.attributes["db.statement"]]


@pytest.mark.parametrize("fixed,expected", [(False, 9), (True, 1)])
def test_n_plus_one(fixed, expected):
    spans = InMemorySpanExporter()
    GraphQLClient(planner_app(spans, fix_n_plus_one=fixed).test_client())(SHOW_TALKS)
    assert len(speaker_queries(spans)) == expected
    # the audiences come with the talks: no other query per talk, fixed or not
    assert len(statements(spans)) == 1 + expected


@pytest.mark.parametrize(
    "query",
    [
        "{ talks { items { title } } }",
        "query Q { talks { items { ...T } } } fragment T on Talk { title }",
    ],
)
def test_the_fix_loads_no_speakers_a_query_does_not_ask_for(query):
    spans = InMemorySpanExporter()
    GraphQLClient(planner_app(spans, fix_n_plus_one=True).test_client())(query)
    assert len(speaker_queries(spans)) == 0 and len(statements(spans)) == 1


@pytest.mark.parametrize(
    "query",
    [
        "query Q { talks(limit: 9) { items { ...T } } } fragment T on Talk { speakers { name } }",
        "{ talks(limit: 9) { items { ... on Talk { speakers { name } } } } }",
    ],
)
def test_the_fix_batches_speakers_asked_for_through_fragments(query):
    spans = InMemorySpanExporter()
    body = GraphQLClient(planner_app(spans, fix_n_plus_one=True).test_client())(query).get_json()
    assert all(item["speakers"] for item in body["data"]["talks"]["items"])
    assert len(speaker_queries(spans)) == 1


@pytest.mark.parametrize("fixed,calls", [(False, 3), (True, 1)])
def test_slow_ratings(fixed, calls):
    spans = InMemorySpanExporter()
    ratings = RatingsServer(spans, delay_ms=150)
    try:
        gql = GraphQLClient(planner_app(spans, ratings_url=ratings.url, fix_slow_ratings=fixed).test_client())
        started = time.perf_counter()
        for _ in range(3):
            gql("query Recommend { recommendations { id } }")
        elapsed = time.perf_counter() - started
    finally:
        ratings.stop()
    served = [s for s in spans.get_finished_spans() if s.name == "GET /ratings"]
    assert len(served) == calls
    assert all(s.end_time - s.start_time >= 150_000_000 for s in served)  # the wait is in the trace
    assert elapsed >= 0.15 * calls


@pytest.mark.parametrize("fixed", [False, True])
def test_flaky_write(fixed):
    spans = InMemorySpanExporter()
    gql = GraphQLClient(planner_app(spans, fix_flaky_write=fixed, flaky_write_rate=1.0).test_client())
    body = gql(RATE).get_json()
    resolver = [s for s in spans.get_finished_spans() if s.name == "resolve Mutation.submitFeedback"][0]
    stored = gql('{ talk(id: "2") { rating } }').get_json()["data"]["talk"]["rating"]
    if fixed:
        assert "errors" not in body and stored == 5.0
        assert [e.name for e in resolver.events] == ["retry"]
        assert len(statements(spans, "INSERT OR IGNORE INTO feedback")) == 2  # the same id, written once
    else:
        assert body["errors"][0]["message"] == "Unexpected error." and stored is None
        assert resolver.status.status_code == StatusCode.ERROR
        [event] = [e for e in resolver.events if e.name == "exception"]
        assert "database is locked" in event.attributes["exception.message"]


def test_telemetry_never_breaks_the_app_when_the_collector_is_down(tmp_path):
    backend = start_server(
        [
            "backend",
            "--db",
            str(tmp_path / "app.db"),
            "--zipkin-endpoint",
            "http://127.0.0.1:9/api/v2/spans",
            "--batch-delay",
            "50",
            "--ratings-url",
            "http://127.0.0.1:9",
        ],
        "backend-no-collector",
        tmp_path,
    )
    try:
        timings = []
        for _ in range(40):
            started = time.perf_counter()
            response = requests.post(f"{backend.url}/graphql", json={"query": SHOW_TALKS}, timeout=5)
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200 and "errors" not in response.json()
            time.sleep(0.02)
        time.sleep(0.3)
        assert sorted(timings)[len(timings) // 2] < 0.5
        log = backend.log()
        assert log.count("cannot export spans to http://127.0.0.1:9/api/v2/spans") == 1, log
        assert "Traceback" not in log
    finally:
        backend.stop()


def test_export_failures_are_logged_once_and_recovery_too(caplog):
    from opentelemetry.sdk.trace.export import SpanExportResult

    from common.zipkin_export import ResilientExporter

    class Flaky:
        def __init__(self):
            self.up = False

        def export(self, spans):
            if not self.up:
                raise ConnectionError("refused")
            return SpanExportResult.SUCCESS

    inner = Flaky()
    exporter = ResilientExporter(inner, "http://collector")
    with caplog.at_level(logging.WARNING):
        for _ in range(5):
            assert exporter.export([object(), object()]) is SpanExportResult.FAILURE
        inner.up = True
        assert exporter.export([object()]) is SpanExportResult.SUCCESS
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2 and "dropping them" in messages[0] and "(10 dropped meanwhile)" in messages[1]
    assert (exporter.dropped, exporter.exported) == (10, 1)


def test_a_planted_write_failure_is_one_line_in_the_demo_log_without_a_traceback(tmp_path):
    backend = start_server(
        [
            "backend",
            "--db",
            str(tmp_path / "app.db"),
            "--zipkin-endpoint",
            "http://127.0.0.1:9/api/v2/spans",
            "--ratings-url",
            "http://127.0.0.1:9",
            "--flaky-write-rate",
            "1",
        ],
        "backend-flaky",
        tmp_path,
    )
    try:
        before = backend.log()
        answer = requests.post(
            f"{backend.url}/graphql", json={"query": RATE}, headers={"baggage": "session.id=s-quiet"}, timeout=5
        ).json()
        assert answer["errors"][0]["message"] == "Unexpected error."
        poll_until(lambda: "feedback write failed" in backend.log(), "the failure's log line")
        time.sleep(0.3)  # anything else it would print
        log = backend.log()[len(before) :]
    finally:
        backend.stop()
    lines = [line for line in log.splitlines() if "database is locked" in line or line.startswith(" ")]
    assert len(lines) == 1 and lines[0].startswith("feedback write failed: database is locked"), log
    assert "Traceback" not in log, log


def test_an_unexpected_error_keeps_its_traceback_in_the_log(caplog):
    import sqlite3

    from strawberry.utils.logging import StrawberryLogger

    from backend import errors

    class Failed:
        def __init__(self, error):
            self.original_error = error

        def __str__(self):
            return str(self.original_error)

    errors.quiet_planted_failures()
    with caplog.at_level(logging.ERROR, logger="strawberry.execution"):
        for error in (sqlite3.OperationalError("disk I/O error"), errors.PlantedWriteFailure("database is locked")):
            try:
                raise error
            except sqlite3.OperationalError as raised:
                StrawberryLogger.error(Failed(raised))
    unexpected, planted = caplog.records
    assert unexpected.exc_info and unexpected.exc_info[1].args == ("disk I/O error",)
    assert (
        planted.exc_info is None
        and planted.getMessage() == "feedback write failed: database is locked; its trace has the stack"
    )
