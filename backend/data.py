"""The planner's SQLite database: its tables, the seeded conference, and the connection pool (queries: planner.py)."""

from __future__ import annotations

import queue
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from . import seed
from .limits import MAX_RATING, MIN_RATING

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS talks (
    id INTEGER PRIMARY KEY, title TEXT NOT NULL, abstract TEXT NOT NULL,
    starts_at TEXT NOT NULL, ends_at TEXT NOT NULL, room TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS speakers (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, handle TEXT UNIQUE
);
CREATE TABLE IF NOT EXISTS talk_speakers (
    talk_id INTEGER NOT NULL REFERENCES talks(id), speaker_id INTEGER NOT NULL REFERENCES speakers(id),
    position INTEGER NOT NULL, PRIMARY KEY (talk_id, speaker_id)
);
CREATE TABLE IF NOT EXISTS talk_audiences (
    talk_id INTEGER NOT NULL REFERENCES talks(id), audience TEXT NOT NULL, PRIMARY KEY (talk_id, audience)
);
CREATE TABLE IF NOT EXISTS schedule_items (
    session_id TEXT NOT NULL, talk_id INTEGER NOT NULL REFERENCES talks(id), added_at TEXT NOT NULL,
    PRIMARY KEY (session_id, talk_id)
);
CREATE TABLE IF NOT EXISTS feedback (
    id TEXT PRIMARY KEY,  -- chosen by the caller, so that a retried write cannot count twice
    session_id TEXT NOT NULL, talk_id INTEGER NOT NULL REFERENCES talks(id),
    rating INTEGER NOT NULL CHECK (rating BETWEEN {MIN_RATING} AND {MAX_RATING}), comment TEXT, created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_by_talk ON feedback (talk_id);
"""


Connect = Callable[[], sqlite3.Connection]


class ConnectionPool:
    """Connections reused from request to request, at most `size` open.

    Opening a connection per request cost more than most queries, and instrumenting one (the
    traced build) cost twice that again, in every request.
    """

    def __init__(self, connect: Connect, size: int) -> None:
        self._connect = connect
        self._size = size
        self._opened = 0
        self._idle: queue.LifoQueue = queue.LifoQueue()
        self._lock = threading.Lock()

    def acquire(self) -> sqlite3.Connection:
        """An idle connection, a new one while under the limit, else the next one released."""
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if self._opened < self._size:
                self._opened += 1
                return self._connect()
        return self._idle.get()

    def release(self, connection: sqlite3.Connection) -> None:
        """Give a connection back, rolling back whatever its request left uncommitted."""
        if connection.in_transaction:
            connection.rollback()
        self._idle.put(connection)


def connection_pool(path: str, wrap: Callable[[Connect], Connect] = lambda connect: connect) -> ConnectionPool:
    """A pool over the database at `path`, created and seeded if new; `wrap` decorates the factory."""
    first = open_database(path)
    init_database(first)
    if path == ":memory:":  # an in-memory database lives in its one connection: requests take turns
        return ConnectionPool(wrap(lambda: first), size=1)
    first.close()
    return ConnectionPool(wrap(lambda: open_database(path)), size=16)


def open_database(path: str) -> sqlite3.Connection:
    """A plain connection to the planner database (WAL, foreign keys on)."""
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=10, check_same_thread=False)
    connection.execute("PRAGMA foreign_keys=ON")
    if path != ":memory:":
        connection.execute("PRAGMA journal_mode=WAL")
    return connection


def init_database(connection: sqlite3.Connection) -> None:
    """Create the tables and seed the conference once; running it again changes nothing."""
    connection.executescript(SCHEMA)
    if connection.execute("SELECT count(*) FROM talks").fetchone()[0]:
        return
    with connection:
        speaker_ids: dict[str, int] = {}
        for talk_id, (title, speakers, audiences, start, end, room, abstract) in enumerate(seed.TALKS, 1):
            connection.execute(
                "INSERT INTO talks VALUES (?, ?, ?, ?, ?, ?)",
                (talk_id, title, abstract, f"{seed.DAY}T{start}:00+02:00", f"{seed.DAY}T{end}:00+02:00", room),
            )
            for audience in audiences:
                connection.execute("INSERT INTO talk_audiences VALUES (?, ?)", (talk_id, audience))
            for position, speaker in enumerate(speakers):
                if speaker not in speaker_ids:
                    # the programme gives most speakers only as a handle: it doubles as their name
                    handle = speaker if speaker.startswith("@") else None
                    name = speaker.removeprefix("@")
                    cursor = connection.execute("INSERT INTO speakers (name, handle) VALUES (?, ?)", (name, handle))
                    speaker_ids[speaker] = cursor.lastrowid
                connection.execute(
                    "INSERT INTO talk_speakers VALUES (?, ?, ?)", (talk_id, speaker_ids[speaker], position)
                )
