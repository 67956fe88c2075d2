"""The viewer as a workshop room uses it, in headless Chromium: exceptions readable and marked, long traces
folded to their actions, the journey's latest step within reach, times and counts as people say them,
a trace opened before it arrived, and the app's trace panel keeping to one viewer tab."""

import datetime
import re
import time
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import expect
from support import poll_until, start_server

pytestmark = pytest.mark.browser


def now_us():
    """Now in epoch microseconds: read in each test, as pages judge "lately" and "2 min ago" by the clock."""
    return time.time_ns() // 1000


RATE = 'mutation SubmitFeedback { submitFeedback(talkId: "2", rating: 5) { id } }'


def span(trace_id, span_id, name, start, micros, service="frontend", parent=None, **fields):
    made = {"traceId": trace_id, "id": span_id, "name": name, "timestamp": start, "duration": micros}
    made |= {"localEndpoint": {"serviceName": service}, **fields}
    return made | ({"parentId": parent} if parent else {})


def journey_trace(trace_id, actions=7, selects=6, failing=None, session="s-long"):
    """A guided journey as the app makes it: `plan my day`, then per action (each tagged ui.action) its call,
    the operation, the resolver and its queries: 1 + 10 x 7 = 71 rows over 45 s. The resolver of action
    number `failing` fails."""
    action_tags, now = {"session.id": session}, now_us()
    spans = [span(trace_id, "1", "plan my day", now - 50_000_000, 45_000_000, tags={"ui.action": "plan my day"})]
    for number in range(actions):
        start, ids = now - 49_000_000 + number * 6_000_000, [f"{number + 1:x}{part}" for part in "abcde"]
        action, client, server, operation, resolver = ids
        resolver_tags = {"error": "database is locked"} if number == failing else {}
        spans += [
            span(trace_id, action, f"step {number}", start, 900_000, parent="1", tags=action_tags | {"ui.action": "x"}),
            span(trace_id, client, "post", start + 1000, 800_000, parent=action, kind="CLIENT"),
            span(trace_id, server, "post /graphql", start + 2000, 700_000, "backend", client, kind="SERVER"),
            span(trace_id, operation, "query searchtalks", start + 3000, 600_000, "backend", server),
            span(trace_id, resolver, "resolve query.talks", start + 4000, 500_000, "backend", operation,
                 tags=resolver_tags),
        ]  # fmt: skip
        spans += [
            span(trace_id, f"{number + 1:x}f{query}", "select", start + 5000 + query * 1000, 800, "backend", resolver,
                 kind="CLIENT", remoteEndpoint={"serviceName": "sqlite"})
            for query in range(selects)
        ]  # fmt: skip
    return spans


def post(collector, spans):
    assert requests.post(f"{collector.url}/api/v2/spans", json=spans, timeout=5).status_code == 202


@pytest.fixture
def new_page(browser):
    """A page of a fresh browser context (options: Playwright's new_context's); no script error goes unseen."""
    contexts, errors = [], []

    def make(**options):
        context = browser.new_context(**options)
        contexts.append(context)
        context.on("weberror", lambda error: errors.append(str(error.error)))
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
    assert errors == []


def shown(page):
    """How many rows of the waterfall are displayed (an element's own check: not hidden by any means)."""
    return page.evaluate("[...document.querySelectorAll('li.row')].filter((row) => row.checkVisibility()).length")


