"""GET /api/v2/traces: the newest traces matching a TraceQuery.

A search walks the newest traces first, tests terms with SQLite's own instr() on the term hashes
(`terms`), and checks each candidate exactly as Zipkin does (`TraceQuery.matches`), so a hash
collision can never return a wrong trace. A search for an autocomplete key's value starts from the
traces that have the tag (tag_index), not from the newest of all.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

from .reads import service_names, spans_json
from .terms import tag_term, term_hash
from .trace_query import TraceQuery

Filter = tuple[str, list]  # an SQL condition on the trace `t`, and its parameters


def find_traces_json(db: sqlite3.Connection, query: TraceQuery, autocomplete_keys: frozenset[str]) -> list[str]:
    """The newest traces (by root timestamp) matching the query, each as a JSON array text."""
    results: list[str] = []
    for key in candidate_keys(db, query, autocomplete_keys):
        text = spans_json(db, [key])
        if text and query.matches(json.loads(text)):
            results.append(text)
            if len(results) == query.limit:
                break
    return results


def candidate_keys(db: sqlite3.Connection, query: TraceQuery, autocomplete_keys: frozenset[str]) -> Iterator[int]:
    """Trace keys newest first that the indexes say may match; `matches` has the last word."""
    where, params = ["t.ts BETWEEN ? AND ?"], [max(query.end_ts - query.lookback, 0), query.end_ts]
    for condition, values in _span_filters(query) + _term_filters(db, query):
        where.append(condition)
        params += values
    source = "traces t"
    indexed = [(k, v) for k, v in query.annotation_query.items() if v is not None and k in autocomplete_keys]
    if indexed:  # start from the traces that have the tag, not from the newest of all
        source = "tag_index r JOIN traces t ON t.key = r.trace_key"
        where.insert(0, "r.term = ?")
        params.insert(0, tag_term(*indexed[0]))
    sql = f"SELECT t.key FROM {source} WHERE {' AND '.join(where)} ORDER BY t.ts DESC"
    for (key,) in db.execute(sql, params):
        yield key


def _span_filters(query: TraceQuery) -> list[Filter]:
    """Some span of the trace has the service, name, remote service or duration asked for."""
    conditions = []
    if query.service_name:
        conditions.append(("s.service_name = ?", [query.service_name]))
    if query.span_name:
        conditions.append(("s.name = ?", [query.span_name]))
    if query.remote_service_name:
        conditions.append(("s.remote_service_name = ?", [query.remote_service_name]))
    if query.min_duration is not None:
        conditions.append(
            ("s.duration >= ? AND s.duration <= ?", [query.min_duration, query.max_duration or 2**63 - 1])
        )
    return [
        (f"EXISTS (SELECT 1 FROM spans s WHERE s.trace_key = t.key AND {condition})", values)
        for condition, values in conditions
    ]


def _term_filters(db: sqlite3.Connection, query: TraceQuery) -> list[Filter]:
    """Each annotationQuery term's hash is among the trace's, for the named service (else for any)."""
    if not query.annotation_query:
        return []
    services = [query.service_name] if query.service_name else service_names(db) + [""]
    filters = []
    for key, value in query.annotation_query.items():
        hashes = [term_hash(service, key if value is None else f"{key}={value}") for service in services]
        tests = " OR ".join("instr(x.terms, ?) > 0" for _ in hashes)
        filters.append((f"EXISTS (SELECT 1 FROM trace_terms x WHERE x.trace_key = t.key AND ({tests}))", hashes))
    return filters
