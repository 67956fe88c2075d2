"""The journey page answers "what did this user go through, and where did it hurt?", in headless
Chromium against the real app and collector: a page view with its web vitals coloured by rating, an
error next to the action it happened during, links to the sessions before and after a rotation
(the page's clock, moved by the test), and the sessions list's filters."""

import time

import pytest
import requests
from support import poll_until
from support.records import open_app, stored_session, wait_for_spans
from support.ui import last_trace_id
from test_workshop_checkpoints import journey_check

pytestmark = pytest.mark.browser

PAGE_VITALS = ["TTFB", "FCP", "LCP", "CLS"]
RATINGS = {"good", "needs-improvement", "poor"}
THROW_SOON = (
    "() => new Promise((done) => { setTimeout(() => { throw new TypeError('planted') }); setTimeout(done, 50); })"
)

SLOW_CLICK = (
    "(link) => link.addEventListener('click', () => { const end = performance.now() + 400; "
    "while (performance.now() < end); }, { once: true })"
)


def check_12(collector, session: str):
    """`journey check 12` on one session, as an attendee sharing a collector runs it."""
    return journey_check("12", "--collector", collector.url, "--session", session)


@pytest.fixture
def context(browser):
    context = browser.new_context()
    yield context
    context.close()


def visit(context, backend, collector) -> str:
    """A page view, a click (INP, an action), an error thrown during a search, and the page left: the session id."""
    page = open_app(context, backend.url)
    session = stored_session(page)["id"]
    shown = page.locator("#trace-id").text_content()
    # INP is the slowest interaction: this click's is made slow (a 400 ms task on it), so INP is it
    # whatever the machine's load does to the others (a slow "Talks" click once took INP in CI)
    page.get_by_role("link", name="My schedule").evaluate(SLOW_CLICK)
    page.get_by_role("link", name="My schedule").click()
    # the schedule drawn whole (its trace id shown) before leaving it: left half-drawn, its action fails
    last_trace_id(page, shown)
    page.get_by_role("link", name="Talks").click()
    page.get_by_role("status").filter(has_text="9 talks").wait_for()
    # thrown while the search waits for its answer: the action is running
    page.route("**/graphql", lambda route: (page.evaluate(THROW_SOON), route.continue_()))
    page.get_by_label("Search").fill("caching")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("status").filter(has_text="1 talk").wait_for()
    page.unroute("**/graphql")
    wait_for_spans(collector.url, "uncaught error", tag=f"session.id={session}")
    # the tab closed: hidden and left, LCP, CLS and INP are sent now (a same-tab navigation can lose the
    # last of them on a slow CPU: docs/instrumentation.md, web vitals)
    page.close()
    for name in ("lcp", "cls", "inp"):
        wait_for_spans(collector.url, f"web vital {name}", tag=f"session.id={session}")
    return session


def test_the_journey_shows_a_page_views_vitals_by_rating_and_an_error_next_to_its_action(context, backend, collector):
    session = visit(context, backend, collector)
    page = context.new_page()
    page.goto(f"{collector.url}/zipkin/journeys/{session}")
    [view] = page.locator("table.page-views tbody tr").all()
    chips = view.locator("a.vital")
    assert sorted(chips.evaluate_all("els => els.map(e => e.dataset.vital)")) == sorted([*PAGE_VITALS, "INP"])
    for chip in chips.all():
        rating = chip.get_attribute("data-rating")
        assert rating in RATINGS and rating in chip.get_attribute("class").split()
        # coloured by its rating: the stylesheet's colour for that rating, white text on it
        colour = chip.evaluate("e => getComputedStyle(e).backgroundColor")
        assert (
            colour
            == {"good": "rgb(21, 128, 61)", "needs-improvement": "rgb(180, 83, 9)", "poor": "rgb(220, 38, 38)"}[rating]
        )
    assert "on show schedule" in view.locator("td.vitals").text_content()  # INP names its action
    load_trace = view.get_attribute("data-trace-id")
    [error] = page.locator("ol.user-errors li").all()
    assert "uncaught error: planted" in error.text_content()
    assert "during the action search talks" in error.text_content()
    action_link = error.locator(".during a")
    action_link.click()  # one click: the action's trace, with the error in it
    page.wait_for_url(f"{collector.url}/zipkin/traces/*")
    trace_id = page.url.rsplit("/", 1)[1]
    spans = requests.get(f"{collector.url}/api/v2/trace/{trace_id}", timeout=5).json()
    assert {"search talks", "uncaught error"} <= {s["name"] for s in spans}
    page.go_back()
    view.locator("td a").first.click()  # the page view opens as its trace
    page.wait_for_url(f"{collector.url}/zipkin/traces/{load_trace}")
    facts = page.goto(f"{collector.url}/zipkin/journeys/{session}")
    assert facts.ok and page.locator("dl.session-facts dt:text-is('Errors met') + dd").text_content() == "1"
    # chapter 12's checkpoint: this session shows what the user felt, and where it hurt
    result = check_12(collector, session)
    assert result.returncode == 0, result.stdout
    assert "INP" in result.stdout and "on 'show schedule'" in result.stdout, result.stdout
    assert "error: uncaught error (planted) during 'search talks'" in result.stdout, result.stdout


