"""The workshop's checkpoints: for each chapter, what its trace must look like, said in plain words.

Each check reads the collector's Zipkin API only, so it works against our collector, the real
Zipkin, or Zipkin behind an OpenTelemetry Collector. Traces made by `journey load`
(journey.synthetic=true) are not the attendee's clicks and are skipped.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from .shapes import Expect, ShapeFile, explain, find, service
from .zipkin_client import ZipkinClient

SESSION = "session.id"
ANY = "*"


@dataclass(frozen=True)
class Scope:
    """Which traces a check looks at: the lookback window, one session, or one trace."""

    lookback_ms: int = 15 * 60 * 1000
    session: str | None = None
    trace_id: str | None = None


@dataclass
class Verdict:
    passed: bool
    headline: str
    details: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Checkpoint:
    number: int
    slug: str
    title: str
    run: Callable[[ZipkinClient, Scope], Verdict]


def _synthetic(spans: list[dict]) -> bool:
    return any((s.get("tags") or {}).get("journey.synthetic") == "true" for s in spans)


def has_event(span: dict, name: str) -> bool:
    """Whether the span has the event `name`: OpenTelemetry's exporters write {"name": {attributes}}."""
    for annotation in span.get("annotations") or []:
        value = annotation.get("value", "")
        if value == name:
            return True
        try:
            decoded = json.loads(value)
        except ValueError:
            continue
        if isinstance(decoded, dict) and name in decoded:
            return True
    return False


def _root(spans: list[dict]) -> dict | None:
    return next((s for s in spans if "parentId" not in s), None)


def candidates(api: ZipkinClient, scope: Scope, svc: str, span: str | None, limit: int = 10) -> list[list[dict]]:
    """The attendee's traces with a span `span` of `svc`, newest first (or just the one asked for)."""
    if scope.trace_id:
        spans = api.trace(scope.trace_id)
        return [spans] if spans else []
    query = f"{SESSION}={scope.session}" if scope.session else None
    traces = api.traces(svc, span, query, scope.lookback_ms, limit)
    return [spans for spans in traces if not _synthetic(spans)]


def _age(spans: list[dict]) -> str:
    """How long ago the trace started, as an attendee reads it ("40 s ago", "3 min ago")."""
    started = min((s.get("timestamp") for s in spans if s.get("timestamp")), default=None)
    if started is None:
        return "time unknown"
    seconds = max(0, time.time() - started / 1_000_000)
    return f"{seconds:.0f} s ago" if seconds < 120 else f"{seconds / 60:.0f} min ago"


def _minutes(scope: Scope) -> str:
    return f"{scope.lookback_ms / 60000:g} minutes"


def _none_found(what: str, scope: Scope, todo: str) -> Verdict:
    where = f"trace {scope.trace_id}" if scope.trace_id else f"the last {_minutes(scope)}"
    session = f" of session {scope.session}" if scope.session else ""
    return Verdict(False, f"no {what}{session} in {where}", [todo])


def check_shape(
    api: ZipkinClient,
    scope: Scope,
    find_: tuple[str, str | None],
    shape: list[Expect],
    passed: str,
    todo: str,
    what: str | None = None,
) -> tuple[Verdict, list[dict]]:
    """The newest trace found by `find_` against `shape`: every missing span explained, with its hint."""
    traces = candidates(api, scope, *find_)
    what = what or f"'{find_[1]}' trace from {find_[0]}"
    if not traces:
        return _none_found(what, scope, todo), []
    spans = traces[0]
    trace_id = spans[0]["traceId"]
    problems = [(expect, why) for expect in shape if (why := explain(spans, expect))]
    details = []
    for expect, why in problems:
        details.append(why)
        if expect.hint:
            details.append(f"  hint: {expect.hint}")
    link = [api.viewer_url(trace_id)]
    if problems:
        return Verdict(
            False, f"your newest {what} ({trace_id}, {_age(spans)}) does not have the shape yet", details, link
        ), spans
    return Verdict(
        True,
        passed,
        [
            f"trace {trace_id} ({_age(spans)}): {len(spans)} spans from "
            f"{', '.join(sorted({service(s) or '?' for s in spans}))}"
        ],
        link,
    ), spans


