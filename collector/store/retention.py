"""Retention: whole traces are deleted, older than the retention first, then the oldest while over the cap.

It runs from the ingest path (at most every RETENTION_INTERVAL_S), so that a long demo cannot fill a
disk however it is run. Over the cap, it deletes down to 90 % of it, so not again on the next batch.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict

from .terms import document, unpack

RETENTION_INTERVAL_S = 30
RETENTION_BATCH = 20_000  # traces deleted by age per pass; the rest go on the next pass
DELETE_CHUNK = 500  # traces per transaction


def traces_to_delete(db: sqlite3.Connection, cutoff_us: int, max_spans: int) -> list[tuple[int, int]]:
    """(key, span count) of the traces older than `cutoff_us`, then of the oldest while over `max_spans`."""
    expired = db.execute(
        "SELECT key, span_count FROM traces WHERE ts < ? LIMIT ?", (cutoff_us, RETENTION_BATCH)
    ).fetchall()
    total = db.execute("SELECT coalesce(sum(span_count), 0) FROM traces").fetchone()[0]
    excess = total - sum(count for _key, count in expired) - max_spans
    if excess > 0:
        target = excess + max_spans // 10  # down to 90 % of the cap, not again on the next batch
        chosen = {key for key, _count in expired}
        for key, count in db.execute("SELECT key, span_count FROM traces ORDER BY ts IS NOT NULL, ts"):
            if target <= 0:
                break
            if key not in chosen:
                expired.append((key, count))
                target -= count
    return expired


def delete_traces(db: sqlite3.Connection, traces: list[tuple[int, int]]) -> int:
    """Delete these traces with their spans, terms, documents and tag_index rows, a chunk per transaction;
    spans deleted."""
    deleted = 0
    for start in range(0, len(traces), DELETE_CHUNK):
        keys = [key for key, _count in traces[start : start + DELETE_CHUNK]]
        marks = ",".join("?" * len(keys))
        db.execute("BEGIN IMMEDIATE")
        try:
            terms: dict[int, list[bytes]] = defaultdict(list)
            tags = set()
            for key, blob, tag_terms in db.execute(
                f"SELECT trace_key, terms, tag_terms FROM trace_terms WHERE trace_key IN ({marks})", keys
            ):
                terms[key].append(blob)
                tags.update((term, key) for term in unpack(tag_terms))
            # a contentless FTS5 table deletes a document given its words: all the trace's, from every batch
            db.executemany(
                "INSERT INTO term_index (term_index, rowid, words) VALUES ('delete', ?, ?)",
                [(key, document(b"".join(blobs))) for key, blobs in terms.items()],
            )
            db.executemany("DELETE FROM tag_index WHERE term = ? AND trace_key = ?", tags)
            removed = db.execute(f"DELETE FROM spans WHERE trace_key IN ({marks})", keys).rowcount
            db.execute(f"DELETE FROM trace_terms WHERE trace_key IN ({marks})", keys)
            db.execute(f"DELETE FROM traces WHERE key IN ({marks})", keys)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        deleted += removed
    return deleted
