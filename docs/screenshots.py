"""`make screenshots`: the pictures of the README and the workshop, app and viewer, into docs/images/.

Starts a collector, the ratings service and a backend on free ports, planted problems on as in the
workshop, and clicks through the app in headless Chromium as an attendee does: a search, a talk added,
the Plan my day flow, My schedule, feedback that hits the flaky write. Then it makes the fixes live with
`journey fix` (the backend follows <data-dir>/fixes.json from its next request, as in `make demo`) and
does the same again, for each chapter's "after". Chapter 9's samplers are backends started with
OTEL_TRACES_SAMPLER set, as `OTEL_TRACES_SAMPLER=... make demo` does. Every wait is on a condition
(text shown, spans stored), never on the clock; each picture's name is printed as it is saved.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support import CHROMIUM_ARGS, Server, chromium_path, poll_until, start_server  # noqa: E402

IMAGES = ROOT / "docs" / "images"
VIEWPORT = {"width": 1200, "height": 800}


def save(target, name: str, **options) -> None:
    """Photograph a page or one element of it into docs/images/<name>."""
    target.screenshot(path=IMAGES / name, **options)
    print(f"docs/images/{name}")


def wait_for_new_trace(page, previous: str | None) -> str:
    """The trace id the trace panel shows once it changes from `previous`."""

    def shown() -> str | None:
        text = page.locator("#trace-id").text_content() or ""
        return text if len(text) == 32 and text != previous else None

    return poll_until(shown, "the trace panel to show a new trace", interval=0.05)


def wait_for_spans(collector: Server, trace_id: str, *names: str) -> None:
    """Until the collector holds spans of the trace with each of these names (both sides have exported)."""

    def stored() -> bool:
        try:
            with urllib.request.urlopen(f"{collector.url}/api/v2/trace/{trace_id}", timeout=5) as answer:
                spans = json.load(answer)
        except OSError:
            return False
        return set(names) <= {span.get("name") for span in spans}

    poll_until(stored, f"spans {names} of trace {trace_id}", timeout=20)


def backend(collector: Server, logs: Path, name: str, *extra: str, env: dict[str, str] | None = None) -> Server:
    """A backend exporting to the collector, following the fixes remembered in <logs>/fixes.json."""
    command = ["backend", "--db", f"{logs}/{name}.db", "--zipkin-endpoint", f"{collector.url}/api/v2/spans"]
    command += ["--viewer-url", f"{collector.url}/zipkin/", "--fixes-file", f"{logs}/fixes.json"]
    return start_server([*command, "--batch-delay", "100", *extra], name, logs, env)


def journey_fix(logs: Path, *names: str) -> None:
    """`journey fix <names>`, as an attendee types it, remembered where the backends look."""
    command = [sys.executable, "-m", "journey", "fix", "--data-dir", str(logs), *names]
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


def arrive(page, app_url: str) -> str:
    """Open the app's talks page; the trace id of showing them."""
    page.goto(app_url)
    page.get_by_role("status").filter(has_text="talks").wait_for()
    return wait_for_new_trace(page, None)


def search(page, words: str, talks: str, shown: str) -> str:
    """Search for `words` on the page the trace `shown` showed, wait for `talks` ("4 talks"); the search's trace id."""
    page.get_by_label("Search").fill(words)
    page.get_by_role("button", name="Search").click()
    trace_id = wait_for_new_trace(page, shown)
    page.get_by_role("status").filter(has_text=talks).wait_for()
    return trace_id


def open_schedule(page, previous: str | None) -> str:
    """Open My schedule, wait for its recommendations; the new trace id."""
    page.get_by_role("link", name="My schedule", exact=True).click()
    page.get_by_role("heading", name="Recommended for you").wait_for()
    return wait_for_new_trace(page, previous)


