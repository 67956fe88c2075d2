"""The planner's queries: talks, speakers, a session's schedule, feedback. Plain SQL, parameters bound.

Every statement runs on a cursor (`db.cursor().execute`, never the `db.execute` shortcut): the
sqlite3 instrumentation traces cursors, and sqlite3's shortcut makes its cursor where no wrapper
sees it (tests/test_backend_tracing.py checks that every statement of a request has its span).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class TalkRow:
    id: int
    title: str
    abstract: str
    starts_at: str
    ends_at: str
    room: str
    audiences: tuple[str, ...] = ()

    @classmethod
    def of(cls, row: tuple) -> TalkRow:
        """A row selected with TALK_COLUMNS: the audiences arrive comma-joined, in no set order."""
        *columns, audiences = row
        return cls(*columns, audiences=tuple(sorted(audiences.split(","))) if audiences else ())


@dataclass(frozen=True)
class SpeakerRow:
    id: int
    name: str
    handle: str | None


@dataclass(frozen=True)
class FeedbackRow:
    id: str
    talk_id: int
    rating: int
    comment: str | None
    created_at: str


# the audiences come with the talk, so listing talks never costs a query per talk
TALK_COLUMNS = (
    "t.id, t.title, t.abstract, t.starts_at, t.ends_at, t.room, "
    "(SELECT group_concat(a.audience) FROM talk_audiences a WHERE a.talk_id = t.id)"
)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def find_talks(
    db: sqlite3.Connection, audience: str | None, search: str | None, limit: int, offset: int
) -> tuple[list[TalkRow], int]:
    """One page of talks (by start time, then title) and the total that match."""
    where, params = [], []
    if audience:
        where.append("t.id IN (SELECT talk_id FROM talk_audiences WHERE audience = ?)")
        params.append(audience)
    if search:
        where.append("(t.title LIKE ? ESCAPE '\\' OR t.abstract LIKE ? ESCAPE '\\')")
        pattern = f"%{_escape_like(search)}%"
        params += [pattern, pattern]
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    cursor = db.cursor()
    # one query for the page and the total (the window counts before LIMIT applies)
    rows = cursor.execute(
        f"SELECT {TALK_COLUMNS}, count(*) OVER () FROM talks t {clause} ORDER BY t.starts_at, t.title LIMIT ? OFFSET ?",
        [*params, limit, offset],
    ).fetchall()
    if rows:
        return [TalkRow.of(row[:-1]) for row in rows], rows[0][-1]
    total = cursor.execute(f"SELECT count(*) FROM talks t {clause}", params).fetchone()[0] if offset else 0
    return [], total


def get_talk(db: sqlite3.Connection, talk_id: int) -> TalkRow | None:
    """One talk by id, or None."""
    row = db.cursor().execute(f"SELECT {TALK_COLUMNS} FROM talks t WHERE t.id = ?", (talk_id,)).fetchone()
    return TalkRow.of(row) if row else None


def talk_speakers(db: sqlite3.Connection, talk_id: int) -> list[SpeakerRow]:
    """The speakers of one talk, in programme order."""
    rows = (
        db.cursor()
        .execute(
            "SELECT s.id, s.name, s.handle FROM speakers s JOIN talk_speakers ts ON ts.speaker_id = s.id "
            "WHERE ts.talk_id = ? ORDER BY ts.position",
            (talk_id,),
        )
        .fetchall()
    )
    return [SpeakerRow(*row) for row in rows]


def speakers_of_talks(db: sqlite3.Connection, talk_ids: list[int]) -> dict[int, list[SpeakerRow]]:
    """The speakers of many talks in one query (the fix of the N+1), in programme order."""
    found: dict[int, list[SpeakerRow]] = {talk_id: [] for talk_id in talk_ids}
    if not talk_ids:
        return found
    rows = (
        db.cursor()
        .execute(
            "SELECT ts.talk_id, s.id, s.name, s.handle FROM speakers s JOIN talk_speakers ts ON ts.speaker_id = s.id "
            f"WHERE ts.talk_id IN ({','.join('?' * len(talk_ids))}) ORDER BY ts.talk_id, ts.position",
            talk_ids,
        )
        .fetchall()
    )
    for talk_id, *speaker in rows:
        found[talk_id].append(SpeakerRow(*speaker))
    return found


def _talks_joined(db: sqlite3.Connection, table: str, column: str, value: object) -> list[TalkRow]:
    """Talks linked through `table` (talk_id, column) to `value`, by start time."""
    rows = (
        db.cursor()
        .execute(
            f"SELECT {TALK_COLUMNS} FROM talks t JOIN {table} j ON j.talk_id = t.id "
            f"WHERE j.{column} = ? ORDER BY t.starts_at, t.title",
            (value,),
        )
        .fetchall()
    )
    return [TalkRow.of(row) for row in rows]


def talks_of_speaker(db: sqlite3.Connection, speaker_id: int) -> list[TalkRow]:
    """The talks one speaker gives, by start time."""
    return _talks_joined(db, "talk_speakers", "speaker_id", speaker_id)


def average_rating(db: sqlite3.Connection, talk_id: int) -> float | None:
    """The mean feedback rating of a talk, or None without feedback."""
    value = db.cursor().execute("SELECT avg(rating) FROM feedback WHERE talk_id = ?", (talk_id,)).fetchone()[0]
    return round(value, 2) if value is not None else None


def schedule_talks(db: sqlite3.Connection, session_id: str) -> list[TalkRow]:
    """The talks in a session's schedule, by start time."""
    return _talks_joined(db, "schedule_items", "session_id", session_id)


def conflicts(talks: list[TalkRow]) -> list[tuple[TalkRow, TalkRow]]:
    """Pairs of talks that overlap in time (times are ISO 8601 with the same offset)."""
    pairs = []
    for index, first in enumerate(talks):
        for second in talks[index + 1 :]:
            if first.starts_at < second.ends_at and second.starts_at < first.ends_at:
                pairs.append((first, second))
    return pairs


def add_to_schedule(db: sqlite3.Connection, session_id: str, talk_id: int) -> None:
    """Add a talk to a session's schedule (adding it twice changes nothing)."""
    with db:
        db.cursor().execute("INSERT OR IGNORE INTO schedule_items VALUES (?, ?, ?)", (session_id, talk_id, now_iso()))


def remove_from_schedule(db: sqlite3.Connection, session_id: str, talk_id: int) -> None:
    """Remove a talk from a session's schedule (removing an absent one changes nothing)."""
    with db:
        db.cursor().execute("DELETE FROM schedule_items WHERE session_id = ? AND talk_id = ?", (session_id, talk_id))


def insert_feedback(db: sqlite3.Connection, row: FeedbackRow, session_id: str) -> None:
    """Store feedback under its id; inserting the same id again is a no-op, so retries are safe."""
    db.cursor().execute(
        "INSERT OR IGNORE INTO feedback VALUES (?, ?, ?, ?, ?, ?)",
        (row.id, session_id, row.talk_id, row.rating, row.comment, row.created_at),
    )


def unscheduled_talks(db: sqlite3.Connection, session_id: str | None) -> list[TalkRow]:
    """Talks not yet in the session's schedule (all talks without a session)."""
    rows = (
        db.cursor()
        .execute(
            f"SELECT {TALK_COLUMNS} FROM talks t WHERE t.id NOT IN "
            "(SELECT talk_id FROM schedule_items WHERE session_id = ?) ORDER BY t.starts_at",
            (session_id or "",),
        )
        .fetchall()
    )
    return [TalkRow.of(row) for row in rows]
