"""The journey pages: the sessions with traces still stored (`/zipkin/journeys`), and one session's
journey (`/zipkin/journeys/<session>`), every trace of it in time order with the pauses between them.

A journey is read top to bottom as a story (oldest first, with a link to jump to the latest), or
newest first (`?order=newest`) to see what just happened. What the page shows of the session as a
whole (its facts above the steps) comes from `journey_facts`, the place to add more.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, current_app, render_template, request

from common.conventions import SESSION_ID_PATTERN

from .query import parse_trace_query
from .trace_model import summarize

JOURNEY_LOOKBACK_MS = 7 * 24 * 3_600_000
JOURNEY_LIMIT = 500
ORDERS = ("oldest", "newest")


def journey_steps(session_id: str) -> list[dict[str, Any]]:
    """The session's traces as steps, oldest first, each with the pause since the one before ended (`gap`)."""
    query = parse_trace_query(
        {
            "annotationQuery": f"session.id={session_id}",
            "limit": str(JOURNEY_LIMIT),
            "lookback": str(JOURNEY_LOOKBACK_MS),
        },
        current_app.config["JOURNEY"]["query_lookback"],
    )
    store = current_app.extensions["span_store"]
    steps = sorted(
        (summarize(json.loads(text)) for text in store.find_traces_json(query)), key=lambda step: step["start"] or 0
    )
    previous_end = None
    for step in steps:
        step["gap"] = None if previous_end is None or step["start"] is None else max(step["start"] - previous_end, 0)
        if step["start"] is not None:
            previous_end = max(previous_end or 0, step["start"] + (step["duration"] or 0))
    return steps


def journey_facts(steps: list[dict[str, Any]]) -> dict[str, Any]:
    """The session as a whole: how many actions, when the first and the latest began, how many failed."""
    started = [step["start"] for step in steps if step["start"] is not None]
    return {
        "actions": len(steps),
        "first": min(started, default=None),
        "latest": max(started, default=None),
        "errors": sum(step["error"] for step in steps),
    }


def journey_page(session_id: str):
    """GET /zipkin/journeys/<session>: every trace of one browser session, in time order, gaps shown."""
    if not SESSION_ID_PATTERN.fullmatch(session_id):
        return render_template("message.html", message="A session id is letters, digits and . _ : -"), 400
    order = request.args.get("order", "oldest")
    if order not in ORDERS:
        return render_template("message.html", message=f"order: {order!r} is not one of {', '.join(ORDERS)}"), 400
    steps = journey_steps(session_id)
    return render_template(
        "journey.html",
        session_id=session_id,
        steps=steps if order == "oldest" else steps[::-1],
        newest_first=order == "newest",
        facts=journey_facts(steps),
        latest_id=steps[-1]["trace_id"] if steps else None,
    )


def journeys_page():
    """GET /zipkin/journeys: the sessions with traces still stored, most recently active first."""
    sessions = [
        {"id": value, "last": ts, "traces": count}
        for value, ts, count in current_app.extensions["span_store"].recent_tag_values("session.id")
    ]
    return render_template("journeys.html", sessions=sessions)


def init_app(app: Flask) -> None:
    """Mount the journey pages under /zipkin/journeys."""
    app.add_url_rule("/zipkin/journeys", "journeys_page", journeys_page)
    app.add_url_rule("/zipkin/journeys/<session_id>", "journey_page", journey_page)
