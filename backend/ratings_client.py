"""The backend's client of the ratings service: one CLIENT span per call, context injected by hand.

Written out rather than patched in by an instrumentation package, so that it uses the tracer
provider it is given (never a global one) and shows plainly what an instrumented HTTP client does.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

CACHE_TTL_S = 60


class RatingsUnavailable(Exception):
    """The ratings service did not answer; recommendations go on without community scores."""


class RatingsClient:
    """GET /ratings?talkIds=... on the ratings service, optionally cached (the --fix-slow-ratings fix)."""

    def __init__(self, base_url: str, tracer_provider: trace.TracerProvider, cache: bool, timeout_s: float = 2.0):
        self.base_url = base_url.rstrip("/")
        self.cache = cache
        self.timeout_s = timeout_s
        self._tracer = trace.get_tracer(__name__, tracer_provider=tracer_provider)
        self._cached: dict[int, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def scores(self, talk_ids: list[int]) -> dict[int, dict[str, Any]]:
        """Community scores of the talks, from the cache when it is on and fresh."""
        now = time.monotonic()
        with self._lock:
            known = {i: v for i, (at, v) in self._cached.items() if i in talk_ids and now - at < CACHE_TTL_S}
        missing = [i for i in talk_ids if i not in known]
        if not missing:
            return known
        fetched = self._fetch(missing)
        if self.cache:
            with self._lock:
                self._cached.update({i: (now, v) for i, v in fetched.items()})
        return {**known, **fetched}

    def _fetch(self, talk_ids: list[int]) -> dict[int, dict[str, Any]]:
        url = f"{self.base_url}/ratings?talkIds={','.join(map(str, talk_ids))}"
        parts = urlsplit(url)
        with self._tracer.start_as_current_span("GET", kind=SpanKind.CLIENT, record_exception=False) as span:
            span.set_attribute("http.request.method", "GET")
            span.set_attribute("url.full", url)
            span.set_attribute("server.address", parts.hostname or "")
            span.set_attribute("server.port", parts.port or 80)
            span.set_attribute("peer.service", "ratings")
            headers: dict[str, str] = {}
            propagate.inject(headers)  # traceparent and baggage: the ratings service continues the trace
            try:
                with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=self.timeout_s) as r:
                    span.set_attribute("http.response.status_code", r.status)
                    body = json.loads(r.read())
            except urllib.error.HTTPError as error:
                span.set_attribute("http.response.status_code", error.code)
                span.set_attribute("error.type", str(error.code))
                span.set_status(Status(StatusCode.ERROR, f"ratings answered {error.code}"))
                raise RatingsUnavailable(f"ratings answered {error.code}") from None
            except (OSError, ValueError) as error:
                span.record_exception(error)
                span.set_attribute("error.type", type(error).__name__)
                span.set_status(Status(StatusCode.ERROR, str(error)))
                raise RatingsUnavailable(str(error)) from None
        return {int(i): v for i, v in body.get("ratings", {}).items()}
