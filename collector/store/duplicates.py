"""A span sent twice is stored once, as in Zipkin's own stores: what "identical" means, and how it is found.

Identical means what `zipkin2.Span.equals` means: every field equal (trace id, parent id, id, kind,
name, timestamp, duration, both endpoints, annotations, tags, debug, shared). Zipkin's in-memory store
keeps a set of spans per trace, so a second copy is dropped; its Elasticsearch store names each
document by a hash of the span's JSON, so a second copy overwrites the first (its Cassandra store
keeps both: `getTrace_deduplicates` is disabled there). An exporter that retries a batch after a
timeout must not double spans in a trace, in search counts or in the dependency graph.

Ingest normalizes every span to one canonical JSON text (Zipkin's field order, ids padded, names
lower-cased, tags sorted, annotations sorted without repeats, empty fields left out), so two spans are
identical exactly when their texts are. Spans that share an id but differ (the client and server
halves of an RPC, a span reported in two parts) are different spans: all are stored, and readers
merge them as Zipkin's `Trace.merge` does.

A duplicate has its original's trace and span id, so those find the candidates (within a batch, a
set of ids per trace; across batches, an index of span rows by trace key and span id), and texts are
compared only for spans whose ids repeat: RPC halves that share an id, and true copies.
"""

from __future__ import annotations

import sqlite3
from typing import Any

Row = tuple[Any, ...]  # a span row without its trace key: service, name, remote, ts, duration, json, span id
TEXT, SPAN_ID = 5, 6


def repeats(rows: list[Row], text: str) -> bool:
    """Whether one of these rows (a trace's, with a span of the same id) has exactly this text."""
    return any(row[TEXT] == text for row in rows)


def unstored_rows(db: sqlite3.Connection, trace_key: int, rows: list[Row]) -> list[Row]:
    """The rows of a stored trace that it does not hold yet.

    Rows stored before span ids were (layout 1) have none: their texts are compared too.
    """
    ids = sorted({row[SPAN_ID] for row in rows})
    marks = ",".join("?" * len(ids))
    stored = {
        text
        for (text,) in db.execute(
            f"SELECT json FROM spans WHERE trace_key = ? AND (span_id IN ({marks}) OR span_id IS NULL)",
            (trace_key, *ids),
        )
    }
    return [row for row in rows if row[TEXT] not in stored] if stored else rows
