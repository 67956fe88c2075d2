"""End to end in headless Chromium: each user action is one trace from the browser to the database,
read back from the collector's API; a whole session is one journey."""

import time

import pytest
import requests
from support import poll_until, start_server
from support.shapes import action_shape, find, wait_for_shape
from support.ui import finish_plan_my_day, last_trace_id, pick_audience, start_plan_my_day

pytestmark = pytest.mark.browser

# What the user does (a function of the page) and the trace it must leave: one line per action.
ACTIONS = {
    "show talks": (lambda page: page.goto(page.app_url), "query searchtalks", "resolve query.talks"),
    "search talks": (
        lambda page: (
            page.get_by_label("Search").fill("kubernetes"),
            page.get_by_role("button", name="Search").click(),
        ),
        "query searchtalks",
        "resolve query.talks",
    ),
    "open talk": (
        lambda page: page.get_by_role("link", name="Kubernetes Patterns").click(),
        "query showtalk",
        "resolve query.talk",
    ),
    "show schedule": (
        lambda page: page.get_by_role("link", name="My schedule").click(),
        "query myschedule",
        "resolve query.myschedule",
    ),
}


@pytest.fixture
def page(browser, backend):
    context = browser.new_context()
    page = context.new_page()
    page.app_url = backend.url
    page.console_errors = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    page.goto(backend.url)
    page.get_by_role("status").filter(has_text="9 talks").wait_for()
    yield page
    context.close()


@pytest.mark.parametrize("action", list(ACTIONS))
def test_each_action_is_one_trace_from_browser_to_database(page, collector, action):
    perform, operation, resolver = ACTIONS[action]
    before = page.locator("#trace-id").text_content()
    clicked = time.monotonic()
    perform(page)
    trace_id = last_trace_id(page, before if action != "show talks" else None)
    spans = wait_for_shape(collector.url, trace_id, action_shape(action, operation, resolver))
    print(f"{action}: click to queryable trace {time.monotonic() - clicked:.2f} s")
    [root] = find(spans, "frontend", action)
    [server] = find(spans, "backend", "post /graphql")
    assert root["tags"]["session.id"] == server["tags"]["session.id"]
    assert all(isinstance(s["timestamp"], int) and isinstance(s.get("duration", 1), int) for s in spans)
    assert page.console_errors == []


def test_add_to_schedule_and_feedback_are_traced_with_what_was_acted_on(page, collector):
    page.get_by_role("link", name="Kubernetes Patterns").click()
    page.get_by_role("button", name="Add to my schedule").click()
    page.get_by_text("In your schedule.").wait_for()
    add = last_trace_id(page)
    spans = wait_for_shape(
        collector.url, add, action_shape("add to schedule", "mutation addtoschedule", "resolve mutation.addtoschedule")
    )
    assert find(spans, "frontend", "add to schedule")[0]["tags"]["ui.talk.id"] == "2"

    comment = "a comment that must never reach a span"
    page.get_by_label("4", exact=True).check()
    page.get_by_label("Comment").fill(comment)
    page.get_by_role("button", name="Send feedback").click()
    page.get_by_text("Thank you for your feedback!").wait_for()
    feedback = last_trace_id(page, add)
    spans = wait_for_shape(
        collector.url,
        feedback,
        [
            ("frontend", "submit feedback", None, None, None),
            ("backend", "mutation submitfeedback", None, "backend", "post /graphql"),
        ],
    )
    tags = find(spans, "frontend", "submit feedback")[0]["tags"]
    assert (tags["ui.feedback.rating"], tags["ui.feedback.comment.length"]) == ("4", str(len(comment)))
    assert comment not in requests.get(f"{collector.url}/api/v2/trace/{feedback}", timeout=5).text


def test_a_schedule_conflict_is_shown(page):
    for title in ("Kubernetes Patterns", "Deliver Your Cloud Native Application with Design Pattern as Code"):
        page.goto(page.app_url)
        page.get_by_role("link", name=title).click()
        page.get_by_role("button", name="Add to my schedule").click()
        page.get_by_text("In your schedule.").wait_for()
    assert page.get_by_role("alert").filter(has_text="Schedule conflict").is_visible()


def test_feedback_form_validates_before_sending(page):
    page.get_by_role("link", name="Progressive Delivery").click()
    page.get_by_role("button", name="Send feedback").click()
    assert page.get_by_text("Choose a rating from 1 to 5.").is_visible()


