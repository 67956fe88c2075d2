"""`journey fix`: the workshop's fixes, remembered in the data directory, add up and reach a running backend.

Run over the real command line; the backend is the real app, reading the file `journey fix` wrote."""

import json
import os
import subprocess
import sys

import pytest
import requests
from backend_support import GraphQLClient, RatingsServer, planner_app
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from support import ROOT, start_server

SHOW_TALKS = "query ShowTalks { talks(limit: 9) { items { title speakers { name } } } }"
RECOMMEND = "query Recommend { recommendations { id } }"


def journey_fix(data_dir, *words: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "journey", "fix", "--data-dir", str(data_dir), *words],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=env,
    )


def remembered(data_dir) -> list[str]:
    return json.loads((data_dir / "fixes.json").read_text())["fixes"]


def listed(output: str) -> dict[str, str]:
    """The listing's fix: fixed or planted."""
    rows = [line.split() for line in output.splitlines() if line.startswith("  ")]
    return {row[0]: row[1] for row in rows if row and row[1] in ("fixed", "planted")}


def test_fixes_add_up_and_undo_one_at_a_time(tmp_path):
    first = journey_fix(tmp_path, "n-plus-one")
    assert first.returncode == 0, first.stderr
    assert "n-plus-one: fixed: load the speakers" in first.stdout
    second = journey_fix(tmp_path, "slow-ratings")
    assert remembered(tmp_path) == ["n-plus-one", "slow-ratings"]
    assert listed(second.stdout) == {"n-plus-one": "fixed", "slow-ratings": "fixed", "flaky-write": "planted"}
    again = journey_fix(tmp_path, "n-plus-one")
    assert "n-plus-one: already fixed" in again.stdout and remembered(tmp_path) == ["n-plus-one", "slow-ratings"]
    undone = journey_fix(tmp_path, "--undo", "n-plus-one")
    assert undone.returncode == 0 and "n-plus-one: planted again" in undone.stdout
    assert remembered(tmp_path) == ["slow-ratings"]
    listing = journey_fix(tmp_path, "--list")
    assert listing.returncode == 0
    assert listed(listing.stdout) == {"n-plus-one": "planted", "slow-ratings": "fixed", "flaky-write": "planted"}
    assert journey_fix(tmp_path).stdout == listing.stdout  # no words: the same listing
    journey_fix(tmp_path, "all")
    assert remembered(tmp_path) == ["n-plus-one", "slow-ratings", "flaky-write"]
    assert "every problem is planted again" in journey_fix(tmp_path, "--undo", "all").stdout
    assert remembered(tmp_path) == []


def test_listing_changes_nothing_and_says_which_switch_in_this_shell_overrides(tmp_path):
    result = journey_fix(tmp_path, env={**os.environ, "JOURNEY_FIX_SLOW_RATINGS": "false"})
    assert result.returncode == 0 and not tmp_path.joinpath("fixes.json").exists()
    assert set(listed(result.stdout).values()) == {"planted"}
    assert "JOURNEY_FIX_SLOW_RATINGS=false in this shell" in result.stdout


@pytest.mark.parametrize(
    "words,message",
    [
        (["n+1"], "no fix named 'n+1': the fixes are n-plus-one, slow-ratings, flaky-write (or all)"),
        (["--undo", "slow-dependency"], "no fix named 'slow-dependency': the fixes are n-plus-one"),
        (["n-plus-one", "--undo", "flaky-write"], "make fixes or undo them, one or the other at a time"),
    ],
)
def test_a_fix_that_does_not_exist_is_refused_naming_the_choices(tmp_path, words, message):
    journey_fix(tmp_path, "flaky-write")
    result = journey_fix(tmp_path, *words)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert remembered(tmp_path) == ["flaky-write"]  # nothing changed