NO_CONTEXT = (
    "the browser sends traceparent only to the origins listed in /config.json (traceHeaderOrigins), and the "
    "backend must allow that header (CORS); see docs/instrumentation.md, 'Trace headers not sent'"
)
SEARCH_TODO = "open the app (http://localhost:8000/), type 'kubernetes' in Search and press Search"


def search_spine() -> list[Expect]:
    return [
        Expect(
            "frontend",
            "search talks",
            None,
            root=True,
            tags=((SESSION, ANY),),
            hint="the action span must be the root of its trace: frontend/src/telemetry.js, UserActions.run",
        ),
        Expect(
            "frontend",
            "post",
            "CLIENT",
            parent=("frontend", "search talks"),
            hint="pass the action's ctx to graphql(): frontend/src/api.js makes the CLIENT span under it",
        ),
    ]


def find_your_click(api: ZipkinClient, scope: Scope) -> Verdict:
    verdict, _ = check_shape(
        api,
        scope,
        ("frontend", "search talks"),
        search_spine(),
        "your click is a trace: the 'search talks' action and the call it made",
        SEARCH_TODO,
    )
    return verdict


def click_to_database(api: ZipkinClient, scope: Scope) -> Verdict:
    shape = search_spine() + [
        Expect(
            "backend", "post /graphql", "SERVER", parent=("frontend", "post"), tags=((SESSION, ANY),), hint=NO_CONTEXT
        ),
        Expect(
            "backend",
            "query searchtalks",
            None,
            parent=("backend", "post /graphql"),
            hint="the GraphQL operation span: backend/graphql_tracing.py, GraphQLTracing",
        ),
        Expect(
            "backend",
            "resolve query.talks",
            None,
            parent=("backend", "query searchtalks"),
            hint="resolver spans: backend/graphql_tracing.py, TracedResolver",
        ),
        Expect(
            "backend",
            "select",
            "CLIENT",
            parent=("backend", "resolve query.talks"),
            hint="database spans: backend/db_tracing.py, traced_connect",
        ),
    ]
    verdict, spans = check_shape(
        api, scope, ("frontend", "search talks"), shape, "one trace from your click to the database", SEARCH_TODO
    )
    if verdict.passed:
        sessions = {(s.get("tags") or {}).get(SESSION) for s in spans}
        if len(sessions) != 1:
            verdict.passed = False
            verdict.headline = "the trace is whole, but its spans disagree on session.id"
            verdict.details.append(
                f"session.id values in the trace: {sorted(map(str, sessions))}; the backend "
                "takes it from the baggage header the browser sends (common/session.py)"
            )
        else:
            verdict.details.append(f"every span carries session.id={sessions.pop()}")
    return verdict


def frontend_span(api: ZipkinClient, scope: Scope) -> Verdict:
    shape = search_spine() + [
        Expect(
            "frontend",
            "render talks",
            None,
            parent=("frontend", "search talks"),
            tags=(("ui.rendered.count", ANY),),
            hint="frontend/src/views/talks.js, between the 'workshop 03' markers: start the span with the "
            "action's ctx as parent, set ui.rendered.count, end it after the list is drawn",
        ),
    ]
    verdict, _ = check_shape(
        api,
        scope,
        ("frontend", "search talks"),
        shape,
        "your 'render talks' span is in the trace, under the search, with its attribute",
        SEARCH_TODO,
    )
    return verdict


def backend_span(api: ZipkinClient, scope: Scope) -> Verdict:
    shape = [
        Expect("backend", "resolve mutation.addtoschedule", None, parent=("backend", "mutation addtoschedule")),
        Expect(
            "backend",
            "detect conflicts",
            None,
            parent=("backend", "resolve mutation.addtoschedule"),
            tags=(("schedule.conflict.count", ANY),),
            hint="backend/schema.py, Schedule.of_session, between the 'workshop 04' markers: a span from "
            "the request's tracer around planner.conflicts, with schedule.conflict.count",
        ),
    ]
    verdict, _ = check_shape(
        api,
        scope,
        ("backend", "mutation addtoschedule"),
        shape,
        "your 'detect conflicts' span is in the trace, under the resolver, with its attribute",
        "open a talk in the app and press 'Add to my schedule'",
    )
    return verdict


