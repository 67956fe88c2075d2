"""What a user does in the app, as steps the browser tests and the workshop checkpoints share."""


def finish_plan_my_day(page) -> None:
    """Go through 'Plan my day' after Start: pick an audience, add a talk, review, rate; it completes."""
    page.get_by_role("button", name="frontend").click()
    page.get_by_role("button", name="Add").first.click()
    page.get_by_role("button", name="Added").wait_for()
    page.get_by_role("button", name="Review my schedule").click()
    page.get_by_role("button", name="Rate 5").first.click()
    page.get_by_text("Your day is planned.").wait_for()
