"""Opening a span database: create it, use it, upgrade an older layout in place, or refuse a newer one.

The first layout (user_version 0) kept one row of scoped hashes per trace and batch, no span ids and
no term_index. Its spans are kept as they are; the terms are rebuilt from them (tag_index keys are
carried over, since they depend on the AUTOCOMPLETE_KEYS of the time), and the copies of a span that
was sent twice are deleted. Old rows get no span id (rewriting every row would take long):
`duplicates` compares their texts instead. Layout 2 differs from the current one in its term_index
words (the terms' plain hashes, and a word per service) and in having no terms for span names,
remote services and durations: the words are rebuilt from the term rows, which are kept, and each
trace gets one more term row for those, from its span rows. Each upgrade is one transaction, so an
interrupted one leaves the old layout, and the next start upgrades again.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections import defaultdict
from itertools import groupby
from operator import itemgetter

from .schema import SCHEMA_VERSION, SchemaError, create_tables, stored_version
from .terms import document, encode_terms, pack, span_index_sections, unpack
from .writes import prepare_batch

TRACES_PER_STEP = 500
log = logging.getLogger(__name__)


def open_schema(db: sqlite3.Connection, path: str) -> None:
    """Make the database at `path` one of the current layout, or raise SchemaError saying what to do."""
    version = stored_version(db)
    if version == SCHEMA_VERSION:
        try:
            db.execute("SELECT rowid FROM term_index LIMIT 0")
        except sqlite3.OperationalError as error:
            raise SchemaError(
                f"{path}: {error} (this Python's SQLite lacks FTS5, which the span store needs)"
            ) from None
        return
    if version not in (None, 0, 2):
        raise SchemaError(
            f"{path} was written by a newer version of journey (layout {version}; this one reads up to "
            f"{SCHEMA_VERSION}): run that version, or give this one another file with --db"
        )
    db.execute("BEGIN IMMEDIATE")
    try:
        if version == 0:
            upgrade_first_layout(db, path)
        elif version == 2:
            rebuild_term_index(db, path)
        else:
            create_tables(db)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def upgrade_first_layout(db: sqlite3.Connection, path: str) -> None:
    """Upgrade a database of the first layout, in the caller's transaction."""
    spans = db.execute("SELECT coalesce(sum(span_count), 0) FROM traces").fetchone()[0]
    log.warning(
        "journey collector: upgrading %s (%d spans) to layout %d: rebuilding its term index",
        path,
        spans,
        SCHEMA_VERSION,
    )
    db.execute("ALTER TABLE spans ADD COLUMN span_id TEXT")
    db.execute("DROP INDEX spans_by_trace")
    db.execute("ALTER TABLE trace_terms RENAME TO first_trace_terms")
    db.execute("DROP INDEX trace_terms_by_trace")  # the new table's index takes the name
    create_tables(db)
    keys = [key for (key,) in db.execute("SELECT key FROM traces ORDER BY key")]
    removed = 0
    for start in range(0, len(keys), TRACES_PER_STEP):
        removed += _rebuild_terms(db, keys[start : start + TRACES_PER_STEP])
    db.execute("DROP TABLE first_trace_terms")
    log.warning("journey collector: %s upgraded; %d repeated copies of spans removed", path, removed)


def rebuild_term_index(db: sqlite3.Connection, path: str) -> None:
    """Layout 2 to 3, in the caller's transaction: every term_index document again, from the term rows,
    and per trace one more row for its span names, remote services and durations (from the span rows)."""
    rows = db.execute("SELECT count(*) FROM trace_terms").fetchone()[0]
    log.warning(
        "journey collector: upgrading %s to layout %d: rebuilding its term index from %d rows",
        path,
        SCHEMA_VERSION,
        rows,
    )
    db.execute("INSERT INTO term_index (term_index) VALUES ('delete-all')")
    terms = db.execute("SELECT trace_key, terms FROM trace_terms ORDER BY rowid")
    while chunk := terms.fetchmany(TRACES_PER_STEP):
        db.executemany("INSERT INTO term_index (rowid, words) VALUES (?, ?)", [(k, document(b)) for k, b in chunk])
    spans = db.execute(
        "SELECT trace_key, service_name, name, remote_service_name, duration FROM spans ORDER BY trace_key"
    )
    for key, rows_of_trace in groupby(spans, key=itemgetter(0)):
        blob, words = encode_terms(span_index_sections(row[1:] for row in rows_of_trace))
        db.execute("INSERT INTO trace_terms (trace_key, terms, tag_terms) VALUES (?, ?, x'')", (key, blob))
        db.execute("INSERT INTO term_index (rowid, words) VALUES (?, ?)", (key, words))
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    log.warning("journey collector: %s upgraded", path)


def _rebuild_terms(db: sqlite3.Connection, keys: list[int]) -> int:
    """Term rows and documents of these traces from their spans, repeated copies deleted; copies deleted."""
    marks = ",".join("?" * len(keys))
    trace_keys = dict(db.execute(f"SELECT trace_id, key FROM traces WHERE key IN ({marks})", keys))
    tags: dict[int, set[int]] = defaultdict(set)  # they depend on the AUTOCOMPLETE_KEYS of the time: kept
    for key, blob in db.execute(
        f"SELECT trace_key, tag_terms FROM first_trace_terms WHERE trace_key IN ({marks})", keys
    ):
        tags[key].update(unpack(blob))
    seen, repeats, spans = set(), defaultdict(list), []
    for rowid, key, text in db.execute(f"SELECT rowid, trace_key, json FROM spans WHERE trace_key IN ({marks})", keys):
        if (key, text) in seen:
            repeats[key].append(rowid)
        else:
            seen.add((key, text))
            spans.append(json.loads(text))
    for key, rowids in repeats.items():
        db.execute(f"DELETE FROM spans WHERE rowid IN ({','.join('?' * len(rowids))})", rowids)
        db.execute("UPDATE traces SET span_count = span_count - ? WHERE key = ?", (len(rowids), key))
    for trace_id, trace in prepare_batch(spans, frozenset()).traces.items():
        key = trace_keys[trace_id]
        db.execute(
            "INSERT INTO trace_terms (trace_key, terms, tag_terms) VALUES (?, ?, ?)",
            (key, trace.blob, pack(tags[key])),
        )
        db.execute("INSERT INTO term_index (rowid, words) VALUES (?, ?)", (key, trace.document))
    return sum(map(len, repeats.values()))
