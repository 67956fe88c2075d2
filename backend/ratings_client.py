"""The backend's client of the ratings service: GET /ratings over httpx, optionally cached.

Its CLIENT span, and the `traceparent` and `baggage` headers that carry the trace to the ratings
service, come from the stock opentelemetry-instrumentation-httpx, set up on this client only, with
the tracer provider the app is given (backend/telemetry.py, `http_client`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

CACHE_TTL_S = 60


class RatingsUnavailable(Exception):
    """The ratings service did not answer; recommendations go on without community scores."""


class RatingsClient:
    """GET /ratings?talkIds=... on the ratings service, optionally cached (the slow-ratings fix)."""

    def __init__(self, http: httpx.Client, cache: Callable[[], bool]) -> None:
        self.http = http  # its base URL is the ratings service's
        self.cache = cache  # asked on each call: the fix can be made, or undone, while the demo runs
        self._cached: dict[int, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def scores(self, talk_ids: list[int]) -> dict[int, dict[str, Any]]:
        """Community scores of the talks, from the cache when it is on and fresh."""
        now, cache = time.monotonic(), self.cache()
        with self._lock:
            if not cache:
                self._cached.clear()  # undone: the next time it is made, it starts empty
            known = {i: v for i, (at, v) in self._cached.items() if i in talk_ids and now - at < CACHE_TTL_S}
        missing = [i for i in talk_ids if i not in known]
        if not missing:
            return known
        fetched = self._fetch(missing)
        if cache:
            with self._lock:
                self._cached.update({i: (now, v) for i, v in fetched.items()})
        return {**known, **fetched}

    def _fetch(self, talk_ids: list[int]) -> dict[int, dict[str, Any]]:
        try:
            response = self.http.get(f"/ratings?talkIds={','.join(map(str, talk_ids))}")
            response.raise_for_status()
            body = response.json()
        except httpx.HTTPStatusError as error:  # the CLIENT span has the status and is marked as an error
            raise RatingsUnavailable(f"ratings answered {error.response.status_code}") from None
        except (httpx.HTTPError, ValueError) as error:  # the CLIENT span has the exception and error.type
            raise RatingsUnavailable(str(error) or type(error).__name__) from None
        return {int(i): v for i, v in body.get("ratings", {}).items()}