def use_the_app(page, app_url: str, made: dict[str, str]) -> None:
    """Search, add a talk, plan my day, open my schedule, search for everything; photographs the app on
    the way and keeps each action's trace id in `made` (and the browser's session id)."""
    made["search"] = search(page, "kubernetes", "4 talks", arrive(page, app_url))
    save(page, "app-search.png")
    page.get_by_role("link", name="Kubernetes Patterns").click()
    opened = wait_for_new_trace(page, made["search"])
    page.get_by_role("button", name="Add to my schedule").click()
    page.get_by_text("In your schedule.").wait_for()
    made["add"] = wait_for_new_trace(page, opened)
    save(page, "app-talk.png")
    page.get_by_role("link", name="Plan my day").click()
    page.get_by_role("button", name="Start").click()
    page.get_by_role("button", name="backend").click()
    page.get_by_role("button", name="Add").first.click()
    page.get_by_role("button", name="Review my schedule").click()
    page.get_by_role("button", name="Rate 5").first.click()
    page.get_by_text("Your day is planned.").wait_for()
    made["journey"] = page.locator("#trace-id").text_content()
    made["session"] = page.evaluate("JSON.parse(localStorage.getItem('journey.session')).id")
    made["schedule"] = open_schedule(page, made["journey"])
    page.get_by_role("link", name="Talks", exact=True).click()
    made["all"] = search(page, "", "9 talks", wait_for_new_trace(page, made["schedule"]))


def send_feedback(page, app_url: str) -> str:
    """Feedback on talk 2; the trace id of the sending."""
    page.goto(f"{app_url}/talks/2")
    before = wait_for_new_trace(page, None)
    page.get_by_label("4", exact=True).check()
    page.get_by_role("button", name="Send feedback").click()
    return wait_for_new_trace(page, before)


def after_the_fixes(page, main: Server, flaky: Server, made: dict[str, str]) -> None:
    """Chapters 5, 6 and 7 again with their fixes made: search, My schedule twice, feedback."""
    made["all fixed"] = search(page, "", "9 talks", arrive(page, main.url))
    first = open_schedule(page, made["all fixed"])  # fetches the scores, and caches them
    page.get_by_role("link", name="Talks", exact=True).click()
    made["schedule cached"] = open_schedule(page, wait_for_new_trace(page, first))
    made["flaky fixed"] = send_feedback(page, flaky.url)
    page.get_by_text("Thank you").wait_for()


def sampled_by(page, collector: Server, logs: Path, sampler: str, ratio: str) -> str:
    """A search on a backend whose sampler is `sampler` with `ratio`; its trace id, once stored."""
    server = backend(collector, logs, sampler, env={"OTEL_TRACES_SAMPLER": sampler, "OTEL_TRACES_SAMPLER_ARG": ratio})
    try:
        trace_id = search(page, "kubernetes", "4 talks", arrive(page, server.url))
        wait_for_spans(collector, trace_id, "search talks", "post")
        return trace_id
    finally:
        server.stop()


def not_sampled(page, collector: Server, logs: Path) -> None:
    """The trace panel of an action the browser's head sampler dropped (JOURNEY_BROWSER_SAMPLE_RATIO=0)."""
    server = backend(collector, logs, "unsampled", "--browser-sample-ratio", "0")
    try:
        page.goto(server.url)
        page.get_by_label("Search").fill("delivery")
        page.get_by_role("button", name="Search").click()
        page.get_by_text("not sampled").wait_for()
        save(page, "app-not-sampled.png")
    finally:
        server.stop()


def open_trace(page, collector: Server, trace_id: str, *names: str):
    """The viewer's page of the trace, once the spans named are stored; the page's main part."""
    wait_for_spans(collector, trace_id, *names)
    page.goto(f"{collector.url}/zipkin/traces/{trace_id}")
    main = page.locator("main")
    main.locator("ol.waterfall").wait_for()
    return main


def open_row(page, label: str, shows: str) -> None:
    """Open the waterfall row whose label is `label`, and wait for its details to show `shows`."""
    row = page.locator("li.row").filter(has=page.locator(".label", has_text=label)).first
    row.locator("button.toggle").click()
    row.locator(".detail").get_by_text(shows).first.wait_for()
    page.mouse.move(0, 0)  # no row highlighted under the pointer


