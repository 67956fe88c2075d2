"""What a user does in the app, as steps the browser tests and the workshop checkpoints share."""

import time


def last_trace_id(page, previous: str | None = None) -> str:
    """The trace id the app's trace panel shows once it is a new one (not `previous`)."""
    locator = page.locator("#trace-id")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        text = locator.text_content() or ""
        if len(text) == 32 and text != previous:
            return text
        time.sleep(0.05)
    raise AssertionError(f"the trace panel did not show a new trace id (still {previous})")


def search_talks(page, term: str) -> str:
    """Search the talks for `term`; the id of the trace the search made."""
    before = page.locator("#trace-id").text_content()
    page.get_by_label("Search").fill(term)
    page.get_by_role("button", name="Search").click()
    return last_trace_id(page, before)


def start_plan_my_day(page) -> None:
    """Open 'Plan my day' and press Start: the journey span begins."""
    page.get_by_role("link", name="Plan my day").click()
    page.get_by_role("button", name="Start").click()


def pick_audience(page, audience: str) -> None:
    """The journey's first step: choose an audience; the talks to add are shown."""
    page.get_by_role("button", name=audience).click()
    page.get_by_role("button", name="Review my schedule").wait_for()


def finish_plan_my_day(page) -> None:
    """Go through 'Plan my day' after Start: pick an audience, add a talk, review, rate; it completes."""
    page.get_by_role("button", name="frontend").click()
    page.get_by_role("button", name="Add").first.click()
    page.get_by_role("button", name="Added").wait_for()
    page.get_by_role("button", name="Review my schedule").click()
    page.get_by_role("button", name="Rate 5").first.click()
    page.get_by_text("Your day is planned.").wait_for()
