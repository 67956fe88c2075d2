"""The Zipkin API's answers from one snapshot of a collector's traces, for the facilitator's view.

Why not the stock path (a ZipkinClient over HTTP): the room page runs every chapter's check for every
session, thirty sessions by every chapter, and each check asks the API several questions: well
over a thousand HTTP requests and SQLite searches for one refresh of the page, every few seconds.
Here the lookback's traces are read once per refresh (`Snapshot`), and `SnapshotClient`, a
ZipkinClient whose requests never leave the process, answers each request the stock client would
have sent from memory: the collector's own code parses it (`collector.query`) and decides which
trace matches (`TraceQuery.matches`, Zipkin's QueryRequest.test: ` and `-separated terms, `k=v` a tag
with that value, a bare `k` a tag key or an annotation), newest first by the trace's time as the
store keeps it. So a check sees what it would over HTTP, and `journey check` keeps the stock path.
"""

from __future__ import annotations

import urllib.parse
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from typing import Any

from collector.dependencies import link_dependencies
from collector.query import BadQuery, parse_dependency_window, parse_trace_id, parse_trace_query
from collector.store import TraceQuery
from common.zipkin_model import service_name

from ..zipkin_client import CollectorUnreachable, ZipkinClient

Trace = list[dict[str, Any]]


def trace_time(spans: Trace) -> int | None:
    """A trace's time as the collector's store keeps it (collector/store/writes.py): the root's
    timestamp, else the earliest; None when no span has one."""
    times = [("parentId" not in s, -s["timestamp"]) for s in spans if s.get("timestamp") is not None]
    return -max(times)[1] if times else None


class Snapshot:
    """The traces of one window, newest first. Answers are kept: the room asks every session's checks
    the same questions with only the session changed, and some (a backend's newest process, the
    dependency links) not even that. A tag key's index is built when a search first names it."""

    def __init__(self, traces: Iterable[Trace], services: list[str]) -> None:
        # the order a trace's spans are read in from the store: timestamped first, oldest first
        timed = [
            (trace_time(t), sorted(t, key=lambda s: (s.get("timestamp") is None, s.get("timestamp") or 0)))
            for t in traces
            if t
        ]
        timed = [(time, spans) for time, spans in timed if time is not None]  # the store's searches skip these
        timed.sort(key=lambda pair: -pair[0])
        self.times = [time for time, _ in timed]
        self.traces = [spans for _, spans in timed]
        self.services = services
        self._descending = [-time for time in self.times]  # ascending, for bisect
        self._by_id = {spans[0]["traceId"]: spans for spans in self.traces}
        self._by_service: list[dict[str | None, Trace]] = []
        for spans in self.traces:
            grouped: dict[str | None, Trace] = {}
            for span in spans:
                grouped.setdefault(service_name(span), []).append(span)
            self._by_service.append(grouped)
        self._terms: dict[str, tuple[dict[str, set[int]], set[int]]] = {}
        self._found: dict[tuple, list[Trace]] = {}
        self._links: dict[range, list[dict[str, Any]]] = {}

    def __len__(self) -> int:
        return len(self.traces)

    def window(self, end_us: int, lookback_us: int) -> range:
        """The positions of the traces whose time is within [end_us - lookback_us, end_us] (the store's window)."""
        start = max(end_us - lookback_us, 0)
        return range(bisect_left(self._descending, -end_us), bisect_right(self._descending, -start))

    def find(self, query: TraceQuery) -> list[Trace]:
        """The newest `query.limit` traces of the window that match, as the collector's search answers."""
        window = self.window(query.end_ts, query.lookback)
        criteria = (query.service_name, query.remote_service_name, query.span_name, query.min_duration)
        key = (window, *criteria, query.max_duration, query.limit, tuple(query.annotation_query.items()))
        if key not in self._found:
            found = []
            for position in self._candidates(query.annotation_query, window):
                # the store tests a named service's spans alone, as Zipkin does (collector/store/search.py)
                spans = self._by_service[position].get(query.service_name, []) if query.service_name else None
                if query.matches(self.traces[position] if spans is None else spans):
                    found.append(self.traces[position])
                    if len(found) == query.limit:
                        break
            self._found[key] = found
        return self._found[key]

    def dependencies(self, end_us: int, lookback_us: int) -> list[dict[str, Any]]:
        """The service links of the window's traces, counted as the collector counts them."""
        window = self.window(end_us, lookback_us)
        if window not in self._links:
            self._links[window] = link_dependencies(self.traces[position] for position in window)
        return self._links[window]

    def trace(self, trace_id: str) -> Trace:
        return self._by_id.get(trace_id, [])

    def _candidates(self, terms: dict[str, str | None], window: range) -> Iterable[int]:
        """Positions in `window`, newest first, of the traces with some span having every term: a superset
        the exact test (`TraceQuery.matches`, which also looks at the service asked for) then narrows."""
        if not terms:
            return window
        sets = []
        for key, value in terms.items():
            by_value, bare = self._term_index(key)
            sets.append(bare if value is None else by_value.get(value, set()))
        return sorted(p for p in set.intersection(*sets) if p in window)

    def _term_index(self, key: str) -> tuple[dict[str, set[int]], set[int]]:
        """For one key: the traces by each value of that tag, and the traces where a bare `key` finds a span."""
        if key not in self._terms:
            by_value: dict[str, set[int]] = {}
            bare: set[int] = set()
            for position, spans in enumerate(self.traces):
                for span in spans:
                    value = (span.get("tags") or {}).get(key)
                    if value is not None:
                        by_value.setdefault(value, set()).add(position)
                        bare.add(position)
                    elif any(a.get("value") == key for a in span.get("annotations") or ()):
                        bare.add(position)
            self._terms[key] = (by_value, bare)
        return self._terms[key]


class SnapshotClient(ZipkinClient):
    """A ZipkinClient answered from a Snapshot: the same methods and answers, the same errors for bad
    requests (CollectorUnreachable with the collector's 400 message), no HTTP. It replaces `_get`, the
    one place ZipkinClient goes over the network, so that the rest (the parameters each method sends,
    the newest-first order, a missing trace as []) is the stock client's own code."""

    def __init__(self, snapshot: Snapshot, url: str, default_lookback_ms: int = 86_400_000) -> None:
        super().__init__(url)
        self.snapshot = snapshot
        self.default_lookback_ms = default_lookback_ms

    def _get(self, path: str, **params: Any) -> Any:
        """What GET /api/v2/<path>?<params> would answer, as ZipkinClient sends it (empty parameters left out)."""
        args = {name: str(value) for name, value in params.items() if value not in (None, "")}
        try:
            if path == "traces":
                return self.snapshot.find(parse_trace_query(args, self.default_lookback_ms))
            if path.startswith("trace/"):
                return self.snapshot.trace(parse_trace_id(path.removeprefix("trace/")))
            if path == "services":
                return self.snapshot.services
            if path == "dependencies":
                return self.snapshot.dependencies(*parse_dependency_window(args, self.default_lookback_ms))
        except BadQuery as error:
            raise CollectorUnreachable(f"{self.root}/api/v2/{path} answered 400: {error}") from None
        raise CollectorUnreachable(f"a snapshot does not answer /api/v2/{path}")

    def journey_url(self, session_id: str) -> str:
        """The session's journey page: a snapshot is of Journey's collector, which serves them."""
        return f"{self.root}/zipkin/journeys/{urllib.parse.quote(session_id)}"
