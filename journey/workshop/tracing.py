"""Chapters 1–4: one trace from a click to the database, and the spans an attendee adds to it.

The search is the thread through these chapters: its spine (the browser's action and the call it
makes) is the start of every shape here, and of the later chapters' that build on it.
"""

from __future__ import annotations

from ..shapes import ANY, Expect
from ..zipkin_client import ZipkinClient
from .engine import SESSION, Scope, Verdict, check_shape

NO_CONTEXT = (
    "the browser sends traceparent only to the origins listed in /config.json (traceHeaderOrigins), and the "
    "backend must allow that header (CORS); see docs/instrumentation.md, 'Trace headers not sent'"
)
SEARCH_TODO = "open the app (http://localhost:8000/), type 'kubernetes' in Search and press Search"


def search_spine() -> list[Expect]:
    """The search's start: the browser's root action and the GraphQL call it makes."""
    return [
        Expect(
            "frontend",
            "search talks",
            None,
            root=True,
            tags=((SESSION, ANY),),
            hint="the action span must be the root of its trace: frontend/src/user-actions.js, UserActions.run",
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
    """Chapter 1: the attendee's search is a trace, rooted at the browser's action."""
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
    """Chapter 2: one trace from the click to the database, every span with one session.id."""
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
            hint="database spans: backend/telemetry.py, traced_connect (opentelemetry-instrumentation-sqlite3)",
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
    """Chapter 3: the attendee's 'render talks' span under the search, with ui.rendered.count."""
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
    """Chapter 4: the attendee's 'detect conflicts' span under the resolver, with its count."""
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