def test_the_guided_flow_is_one_trace_with_every_step_under_the_journey(page, collector):
    start_plan_my_day(page)
    journey = last_trace_id(page)
    finish_plan_my_day(page)
    steps = ["pick audience", "add to schedule", "review schedule", "submit feedback"]
    shape = [("frontend", "plan my day", None, None, None)]
    shape += [("frontend", step, None, "frontend", "plan my day") for step in steps]
    shape += [("frontend", "post", "CLIENT", "frontend", step) for step in steps]
    shape += [
        ("backend", op, None, "backend", "post /graphql")
        for op in ("query searchtalks", "mutation addtoschedule", "query myschedule", "mutation submitfeedback")
    ]
    spans = wait_for_shape(collector.url, journey, shape)
    [root] = find(spans, "frontend", "plan my day")
    assert root["tags"]["ui.journey.outcome"] == "completed" and root["tags"]["ui.journey.steps"] == "4"
    assert len({s["tags"].get("session.id") for s in spans}) == 1


def test_a_session_keeps_its_id_and_another_browser_gets_another(page, browser, collector):
    first = last_trace_id(page)
    page.reload()
    page.get_by_role("status").filter(has_text="9 talks").wait_for()
    second = last_trace_id(page, first)
    sessions = set()
    for trace_id in (first, second):
        spans = wait_for_shape(collector.url, trace_id, [("backend", "post /graphql", "SERVER", "frontend", "post")])
        sessions |= {s["tags"]["session.id"] for s in spans}
    assert len(sessions) == 1
    other = browser.new_context().new_page()
    other.goto(page.app_url)
    other.get_by_role("status").filter(has_text="9 talks").wait_for()
    third = last_trace_id(other)
    spans = wait_for_shape(collector.url, third, [("frontend", "show talks", None, None, None)])
    assert {s["tags"]["session.id"] for s in spans} != sessions
    journey = requests.get(f"{collector.url}/zipkin/journeys/{sessions.pop()}", timeout=5)
    assert journey.status_code == 200 and journey.text.count("data-trace-id=") >= 2


def test_an_uncaught_javascript_error_is_a_span(page, collector):
    page.evaluate("setTimeout(() => { throw new Error('planted in a test') }, 0)")

    def error_span():
        found = requests.get(
            f"{collector.url}/api/v2/traces",
            params={"serviceName": "frontend", "spanName": "uncaught error", "lookback": "60000"},
            timeout=5,
        ).json()
        return found and found[0][0]

    span = poll_until(error_span, "an 'uncaught error' span")
    assert span["tags"]["error"] == "planted in a test"
    assert span["tags"]["exception.message"] == "planted in a test" and span["tags"]["exception.type"] == "Error"
    assert span["tags"]["session.id"]


def test_a_graphql_error_marks_the_action_span(browser, collector, tmp_path):
    flaky = start_server(
        [
            "backend",
            "--db",
            str(tmp_path / "flaky.db"),
            "--zipkin-endpoint",
            f"{collector.url}/api/v2/spans",
            "--viewer-url",
            f"{collector.url}/zipkin/",
            "--batch-delay",
            "100",
            "--flaky-write-rate",
            "1",
            "--ratings-url",
            "http://127.0.0.1:9",
        ],
        "flaky-backend",
        tmp_path,
    )
    try:
        page = browser.new_context().new_page()
        page.goto(f"{flaky.url}/talks/4")
        page.get_by_label("5", exact=True).check()
        page.get_by_role("button", name="Send feedback").click()
        page.get_by_text("Could not send the feedback: Unexpected error.").wait_for()
        trace_id = last_trace_id(page)
        spans = wait_for_shape(
            collector.url,
            trace_id,
            [
                ("frontend", "submit feedback", None, None, None),
                ("backend", "resolve mutation.submitfeedback", None, "backend", "mutation submitfeedback"),
            ],
        )
        [action] = find(spans, "frontend", "submit feedback")
        assert action["tags"]["error"] == "Unexpected error."
        [resolver] = find(spans, "backend", "resolve mutation.submitfeedback")
        assert "database is locked" in resolver["tags"]["error"]
    finally:
        flaky.stop()