def n_plus_one(api: ZipkinClient, scope: Scope) -> Verdict:
    traces = [t for t in candidates(api, scope, "frontend", "search talks") if find(t, "backend", "select")]
    if not traces:
        return _none_found("'search talks' trace that reached the database", scope, SEARCH_TODO)
    spans = traces[0]
    trace_id = spans[0]["traceId"]
    by_id = {s["id"]: s for s in spans}
    selects = find(spans, "backend", "select")
    statements = Counter((s.get("tags") or {}).get("db.statement", "?") for s in selects)
    statement, times = statements.most_common(1)[0]
    link = [api.viewer_url(trace_id)]
    if times > 2:
        parents = Counter(
            by_id.get(s.get("parentId"), {}).get("name", "?")
            for s in selects
            if (s.get("tags") or {}).get("db.statement") == statement
        )
        under = ", ".join(f"{n} under '{name}'" for name, n in parents.most_common(3))
        return Verdict(
            False,
            f"your newest search ({trace_id}) runs the same query {times} times: an N+1",
            [
                f"{times} 'select' spans ({under}) run: {statement[:120]}",
                "one query per talk on the page; the fix loads every talk's speakers in one query",
                "  hint: restart with --fix-n-plus-one (JOURNEY_FIX_N_PLUS_ONE=true), or batch it yourself in "
                "backend/schema.py (Query.talks fills ctx.speakers_by_talk with planner.speakers_of_talks)",
            ],
            link,
        )
    total = sum(statements.values())
    return Verdict(
        True,
        f"no N+1: your newest search runs {total} database {'query' if total == 1 else 'queries'}, none repeated",
        [f"trace {trace_id}: " + "; ".join(f"{n}x {s[:60]}" for s, n in statements.most_common())],
        link,
    )


def slow_dependency(api: ZipkinClient, scope: Scope) -> Verdict:
    shape = [
        Expect(
            "backend",
            "get",
            "CLIENT",
            parent=("backend", "resolve query.recommendations"),
            hint="backend/ratings_client.py, RatingsClient._fetch makes the CLIENT span and injects traceparent",
        ),
        Expect(
            "ratings",
            "get /ratings",
            "SERVER",
            parent=("backend", "get"),
            hint="is `journey ratings` running and exporting? `journey up` starts it",
        ),
    ]
    todo = "open 'My schedule' in the app: its recommendations ask the ratings service for community scores"
    recommendations = candidates(api, scope, "backend", "resolve query.recommendations")
    traces = candidates(api, scope, "ratings", "get /ratings") or recommendations
    if not traces:
        return _none_found("trace that asked for recommendations", scope, todo)
    spans = traces[0]
    trace_id = spans[0]["traceId"]
    problems = [why for expect in shape if (why := explain(spans, expect))]
    link = [api.viewer_url(trace_id)]
    if problems:
        return Verdict(
            False, f"the newest recommendations trace ({trace_id}) does not cross to ratings", problems, link
        )
    served = find(spans, "ratings", "get /ratings")[0]
    root = _root(spans) or max(spans, key=lambda s: s.get("duration", 0))
    share = served.get("duration", 0) / max(1, root.get("duration", 1))
    details = [
        f"ratings answered in {served.get('duration', 0) / 1000:.0f} ms of the "
        f"{root.get('duration', 0) / 1000:.0f} ms trace ({share:.0%}): the third service, a second hop of context"
    ]
    if recommendations and not find(recommendations[0], "ratings", "get /ratings"):
        details.append(
            f"your newest recommendations ({recommendations[0][0]['traceId']}) did not wait for "
            "ratings: the cache works"
        )
    else:
        details.append(
            "  next: restart with --fix-slow-ratings (JOURNEY_FIX_SLOW_RATINGS=true) and open 'My "
            "schedule' twice: the second trace has no ratings call"
        )
    return Verdict(True, "found the slow dependency: recommendations wait for the ratings service", details, link)