def test_a_long_trace_opens_folded_below_its_actions_and_a_failure_stays_in_sight(new_page, collector):
    post(collector, journey_trace("a70", failing=4))
    page = new_page()
    page.goto(f"{collector.url}/zipkin/traces/a70")
    rows = page.locator("li.row")
    assert rows.count() == 71
    # the root and its seven actions, and the failing action's subtree: nothing folded out of sight failed
    assert shown(page) == 1 + 7 + 9
    assert page.locator("li.row.folded").count() == 6
    assert "6 actions folded" in page.locator(".waterfall-tools").inner_text()
    failing = rows.filter(has_text="step 4").first
    assert "folded" not in failing.get_attribute("class")
    assert rows.filter(has_text="resolve query.talks").filter(has=page.locator(".badge")).is_visible()

    step = rows.filter(has_text="step 2").first
    fold = step.locator("button.fold")
    assert fold.get_attribute("aria-expanded") == "false" and fold.get_attribute("aria-label") == "9 rows below"
    fold.click()  # open one action: its call, operation, resolver and six queries
    assert fold.get_attribute("aria-expanded") == "true" and shown(page) == 1 + 7 + 9 + 9
    fold.click()
    assert shown(page) == 1 + 7 + 9


def test_no_script_no_folding(new_page, collector):
    post(collector, journey_trace("a71"))
    page = new_page(java_script_enabled=False)
    page.goto(f"{collector.url}/zipkin/traces/a71")
    assert shown(page) == 71  # every row is in the page; without the script, every row is shown
    assert page.locator("button.fold").first.is_hidden()  # no control that could not work


def test_subtrees_fold_and_unfold_and_all_at_once(new_page, collector):
    post(collector, journey_trace("a20", actions=2, selects=2))  # 13 rows: short, opens whole
    page = new_page()
    page.goto(f"{collector.url}/zipkin/traces/a20")
    assert shown(page) == 13 and page.locator("li.row.folded").count() == 0
    call = page.locator("li.row").filter(has_text="frontend post → backend post /graphql").first
    call.locator("button.fold").click()
    assert shown(page) == 13 - 4 and call.locator("button.fold").get_attribute("aria-expanded") == "false"
    assert call.locator(".label").evaluate("label => getComputedStyle(label, '::after').content") == '" …"'

    page.get_by_role("button", name="Collapse all").click()
    assert shown(page) == 1
    page.locator("li.row").first.locator("button.fold").click()  # the root's children, each still folded
    assert shown(page) == 3
    page.get_by_role("button", name="Expand all").click()
    assert shown(page) == 13 and page.locator("li.row.folded").count() == 0


@pytest.fixture
def flaky_backend(collector, tmp_path):
    """The app with the planted flaky write always failing, its spans going to the collector fixture."""
    server = start_server(
        ["backend", "--db", str(tmp_path / "app.db"), "--zipkin-endpoint", f"{collector.url}/api/v2/spans",
         "--viewer-url", f"{collector.url}/zipkin/", "--batch-delay", "100", "--ratings-url", "http://127.0.0.1:9",
         "--flaky-write-rate", "1"],
        "backend-flaky",
        tmp_path,
    )  # fmt: skip
    yield server
    server.stop()


def wait_for_span(collector, trace_id, name):
    def spans():
        found = requests.get(f"{collector.url}/api/v2/trace/{trace_id}", timeout=5)
        return found.status_code == 200 and any(s["name"] == name for s in found.json()) and found.json()

    return poll_until(spans, f"span {name!r} of trace {trace_id}")


