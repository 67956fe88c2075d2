"""Chapter 12: what the user felt, in the attendee's own session: a page view with its web vitals,
an INP that names the user action it measured, and an error found next to the action it happened
during. Read from the Zipkin API only (the browser records all three as spans: docs/instrumentation.md),
so it works against the real Zipkin too.
"""

from __future__ import annotations

from dataclasses import replace

from common.felt import ACTION, UNCAUGHT, met_by_user, span_tags, vital_name

from ..zipkin_client import ZipkinClient
from .engine import SESSION, Scope, Verdict, age, candidates, none_found

PAGE_VITALS = ("TTFB", "FCP", "LCP", "CLS")  # a page view's, once it is hidden; INP needs an interaction
VIEW_TODO = "open the app (or reload it), click around, then switch to another tab"
HIDDEN_HINT = "LCP and CLS are sent when the page is hidden: switch to another tab, or reload the app"
INP_HINT = "INP is sent when the page is hidden after a click: open a talk or My schedule, then switch tabs"
ERROR_HINT = "bring the planted failure back (journey fix --undo flaky-write) and send feedback until it fails"


def vital_order(span: dict) -> int:
    """Where the span's vital comes in PAGE_VITALS (others last)."""
    name = vital_name(span)
    return PAGE_VITALS.index(name) if name in PAGE_VITALS else len(PAGE_VITALS)


def vital_words(span: dict) -> str:
    """'LCP 812 ms (good)', 'CLS 0.004 (good)'."""
    tags = span_tags(span)
    name = vital_name(span)
    try:
        value = float(tags.get("browser.web_vital.value", ""))
        shown = f"{value:.3f}" if name == "CLS" else f"{value:.0f} ms"
    except ValueError:
        shown = "?"
    return f"{name} {shown} ({tags.get('browser.web_vital.rating', 'unrated')})"


def missing_vitals(spans: list[dict]) -> list[str]:
    """The page-view vitals the trace has no span of."""
    found = {vital_name(s) for s in spans}
    return [name for name in PAGE_VITALS if name not in found]


def error_words(span: dict) -> str:
    """'failed action open talk: No talk with id '999'', 'uncaught error: ... during search talks'."""
    tags = span_tags(span)
    message = tags.get("exception.message") or tags["error"]
    if span.get("name", "").lower() in UNCAUGHT:
        during = f"during '{tags[ACTION]}'" if ACTION in tags else "between actions"
        return f"{span['name']} ({message}) {during}"
    return f"the action '{tags[ACTION]}' failed ({message})"


def what_the_user_felt(api: ZipkinClient, scope: Scope) -> Verdict:
    """Chapter 12: the session's newest page view has its vitals, an INP names its action, an error was met."""
    views = candidates(api, scope, "frontend", "documentload", 20)
    if not views:
        return none_found("page view (a 'documentLoad' trace from frontend)", scope, VIEW_TODO)
    session = scope.session or next((span_tags(s)[SESSION] for s in views[0] if SESSION in span_tags(s)), None)
    if session is None:
        return Verdict(False, "your newest page view carries no session.id", ["the session span processor adds it"])
    ours = replace(scope, session=session)
    views = [v for v in views if any(span_tags(s).get(SESSION) == session for s in v)]
    complete = next((v for v in views if not missing_vitals(v)), None)
    problems = []
    if complete is None:
        newest = views[0]
        missing = ", ".join(missing_vitals(newest))
        problems += [f"your newest page view ({newest[0]['traceId']}, {age(newest)}) has no {missing} yet"]
        problems += [f"  hint: {HIDDEN_HINT}"]
    inps = [s for t in candidates(api, ours, "frontend", "web vital inp", 20) for s in t if vital_name(s) == "INP"]
    tied = next((s for s in inps if ACTION in span_tags(s)), None)
    if tied is None:
        problems += ["no INP of your session names a user action" if inps else "no INP in your session yet"]
        problems += [f"  hint: {INP_HINT}"]
    met = [s for t in candidates(api, ours, "frontend", None, 20, where="error") for s in t if met_by_user(s)]
    if not met:
        problems += ["no error in your session yet: no failed action, no uncaught error", f"  hint: {ERROR_HINT}"]
    journey = api.journey_url(session)
    if problems:
        return Verdict(False, f"your session {session} does not show yet where it hurt", problems, [journey])
    newest_error = max(met, key=lambda s: s.get("timestamp", 0))
    details = [
        f"page view {complete[0]['traceId']} ({age(complete)}): "
        + ", ".join(vital_words(s) for s in sorted(complete, key=vital_order) if vital_name(s) in PAGE_VITALS),
        f"{vital_words(tied)} on '{span_tags(tied)[ACTION]}'",
        f"error: {error_words(newest_error)}",
    ]
    return Verdict(
        True,
        "your session shows what you felt: a page view's vitals, an INP on its action, an error next to its action",
        details,
        [api.viewer_url(newest_error["traceId"]), journey],
    )
