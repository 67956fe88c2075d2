"""The facilitator's view of a room, its table from the collector's store: who is in the room, what each
chapter's check says for each session, and the page's answers to bad input. The page in Chromium with
real attendees: tests/test_workshop_room_browser.py."""

from __future__ import annotations

import re
import time

import pytest
from support import poll_until

from collector import create_app
from journey.checkpoints import CHECKPOINTS, Checkpoint
from journey.workshop.room import blueprint, room_table, seats
from journey.workshop.snapshot import Snapshot


def action(number: int, session: str, attendee: str | None, ago_s: float, **tags) -> list[dict]:
    """A browser 'search talks' action and its call, as a session's trace."""
    root_tags = {"session.id": session, **tags}
    if attendee:
        root_tags["workshop.attendee"] = attendee
    root = {
        "traceId": f"{number:032x}",
        "id": f"{number:015x}1",
        "name": "search talks",
        "timestamp": time.time_ns() // 1000 - int(ago_s * 1_000_000),  # read when a test asks, not at import
        "duration": 2000,
        "localEndpoint": {"serviceName": "frontend"},
        "tags": root_tags,
    }
    call = {**root, "id": f"{number:015x}2", "parentId": root["id"], "name": "post", "kind": "CLIENT"}
    call["tags"] = {"session.id": session}
    return [root, call]


def room() -> list[list[dict]]:
    """Five attendees' sessions and one of `journey load`'s, made now."""
    return [
        action(1, "s-zed", "zed", 50),
        action(2, "s-ada-old", "Ada", 40),
        action(3, "s-ada", "Ada", 10),
        action(4, "s-anon", None, 5),
        action(5, "s-bob", None, 30),  # bob typed his nickname later: his newest trace names him
        action(6, "s-bob", "bob", 20),
        action(7, "s-load", "bot", 1, **{"journey.synthetic": "true"}),  # `journey load`: not an attendee
    ]


def snapshot_of(traces: list[list[dict]]) -> Snapshot:
    return Snapshot(traces, ["frontend"])


def test_each_session_is_a_row_named_by_its_nickname_and_synthetic_traffic_is_left_out():
    rows = seats(snapshot_of(room()))
    assert [(row.attendee, row.session) for row in rows] == [
        ("Ada", "s-ada"),  # a nickname's newest session first
        ("Ada", "s-ada-old"),
        ("bob", "s-bob"),
        ("zed", "s-zed"),
        (None, "s-anon"),
    ]
    assert [row.traces for row in rows] == [1, 1, 2, 1, 1]


def test_every_chapter_is_a_cell_with_the_checks_verdict():
    [row] = room_table(snapshot_of([action(1, "s-1", "ada", 5)]), "http://room:9411", 900_000)
    assert len(row.cells) == len(CHECKPOINTS) >= 12
    first, second = row.cells[:2]
    assert first.passed and first.headline.startswith("your click is a trace")
    assert first.link == f"http://room:9411/zipkin/traces/{1:032x}"
    assert not second.passed and "does not have the shape yet" in second.headline
    assert "the trace has no span from backend at all" in second.details
    assert not row.cells[3].passed and "no 'mutation addtoschedule' trace" in row.cells[3].headline


def test_a_check_that_cannot_run_is_a_red_cell_saying_so():
    def broken(api, scope):
        raise KeyError("timestamp")

    points = [CHECKPOINTS[0], Checkpoint(99, "broken", "A broken check", broken)]
    [row] = room_table(snapshot_of([action(1, "s-1", "ada", 5)]), "http://room:9411", 900_000, points)
    assert row.cells[0].passed
    assert not row.cells[1].passed and row.cells[1].headline == "the check could not run: 'timestamp'"


@pytest.fixture
def client():
    app = create_app({"db": ":memory:"}, blueprints=[blueprint()])
    assert app.test_client().post("/api/v2/spans", json=[s for t in room() for s in t]).status_code == 202
    return app.test_client()


def settled(client, url: str, **options):
    """The page once its first table is computed (in the background: a page may come before it)."""
    return poll_until(
        lambda: "Checking the room:" not in (r := client.get(url, **options)).get_data(as_text=True) and r, url
    )


def test_the_page_shows_the_room(client):
    response = settled(client, "/zipkin/workshop")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>Workshop room</h1>" in page and 'data-source="?fragment=table&amp;lookback=4h"' in page
    rows = re.findall(r'<tr(?: class="unnamed")? data-session="([^"]+)">\s*<th scope="row">([^<]+?)\s*<small>', page)
    assert rows == [
        ("s-ada", "Ada"),
        ("s-ada-old", "Ada"),
        ("s-bob", "bob"),
        ("s-zed", "zed"),
        ("s-anon", "no nickname"),
    ]
    assert page.count('<td class="pass"') == 5 and page.count('<td class="fail"') == 5 * (
        len(CHECKPOINTS) - 1
    )  # chapter 1 each


def test_the_table_alone_is_what_the_page_polls(client):
    response = settled(client, "/zipkin/workshop?fragment=table&lookback=15m")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in text and text.count("data-session=") == 5


@pytest.mark.parametrize(
    ("lookback", "message"),
    [("soon", "not a time span like 30s, 15m or 2h"), ("9d", "must be from 1s to 7d"), ("2d", "more than a day")],
)
def test_a_bad_lookback_is_a_clear_400(client, lookback, message):
    response = client.get(f"/zipkin/workshop?lookback={lookback}")
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_the_tables_links_are_the_servers_whatever_host_a_reader_sends(client):
    text = settled(client, "/zipkin/workshop?fragment=table", headers={"Host": "evil.example"}).get_data(as_text=True)
    assert "evil.example" not in text and 'href="/zipkin/traces/' in text


def test_the_collector_alone_has_no_workshop_page():
    """The page comes from `journey collector` through create_app's blueprints, not from the collector."""
    assert create_app({"db": ":memory:"}).test_client().get("/zipkin/workshop").status_code == 404
