"""The write path: a batch of spans becomes one transaction of rows appended at the tables' ends.

`prepare_batch` does the per-span work (grouping by trace, terms and their hashes, the JSON text)
before the writer's turn is taken; `write_batch` then only inserts, so the turn passes sooner.
"""

from __future__ import annotations

import json
import sqlite3
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from common.zipkin_model import remote_service_name, service_name

from .terms import span_terms, tag_term, term_hashes

MAX_INDEXED_VALUE = 256  # longer tag values are not offered for autocompletion


@dataclass
class Batch:
    """A batch's rows, grouped per trace id, and the rows it adds to the name and value lists."""

    traces: dict[str, dict[str, Any]] = field(default_factory=dict)
    names: set[tuple[str, str]] = field(default_factory=set)
    remotes: set[tuple[str, str]] = field(default_factory=set)
    values: set[tuple[str, str]] = field(default_factory=set)


def prepare_batch(spans: Iterable[dict[str, Any]], autocomplete_keys: frozenset[str]) -> Batch:
    """Group a batch per trace: its span rows (without the trace key), term hashes, tag_index keys and time."""
    batch = Batch()
    for span in spans:
        service, remote = service_name(span), remote_service_name(span)
        ts = span.get("timestamp")
        trace = batch.traces.setdefault(span["traceId"], {"rows": [], "terms": {}, "time": None, "tags": set()})
        text = json.dumps(span, separators=(",", ":"))
        trace["rows"].append((service, span.get("name"), remote, ts, span.get("duration"), text))
        trace["terms"].setdefault(service or "", set()).update(span_terms(span))
        if ts is not None:  # the root's timestamp wins, then the earliest
            candidate = ("parentId" not in span, -ts)
            if trace["time"] is None or candidate > trace["time"]:
                trace["time"] = candidate
        if service:
            batch.names.add((service, span.get("name", "")))
            if remote:
                batch.remotes.add((service, remote))
        for key in autocomplete_keys.intersection(span.get("tags", ())):
            trace["tags"].add(tag_term(key, span["tags"][key]))
            if len(span["tags"][key]) <= MAX_INDEXED_VALUE:
                batch.values.add((key, span["tags"][key]))
    for trace in batch.traces.values():
        trace["hashes"] = b"".join(term_hashes(service, terms) for service, terms in trace.pop("terms").items())
    return batch


def write_batch(db: sqlite3.Connection, batch: Batch) -> None:
    """Insert a prepared batch in one transaction: all of it is committed, or none of it."""
    db.execute("BEGIN IMMEDIATE")
    try:
        span_rows, term_rows, tag_rows = [], [], []
        for trace_id, trace in batch.traces.items():
            key = upsert_trace(db, trace_id, trace["time"], len(trace["rows"]))
            term_rows.append((key, trace["hashes"], struct.pack(f"<{len(trace['tags'])}I", *trace["tags"])))
            tag_rows.extend((term, key) for term in trace["tags"])
            span_rows.extend((key, *row) for row in trace["rows"])
        db.executemany("INSERT INTO spans VALUES (?,?,?,?,?,?,?)", span_rows)
        db.executemany("INSERT INTO trace_terms VALUES (?,?,?)", term_rows)
        db.executemany("INSERT OR IGNORE INTO tag_index VALUES (?,?)", tag_rows)
        db.executemany("INSERT OR IGNORE INTO span_names VALUES (?,?)", batch.names)
        db.executemany("INSERT OR IGNORE INTO remote_services VALUES (?,?)", batch.remotes)
        db.executemany("INSERT OR IGNORE INTO tag_values VALUES (?,?)", batch.values)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def upsert_trace(db: sqlite3.Connection, trace_id: str, time_key: tuple | None, count: int) -> int:
    """The trace's key, creating or updating its row (time: root's timestamp, else the earliest)."""
    row = db.execute("SELECT key, ts, has_root FROM traces WHERE trace_id = ?", (trace_id,)).fetchone()
    new_root, new_ts = (time_key[0], -time_key[1]) if time_key else (False, None)
    if row is None:
        return db.execute(
            "INSERT INTO traces (trace_id, trace_id_low, ts, has_root, span_count) VALUES (?, ?, ?, ?, ?)",
            (trace_id, trace_id[-16:], new_ts, int(new_root), count),
        ).lastrowid
    key, ts, has_root = row
    if new_ts is not None and (ts is None or (new_root, -new_ts) > (bool(has_root), -ts)):
        ts, has_root = new_ts, int(new_root or has_root)
    db.execute(
        "UPDATE traces SET ts = ?, has_root = ?, span_count = span_count + ? WHERE key = ?",
        (ts, has_root, count, key),
    )
    return key