def test_a_planted_failure_reads_as_an_exception_with_its_stack_trace_and_marks_its_bar(
    new_page, collector, flaky_backend
):
    answer = requests.post(
        f"{flaky_backend.url}/graphql", json={"query": RATE}, headers={"baggage": "session.id=s-flaky"}, timeout=5
    )
    trace_id = answer.headers["traceresponse"].split("-")[1]
    wait_for_span(collector, trace_id, "resolve mutation.submitfeedback")
    page = new_page()
    page.goto(f"{collector.url}/zipkin/traces/{trace_id}")
    resolver = page.locator("li.row").filter(has_text="resolve mutation.submitfeedback")
    mark = resolver.locator(".bar .event.exception")
    assert mark.count() == 1 and "PlantedWriteFailure: database is locked" in mark.get_attribute("title")
    assert mark.evaluate("mark => getComputedStyle(mark).backgroundColor") == "rgb(220, 38, 38)"  # the error red
    resolver.locator("button.toggle").click()
    exception = resolver.locator(".detail dd.exception")
    headline = "backend.flaky_write.PlantedWriteFailure: database is locked (simulated by the planted flaky write)"
    assert exception.locator("strong").inner_text() == headline
    stack = exception.locator("pre")
    lines = stack.inner_text().splitlines()
    assert lines[0] == "Traceback (most recent call last):" and len(lines) > 5
    assert any(line.startswith('  File "') and "flaky_write.py" in line for line in lines)
    # drawn on as many lines as it has, not run together
    line_height = float(stack.evaluate("pre => parseFloat(getComputedStyle(pre).lineHeight) || 12"))
    assert stack.bounding_box()["height"] >= len(lines) * line_height * 0.9
    # the event itself is listed too, at its time, with its attributes
    event = resolver.locator(".detail dd.event.error")
    assert event.locator("strong").inner_text() == "exception"
    assert "exception.type" in event.locator("dl").inner_text()


@pytest.mark.parametrize("exporter", ["zipkin", "otlp"])
def test_an_exception_recorded_by_the_stock_sdk_reads_the_same_over_either_exporter(new_page, collector, exporter):
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.exporter.zipkin.json import ZipkinExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    exporters = {
        "zipkin": lambda: ZipkinExporter(endpoint=f"{collector.url}/api/v2/spans"),
        "otlp": lambda: OTLPSpanExporter(endpoint=f"{collector.url}/v1/traces"),
    }
    provider = TracerProvider(resource=Resource.create({"service.name": "worker"}))
    provider.add_span_processor(SimpleSpanProcessor(exporters[exporter]()))
    with provider.get_tracer("test").start_as_current_span("write") as failed:
        try:
            raise KeyError("no such talk")
        except KeyError as error:
            failed.record_exception(error)
    provider.shutdown()
    trace_id = format(failed.get_span_context().trace_id, "032x")
    wait_for_span(collector, trace_id, "write")
    page = new_page()
    page.goto(f"{collector.url}/zipkin/traces/{trace_id}")
    row = page.locator("li.row").first
    assert row.locator(".bar .event.exception").count() == 1
    row.locator("button.toggle").click()
    assert row.locator("dd.exception strong").inner_text() == "KeyError: 'no such talk'"
    assert row.locator("dd.exception pre").inner_text().splitlines()[0] == "Traceback (most recent call last):"


def test_the_journey_page_can_start_from_the_latest_step(new_page, collector):
    now = now_us()
    for number, seconds_ago in enumerate((300, 200, 100, 5)):
        post(collector, [span(f"b{number}", "1", f"action {number}", now - seconds_ago * 1_000_000, 40_000,
                              tags={"session.id": "s-order"})])  # fmt: skip
    page = new_page()
    page.goto(f"{collector.url}/zipkin/journeys/s-order")
    steps = page.locator("ol.journey li[data-trace-id]")

    def order():
        return [int(step.get_attribute("data-trace-id")[-1]) for step in steps.all()]

    assert order() == [0, 1, 2, 3]
    page.get_by_role("link", name="jump to the latest ↓").click()
    assert page.url.endswith("#latest")
    assert page.locator("ol.journey li:target").get_attribute("data-trace-id").endswith("b3")
    assert page.locator("ol.journey li:target").is_visible()
    page.get_by_role("link", name="newest first").click()
    page.wait_for_url("**order=newest")
    assert order() == [3, 2, 1, 0]
    assert [gap.inner_text() for gap in page.locator("li.gap").all()][0] == "… 1 min 35 s earlier …"
    assert page.locator(".journey-nav").inner_text().startswith("Newest first")


