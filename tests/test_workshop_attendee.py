"""The workshop nickname: typed in the app (checked, kept in localStorage), on the browser's action span,
carried in W3C baggage as `workshop.attendee`, and copied onto the backend's spans only when well formed;
no other baggage member is ever recorded."""

from __future__ import annotations

import pytest
from backend_support import PARENT_ID, TRACE_ID, RatingsServer, planner_app
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from support.shapes import action_shape, wait_for_shape
from support.ui import search_talks

SEARCH = '{ talks(search: "kubernetes") { total } }'


def backend_spans(baggage: str, query: str = SEARCH, exporter: InMemorySpanExporter | None = None, **config) -> list:
    exporter = exporter or InMemorySpanExporter()
    client = planner_app(exporter, **config).test_client()
    headers = {"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01", "baggage": baggage}
    assert client.post("/graphql", json={"query": query}, headers=headers).status_code == 200
    spans = exporter.get_finished_spans()
    assert len(spans) > 3
    return spans


def test_the_nickname_in_baggage_is_on_every_backend_span_of_the_request():
    spans = backend_spans("session.id=s-1,workshop.attendee=Zo%C3%AB%20K_2-b,secret=hunter2")
    assert {s.attributes.get("workshop.attendee") for s in spans} == {"Zoë K_2-b"}
    assert {s.attributes.get("session.id") for s in spans} == {"s-1"}
    assert not any("secret" in s.attributes for s in spans)  # arbitrary baggage is never recorded


def test_the_ratings_service_gets_the_nickname_through_the_backends_call():
    exporter = InMemorySpanExporter()
    ratings = RatingsServer(exporter)
    try:
        spans = backend_spans(
            "session.id=s-1,workshop.attendee=ada", "{ recommendations { id } }", exporter, ratings_url=ratings.url
        )
    finally:
        ratings.stop()
    served = [s for s in spans if s.resource.attributes.get("service.name") == "ratings"]
    assert served and {s.attributes.get("workshop.attendee") for s in served} == {"ada"}


@pytest.mark.parametrize("nickname", ["%3Cscript%3E", "a" * 25, "ada%40example.com", "tab%09in", "ada%3Bdrop"])
def test_a_malformed_nickname_is_not_recorded(nickname):
    spans = backend_spans(f"session.id=s-1,workshop.attendee={nickname}")
    assert not any("workshop.attendee" in s.attributes for s in spans)
    assert {s.attributes.get("session.id") for s in spans} == {"s-1"}  # the rest of the baggage still counts


def nickname_form(page):
    return page.get_by_label("Workshop nickname"), page.get_by_role("button", name="Save nickname")


def saved_nickname(page) -> str | None:
    return page.evaluate("localStorage.getItem('journey.workshop.attendee')")


@pytest.mark.browser
def test_a_bad_nickname_is_refused_with_a_clear_reason_and_nothing_saved(browser, backend):
    context = browser.new_context()
    page = context.new_page()
    page.goto(backend.url)
    field, save = nickname_form(page)
    note = page.locator("#attendee-note")
    for typed, reason in [
        ("   ", "Type a nickname: 1 to 24 letters, digits, spaces, - or _."),
        ("x" * 25, "At most 24 characters: this one has 25."),
        ("ada<b>@home", "Only letters, digits, spaces, - and _ please, not “<” “>” “@”."),
    ]:
        field.fill(typed)
        save.click()
        assert note.text_content() == reason
        assert field.get_attribute("aria-invalid") == "true"
        assert saved_nickname(page) is None
    field.fill("  Zoë K_2-b ")
    save.click()
    assert note.text_content() == "Saved: the facilitator's page shows you as “Zoë K_2-b” from your next click."
    assert field.get_attribute("aria-invalid") == "false" and saved_nickname(page) == "Zoë K_2-b"
    page.reload()
    assert nickname_form(page)[0].input_value() == "Zoë K_2-b"  # kept by the browser
    context.close()


def search_trace(page, collector_url: str, term: str) -> list[dict]:
    """Search in the app; its trace once the whole search (browser to database) is in the collector."""
    trace_id = search_talks(page, term)
    shape = action_shape("search talks", "query searchtalks", "resolve query.talks")
    return wait_for_shape(collector_url, trace_id, shape)


def tagged(spans: list[dict], key: str) -> dict[tuple[str, str], str | None]:
    return {(s["localEndpoint"]["serviceName"], s["name"]): s.get("tags", {}).get(key) for s in spans}


@pytest.mark.browser
def test_the_nickname_travels_in_baggage_to_the_backend_span(browser, backend, collector):
    context = browser.new_context()
    page = context.new_page()
    sent = []
    page.on("request", lambda r: r.url.endswith("/graphql") and sent.append(r.headers.get("baggage", "")))
    page.goto(backend.url)
    page.get_by_role("status").filter(has_text="9 talks").wait_for()
    before = tagged(search_trace(page, collector.url, "kubernetes"), "workshop.attendee")
    assert set(before.values()) == {None}  # no nickname yet: nothing about the attendee travels

    field, save = nickname_form(page)
    field.fill("Ada L")
    save.click()
    spans = search_trace(page, collector.url, "patterns")
    after = tagged(spans, "workshop.attendee")
    assert after[("frontend", "search talks")] == "Ada L"  # the action's span
    assert after[("backend", "post /graphql")] == "Ada L"  # from baggage, as session.id
    assert {after[key] for key in after if key[0] == "backend"} == {"Ada L"}
    assert "workshop.attendee=Ada%20L" in sent[-1] and "session.id=" in sent[-1]
    context.close()