def left(browser, backend, collector, slow_document: bool = False) -> str:
    """A session of its own (a browser context): the app opened (its page answered 2 s late if
    `slow_document`: a poor TTFB), then left; returns its id once its LCP arrived."""
    context = browser.new_context()
    try:
        if slow_document:
            context.route(f"{backend.url}/", lambda route: (time.sleep(2), route.continue_()))
        page = open_app(context, backend.url)
        session = stored_session(page)["id"]
        page.close()  # hidden for good: its vitals are sent
        wait_for_spans(collector.url, "web vital lcp", tag=f"session.id={session}")
        return session
    finally:
        context.close()


def listed(page, url: str) -> set[str]:
    page.goto(url)
    return set(page.locator("table.sessions tbody tr td:first-child code").all_text_contents())


def test_the_sessions_list_finds_the_sessions_with_an_error_or_a_poor_vital(context, browser, backend, collector):
    hurt = visit(context, backend, collector)
    slow = left(browser, backend, collector, slow_document=True)
    calm = left(browser, backend, collector)
    # the Zipkin API's way, as in Zipkin's own UI: the tag search finds the traces, their spans name the session
    poor = requests.get(
        f"{collector.url}/api/v2/traces",
        params={"serviceName": "frontend", "annotationQuery": "browser.web_vital.rating=poor", "limit": 100},
        timeout=5,
    ).json()
    assert slow in {s["tags"].get("session.id") for trace in poor for s in trace}
    page = context.new_page()
    assert {hurt, slow, calm} <= listed(page, f"{collector.url}/zipkin/journeys")
    with_error = listed(page, f"{collector.url}/zipkin/journeys?with=error")
    assert hurt in with_error and calm not in with_error
    with_poor = listed(page, f"{collector.url}/zipkin/journeys?with=poor-vital")
    assert slow in with_poor and calm not in with_poor
    page.get_by_role("link", name="all").click()  # the filter's links: back to every session
    assert page.locator("table.sessions tbody tr").count() >= 3
    refused = requests.get(f"{collector.url}/zipkin/journeys?with=slow", timeout=5)
    assert refused.status_code == 400 and "not one of poor-vital, error" in refused.text
    # chapter 12's checkpoint on the calm session: its page view is whole, but nothing was clicked or met
    result = check_12(collector, calm)
    assert result.returncode == 1 and result.stdout.startswith("FAIL  chapter 12"), result.stdout
    assert "has no" not in result.stdout, result.stdout
    assert "no INP in your session yet" in result.stdout and "no error in your session yet" in result.stdout


def test_failed_actions_and_errors_between_actions_are_listed_in_time_order(collector):
    """A failed action (the flaky write's, as the browser records it) and an error outside any action."""
    now = int(time.time() * 1_000_000)
    frontend = {"serviceName": "frontend"}
    spans = [
        {
            "traceId": "a" * 32,
            "id": "a" * 16,
            "name": "submit feedback",
            "timestamp": now - 2_000_000,
            "duration": 80_000,
            "localEndpoint": frontend,
            "tags": {
                "session.id": "s-hurt",
                "ui.action": "submit feedback",
                "error": "Unexpected error.",
                "exception.message": "Unexpected error.",
            },
        },
        {
            "traceId": "b" * 32,
            "id": "b" * 16,
            "name": "uncaught error",
            "timestamp": now - 1_000_000,
            "duration": 1,
            "localEndpoint": frontend,
            "tags": {"session.id": "s-hurt", "error": "boom", "exception.message": "boom"},
        },
    ]
    assert requests.post(f"{collector.url}/api/v2/spans", json=spans, timeout=5).status_code == 202
    page = poll_until(
        lambda: (
            (r := requests.get(f"{collector.url}/zipkin/journeys/s-hurt", timeout=5)).text.count("data-trace-id") >= 4
            and r.text
        ),
        "the journey page with both traces",
    )
    listed = page[page.index('class="user-errors"') :]
    failed, between = listed.index("the action"), listed.index("between actions")
    assert failed < between  # oldest first
    assert (
        "failed action: Unexpected error." in listed and f'href="/zipkin/traces/{"a" * 32}">submit feedback' in listed
    )
    assert "uncaught error: boom" in listed
    assert "No page views of this session stored." in page
    assert "No session before this one stored" in page and "no session after it (yet)" in page


def test_a_rotated_session_links_to_the_one_before_and_after(browser, backend, collector):
    context = browser.new_context()
    context.clock.install()
    try:
        page = open_app(context, backend.url)
        first = stored_session(page)["id"]
        context.clock.fast_forward("15:01")  # idle past 15 minutes: the session ends
        page.get_by_role("link", name="My schedule").click()  # activity: the next session starts
        page.get_by_role("heading", name="My schedule").wait_for()
        second = stored_session(page)["id"]
        assert second != first
        context.clock.run_for(1000)  # the batch processor's timer, on the moved clock
        wait_for_spans(collector.url, "session.start", tag=f"session.previous_id={first}")
    finally:
        context.close()
    viewer = browser.new_page()
    try:
        viewer.goto(f"{collector.url}/zipkin/journeys/{first}")
        after = viewer.locator("a[rel=next]")
        assert after.get_attribute("href") == f"/zipkin/journeys/{second}"
        assert viewer.locator("a[rel=prev]").count() == 0
        after.click()
        viewer.wait_for_url(f"**/zipkin/journeys/{second}")
        assert viewer.locator("a[rel=prev]").get_attribute("href") == f"/zipkin/journeys/{first}"
        # the new session's own action is there, though the page's clock ran 15 minutes ahead of ours
        poll_until(lambda: viewer.locator("ol.journey li[data-trace-id]").count() >= 1, "the second session's traces")
    finally:
        viewer.close()
