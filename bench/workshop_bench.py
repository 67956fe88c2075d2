"""The facilitator's view: how long /zipkin/workshop takes for a room of 30 attendees and every chapter.

    .venv/bin/python bench/workshop_bench.py [--sessions 30] [--traces 120] [--runs 10]

Posts `--sessions` browser sessions to a real collector (`journey collector`, the page mounted as in
`make demo`), each with `--traces` traces over the last three hours, shaped as the app makes them (a
search with its N+1, adding a talk with its 'detect conflicts' span, the schedule's call to ratings,
feedback that sometimes fails, the guided 'Plan my day' of ~60 spans): session n has made the actions of
chapters 1 to 1 + n % 11, so most columns have both colours (chapters 11 and 12 need what no bench
session makes: OTLP, vitals). Then times:

- first open: a lookback not computed yet (each run its own): the page's HTML, which waits up to
  FIRST_WAIT_S for its table, and the time until the table is there (the snapshot read, 30 x 11
  checks, the template), asking again as the page's script does;
- refreshed: the page's HTML every FRESH_S + 0.2 s, as the polling page asks, once each worker
  process has its first table: the latest table at once, while the next is computed in the
  background (a computation's seconds, printed, are how far behind the table can be);
- painted: in headless Chromium, navigation start to the first frame after the load event
  (bench/viewer_bench.py's probe).

Each prints median, range (min–max) and runs. The budget for each: under 1 s.
"""

from __future__ import annotations

import argparse
import random
import re
import tempfile
import time

import requests
from viewer_bench import spread, start_collector, time_page_loads  # the same collector, timings and probe

BUDGET_S = 1.0
SPEAKERS = "SELECT s.id, s.name FROM speakers s JOIN talk_speakers ts ON ts.speaker_id = s.id WHERE ts.talk_id = ?"


class TraceMaker:
    """Traces of one session as the app, the backend and ratings record them (Zipkin v2 JSON)."""

    def __init__(self, rng: random.Random, session: str, nickname: str, instance: str) -> None:
        self.rng, self.session, self.nickname, self.instance = rng, session, nickname, instance

    def span(self, trace: list, parent: dict | None, service: str, name: str, kind: str | None = None, **tags) -> dict:
        start = parent["timestamp"] + self.rng.randrange(50, 400) if parent else trace[0]
        span = {
            "traceId": trace[1],
            "id": f"{self.rng.getrandbits(64):016x}",
            "name": name,
            "timestamp": start,
            "duration": parent["duration"] // 2 if parent else 40_000,
            "localEndpoint": {"serviceName": service},
            "tags": {"session.id": self.session, "workshop.attendee": self.nickname, **tags},
        }
        if service != "frontend":
            span["tags"]["service.instance.id"] = self.instance
        if parent:
            span["parentId"] = parent["id"]
        if kind:
            span["kind"] = kind
        trace[2].append(span)
        return span

    def call(self, trace: list, action: dict, operation: str) -> dict:
        """The browser's call to the API and the backend's request and operation spans; the operation."""
        post = self.span(trace, action, "frontend", "post", "CLIENT", **{"http.request.method": "POST"})
        server = self.span(trace, post, "backend", "post /graphql", "SERVER", **{"http.route": "/graphql"})
        return self.span(trace, server, "backend", operation)

    def search(self, trace: list, parent: dict | None = None, name: str = "search talks") -> None:
        action = self.span(trace, parent, "frontend", name, **{"ui.result.count": "9"})
        resolver = self.span(trace, self.call(trace, action, "query searchtalks"), "backend", "resolve query.talks")
        self.span(trace, resolver, "backend", "select", "CLIENT", **{"db.statement": "SELECT * FROM talks"})
        for _ in range(9):  # the planted N+1
            speakers = self.span(trace, resolver, "backend", "resolve talk.speakers")
            self.span(trace, speakers, "backend", "select", "CLIENT", **{"db.statement": SPEAKERS})
        self.span(trace, action, "frontend", "render talks", **{"ui.rendered.count": "9"})

    def add(self, trace: list, parent: dict | None = None) -> None:
        action = self.span(trace, parent, "frontend", "add to schedule")
        operation = self.call(trace, action, "mutation addtoschedule")
        resolver = self.span(trace, operation, "backend", "resolve mutation.addtoschedule")
        self.span(trace, resolver, "backend", "insert", "CLIENT", **{"db.statement": "INSERT INTO schedule"})
        self.span(trace, resolver, "backend", "detect conflicts", **{"schedule.conflict.count": "0"})

    def schedule(self, trace: list, parent: dict | None = None) -> None:
        action = self.span(trace, parent, "frontend", "show schedule")
        operation = self.call(trace, action, "query myschedule")
        resolver = self.span(trace, operation, "backend", "resolve query.recommendations")
        get = self.span(trace, resolver, "backend", "get", "CLIENT")
        self.span(trace, get, "ratings", "get /ratings", "SERVER")

    def feedback(self, trace: list, parent: dict | None = None) -> None:
        action = self.span(trace, parent, "frontend", "submit feedback")
        operation = self.call(trace, action, "mutation submitfeedback")
        failed = {"error": "database is locked"} if self.rng.random() < 0.3 else {}
        self.span(trace, operation, "backend", "resolve mutation.submitfeedback", **failed)

    def plan_my_day(self, trace: list) -> None:
        journey = self.span(trace, None, "frontend", "plan my day")
        journey["duration"] = 45_000_000
        self.search(trace, journey, "pick audience")
        for _ in range(3):
            self.add(trace, journey)
        self.schedule(trace, journey)
        self.feedback(trace, journey)

    def make(self, kind: str, start_us: int) -> list[dict]:
        trace = [start_us, f"{self.rng.getrandbits(128):032x}", []]
        getattr(self, kind)(trace)
        return trace[2]


