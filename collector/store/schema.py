"""The tables of the span store. Writes are the hot path, so every table grows at its end.

A span is one appended row, and the annotationQuery terms of a batch's spans are one appended row
per trace holding 32-bit hashes (a B-tree keyed by term would scatter each batch over thousands of
pages, and write them all at every commit: the first design did, at 3,600 spans/s; docs/performance.md).
"""

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
    json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS spans_by_trace ON spans (trace_key);
-- annotationQuery terms of one batch's spans of a trace: 4-byte term hashes, concatenated
CREATE TABLE IF NOT EXISTS trace_terms (
    trace_key INTEGER NOT NULL,
    terms BLOB NOT NULL,
    tag_terms BLOB NOT NULL  -- this row's tag_index keys (4-byte), so deleting a trace finds them
);
CREATE INDEX IF NOT EXISTS trace_terms_by_trace ON trace_terms (trace_key);
-- traces by `k=v` for the autocomplete keys (session.id, ...): the searches people repeat
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