def flaky_write(api: ZipkinClient, scope: Scope) -> Verdict:
    todo = "open a talk and send feedback a few times: about one write in three fails (JOURNEY_FLAKY_WRITE_RATE)"
    traces = candidates(api, scope, "backend", "mutation submitfeedback", limit=50)
    if not traces:
        return _none_found("'mutation submitfeedback' trace from backend", scope, todo)
    for spans in traces:
        resolver = find(spans, "backend", "resolve mutation.submitfeedback")
        failed = [s for s in resolver if "error" in (s.get("tags") or {})]
        retried = [s for s in resolver if has_event(s, "retry")]
        trace_id = spans[0]["traceId"]
        if failed:
            return Verdict(
                True,
                "found the flaky write: a feedback write failed, and the trace says why",
                [
                    f"trace {trace_id}: 'resolve mutation.submitfeedback' error: {failed[0]['tags']['error'][:160]}",
                    "  next: restart with --fix-flaky-write (JOURNEY_FIX_FLAKY_WRITE=true): the write is retried, "
                    "and the trace shows a 'retry' event instead of an error",
                ],
                [api.viewer_url(trace_id)],
            )
        if retried:
            return Verdict(
                True,
                "found the flaky write, already fixed: a failed first attempt was retried",
                [f"trace {trace_id}: 'resolve mutation.submitfeedback' has a 'retry' event and no error"],
                [api.viewer_url(trace_id)],
            )
    return Verdict(False, f"none of your {len(traces)} feedback traces failed yet", [todo])


def your_journey(api: ZipkinClient, scope: Scope) -> Verdict:
    shape = [
        Expect(
            "frontend",
            "plan my day",
            None,
            root=True,
            tags=((SESSION, ANY),),
            hint="the journey span ends when you finish the guided flow or leave it; until then it is not sent",
        ),
        Expect(
            "frontend",
            "pick audience",
            None,
            parent=("frontend", "plan my day"),
            hint="while a journey is open, UserActions.run makes each action its child",
        ),
        Expect("frontend", "post", "CLIENT", parent=("frontend", "pick audience")),
        Expect(
            "backend", "post /graphql", "SERVER", parent=("frontend", "post"), tags=((SESSION, ANY),), hint=NO_CONTEXT
        ),
    ]
    todo = "press 'Plan my day' in the app, go through its steps, and finish it"
    verdict, spans = check_shape(
        api,
        scope,
        ("frontend", "pick audience"),
        shape,
        "your journey is one trace, every step under it",
        todo,
        "'Plan my day' journey",
    )
    if not verdict.passed:
        return verdict
    sessions = {(s.get("tags") or {}).get(SESSION) for s in spans}
    if len(sessions) != 1 or None in sessions:
        verdict.passed = False
        verdict.headline = "the journey is one trace, but not every span carries the same session.id"
        verdict.details.append("the backend reads session.id from the W3C baggage header (common/session.py)")
        return verdict
    session = sessions.pop()
    traces = api.traces("frontend", None, f"{SESSION}={session}", scope.lookback_ms, 100)
    verdict.details.append(
        f"session {session}: {len(traces)} traces in the last {_minutes(scope)}, one journey in the viewer"
    )
    verdict.links.append(f"{api.root}/zipkin/journeys/{session}")
    return verdict


def sampling(api: ZipkinClient, scope: Scope, settle_s: float = 3.0) -> Verdict:
    todo = "click around the app for a minute, then check again"
    now_us = time.time() * 1_000_000

    def settled_(traces: list[list[dict]]) -> list[list[dict]]:  # spans still on their way are not missing
        return [
            t
            for t in traces
            if max(s.get("timestamp", 0) + s.get("duration", 0) for s in t) < now_us - settle_s * 1_000_000
        ]

    settled = settled_(candidates(api, scope, "frontend", "post", limit=100))
    if not settled:
        return _none_found(f"trace older than {settle_s:g} s with a call to the backend", scope, todo)
    broken = []
    for spans in settled:
        servers = {s.get("parentId") for s in find(spans, "backend", "post /graphql")}
        calls = [s for s in find(spans, "frontend", "post") if s.get("kind") == "CLIENT"]
        if any(call["id"] not in servers for call in calls):
            broken.append(spans[0]["traceId"])
    orphans = [
        t[0]["traceId"]
        for t in settled_(candidates(api, scope, "backend", "post /graphql", limit=100))
        if not find(t, "frontend", "post") and any("parentId" in s for s in find(t, "backend", "post /graphql"))
    ]
    details = [
        f"{len(settled)} traces of yours with calls to the backend, {len(broken)} missing the backend's part; "
        f"{len(orphans)} backend requests whose browser side was not kept"
    ]
    if broken or orphans:
        example = (broken or orphans)[0]
        details += [
            f"e.g. trace {example}: the browser and the backend decided differently whether to keep it",
            "  hint: the decision is made once, at the root, and travels in traceparent's flags; the backend must "
            "follow it: OTEL_TRACES_SAMPLER=parentbased_traceidratio (or parentbased_always_on), not traceidratio",
        ]
        return Verdict(
            False,
            "some traces are broken: part of a request was sampled, part was not",
            details,
            [api.viewer_url(example)],
        )
    return Verdict(True, "every kept trace is whole: the backend follows the browser's sampling decision", details)


