"""SQLite span store: spans as Zipkin JSON, plus the small index tables every query needs.

Writes are the hot path, so every table grows at its end: a span is one appended row, and the
annotationQuery terms of a batch's spans are one appended row per trace holding 32-bit hashes
(a B-tree keyed by term would scatter each batch over thousands of pages, and write them all at
every commit). A search walks the newest traces first, tests terms with SQLite's own instr() on
those hashes, and checks each candidate exactly as Zipkin does (`TraceQuery.matches`), so a hash
collision can never return a wrong trace.
"""

from __future__ import annotations

import fcntl
import json
import queue
import sqlite3
import struct
import threading
import time
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_IDLE_READERS = 4
RETENTION_INTERVAL_S = 30
RETENTION_BATCH = 20_000  # traces deleted by age per pass; the rest go on the next pass
MAX_INDEXED_VALUE = 256  # longer tag values are not offered for autocompletion

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


def term_hashes(service: str, terms: Iterable[str]) -> bytes:
    """The search terms of one service as concatenated 4-byte hashes (what instr() looks for).

    CRC-32 seeded with the service's CRC: one C call per term, stable across processes unlike
    hash(). A collision, or a match straddling two hashes, only costs one extra exact check.
    """
    seed = zlib.crc32(service.encode())
    hashes = [zlib.crc32(term.encode(), seed) for term in terms]
    return struct.pack(f"<{len(hashes)}I", *hashes)


def tag_term(key: str, value: str) -> int:
    """The tag_index key of `key=value` (any service)."""
    return zlib.crc32(f"{key}={value}".encode())


def term_hash(service: str, term: str) -> bytes:
    """One term's hash, as term_hashes stores it."""
    return term_hashes(service, [term])


def span_terms(span: dict[str, Any]) -> set[str]:
    """What annotationQuery can find a span by: `k=v` and `k` for each tag, the value of each annotation."""
    tags = span.get("tags", {})
    terms = set(tags)
    terms.update(map("=".join, tags.items()))
    terms.update(annotation["value"] for annotation in span.get("annotations", ()))
    return terms


@dataclass
class TraceQuery:
    """The criteria of GET /api/v2/traces, already validated; times in microseconds."""

    end_ts: int
    lookback: int
    limit: int = 10
    service_name: str | None = None
    remote_service_name: str | None = None
    span_name: str | None = None
    annotation_query: dict[str, str | None] = field(default_factory=dict)
    min_duration: int | None = None
    max_duration: int | None = None

    def matches(self, spans: list[dict[str, Any]]) -> bool:
        """Zipkin's QueryRequest.test: every criterion holds on the named service's spans of the trace."""
        remaining = dict(self.annotation_query)
        span_name, remote = self.span_name, self.remote_service_name
        duration_ok = self.min_duration is None
        services = set()
        for span in spans:
            service = span.get("localEndpoint", {}).get("serviceName")
            services.add(service)
            if self.service_name is not None and service != self.service_name:
                continue
            for annotation in span.get("annotations", ()):
                if annotation["value"] in remaining and remaining[annotation["value"]] is None:
                    del remaining[annotation["value"]]
            for key, value in span.get("tags", {}).items():
                if key in remaining and remaining[key] in (None, value):
                    del remaining[key]
            if remote is not None and span.get("remoteEndpoint", {}).get("serviceName") == remote:
                remote = None
            if span_name is not None and span.get("name") == span_name:
                span_name = None
            if not duration_ok:
                duration = span.get("duration", 0)
                duration_ok = duration >= self.min_duration and (
                    self.max_duration is None or duration <= self.max_duration
                )
        return (
            (self.service_name is None or self.service_name in services)
            and not remaining
            and span_name is None
            and remote is None
            and duration_ok
        )


class StoreClosed(Exception):
    """The store was closed (the collector is stopping): nothing was written; the client may retry."""