def test_spans_of_the_last_action_arrive_after_navigating_away(page, collector):
    page.get_by_label("Search").fill("caching")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("status").filter(has_text="1 talk").wait_for()
    trace_id = last_trace_id(page)
    page.goto("about:blank")  # the page is hidden and unloaded: the processor flushes by beacon
    wait_for_shape(collector.url, trace_id, [("frontend", "search talks", None, None, None)])


def test_the_whole_trace_of_the_last_action_arrives_after_navigating_away(page, collector):
    """The CLIENT span too: it ends with the response, so leaving at once does not lose it, nor leave
    the backend's server span without its parent (the stock fetch instrumentation ends it 300 ms
    later and loses it: test_e2e_browser_stock.py)."""
    page.get_by_label("Search").fill("caching")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("status").filter(has_text="1 talk").wait_for()
    trace_id = last_trace_id(page)
    page.goto("about:blank")
    wait_for_shape(collector.url, trace_id, action_shape("search talks", "query searchtalks", "resolve query.talks"))


# refused, reset, empty response...: the collector died mid-request or is gone; or it was stopping
# and refused the batch whole (503, retry) rather than store half of it
NETWORK_FAILURE = ("net::ERR_", "status of 503")


def test_the_app_keeps_working_with_the_collector_stopped(page, collector):
    collector.stop()
    for _ in range(3):  # in-app navigation, as a user of the single-page app does
        for title in ("Kubernetes Patterns", "Progressive Delivery"):
            page.get_by_role("link", name=title).click()
            page.get_by_role("heading", name=title).wait_for()
            page.wait_for_timeout(300)  # the exporter could try after every 100 ms batch delay
            page.get_by_role("link", name="← All talks").click()
            page.get_by_role("status").filter(has_text="9 talks").wait_for()
    # the browser logs each failed attempt; backing off keeps that to a few lines, not one a batch
    failures = [e for e in page.console_errors if any(code in e for code in NETWORK_FAILURE)]
    assert len(failures) <= 4, page.console_errors
    assert [e for e in page.console_errors if e not in failures] == []


def test_leaving_the_guided_flow_ends_the_journey_as_abandoned(page, collector):
    start_plan_my_day(page)
    journey = last_trace_id(page)
    pick_audience(page, "ops")
    page.get_by_role("link", name="My schedule").click()
    spans = wait_for_shape(
        collector.url,
        journey,
        [
            ("frontend", "plan my day", None, None, None),
            ("frontend", "pick audience", None, "frontend", "plan my day"),
        ],
    )
    [root] = find(spans, "frontend", "plan my day")
    assert root["tags"]["ui.journey.outcome"] == "abandoned: left" and root["tags"]["ui.journey.steps"] == "1"
    assert not find(spans, "frontend", "show schedule")  # after the journey: a trace of its own


def test_hiding_the_page_ends_the_journey_as_abandoned(page, collector):
    start_plan_my_day(page)
    journey = last_trace_id(page)
    pick_audience(page, "ops")
    page.evaluate("""() => {  // the tab goes to the background, as when the user switches away
        Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
        document.dispatchEvent(new Event('visibilitychange'));
    }""")
    spans = wait_for_shape(collector.url, journey, [("frontend", "plan my day", None, None, None)])
    [root] = find(spans, "frontend", "plan my day")
    assert root["tags"]["ui.journey.outcome"] == "abandoned: page hidden"


def test_a_journey_left_open_for_10_minutes_ends_as_timed_out(browser, backend, collector):
    context = browser.new_context()
    page = context.new_page()
    page.clock.install()  # the page's timers run on a clock the test moves
    page.goto(backend.url)
    page.get_by_role("status").filter(has_text="9 talks").wait_for()
    start_plan_my_day(page)
    journey = last_trace_id(page)
    page.clock.fast_forward("10:01")
    page.clock.run_for(2000)  # the batch processor's delay, on the same clock
    spans = wait_for_shape(collector.url, journey, [("frontend", "plan my day", None, None, None)])
    [root] = find(spans, "frontend", "plan my day")
    assert root["tags"]["ui.journey.outcome"] == "abandoned: timed out"
    context.close()


