"""GET /api/v2/traces: the newest traces matching a TraceQuery.

An annotationQuery starts from the traces whose term_index document has every term's hash (FTS5
intersects the word lists in C, so a term no span has answers at once, however long the lookback);
when the query names a service, instr() then tests the hashes of that service's spans (`terms`).
Without terms, a search walks the newest traces of the lookback. Each candidate is then checked exactly
as Zipkin does (`TraceQuery.matches`), so a hash collision can never return a wrong trace.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

from .reads import service_spans, spans_json
from .terms import criterion_hash, match_expression, service_hash
from .trace_query import TraceQuery

Filter = tuple[str, list]  # an SQL condition on the trace `t`, and its parameters


def find_traces_json(db: sqlite3.Connection, query: TraceQuery) -> list[str]:
    """The newest traces (by root timestamp) matching the query, each as a JSON array text."""
    results: list[str] = []
    for key in candidate_keys(db, query):
        if query.service_name:  # Zipkin looks at that service's spans only: parse those alone
            text = spans_json(db, [key]) if query.matches(service_spans(db, key, query.service_name)) else None
        else:
            text = spans_json(db, [key])
            text = text if text and query.matches(json.loads(text)) else None
        if text:
            results.append(text)
            if len(results) == query.limit:
                break
    return results


def candidate_keys(db: sqlite3.Connection, query: TraceQuery) -> Iterator[int]:
    """Trace keys newest first that the indexes say may match; `matches` has the last word."""
    where, params = ["t.ts BETWEEN ? AND ?"], [max(query.end_ts - query.lookback, 0), query.end_ts]
    for condition, values in _term_filters(query) + _span_filters(query):
        where.append(condition)
        params += values
    sql = f"SELECT t.key FROM traces t WHERE {' AND '.join(where)} ORDER BY t.ts DESC"
    for (key,) in db.execute(sql, params):
        yield key


def _term_filters(query: TraceQuery) -> list[Filter]:
    """The trace's document has every term (and the service); the service's own spans have each term."""
    if not query.annotation_query:
        return []
    match = match_expression(query.annotation_query, query.service_name)
    filters = [("t.key IN (SELECT rowid FROM term_index WHERE term_index MATCH ?)", [match])]
    if query.service_name:  # each term in a section of the service, from any batch
        has_term = "SELECT 1 FROM trace_terms x WHERE x.trace_key = t.key AND service_has_term(x.terms, ?, ?)"
        filters += [
            (f"EXISTS ({has_term})", [service_hash(query.service_name), criterion_hash(key, value)])
            for key, value in query.annotation_query.items()
        ]
    return filters


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
