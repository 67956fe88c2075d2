"""The viewer's words for times, durations and counts, and its reading of span events, without a browser."""

import json

import pytest

from collector.readable import ago, clock_text, count, duration
from collector.span_events import exception_facts, read_annotation, span_events

NOW = 1_800_000_000_000_000  # 2027-01-15 08:00:00 UTC


@pytest.mark.parametrize(
    "micros,text",
    [
        (None, ""),
        (250, "250 µs"),
        (1_250, "1.25 ms"),
        (6_000, "6 ms"),
        (12_500, "12.5 ms"),
        (999_400, "999 ms"),
        (999_600, "1 s"),  # rounds into the next unit, not "1e+03 ms"
        (1_250_000, "1.25 s"),
        (45_000_000, "45 s"),
        (125_000_000, "2 min 5 s"),
        (3_780_000_000, "1 h 3 min"),
    ],
)
def test_a_duration_reads_in_the_unit_a_person_would_use(micros, text):
    assert duration(micros) == text


@pytest.mark.parametrize(
    "before,text",
    [(0, "just now"), (12_000_000, "12 s ago"), (125_000_000, "2 min ago"), (3 * 3_600_000_000, "3 h ago")],
)
def test_how_long_ago(before, text):
    assert ago(NOW - before, NOW) == text


def test_a_clock_time_has_its_date_only_when_not_today():
    assert clock_text(NOW + 3_723_456_789, NOW) == "09:02:03"
    assert clock_text(NOW + 3_723_456_789, NOW, precise=True) == "09:02:03.456"
    assert clock_text(NOW - 86_400_000_000, NOW) == "2027-01-14 08:00:00"
    assert clock_text(2**63 - 1, NOW).startswith("9999-12-31")  # a query's nonsense end, not a crash


@pytest.mark.parametrize("number,text", [(0, "0 traces"), (1, "1 trace"), (2, "2 traces")])
def test_counts_are_singular_for_one(number, text):
    assert count(number, "trace") == text
    assert count(1, "query", "queries") == "1 query" and count(3, "query", "queries") == "3 queries"


STACK = 'Traceback (most recent call last):\n  File "x.py", line 1\nValueError: no'
FACTS = {"exception.type": "ValueError", "exception.message": "no", "exception.stacktrace": STACK}


@pytest.mark.parametrize(
    "value",
    [
        json.dumps({"exception": FACTS}),  # the Python SDK's Zipkin exporter
        f'"exception": {json.dumps(FACTS)}',  # OTLP as collector.otlp_mapping (and zipkin-otel) write it
    ],
    ids=["zipkin-json-exporter", "otlp-mapping"],
)
def test_an_exception_event_is_read_back_with_its_attributes(value):
    assert read_annotation(value) == ("exception", FACTS)
    span = {"annotations": [{"timestamp": 2, "value": value}, {"timestamp": 1, "value": "fetchStart"}]}
    events = span_events(span)
    assert [event.name for event in events] == ["fetchStart", "exception"]  # in time order
    assert exception_facts(span, events)["exception.stacktrace"].count("\n") == 2


def test_the_browsers_exception_comes_from_its_tags():
    # the JavaScript SDK's Zipkin exporter keeps only the event's name; frontend/src/errors.js copies the facts to tags
    span = {"annotations": [{"timestamp": 1, "value": "exception"}], "tags": FACTS | {"error": "no"}}
    events = span_events(span)
    assert events[0].is_exception and events[0].attributes == {}
    assert exception_facts(span, events) == FACTS


@pytest.mark.parametrize("value", ["exception", '{"a": 1, "b": 2}', '"quoted" words', "{not json", '"x": [1]'])
def test_any_other_annotation_is_a_name_alone(value):
    assert read_annotation(value) == (value, {})
