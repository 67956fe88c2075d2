"""The viewer in headless Chromium: search, the waterfall, the journey, the graph and a file upload."""

import json
import re
import time

import pytest
import requests

pytestmark = pytest.mark.browser

NOW_US = int(time.time() * 1_000_000)


def call_trace(trace_id, session="s-view", start=NOW_US, error=False, db_ms=2):
    """browser action → fetch (CLIENT) → backend SERVER → operation → db CLIENT, as the demo makes them."""
    server_tags = {"http.route": "/graphql", "session.id": session}
    if error:
        server_tags["error"] = "boom"
    return [
        {
            "traceId": trace_id,
            "id": "a1",
            "name": "search talks",
            "timestamp": start,
            "duration": 40_000,
            "localEndpoint": {"serviceName": "frontend"},
            "tags": {"session.id": session},
        },
        {
            "traceId": trace_id,
            "id": "b2",
            "parentId": "a1",
            "kind": "CLIENT",
            "name": "post",
            "timestamp": start + 1000,
            "duration": 30_000,
            "localEndpoint": {"serviceName": "frontend"},
            "tags": {"session.id": session},
        },
        # the server's clock runs 5 ms ahead of the browser's: the viewer moves it back inside the call
        {
            "traceId": trace_id,
            "id": "c3",
            "parentId": "b2",
            "kind": "SERVER",
            "name": "post /graphql",
            "timestamp": start + 1000 + 28_000,
            "duration": 20_000,
            "localEndpoint": {"serviceName": "backend"},
            "tags": server_tags,
        },
        {
            "traceId": trace_id,
            "id": "d4",
            "parentId": "c3",
            "name": "query searchtalks",
            "timestamp": start + 30_000,
            "duration": 15_000,
            "localEndpoint": {"serviceName": "backend"},
        },
        {
            "traceId": trace_id,
            "id": "e5",
            "parentId": "d4",
            "kind": "CLIENT",
            "name": "select",
            "timestamp": start + 31_000,
            "duration": db_ms * 1000,
            "localEndpoint": {"serviceName": "backend"},
            "remoteEndpoint": {"serviceName": "sqlite"},
        },
    ]


@pytest.fixture
def viewer(browser, collector):
    spans = (
        call_trace("f1", start=NOW_US - 60_000_000)
        + call_trace("f2", session="other", db_ms=300)
        + call_trace("f3", start=NOW_US - 30_000_000, error=True)
    )
    assert requests.post(f"{collector.url}/api/v2/spans", json=spans, timeout=5).status_code == 202
    page = browser.new_context().new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page, collector.url
    assert errors == []
    page.context.close()


def result_ids(page):
    return [link.get_attribute("href").rsplit("/", 1)[-1][-2:] for link in page.locator(".results a").all()]


