"""End to end in headless Chromium: one click becomes one trace across browser and backend, in the collector."""

import time

import pytest
import requests

from conftest import poll_until

pytestmark = pytest.mark.browser

# The trace of "show talks", as (service, span name, kind, parent's service, parent's name) — one line per edge.
# Names are as Zipkin stores them (lower-cased).
SHOW_TALKS_TRACE = [
    ("frontend", "show talks", None, None, None),
    ("frontend", "post", "CLIENT", "frontend", "show talks"),
    ("backend", "post /graphql", "SERVER", "frontend", "post"),
    ("backend", "query showtalks", None, "backend", "post /graphql"),
    ("backend", "resolve query.talks", None, "backend", "query showtalks"),
    ("backend", "select", "CLIENT", "backend", "resolve query.talks"),
]


def service(span):
    return span.get("localEndpoint", {}).get("serviceName")


def find(spans, service_name, name):
    return [s for s in spans if service(s) == service_name and s.get("name") == name]


def missing_edges(spans, shape):
    """The lines of `shape` that no span of the trace satisfies (empty when the trace has the shape)."""
    by_id = {s["id"]: s for s in spans}
    missing = []
    for svc, name, kind, parent_svc, parent_name in shape:
        def fits(span):
            if span.get("kind") != kind:
                return False
            parent = by_id.get(span.get("parentId"))
            if parent_name is None:
                return "parentId" not in span
            return parent is not None and service(parent) == parent_svc and parent.get("name") == parent_name
        if not any(fits(s) for s in find(spans, svc, name)):
            missing.append((svc, name, kind, parent_svc, parent_name))
    return missing


@pytest.fixture
def page(browser, backend):
    context = browser.new_context()
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    page.goto(backend.url)
    yield page
    context.close()


def test_one_click_is_one_trace_from_browser_to_database(page, collector):
    page.get_by_role("button", name="Show talks").click()
    clicked = time.monotonic()
    page.get_by_role("status").filter(has_text="9 talks").wait_for()
    trace_id = page.locator("#trace-id").text_content()
    assert trace_id and len(trace_id) == 32

    def complete_trace():
        response = requests.get(f"{collector.url}/api/v2/trace/{trace_id}", timeout=5)
        spans = response.json() if response.status_code == 200 else []
        return spans if spans and not missing_edges(spans, SHOW_TALKS_TRACE) else None

    spans = poll_until(complete_trace, f"trace {trace_id} with the shape of 'show talks'", timeout=15)
    print(f"click to queryable trace: {time.monotonic() - clicked:.2f} s")

    [action] = find(spans, "frontend", "show talks")
    [fetch] = find(spans, "frontend", "post")
    [server] = find(spans, "backend", "post /graphql")
    assert fetch["parentId"] == action["id"] and server["parentId"] == fetch["id"]
    assert action["tags"]["ui.action"] == "show talks" and action["tags"]["ui.result.count"] == "9"
    session_ids = {s["tags"].get("session.id") for s in (action, fetch, server)}
    assert len(session_ids) == 1 and None not in session_ids
    assert all(isinstance(s.get("timestamp"), int) for s in spans)
    found = requests.get(
        f"{collector.url}/api/v2/traces", params={"serviceName": "frontend", "spanName": "show talks"}, timeout=5
    ).json()
    assert trace_id in [t[0]["traceId"] for t in found]
    assert page.console_errors == []


def test_the_trace_link_opens_the_trace_in_the_viewer(page, collector):
    page.get_by_role("button", name="Show talks").click()
    page.get_by_role("status").filter(has_text="9 talks").wait_for()
    link = page.get_by_role("link", name="Open trace")
    trace_id = page.locator("#trace-id").text_content()
    assert link.get_attribute("href") == f"{collector.url}/zipkin/traces/{trace_id}"
