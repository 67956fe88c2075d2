"""The planner's GraphQL API: what it answers, and how it refuses bad input without changing anything."""

import pytest
from backend_support import GraphQLClient, planner_app
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

SCHEDULE = "{ mySchedule { talks { id } conflicts { first { id } second { id } } } }"
ADD = "mutation Add($id: ID!) { addToSchedule(talkId: $id) { talks { id } conflicts { first { id } } } }"
FEEDBACK = (
    "mutation Rate($id: ID!, $rating: Int!, $comment: String) "
    "{ submitFeedback(talkId: $id, rating: $rating, comment: $comment) { id rating comment talk { id } } }"
)


@pytest.fixture
def gql():
    app = planner_app(InMemorySpanExporter())
    return GraphQLClient(app.test_client())


def data(response):
    body = response.get_json()
    assert "errors" not in body, body
    return body["data"]


def error(response):
    body = response.get_json()
    assert body.get("errors"), body
    return body["errors"][0]["message"]


def test_talks_filter_by_audience_and_search_and_page(gql):
    assert data(gql("{ talks { total } }"))["talks"]["total"] == 9
    frontend = data(gql("{ talks(audience: FRONTEND) { items { title audiences } } }"))["talks"]["items"]
    assert [t["title"] for t in frontend] == [
        "Tracing is For Everyone: Tracing User Events with GraphQL and OpenTelemetry"
    ]
    assert [t["audiences"] for t in frontend] == [["FRONTEND"]]
    ops = data(gql("{ talks(audience: SECURITY) { items { audiences } } }"))["talks"]["items"]
    assert ops == [{"audiences": ["OPS", "SECURITY"]}]  # every audience of the talk, not just the filter's
    found = data(gql('{ talks(search: "kubernetes", limit: 2, offset: 1) { total items { title } } }'))["talks"]
    assert found["total"] == 4 and len(found["items"]) == 2
    assert data(gql('{ talks(search: "100%_") { total } }'))["talks"]["total"] == 0  # LIKE wildcards are literal
    assert data(gql("{ talks(offset: 50) { total items { id } } }"))["talks"] == {"total": 9, "items": []}


def test_talk_with_speakers_and_their_talks(gql):
    talk = data(gql('{ talk(id: "3") { title speakers { handle talks { id } } rating } }'))["talk"]
    assert talk["title"] == "Progressive Delivery" and talk["rating"] is None
    assert [s["handle"] for s in talk["speakers"]] == ["@vfarcic", "@csanchez"]
    assert talk["speakers"][0]["talks"] == [{"id": "3"}]
    assert data(gql('{ talk(id: "999") { id } }'))["talk"] is None
    assert data(gql('{ talk(id: "x") { id } }'))["talk"] is None


def test_schedule_belongs_to_the_session_and_shows_conflicts(gql):
    data(gql(ADD, {"id": "1"}))
    after = data(gql(ADD, {"id": "2"}))["addToSchedule"]  # both at 13:00
    assert [t["id"] for t in after["talks"]] == ["1", "2"] and after["conflicts"] == [{"first": {"id": "1"}}]
    data(gql(ADD, {"id": "2"}))  # adding twice changes nothing
    assert len(data(gql(SCHEDULE))["mySchedule"]["talks"]) == 2
    assert data(gql(SCHEDULE, session="someone-else"))["mySchedule"]["talks"] == []
    removed = data(gql('mutation { removeFromSchedule(talkId: "1") { talks { id } conflicts { first { id } } } }'))
    assert removed["removeFromSchedule"] == {"talks": [{"id": "2"}], "conflicts": []}


def test_feedback_is_stored_and_rates_the_talk(gql):
    saved = data(gql(FEEDBACK, {"id": "7", "rating": 5, "comment": "  loved it  "}))["submitFeedback"]
    assert saved["rating"] == 5 and saved["comment"] == "loved it" and saved["talk"] == {"id": "7"}
    data(gql(FEEDBACK, {"id": "7", "rating": 4}))
    assert data(gql('{ talk(id: "7") { rating } }'))["talk"]["rating"] == 4.5