DAMAGED = [
    (b"n-plus-one\n", "are not JSON"),
    (b"\xff\xfe\x00garbage", "are not JSON"),
    (b'["n-plus-one"]', 'are not of the form {"fixes": ["n-plus-one", ...]}'),
    (b'{"fixes": "n-plus-one"}', 'are not of the form {"fixes": ["n-plus-one", ...]}'),
    (b'{"fixes": ["n-plus-one", "caching"]}', "name 'caching': not a fix (the fixes are n-plus-one"),
]


@pytest.mark.parametrize("content,message", DAMAGED)
def test_a_damaged_file_is_said_plainly_and_left_alone_until_undo_all_rewrites_it(tmp_path, content, message):
    (tmp_path / "fixes.json").write_bytes(content)
    for words in ([], ["slow-ratings"], ["--undo", "n-plus-one"]):
        result = journey_fix(tmp_path, *words)
        assert result.returncode == 2, result.stdout
        assert f"the remembered fixes {tmp_path / 'fixes.json'} {message}" in result.stderr, result.stderr
        assert "`journey fix --undo all` writes it afresh" in result.stderr and "Traceback" not in result.stderr
        assert (tmp_path / "fixes.json").read_bytes() == content
    repaired = journey_fix(tmp_path, "--undo", "all")
    assert repaired.returncode == 0 and "written afresh" in repaired.stdout
    assert remembered(tmp_path) == []


