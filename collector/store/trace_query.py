"""The criteria of a trace search, and Zipkin's rule for whether a trace meets them."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from common.zipkin_model import remote_service_name, service_name


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
            service = service_name(span)
            services.add(service)
            if self.service_name is not None and service != self.service_name:
                continue
            for annotation in span.get("annotations", ()):
                if annotation["value"] in remaining and remaining[annotation["value"]] is None:
                    del remaining[annotation["value"]]
            for key, value in span.get("tags", {}).items():
                if key in remaining and remaining[key] in (None, value):
                    del remaining[key]
            if remote is not None and remote_service_name(span) == remote:
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


def now_micros() -> int:
    """The current time in epoch microseconds."""
    return time.time_ns() // 1000
