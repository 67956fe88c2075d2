"""The trace viewer: server-rendered pages over the same store the API reads, nothing from a CDN.

Search (`/zipkin/`, the API's own query parameters, so a link reproduces a search), one trace as a
waterfall (`/zipkin/traces/<id>`, which waits a few seconds for a trace not there yet), the service
graph (`/zipkin/dependency`), and a trace file opened without storing it (`/zipkin/upload`); the
journey pages are collector.journey_view's.
"""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

from flask import Flask, current_app, redirect, render_template, request, url_for

from common.zipkin_model import service_name

from . import journey_view
from .dependencies import link_dependencies
from .ingest import SpanDecodeError, decode_span_list
from .query import BadQuery, parse_dependency_window, parse_trace_id, parse_trace_query
from .readable import clock, count, duration, iso, moment
from .store import now_micros
from .trace_model import PALETTE, build_rows, missing_parents, service_colour, summarize
from .waterfall import draw_rows

# "Open trace" is often clicked before the spans have arrived (each side sends every 500 ms in the
# demo, the browser only once its action has ended): the trace page looks again every second for this
# many seconds, for a trace not there at all or one that ended lately with parents still missing.
WAIT_FOR_TRACE_S = 10
LATELY_US = 30_000_000
LOOKBACKS = [
    ("5m", 300_000),
    ("15m", 900_000),
    ("1h", 3_600_000),
    ("6h", 21_600_000),
    ("1d", 86_400_000),
    ("2d", 172_800_000),
    ("7d", 604_800_000),
]
DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(us|µs|ms|s)?\s*$")
UNIT_MICROS = {"us": 1, "µs": 1, "ms": 1000, "s": 1_000_000, None: 1}
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def parse_duration(text: str, field: str) -> str:
    """`100ms`, `1.5s`, `250us` or plain microseconds → microseconds as the API's text."""
    found = DURATION.match(text)
    if not found:
        raise BadQuery(f"{field}: {text!r} is not a duration like 100ms, 1.5s or 250us")
    return str(round(float(found.group(1)) * UNIT_MICROS[found.group(2)]))


def _epoch_millis(text: str, field: str) -> int:
    """A `datetime-local` value (UTC) as epoch milliseconds."""
    try:
        moment = datetime.datetime.fromisoformat(text).replace(tzinfo=datetime.UTC)
    except ValueError:
        raise BadQuery(f"{field}: {text!r} is not a date and time like 2020-08-18T13:00") from None
    return int(moment.timestamp() * 1000)


def _api_args() -> dict[str, str]:
    """The search form's fields as the API's parameters: durations written as 100ms become
    microseconds, and a custom range (from, to) becomes endTs and lookback."""
    args = {k: v for k, v in request.args.items() if v.strip()}
    for field in ("minDuration", "maxDuration"):
        if field in args:
            args[field] = parse_duration(args[field], field)
    if "from" in args or "to" in args:
        end = _epoch_millis(args.pop("to"), "to") if "to" in args else now_micros() // 1000
        start = _epoch_millis(args.pop("from"), "from") if "from" in args else end - 3_600_000
        if start >= end:
            raise BadQuery("from must be before to")
        args["endTs"], args["lookback"] = str(end), str(end - start)
    return args


def _store():
    return current_app.extensions["span_store"]


def _settings() -> dict[str, Any]:
    return current_app.config["JOURNEY"]


def search_page():
    """GET /zipkin/: traces matching the API's query parameters, newest first."""
    store, error, results = _store(), None, []
    try:
        query = parse_trace_query(_api_args(), _settings()["query_lookback"])
        results = [summarize(json.loads(text)) for text in store.find_traces_json(query)]
    except BadQuery as bad:
        error = str(bad)
    service = (request.args.get("serviceName") or "").strip().lower()
    longest = max((r["duration"] or 0 for r in results), default=0) or 1
    return render_template(
        "search.html",
        results=results,
        error=error,
        args=request.args,
        longest=longest,
        services=store.service_names(),
        lookbacks=LOOKBACKS,
        span_names=store.span_names(service) if service else [],
        remote_services=store.remote_service_names(service) if service else [],
        autocomplete_keys=_settings()["autocomplete_keys"],
    ), (400 if error else 200)


