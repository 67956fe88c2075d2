"""The write path: a batch of spans becomes one transaction of rows appended at the tables' ends.

`prepare_batch` does the per-span work (grouping by trace, dropping repeats, terms and their hashes,
the JSON text) before the writer's turn is taken; `write_batch` then drops what a trace already holds
(`duplicates`) and inserts, so the turn passes sooner.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from common.zipkin_model import remote_service_name, service_name

from . import duplicates
from .terms import encode_terms, pack, span_index_sections, span_terms, tag_term

MAX_INDEXED_VALUE = 256  # longer tag values are not offered for autocompletion
_ascii_text = json.JSONEncoder(separators=(",", ":")).encode  # made once: json.dumps makes one per call


def span_text(span: dict[str, Any]) -> str:
    """A normalized span's stored JSON text: compact, DEL and every non-ASCII character escaped (`\\uXXXX`).

    orjson writes the same text as the standard library's encoder for a span of printable ASCII, in a
    fifth of the time (1.3 against 6.6 µs a span on bench/spans.py's spans): the largest single saving
    on the write path. It writes DEL and other characters as they are and refuses a lone surrogate, so
    those spans take the standard encoder: a span resent after an upgrade then still has its stored
    text, which is what finds it a repeat (`duplicates`). tests/test_collector_properties.py holds the
    two equal.
    """
    try:
        text = orjson.dumps(span)
    except orjson.JSONEncodeError:  # a lone surrogate ("\\ud800" in the body) is not UTF-8
        return _ascii_text(span)
    return text.decode("ascii") if text.isascii() and b"\x7f" not in text else _ascii_text(span)


@dataclass
class TraceRows:
    """One trace's part of a batch: its span rows (without the trace key), time, and terms per service."""

    rows: list[tuple] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    time: tuple | None = None  # (is a root, -timestamp) of the span that gives the trace its time
    terms: dict[str, set[str]] = field(default_factory=dict)  # per service ("" for spans without one)
    tags: set[int] = field(default_factory=set)  # tag_index keys
    blob: bytes = b""  # the terms' hashes in a section per service (`terms`)
    document: str = ""  # the same, as its term_index words


@dataclass
class Batch:
    """A batch's rows, grouped per trace id, and the rows it adds to the name and value lists."""

    traces: dict[str, TraceRows] = field(default_factory=dict)
    names: set[tuple[str, str]] = field(default_factory=set)
    remotes: set[tuple[str, str]] = field(default_factory=set)
    values: set[tuple[str, str]] = field(default_factory=set)


def prepare_batch(spans: Iterable[dict[str, Any]], autocomplete_keys: frozenset[str]) -> Batch:
    """Group a batch per trace, each identical span once: span rows, terms, tag_index keys and time."""
    batch = Batch()
    for span in spans:
        text = span_text(span)
        trace = batch.traces.get(span["traceId"])
        if trace is None:
            trace = batch.traces[span["traceId"]] = TraceRows()
        if span["id"] in trace.ids and duplicates.repeats(trace.rows, text):
            continue  # sent twice in one batch
        trace.ids.add(span["id"])
        service, remote = service_name(span), remote_service_name(span)
        ts = span.get("timestamp")
        trace.rows.append((service, span.get("name"), remote, ts, span.get("duration"), text, span["id"]))
        trace.terms.setdefault(service or "", set()).update(span_terms(span))
        if ts is not None:  # the root's timestamp wins, then the earliest
            candidate = ("parentId" not in span, -ts)
            if trace.time is None or candidate > trace.time:
                trace.time = candidate
        if service:
            batch.names.add((service, span.get("name", "")))
            if remote:
                batch.remotes.add((service, remote))
        for key in autocomplete_keys.intersection(span.get("tags", ())):
            trace.tags.add(tag_term(key, span["tags"][key]))
            if len(span["tags"][key]) <= MAX_INDEXED_VALUE:
                batch.values.add((key, span["tags"][key]))
    for trace in batch.traces.values():
        # each row: (service, name, remote service, timestamp, duration, ...)
        for service, terms in span_index_sections((r[0], r[1], r[2], r[4]) for r in trace.rows).items():
            trace.terms[service].update(terms)
        trace.blob, trace.document = encode_terms(trace.terms)
    return batch


def write_batch(db: sqlite3.Connection, batch: Batch) -> None:
    """Insert a prepared batch in one transaction: all of it is committed, or none of it."""
    db.execute("BEGIN IMMEDIATE")
    try:
        span_rows, term_rows, documents, tag_rows = [], [], [], []
        stored = stored_traces(db, list(batch.traces))
        for trace_id, trace in batch.traces.items():
            found = stored.get(trace_id)
            if found is None:
                rows = trace.rows
                key = insert_trace(db, trace_id, trace.time, len(rows))
            else:
                key = found[0]
                rows = duplicates.unstored_rows(db, key, trace.rows)
                if not rows:
                    continue  # a batch sent again: nothing new for this trace
                update_trace(db, found, trace.time, len(rows))
            term_rows.append((key, trace.blob, pack(trace.tags)))
            # a document with a stored trace's rowid adds its words to the trace's (`schema`)
            documents.append((key, trace.document))
            tag_rows.extend((term, key) for term in trace.tags)
            span_rows.extend((key, *row) for row in rows)
        db.executemany(
            "INSERT INTO spans (trace_key, service_name, name, remote_service_name, ts, duration, json, span_id) "
            "VALUES (?,?,?,?,?,?,?,?)",
            span_rows,
        )
        db.executemany("INSERT INTO trace_terms (trace_key, terms, tag_terms) VALUES (?,?,?)", term_rows)
        db.executemany("INSERT INTO term_index (rowid, words) VALUES (?,?)", documents)
        db.executemany("INSERT OR IGNORE INTO tag_index VALUES (?,?)", tag_rows)
        db.executemany("INSERT OR IGNORE INTO span_names VALUES (?,?)", batch.names)
        db.executemany("INSERT OR IGNORE INTO remote_services VALUES (?,?)", batch.remotes)
        db.executemany("INSERT OR IGNORE INTO tag_values VALUES (?,?)", batch.values)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def stored_traces(db: sqlite3.Connection, trace_ids: list[str]) -> dict[str, tuple]:
    """(key, ts, has_root) of those of these traces that are stored, by trace id: one statement per 500."""
    found = {}
    for start in range(0, len(trace_ids), 500):
        chunk = trace_ids[start : start + 500]
        rows = db.execute(
            f"SELECT trace_id, key, ts, has_root FROM traces WHERE trace_id IN ({','.join('?' * len(chunk))})", chunk
        )
        found.update((trace_id, tuple(rest)) for trace_id, *rest in rows)
    return found


def insert_trace(db: sqlite3.Connection, trace_id: str, time_key: tuple | None, count: int) -> int:
    """A new trace's row (time: root's timestamp, else the earliest); its key."""
    is_root, ts = (time_key[0], -time_key[1]) if time_key else (False, None)
    return db.execute(
        "INSERT INTO traces (trace_id, trace_id_low, ts, has_root, span_count) VALUES (?, ?, ?, ?, ?)",
        (trace_id, trace_id[-16:], ts, int(is_root), count),
    ).lastrowid


def update_trace(db: sqlite3.Connection, found: tuple, time_key: tuple | None, count: int) -> None:
    """Add `count` spans to a stored trace; its time moves to a root's timestamp, else to an earlier one."""
    key, ts, has_root = found
    if time_key is not None:
        new_root, new_ts = time_key[0], -time_key[1]
        if ts is None or (new_root, -new_ts) > (bool(has_root), -ts):
            ts, has_root = new_ts, int(new_root or has_root)
    db.execute(
        "UPDATE traces SET ts = ?, has_root = ?, span_count = span_count + ? WHERE key = ?",
        (ts, has_root, count, key),
    )
