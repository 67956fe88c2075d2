"""`make screenshots`: a picture of each page, app and viewer, into docs/images/ for the README and workshop.

Starts a collector, the ratings service and a backend on free ports (planted problems on, as in
the workshop), clicks through the app in headless Chromium (a search, a talk added to the
schedule, the Plan my day flow, feedback that hits the flaky write), then photographs each page
and the traces the workshop chapters talk about.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support import CHROMIUM_ARGS, Server, chromium_path, start_server  # noqa: E402

IMAGES = ROOT / "docs" / "images"


def wait_for_new_trace(page, previous: str | None) -> str:
    """The trace id the trace panel shows once it changes from `previous`."""
    for _ in range(200):
        shown = page.locator("#trace-id").text_content() or ""
        if len(shown) == 32 and shown != previous:
            return shown
        time.sleep(0.05)
    raise RuntimeError("the trace panel did not show a new trace")


def flaky_feedback(page, browser, collector, logs: Path) -> str:
    """Feedback sent to a second backend whose every first write fails (the planted flaky write)."""
    flaky = start_server(
        [
            "backend",
            "--db",
            f"{logs}/flaky.db",
            "--zipkin-endpoint",
            f"{collector.url}/api/v2/spans",
            "--viewer-url",
            f"{collector.url}/zipkin/",
            "--batch-delay",
            "100",
            "--flaky-write-rate",
            "1",
        ],
        "flaky-backend",
        logs,
    )
    try:
        page.goto(f"{flaky.url}/talks/2")
        before = wait_for_new_trace(page, None)
        page.get_by_label("4", exact=True).check()
        page.get_by_role("button", name="Send feedback").click()
        trace_id = wait_for_new_trace(page, before)
        time.sleep(0.5)
        return trace_id
    finally:
        flaky.stop()


def not_sampled(page, collector, logs: Path) -> None:
    """The trace panel of an action the browser's head sampler dropped (JOURNEY_BROWSER_SAMPLE_RATIO=0)."""
    unsampled = start_server(
        [
            "backend",
            "--db",
            f"{logs}/unsampled.db",
            "--zipkin-endpoint",
            f"{collector.url}/api/v2/spans",
            "--viewer-url",
            f"{collector.url}/zipkin/",
            "--browser-sample-ratio",
            "0",
        ],
        "unsampled-backend",
        logs,
    )
    try:
        page.goto(unsampled.url)
        page.get_by_label("Search").fill("delivery")
        page.get_by_role("button", name="Search").click()
        page.get_by_text("not sampled").wait_for()
        page.screenshot(path=IMAGES / "app-not-sampled.png")
    finally:
        unsampled.stop()


def start_stack(logs: Path) -> tuple[Server, Server, Server]:
    """The collector, the ratings service and a backend exporting to it, planted problems on."""
    collector = start_server(["collector", "--db", f"{logs}/spans.db"], "collector", logs)
    ratings = start_server(["ratings", "--zipkin-endpoint", f"{collector.url}/api/v2/spans"], "ratings", logs)
    backend = start_server(
        [
            "backend",
            "--db",
            f"{logs}/app.db",
            "--zipkin-endpoint",
            f"{collector.url}/api/v2/spans",
            "--viewer-url",
            f"{collector.url}/zipkin/",
            "--ratings-url",
            ratings.url,
            "--batch-delay",
            "100",
            "--flaky-write-rate",
            "0",
        ],
        "backend",
        logs,
    )
    return collector, ratings, backend


def use_the_app(page, app_url: str) -> dict[str, str]:
    """Search, add a talk, plan my day, open my schedule, photographing the app on the way; the trace
    ids of those actions (search, add, journey, schedule) and the browser's session id (session)."""
    page.goto(app_url)
    page.get_by_role("status").filter(has_text="talks").wait_for()
    page.get_by_label("Search").fill("kubernetes")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("status").filter(has_text="4 talks").wait_for()
    search_trace = wait_for_new_trace(page, None)
    page.screenshot(path=IMAGES / "app-search.png")
    page.get_by_role("link", name="Kubernetes Patterns").click()
    opened = wait_for_new_trace(page, search_trace)
    page.get_by_role("button", name="Add to my schedule").click()
    page.get_by_text("In your schedule.").wait_for()
    add_trace = wait_for_new_trace(page, opened)
    page.screenshot(path=IMAGES / "app-talk.png")
    page.get_by_role("link", name="Plan my day").click()
    page.get_by_role("button", name="Start").click()
    page.get_by_role("button", name="backend").click()
    page.get_by_role("button", name="Add").first.click()
    page.get_by_role("button", name="Review my schedule").click()
    page.get_by_role("button", name="Rate 5").first.click()
    page.get_by_text("Your day is planned.").wait_for()
    journey_trace = page.locator("#trace-id").text_content()
    session = page.evaluate("JSON.parse(localStorage.getItem('journey.session')).id")
    page.get_by_role("link", name="My schedule", exact=True).click()
    page.get_by_role("heading", name="Recommended for you").wait_for()
    schedule_trace = wait_for_new_trace(page, journey_trace)
    page.screenshot(path=IMAGES / "app-schedule.png")
    return {
        "search": search_trace,
        "add": add_trace,
        "journey": journey_trace,
        "schedule": schedule_trace,
        "session": session,
    }


def photograph_viewer(page, viewer: str, made: dict[str, str]) -> None:
    """The viewer's pages and the traces the workshop chapters talk about, each printed as it is saved."""
    shots = {
        "workshop-search-trace.png": f"{viewer}/zipkin/traces/{made['search']}",
        "workshop-add-trace.png": f"{viewer}/zipkin/traces/{made['add']}",
        "workshop-ratings-trace.png": f"{viewer}/zipkin/traces/{made['schedule']}",
        "workshop-flaky-trace.png": f"{viewer}/zipkin/traces/{made['flaky']}",
        "viewer-search.png": f"{viewer}/zipkin/?serviceName=frontend&lookback=3600000",
        "viewer-trace.png": f"{viewer}/zipkin/traces/{made['journey']}",
        "viewer-journey.png": f"{viewer}/zipkin/journeys/{made['session']}",
        "viewer-dependency.png": f"{viewer}/zipkin/dependency",
    }
    for name, url in shots.items():
        page.goto(url)
        page.screenshot(path=IMAGES / name, full_page="trace" in name)
        print(f"docs/images/{name}")


def main() -> None:
    from playwright.sync_api import sync_playwright

    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="journey-shots-") as tmp:
        logs = Path(tmp)
        collector, ratings, backend = start_stack(logs)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1200, "height": 800})
                made = use_the_app(page, backend.url)
                made["flaky"] = flaky_feedback(page, browser, collector, logs)
                not_sampled(page, collector, logs)
                time.sleep(1.5)  # let both sides export
                photograph_viewer(page, collector.url, made)
                browser.close()
            print(
                "docs/images/app-search.png\ndocs/images/app-talk.png\ndocs/images/app-schedule.png\n"
                "docs/images/app-not-sampled.png"
            )
        finally:
            for server in (backend, ratings, collector):
                server.stop()


if __name__ == "__main__":
    main()