# the actions an attendee has a reason to make by chapter: search (1-3, 5, 9-11), add (4), schedule (6),
# feedback (7), the guided flow (8)
ACTIONS_BY_CHAPTER = ["search", "search", "search", "add", "search", "schedule", "feedback", "plan_my_day"]


def room_spans(sessions: int, traces: int, now_us: int) -> list[dict]:
    rng = random.Random(17)
    spans = []
    for number in range(sessions):
        reached = 1 + number % 11
        kinds = ACTIONS_BY_CHAPTER[: min(reached, len(ACTIONS_BY_CHAPTER))]
        maker = TraceMaker(rng, f"bench-session-{number:02d}", f"attendee {number:02d}", f"instance-{number:02d}")
        for index in range(traces):
            start = now_us - 3 * 3_600_000_000 + (index + 1) * (3 * 3_600_000_000 - 60_000_000) // traces
            spans += maker.make(kinds[index % len(kinds)], start)
    return spans


PENDING = "Checking the room:"  # the page's words while its first table is being computed


def time_first_opens(page_urls: list[str]) -> tuple[list[float], list[float]]:
    """Per page (each a lookback not computed yet): seconds to its HTML, and until its table is there, asking
    for the table again as the page's script does; the first page a warm-up."""
    pages, tables = [], []
    for url in page_urls:
        started = time.perf_counter()
        text = requests.get(url, timeout=60).text
        pages.append(time.perf_counter() - started)
        while PENDING in text:
            time.sleep(0.1)
            text = requests.get(f"{url}&fragment=table", timeout=60).text
        tables.append(time.perf_counter() - started)
    return pages[1:], tables[1:]


def time_refreshes(page_url: str, runs: int, pause_s: float) -> tuple[list[float], list[str]]:
    """Seconds to fetch the page's HTML, `pause_s` apart, once three in a row came with their table (each
    worker process keeps its own: `journey collector` runs 2); the pages."""
    timings, pages, ready = [], [], 0
    while len(timings) < runs:
        time.sleep(pause_s)
        started = time.perf_counter()
        text = requests.get(page_url, timeout=60).text
        elapsed = time.perf_counter() - started
        ready = ready + 1 if PENDING not in text else 0
        if ready > 3:
            timings.append(elapsed)
            pages.append(text)
    return timings, pages


def computed_in(page: str) -> float:
    """How long the page's table took to compute, as its status line says."""
    return float(re.search(r'<span class="took">in ([0-9.]+) s</span>', page).group(1))


def main() -> None:
    from journey.workshop.room import FRESH_S

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--traces", type=int, default=120, help="traces per session")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()

    spans = room_spans(args.sessions, args.traces, int(time.time() * 1_000_000))
    pause_s = FRESH_S + 0.2
    with tempfile.TemporaryDirectory(prefix="journey-bench-") as tmp:
        process, url = start_collector(tmp)
        try:
            for start in range(0, len(spans), 5000):
                response = requests.post(f"{url}/api/v2/spans", json=spans[start : start + 5000], timeout=60)
                assert response.status_code == 202, response.text
            page_url = f"{url}/zipkin/workshop"
            first, first_table = time_first_opens([f"{page_url}?lookback={240 + n}m" for n in range(args.runs + 1)])
            refreshed, pages = time_refreshes(page_url, args.runs, pause_s)
            _, painted, _ = time_page_loads(page_url, args.runs)
        finally:
            process.terminate()
            process.wait()
    page = pages[-1]
    rows, green, red = page.count("data-session="), page.count('<td class="pass"'), page.count('<td class="fail"')
    assert rows == args.sessions and green and red, (rows, green, red)
    print(
        f"workshop room: {rows} sessions x {(green + red) // rows} chapters ({green} green, {red} red), "
        f"{args.traces} traces and {len(spans) // args.sessions} spans a session ({len(spans)} spans)"
    )
    print(f"  first open, the page:   {spread(first)}   budget < {BUDGET_S} s")
    print(f"    and until its table:  {spread(first_table)}")
    print(f"  refreshed (latest):     {spread(refreshed)}   budget < {BUDGET_S} s")
    print(f"    each table computed in the background in: {spread([computed_in(p) for p in pages])}")
    print(f"  to painted (Chromium):  {spread(painted)}   budget < {BUDGET_S} s")


if __name__ == "__main__":
    main()