def test_the_first_load_is_traced_as_a_document_load(page, collector):
    def document_load():
        found = requests.get(
            f"{collector.url}/api/v2/traces",
            params={"serviceName": "frontend", "spanName": "documentload", "lookback": "60000"},
            timeout=5,
        ).json()
        return found and found[0]

    spans = poll_until(document_load, "a documentLoad trace")
    assert {s["name"] for s in spans} >= {"documentload", "documentfetch"}
    assert all(s["tags"].get("session.id") for s in spans)


def test_no_search_text_or_comment_reaches_any_stored_span(page, collector):
    search, comment = "zq-private-search", "zq-private-comment, my opinion only"
    page.get_by_label("Search").fill(search)
    page.get_by_role("button", name="Search").click()
    page.get_by_role("status").filter(has_text="0 talks").wait_for()
    page.goto(f"{page.app_url}/talks/6")
    page.get_by_label("3", exact=True).check()
    page.get_by_label("Comment").fill(comment)
    page.get_by_role("button", name="Send feedback").click()
    page.get_by_text("Thank you for your feedback!").wait_for()
    wait_for_shape(
        collector.url,
        last_trace_id(page),
        [
            ("frontend", "submit feedback", None, None, None),
            ("backend", "mutation submitfeedback", None, "backend", "post /graphql"),
        ],
    )
    session = page.evaluate("JSON.parse(localStorage.getItem('journey.session')).id")
    stored = requests.get(
        f"{collector.url}/api/v2/traces",
        timeout=5,
        params={"annotationQuery": f"session.id={session}", "limit": "100", "lookback": "600000"},
    ).text
    assert "search talks" in stored and "submit feedback" in stored  # the actions are there ...
    assert "zq-private" not in stored  # ... what the user typed is not, browser or server side


@pytest.mark.parametrize("ratio", ["0", "0.5"])
def test_head_sampling_in_the_browser_keeps_whole_traces_or_none(browser, collector, tmp_path, ratio):
    """The browser decides at the root; the backend follows the flag in traceparent: no half traces."""
    sampled = start_server(
        [
            "backend",
            "--db",
            str(tmp_path / "app.db"),
            "--zipkin-endpoint",
            f"{collector.url}/api/v2/spans",
            "--viewer-url",
            f"{collector.url}/zipkin/",
            "--batch-delay",
            "100",
            "--ratings-url",
            "http://127.0.0.1:9",
            "--browser-sample-ratio",
            ratio,
        ],
        "sampled-backend",
        tmp_path,
    )
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(sampled.url)
        page.get_by_role("status").filter(has_text="9 talks").wait_for()
        previous = last_trace_id(page)  # the page load's own action: the first search must show a new one
        shown = []
        for word in ["kubernetes", "patterns", "data", "delivery", "tracing", "canary"] * 3:
            page.get_by_label("Search").fill(word)
            page.get_by_role("button", name="Search").click()
            previous = last_trace_id(page, previous)
            shown.append(previous)
            # read in one step, so the panel cannot change between the two looks
            panel_id, link, note = page.evaluate(
                "() => [document.querySelector('#trace-id').textContent,"
                " !document.querySelector('#open-trace').hidden, !document.querySelector('#trace-note').hidden]"
            )
            assert panel_id == previous
            assert link != note  # a link to the trace, or "not sampled"
        time.sleep(1.5)  # both sides' batches
        traces = {
            t[0]["traceId"]: t
            for t in requests.get(
                f"{collector.url}/api/v2/traces",
                params={"serviceName": "frontend", "spanName": "search talks", "limit": 100},
                timeout=5,
            ).json()
        }
        calls = requests.get(
            f"{collector.url}/api/v2/traces",
            params={"serviceName": "backend", "spanName": "post /graphql", "limit": 100},
            timeout=5,
        ).json()
        for trace_id in shown:
            if trace_id in traces:  # kept: whole, browser and backend
                assert {s["localEndpoint"]["serviceName"] for s in traces[trace_id]} == {"frontend", "backend"}
        # no API call recorded by the backend without the browser's side (GET / and /config.json are
        # the backend's own roots, not calls a user action made)
        assert all(any(s["localEndpoint"]["serviceName"] == "frontend" for s in t) for t in calls)
        if ratio == "0":
            assert traces == {} and calls == []
            assert page.get_by_text("not sampled").is_visible()
        else:
            assert 0 < len([t for t in shown if t in traces]) < len(shown)  # 18 searches at 0.5: some of each
    finally:
        context.close()
        sampled.stop()