def test_recommendations_leave_out_my_schedule_and_work_without_the_ratings_service(gql):
    data(gql(ADD, {"id": "1"}))
    recommended = data(gql("{ recommendations(limit: 5) { id } }"))["recommendations"]
    assert len(recommended) == 5 and {"id": "1"} not in recommended


@pytest.mark.parametrize(
    "query,variables,message",
    [
        (FEEDBACK, {"id": "7", "rating": 7}, "rating must be between 1 and 5"),
        (FEEDBACK, {"id": "7", "rating": 0}, "rating must be between 1 and 5"),
        (FEEDBACK, {"id": "7", "rating": 3, "comment": "x" * 10_000}, "comment must be at most 500 characters"),
        (FEEDBACK, {"id": "404", "rating": 3}, "No talk with id '404'"),
        (ADD, {"id": "abc"}, "No talk with id 'abc'"),
        ("{ talks(limit: 500) { total } }", {}, "limit must be between 1 and 100"),
        ("{ talks(offset: -1) { total } }", {}, "offset must be between 0 and 10000"),
        ("{ recommendations(limit: 99) { id } }", {}, "limit must be between 1 and 10"),
    ],
)
def test_bad_input_is_a_clear_error_and_changes_nothing(gql, query, variables, message):
    assert error(gql(query, variables)) == message
    assert data(gql(SCHEDULE))["mySchedule"]["talks"] == []
    assert all(t["rating"] is None for t in data(gql("{ talks { items { rating } } }"))["talks"]["items"])


def test_session_bound_fields_need_a_session(gql):
    message = error(gql(SCHEDULE, session=None))
    assert message.startswith("No session: send a W3C baggage header with session.id")
    assert error(gql(ADD, {"id": "1"}, session="not a valid id!")).startswith("No session")


def test_query_nested_50_deep_is_refused(gql):
    nested = "talks { " * 25
    query = '{ talk(id: "1") { speakers { ' + nested.replace("talks { ", "talks { speakers { ") + "id" + " } " * 52
    message = error(gql(query))
    assert "exceeds maximum operation depth" in message or "Syntax Error" in message


def test_a_1_mb_query_is_refused_with_a_graphql_error(gql):
    response = gql("{ talks { total } }" + " " * 1_000_000)
    assert response.status_code == 413
    assert response.get_json()["errors"][0]["message"].startswith("Request body is larger than")


def test_too_many_aliases_and_tokens_are_refused(gql):
    aliases = "{ " + " ".join(f"a{i}: talks {{ total }}" for i in range(20)) + " }"
    assert "aliases" in error(gql(aliases)).lower()
    tokens = "{ talks { " + " ".join(["total"] * 2100) + " } }"
    assert "token" in error(gql(tokens)).lower()


def test_unexpected_errors_are_masked(gql, monkeypatch):
    from backend import planner

    def broken(*_args, **_kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(planner, "find_talks", broken)
    assert error(gql("{ talks { total } }")) == "Unexpected error."


def test_malformed_requests_are_clear_errors(gql):
    client = gql.client
    assert client.post("/graphql", data="{not json", content_type="application/json").status_code == 400
    response = client.post("/graphql", json={"query": "{ talks { total } "})
    assert response.status_code == 200 and "Syntax Error" in error(response)


@pytest.mark.parametrize(
    "body,message",
    [
        ([{"query": "{ talks { total } }"}] * 50, "Batching is not enabled"),
        ({"query": "{ talks { total } }", "variables": "nope"}, "`variables` must be an object or null"),
        ({"query": 5}, "`query` must be a string or null"),
    ],
)
def test_abusive_requests_are_refused_and_the_server_stays_responsive(gql, body, message):
    response = gql.client.post("/graphql", json=body)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert data(gql("{ talks { total } }"))["talks"]["total"] == 9
