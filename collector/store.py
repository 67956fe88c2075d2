"""SQLite span store: spans as Zipkin JSON plus the columns and index rows every query needs."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

RETENTION_INTERVAL_S = 30
RETENTION_BATCH = 20_000  # traces deleted by age per pass; the rest go on the next pass

SCHEMA = """
CREATE TABLE IF NOT EXISTS spans (
    trace_id TEXT NOT NULL,
    trace_id_low TEXT NOT NULL,
    id TEXT NOT NULL,
    parent_id TEXT,
    name TEXT,
    service_name TEXT,
    remote_service_name TEXT,
    ts INTEGER,
    duration INTEGER,
    json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS spans_by_trace ON spans (trace_id);
CREATE INDEX IF NOT EXISTS spans_by_trace_low ON spans (trace_id_low);
CREATE INDEX IF NOT EXISTS spans_by_service ON spans (service_name, name);
-- one row per trace: its time is its root span's timestamp (the earliest one until a root arrives)
CREATE TABLE IF NOT EXISTS traces (
    trace_id TEXT PRIMARY KEY,
    ts INTEGER,
    has_root INTEGER NOT NULL,
    span_count INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS traces_by_ts ON traces (ts);
-- annotationQuery terms, once per trace and service: a tag is (key, value), an annotation (value, '')
CREATE TABLE IF NOT EXISTS span_terms (
    trace_id TEXT NOT NULL,
    service_name TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (trace_id, service_name, key, value)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS span_terms_by_key ON span_terms (key, value);
"""


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


class SpanStore:
    """Spans in one SQLite file (WAL): one serialized writer, readers per thread."""

    def __init__(self, path: str, max_spans: int = 2_000_000, retention_hours: int = 168) -> None:
        self.path = path
        self.max_spans = max_spans
        self.retention_us = retention_hours * 3_600_000_000
        self._last_retention = 0.0
        self._memory = path == ":memory:"
        self._write_lock = threading.Lock()
        self._local = threading.local()
        if not self._memory:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._writer = self._connect()
        self._writer.executescript(SCHEMA)
        self._span_total = self._writer.execute("SELECT coalesce(sum(span_count), 0) FROM traces").fetchone()[0]

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        if not self._memory:
            connection.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode: a committed batch survives a crash of this process
            connection.execute("PRAGMA synchronous=NORMAL")
        return connection

    @contextmanager
    def _reader(self) -> Iterator[sqlite3.Connection]:
        if self._memory:  # one in-memory database, so one connection, shared under the lock
            with self._write_lock:
                yield self._writer
            return
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = self._connect()
        yield connection

    def close(self) -> None:
        """Close the writer connection (reader connections close with their threads)."""
        self._writer.close()

    def check(self) -> None:
        """Raise if the database cannot be read."""
        with self._reader() as db:
            db.execute("SELECT 1 FROM traces LIMIT 1").fetchall()

    def add_spans(self, spans: list[dict[str, Any]]) -> None:
        """Store a batch in one transaction: all of it is committed, or none of it."""
        if not spans:
            return
        span_rows, term_rows, trace_times, span_counts = [], set(), {}, {}
        for span in spans:
            trace_id = span["traceId"]
            service = span.get("localEndpoint", {}).get("serviceName")
            ts = span.get("timestamp")
            span_counts[trace_id] = span_counts.get(trace_id, 0) + 1
            span_rows.append((
                trace_id, trace_id[-16:], span["id"], span.get("parentId"), span.get("name"), service,
                span.get("remoteEndpoint", {}).get("serviceName"), ts, span.get("duration"),
                json.dumps(span, separators=(",", ":")),
            ))
            term_service = service or ""
            term_rows.update((trace_id, term_service, key, value) for key, value in span.get("tags", {}).items())
            term_rows.update((trace_id, term_service, a["value"], "") for a in span.get("annotations", ()))
            # a trace's time: its root's timestamp, else its earliest one (None: not searchable, as in Zipkin)
            candidate = (ts is not None and "parentId" not in span, -ts if ts is not None else None)
            known = trace_times.get(trace_id)
            if known is None or (candidate[1] is not None and (known[1] is None or candidate > known)):
                trace_times[trace_id] = candidate
        with self._write_lock:
            db = self._writer
            db.execute("BEGIN IMMEDIATE")
            try:
                db.executemany("INSERT INTO spans VALUES (?,?,?,?,?,?,?,?,?,?)", span_rows)
                db.executemany("INSERT OR IGNORE INTO span_terms VALUES (?,?,?,?)", term_rows)
                db.executemany(
                    """INSERT INTO traces (trace_id, ts, has_root, span_count) VALUES (?, ?, ?, ?)
                       ON CONFLICT (trace_id) DO UPDATE SET
                         ts = CASE WHEN excluded.ts IS NULL THEN traces.ts
                                   WHEN traces.ts IS NULL OR excluded.has_root > traces.has_root THEN excluded.ts
                                   WHEN excluded.has_root = traces.has_root THEN min(traces.ts, excluded.ts)
                                   ELSE traces.ts END,
                         has_root = max(traces.has_root, excluded.has_root),
                         span_count = traces.span_count + excluded.span_count""",
                    [(tid, None if neg is None else -neg, int(root), span_counts[tid])
                     for tid, (root, neg) in trace_times.items()],
                )
                self._span_total += len(span_rows)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def enforce_retention(self, now_us: int | None = None, force: bool = False) -> int:
        """Delete whole traces older than the retention, then the oldest while over max_spans; returns spans deleted.

        Runs at most every RETENTION_INTERVAL_S unless forced, and within the ingest path, so that
        a long demo cannot fill a disk however it is run.
        """
        if not force and time.monotonic() - self._last_retention < RETENTION_INTERVAL_S:
            return 0
        self._last_retention = time.monotonic()
        now_us = now_micros() if now_us is None else now_us
        deleted = 0
        with self._write_lock:
            db = self._writer
            expired = db.execute(
                "SELECT trace_id, span_count FROM traces WHERE ts < ? LIMIT ?",
                (now_us - self.retention_us, RETENTION_BATCH),
            ).fetchall()
            excess = self._span_total - self.max_spans
            if excess > 0:
                # down to 90 % of the cap, so that this does not run on every batch
                target = excess + self.max_spans // 10
                for trace_id, count in db.execute("SELECT trace_id, span_count FROM traces ORDER BY ts IS NOT NULL, ts"):
                    if target <= 0:
                        break
                    expired.append((trace_id, count))
                    target -= count
            for start in range(0, len(expired), 500):
                chunk = [trace_id for trace_id, _count in expired[start:start + 500]]
                marks = ",".join("?" * len(chunk))
                db.execute("BEGIN IMMEDIATE")
                try:
                    removed = db.execute(f"DELETE FROM spans WHERE trace_id IN ({marks})", chunk).rowcount
                    db.execute(f"DELETE FROM span_terms WHERE trace_id IN ({marks})", chunk)
                    db.execute(f"DELETE FROM traces WHERE trace_id IN ({marks})", chunk)
                    db.execute("COMMIT")
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                self._span_total -= removed
                deleted += removed
        return deleted

    def get_trace_json(self, trace_id: str, strict: bool = True) -> str | None:
        """The spans of one trace as a JSON array text, or None when there are none."""
        # STRICT_TRACE_ID=false: a 64-bit id finds its 128-bit trace too, as in Zipkin
        column, key = ("trace_id", trace_id) if strict else ("trace_id_low", trace_id[-16:])
        with self._reader() as db:
            rows = db.execute(
                f"SELECT json FROM spans WHERE {column} = ? ORDER BY ts IS NULL, ts, rowid", (key,)
            ).fetchall()
        if not rows:
            return None
        return "[" + ",".join(row[0] for row in rows) + "]"

    def find_trace_ids(self, query: TraceQuery) -> list[str]:
        """Ids of the newest traces, by root timestamp, matching every criterion of the query."""
        where = ["t.ts BETWEEN ? AND ?"]
        params: list[Any] = [max(query.end_ts - query.lookback, 0), query.end_ts]
        service_clause = "AND s.service_name = ?" if query.service_name else ""
        service_param = [query.service_name] if query.service_name else []

        def span_exists(condition: str, *values: Any) -> None:
            where.append(f"EXISTS (SELECT 1 FROM spans s WHERE s.trace_id = t.trace_id {service_clause} {condition})")
            params.extend(service_param)
            params.extend(values)

        if query.service_name:
            span_exists("")
        if query.span_name:
            span_exists("AND s.name = ?", query.span_name)
        if query.remote_service_name:
            span_exists("AND s.remote_service_name = ?", query.remote_service_name)
        if query.min_duration is not None:
            if query.max_duration is not None:
                span_exists("AND s.duration BETWEEN ? AND ?", query.min_duration, query.max_duration)
            else:
                span_exists("AND s.duration >= ?", query.min_duration)
        for key, value in query.annotation_query.items():
            term_service = service_clause.replace("s.", "a.")
            condition = "AND a.value = ?" if value is not None else ""
            where.append(
                f"EXISTS (SELECT 1 FROM span_terms a WHERE a.key = ? {condition} "
                f"AND a.trace_id = t.trace_id {term_service})"
            )
            params.append(key)
            if value is not None:
                params.append(value)
            params.extend(service_param)
        sql = f"SELECT t.trace_id FROM traces t WHERE {' AND '.join(where)} ORDER BY t.ts DESC LIMIT ?"
        params.append(query.limit)
        with self._reader() as db:
            return [row[0] for row in db.execute(sql, params)]

    def get_traces_json(self, trace_ids: list[str], strict: bool = True) -> list[str]:
        """The traces that exist among `trace_ids`, each as a JSON array text."""
        found = (self.get_trace_json(trace_id, strict) for trace_id in trace_ids)
        return [text for text in found if text]

    def traces_in_window(self, end_ts: int, lookback: int) -> Iterator[list[dict[str, Any]]]:
        """Every trace whose time is within [end_ts - lookback, end_ts] (microseconds), as span lists."""
        with self._reader() as db:
            trace_ids = [row[0] for row in db.execute(
                "SELECT trace_id FROM traces WHERE ts BETWEEN ? AND ?", (max(end_ts - lookback, 0), end_ts)
            )]
        for start in range(0, len(trace_ids), 200):
            chunk = trace_ids[start:start + 200]
            with self._reader() as db:
                rows = db.execute(
                    f"SELECT trace_id, json FROM spans WHERE trace_id IN ({','.join('?' * len(chunk))})", chunk
                ).fetchall()
            grouped: dict[str, list[dict[str, Any]]] = {}
            for trace_id, text in rows:
                grouped.setdefault(trace_id, []).append(json.loads(text))
            yield from grouped.values()

    def tag_values(self, key: str) -> list[str]:
        """Distinct values of one tag key, sorted."""
        with self._reader() as db:
            rows = db.execute(
                "SELECT DISTINCT value FROM span_terms WHERE key = ? AND value != '' ORDER BY 1 LIMIT 1000", (key,)
            ).fetchall()
        return [row[0] for row in rows]

    def service_names(self) -> list[str]:
        """Every local service name seen, sorted."""
        with self._reader() as db:
            rows = db.execute(
                "SELECT DISTINCT service_name FROM spans WHERE service_name IS NOT NULL ORDER BY 1"
            ).fetchall()
        return [row[0] for row in rows]

    def span_names(self, service_name: str) -> list[str]:
        """Span names recorded by one service, sorted."""
        with self._reader() as db:
            rows = db.execute(
                "SELECT DISTINCT name FROM spans WHERE service_name = ? AND name IS NOT NULL ORDER BY 1",
                (service_name,),
            ).fetchall()
        return [row[0] for row in rows]

    def remote_service_names(self, service_name: str) -> list[str]:
        """Remote service names called by one service, sorted."""
        with self._reader() as db:
            rows = db.execute(
                "SELECT DISTINCT remote_service_name FROM spans "
                "WHERE service_name = ? AND remote_service_name IS NOT NULL ORDER BY 1",
                (service_name,),
            ).fetchall()
        return [row[0] for row in rows]

    def span_count(self) -> int:
        """How many spans are stored."""
        return self._span_total


def now_micros() -> int:
    """The current time in epoch microseconds."""
    return time.time_ns() // 1000