def test_search_by_service_tag_and_duration_lives_in_the_url(viewer):
    page, url = viewer
    page.goto(f"{url}/zipkin/")
    page.get_by_label("Service").select_option("backend")
    page.get_by_label("Tags").fill("session.id=s-view")
    page.get_by_role("button", name="Find traces").click()
    assert result_ids(page) == ["f3", "f1"]
    assert "serviceName=backend" in page.url and "annotationQuery=session.id%3Ds-view" in page.url
    page.goto(f"{url}/zipkin/?serviceName=backend&minDuration=100ms&lookback=3600000")
    assert result_ids(page) == ["f2"]  # only its database call took 300 ms
    assert page.locator("tr.error .badge").count() == 0
    page.goto(f"{url}/zipkin/?annotationQuery=error")
    assert result_ids(page) == ["f3"] and page.locator("tr.error").count() == 1
    import datetime

    def utc(micros):
        return datetime.datetime.fromtimestamp(micros / 1e6, tz=datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S")

    page.goto(f"{url}/zipkin/?from={utc(NOW_US - 90_000_000)}&to={utc(NOW_US - 45_000_000)}")
    assert result_ids(page) == ["f1"]  # a custom range: only the trace a minute ago
    page.goto(f"{url}/zipkin/?minDuration=soon")
    assert "not a duration like 100ms" in page.get_by_role("alert").text_content()


def test_the_trace_page_nests_every_span_and_merges_client_and_server(viewer):
    page, url = viewer
    page.goto(f"{url}/zipkin/traces/f3")
    rows = page.locator("li.row")
    assert [rows.nth(i).get_attribute("data-depth") for i in range(rows.count())] == ["0", "1", "2", "3"]
    assert page.locator("li.row.error").count() == 1  # the merged call carries the server's error
    facts = page.locator(".facts").text_content()
    assert "5" in facts and "Depth" in facts and "0000000000000000f3" not in facts
    # the server half was moved inside its client: its bar lies within the client's
    outer, inner = (rows.nth(1).locator(selector).bounding_box() for selector in (".bar span >> nth=0", ".bar .inner"))
    assert outer["x"] <= inner["x"] and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 0.5
    assert page.locator(".detail").count() == 0  # details are built when a row is first opened
    rows.nth(1).locator("button.toggle").click()
    detail = rows.nth(1).locator(".detail")
    assert detail.is_visible() and rows.nth(1).locator("button.toggle").get_attribute("aria-expanded") == "true"
    assert [dl.locator("dd").nth(2).text_content() for dl in detail.locator("dl").all()] == [
        "00000000000000b2",
        "00000000000000c3",  # both halves: the client's span id, then the server's
    ]
    assert "http.route/graphql" in detail.text_content()
    assert re.search(r"start\d\d:\d\d:\d\d\.\d{3} \(\+6 ms\)", detail.text_content())  # the reader's clock
    rows.nth(1).locator("button.toggle").click()
    assert detail.is_hidden()
    rows.nth(1).locator("button.toggle").focus()
    page.keyboard.press("ArrowLeft")  # fold the call's subtree
    assert rows.nth(2).is_hidden() and rows.nth(3).is_hidden()
    page.keyboard.press("ArrowRight")
    assert rows.nth(3).is_visible()
    download = page.get_by_role("link", name="Download")
    assert len(requests.get(url + download.get_attribute("href"), timeout=5).json()) == 5


def test_every_row_reads_each_span_name_and_the_service_called(viewer):
    page, url = viewer
    page.goto(f"{url}/zipkin/traces/f1")
    labels = page.locator("li.row .label")
    # the merged call names its server span (the route) too, and the database call names the service it called
    assert [label.inner_text() for label in labels.all()] == [
        "frontend search talks",
        "frontend post → backend post /graphql",
        "backend query searchtalks",
        "backend select → sqlite CLIENT",
    ]
    page.set_viewport_size({"width": 800, "height": 600})
    for label in labels.all():  # readable in a narrow window too: a label wraps rather than cut a name short
        assert label.evaluate("label => label.scrollWidth <= label.clientWidth"), label.inner_text()
        assert label.evaluate("label => getComputedStyle(label).overflow") == "visible"
    # a screen reader hears the same: the row's button is named by its label, not "details of post"
    page.get_by_role("button", name="frontend post → backend post /graphql").click()
    assert page.locator("li.row").nth(1).locator(".detail").is_visible()


def test_no_template_text_leaks_onto_a_page(viewer):
    page, url = viewer
    for path in ("/zipkin/", "/zipkin/traces/f1", "/zipkin/journeys/s-view", "/zipkin/dependency"):
        page.goto(f"{url}{path}")
        text = page.locator("body").text_content()
        assert not any(mark in text for mark in ("{#", "#}", "{%", "%}", "{{", "}}")), (path, text[:300])


def test_the_trace_id_box_jumps_to_a_trace(viewer):
    page, url = viewer
    page.goto(f"{url}/zipkin/")
    page.get_by_label("Trace id").fill("F1")
    page.get_by_role("button", name="Go").click()
    page.wait_for_url("**/zipkin/traces/f1")
    assert page.locator("li.row").count() == 4


def test_the_journey_page_lists_a_sessions_actions_in_order_with_gaps(viewer):
    page, url = viewer
    page.goto(f"{url}/zipkin/journeys/s-view")
    steps = page.locator("ol.journey li[data-trace-id]")
    assert [steps.nth(i).get_attribute("data-trace-id")[-2:] for i in range(steps.count())] == ["f1", "f3"]
    assert page.locator("ol.journey li.gap").count() == 1  # 30 s between them
    assert page.locator("ol.journey li.error").count() == 1
    steps.nth(1).locator("summary").click()  # opens in place, with the action's waterfall
    inline = steps.nth(1).locator(".inline li.row")
    inline.first.wait_for()
    assert inline.count() == 4
    inline.nth(1).locator("button.toggle").click()
    assert inline.nth(1).locator(".detail").is_visible()


def test_the_sessions_list_puts_the_most_recently_active_first(viewer):
    page, url = viewer
    page.goto(f"{url}/zipkin/journeys")
    rows = page.locator("table.sessions tbody tr")
    assert [rows.nth(i).locator("td").first.inner_text() for i in range(rows.count())] == ["other", "s-view"]
    assert rows.nth(1).locator("td").nth(2).inner_text() == "2"  # f1 and f3
    rows.nth(1).locator("a").click()
    page.locator("ol.journey").wait_for()


def test_the_dependency_graph_counts_calls_and_errors(viewer):
    page, url = viewer
    page.goto(f"{url}/zipkin/dependency")
    rows = [
        tuple(cell.text_content() for cell in row.locator("td").all())
        for row in page.locator(".results tbody tr").all()
    ]
    assert ("frontend", "backend", "3", "1") in rows and ("backend", "sqlite", "3", "0") in rows
    assert page.locator("svg.graph rect").count() == 3


def test_an_uploaded_trace_file_is_shown_and_not_stored(viewer, tmp_path):
    page, url = viewer
    path = tmp_path / "trace.json"
    path.write_text(json.dumps(call_trace("abcdef")))
    page.goto(f"{url}/zipkin/upload")
    page.get_by_label("Trace file").set_input_files(str(path))
    page.get_by_role("button", name="Show").click()
    assert page.locator("li.row").count() == 4 and "search talks" in page.locator("h1").text_content()
    assert requests.get(f"{url}/api/v2/trace/abcdef", timeout=5).status_code == 404
    path.write_text('[{"traceId": "XYZ", "id": "1"}]')
    page.goto(f"{url}/zipkin/upload")
    page.get_by_label("Trace file").set_input_files(str(path))
    page.get_by_role("button", name="Show").click()
    assert "lower-hex" in page.get_by_role("alert").text_content()


def thousand_span_trace(trace_id="b16"):
    """A root and 333 calls, each a CLIENT, its SERVER and the server's database CLIENT: 1,000 spans, 667 rows."""
    root = {"traceId": trace_id, "id": "1", "name": "plan my day", "timestamp": NOW_US, "duration": 4_000_000}
    spans = [root | {"localEndpoint": {"serviceName": "frontend"}}]
    for call in range(333):
        start = NOW_US + call * 10_000
        client, server, query = (f"{call:x}{half}" for half in ("a", "b", "c"))
        spans += [
            {"traceId": trace_id, "id": client, "parentId": "1", "kind": "CLIENT", "name": "post",
             "timestamp": start, "duration": 9_000, "localEndpoint": {"serviceName": "frontend"}},
            {"traceId": trace_id, "id": server, "parentId": client, "kind": "SERVER", "name": "post /graphql",
             "timestamp": start + 500, "duration": 8_000, "localEndpoint": {"serviceName": "backend"}},
            {"traceId": trace_id, "id": query, "parentId": server, "kind": "CLIENT", "name": "select",
             "timestamp": start + 1000, "duration": 1_000, "localEndpoint": {"serviceName": "backend"},
             "remoteEndpoint": {"serviceName": "sqlite"}},
        ]  # fmt: skip
    return spans


PAINTED = """addEventListener('load', () => requestAnimationFrame(() => requestAnimationFrame(() => {
  window.painted = performance.now();
})));"""


def test_a_thousand_span_trace_is_light_to_draw_and_still_folds_and_opens(browser, collector):
    assert requests.post(f"{collector.url}/api/v2/spans", json=thousand_span_trace(), timeout=5).status_code == 202
    page = browser.new_context().new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script(PAINTED)  # navigation to the first frame after the load event, as bench/viewer_bench.py
    painted = []
    for _ in range(3):
        page.goto(f"{collector.url}/zipkin/traces/b16")
        painted.append(page.wait_for_function("window.painted").json_value() / 1000)
    # bench/viewer_bench.py holds the budget (0.5 s); this machine is shared, so here a regression twice over
    assert sorted(painted)[1] < 1.0, painted
    rows = page.locator("li.row")
    assert rows.count() == 667
    # what made it slow: 32 elements a row, most of them details nobody had opened yet
    assert page.evaluate("document.querySelectorAll('li.row, li.row *').length") <= 12 * 667
    assert page.locator(".detail").count() == 0
    last = rows.nth(666)  # off screen: laid out only when scrolled to (content-visibility), but in the page's text
    assert last.text_content().startswith("backend select → sqlite")
    last.locator("button.toggle").click()
    assert "span id\n00000000000014cc" in last.locator(".detail").inner_text()  # from the JSON, when opened

    first_call, its_query, second_call = rows.nth(1), rows.nth(2), rows.nth(3)
    first_call.locator("button.toggle").click(modifiers=["Alt"])  # fold one call: only its query row hides
    assert its_query.is_hidden() and second_call.is_visible()
    rows.nth(0).locator("button.toggle").click(modifiers=["Alt"])  # fold the root: every other row hides
    assert page.locator("li.row:not([hidden])").count() == 1
    rows.nth(0).locator("button.toggle").click(modifiers=["Alt"])  # unfold it: the call folded before stays folded
    assert page.locator("li.row[hidden]").count() == 1 and its_query.is_hidden()
    first_call.locator("button.toggle").focus()
    page.keyboard.press("ArrowDown")  # moves past the folded call's hidden query to the next call
    assert second_call.locator("button.toggle").evaluate("button => button === document.activeElement")
    page.keyboard.press("k")
    assert first_call.locator("button.toggle").evaluate("button => button === document.activeElement")
    assert errors == []
    page.context.close()
