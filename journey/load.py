"""`journey load`: simulated users running realistic journeys against a running demo.

Each user has its own session and goes search → open a talk → add it to the schedule → sometimes
rate it, pausing to think between actions. Every action is a GraphQL request carrying
`traceparent` and `baggage` (session.id, journey.synthetic=true), plus the two spans a real
browser would have made (the action and its CLIENT call), posted to the collector in batches, so
the viewer fills with traces shaped like real ones. Every span is marked `journey.synthetic=true`.

The exit status says whether the load run worked, not whether the app did: 1 if spans were lost
(posted but not acknowledged by the collector), if nothing ran (no request got an answer from the
app), or if the share of failed requests passed --max-error-rate; else 0. Failed requests alone are
expected on the demo (its planted flaky write), so by default they do not fail the run; a CI that
wants a healthy app sets its own rate (e.g. --max-error-rate 0).
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import TextIO

from common.settings import Setting, parse_fraction, parse_non_negative_int, parse_positive_int, parse_url

LOAD_SETTINGS = [
    Setting("url", "JOURNEY_LOAD_URL", "http://localhost:8000", "the app to load", "--url", parse_url),
    Setting(
        "collector",
        "JOURNEY_LOAD_COLLECTOR",
        "http://localhost:9411",
        "where the simulated browsers send their spans",
        "--collector",
        parse_url,
    ),
    Setting("users", "JOURNEY_LOAD_USERS", 5, "simulated users at once", "--users", parse_positive_int),
    Setting("duration", "JOURNEY_LOAD_DURATION", 60, "how long to run, in seconds", "--duration", parse_positive_int),
    Setting(
        "rate",
        "JOURNEY_LOAD_RATE",
        0,
        "most actions per second, all users together (0: no limit)",
        "--rate",
        parse_non_negative_int,
    ),
    Setting(
        "think_ms",
        "JOURNEY_LOAD_THINK_MS",
        1000,
        "mean pause between one user's actions, in ms",
        "--think-ms",
        parse_non_negative_int,
    ),
    Setting("seed", "JOURNEY_LOAD_SEED", 1, "random seed, for repeatable runs", "--seed", parse_non_negative_int),
    Setting(
        "max_error_rate",
        "JOURNEY_LOAD_MAX_ERROR_RATE",
        1.0,
        "share (0-1) of requests that may fail before the run exits 1 (1: failed requests alone never fail it)",
        "--max-error-rate",
        parse_fraction,
    ),
]

PROGRESS_EVERY_S = 5  # without a terminal, one progress line this often (a log, not an animation)

SEARCHES = ["kubernetes", "patterns", "delivery", "data", "tracing", "canary", ""]
SEARCH = "query SearchTalks($search: String) { talks(search: $search) { total items { id title } } }"
SHOW = "query ShowTalk($id: ID!) { talk(id: $id) { title rating speakers { name } } mySchedule { talks { id } } }"
ADD = "mutation AddToSchedule($id: ID!) { addToSchedule(talkId: $id) { talks { id } } }"
RATE = "mutation SubmitFeedback($id: ID!, $rating: Int!) { submitFeedback(talkId: $id, rating: $rating) { id } }"


@dataclass
class Figures:
    """What the run did, shared by the users (under `lock`)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: list[float] = field(default_factory=list)
    requests: int = 0
    answered: int = 0  # requests the app answered at all, with any status
    errors: int = 0
    spans_sent: int = 0
    spans_acknowledged: int = 0
    pending: list[dict] = field(default_factory=list)


def _hex(rng: random.Random, bits: int) -> str:
    return f"{rng.getrandbits(bits):0{bits // 4}x}"


