"""The trace page's waterfall as the data its template writes out: each row's figures, its event marks,
which rows open folded, and every row's details (collector.span_details) as one JSON list.

Why data rather than template logic: a 1,000-span trace has to be on screen within 0.5 s
(bench/viewer_bench.py). Rendering the template was three quarters of the page's server time, most of
it calls from Jinja for every row (filters, a bar() helper, colour lookups) and details pre-rendered in
every row, which were also two thirds of the page's nodes, hidden until opened. So each row's figures
are worked out here once, and its details travel as one JSON list that viewer.js turns into elements
when the row is first opened.
"""

from __future__ import annotations

from dataclasses import dataclass

from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from .readable import count, duration
from .span_details import span_facts
from .span_events import SpanEvent, exception_facts, exception_headline, span_events
from .trace_model import Row, Span, palette_index, service_of

# A trace longer than this opens with each user action's subtree folded (the guided journey is ~70 rows);
# a shorter one opens whole. The actions are the browser's spans tagged ui.action (frontend/src/conventions.js).
LONG_TRACE_ROWS = 40
UI_ACTION = "ui.action"


@dataclass(slots=True)  # not frozen: a frozen dataclass sets each field through object.__setattr__, 1,000 times
class DrawnRow:
    """One row as the template writes it (attributes, not dict keys: Jinja reads them without a failed lookup).
    What is the same markup on many rows (its classes, its fold button, its event marks) comes ready made: at
    1,000 rows every expression the template evaluates shows in the page's time."""

    index: int
    depth: int
    span_id: str
    classes: str  # row, and error, folded (opens folded), marked (has events)
    hidden: bool  # opens inside a folded subtree
    error: bool
    ends: list[tuple[str, str | None, str]]  # (service, span name, colour class) per end, see Row.ends
    kind: str  # the span's kind, "" for a local span or a merged call
    style: str  # the row's custom properties: --depth, and each bar's offset and length in % of the trace
    colour: str
    server_colour: str  # "" when no server half is merged in
    duration: str
    fold: Markup  # the fold button of a row with rows under it, else ""
    marks: Markup  # a mark on the bar per event, else ""


@dataclass(frozen=True, slots=True)
class Waterfall:
    """What the waterfall template writes: its rows, their details as JSON, and how many rows open folded."""

    rows: list[DrawnRow]
    details: Markup
    folded: int


def subtree_sizes(rows: list[Row]) -> list[int]:
    """Per row, how many rows follow it in its subtree (rows are in depth-first order)."""
    sizes, open_rows = [0] * len(rows), []
    for index, row in enumerate(rows):
        while open_rows and rows[open_rows[-1]].depth >= row.depth:
            ended = open_rows.pop()
            sizes[ended] = index - ended - 1
        open_rows.append(index)
    for ended in open_rows:
        sizes[ended] = len(rows) - ended - 1
    return sizes


def _troubled(row: Row, events: dict[int, list[SpanEvent]]) -> bool:
    """Whether the row failed or has an exception event: such a row is never folded out of sight."""
    return row.error or any(event.is_exception for part in (row.span, row.server) if part for event in events[id(part)])


def folded_rows(rows: list[Row], sizes: list[int], events: dict[int, list[SpanEvent]]) -> set[int]:
    """The rows that open folded: in a long trace, each user action under the root, unless something
    in its subtree failed (that stays in sight)."""
    if len(rows) <= LONG_TRACE_ROWS:
        return set()
    return {
        row.index
        for row in rows
        if row.depth > 0
        and sizes[row.index]
        and UI_ACTION in row.span.get("tags", {})
        and not any(_troubled(r, events) for r in rows[row.index : row.index + 1 + sizes[row.index]])
    }


def _fold_button(below: int, folded: bool) -> Markup:
    if not below:
        return Markup("")
    label = f"{count(below, 'row')} below"  # no type="button": no form to submit, and its bytes count 1,000 times
    return Markup(f'<button class="fold" aria-expanded="{str(not folded).lower()}" aria-label="{label}"></button>')


def _marks(parts: list[Span], events: dict[int, list[SpanEvent]], begin: int, total: int) -> Markup:
    """Each event of the row's spans as a mark on its bar at its time; an exception's says what was raised."""
    marks = []
    for part in parts:
        for event in events[id(part)]:
            title = f"{event.name} at +{duration(event.timestamp - begin)}"
            facts = exception_facts(part, events[id(part)]) if event.is_exception else None
            if facts:
                title += ": " + exception_headline(facts)
            marks.append(
                Markup('<i class="event{}" style="left: {:.2f}%" title="{}"></i>').format(
                    " exception" if event.is_exception else "", 100 * (event.timestamp - begin) / total, title
                )
            )
    return Markup("").join(marks)


def draw_rows(rows: list[Row], begin: int, total: int, services: list[str], now: int) -> Waterfall:
    """What the template writes for each row (its ends coloured by service, its bars, its event marks, its
    duration, whether it opens folded), and every row's details as JSON safe inside <script>."""

    def colour(service: str) -> str:
        return f"c{palette_index(service, services)}"

    def bar(span: Span, prefix: str) -> str:
        offset = 100 * (span.get("timestamp", begin) - begin) / total
        width = max(100 * span.get("duration", 0) / total, 0.2)
        return f"; --{prefix}at: {offset:.2f}%; --{prefix}len: {width:.2f}%"

    events = {id(part): span_events(part) for row in rows for part in (row.span, row.server) if part}
    sizes = subtree_sizes(rows)
    folded = folded_rows(rows, sizes, events)
    drawn, hidden_until = [], -1
    for row in rows:
        parts = [part for part in (row.span, row.server) if part]
        folds, error = row.index in folded, row.error
        marked = bool(events[id(row.span)] or (row.server and events[id(row.server)]))
        drawn.append(
            DrawnRow(
                index=row.index,
                depth=row.depth,
                span_id=row.span["id"],
                classes="row" + " error" * error + " folded" * folds + " marked" * marked,
                hidden=row.index <= hidden_until,
                error=error,
                ends=[(service, name, colour(service)) for service, name in row.ends],
                kind="" if row.server else row.span.get("kind", ""),  # a merged call reads "client → server" already
                style=f"--depth: {row.depth}" + bar(row.span, "") + (bar(row.server, "server-") if row.server else ""),
                colour=colour(service_of(row.span)),
                server_colour=colour(service_of(row.server)) if row.server else "",
                duration=duration(row.span.get("duration")),
                fold=_fold_button(sizes[row.index], folds),
                marks=_marks(parts, events, begin, total) if marked else Markup(""),
            )
        )
        if folds and row.index > hidden_until:
            hidden_until = row.index + sizes[row.index]
    details = [
        [span_facts(part, events[id(part)], begin, now) for part in (row.span, row.server) if part] for row in rows
    ]
    return Waterfall(drawn, htmlsafe_json_dumps(details, separators=(",", ":")), len(folded))