def test_journey_up_and_the_backend_refuse_a_damaged_file_before_starting_anything(tmp_path):
    (tmp_path / "fixes.json").write_text("{")
    up = subprocess.run(
        [sys.executable, "-m", "journey", "up", "--data-dir", str(tmp_path), "--port", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert up.returncode == 2 and "journey up: the remembered fixes" in up.stderr and "are not JSON" in up.stderr
    assert "journey fix --undo all" in up.stderr and "Traceback" not in up.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fixes.json"]  # no database, no server
    backend = subprocess.run(
        [sys.executable, "-m", "journey", "backend", "--fixes-file", str(tmp_path / "fixes.json"), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert backend.returncode == 2 and "journey backend: the remembered fixes" in backend.stderr, backend.stderr
    assert "Traceback" not in backend.stderr


def speaker_queries(spans: InMemorySpanExporter) -> int:
    found = [s for s in spans.get_finished_spans() if "FROM speakers" in s.attributes.get("db.statement", "")]
    spans.clear()
    return len(found)


def test_a_running_backend_follows_the_fixes_without_a_restart(tmp_path, capsys):
    spans = InMemorySpanExporter()
    app = planner_app(spans, fixes_file=str(tmp_path / "fixes.json"))
    gql = GraphQLClient(app.test_client())
    gql(SHOW_TALKS)
    assert speaker_queries(spans) == 9  # planted: one query per talk
    assert journey_fix(tmp_path, "n-plus-one").returncode == 0
    gql(SHOW_TALKS)
    assert speaker_queries(spans) == 1
    demo = app.test_client().get("/config.json").get_json()["demo"]
    assert demo["fixes"][0] == {"name": "n-plus-one", "on": True, "by": "remembered"}
    (tmp_path / "fixes.json").write_text("{ half written by hand")
    gql(SHOW_TALKS)
    assert speaker_queries(spans) == 1  # the last good fixes stay
    assert "are not JSON" in capsys.readouterr().err
    assert journey_fix(tmp_path, "--undo", "all").returncode == 0
    gql(SHOW_TALKS)
    assert speaker_queries(spans) == 9


def test_a_switch_overrides_the_remembered_fix_either_way(tmp_path):
    journey_fix(tmp_path, "n-plus-one")
    spans = InMemorySpanExporter()
    app = planner_app(spans, fixes_file=str(tmp_path / "fixes.json"), fix_n_plus_one=False, fix_flaky_write=True)
    GraphQLClient(app.test_client())(SHOW_TALKS)
    assert speaker_queries(spans) == 9
    fixes = app.test_client().get("/config.json").get_json()["demo"]["fixes"]
    assert fixes == [
        {"name": "n-plus-one", "on": False, "by": "JOURNEY_FIX_N_PLUS_ONE"},
        {"name": "slow-ratings", "on": False, "by": ""},
        {"name": "flaky-write", "on": True, "by": "JOURNEY_FIX_FLAKY_WRITE"},
    ]


def test_the_ratings_cache_starts_and_stops_with_its_fix(tmp_path):
    spans = InMemorySpanExporter()
    ratings = RatingsServer(spans)
    try:
        app = planner_app(spans, ratings_url=ratings.url, fixes_file=str(tmp_path / "fixes.json"))
        gql = GraphQLClient(app.test_client())
        journey_fix(tmp_path, "slow-ratings")
        for _ in range(2):  # the second from the cache
            gql(RECOMMEND)
        journey_fix(tmp_path, "--undo", "slow-ratings")
        gql(RECOMMEND)
        journey_fix(tmp_path, "slow-ratings")
        gql(RECOMMEND)  # the cache starts empty again: what it held while undone is not served
    finally:
        ratings.stop()
    served = [s for s in spans.get_finished_spans() if s.name == "GET /ratings"]
    assert len(served) == 3  # the first call, the one while undone, the first after fixing again


def backend_following(tmp_path, *flags: str, env: dict | None = None):
    """`journey backend` following the fixes remembered in tmp_path, as `journey up` starts it."""
    fixes = ["--fixes-file", str(tmp_path / "fixes.json"), "--ratings-url", "http://127.0.0.1:9"]
    return start_server(["backend", "--db", str(tmp_path / "app.db"), *fixes, *flags], "backend", tmp_path, env)


def test_config_json_says_what_the_demo_runs_with(tmp_path):
    journey_fix(tmp_path, "flaky-write")
    backend = backend_following(
        tmp_path,
        "--traces-exporter",
        "none",
        "--browser-sample-ratio",
        "0.25",
        env={"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.5"},
    )
    try:
        demo = requests.get(f"{backend.url}/config.json", timeout=5).json()["demo"]
    finally:
        backend.stop()
    assert [f["name"] for f in demo["fixes"] if f["on"]] == ["flaky-write"]
    assert (demo["sampler"], demo["samplerArg"], demo["browserSampleRatio"]) == (
        "parentbased_traceidratio",
        "0.5",
        0.25,
    )
    assert (demo["exporter"], demo["store"]) == ("none", "journey")


@pytest.mark.browser
def test_the_app_footer_shows_the_fixes_and_follows_journey_fix(browser, collector, tmp_path):
    journey_fix(tmp_path, "n-plus-one")
    backend = backend_following(
        tmp_path,
        "--zipkin-endpoint",
        f"{collector.url}/api/v2/spans",
        "--browser-sample-ratio",
        "0.5",
        env={"JOURNEY_FIX_FLAKY_WRITE": "false"},
    )
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(backend.url)
        footer = page.get_by_role("contentinfo", name="What the demo runs with")
        footer.get_by_text("Fixed: n-plus-one", exact=True).wait_for()
        assert footer.inner_text().split("\n") == [
            "Fixed: n-plus-one",
            "Planted: slow-ratings, flaky-write (JOURNEY_FIX_FLAKY_WRITE=false)",
            "Sampling: browser 50 %, backend parentbased_always_on",
            "Spans: zipkin to Journey's collector",
        ]
        assert journey_fix(tmp_path, "slow-ratings").returncode == 0
        page.evaluate("window.dispatchEvent(new Event('focus'))")  # back from the terminal
        footer.get_by_text("Fixed: n-plus-one, slow-ratings", exact=True).wait_for()
        footer.get_by_text("Planted: flaky-write (JOURNEY_FIX_FLAKY_WRITE=false)", exact=True).wait_for()
    finally:
        context.close()
        backend.stop()
