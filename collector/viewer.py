"""The trace viewer: server-rendered pages over the same store the API reads."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, current_app, redirect, render_template, request

from .query import BadQuery, parse_trace_id, parse_trace_query


def _rows(spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Spans in tree order with their depth and offset/width (percent of the trace) for the waterfall."""
    by_id = {span["id"]: span for span in spans}
    children: dict[str | None, list[dict]] = {}
    for span in spans:
        parent = span.get("parentId") if span.get("parentId") in by_id else None
        children.setdefault(parent, []).append(span)
    starts = [s["timestamp"] for s in spans if "timestamp" in s]
    ends = [s["timestamp"] + s.get("duration", 0) for s in spans if "timestamp" in s]
    begin, total = (min(starts), max(max(ends) - min(starts), 1)) if starts else (0, 1)
    rows: list[dict[str, Any]] = []

    def walk(parent: str | None, depth: int) -> None:
        for span in sorted(children.get(parent, []), key=lambda s: s.get("timestamp", 0)):
            if any(row["span"] is span for row in rows):
                continue  # a span shared by client and server halves appears once
            rows.append({
                "span": span,
                "depth": depth,
                "offset": 100 * (span.get("timestamp", begin) - begin) / total,
                "width": max(100 * span.get("duration", 0) / total, 0.3),
                "error": "error" in span.get("tags", {}),
            })
            walk(span["id"], depth + 1)

    walk(None, 0)
    return rows


def _summary(spans: list[dict[str, Any]]) -> dict[str, Any]:
    """What the search results show for one trace: its root, start, duration and services."""
    root = next((s for s in spans if "parentId" not in s), spans[0])
    starts = [s["timestamp"] for s in spans if "timestamp" in s]
    ends = [s["timestamp"] + s.get("duration", 0) for s in spans if "timestamp" in s]
    return {
        "trace_id": spans[0]["traceId"],
        "root": root,
        "start": min(starts) if starts else None,
        "duration": (max(ends) - min(starts)) if starts else None,
        "span_count": len(spans),
        "services": sorted({s.get("localEndpoint", {}).get("serviceName", "?") for s in spans}),
        "error": any("error" in s.get("tags", {}) for s in spans),
    }


def search_page():
    """GET /zipkin/: recent traces, filtered by the API's own query parameters."""
    store = current_app.extensions["span_store"]
    error, results = None, []
    try:
        query = parse_trace_query(request.args, current_app.config["JOURNEY"]["query_lookback"])
        results = [_summary(json.loads(text)) for text in store.find_traces_json(query)]
    except BadQuery as bad:
        error = str(bad)
    return render_template(
        "search.html", results=results, error=error, args=request.args, services=store.service_names()
    ), (400 if error else 200)


def trace_page(trace_id: str):
    """GET /zipkin/traces/<id>: one trace as a waterfall."""
    try:
        normalized = parse_trace_id(trace_id)
    except BadQuery as bad:
        return render_template("message.html", message=str(bad)), 400
    text = current_app.extensions["span_store"].get_trace_json(
        normalized, strict=current_app.config["JOURNEY"]["strict_trace_id"]
    )
    if text is None:
        return render_template("message.html", message=f"Trace {trace_id} not found"), 404
    spans = json.loads(text)
    return render_template("trace.html", summary=_summary(spans), rows=_rows(spans))


JOURNEY_LOOKBACK_MS = 7 * 24 * 3_600_000
SESSION_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def journey_page(session_id: str):
    """GET /zipkin/journeys/<session>: every trace of one browser session, in time order, gaps shown."""
    if not SESSION_ID.fullmatch(session_id):
        return render_template("message.html", message="A session id is letters, digits and . _ : -"), 400
    store = current_app.extensions["span_store"]
    query = parse_trace_query(
        {"annotationQuery": f"session.id={session_id}", "limit": "500", "lookback": str(JOURNEY_LOOKBACK_MS)},
        current_app.config["JOURNEY"]["query_lookback"],
    )
    steps = sorted((_summary(json.loads(text)) for text in store.find_traces_json(query)),
                   key=lambda step: step["start"] or 0)
    previous_end = None
    for step in steps:
        step["gap"] = None if previous_end is None or step["start"] is None else max(step["start"] - previous_end, 0)
        if step["start"] is not None:
            previous_end = max(previous_end or 0, step["start"] + (step["duration"] or 0))
    return render_template("journey.html", session_id=session_id, steps=steps)


def journeys_page():
    """GET /zipkin/journeys: the sessions seen, to pick one."""
    sessions = current_app.extensions["span_store"].tag_values("session.id")
    return render_template("journeys.html", sessions=sessions)


def init_app(app: Flask) -> None:
    """Mount the viewer at /zipkin/ (and redirect / there)."""
    app.add_url_rule("/", "root", lambda: redirect("/zipkin/"))
    app.add_url_rule("/zipkin/", "search_page", search_page)
    app.add_url_rule("/zipkin/traces/<trace_id>", "trace_page", trace_page)
    app.add_url_rule("/zipkin/journeys", "journeys_page", journeys_page)
    app.add_url_rule("/zipkin/journeys/<session_id>", "journey_page", journey_page)

    @app.template_filter("millis")
    def millis(micros: int | None) -> str:
        return "" if micros is None else f"{micros / 1000:.3f} ms"

    @app.template_filter("clock")
    def clock(micros: int | None) -> str:
        import datetime

        if micros is None:
            return ""
        moment = datetime.datetime.fromtimestamp(micros / 1e6, tz=datetime.timezone.utc)
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + " UTC"

