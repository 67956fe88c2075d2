"""End to end on the real Zipkin: the real backend and the real browser export to zipkin-server, and
each trace read back through Zipkin's API has the shape it has on our collector (test_e2e_browser.py:
the same actions, the same shapes)."""

import pytest
from support.shapes import action_shape, find, guided_journey_shape, wait_for_shape
from support.ui import finish_plan_my_day, last_trace_id, start_plan_my_day
from test_e2e_browser import ACTIONS

pytestmark = [pytest.mark.zipkin, pytest.mark.browser]


@pytest.fixture
def page(browser, zipkin_app):
    context = browser.new_context()
    page = context.new_page()
    page.app_url = zipkin_app.url
    page.goto(zipkin_app.url)
    page.get_by_role("status").filter(has_text="9 talks").wait_for()
    yield page
    context.close()


@pytest.mark.parametrize("action", list(ACTIONS))
def test_each_action_is_one_trace_from_browser_to_database_in_zipkin(page, zipkin, action):
    perform, operation, resolver = ACTIONS[action]
    before = page.locator("#trace-id").text_content()
    perform(page)
    trace_id = last_trace_id(page, before if action != "show talks" else None)
    spans = wait_for_shape(zipkin.url, trace_id, action_shape(action, operation, resolver))
    [root] = find(spans, "frontend", action)
    [server] = find(spans, "backend", "post /graphql")
    assert root["tags"]["session.id"] == server["tags"]["session.id"]
    assert page.locator("#open-trace").get_attribute("href") == f"{zipkin.url}/zipkin/traces/{trace_id}"


def test_the_guided_journey_is_one_trace_in_zipkin(page, zipkin):
    start_plan_my_day(page)
    journey = last_trace_id(page)
    finish_plan_my_day(page)
    spans = wait_for_shape(zipkin.url, journey, guided_journey_shape())
    [root] = find(spans, "frontend", "plan my day")
    assert root["tags"]["ui.journey.outcome"] == "completed" and root["tags"]["ui.journey.steps"] == "4"
    assert len({s["tags"].get("session.id") for s in spans}) == 1
