"""SQLite span store: spans as Zipkin JSON, plus the small index tables every query needs.

One module per job: `schema` (the tables, and why each grows at its end), `migration` (opening a file
of an earlier layout), `connections` (the writer's turn across worker processes, the reader pool,
closing), `terms` (what annotationQuery finds a span by, as hashes), `duplicates` (a span sent twice
is stored once), `trace_query` (the criteria of a search and Zipkin's rules for a match), `writes` (a
batch in one transaction), `retention`, `reads` (by id, by time window, the name lists) and `search`
(GET /api/v2/traces). `SpanStore` puts them together: the one class the API and the viewer use.
"""

from .connections import StoreClosed
from .span_store import SpanStore
from .trace_query import TraceQuery, now_micros

__all__ = ["SpanStore", "StoreClosed", "TraceQuery", "now_micros"]
