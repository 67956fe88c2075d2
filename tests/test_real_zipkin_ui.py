"""Zipkin's own UI, Lens, served by the real zipkin-server at /zipkin/, shows Journey's traces: the app's
"Open trace" link draws the guided journey, and Lens's search lists it."""

import re
import time

import pytest
import requests
from support import poll_until
from support.shapes import guided_journey_shape, wait_for_shape
from support.ui import finish_plan_my_day, last_trace_id, start_plan_my_day

pytestmark = [pytest.mark.zipkin, pytest.mark.browser]


@pytest.fixture
def journey(browser, zipkin_app, zipkin):
    """A finished 'Plan my day' in the app, whole in Zipkin: (the app's page, its trace id, its spans)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(zipkin_app.url)
    page.get_by_role("status").filter(has_text="9 talks").wait_for()
    start_plan_my_day(page)
    trace_id = last_trace_id(page)
    finish_plan_my_day(page)
    wait_for_shape(zipkin.url, trace_id, guided_journey_shape())
    yield page, trace_id, settled(f"{zipkin.url}/api/v2/trace/{trace_id}")
    context.close()


def settled(trace_url: str) -> list[dict]:
    """The trace once no more of its spans arrive (two reads half a second apart agree)."""
    last: list = []

    def same_again():
        nonlocal last
        spans, last = last, requests.get(trace_url, timeout=5).json()
        time.sleep(0.5)
        return last if len(spans) == len(last) else None

    return poll_until(same_again, "the trace to stop growing")


def test_the_apps_trace_link_draws_the_journey_in_zipkins_ui(journey, zipkin):
    page, trace_id, spans = journey
    page.goto(page.locator("#open-trace").get_attribute("href"))
    page.get_by_text("frontend: plan my day").first.wait_for()  # the trace's title, its root span
    # the first rows of the timeline (Lens draws the rows on screen only): the journey's first two steps
    for row in ("frontend: pick audience", "backend: query searchtalks", "frontend: add to schedule"):
        page.get_by_text(row).first.wait_for()
    summary = page.locator("body").inner_text()
    assert trace_id in summary
    assert re.search(r"Total Spans\s+(\d+)", summary).group(1) == str(len(spans)), "Lens read the whole trace"


def test_zipkins_ui_search_lists_the_journey(journey, zipkin):
    page, trace_id, _ = journey
    end_ms = int(time.time() * 1000) + 60_000
    page.goto(
        f"{zipkin.url}/zipkin/?serviceName=frontend&spanName=plan%20my%20day&lookback=15m&endTs={end_ms}&limit=50"
    )
    page.locator(f"a[href$='/traces/{trace_id}']").wait_for()  # its row's link to the trace
