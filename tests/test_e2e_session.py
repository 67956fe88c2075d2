"""Sessions in headless Chromium, after the OpenTelemetry session conventions: a session ends after
15 idle minutes or 4 hours in all (the page's clock, moved by the test), its end and the next one's
start are spans of their own, the next session names the old one in session.previous_id, and the
tabs of one browser share the session. Read back from the collector's API."""

import pytest
import requests
from support import poll_until, start_server
from support.records import open_app, stored_session, wait_for_spans
from support.shapes import action_shape, wait_for_shape
from support.ui import last_trace_id

pytestmark = pytest.mark.browser

MINUTE_US = 60 * 1_000_000


@pytest.fixture
def context(browser):
    """A browser context whose clock the test moves (its pages' Date and timers)."""
    context = browser.new_context()
    context.clock.install()
    yield context
    context.close()


def flush(context) -> None:
    """Let the page's batch processor run its timer (100 ms in the fixtures) on the moved clock."""
    context.clock.run_for(1000)


def session_start(collector_url: str, session_id: str) -> dict:
    [span] = wait_for_spans(collector_url, "session.start", tag=f"session.id={session_id}")
    return span


def session_ends(collector_url: str, session_id: str, count: int = 1) -> list[dict]:
    return wait_for_spans(collector_url, "session.end", tag=f"session.id={session_id}", count=count)


def test_a_session_ends_after_15_idle_minutes_and_the_next_activity_starts_one_naming_it(context, backend, collector):
    page = open_app(context, backend.url)
    first = stored_session(page)
    context.clock.fast_forward("14:00")
    assert stored_session(page).get("endedAt") is None  # 14 idle minutes: still going
    context.clock.fast_forward("01:01")  # past 15: the page's timer ends it, before any activity
    assert stored_session(page)["endedAt"] == first["lastSeen"]
    flush(context)
    [end] = session_ends(collector.url, first["id"])
    assert end["tags"]["journey.session.end_reason"] == "inactivity"
    assert end["timestamp"] == first["lastSeen"] * 1000  # the end: its last activity
    assert "parentId" not in end and end["duration"] <= 1  # an event: a root of its own, an instant

    shown = page.locator("#trace-id").text_content()
    page.get_by_role("link", name="Kubernetes Patterns").click()  # activity: the next session
    page.get_by_role("heading", name="Kubernetes Patterns").wait_for()
    # the action is over once its trace id is shown: only then can the (moved) clock send its spans
    trace_id = last_trace_id(page, shown)
    second = stored_session(page)
    assert second["id"] != first["id"] and second["previousId"] == first["id"]
    flush(context)
    start = session_start(collector.url, second["id"])
    assert start["tags"]["session.previous_id"] == first["id"] and "parentId" not in start
    assert start["timestamp"] - end["timestamp"] >= 15 * MINUTE_US
    assert "session.previous_id" not in session_start(collector.url, first["id"])["tags"]
    # the action that started it, browser and backend side, is in the new session
    spans = wait_for_shape(collector.url, trace_id, action_shape("open talk", "query showtalk", "resolve query.talk"))
    assert {s["tags"]["session.id"] for s in spans} == {second["id"]}


def test_a_session_ends_after_4_hours_however_active(context, backend, collector):
    page = open_app(context, backend.url)
    first = stored_session(page)
    for _ in range(17):  # 238 minutes, never 15 idle
        context.clock.fast_forward("14:00")
        page.keyboard.press("Shift")
    assert stored_session(page)["id"] == first["id"]
    assert stored_session(page).get("endedAt") is None
    context.clock.fast_forward("03:00")  # 241 minutes
    assert stored_session(page)["endedAt"] == first["startedAt"] + 4 * 60 * 60 * 1000
    page.keyboard.press("Shift")
    second = stored_session(page)
    assert second["previousId"] == first["id"]
    flush(context)
    [end] = session_ends(collector.url, first["id"])
    assert end["tags"]["journey.session.end_reason"] == "max_duration"
    assert end["timestamp"] == (first["startedAt"] + 4 * 60 * 60 * 1000) * 1000
    assert session_start(collector.url, second["id"])["tags"]["session.previous_id"] == first["id"]


