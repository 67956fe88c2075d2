"""The backend continues an incoming trace: server span → GraphQL operation → resolvers → database."""

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from backend import create_app
from common.tracing import SessionIdSpanProcessor

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
PARENT_ID = "b7ad6b7169203331"
SHOW_TALKS = (
    'query ShowTalks($limit: Int!) { talks(limit: $limit, search: "pattern") '
    "{ total items { title speakers { name } } } }"
)


@pytest.fixture
def spans():
    return InMemorySpanExporter()


@pytest.fixture
def client(spans):
    provider = TracerProvider()
    provider.add_span_processor(SessionIdSpanProcessor())
    provider.add_span_processor(SimpleSpanProcessor(spans))
    return create_app({"db": ":memory:", "record_graphql_document": True}, tracer_provider=provider).test_client()


def post_graphql(client, query, variables=None, session="s-42"):
    return client.post(
        "/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01", "baggage": f"session.id={session},other=1"},
    )


def by_name(spans, name):
    found = [s for s in spans if s.name == name]
    assert found, f"no span {name!r} in {[s.name for s in spans]}"
    return found


def test_server_span_continues_the_incoming_trace(client, spans):
    response = post_graphql(client, SHOW_TALKS, {"limit": 5})
    assert response.status_code == 200 and response.json["data"]["talks"]["total"] == 3
    finished = spans.get_finished_spans()
    assert {f"{s.context.trace_id:032x}" for s in finished} == {TRACE_ID}
    [server] = by_name(finished, "POST /graphql")
    assert server.kind == SpanKind.SERVER and f"{server.parent.span_id:016x}" == PARENT_ID
    assert server.attributes["http.request.method"] == "POST" and server.attributes["http.route"] == "/graphql"
    assert response.headers["traceresponse"] == f"00-{TRACE_ID}-{server.context.span_id:016x}-01"


def test_the_server_span_follows_the_stable_http_conventions(client, spans):
    post_graphql(client, SHOW_TALKS, {"limit": 5})
    [server] = by_name(spans.get_finished_spans(), "POST /graphql")
    assert server.instrumentation_scope.name == "opentelemetry.instrumentation.flask"  # the stock package
    assert server.attributes["url.path"] == "/graphql" and server.attributes["http.response.status_code"] == 200
    assert "http.method" not in server.attributes and "http.status_code" not in server.attributes  # old names


@pytest.mark.parametrize(
    "given,expected", [(None, "http"), ("database", "database,http"), ("http/dup", "http/dup"), ("http", "http")]
)
def test_the_stable_http_conventions_are_switched_on_and_other_opt_ins_kept(given, expected):
    from common.tracing import use_stable_http_conventions

    environ = {} if given is None else {"OTEL_SEMCONV_STABILITY_OPT_IN": given}
    use_stable_http_conventions(environ)
    assert environ["OTEL_SEMCONV_STABILITY_OPT_IN"] == expected


def test_readiness_probes_and_static_files_make_no_spans(spans, tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "app.js").write_text("//")
    (tmp_path / "index.html").write_text("<html></html>")
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    client = create_app({"db": ":memory:", "frontend_dir": str(tmp_path)}, tracer_provider=provider).test_client()
    for path in ("/health", "/assets/app.js"):
        response = client.get(path)
        assert response.status_code == 200 and "traceresponse" not in response.headers
    assert spans.get_finished_spans() == ()
    assert "traceresponse" in client.get("/talks").headers  # a client-side route is a page load: traced
    assert [s.name for s in spans.get_finished_spans()] == ["GET /<path:path>"]


