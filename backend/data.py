"""The planner's SQLite database: schema, seed, and the queries the GraphQL resolvers run."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import seed

SCHEMA = """
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
"""


@dataclass(frozen=True)
class TalkRow:
    id: int
    title: str
    abstract: str
    starts_at: str
    ends_at: str
    room: str


@dataclass(frozen=True)
class SpeakerRow:
    id: int
    name: str
    handle: str | None


Connect = Callable[[], sqlite3.Connection]


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


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def find_talks(
    db: sqlite3.Connection, audience: str | None, search: str | None, limit: int, offset: int
) -> tuple[list[TalkRow], int]:
    """One page of talks (by start time, then title) and the total that match."""
    where, params = [], []
    if audience:
        where.append("id IN (SELECT talk_id FROM talk_audiences WHERE audience = ?)")
        params.append(audience)
    if search:
        where.append("(title LIKE ? ESCAPE '\\' OR abstract LIKE ? ESCAPE '\\')")
        pattern = f"%{_escape_like(search)}%"
        params += [pattern, pattern]
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    cursor = db.cursor()
    total = cursor.execute(f"SELECT count(*) FROM talks {clause}", params).fetchone()[0]
    rows = cursor.execute(
        f"SELECT id, title, abstract, starts_at, ends_at, room FROM talks {clause} "
        "ORDER BY starts_at, title LIMIT ? OFFSET ?",
        [*params, limit, offset],
    ).fetchall()
    return [TalkRow(*row) for row in rows], total


def get_talk(db: sqlite3.Connection, talk_id: int) -> TalkRow | None:
    """One talk by id, or None."""
    row = db.cursor().execute(
        "SELECT id, title, abstract, starts_at, ends_at, room FROM talks WHERE id = ?", (talk_id,)
    ).fetchone()
    return TalkRow(*row) if row else None


def talk_audiences(db: sqlite3.Connection, talk_id: int) -> list[str]:
    """The audiences a talk is for."""
    rows = db.cursor().execute(
        "SELECT audience FROM talk_audiences WHERE talk_id = ? ORDER BY audience", (talk_id,)
    ).fetchall()
    return [row[0] for row in rows]


def talk_speakers(db: sqlite3.Connection, talk_id: int) -> list[SpeakerRow]:
    """The speakers of one talk, in programme order."""
    rows = db.cursor().execute(
        "SELECT s.id, s.name, s.handle FROM speakers s JOIN talk_speakers ts ON ts.speaker_id = s.id "
        "WHERE ts.talk_id = ? ORDER BY ts.position",
        (talk_id,),
    ).fetchall()
    return [SpeakerRow(*row) for row in rows]
