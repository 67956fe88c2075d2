"""A CLIENT span for every SQL statement the app runs, cursors and connection shortcuts alike.

Written out rather than taken from opentelemetry-instrumentation-sqlite3: that package traces
cursors only (`connection.execute` ran without a span), and its share of the tracing overhead
measured 0.05 of 0.24 (bench/backend_bench.py). Spans follow the database semantic conventions:
named for the operation (SELECT, INSERT, ...), db.system=sqlite, db.statement with `?` placeholders
(values are bound, never in the text).
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Iterable
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode


@functools.lru_cache(maxsize=512)  # an app runs the same few statements over and over
def _operation(sql: str) -> str:
    return sql.lstrip().split(None, 1)[0].upper() if sql.strip() else "SQL"


class _Traced:
    def __init__(self, tracer: trace.Tracer) -> None:
        self._tracer = tracer

    def _run(self, method, sql: str, parameters: Any):
        attributes = {"db.system": "sqlite", "db.statement": sql}
        # not made current: a statement has no child spans, and attaching a context costs a little each time
        span = self._tracer.start_span(_operation(sql), kind=SpanKind.CLIENT, attributes=attributes)
        try:
            return method(sql, parameters)
        except sqlite3.Error as error:
            span.record_exception(error)
            span.set_status(Status(StatusCode.ERROR, str(error)))
            raise
        finally:
            span.end()


class TracedCursor(_Traced):
    """A cursor whose execute/executemany are traced; everything else is the cursor's."""

    def __init__(self, cursor: sqlite3.Cursor, tracer: trace.Tracer) -> None:
        super().__init__(tracer)
        self._cursor = cursor

    def execute(self, sql: str, parameters: Any = ()):
        self._run(self._cursor.execute, sql, parameters)
        return self

    def executemany(self, sql: str, rows: Iterable[Any]):
        self._run(self._cursor.executemany, sql, rows)
        return self

    def __getattr__(self, name: str):
        return getattr(self._cursor, name)

    def __iter__(self):
        return iter(self._cursor)


class TracedConnection(_Traced):
    """A connection whose statements are traced, however they are run; everything else is the connection's."""

    def __init__(self, connection: sqlite3.Connection, tracer: trace.Tracer) -> None:
        super().__init__(tracer)
        self._connection = connection

    def cursor(self) -> TracedCursor:
        return TracedCursor(self._connection.cursor(), self._tracer)

    def execute(self, sql: str, parameters: Any = ()):
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, rows: Iterable[Any]):
        return self.cursor().executemany(sql, rows)

    def __enter__(self):
        self._connection.__enter__()
        return self

    def __exit__(self, *exc_info):
        return self._connection.__exit__(*exc_info)

    def __getattr__(self, name: str):
        return getattr(self._connection, name)