def test_times_read_as_clock_times_in_the_readers_zone_and_how_long_ago(new_page, collector):
    now = now_us()
    started = now - 125_000_000
    post(collector, [span("c1", "1", "search talks", started, 1_250_000, tags={"session.id": "s-times"})])
    local = datetime.datetime.fromtimestamp(started / 1e6, ZoneInfo("Asia/Kolkata")).strftime("%H:%M:%S")
    expected = re.compile(rf"^(\d{{4}}-\d\d-\d\d )?{local}, 2 min ago$")
    page = new_page(timezone_id="Asia/Kolkata")  # UTC+5:30: the page shows the reader's clock, not the server's
    page.goto(f"{collector.url}/zipkin/?annotationQuery=session.id%3Ds-times")
    cells = page.locator(".results tbody tr").first.locator("td")
    assert expected.match(cells.nth(1).inner_text()), cells.nth(1).inner_text()
    assert cells.nth(2).inner_text() == "1.25 s"
    assert cells.nth(1).locator("time").get_attribute("title").endswith(" UTC")  # the server's text, kept
    page.goto(f"{collector.url}/zipkin/traces/c1")
    terms, values = page.locator(".facts dt").all_inner_texts(), page.locator(".facts dd").all_inner_texts()
    facts = dict(zip(terms, values, strict=True))
    assert expected.match(facts["Started"]) and facts["Duration"] == "1.25 s"
    page.goto(f"{collector.url}/zipkin/journeys")
    session = page.locator("table.sessions tr").filter(has_text="s-times")
    assert expected.match(session.locator("td").nth(1).inner_text())
    page.goto(f"{collector.url}/zipkin/dependency")
    window = page.locator(".window").inner_text()  # a day back (the default lookback): yesterday's date first
    assert re.fullmatch(r"Calls from [\d-]+ \d\d:\d\d:\d\d to \d\d:\d\d:\d\d, just now\.", window), window
    page.get_by_label("Ending").fill("2020-08-18T13:00:00")
    page.get_by_role("button", name="Show").click()
    # 13:00 UTC, in Kolkata, once the new page's script has rewritten the server's UTC text
    expect(page.locator(".window")).to_contain_text("2020-08-18 18:30:00")


def test_one_trace_one_span_many_traces_many_spans(new_page, collector):
    now = now_us()
    post(collector, [span("d1", "1", "show talks", now - 10_000_000, 2000, tags={"session.id": "s-one"})])
    page = new_page()
    page.goto(f"{collector.url}/zipkin/?annotationQuery=session.id%3Ds-one")
    assert page.locator(".results caption").inner_text() == "1 trace, newest first"
    page.goto(f"{collector.url}/zipkin/journeys/s-one")
    assert page.locator("ol.journey .services").inner_text() == "frontend · 1 span"
    post(collector, [span("d2", "1", "open talk", now, 2000, tags={"session.id": "s-one"}),
                     span("d2", "2", "post", now, 1000, parent="1", tags={"session.id": "s-one"})])  # fmt: skip
    page.goto(f"{collector.url}/zipkin/?annotationQuery=session.id%3Ds-one")
    assert page.locator(".results caption").inner_text() == "2 traces, newest first"
    page.goto(f"{collector.url}/zipkin/journeys/s-one")
    assert page.locator("ol.journey .services").all_inner_texts() == ["frontend · 1 span", "frontend · 2 spans"]


def test_a_trace_opened_before_its_spans_arrive_is_waited_for(new_page, collector):
    now = now_us()
    page = new_page()
    page.goto(f"{collector.url}/zipkin/traces/e1")
    assert page.get_by_role("heading").inner_text() == "Waiting for the trace to arrive…"
    assert "e1" in page.get_by_role("status").inner_text()
    assert requests.get(f"{collector.url}/api/v2/trace/e1", timeout=5).status_code == 404  # the API's answer stays
    post(collector, [span("e1", "1", "add", now, 30_000), span("e1", "2", "post", now, 9000, parent="1")])
    page.locator("li.row").nth(1).wait_for()
    assert page.url == f"{collector.url}/zipkin/traces/e1"  # the address without the seconds it waited
    assert page.locator("li.row").count() == 2