def _trace_view(spans: list[dict], source: str, next_look: str | None = None):
    """The trace page (or the journey's inline fragment); `next_look`: the address to look again at, in a
    second, for the spans still missing."""
    rows = build_rows(spans)
    summary = summarize(spans, rows)
    begin = summary["start"] or 0
    total = max(summary["duration"] or 0, 1)
    waterfall = draw_rows(rows, begin, total, summary["services"], now_micros())
    template = "waterfall.html" if request.args.get("fragment") else "trace.html"  # the journey page inlines it
    return render_template(
        template,
        summary=summary,
        rows=waterfall.rows,
        details=waterfall.details,
        folded=waterfall.folded,
        missing=missing_parents(spans),
        next_look=next_look,
        waited=_waited(),
        limit=WAIT_FOR_TRACE_S,
        source=source,
        colour=lambda name: service_colour(name, summary["services"]),
        ticks=[total * i // 4 for i in range(5)],
    )


def _waited() -> int:
    """Seconds the trace page has waited so far, from its `waited` parameter (0 when absent or not a count)."""
    text = request.args.get("waited", "")
    return min(int(text), WAIT_FOR_TRACE_S) if text.isdigit() else 0


def trace_page(trace_id: str):
    """GET /zipkin/traces/<id>: one trace as a waterfall. One not stored yet, or one that ended lately with
    spans whose parents are not here yet, is looked at again every second, the page saying so, until
    WAIT_FOR_TRACE_S have passed; then it says what may be wrong."""
    try:
        normalized = parse_trace_id(trace_id)
    except BadQuery as bad:
        return render_template("message.html", message=str(bad)), 400
    text = _store().get_trace_json(normalized, strict=_settings()["strict_trace_id"])
    waited = _waited()
    if text is None:
        fragment = bool(request.args.get("fragment"))
        page = "trace_missing.html" if fragment or waited >= WAIT_FOR_TRACE_S else "trace_waiting.html"
        return render_template(
            page,
            trace_id=trace_id,
            waited=waited,
            limit=WAIT_FOR_TRACE_S,
            again=url_for("trace_page", trace_id=trace_id),
            next_look=url_for("trace_page", trace_id=trace_id, waited=waited + 1),
        ), 404
    spans, source = json.loads(text), f"/api/v2/trace/{normalized}"
    if missing_parents(spans) and not request.args.get("fragment"):
        ended = max((span.get("timestamp", 0) + span.get("duration", 0) for span in spans), default=0)
        if waited < WAIT_FOR_TRACE_S and ended > now_micros() - LATELY_US:
            return _trace_view(spans, source, next_look=url_for("trace_page", trace_id=trace_id, waited=waited + 1))
        return _trace_view(spans, source)  # what arrived, and what is missing said
    if "waited" in request.args:  # it arrived whole while the page waited: the page's address without the count
        return redirect(url_for("trace_page", trace_id=trace_id, **request.args.to_dict() | {"waited": None}))
    return _trace_view(spans, source)


def upload_page():
    """GET: a form to open a Zipkin v2 JSON file; POST: show the file's trace without storing it."""
    if request.method == "GET":
        return render_template("upload.html", error=None)
    file = request.files.get("trace")
    body = file.read(MAX_UPLOAD_BYTES + 1) if file else b""
    try:
        if len(body) > MAX_UPLOAD_BYTES:
            raise SpanDecodeError(f"The file is larger than {MAX_UPLOAD_BYTES} bytes")
        spans = decode_span_list(body)
        if not spans:
            raise SpanDecodeError("The file holds no spans")
    except SpanDecodeError as error:
        return render_template("upload.html", error=str(error)), 400
    return _trace_view(spans, source="")


def dependency_page():
    """GET /zipkin/dependency: the service graph between endTs - lookback and endTs (or `end`, the form's UTC
    date and time)."""
    args = {
        "endTs": request.args.get("endTs") or str(now_micros() // 1000),
        "lookback": request.args.get("lookback") or str(_settings()["query_lookback"]),
    }
    try:
        if request.args.get("end", "").strip():
            args["endTs"] = str(_epoch_millis(request.args["end"], "end"))
        end_ts, lookback = parse_dependency_window(args, _settings()["query_lookback"])
    except BadQuery as bad:
        return render_template("message.html", message=str(bad)), 400
    links = sorted(
        link_dependencies(_store().traces_in_window(end_ts, lookback)), key=lambda link: (link["parent"], link["child"])
    )
    services = sorted({link["parent"] for link in links} | {link["child"] for link in links})
    return render_template(
        "dependency.html",
        links=links,
        services=services,
        args=args,
        window=(end_ts - lookback, end_ts),
        end_field=iso(end_ts)[:19] if request.args.get("endTs") or request.args.get("end") else "",
        lookbacks=LOOKBACKS,
        colour=lambda name: service_colour(name, services),
    )


def init_app(app: Flask) -> None:
    """Mount the viewer at /zipkin/ (and redirect / there)."""
    app.add_url_rule("/", "root", lambda: redirect("/zipkin/"))
    app.add_url_rule("/zipkin/", "search_page", search_page)
    app.add_url_rule("/zipkin/traces/<trace_id>", "trace_page", trace_page)
    app.add_url_rule("/zipkin/dependency", "dependency_page", dependency_page)
    app.add_url_rule("/zipkin/upload", "upload_page", upload_page, methods=["GET", "POST"])
    journey_view.init_app(app)
    app.jinja_env.globals["service_name"] = service_name
    app.jinja_env.globals["palette"] = PALETTE
    app.context_processor(lambda: {"now": now_micros()})  # one "now" per page, for "2 min ago"
    for readable in (duration, clock, moment, count):
        app.add_template_filter(readable)
