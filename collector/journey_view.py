"""The journey pages: the sessions with traces still stored (`/zipkin/journeys`), and one session's
journey (`/zipkin/journeys/<session>`), every trace of it in time order with the pauses between them.

A journey is read top to bottom as a story (oldest first, with a link to jump to the latest), or
newest first (`?order=newest`) to see what just happened. What the page shows of the session as a
whole (its facts above the steps) comes from `journey_facts`, the place to add more; what the user
felt (page views with their web vitals, errors with their action, the sessions before and after)
from collector.journey_felt. Every read is the store's trace search (the Zipkin API's annotationQuery).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, current_app, render_template, request

from common.conventions import SESSION_ID_PATTERN

from . import journey_felt
from .query import parse_trace_query
from .store import now_micros
from .trace_model import summarize

JOURNEY_LOOKBACK_MS = 7 * 24 * 3_600_000
AHEAD_MS = 24 * 3_600_000  # a browser's clock may run ahead of the collector's (a test moves the page's)
JOURNEY_LIMIT = 500
SESSIONS_SHOWN = 200
FILTER_LIMIT = 2000  # traces read to find the sessions a filter keeps
ORDERS = ("oldest", "newest")
# the sessions list's filters: ?with=<name> keeps the sessions with a trace the annotationQuery finds
FILTERS = {
    "poor-vital": ("browser.web_vital.rating=poor", "with a poor web vital"),
    "error": ("error", "with an error"),
}


def tagged_traces(annotation_query: str, limit: int = JOURNEY_LIMIT) -> list[list[dict[str, Any]]]:
    """The stored traces `annotation_query` finds (the /api/v2/traces search) in the journey window."""
    query = parse_trace_query(
        {
            "annotationQuery": annotation_query,
            "limit": str(limit),
            "lookback": str(JOURNEY_LOOKBACK_MS + AHEAD_MS),
            "endTs": str(now_micros() // 1000 + AHEAD_MS),
        },
        current_app.config["JOURNEY"]["query_lookback"],
    )
    return [json.loads(text) for text in current_app.extensions["span_store"].find_traces_json(query)]


def journey_steps(traces: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The session's traces as steps, oldest first, each with the pause since the one before ended (`gap`)."""
    steps = sorted((summarize(spans) for spans in traces), key=lambda step: step["start"] or 0)
    previous_end = None
    for step in steps:
        step["gap"] = None if previous_end is None or step["start"] is None else max(step["start"] - previous_end, 0)
        if step["start"] is not None:
            previous_end = max(previous_end or 0, step["start"] + (step["duration"] or 0))
    return steps


def journey_facts(steps: list[dict[str, Any]], felt: dict[str, Any]) -> dict[str, Any]:
    """The session as a whole: how many actions, when the first and the latest began, how many failed,
    how many page views and poor web vitals it had, how many errors the user met."""
    started = [step["start"] for step in steps if step["start"] is not None]
    return {
        "actions": len(steps),
        "first": min(started, default=None),
        "latest": max(started, default=None),
        "errors": sum(step["error"] for step in steps),
        "page_views": len(felt["page_views"]),
        "poor_vitals": sum(view["poor"] for view in felt["page_views"]),
        "user_errors": len(felt["errors"]),
    }


def journey_page(session_id: str):
    """GET /zipkin/journeys/<session>: every trace of one browser session, in time order, gaps shown."""
    if not SESSION_ID_PATTERN.fullmatch(session_id):
        return render_template("message.html", message="A session id is letters, digits and . _ : -"), 400
    order = request.args.get("order", "oldest")
    if order not in ORDERS:
        return render_template("message.html", message=f"order: {order!r} is not one of {', '.join(ORDERS)}"), 400
    traces = tagged_traces(f"session.id={session_id}")
    steps = journey_steps(traces)
    felt = journey_felt.felt(traces)
    return render_template(
        "journey.html",
        session_id=session_id,
        steps=steps if order == "oldest" else steps[::-1],
        newest_first=order == "newest",
        facts=journey_facts(steps, felt),
        felt=felt,
        previous_id=journey_felt.previous_session(traces),
        next_id=journey_felt.next_session(tagged_traces(f"session.previous_id={session_id}", 10), session_id),
        latest_id=steps[-1]["trace_id"] if steps else None,
    )


def journeys_page():
    """GET /zipkin/journeys: the sessions with traces still stored, most recently active first;
    `?with=poor-vital` or `?with=error` keeps those with a poor web vital or an error."""
    chosen = request.args.get("with", "")
    if chosen and chosen not in FILTERS:
        return render_template("message.html", message=f"with: {chosen!r} is not one of {', '.join(FILTERS)}"), 400
    kept = journey_felt.sessions_of(tagged_traces(FILTERS[chosen][0], FILTER_LIMIT)) if chosen else None
    recent = current_app.extensions["span_store"].recent_tag_values(
        "session.id", SESSIONS_SHOWN if kept is None else 10**6
    )
    sessions = [
        {"id": value, "last": ts, "traces": count} for value, ts, count in recent if kept is None or value in kept
    ][:SESSIONS_SHOWN]
    return render_template("journeys.html", sessions=sessions, filters=FILTERS, chosen=chosen)


def init_app(app: Flask) -> None:
    """Mount the journey pages under /zipkin/journeys."""
    app.add_url_rule("/zipkin/journeys", "journeys_page", journeys_page)
    app.add_url_rule("/zipkin/journeys/<session_id>", "journey_page", journey_page)
