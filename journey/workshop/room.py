"""The facilitator's view of a room (`/zipkin/workshop`): every attendee's browser session a row, every
chapter's checkpoint a column, each cell green or red with the check's one-line reason.

A row is named by the nickname the attendee typed in the app (the `workshop.attendee` tag, carried in
baggage like session.id); a session without one is named by its id. The checks are the ones
`journey check --session <id>` runs, answered from one snapshot of the store per refresh (snapshot.py
says why). The page asks for its table again every REFRESH_S seconds and swaps it in place (without
its script, it reloads); a process (each worker of `journey collector` keeps its own) computes the
table again at most every FRESH_S seconds, in the background (`Room`), however many pages ask.

`journey collector` mounts this blueprint through the collector's `blueprints` parameter (journey.cli):
the checkpoints are the journey package's, and the collector knows nothing of workshops.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from flask import Blueprint, current_app, render_template, request

from common.conventions import SESSION_ID, SYNTHETIC, WORKSHOP_ATTENDEE
from common.settings import SettingError

from ..check import parse_lookback
from ..checkpoints import CHECKPOINTS, Checkpoint, Scope
from .snapshot import Snapshot, SnapshotClient

DEFAULT_LOOKBACK = "4h"  # a browser session lasts 4 hours at most: the whole of anyone's workshop
REFRESH_S = 3
FRESH_S = 2.0
FIRST_WAIT_S = 0.5
MAX_LOOKBACK_MS = 24 * 3600 * 1000  # a workshop's day; each lookback asked for is a table kept and recomputed
KEPT_TABLES = 4  # lookbacks whose tables are kept; the least recently computed goes first
log = logging.getLogger(__name__)


@dataclass
class Cell:
    """One chapter's verdict for one session."""

    passed: bool
    headline: str
    details: str = ""
    link: str | None = None


@dataclass
class Seat:
    """One session in the room, and its cells in the chapters' order."""

    session: str
    attendee: str | None
    last_us: int
    traces: int = 0
    cells: list[Cell] = field(default_factory=list)


def seats(snapshot: Snapshot) -> list[Seat]:
    """The sessions of the snapshot's traces (not `journey load`'s), named by their newest nickname:
    nicknames in alphabetical order, each one's newest session first, sessions without one last."""
    found: dict[str, Seat] = {}
    for time_us, spans in zip(snapshot.times, snapshot.traces, strict=True):  # newest first
        tags = [span.get("tags") or {} for span in spans]
        if any(t.get(SYNTHETIC) == "true" for t in tags):
            continue
        for session in {t[SESSION_ID] for t in tags if SESSION_ID in t}:
            seat = found.setdefault(session, Seat(session, None, time_us or 0))
            seat.traces += 1
            seat.attendee = seat.attendee or next((t[WORKSHOP_ATTENDEE] for t in tags if WORKSHOP_ATTENDEE in t), None)
    return sorted(found.values(), key=lambda s: (s.attendee is None, (s.attendee or "").casefold(), -s.last_us))


def verdict_cell(point: Checkpoint, api: SnapshotClient, scope: Scope) -> Cell:
    """Run one check; a check that fails to run is a red cell saying so, never a broken page."""
    try:
        verdict = point.run(api, scope)
    except Exception as error:  # noqa: BLE001 - one check's bug must not blank the room
        log.warning("workshop room: chapter %s for session %s failed: %r", point.number, scope.session, error)
        return Cell(False, f"the check could not run: {error}")
    return Cell(verdict.passed, verdict.headline, "\n".join(verdict.details), next(iter(verdict.links), None))


def room_table(snapshot: Snapshot, url: str, lookback_ms: int, points: list[Checkpoint] = CHECKPOINTS) -> list[Seat]:
    """Every session's row of verdicts, the checks answered from `snapshot`."""
    api = SnapshotClient(snapshot, url)
    rows = seats(snapshot)
    for seat in rows:
        scope = Scope(lookback_ms=lookback_ms, session=seat.session)
        seat.cells = [verdict_cell(point, api, scope) for point in points]
    return rows


@dataclass
class Table:
    """The room's rows as computed at `taken_us` (epoch microseconds), in `took_s` seconds."""

    rows: list[Seat]
    taken_us: int
    took_s: float
    done: float = field(default_factory=time.monotonic)


def compute_table(store, lookback_ms: int) -> Table:
    """Read the lookback's traces from the collector's store once, and run every session's checks on them.
    Its links are relative to the server: a table is shared by every reader, whatever Host each one sent."""
    started = time.perf_counter()
    taken_us = time.time_ns() // 1000
    snapshot = Snapshot(store.traces_in_window(taken_us, lookback_ms * 1000), store.service_names())
    return Table(room_table(snapshot, "", lookback_ms), taken_us, time.perf_counter() - started)


class Room:
    """The latest table per lookback, computed in the background. A page asking for a table older than
    FRESH_S, or for one not computed yet, starts a computation and gets the latest table at once; when
    there is none yet (the first page of a lookback), it waits up to FIRST_WAIT_S for it, else says the
    room is being checked and asks again. So a page takes its template's time however large the room,
    and shows a table at most one computation old. One computation runs at a time in a process."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._one_at_a_time = threading.Lock()
        self._tables: dict[int, Table] = {}  # by lookback (ms)
        self._computing: set[int] = set()

    def table(self, store, lookback_ms: int) -> Table | None:
        """The latest table of this lookback, or None while the first is still being computed."""
        key = lookback_ms
        with self._changed:
            latest = self._tables.get(key)
            if (latest is None or time.monotonic() - latest.done > FRESH_S) and key not in self._computing:
                self._computing.add(key)
                threading.Thread(target=self._compute, args=(key, store), daemon=True).start()
            if latest is None:
                self._changed.wait_for(lambda: key in self._tables or key not in self._computing, FIRST_WAIT_S)
                latest = self._tables.get(key)
        return latest

    def _compute(self, key: int, store) -> None:
        table = None
        try:
            with self._one_at_a_time:
                table = compute_table(store, key)
        except Exception as error:  # noqa: BLE001 - e.g. the store closing as the collector stops
            log.warning("workshop room: the table could not be computed: %r", error)
        with self._changed:
            if table is not None:
                self._tables[key] = table
                while len(self._tables) > KEPT_TABLES:
                    del self._tables[min(self._tables, key=lambda kept: self._tables[kept].done)]
            self._computing.discard(key)
            self._changed.notify_all()


def blueprint() -> Blueprint:
    """The page at /zipkin/workshop; `?fragment=table` is its table alone, which the page polls."""
    # its templates beside it (the collector's base.html, which they extend, is found in the app's folder)
    pages = Blueprint("workshop_room", __name__, template_folder="templates")
    room = Room()

    @pages.get("/zipkin/workshop")
    def room_page():
        text = request.args.get("lookback", DEFAULT_LOOKBACK)
        try:
            lookback_ms = parse_lookback(text)
        except SettingError as error:
            return render_template("message.html", message=f"lookback: {error}"), 400
        if lookback_ms > MAX_LOOKBACK_MS:
            return render_template("message.html", message=f"lookback: {text} is more than a day"), 400
        table = room.table(current_app.extensions["span_store"], lookback_ms)
        values = {"table": table, "rows": table.rows if table else [], "points": CHECKPOINTS, "lookback": text}
        if request.args.get("fragment") == "table":
            return render_template("workshop_table.html", **values)
        return render_template("workshop.html", refresh_s=REFRESH_S, **values)

    return pages