def real_zipkin(api: ZipkinClient, scope: Scope) -> Verdict:
    services = api.services()
    missing = [name for name in ("frontend", "backend") if name not in services]
    if missing:
        return Verdict(
            False,
            f"{api.root} has no spans from {' and '.join(missing)} yet",
            [
                f"services it knows: {', '.join(services) or 'none'}",
                (
                    "the backend exports to OTEL_EXPORTER_ZIPKIN_ENDPOINT and the browser to "
                    "JOURNEY_BROWSER_ZIPKIN_ENDPOINT (served in /config.json); in Compose the first is "
                    "http://zipkin:9411/..., the second http://localhost:9411/..."
                ),
                SEARCH_TODO,
            ],
        )
    links = {(d.get("parent"), d.get("child")) for d in api.dependencies(scope.lookback_ms)}
    verdict = click_to_database(api, scope)
    if not verdict.passed:
        return verdict
    if ("frontend", "backend") not in links:
        verdict.passed = False
        verdict.headline = "the traces are whole, but the dependency graph has no frontend → backend link yet"
        verdict.details.append("Zipkin on Elasticsearch needs its dependencies job (the 'scale' profile runs it)")
        return verdict
    verdict.headline = f"{api.root} has your whole traces and the frontend → backend link"
    verdict.details.append("dependency links: " + ", ".join(f"{p} → {c}" for p, c in sorted(links)))
    return verdict


CHECKPOINTS = [
    Checkpoint(1, "find-your-click", "Run it and find your click", find_your_click),
    Checkpoint(2, "click-to-database", "Follow the context from click to database", click_to_database),
    Checkpoint(3, "frontend-span", "Add a span and an attribute in the frontend", frontend_span),
    Checkpoint(4, "backend-span", "Add a span and an attribute in the backend", backend_span),
    Checkpoint(5, "n-plus-one", "Find and fix the N+1", n_plus_one),
    Checkpoint(6, "slow-dependency", "Find the slow dependency", slow_dependency),
    Checkpoint(7, "flaky-write", "Find the flaky write", flaky_write),
    Checkpoint(8, "your-journey", "Your journey: sessions and baggage", your_journey),
    Checkpoint(9, "sampling", "Sampling: keep whole traces or none", sampling),
    Checkpoint(10, "real-zipkin", "Moving to the real Zipkin or an OpenTelemetry Collector", real_zipkin),
]


def checkpoint(name: str) -> Checkpoint | None:
    """A checkpoint by number ('5', '05') or slug ('n-plus-one')."""
    for point in CHECKPOINTS:
        if name.lstrip("0") == str(point.number) or name.lower() == point.slug:
            return point
    return None


def shape_checkpoint(shape: ShapeFile) -> Checkpoint:
    """A team's own shape file as a checkpoint: the newest trace `find` selects must have every span."""

    def run(api: ZipkinClient, scope: Scope) -> Verdict:
        find_ = (shape.find["service"], shape.find.get("span"))
        what = f"trace with {find_[1] or 'a span'} from {find_[0]}"
        verdict, _ = check_shape(
            api,
            scope,
            find_,
            shape.spans,
            f"the newest {what} has the shape '{shape.name}'",
            "make the trace first (run the tests or the flow that makes it)",
            what,
        )
        return verdict

    return Checkpoint(0, shape.name, f"shape file {shape.name}", run)