def unfold(page, label: str, shows: str) -> None:
    """Unfold the folded action whose label is `label`, and wait for a row labelled `shows` under it."""
    page.locator("li.row").filter(has=page.locator(".label", has_text=label)).first.locator("button.fold").click()
    page.locator("li.row").filter(has=page.locator(".label", has_text=shows)).first.wait_for()
    page.mouse.move(0, 0)


def photograph_traces(page, collector: Server, made: dict[str, str]) -> None:
    """The traces each chapter shows, before and after its fix."""
    save(open_trace(page, collector, made["search"], "render talks", "select"), "workshop-02-click-to-database.png")
    open_row(page, "render talks", "ui.rendered.count")
    save(page.locator("main"), "workshop-03-render-talks.png")
    save(open_trace(page, collector, made["add"], "detect conflicts"), "workshop-add-trace.png")
    save(open_trace(page, collector, made["all"], "render talks", "resolve talk.speakers"), "workshop-05-before.png")
    save(open_trace(page, collector, made["all fixed"], "render talks", "select"), "workshop-05-after.png")
    main = open_trace(page, collector, made["schedule"], "get /ratings", "resolve query.recommendations")
    save(main, "workshop-06-before.png")
    save(open_trace(page, collector, made["schedule cached"], "resolve query.recommendations"), "workshop-06-after.png")
    open_trace(page, collector, made["flaky"], "resolve mutation.submitfeedback")
    open_row(page, "resolve mutation.submitfeedback", "database is locked")
    save(page.locator("main"), "workshop-07-before.png")
    open_trace(page, collector, made["flaky fixed"], "resolve mutation.submitfeedback")
    open_row(page, "resolve mutation.submitfeedback", "retry")
    save(page.locator("main"), "workshop-07-after.png")
    main = open_trace(page, collector, made["journey"], "plan my day", "get /ratings")
    unfold(page, "review schedule", "get /ratings")
    save(main, "workshop-08-journey-trace.png")
    save(open_trace(page, collector, made["traceidratio"]), "workshop-09-before.png")
    save(open_trace(page, collector, made["parentbased"], "select"), "workshop-09-after.png")


def photograph_viewer(page, collector: Server, made: dict[str, str]) -> None:
    """The viewer's own pages the docs show: a journey, the dependency graph."""
    page.goto(f"{collector.url}/zipkin/journeys/{made['session']}")
    save(page, "viewer-journey.png")
    page.goto(f"{collector.url}/zipkin/dependency")
    save(page, "viewer-dependency.png")


def main() -> None:
    from playwright.sync_api import sync_playwright

    IMAGES.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="journey-shots-") as tmp:
        logs = Path(tmp)
        collector = start_server(["collector", "--db", f"{logs}/spans.db"], "collector", logs)
        ratings = start_server(["ratings", "--zipkin-endpoint", f"{collector.url}/api/v2/spans"], "ratings", logs)
        app = backend(collector, logs, "app", "--ratings-url", ratings.url, "--flaky-write-rate", "0")
        # the planted flaky write, failing every first write so that one feedback shows it
        flaky = backend(collector, logs, "flaky", "--flaky-write-rate", "1")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
                page = browser.new_page(viewport=VIEWPORT)
                made: dict[str, str] = {}
                use_the_app(page, app.url, made)
                made["flaky"] = send_feedback(page, flaky.url)
                page.get_by_text("Could not send the feedback").wait_for()
                journey_fix(logs, "n-plus-one", "slow-ratings", "flaky-write")
                after_the_fixes(page, app, flaky, made)
                # chapter 9: a ratio of 0 breaks every trace the browser keeps (at 0.5, half of them)
                made["traceidratio"] = sampled_by(page, collector, logs, "traceidratio", "0")
                made["parentbased"] = sampled_by(page, collector, logs, "parentbased_traceidratio", "0.5")
                not_sampled(page, collector, logs)
                photograph_traces(page, collector, made)
                photograph_viewer(page, collector, made)
                browser.close()
        finally:
            for server in (flaky, app, ratings, collector):
                server.stop()
    print(f"make screenshots: {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