class User(threading.Thread):
    """One simulated browser session."""

    def __init__(self, index: int, config: dict, figures: Figures, deadline: float, pacer: Pacer) -> None:
        super().__init__(daemon=True)
        self.rng = random.Random(config["seed"] * 1000 + index)
        self.config, self.figures, self.deadline, self.pacer = config, figures, deadline, pacer
        self.session = "load-" + _hex(self.rng, 104)

    def run(self) -> None:
        while time.monotonic() < self.deadline:
            found = self.act("search talks", "SearchTalks", SEARCH, {"search": self.rng.choice(SEARCHES)})
            items = (found or {}).get("talks", {}).get("items") or [{"id": "1"}]
            talk = self.rng.choice(items)["id"]
            self.act("open talk", "ShowTalk", SHOW, {"id": talk}, talk)
            self.act("add to schedule", "AddToSchedule", ADD, {"id": talk}, talk)
            if self.rng.random() < 0.3:
                self.act(
                    "submit feedback", "SubmitFeedback", RATE, {"id": talk, "rating": self.rng.randint(1, 5)}, talk
                )

    def act(self, name: str, operation: str, query: str, variables: dict, talk: str | None = None) -> dict | None:
        """One user action: think, then the request with trace headers, then the browser's two spans."""
        pause = self.rng.expovariate(1000 / self.config["think_ms"]) if self.config["think_ms"] else 0
        time.sleep(min(pause, max(self.deadline - time.monotonic(), 0)))
        if time.monotonic() >= self.deadline:
            return None
        self.pacer.wait()
        trace_id, action_id, call_id = _hex(self.rng, 128), _hex(self.rng, 64), _hex(self.rng, 64)
        body = json.dumps({"operationName": operation, "query": query, "variables": variables}).encode()
        status, answer, start_us, elapsed_us = self.post(body, f"00-{trace_id}-{call_id}-01")
        failed = status != 200 or not answer or bool(answer.get("errors"))
        common = {"session.id": self.session, "journey.synthetic": "true"}
        action_tags = {**common, "ui.action": name, **({"ui.talk.id": talk} if talk else {})}
        call_tags = {**common, "http.request.method": "POST", "http.response.status_code": str(status)}
        if failed:
            action_tags["error"] = call_tags["error"] = f"status {status}" if status != 200 else "GraphQL error"
        spans = [
            {
                "traceId": trace_id,
                "id": action_id,
                "name": name,
                "timestamp": start_us - 200,
                "duration": elapsed_us + 400,
                "localEndpoint": {"serviceName": "frontend"},
                "tags": action_tags,
            },
            {
                "traceId": trace_id,
                "parentId": action_id,
                "id": call_id,
                "kind": "CLIENT",
                "name": "POST",
                "timestamp": start_us,
                "duration": elapsed_us,
                "localEndpoint": {"serviceName": "frontend"},
                "tags": call_tags,
            },
        ]
        with self.figures.lock:
            self.figures.requests += 1
            self.figures.answered += status != 0
            self.figures.errors += failed
            self.figures.latencies.append(elapsed_us / 1000)
            self.figures.pending.extend(spans)
        return None if failed else answer.get("data")

    def post(self, body: bytes, traceparent: str) -> tuple[int, dict | None, int, int]:
        """The GraphQL request with the browser's trace headers: (status, answer, start, duration), times in µs."""
        request = urllib.request.Request(
            f"{self.config['url']}/graphql",
            data=body,
            headers={
                "Content-Type": "application/json",
                "traceparent": traceparent,
                "baggage": f"session.id={self.session},journey.synthetic=true",
            },
        )
        start_us = time.time_ns() // 1000
        started = time.perf_counter()
        status, answer = 0, None
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, answer = response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            status = error.code
        except (OSError, ValueError):
            status = 0
        return status, answer, start_us, max(int((time.perf_counter() - started) * 1_000_000), 1)


class Pacer:
    """At most `rate` actions a second across all users (0: no limit)."""

    def __init__(self, rate: int) -> None:
        self.interval = 1 / rate if rate else 0
        self.next = time.monotonic()
        self.lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self.lock:
            now = time.monotonic()
            slot = max(self.next, now)
            self.next = slot + self.interval
        time.sleep(max(slot - now, 0))


