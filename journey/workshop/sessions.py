"""Chapter 8: a user's journey is one trace, and session.id (W3C baggage) ties it to their other traces."""

from __future__ import annotations

from ..shapes import ANY, Expect
from ..zipkin_client import ZipkinClient
from .engine import SESSION, Scope, Verdict, check_shape, minutes
from .tracing import NO_CONTEXT


def your_journey(api: ZipkinClient, scope: Scope) -> Verdict:
    """Chapter 8: 'Plan my day' is one trace with every step under it, all of one session."""
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
        f"session {session}: {len(traces)} traces in the last {minutes(scope)}, one journey in the viewer"
    )
    verdict.links.append(api.journey_url(session))
    return verdict