def test_graphql_and_database_spans_nest_under_the_server_span(client, spans):
    post_graphql(client, SHOW_TALKS, {"limit": 5})
    finished = spans.get_finished_spans()
    ids = {s.context.span_id: s for s in finished}
    [server] = by_name(finished, "POST /graphql")
    [operation] = by_name(finished, "query ShowTalks")
    assert operation.parent.span_id == server.context.span_id
    assert operation.attributes["graphql.operation.type"] == "query"
    assert operation.attributes["graphql.operation.name"] == "ShowTalks"
    assert '"pattern"' not in operation.attributes["graphql.document"]  # literals stripped
    [talks] = by_name(finished, "resolve Query.talks")
    assert talks.parent.span_id == operation.context.span_id
    assert (talks.attributes["graphql.parent.type"], talks.attributes["graphql.field.type"]) == ("Query", "TalkPage!")
    speakers = by_name(finished, "resolve Talk.speakers")
    assert len(speakers) == 3 and all(s.parent.span_id == talks.context.span_id for s in speakers)
    assert speakers[0].attributes["graphql.field.path"] == "talks.items.0.speakers"
    assert speakers[0].attributes["graphql.field.type"] == "[Speaker!]!"
    database = [s for s in finished if s.attributes.get("db.system") == "sqlite"]
    assert database and all(s.kind == SpanKind.CLIENT for s in database)
    assert all(ids[s.parent.span_id].name.startswith("resolve ") for s in database)
    assert not any("pattern" in str(s.attributes.get("db.statement")) for s in database)  # values are bound


def test_every_statement_a_request_runs_has_its_span(spans, monkeypatch):
    """The sqlite3 instrumentation traces cursors only: a `connection.execute` shortcut would run unseen."""
    from backend import data

    statements = []

    def observed(path):
        connection = open_database(path)
        connection.set_trace_callback(statements.append)  # what SQLite itself runs
        return connection

    open_database = data.open_database
    monkeypatch.setattr(data, "open_database", observed)
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    client = create_app({"db": ":memory:", "flaky_write_rate": 0.0}, tracer_provider=provider).test_client()
    statements.clear()  # the schema and the seed, before any request
    post_graphql(client, SHOW_TALKS, {"limit": 5})
    post_graphql(client, 'mutation { addToSchedule(talkId: "2") { talks { id } } }')
    post_graphql(client, 'mutation { submitFeedback(talkId: "2", rating: 5) { id } }')
    post_graphql(client, "{ talk(id: 2) { rating } mySchedule { conflicts { first { id } } } }")
    run = [s for s in statements if s.split(None, 1)[0] in ("SELECT", "INSERT", "DELETE", "UPDATE")]
    traced = [s.attributes["db.statement"] for s in spans.get_finished_spans() if "db.statement" in s.attributes]
    assert len(run) > 8 and len(traced) == len(run), (run, traced)


def test_session_id_from_baggage_is_on_every_span_of_the_request(client, spans):
    post_graphql(client, SHOW_TALKS, {"limit": 5}, session="journey-7")
    assert {s.attributes.get("session.id") for s in spans.get_finished_spans()} == {"journey-7"}


def test_a_malformed_session_id_is_not_recorded(client, spans):
    post_graphql(client, SHOW_TALKS, {"limit": 5}, session="x" * 500)
    assert all("session.id" not in s.attributes for s in spans.get_finished_spans())


def test_graphql_errors_mark_the_operation_span(client, spans):
    response = post_graphql(client, "query Broken { nope }")
    assert response.status_code == 200 and response.json["errors"]
    [operation] = by_name(spans.get_finished_spans(), "query Broken")
    assert operation.status.status_code == StatusCode.ERROR
    assert operation.events[0].attributes["exception.message"].startswith("Cannot query field 'nope'")


def test_bad_argument_is_a_clear_graphql_error(client, spans):
    response = post_graphql(client, "{ talks(limit: 500) { total } }")
    assert response.json["errors"][0]["message"] == "limit must be between 1 and 100"
    [resolver] = by_name(spans.get_finished_spans(), "resolve Query.talks")
    assert resolver.status.status_code == StatusCode.ERROR
    [operation] = by_name(spans.get_finished_spans(), "query")  # anonymous: just the type
    assert operation.status.status_code == StatusCode.ERROR


def test_no_tracing_when_the_sdk_is_disabled(spans):
    app = create_app({"db": ":memory:", "sdk_disabled": True})
    response = app.test_client().post("/graphql", json={"query": "{ talks { total } }"})
    assert response.json == {"data": {"talks": {"total": 9}}}
    assert "traceresponse" not in response.headers