def send_spans(collector: str, figures: Figures) -> None:
    """Post the spans gathered so far, as the browsers would."""
    with figures.lock:
        batch, figures.pending = figures.pending, []
    if not batch:
        return
    figures.spans_sent += len(batch)
    request = urllib.request.Request(
        f"{collector}/api/v2/spans", data=json.dumps(batch).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            if response.status == 202:
                figures.spans_acknowledged += len(batch)
    except (OSError, urllib.error.HTTPError):
        pass  # counted as sent, not acknowledged


def percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0.0


def failure(figures: Figures, max_error_rate: float) -> str | None:
    """Why the load run did not work, or None if it did."""
    if figures.spans_acknowledged < figures.spans_sent:
        lost = figures.spans_sent - figures.spans_acknowledged
        return f"{lost} of {figures.spans_sent} spans were not acknowledged by the collector"
    if not figures.answered:
        return "nothing ran: no request got an answer from the app"
    error_rate = figures.errors / figures.requests
    if error_rate > max_error_rate:
        return f"error rate {error_rate:.1%} is above --max-error-rate {max_error_rate:.1%}"
    return None


class Progress:
    """The live progress line: redrawn in place on a terminal; in a log, a plain line now and then."""

    def __init__(self, duration_s: int, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.redraw = self.stream.isatty()  # the stream it writes to: a terminal, or a log (CI, `2> file`)
        self.duration_s = duration_s
        self.started = time.monotonic()
        self.last_line = self.started

    def update(self, figures: Figures) -> None:
        now = time.monotonic()
        if not self.redraw and now - self.last_line < PROGRESS_EVERY_S:
            return
        self.last_line = now
        with figures.lock:
            median = statistics.median(figures.latencies) if figures.latencies else 0
            counts = (
                f"{figures.requests} requests, {figures.errors} errors, "
                f"median {median:.1f} ms, spans {figures.spans_acknowledged}/{figures.spans_sent}"
            )
        if self.redraw:
            bar = "#" * int(min((now - self.started) / self.duration_s, 1) * 30)
            print(f"\r[{bar:<30}] {counts}", end="", file=self.stream, flush=True)
        else:
            print(f"[{now - self.started:4.0f} s] {counts}", file=self.stream, flush=True)

    def end(self) -> None:
        if self.redraw:
            print(file=self.stream, flush=True)  # leave the last drawn line standing


def run(config: dict) -> int:
    """Run the load, with a progress line, and print the summary; 1 if the run did not work (see the docstring)."""
    figures, deadline = Figures(), time.monotonic() + config["duration"]
    pacer = Pacer(config["rate"])
    users = [User(i, config, figures, deadline, pacer) for i in range(config["users"])]
    print(
        f"journey load: {config['users']} users for {config['duration']} s against {config['url']}, "
        f"spans to {config['collector']}",
        flush=True,
    )
    progress = Progress(config["duration"])
    for user in users:
        user.start()
    try:
        while any(user.is_alive() for user in users):
            time.sleep(0.5)
            send_spans(config["collector"], figures)
            progress.update(figures)
    except KeyboardInterrupt:
        print("\njourney load: stopped", file=sys.stderr)
    progress.end()
    send_spans(config["collector"], figures)
    ordered = sorted(figures.latencies)
    print(
        f"requests {figures.requests}, errors {figures.errors}, "
        f"spans sent {figures.spans_sent}, acknowledged {figures.spans_acknowledged}\n"
        f"latency p50 {percentile(ordered, 0.5):.1f} ms, p95 {percentile(ordered, 0.95):.1f} ms, "
        f"p99 {percentile(ordered, 0.99):.1f} ms",
        flush=True,
    )
    reason = failure(figures, config["max_error_rate"])
    if reason:
        print(f"journey load: failed: {reason}", file=sys.stderr, flush=True)
    return 1 if reason else 0
