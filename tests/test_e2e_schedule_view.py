"""My schedule in the real app: a visit's handlers and drawing belong to that visit only.

The router draws every view into one shared root. The schedule view used to add its click handler to
that root on each visit (so the Nth visit sent N mutations per click) and to draw its answer into
whatever view was showing when the answer came (a TypeError, recorded as an error of the action)."""

import json

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser, backend):
    context = browser.new_context()
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda msg: msg.type == "error" and page.errors.append(msg.text))
    page.goto(backend.url)
    page.get_by_role("status").filter(has_text="9 talks").wait_for()
    yield page
    context.close()


def operation(request) -> str | None:
    if request.method != "POST" or not request.url.endswith("/graphql"):
        return None
    return json.loads(request.post_data or "{}").get("operationName")


def open_schedule(page) -> None:
    page.get_by_role("link", name="My schedule", exact=True).click()
    page.get_by_role("heading", name="Recommended for you").wait_for()
    page.locator("button[data-add]").first.wait_for()


def test_one_click_on_add_is_one_mutation_after_several_visits(page):
    for _ in range(3):
        open_schedule(page)
        page.get_by_role("link", name="Talks", exact=True).click()
        page.get_by_role("status").filter(has_text="9 talks").wait_for()
    open_schedule(page)
    sent = []
    page.on("request", lambda request: sent.append(operation(request)))
    page.locator("button[data-add]").first.click()
    page.locator(".my-schedule li").first.wait_for()
    page.wait_for_load_state("networkidle")
    assert sent.count("AddToSchedule") == 1, sent
    assert page.errors == []


def test_leaving_the_schedule_before_its_answer_draws_nothing_into_the_next_view(page):
    held = []

    def hold_schedule(route):
        if operation(route.request) == "MySchedule":
            held.append(route)  # answered below, once the user has moved on
        else:
            route.continue_()

    page.route("**/graphql", hold_schedule)
    with page.expect_request(lambda request: operation(request) == "MySchedule"):
        page.get_by_role("link", name="My schedule", exact=True).click()
    page.get_by_role("heading", name="My schedule").wait_for()
    for _ in range(200):  # Playwright hands the route over while it waits: 10 s at most
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the schedule's request never reached the route"
    page.get_by_role("link", name="Talks", exact=True).click()
    for route in held:
        route.continue_()
    page.get_by_role("status").filter(has_text="9 talks").wait_for()
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(200)  # the late answer's drawing, if any, is done
    assert page.locator(".my-schedule").count() == 0
    # drawing into the talks view failed, and the router's catch wrote it into that view's status
    assert page.get_by_role("status").inner_text() == "9 talks", page.get_by_role("status").inner_text()
    assert page.errors == []
