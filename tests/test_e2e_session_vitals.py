"""What the user felt, in headless Chromium: the web vitals of a page view (LCP, CLS, FCP, TTFB after
load, INP after an interaction), each one span in the page view's trace with its value and rating,
sent even as the page is left; and uncaught errors tied to the session and the action they happened
during. Read back from the collector's API."""

import pytest
from support.records import open_app, spans_named, stored_session, wait_for_spans
from support.shapes import find
from support.ui import last_trace_id

pytestmark = pytest.mark.browser

VITALS = ["TTFB", "FCP", "LCP", "CLS", "INP"]
RATINGS = {"good", "needs-improvement", "poor"}

# what the browser itself measured, to hold the library's values against (it loads after the page)
BROWSER_MEASURES = """() => new Promise((resolve) => {
  new PerformanceObserver((list) => resolve({
    TTFB: performance.getEntriesByType('navigation')[0].responseStart,
    FCP: performance.getEntriesByName('first-contentful-paint')[0].startTime,
    LCP: list.getEntries().at(-1).startTime,
  })).observe({ type: 'largest-contentful-paint', buffered: true });
})"""


@pytest.fixture
def context(browser):
    context = browser.new_context()
    yield context
    context.close()


def test_a_page_views_web_vitals_arrive_as_spans_of_its_trace_as_the_page_is_left(context, backend, collector):
    """Left by closing its tab. Left by navigating to another document instead, the records made as the page
    hides (CLS, INP) were lost in 2 of 8 exits on a CPU slowed 6 times (0 of 8 closing the tab): Chromium
    aborts the requests (net::ERR_ABORTED), a beacon's too. A known limit (docs/instrumentation.md); this
    test keeps to the exit that holds, so it does not fail on a busy machine by chance."""
    page = context.new_page()
    page.goto(f"{backend.url}/?q=zq-private-query#zq-fragment")  # a search in the URL: never recorded
    page.get_by_role("status").filter(has_text="0 talks").wait_for()
    session = stored_session(page)["id"]
    load_trace = page.locator("#trace-id").text_content()
    page.get_by_role("link", name="My schedule").click()  # an interaction: INP, and an action
    page.get_by_role("heading", name="My schedule").wait_for()
    action_trace = last_trace_id(page, load_trace)
    measured = page.evaluate(BROWSER_MEASURES)
    page.close()  # the page is hidden and unloaded: LCP, CLS and INP are reported now

    vitals = {}
    for name in VITALS:
        [vitals[name]] = wait_for_spans(collector.url, f"web vital {name.lower()}", tag=f"session.id={session}")
    [load] = spans_named(collector.url, "documentload", tag=f"session.id={session}")
    for name, span in vitals.items():
        tags = span["tags"]
        assert tags["browser.web_vital.name"] == name and tags["browser.web_vital.rating"] in RATINGS
        assert float(tags["browser.web_vital.value"]) >= 0 and tags["browser.web_vital.id"]
        assert tags["browser.web_vital.navigation_type"] == "navigate"
        assert tags["url.full"] == f"{backend.url}/"  # no query, no fragment
        # one trace per page view: its document load, and its vitals under it
        assert (span["traceId"], span.get("parentId")) == (load["traceId"], load["id"]), name
    for name, value in measured.items():  # the library measured what the browser did
        assert float(vitals[name]["tags"]["browser.web_vital.value"]) == pytest.approx(value, abs=1), name
    assert float(vitals["LCP"]["tags"]["browser.web_vital.value"]) * 1000 == pytest.approx(
        vitals["LCP"]["duration"], abs=2
    )
    inp = vitals["INP"]["tags"]
    assert inp["ui.action"] == "show schedule" and inp["ui.action_trace_id"] == action_trace
    assert "zq-" not in load["tags"]["url.full"]
    for name in ("documentload", "documentfetch", "resourcefetch"):
        assert all("zq-" not in s["tags"].get("url.full", "") for s in spans_named(collector.url, name))


def test_closing_the_tab_sends_its_vitals(context, backend, collector):
    """Hidden for good: what web-vitals reports then is sent then, not at the next batch, which never comes.
    (A page hidden by a synthetic visibilitychange event would not do: LCP is final only on a trusted one.)"""
    page = open_app(context, backend.url)
    session = stored_session(page)["id"]
    page.close()
    for name in ("lcp", "cls"):
        wait_for_spans(collector.url, f"web vital {name}", tag=f"session.id={session}")


@pytest.mark.parametrize(
    "throw,span_name",
    [
        ("setTimeout(() => { throw new TypeError('planted during an action') })", "uncaught error"),
        ("Promise.reject(new TypeError('planted during an action'))", "unhandled rejection"),
    ],
)
def test_an_error_during_an_action_carries_the_session_and_the_action(context, backend, collector, throw, span_name):
    page = open_app(context, backend.url)
    session = stored_session(page)["id"]

    def during_the_call(route):  # the search is waiting for its answer: the action is running
        page.evaluate(f"() => new Promise((done) => {{ {throw}; setTimeout(done, 50); }})")
        route.continue_()

    page.route("**/graphql", during_the_call)
    page.get_by_label("Search").fill("caching")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("status").filter(has_text="1 talk").wait_for()
    page.unroute("**/graphql")
    [error] = wait_for_spans(collector.url, span_name, tag=f"session.id={session}")
    tags = error["tags"]
    assert tags["exception.type"] == "TypeError" and tags["exception.message"] == "planted during an action"
    assert tags["ui.action"] == "search talks"
    action = find(
        wait_for_spans(collector.url, "search talks", tag=f"session.id={session}"), "frontend", "search talks"
    )
    [search] = [s for s in action if s["id"] == tags["ui.action_span_id"]]
    assert (
        (error["traceId"], error["parentId"])
        == (search["traceId"], search["id"])
        == (tags["ui.action_trace_id"], search["id"])
    )


def test_an_error_outside_any_action_is_a_root_with_the_session(context, backend, collector):
    page = open_app(context, backend.url)
    session = stored_session(page)["id"]
    page.evaluate("setTimeout(() => { throw new Error('planted between actions') })")
    [error] = wait_for_spans(collector.url, "uncaught error", tag=f"session.id={session}")
    assert "parentId" not in error and "ui.action" not in error["tags"]
