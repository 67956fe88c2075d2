"""The workshop's checkpoints against a live demo: an attendee's clicks in a real Chromium, then
`journey check <chapter>` as the attendee runs it. Each passes on the finished app (problems fixed)
and fails, saying what is missing, on the same traces with their shape broken."""

import json
import re
import subprocess
import sys
import time
import uuid

import pytest
import requests
from support import ROOT, poll_until, start_server
from support.ui import finish_plan_my_day, start_plan_my_day

from journey.checkpoints import CHECKPOINTS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The finished app: collector, ratings and a backend with every planted problem fixed, sending OTLP
    (chapter 11's move; the browser follows the backend)."""
    logs = tmp_path_factory.mktemp("workshop")
    collector = start_server(["collector", "--db", str(logs / "spans.db")], "collector", logs)
    otlp = ["--traces-exporter", "otlp", "--otlp-endpoint", collector.url]
    ratings = start_server(["ratings", *otlp, "--batch-delay", "100"], "ratings", logs)
    backend = start_server(
        [
            "backend",
            "--db",
            str(logs / "app.db"),
            *otlp,
            "--viewer-url",
            f"{collector.url}/zipkin/",
            "--batch-delay",
            "100",
            "--ratings-url",
            ratings.url,
            "--fix-n-plus-one",
            "--fix-slow-ratings",
            "--fix-flaky-write",
            "--flaky-write-rate",
            "1",
        ],
        "backend",
        logs,
    )
    yield {"collector": collector.url, "app": backend.url}
    for server in (backend, ratings, collector):
        server.stop()


@pytest.fixture(scope="module")
def attended(demo, browser):
    """Everything the chapters ask an attendee to do, done once in one browser session."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(demo["app"])
    page.get_by_role("status").filter(has_text="9 talks").wait_for()
    # chapter 12's error met by the user: the finished app fails no write, so the page throws one, as a bug
    # in it would, while a search waits for its call (the call itself goes through: the trace stays whole)
    throw = (
        "() => new Promise((done) => { setTimeout(() => { throw new TypeError('planted') }); setTimeout(done, 50) })"
    )
    page.route("**/graphql", lambda route: (page.evaluate(throw), route.continue_()))
    page.get_by_label("Search").fill("data")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("status").filter(has_text=re.compile(r"^[1-8] talks?$")).wait_for()
    page.unroute("**/graphql")
    page.get_by_label("Search").fill("kubernetes")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("status").filter(has_text="4 talks").wait_for()
    page.get_by_role("link", name="Kubernetes Patterns").click()
    page.get_by_role("button", name="Add to my schedule").click()
    page.get_by_text("In your schedule.").wait_for()
    page.get_by_label("4", exact=True).check()
    page.get_by_role("button", name="Send feedback").click()
    page.get_by_text("Thank you for your feedback!").wait_for()
    for _ in range(2):  # the second time, the ratings come from the cache
        before = page.locator("#trace-id").text_content()
        page.get_by_role("link", name="My schedule").click()
        page.get_by_role("heading", name="Recommended for you").wait_for()
        # like an attendee, look at the trace before leaving: an action cut short by a page load is lost
        shown = poll_until(
            lambda before=before: (
                (page.locator("#trace-id").text_content() or before) != before
                and page.locator("#trace-id").text_content()
            ),
            "the schedule's trace id",
        )
        poll_until(
            lambda shown=shown: any(
                s["localEndpoint"]["serviceName"] == "frontend"
                for s in requests.get(f"{demo['collector']}/api/v2/trace/{shown}", timeout=5).json() or []
            ),
            "the schedule's browser spans",
        )
        page.goto(demo["app"])
        page.get_by_role("status").filter(has_text="9 talks").wait_for()
    start_plan_my_day(page)
    finish_plan_my_day(page)
    page.get_by_role("link", name="Talks").click()  # one more search after, for the newest-trace checks
    page.get_by_role("status").filter(has_text="9 talks").wait_for()
    context.close()
    return demo


def journey_check(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "journey", "check", *args], capture_output=True, text=True, cwd=ROOT, timeout=120
    )


@pytest.mark.parametrize("point", CHECKPOINTS, ids=lambda p: p.slug)
def test_each_checkpoint_passes_on_the_finished_app(attended, point):
    result = journey_check(str(point.number), "--collector", attended["collector"], "--wait", "15")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(f"PASS  chapter {point.number} ({point.slug})"), result.stdout
    assert f"{attended['collector']}/zipkin/" in result.stdout or point.slug == "sampling"


def newest(collector: str, service: str, span: str) -> list[dict]:
    found = requests.get(
        f"{collector}/api/v2/traces", params={"serviceName": service, "spanName": span, "limit": 1}, timeout=5
    ).json()
    assert found, f"no {span} trace"
    return found[0]


def drop(spans, *names):
    return [s for s in spans if s["name"] not in names]


def without_backend(spans):
    return [s for s in spans if s["localEndpoint"]["serviceName"] != "backend"]


def strip_tag(spans, name, key):
    return [{**s, "tags": {k: v for k, v in s["tags"].items() if k != key}} if s["name"] == name else s for s in spans]


def n_plus_one(spans):
    """The planted N+1's shape: the same speakers query once per talk, under each talk's resolver."""
    [talks] = [s for s in spans if s["name"] == "resolve query.talks"]
    extra = []
    for _ in range(9):
        resolver = {**talks, "id": uuid.uuid4().hex[:16], "name": "resolve talk.speakers", "parentId": talks["id"]}
        select = {
            **resolver,
            "id": uuid.uuid4().hex[:16],
            "name": "select",
            "kind": "CLIENT",
            "parentId": resolver["id"],
            "tags": {
                **talks["tags"],
                "db.statement": (
                    "SELECT s.id, s.name, s.handle FROM speakers s JOIN talk_speakers ts ON ts.speaker_id = s.id "
                    "WHERE ts.talk_id = ? ORDER BY ts.position"
                ),
            },
        }
        extra += [resolver, select]
    return spans + extra


def unfixed_failure(spans):
    return [
        {
            **s,
            "annotations": [],
            "tags": {
                **s["tags"],
                **({"error": "database is locked"} if s["name"] == "resolve mutation.submitfeedback" else {}),
            },
        }
        for s in spans
    ]


# chapter: (which trace to take from the live demo, how to break it, what the check must say)
BROKEN = {
    "find-your-click": (("frontend", "search talks"), lambda t: drop(t, "post"), "frontend has no span named 'post'"),
    "click-to-database": (("frontend", "search talks"), without_backend, "the trace has no span from backend at all"),
    "frontend-span": (("frontend", "search talks"), lambda t: drop(t, "render talks"), "no span named 'render talks'"),
    "backend-span": (
        ("backend", "mutation addtoschedule"),
        lambda t: strip_tag(t, "detect conflicts", "schedule.conflict.count"),
        "it has no tag schedule.conflict.count",
    ),
    "n-plus-one": (("frontend", "search talks"), n_plus_one, "runs the same query 9 times: an N+1"),
    "slow-dependency": (
        ("ratings", "get /ratings"),
        lambda t: [s for s in t if s["localEndpoint"]["serviceName"] != "ratings"],
        "the trace has no span from ratings",
    ),
    "flaky-write": (
        ("backend", "mutation submitfeedback"),
        lambda t: [{**s, "annotations": []} for s in t],
        "none of your 1 feedback traces failed yet",
    ),
    "your-journey": (("frontend", "plan my day"), lambda t: drop(t, "plan my day"), "no span named 'plan my day'"),
    "sampling": (("frontend", "search talks"), without_backend, "missing the backend's part"),
    "real-zipkin": (("frontend", "search talks"), without_backend, "has no spans from backend yet"),
    "otlp": (
        ("frontend", "search talks"),
        lambda t: [{**s, "tags": {**s["tags"], "service.name": s["localEndpoint"]["serviceName"]}} for s in t],
        "still came by the Zipkin exporter from backend (",
    ),
    "what-the-user-felt": (("frontend", "web vital lcp"), lambda t: drop(t, "web vital cls"), "has no CLS yet"),
}


@pytest.mark.parametrize("point", CHECKPOINTS, ids=lambda p: p.slug)
def test_each_checkpoint_fails_with_its_explanation_on_a_trace_without_its_shape(attended, collector, point):
    (service, span), breaks, explanation = BROKEN[point.slug]
    spans = breaks(newest(attended["collector"], service, span))
    assert requests.post(f"{collector.url}/api/v2/spans", json=spans, timeout=5).status_code == 202
    poll_until(lambda: requests.get(f"{collector.url}/api/v2/services", timeout=5).json(), "the broken trace")
    result = journey_check(point.slug, "--collector", collector.url)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.startswith(f"FAIL  chapter {point.number}") and explanation in result.stdout, result.stdout


def test_the_flaky_write_unfixed_is_found_by_its_error(attended, collector):
    spans = unfixed_failure(newest(attended["collector"], "backend", "mutation submitfeedback"))
    requests.post(f"{collector.url}/api/v2/spans", json=spans, timeout=5).raise_for_status()
    result = journey_check("7", "--collector", collector.url, "--wait", "5")
    assert result.returncode == 0 and "error: database is locked" in result.stdout, result.stdout


def test_a_team_shape_file_asserts_its_own_trace_shape_in_ci(attended, tmp_path):
    shape = {
        "name": "search reaches the database",
        "find": {"service": "frontend", "span": "search talks"},
        "spans": [
            {"service": "frontend", "name": "search talks", "root": True, "tags": ["session.id"]},
            {"service": "backend", "name": "post /graphql", "kind": "SERVER", "parent": ["frontend", "post"]},
            {"service": "backend", "name": "select", "kind": "CLIENT", "parent": ["backend", "resolve query.talks"]},
        ],
    }
    path = tmp_path / "shape.json"
    path.write_text(json.dumps(shape))
    assert journey_check("--shape", str(path), "--collector", attended["collector"]).returncode == 0
    shape["spans"].append({"service": "backend", "name": "select", "parent": ["backend", "resolve talk.speakers"]})
    path.write_text(json.dumps(shape))
    failed = journey_check("--shape", str(path), "--collector", attended["collector"])
    assert failed.returncode == 1 and "its parent is backend 'resolve query.talks'" in failed.stdout, failed.stdout


@pytest.mark.parametrize(
    "args,message",
    [
        (["42"], "no checkpoint '42'"),
        (["1", "--lookback", "forever"], "not a time span"),
        (["1", "--trace", "xyz"], "not a trace id"),
        (["1", "--session", "a b"], "not a session id"),
        (["1", "--collector", "http://127.0.0.1:9"], "cannot read http://127.0.0.1:9/api/v2/traces"),
        (["--shape", "/nonexistent.json"], "cannot read /nonexistent.json"),
    ],
)
def test_bad_arguments_get_a_clear_message_and_status_2(args, message):
    result = journey_check(*args)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "document,message",
    [
        ("not json", "is not JSON"),
        ('{"find": {"service": "frontend"}, "spans": []}', "spans must be a non-empty list"),
        ('{"find": {"span": "x"}, "spans": [{"service": "a", "name": "b"}]}', "find must be an object with service"),
        ('{"find": {"service": "a"}, "spans": [{"service": "a", "name": "b", "kind": "SEVER"}]}', "spans[0].kind"),
        ('{"find": {"service": "a"}, "spans": [{"service": "a", "name": "b", "parent": "x"}]}', "spans[0].parent"),
        ('{"find": {"service": "a"}, "spans": [{"service": "a", "nam": "b"}]}', "unknown keys: nam"),
    ],
)
def test_a_bad_shape_file_says_what_is_wrong(tmp_path, document, message):
    path = tmp_path / "shape.json"
    path.write_text(document)
    result = journey_check("--shape", str(path))
    assert result.returncode == 2 and message in result.stderr, result.stderr


def test_without_a_chapter_the_checkpoints_are_listed():
    result = journey_check()
    assert result.returncode == 0
    assert all(f"{p.number:>2}  {p.slug}" in result.stdout for p in CHECKPOINTS)


def planted_backend(collector, tmp_path, name: str, env: dict[str, str] | None = None):
    """A backend with the workshop's planted problems (the defaults), its spans to `collector` every 100 ms."""
    return start_server(
        [
            "backend",
            "--db",
            str(tmp_path / "app.db"),
            "--zipkin-endpoint",
            f"{collector.url}/api/v2/spans",
            "--batch-delay",
            "100",
            "--ratings-url",
            "http://127.0.0.1:9",
        ],
        name,
        tmp_path,
        env=env,
    )


def sampling_backend(collector, tmp_path, sampler: str):
    """A backend of chapter 9's steps: its own sampler, at 0.3, so about 2 in 3 of its own decisions drop."""
    env = {"OTEL_TRACES_SAMPLER": sampler, "OTEL_TRACES_SAMPLER_ARG": "0.3"}
    return planted_backend(collector, tmp_path, f"backend-{sampler}", env)


def search_traces(browser, collector, app: str, words: list[str], total: int) -> None:
    """An attendee's searches in the app, until the collector has `total` search traces from the browser."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(app)
        page.get_by_role("status").filter(has_text="9 talks").wait_for()
        for word in words:
            page.get_by_label("Search").fill(word)
            page.get_by_role("button", name="Search").click()
            page.get_by_role("status").filter(has_text=re.compile(r"^\d+ talks?$")).wait_for()
        poll_until(
            lambda: (
                len(
                    requests.get(
                        f"{collector.url}/api/v2/traces",
                        params={"serviceName": "frontend", "spanName": "search talks", "limit": 100},
                        timeout=5,
                    ).json()
                )
                >= total
            ),
            f"the browser's {total} search traces",
        )
    finally:
        context.close()
    time.sleep(3.5)  # the check leaves traces younger than 3 s alone: their spans may still be on the way


def test_the_sampling_checkpoint_fails_on_a_backend_that_samples_on_its_own_and_passes_once_it_follows(
    browser, collector, tmp_path
):
    """Chapter 9's steps, for real: traceidratio breaks traces; after a restart with parentbased_traceidratio the
    check judges the traces since the restart, not the broken ones still in its 15-minute lookback."""
    words = ["kubernetes", "patterns", "data", "delivery", "tracing"]
    backend = sampling_backend(collector, tmp_path, "traceidratio")
    try:
        search_traces(browser, collector, backend.url, words * 3, 15)  # 15 searches: ~10 broken
        # the check leaves traces younger than 3 s alone (spans still on their way): let all 15 be judged, or a
        # few whole ones alone could pass it by chance
        time.sleep(3.5)
        broken = journey_check("9", "--collector", collector.url)
    finally:
        backend.stop()
    assert broken.returncode == 1, broken.stdout
    assert "some traces are broken" in broken.stdout and "parentbased_traceidratio" in broken.stdout
    assert "since the backend started at" in broken.stdout, broken.stdout

    backend = sampling_backend(collector, tmp_path, "parentbased_traceidratio")
    try:
        search_traces(browser, collector, backend.url, words, 15 + 5)
        fixed = journey_check("9", "--collector", collector.url)
    finally:
        backend.stop()
    assert fixed.returncode == 0, fixed.stdout
    assert fixed.stdout.startswith("PASS  chapter 9 (sampling)"), fixed.stdout
    assert re.search(r"judged: traces since the backend restarted at \d\d:\d\d:\d\d", fixed.stdout), fixed.stdout
    assert "0 missing the backend's part" in fixed.stdout, fixed.stdout


def test_the_n_plus_one_checkpoint_does_not_pass_on_a_search_too_small_to_show_it(browser, collector, tmp_path):
    """Chapter 5's exercise ends on 'caching' (1 talk): with the N+1 planted, one query per talk is one query."""
    backend = planted_backend(collector, tmp_path, "backend-planted")
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(backend.url)
        page.get_by_role("status").filter(has_text="9 talks").wait_for()
        page.get_by_label("Search").fill("caching")
        page.get_by_role("button", name="Search").click()
        page.get_by_role("status").filter(has_text="1 talk").wait_for()
        searched = poll_until(lambda: page.locator("#trace-id").text_content(), "the search's trace id")
        poll_until(
            lambda: requests.get(f"{collector.url}/api/v2/trace/{searched}", timeout=5).json(), "the search's trace"
        )
        time.sleep(1.5)  # all of its spans reach the collector
        too_few = journey_check("5", "--collector", collector.url)  # the page's first load is not a search
        page.get_by_label("Search").fill("")
        page.get_by_role("button", name="Search").click()
        page.get_by_role("status").filter(has_text="9 talks").wait_for()
        all_talks = journey_check("5", "--collector", collector.url, "--wait", "10")
    finally:
        context.close()
        backend.stop()
    assert too_few.returncode == 1, too_few.stdout
    assert f"your newest search ({searched}) showed 1 talk: too few to tell" in too_few.stdout, too_few.stdout
    assert "search for something with several talks, e.g. clear the search box" in too_few.stdout
    assert all_talks.returncode == 1 and "runs the same query 9 times: an N+1" in all_talks.stdout, all_talks.stdout


def test_wait_also_waits_for_a_collector_that_is_still_starting(tmp_path):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    check = subprocess.Popen(
        [sys.executable, "-m", "journey", "check", "1", "--collector", f"http://127.0.0.1:{port}", "--wait", "8"],
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    time.sleep(1.5)  # the check is already retrying when the collector comes up
    collector = subprocess.Popen(
        [sys.executable, "-m", "journey", "collector", "--db", ":memory:", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        out, err = check.communicate(timeout=30)
    finally:
        collector.terminate()
        collector.wait()
    assert check.returncode == 1, err  # it reached the collector: no trace yet, rather than "cannot read"
    assert "no 'search talks' trace" in out