def test_two_tabs_share_one_session_and_its_end_is_recorded_once(context, backend, collector):
    one = open_app(context, backend.url)
    two = open_app(context, backend.url)
    first = stored_session(one)
    assert stored_session(two)["id"] == first["id"]
    flush(context)
    for tab in (one, two):  # each tab's first action, browser and backend side, in the one session
        shape = [
            ("frontend", "show talks", None, None, None),
            ("backend", "post /graphql", "SERVER", "frontend", "post"),
        ]
        spans = wait_for_shape(collector.url, tab.locator("#trace-id").text_content(), shape)
        assert {s["tags"]["session.id"] for s in spans} == {first["id"]}
    context.clock.fast_forward("10:00")
    two.keyboard.press("Shift")  # the user is in the second tab ...
    # tabs see each other's localStorage writes a moment later, not at once: minutes pass for a
    # user, none between two steps of this test, so wait for the first tab to see the activity
    active_at = stored_session(two)["lastSeen"]
    poll_until(lambda: stored_session(one)["lastSeen"] == active_at, "the first tab to see the activity")
    context.clock.fast_forward("10:00")
    # ... so the session goes on in the first one too, 20 minutes after its own last activity
    assert stored_session(one)["id"] == first["id"] and stored_session(one).get("endedAt") is None
    context.clock.fast_forward("05:01")  # 15 idle minutes in both: the last active tab ends it ...
    poll_until(lambda: stored_session(one).get("endedAt"), "the first tab to see the end")
    context.clock.fast_forward("00:10")  # ... and the other, 5 s later, finds the end recorded
    flush(context)
    one.keyboard.press("Shift")
    second = stored_session(one)
    assert second["previousId"] == first["id"]
    poll_until(lambda: stored_session(two)["id"] == second["id"], "the second tab to be in the new session")
    # each tab exports its spans in order: once an action the second tab made after all this has
    # arrived, any end it would have recorded has too
    shown = two.locator("#trace-id").text_content()
    two.get_by_role("link", name="My schedule").click()
    action = last_trace_id(two, shown)
    flush(context)
    session_start(collector.url, second["id"])
    wait_for_shape(collector.url, action, [("frontend", "show schedule", None, None, None)])
    assert len(session_ends(collector.url, first["id"])) == 1


def test_a_session_found_over_at_the_next_page_view_ends_at_its_last_activity(context, backend, collector):
    """The browser was closed: no page kept a timer, so the next page view finds the session over."""
    page = open_app(context, backend.url)
    first = stored_session(page)
    page.goto(f"{backend.url}/health")  # the app's origin, without the app
    left = stored_session(page)  # leaving the page (it was hidden) was its last activity
    assert left["id"] == first["id"] and left.get("endedAt") is None
    context.clock.fast_forward("20:00")
    page.goto(backend.url)
    page.get_by_role("status").filter(has_text="talks").wait_for()
    second = stored_session(page)
    assert second["previousId"] == first["id"]
    flush(context)
    [end] = session_ends(collector.url, first["id"])
    assert end["tags"]["journey.session.end_reason"] == "inactivity"
    assert end["timestamp"] == left["lastSeen"] * 1000
    assert session_start(collector.url, second["id"])["tags"]["session.previous_id"] == first["id"]


def test_the_idle_timeout_is_a_backend_setting(context, collector, tmp_path):
    backend = start_server(
        ["backend", "--db", str(tmp_path / "app.db"), "--session-idle-timeout", "120", "--session-max-duration", "600"]
        + ["--zipkin-endpoint", f"{collector.url}/api/v2/spans", "--batch-delay", "100"],
        "backend",
        tmp_path,
    )
    try:
        config = requests.get(f"{backend.url}/config.json", timeout=5).json()
        assert (config["sessionIdleTimeoutMs"], config["sessionMaxDurationMs"]) == (120_000, 600_000)
        page = open_app(context, backend.url)
        first = stored_session(page)
        context.clock.fast_forward("01:59")
        assert stored_session(page).get("endedAt") is None
        context.clock.fast_forward("00:02")
        assert stored_session(page)["endedAt"] == first["lastSeen"]
    finally:
        backend.stop()
