"""SpanStore: the store's one public class, putting its parts together (see the package docstring)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Any

from . import reads, retention, search, writes
from .connections import Connections
from .trace_query import TraceQuery, now_micros


class SpanStore:
    """Spans in one SQLite file (WAL): one serialized writer, pooled readers."""

    def __init__(
        self, path: str, max_spans: int = 2_000_000, retention_hours: int = 168, autocomplete_keys: Iterable[str] = ()
    ) -> None:
        self.path = path
        self.max_spans = max_spans
        self.retention_us = retention_hours * 3_600_000_000
        self.autocomplete_keys = frozenset(autocomplete_keys)
        self._last_retention = 0.0
        self._connections = Connections(path)
        self._writer = self._connections.writer  # tests look into the index tables through it

    def close(self) -> None:
        """Close every connection, once a write in progress has committed; later calls raise StoreClosed."""
        self._connections.close()

    def check(self) -> None:
        """Raise if the database cannot be read."""
        with self._connections.reading() as db:
            db.execute("SELECT 1 FROM traces LIMIT 1").fetchall()

    def add_spans(self, spans: list[dict[str, Any]]) -> None:
        """Store a batch in one transaction: all of it is committed, or none of it."""
        if not spans:
            return
        batch = writes.prepare_batch(spans, self.autocomplete_keys)
        with self._connections.writing() as db:
            writes.write_batch(db, batch)

    def enforce_retention(self, now_us: int | None = None, force: bool = False) -> int:
        """Delete whole traces older than the retention, then the oldest while over max_spans; returns spans deleted.

        Runs at most every RETENTION_INTERVAL_S unless forced (why: see `retention`).
        """
        if not force and time.monotonic() - self._last_retention < retention.RETENTION_INTERVAL_S:
            return 0
        self._last_retention = time.monotonic()
        now_us = now_micros() if now_us is None else now_us
        with self._connections.writing() as db:
            doomed = retention.traces_to_delete(db, now_us - self.retention_us, self.max_spans)
            return retention.delete_traces(db, doomed)

    def get_trace_json(self, trace_id: str, strict: bool = True) -> str | None:
        """The spans of one trace as a JSON array text, or None when there are none."""
        with self._connections.reading() as db:
            return reads.spans_json(db, reads.trace_keys(db, trace_id, strict))

    def get_traces_json(self, trace_ids: list[str], strict: bool = True) -> list[str]:
        """The traces that exist among `trace_ids`, each as a JSON array text."""
        found = (self.get_trace_json(trace_id, strict) for trace_id in trace_ids)
        return [text for text in found if text]

    def find_traces_json(self, query: TraceQuery) -> list[str]:
        """The newest traces (by root timestamp) matching the query, each as a JSON array text."""
        with self._connections.reading() as db:
            return search.find_traces_json(db, query)

    def traces_in_window(self, end_ts: int, lookback: int) -> Iterator[list[dict[str, Any]]]:
        """Every trace whose time is within [end_ts - lookback, end_ts] (microseconds), as span lists."""
        return reads.traces_in_window(self._connections.reading, end_ts, lookback)

    def tag_values(self, key: str) -> list[str]:
        """Known values of one autocomplete tag key, sorted."""
        with self._connections.reading() as db:
            return reads.tag_values(db, key)

    def recent_tag_values(self, key: str, limit: int = 200) -> list[tuple[str, int | None, int]]:
        """Values of an autocomplete tag key with traces still stored, most recently active first:
        (value, newest trace's timestamp in microseconds, number of traces)."""
        with self._connections.reading() as db:
            return reads.recent_tag_values(db, key, limit)

    def service_names(self) -> list[str]:
        """Every local service name seen, sorted."""
        with self._connections.reading() as db:
            return reads.service_names(db)

    def span_names(self, service_name: str) -> list[str]:
        """Span names recorded by one service, sorted."""
        with self._connections.reading() as db:
            return reads.span_names(db, service_name)

    def remote_service_names(self, service_name: str) -> list[str]:
        """Remote service names called by one service, sorted."""
        with self._connections.reading() as db:
            return reads.remote_service_names(db, service_name)

    def span_count(self) -> int:
        """How many spans are stored (other worker processes' included)."""
        with self._connections.reading() as db:
            return reads.span_count(db)
