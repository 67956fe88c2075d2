"""The facilitator's view in a real Chromium: attendees in browsers of their own, at different chapters,
each a row named by their nickname; every chapter a column, green or red with the check's reason; and
the table follows an attendee's progress without the page being reloaded."""

from __future__ import annotations

import subprocess
import sys

import pytest
from support import ROOT, poll_until
from support.records import stored_session
from support.shapes import action_shape, wait_for_shape
from support.ui import last_trace_id, search_talks

from journey.checkpoints import CHECKPOINTS

pytestmark = pytest.mark.browser

GREEN, RED = "rgba(22, 163, 74, 0.2)", "rgba(220, 38, 38, 0.2)"  # the page's pass and fail backgrounds
SEARCH_SHAPE = action_shape("search talks", "query searchtalks", "resolve query.talks")


class Attendee:
    """One attendee: a browser of their own on the app, with a nickname saved (or none)."""

    def __init__(self, browser, app_url: str, collector_url: str, nickname: str | None) -> None:
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.collector_url = collector_url
        self.page.goto(app_url)
        self.page.get_by_role("status").filter(has_text="9 talks").wait_for()
        if nickname:
            self.page.get_by_label("Workshop nickname").fill(nickname)
            self.page.get_by_role("button", name="Save nickname").click()
        self.session = stored_session(self.page)["id"]

    def open_schedule(self) -> None:
        before = self.page.locator("#trace-id").text_content()
        self.page.get_by_role("link", name="My schedule").click()
        self.page.get_by_role("heading", name="My schedule").wait_for()
        trace_id = last_trace_id(self.page, before)
        wait_for_shape(self.collector_url, trace_id, [("frontend", "show schedule", None, None, None)])

    def search(self, term: str = "kubernetes") -> None:
        wait_for_shape(self.collector_url, search_talks(self.page, term), SEARCH_SHAPE)

    def add_to_schedule(self) -> None:
        before = self.page.locator("#trace-id").text_content()
        self.page.get_by_role("link", name="Kubernetes Patterns").click()
        self.page.get_by_role("button", name="Add to my schedule").click()
        self.page.get_by_text("In your schedule.").wait_for()
        trace_id = last_trace_id(self.page, before)
        shape = action_shape("add to schedule", "mutation addtoschedule", "resolve mutation.addtoschedule")
        wait_for_shape(self.collector_url, trace_id, shape)


def read_room(page) -> dict:
    """The room's table as the facilitator sees it: headers, and per row its name, session and cells."""
    return page.evaluate(
        """() => ({
          columns: [...document.querySelectorAll('.room-table thead th')].slice(1).map((th) => th.firstChild.data),
          rows: [...document.querySelectorAll('.room-table tbody tr')].map((tr) => ({
            name: tr.querySelector('th').firstChild.textContent.trim(),
            session: tr.dataset.session,
            cells: [...tr.querySelectorAll('td')].map((td) => ({
              state: td.className, colour: getComputedStyle(td).backgroundColor, reason: td.innerText.slice(1).trim(),
            })),
          })),
        })"""
    )


def cell(room: dict, session: str, chapter: int) -> dict:
    [row] = [row for row in room["rows"] if row["session"] == session]
    return row["cells"][chapter - 1]


def journey_check(chapter: int, session: str, collector_url: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "journey", "check", str(chapter), "--session", session, "--collector", collector_url],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    return result.stdout


def test_the_room_shows_each_attendee_at_their_chapter_and_follows_their_progress(browser, backend, collector):
    ada = Attendee(browser, backend.url, collector.url, "ada")  # arrived: opened the app and her schedule
    ada.open_schedule()
    bob = Attendee(browser, backend.url, collector.url, "bob")  # searched: the planted N+1 is in his trace
    bob.search()
    cy = Attendee(browser, backend.url, collector.url, "Cy Young")  # searched, and added a talk (chapter 4)
    cy.search()
    cy.add_to_schedule()
    anon = Attendee(browser, backend.url, collector.url, None)  # searched without typing a nickname
    anon.search()

    facilitator = browser.new_context()
    page = facilitator.new_page()
    page.goto(f"{collector.url}/zipkin/workshop")
    page.locator(".room-table").wait_for()  # the first table may come a moment after the page
    page.evaluate("window.notReloaded = true")
    room = read_room(page)

    assert room["columns"] == [str(point.number) for point in CHECKPOINTS] and len(CHECKPOINTS) >= 11
    assert [(row["name"], row["session"]) for row in room["rows"]] == [
        ("ada", ada.session),
        ("bob", bob.session),
        ("Cy Young", cy.session),
        ("no nickname", anon.session),
    ]
    for row in room["rows"]:
        assert len(row["cells"]) == len(CHECKPOINTS)
        for each in row["cells"]:
            assert (each["state"], each["colour"]) in (("pass", GREEN), ("fail", RED)), each

    # ada has not searched: the search's chapters red, chapter 1 saying what to do
    ada_cells = [cell(room, ada.session, chapter) for chapter in (1, 2, 3, 4, 5, 11)]
    assert {each["state"] for each in ada_cells} == {"fail"}, ada_cells
    assert cell(room, ada.session, 1)["reason"].startswith(
        f"no 'search talks' trace from frontend of session {ada.session}"
    )
    # bob: chapters 1-3 green; 4 not done; 5 red with the N+1 his search ran into
    for chapter in (1, 2, 3):
        assert cell(room, bob.session, chapter)["state"] == "pass", cell(room, bob.session, chapter)
    assert cell(room, bob.session, 2)["reason"] == "one trace from your click to the database"
    assert cell(room, bob.session, 4)["reason"].startswith("no 'mutation addtoschedule' trace from backend")
    assert "runs the same query 4 times: an N+1" in cell(room, bob.session, 5)["reason"]
    # cy is one chapter further
    assert cell(room, cy.session, 4) == {
        "state": "pass",
        "colour": GREEN,
        "reason": "your 'detect conflicts' span is in the trace, under the resolver, with its attribute",
    }
    assert cell(room, anon.session, 1)["state"] == "pass"
    # the same verdict `journey check --session` gives one attendee
    assert f"PASS  chapter 2 (click-to-database): {cell(room, bob.session, 2)['reason']}" in journey_check(
        2, bob.session, collector.url
    )

    ada.page.get_by_role("link", name="Talks").click()  # she makes progress: the page follows it by itself
    ada.page.get_by_role("status").filter(has_text="9 talks").wait_for()
    ada.search()
    poll_until(
        lambda: cell(read_room(page), ada.session, 1)["state"] == "pass", "ada's chapter 1 to turn green", timeout=15
    )
    assert cell(read_room(page), ada.session, 1)["colour"] == GREEN
    assert page.evaluate("window.notReloaded") is True  # swapped in place, not reloaded
    for attendee in (ada, bob, cy, anon):
        attendee.context.close()
    facilitator.close()