class SpanStore:
    """Spans in one SQLite file (WAL): one serialized writer, readers per thread."""

    def __init__(
        self, path: str, max_spans: int = 2_000_000, retention_hours: int = 168, autocomplete_keys: Iterable[str] = ()
    ) -> None:
        self.path = path
        self.max_spans = max_spans
        self.retention_us = retention_hours * 3_600_000_000
        self.autocomplete_keys = frozenset(autocomplete_keys)
        self._last_retention = 0.0
        self._closed = False
        self._memory = path == ":memory:"
        self._thread_lock = threading.Lock()
        self._readers: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        if not self._memory:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Worker processes share the file: SQLite's own busy wait sleeps 1 to 100 ms between
        # retries, while a lock file hands the writer's turn over the moment it is free.
        self._lock_file = None if self._memory else open(f"{path}.write-lock", "a+b")  # noqa: SIM115
        self._writer = self._connect()
        self._writer.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        if not self._memory:
            connection.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode: a committed batch survives a crash of this process
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA wal_autocheckpoint=8000")  # fewer, larger checkpoints under load
        connection.execute("PRAGMA cache_size=-16384")  # 16 MiB per connection
        return connection

    def _ensure_open(self) -> None:
        if self._closed:
            raise StoreClosed("the collector is shutting down")

    @contextmanager
    def _write_lock(self) -> Iterator[None]:
        with self._thread_lock:
            self._ensure_open()
            if self._lock_file is None:
                yield
                return
            fcntl.flock(self._lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._lock_file, fcntl.LOCK_UN)

    @contextmanager
    def _reader(self) -> Iterator[sqlite3.Connection]:
        if self._memory:  # one in-memory database, so one connection, shared under the lock
            with self._write_lock():
                yield self._writer
            return
        self._ensure_open()
        # a pool, not one per thread: the HTTP server starts a thread per request
        try:
            connection = self._readers.get_nowait()
        except queue.Empty:
            connection = self._connect()
        try:
            yield connection
        finally:
            if self._readers.qsize() < MAX_IDLE_READERS:
                self._readers.put(connection)
            else:
                connection.close()

    def close(self) -> None:
        """Close every connection, once a write in progress has committed; later calls raise StoreClosed."""
        if self._closed:
            return
        with self._write_lock():
            self._closed = True
        while not self._readers.empty():
            self._readers.get_nowait().close()
        self._writer.close()
        if self._lock_file is not None:
            self._lock_file.close()

    def check(self) -> None:
        """Raise if the database cannot be read."""
        with self._reader() as db:
            db.execute("SELECT 1 FROM traces LIMIT 1").fetchall()

    def add_spans(self, spans: list[dict[str, Any]]) -> None:
        """Store a batch in one transaction: all of it is committed, or none of it."""
        if not spans:
            return
        per_trace: dict[str, dict[str, Any]] = {}
        names, remotes, values = set(), set(), set()
        for span in spans:
            service = span.get("localEndpoint", {}).get("serviceName")
            remote = span.get("remoteEndpoint", {}).get("serviceName")
            trace = per_trace.setdefault(span["traceId"], {"spans": [], "terms": {}, "time": None, "tags": set()})
            trace["spans"].append(span)
            trace["terms"].setdefault(service or "", set()).update(span_terms(span))
            ts = span.get("timestamp")
            if ts is not None:  # the root's timestamp wins, then the earliest
                candidate = ("parentId" not in span, -ts)
                if trace["time"] is None or candidate > trace["time"]:
                    trace["time"] = candidate
            if service:
                names.add((service, span.get("name", "")))
                if remote:
                    remotes.add((service, remote))
            for key in self.autocomplete_keys.intersection(span.get("tags", ())):
                trace["tags"].add(tag_term(key, span["tags"][key]))
                if len(span["tags"][key]) <= MAX_INDEXED_VALUE:
                    values.add((key, span["tags"][key]))
        with self._write_lock():
            db = self._writer
            db.execute("BEGIN IMMEDIATE")
            try:
                span_rows, term_rows, tag_rows = [], [], []
                for trace_id, trace in per_trace.items():
                    key = self._upsert_trace(db, trace_id, trace["time"], len(trace["spans"]))
                    term_rows.append(
                        (
                            key,
                            b"".join(term_hashes(service, terms) for service, terms in trace["terms"].items()),
                            struct.pack(f"<{len(trace['tags'])}I", *trace["tags"]),
                        )
                    )
                    tag_rows.extend((term, key) for term in trace["tags"])
                    span_rows.extend(
                        (
                            key,
                            s.get("localEndpoint", {}).get("serviceName"),
                            s.get("name"),
                            s.get("remoteEndpoint", {}).get("serviceName"),
                            s.get("timestamp"),
                            s.get("duration"),
                            json.dumps(s, separators=(",", ":")),
                        )
                        for s in trace["spans"]
                    )
                db.executemany("INSERT INTO spans VALUES (?,?,?,?,?,?,?)", span_rows)
                db.executemany("INSERT INTO trace_terms VALUES (?,?,?)", term_rows)
                db.executemany("INSERT OR IGNORE INTO tag_index VALUES (?,?)", tag_rows)
                db.executemany("INSERT OR IGNORE INTO span_names VALUES (?,?)", names)
                db.executemany("INSERT OR IGNORE INTO remote_services VALUES (?,?)", remotes)
                db.executemany("INSERT OR IGNORE INTO tag_values VALUES (?,?)", values)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    @staticmethod
    def _upsert_trace(db: sqlite3.Connection, trace_id: str, time_key: tuple | None, count: int) -> int:
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

    def enforce_retention(self, now_us: int | None = None, force: bool = False) -> int:
        """Delete whole traces older than the retention, then the oldest while over max_spans; returns spans deleted.

        Runs at most every RETENTION_INTERVAL_S unless forced, from the ingest path, so that a long
        demo cannot fill a disk however it is run.
        """
        if not force and time.monotonic() - self._last_retention < RETENTION_INTERVAL_S:
            return 0
        self._last_retention = time.monotonic()
        now_us = now_micros() if now_us is None else now_us
        deleted = 0
        with self._write_lock():
            db = self._writer
            expired = db.execute(
                "SELECT key, span_count FROM traces WHERE ts < ? LIMIT ?", (now_us - self.retention_us, RETENTION_BATCH)
            ).fetchall()
            total = db.execute("SELECT coalesce(sum(span_count), 0) FROM traces").fetchone()[0]
            excess = total - sum(count for _key, count in expired) - self.max_spans
            if excess > 0:
                target = excess + self.max_spans // 10  # down to 90 % of the cap, not again on the next batch
                chosen = {key for key, _count in expired}
                for key, count in db.execute("SELECT key, span_count FROM traces ORDER BY ts IS NOT NULL, ts"):
                    if target <= 0:
                        break
                    if key not in chosen:
                        expired.append((key, count))
                        target -= count
            for start in range(0, len(expired), 500):
                keys = [key for key, _count in expired[start : start + 500]]
                marks = ",".join("?" * len(keys))
                db.execute("BEGIN IMMEDIATE")
                try:
                    indexed = {
                        (term, key)
                        for key, blob in db.execute(
                            f"SELECT trace_key, tag_terms FROM trace_terms WHERE trace_key IN ({marks})", keys
                        )
                        for term in struct.unpack(f"<{len(blob) // 4}I", blob)
                    }
                    db.executemany("DELETE FROM tag_index WHERE term = ? AND trace_key = ?", indexed)
                    removed = db.execute(f"DELETE FROM spans WHERE trace_key IN ({marks})", keys).rowcount
                    db.execute(f"DELETE FROM trace_terms WHERE trace_key IN ({marks})", keys)
                    db.execute(f"DELETE FROM traces WHERE key IN ({marks})", keys)
                    db.execute("COMMIT")
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                deleted += removed
        return deleted

    def _trace_key(self, db: sqlite3.Connection, trace_id: str, strict: bool) -> list[int]:
        if strict:
            row = db.execute("SELECT key FROM traces WHERE trace_id = ?", (trace_id,)).fetchone()
            return [row[0]] if row else []
        # STRICT_TRACE_ID=false: a 64-bit id finds its 128-bit traces too, as in Zipkin
        return [r[0] for r in db.execute("SELECT key FROM traces WHERE trace_id_low = ?", (trace_id[-16:],))]

    def _spans_json(self, db: sqlite3.Connection, keys: list[int]) -> str | None:
        rows = (
            db.execute(
                f"SELECT json FROM spans WHERE trace_key IN ({','.join('?' * len(keys))}) "
                "ORDER BY ts IS NULL, ts, rowid",
                keys,
            ).fetchall()
            if keys
            else []
        )
        return "[" + ",".join(row[0] for row in rows) + "]" if rows else None

    def get_trace_json(self, trace_id: str, strict: bool = True) -> str | None:
        """The spans of one trace as a JSON array text, or None when there are none."""
        with self._reader() as db:
            return self._spans_json(db, self._trace_key(db, trace_id, strict))

    def get_traces_json(self, trace_ids: list[str], strict: bool = True) -> list[str]:
        """The traces that exist among `trace_ids`, each as a JSON array text."""
        found = (self.get_trace_json(trace_id, strict) for trace_id in trace_ids)
        return [text for text in found if text]

    def find_traces_json(self, query: TraceQuery) -> list[str]:
        """The newest traces (by root timestamp) matching the query, each as a JSON array text."""
        results: list[str] = []
        with self._reader() as db:
            for key in self._candidate_keys(db, query):
                text = self._spans_json(db, [key])
                if text and query.matches(json.loads(text)):
                    results.append(text)
                    if len(results) == query.limit:
                        break
        return results

    def _candidate_keys(self, db: sqlite3.Connection, query: TraceQuery) -> Iterator[int]:
        """Trace keys newest first that the indexes say may match; `matches` has the last word."""
        services = [query.service_name] if query.service_name else self.service_names() + [""]
        term_sets = [
            [term_hash(service, key if value is None else f"{key}={value}") for service in services]
            for key, value in query.annotation_query.items()
        ]
        where, params = ["t.ts BETWEEN ? AND ?"], [max(query.end_ts - query.lookback, 0), query.end_ts]
        span_filters = []
        if query.service_name:
            span_filters.append(("s.service_name = ?", [query.service_name]))
        if query.span_name:
            span_filters.append(("s.name = ?", [query.span_name]))
        if query.remote_service_name:
            span_filters.append(("s.remote_service_name = ?", [query.remote_service_name]))
        if query.min_duration is not None:
            span_filters.append(
                ("s.duration >= ? AND s.duration <= ?", [query.min_duration, query.max_duration or 2**63 - 1])
            )
        for condition, values in span_filters:
            where.append(f"EXISTS (SELECT 1 FROM spans s WHERE s.trace_key = t.key AND {condition})")
            params += values
        for terms in term_sets:
            tests = " OR ".join("instr(x.terms, ?) > 0" for _ in terms)
            where.append(f"EXISTS (SELECT 1 FROM trace_terms x WHERE x.trace_key = t.key AND ({tests}))")
            params += terms
        source = "traces t"
        indexed = [(k, v) for k, v in query.annotation_query.items() if v is not None and k in self.autocomplete_keys]
        if indexed:  # start from the traces that have the tag, not from the newest of all
            source = "tag_index r JOIN traces t ON t.key = r.trace_key"
            where.insert(0, "r.term = ?")
            params.insert(0, tag_term(*indexed[0]))
        sql = f"SELECT t.key FROM {source} WHERE {' AND '.join(where)} ORDER BY t.ts DESC"
        for (key,) in db.execute(sql, params):
            yield key

    def traces_in_window(self, end_ts: int, lookback: int) -> Iterator[list[dict[str, Any]]]:
        """Every trace whose time is within [end_ts - lookback, end_ts] (microseconds), as span lists."""
        with self._reader() as db:
            keys = [
                row[0]
                for row in db.execute(
                    "SELECT key FROM traces WHERE ts BETWEEN ? AND ?", (max(end_ts - lookback, 0), end_ts)
                )
            ]
        for start in range(0, len(keys), 200):
            chunk = keys[start : start + 200]
            with self._reader() as db:
                rows = db.execute(
                    f"SELECT trace_key, json FROM spans WHERE trace_key IN ({','.join('?' * len(chunk))})", chunk
                ).fetchall()
            grouped: dict[int, list[dict[str, Any]]] = {}
            for key, text in rows:
                grouped.setdefault(key, []).append(json.loads(text))
            yield from grouped.values()

    def tag_values(self, key: str) -> list[str]:
        """Known values of one autocomplete tag key, sorted."""
        with self._reader() as db:
            rows = db.execute("SELECT value FROM tag_values WHERE key = ? ORDER BY 1 LIMIT 1000", (key,)).fetchall()
        return [row[0] for row in rows]

    def recent_tag_values(self, key: str, limit: int = 200) -> list[tuple[str, int | None, int]]:
        """Values of an autocomplete tag key with traces still stored, most recently active first:
        (value, newest trace's timestamp in microseconds, number of traces)."""
        found = []
        with self._reader() as db:
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

    def service_names(self) -> list[str]:
        """Every local service name seen, sorted."""
        with self._reader() as db:
            rows = db.execute("SELECT DISTINCT service_name FROM span_names ORDER BY 1").fetchall()
        return [row[0] for row in rows]

    def span_names(self, service_name: str) -> list[str]:
        """Span names recorded by one service, sorted."""
        with self._reader() as db:
            rows = db.execute(
                "SELECT name FROM span_names WHERE service_name = ? AND name != '' ORDER BY 1", (service_name,)
            ).fetchall()
        return [row[0] for row in rows]

    def remote_service_names(self, service_name: str) -> list[str]:
        """Remote service names called by one service, sorted."""
        with self._reader() as db:
            rows = db.execute(
                "SELECT remote_service_name FROM remote_services WHERE service_name = ? ORDER BY 1", (service_name,)
            ).fetchall()
        return [row[0] for row in rows]

    def span_count(self) -> int:
        """How many spans are stored (other worker processes' included)."""
        with self._reader() as db:
            return db.execute("SELECT coalesce(sum(span_count), 0) FROM traces").fetchone()[0]


def now_micros() -> int:
    """The current time in epoch microseconds."""
    return time.time_ns() // 1000
