"""Reads by trace id and by time window, and the lists the search form offers (services, names, tag values)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

from .terms import tag_term

WINDOW_CHUNK = 200  # traces read per reader turn by traces_in_window


def trace_keys(db: sqlite3.Connection, trace_id: str, strict: bool) -> list[int]:
    """The keys of the trace with this id: one at most, unless `strict` is off."""
    if strict:
        row = db.execute("SELECT key FROM traces WHERE trace_id = ?", (trace_id,)).fetchone()
        return [row[0]] if row else []
    # STRICT_TRACE_ID=false: a 64-bit id finds its 128-bit traces too, as in Zipkin
    return [r[0] for r in db.execute("SELECT key FROM traces WHERE trace_id_low = ?", (trace_id[-16:],))]


def spans_json(db: sqlite3.Connection, keys: list[int]) -> str | None:
    """The spans of these traces, in time order, as one JSON array text; None when there are none."""
    rows = (
        db.execute(
            f"SELECT json FROM spans WHERE trace_key IN ({','.join('?' * len(keys))}) ORDER BY ts IS NULL, ts, rowid",
            keys,
        ).fetchall()
        if keys
        else []
    )
    return "[" + ",".join(row[0] for row in rows) + "]" if rows else None


def service_spans(db: sqlite3.Connection, key: int, service: str) -> list[dict[str, Any]]:
    """The spans one service recorded in a trace."""
    rows = db.execute("SELECT json FROM spans WHERE trace_key = ? AND service_name = ?", (key, service))
    return [json.loads(text) for (text,) in rows]


def traces_in_window(
    reading: Callable[[], AbstractContextManager[sqlite3.Connection]], end_ts: int, lookback: int
) -> Iterator[list[dict[str, Any]]]:
    """Every trace whose time is within [end_ts - lookback, end_ts] (microseconds), as span lists.

    `reading` gives a reader for a block: one is taken per chunk, so a long walk does not hold one.
    """
    with reading() as db:
        keys = [
            row[0]
            for row in db.execute(
                "SELECT key FROM traces WHERE ts BETWEEN ? AND ?", (max(end_ts - lookback, 0), end_ts)
            )
        ]
    for start in range(0, len(keys), WINDOW_CHUNK):
        chunk = keys[start : start + WINDOW_CHUNK]
        with reading() as db:
            rows = db.execute(
                f"SELECT trace_key, json FROM spans WHERE trace_key IN ({','.join('?' * len(chunk))})", chunk
            ).fetchall()
        grouped: dict[int, list[dict[str, Any]]] = {}
        for key, text in rows:
            grouped.setdefault(key, []).append(json.loads(text))
        yield from grouped.values()


def tag_values(db: sqlite3.Connection, key: str) -> list[str]:
    """Known values of one autocomplete tag key, sorted."""
    rows = db.execute("SELECT value FROM tag_values WHERE key = ? ORDER BY 1 LIMIT 1000", (key,)).fetchall()
    return [row[0] for row in rows]


def recent_tag_values(db: sqlite3.Connection, key: str, limit: int) -> list[tuple[str, int | None, int]]:
    """Values of an autocomplete tag key with traces still stored, most recently active first:
    (value, newest trace's timestamp in microseconds, number of traces)."""
    found = []
    values = [row[0] for row in db.execute("SELECT value FROM tag_values WHERE key = ?", (key,))]
    for start in range(0, len(values), 400):
        chunk = values[start : start + 400]
        pairs = ",".join("(?,?)" for _ in chunk)
        found += db.execute(
            f"WITH wanted(value, term) AS (VALUES {pairs}) "
            "SELECT w.value, max(t.ts), count(*) FROM wanted w "
            "JOIN tag_index i ON i.term = w.term JOIN traces t ON t.key = i.trace_key GROUP BY w.value",
            [item for value in chunk for item in (value, tag_term(key, value))],
        ).fetchall()
    found.sort(key=lambda row: (row[1] is not None, row[1] or 0), reverse=True)
    return found[:limit]


def service_names(db: sqlite3.Connection) -> list[str]:
    """Every local service name seen, sorted."""
    return [row[0] for row in db.execute("SELECT DISTINCT service_name FROM span_names ORDER BY 1")]


def span_names(db: sqlite3.Connection, service_name: str) -> list[str]:
    """Span names recorded by one service, sorted."""
    rows = db.execute(
        "SELECT name FROM span_names WHERE service_name = ? AND name != '' ORDER BY 1", (service_name,)
    ).fetchall()
    return [row[0] for row in rows]


def remote_service_names(db: sqlite3.Connection, service_name: str) -> list[str]:
    """Remote service names called by one service, sorted."""
    rows = db.execute(
        "SELECT remote_service_name FROM remote_services WHERE service_name = ? ORDER BY 1", (service_name,)
    ).fetchall()
    return [row[0] for row in rows]


def span_count(db: sqlite3.Connection) -> int:
    """How many spans are stored (other worker processes' included)."""
    return db.execute("SELECT coalesce(sum(span_count), 0) FROM traces").fetchone()[0]
