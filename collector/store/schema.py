"""The tables of the span store, and its layout version. Writes are the hot path: every table grows at its end.

A span is one appended row, indexed by trace and span id so that a span sent twice is found
(`duplicates`). Each batch adds, per trace, one row of hashes of its terms (`terms`), and the same
hashes, each scoped to its service, as the words of a document of `term_index`, a contentless FTS5
table. FTS5 buffers a
transaction's words and writes them as one new segment, merging segments as it goes, so a batch
appends instead of scattering inserts over a B-tree keyed by term (the first design did, at 3,600
spans/s; docs/performance.md). The document takes the trace's key as its rowid. FTS5 keeps (word,
rowid) pairs, so a later batch's document adds its words to the trace's, and deleting the trace with
the words of all its rows removes them all (tests/test_collector_store.py checks both). A search
intersects its terms' word lists in C instead of walking the traces of the lookback.
"""

from __future__ import annotations

import sqlite3

# PRAGMA user_version; 0 on a database of the first layout (one row of scoped hashes per trace and batch,
# no span ids, no term_index), 2 on one whose term_index words were the terms' plain hashes: `migration`
# upgrades both.
SCHEMA_VERSION = 3

SCHEMA = """
CREATE TABLE IF NOT EXISTS traces (
    key INTEGER PRIMARY KEY,
    trace_id TEXT NOT NULL UNIQUE,
    trace_id_low TEXT NOT NULL,
    ts INTEGER,  -- the root span's timestamp, else the earliest one; NULL: not searchable, as in Zipkin
    has_root INTEGER NOT NULL,
    span_count INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS traces_by_ts ON traces (ts);
CREATE INDEX IF NOT EXISTS traces_by_low_id ON traces (trace_id_low);
CREATE TABLE IF NOT EXISTS spans (
    trace_key INTEGER NOT NULL,
    service_name TEXT,
    name TEXT,
    remote_service_name TEXT,
    ts INTEGER,
    duration INTEGER,
    json TEXT NOT NULL,
    span_id TEXT  -- what finds a span sent twice (`duplicates`); NULL on rows of layout 1
);
CREATE INDEX IF NOT EXISTS spans_by_trace_and_id ON spans (trace_key, span_id);
-- per trace and batch: the hashes of its terms in a section per service (`terms`), which are also what
-- deletes the trace's term_index words; and the tag_index keys of its spans
CREATE TABLE IF NOT EXISTS trace_terms (
    trace_key INTEGER NOT NULL,
    terms BLOB NOT NULL,
    tag_terms BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS trace_terms_by_trace ON trace_terms (trace_key);
CREATE VIRTUAL TABLE IF NOT EXISTS term_index USING fts5(
    words, content='', detail=none, columnsize=0, tokenize='ascii'
);
-- merge 16 segments of a level at a time, not 4: a quarter less work per span (5.3 against 7.1 µs at
-- 200,000 spans), and a search still reads only a few dozen segments at 1M spans
INSERT INTO term_index (term_index, rank) VALUES ('automerge', 16);
-- traces by `k=v` for the autocomplete keys (session.id, ...): which values have traces, and how recent
CREATE TABLE IF NOT EXISTS tag_index (
    term INTEGER NOT NULL, trace_key INTEGER NOT NULL, PRIMARY KEY (term, trace_key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS span_names (
    service_name TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (service_name, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS remote_services (
    service_name TEXT NOT NULL, remote_service_name TEXT NOT NULL, PRIMARY KEY (service_name, remote_service_name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tag_values (
    key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (key, value)
) WITHOUT ROWID;
"""


class SchemaError(sqlite3.DatabaseError):
    """The database cannot be used by this version of the collector; the message says what to do."""


def stored_version(db: sqlite3.Connection) -> int | None:
    """The layout version of the database; None when it holds no tables yet."""
    if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'traces'").fetchone() is None:
        return None
    return db.execute("PRAGMA user_version").fetchone()[0]


def statements(script: str = SCHEMA) -> list[str]:
    """The statements of a script, one by one (executescript would commit the transaction around them)."""
    found, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            found.append(buffer)
            buffer = ""
    return found


def create_tables(db: sqlite3.Connection) -> None:
    """Create the tables of the current version that are missing, in the caller's transaction."""
    try:
        for statement in statements():
            db.execute(statement)
    except sqlite3.OperationalError as error:
        if "fts5" not in str(error):
            raise
        raise SchemaError(f"this Python's SQLite lacks FTS5, which the span store needs ({error})") from None
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
