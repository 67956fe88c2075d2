"""Span trees of the planner's operations, from an in-memory exporter: names, kinds, parentage, privacy."""

import json

import pytest
from backend_support import PARENT_ID, GraphQLClient, RatingsServer, planner_app
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode


@pytest.fixture
def spans():
    return InMemorySpanExporter()


@pytest.fixture
def ratings(spans):
    server = RatingsServer(spans)
    yield server
    server.stop()


def named(exporter, name):
    return [s for s in exporter.get_finished_spans() if s.name == name]


def one(exporter, name):
    found = named(exporter, name)
    assert len(found) == 1, f"{len(found)} spans named {name!r} in {[s.name for s in exporter.get_finished_spans()]}"
    return found[0]


def child_of(span, parent):
    return span.parent is not None and span.parent.span_id == parent.context.span_id


def test_a_mutation_is_named_for_its_type_and_name(spans):
    gql = GraphQLClient(planner_app(spans).test_client())
    gql('mutation AddToSchedule { addToSchedule(talkId: "2") { talks { id } } }')
    operation = one(spans, "mutation AddToSchedule")
    assert operation.attributes["graphql.operation.type"] == "mutation"
    assert child_of(operation, one(spans, "POST /graphql"))
    resolver = one(spans, "resolve Mutation.addToSchedule")
    assert child_of(resolver, operation)
    writes = [s for s in spans.get_finished_spans() if s.attributes.get("db.statement", "").startswith("INSERT")]
    assert writes and all(child_of(w, resolver) and w.kind == SpanKind.CLIENT for w in writes)
    # the app's own span (workshop chapter 4): under the resolver, with what it found
    detect = one(spans, "detect conflicts")
    assert child_of(detect, resolver) and detect.attributes["schedule.conflict.count"] == 0


def test_no_argument_values_or_comment_text_are_recorded(spans):
    gql = GraphQLClient(planner_app(spans, record_graphql_document=True).test_client())
    secret, search = "my very private opinion", "needle-in-haystack"
    gql('mutation Rate($c: String) { submitFeedback(talkId: "4", rating: 4, comment: $c) { id } }', {"c": secret})
    gql(f'query Find {{ talks(search: "{search}") {{ total }} }}')
    recorded = json.dumps(
        [{**s.attributes, "events": [dict(e.attributes) for e in s.events]} for s in spans.get_finished_spans()]
    )
    assert secret not in recorded and search not in recorded
    assert '"*"' in one(spans, "query Find").attributes["graphql.document"]


def test_argument_recording_and_the_document_are_settings_off_by_default(spans):
    GraphQLClient(planner_app(spans).test_client())('query One { talk(id: "5") { title } }')
    assert "graphql.argument.id" not in one(spans, "resolve Query.talk").attributes
    assert "graphql.document" not in one(spans, "query One").attributes
    spans.clear()
    gql = GraphQLClient(planner_app(spans, record_graphql_arguments=True, record_graphql_document=True).test_client())
    gql('query One { talk(id: "5") { title } }')
    assert one(spans, "resolve Query.talk").attributes["graphql.argument.id"] == "5"
    assert one(spans, "query One").attributes["graphql.document"] == 'query One {\n  talk(id: "*") {\n    title\n  }\n}'


def test_an_unexpected_error_is_recorded_on_the_span_that_raised_it(spans, monkeypatch):
    from backend import planner

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(planner, "schedule_talks", broken)
    response = GraphQLClient(planner_app(spans).test_client())("query Mine { mySchedule { talks { id } } }")
    assert response.get_json()["errors"][0]["message"] == "Unexpected error."
    resolver = one(spans, "resolve Query.mySchedule")
    assert resolver.status.status_code == StatusCode.ERROR
    [event] = [e for e in resolver.events if e.name == "exception"]
    assert event.attributes["exception.type"] == "RuntimeError"
    assert event.attributes["exception.message"] == "disk on fire"
    assert one(spans, "query Mine").status.status_code == StatusCode.ERROR


def test_recommendations_cross_a_second_hop_to_the_ratings_service(spans, ratings):
    gql = GraphQLClient(planner_app(spans, ratings_url=ratings.url).test_client())
    assert len(gql("query Recommend { recommendations { id } }").get_json()["data"]["recommendations"]) == 3
    resolver = one(spans, "resolve Query.recommendations")
    client = one(spans, "GET")
    served = one(spans, "GET /ratings")
    assert client.kind == SpanKind.CLIENT and child_of(client, resolver)
    assert client.attributes["service.peer.name"] == "ratings" and client.attributes["http.response.status_code"] == 200
    assert served.kind == SpanKind.SERVER and child_of(served, client)
    assert served.resource.attributes["service.name"] == "ratings"
    assert served.attributes["session.id"] == "s-42"  # baggage crossed the second hop too
    assert served.context.trace_id == client.context.trace_id == int("0af7651916cd43dd8448eb211c80319c", 16)


def test_ratings_down_degrades_recommendations_and_marks_the_client_span(spans):
    gql = GraphQLClient(planner_app(spans, ratings_url="http://127.0.0.1:9").test_client())
    assert len(gql("{ recommendations { id } }").get_json()["data"]["recommendations"]) == 3
    client = one(spans, "GET")
    assert client.status.status_code == StatusCode.ERROR and client.attributes["error.type"]
    assert any(e.name == "ratings unavailable" for e in one(spans, "resolve Query.recommendations").events)


def test_an_unsampled_incoming_trace_stays_unsampled(spans):
    client = planner_app(spans).test_client()
    response = client.post(
        "/graphql",
        json={"query": "{ talks { total } }"},
        headers={"traceparent": f"00-0af7651916cd43dd8448eb211c80319c-{PARENT_ID}-00"},
    )
    assert response.status_code == 200 and spans.get_finished_spans() == ()
    assert response.headers["traceresponse"].endswith("-00")
