"""The trace page's waterfall as the data its template writes out, and the viewer's units (millis, clock).

Why data rather than template logic: a 1,000-span trace has to be on screen within 0.5 s
(bench/viewer_bench.py). Rendering the template was three quarters of the page's server time, most of
it calls from Jinja for every row (filters, a bar() helper, colour lookups) and details pre-rendered in
every row, which were also two thirds of the page's nodes, hidden until opened. So each row's figures
are worked out here once, and its details travel as one JSON list that viewer.js turns into elements
when the row is first opened.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from .trace_model import Row, Span, palette_index, service_of


def millis(micros: int | None) -> str:
    """A duration in microseconds as the viewer writes it: 250 µs, 12.500 ms, 1.250 s."""
    if micros is None:
        return ""
    if micros < 1000:
        return f"{micros} µs"
    return f"{micros / 1000:.3f} ms" if micros < 1_000_000 else f"{micros / 1e6:.3f} s"


def clock(micros: int | None) -> str:
    """An epoch time in microseconds as a UTC clock time to the millisecond."""
    if micros is None:
        return ""
    moment = datetime.datetime.fromtimestamp(micros / 1e6, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + " UTC"


@dataclass(frozen=True, slots=True)
class DrawnRow:
    """One row as the template writes it (attributes, not dict keys: Jinja reads them without a failed lookup)."""

    index: int
    depth: int
    span_id: str
    error: bool
    ends: list[tuple[str, str | None, str]]  # (service, span name, colour class) per end, see Row.ends
    kind: str  # the span's kind, "" for a local span or a merged call
    style: str  # the row's custom properties: --depth, and each bar's offset and length in % of the trace
    colour: str
    server_colour: str  # "" when no server half is merged in
    duration: str


def draw_rows(rows: list[Row], begin: int, total: int, services: list[str]) -> list[DrawnRow]:
    """What the template writes for each row: its ends coloured by service, its bars, and its duration."""

    def colour(service: str) -> str:
        return f"c{palette_index(service, services)}"

    def bar(span: Span, prefix: str) -> str:
        offset = 100 * (span.get("timestamp", begin) - begin) / total
        width = max(100 * span.get("duration", 0) / total, 0.2)
        return f"; --{prefix}at: {offset:.2f}%; --{prefix}len: {width:.2f}%"

    return [
        DrawnRow(
            index=row.index,
            depth=row.depth,
            span_id=row.span["id"],
            error=row.error,
            ends=[(service, name, colour(service)) for service, name in row.ends],
            kind="" if row.server else row.span.get("kind", ""),  # a merged call reads "client → server" already
            style=f"--depth: {row.depth}" + bar(row.span, "") + (bar(row.server, "server-") if row.server else ""),
            colour=colour(service_of(row.span)),
            server_colour=colour(service_of(row.server)) if row.server else "",
            duration=millis(row.span.get("duration")),
        )
        for row in rows
    ]


def _facts(span: Span, begin: int) -> list[list[str]]:
    """A span's details as [term, value] pairs, or [term, value, "code"] for an identifier."""
    facts = [["service", service_of(span)], ["kind", span.get("kind", "local")], ["span id", span["id"], "code"]]
    if span.get("parentId"):
        facts.append(["parent id", span["parentId"], "code"])
    start = span.get("timestamp")
    facts.append(["start", f"{clock(start)} (+{millis((start or begin) - begin)})"])
    facts.append(["duration", millis(span.get("duration"))])
    facts.extend([key, str(value)] for key, value in span.get("tags", {}).items())
    facts.extend([f"+{millis(a['timestamp'] - begin)}", str(a["value"])] for a in span.get("annotations", []))
    return facts


def details(rows: list[Row], begin: int) -> Markup:
    """Per row, in row order, the facts of its span and of its merged server half, as JSON safe inside <script>."""
    facts = [[_facts(part, begin) for part in (row.span, row.server) if part] for row in rows]
    return htmlsafe_json_dumps(facts, separators=(",", ":"))
