"""What the user felt, read from one session's traces: the page views with their web vitals, the
errors with the action they happened during, and the sessions before and after it.

The browser records these as spans (Zipkin has no logs or metrics; docs/instrumentation.md):
`web vital <NAME>` under the page view's `documentLoad` span (frontend/src/vitals.js), `uncaught
error` and `unhandled rejection` under the action running then (errors.js), a failed action as its
own span marked `error`, and `session.start` naming the session before (session-events.js).
"""

from __future__ import annotations

import re
from typing import Any

from common.conventions import SESSION_ID_PATTERN
from common.felt import ACTION, UNCAUGHT, VITAL_PREFIX, met_by_user, span_tags, vital_name

Span = dict[str, Any]

VITALS = ("TTFB", "FCP", "LCP", "CLS", "INP")  # in the order a page view reports them
RATINGS = ("good", "needs-improvement", "poor")  # the web-vitals library's
PAGE_VIEW = "documentload"  # Zipkin stores span names in lower case
SESSION_START = "session.start"
PREVIOUS_ID = "session.previous_id"
TRACE_ID = re.compile(r"[0-9a-f]{16}|[0-9a-f]{32}")  # what a link to /zipkin/traces/ may carry from a tag


def _name(span: Span) -> str:
    return span.get("name", "").lower()


def vital_text(name: str, value: str | None) -> str:
    """A vital's value as a reader takes it in: CLS a score ("0.012"), the others a time ("1.24 s", "86 ms")."""
    try:
        number = float(value or "")
    except ValueError:
        return "?"
    if name == "CLS":
        return f"{number:.3f}"
    return f"{number / 1000:.2f} s" if number >= 1000 else f"{number:.0f} ms"


def page_view(spans: list[Span]) -> dict[str, Any] | None:
    """The trace's page view and its vitals (the latest report of each, in VITALS order), if it holds one."""
    load = next((s for s in spans if _name(s) == PAGE_VIEW), None)
    vitals: dict[str, dict[str, Any]] = {}
    for span in sorted((s for s in spans if _name(s).startswith(VITAL_PREFIX)), key=lambda s: s.get("timestamp", 0)):
        tags = span_tags(span)
        name = vital_name(span)
        rating = tags.get("browser.web_vital.rating")
        vitals[name] = {
            "name": name,
            "text": vital_text(name, tags.get("browser.web_vital.value")),
            "rating": rating if rating in RATINGS else "unknown",
            "span_id": span["id"],
            "action": tags.get(ACTION),
            "url": tags.get("url.full"),
        }
    if load is None and not vitals:
        return None
    first = load or min((s for s in spans if _name(s).startswith(VITAL_PREFIX)), key=lambda s: s.get("timestamp", 0))
    return {
        "trace_id": first["traceId"],
        "start": first.get("timestamp"),
        "url": span_tags(load or {}).get("url.full") or next((v["url"] for v in vitals.values() if v["url"]), None),
        "vitals": [vitals[name] for name in VITALS if name in vitals],
        "missing": [name for name in VITALS if name not in vitals],
        "poor": sum(vital["rating"] == "poor" for vital in vitals.values()),
    }


def errors(spans: list[Span]) -> list[dict[str, Any]]:
    """The trace's errors as the user met them: uncaught errors and unhandled rejections, and failed actions,
    each with the action it happened during (None: between actions)."""
    found = []
    for span in spans:
        tags = span_tags(span)
        if not met_by_user(span):
            continue
        uncaught = _name(span) in UNCAUGHT
        found.append(
            {
                "trace_id": span["traceId"],
                "span_id": span["id"],
                "start": span.get("timestamp"),
                "kind": _name(span) if uncaught else "failed action",
                "message": tags.get("exception.message") or tags["error"] or "error",
                "action": tags.get(ACTION),
                "action_trace_id": _trace_id(tags.get("ui.action_trace_id")) or span["traceId"],
            }
        )
    return found


def _trace_id(value: Any) -> str | None:
    """A tag's value when it is a trace id, so that a link made of it goes where it says."""
    return value if isinstance(value, str) and TRACE_ID.fullmatch(value) else None


def _session_id(value: Any) -> str | None:
    """A tag's value when it is a session id as the browser makes them (the same rule as the backend's)."""
    return value if isinstance(value, str) and SESSION_ID_PATTERN.fullmatch(value) else None


def previous_session(traces: list[list[Span]]) -> str | None:
    """The session before this one, as this session's `session.start` names it."""
    for spans in traces:
        for span in spans:
            if _name(span) == SESSION_START and (previous := _session_id(span_tags(span).get(PREVIOUS_ID))):
                return previous
    return None


def next_session(traces: list[list[Span]], session_id: str) -> str | None:
    """Among `traces` (found by session.previous_id), the session whose `session.start` names `session_id`."""
    for spans in traces:
        for span in spans:
            if _name(span) == SESSION_START and span_tags(span).get(PREVIOUS_ID) == session_id:
                return _session_id(span_tags(span).get("session.id"))
    return None


def felt(traces: list[list[Span]]) -> dict[str, Any]:
    """The session's page views and errors, each in time order."""
    views = [view for spans in traces if (view := page_view(spans))]
    found = [error for spans in traces for error in errors(spans)]
    return {
        "page_views": sorted(views, key=lambda view: view["start"] or 0),
        "errors": sorted(found, key=lambda error: error["start"] or 0),
    }


def sessions_of(traces: list[list[Span]]) -> set[str]:
    """The session ids the traces' spans carry."""
    return {tags["session.id"] for spans in traces for span in spans if "session.id" in (tags := span_tags(span))}