def test_a_trace_whose_browser_half_comes_later_is_waited_for_too(new_page, collector):
    now = now_us()
    browser = [
        span("e3", "1", "search talks", now, 40_000),
        span("e3", "2", "post", now, 30_000, parent="1", kind="CLIENT"),
    ]
    backend = [span("e3", "3", "post /graphql", now + 5000, 20_000, "backend", "2", kind="SERVER"),
               span("e3", "4", "query searchtalks", now + 6000, 9000, "backend", "3")]  # fmt: skip
    post(collector, backend)  # the backend's batch first, as it usually is: the browser's leaves when its action ends
    page = new_page()
    page.goto(f"{collector.url}/zipkin/traces/e3")
    note = page.locator("p.arriving")
    assert note.inner_text().startswith("1 span of this trace names a parent that has not arrived yet")
    assert page.locator("li.row").count() == 2
    post(collector, browser)
    page.locator("li.row").nth(2).wait_for()
    assert page.url == f"{collector.url}/zipkin/traces/e3" and note.count() == 0
    assert page.locator("li.row").count() == 3  # the call's two halves on one row


def test_a_trace_that_never_arrives_is_given_up_on_with_a_way_to_try_again(new_page, collector):
    now = now_us()
    page = new_page(java_script_enabled=False)  # the waiting needs no script
    page.goto(f"{collector.url}/zipkin/traces/e2")
    alert = page.get_by_role("alert")
    alert.wait_for(timeout=30_000)
    assert alert.inner_text() == "Trace e2 not found: no span of it arrived in 10 s."
    assert page.get_by_role("link", name="Try again").get_attribute("href") == "/zipkin/traces/e2"
    assert requests.get(page.url, timeout=5).status_code == 404
    post(collector, [span("e2", "1", "late", now, 1000)])
    page.get_by_role("link", name="Try again").click()
    page.locator("li.row").wait_for()


def last_trace_id(page, previous=None):
    def new_id():
        text = page.locator("#trace-id").text_content() or ""
        return len(text) == 32 and text != previous and text

    return poll_until(new_id, "a new trace id in the trace panel")


def test_the_trace_panel_opens_every_trace_in_one_viewer_tab(browser, collector, flaky_backend):
    context = browser.new_context()
    try:
        app = context.new_page()
        app.goto(flaky_backend.url)
        app.get_by_role("status").filter(has_text="9 talks").wait_for()
        first = last_trace_id(app)
        with context.expect_page() as opened:
            app.get_by_role("link", name="Open trace").click()
        viewer = opened.value
        viewer.wait_for_url(f"**/zipkin/traces/{first}*")
        viewer.locator("li.row").first.wait_for()

        app.get_by_role("link", name="Kubernetes Patterns").click()
        talk = last_trace_id(app, first)
        app.get_by_label("4", exact=True).check()
        app.get_by_role("button", name="Send feedback").click()  # the planted write always fails here
        app.get_by_text("Could not send the feedback").wait_for()
        failed = last_trace_id(app, talk)
        app.get_by_role("link", name="Open trace").click()
        viewer.wait_for_url(f"**/zipkin/traces/{failed}*")
        app.get_by_role("link", name="Open my journey").click()
        viewer.wait_for_url("**/zipkin/journeys/*")
        assert len(context.pages) == 2  # the app and one viewer tab, whatever was clicked

        # the browser's own failed span: its exception event marks its bar, the exception's facts read from its tags
        viewer.goto(f"{collector.url}/zipkin/traces/{failed}")
        action = viewer.locator("li.row").filter(has_text="frontend submit feedback").first
        action.locator(".bar .event.exception").wait_for()
        action.locator("button.toggle").click()
        assert action.locator("dd.exception strong").inner_text().endswith(": Unexpected error.")
    finally:
        context.close()
