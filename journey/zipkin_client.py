"""A small reader of the Zipkin v2 query API: ours, the real Zipkin, or Zipkin behind a proxy."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any


class CollectorUnreachable(Exception):
    """The collector did not answer, or answered something that is not the Zipkin API."""


def base_url(url: str) -> str:
    """The server root from whatever a user pastes: the root, the UI (/zipkin/) or an /api/v2 URL."""
    parts = urllib.parse.urlsplit(url)
    path = parts.path
    for marker in ("/api/v2", "/zipkin"):
        if marker in path:
            path = path[: path.index(marker)]
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path.rstrip("/"), "", ""))


class ZipkinClient:
    """GET requests against /api/v2 with a timeout; every failure is a CollectorUnreachable."""

    def __init__(self, url: str, timeout_s: float = 10.0):
        self.root = base_url(url)
        self.timeout_s = timeout_s

    def _get(self, path: str, **params: Any) -> Any:
        query = urllib.parse.urlencode({k: v for k, v in params.items() if v not in (None, "")})
        url = f"{self.root}/api/v2/{path}" + (f"?{query}" if query else "")
        try:
            with urllib.request.urlopen(url, timeout=self.timeout_s) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            if error.code == 404 and path.startswith("trace/"):
                return []
            detail = error.read(300).decode("utf-8", "replace").strip()
            raise CollectorUnreachable(f"{url} answered {error.code}: {detail}") from None
        except (OSError, ValueError) as error:
            raise CollectorUnreachable(f"cannot read {url}: {getattr(error, 'reason', error)}") from None

    def traces(
        self,
        service: str,
        span: str | None = None,
        annotation_query: str | None = None,
        lookback_ms: int = 900_000,
        limit: int = 10,
    ) -> list[list[dict]]:
        """Traces with a span of `service` (named `span`), newest first."""
        found = self._get(
            "traces",
            serviceName=service,
            spanName=span,
            annotationQuery=annotation_query,
            endTs=int(time.time() * 1000),
            lookback=lookback_ms,
            limit=limit,
        )
        return sorted(found, key=lambda spans: -max((s.get("timestamp", 0) for s in spans), default=0))

    def trace(self, trace_id: str) -> list[dict]:
        return self._get(f"trace/{trace_id}")

    def services(self) -> list[str]:
        return self._get("services")

    def dependencies(self, lookback_ms: int) -> list[dict]:
        return self._get("dependencies", endTs=int(time.time() * 1000), lookback=lookback_ms)

    def viewer_url(self, trace_id: str) -> str:
        return f"{self.root}/zipkin/traces/{trace_id}"

    def journey_url(self, session_id: str) -> str:
        """One session's traces: Journey's journey page, or on a real Zipkin a search by session.id in its UI."""
        if self._serves_journeys():
            return f"{self.root}/zipkin/journeys/{urllib.parse.quote(session_id)}"
        # Zipkin's UI runs a search only for a lookback it offers (1d) with the end of its window
        query = {"annotationQuery": f"session.id={session_id}", "lookback": "1d", "limit": 100}
        return f"{self.root}/zipkin/?" + urllib.parse.urlencode({**query, "endTs": int(time.time() * 1000)})

    def _serves_journeys(self) -> bool:
        """Whether the server is Journey's collector: its /health names its SQLite storage, Zipkin's does not."""
        try:
            with urllib.request.urlopen(f"{self.root}/health", timeout=self.timeout_s) as response:
                return "SQLiteStorage" in response.read(4096).decode("utf-8", "replace")
        except (OSError, ValueError):
            return False
