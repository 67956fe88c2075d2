"""The ratings service (`journey ratings`): community scores per talk over HTTP, traced as its own service.

A separate service with its own folder, as in Jaeger's HotROD: it shares only `common/` with the
backend, which calls it over HTTP (backend/ratings_client.py).

PLANTED PROBLEM (slow dependency): every request waits `delay_ms` (300 by default), as if the
scores were recomputed from every vote each time. The backend's switch --fix-slow-ratings caches
the answers instead; the trace shows the third service and the wait either way.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, jsonify, request
from opentelemetry import trace

from common import tracing
from common.settings import resolve

__version__ = "0.1.0"
MAX_TALKS = 100


def community_score(talk_id: int) -> dict[str, Any]:
    """A stable, made-up community rating for a talk (the demo has no real voters)."""
    return {"score": round(3.4 + (talk_id * 37 % 16) / 10, 1), "votes": 40 + talk_id * 53 % 211}


def create_app(config: dict[str, Any] | None = None, tracer_provider: trace.TracerProvider | None = None) -> Flask:
    """Build the ratings app; `config` overrides settings, `tracer_provider` defaults to the global one."""
    from .settings import SETTINGS

    config = resolve(SETTINGS, environ={}) | (config or {})
    app = Flask(__name__)
    delay_s = config["ratings_delay_ms"] / 1000

    @app.get("/ratings")
    def ratings():
        text = request.args.get("talkIds", "")
        ids = text.split(",") if text else []
        if not ids or len(ids) > MAX_TALKS or not all(i.isdigit() and len(i) < 10 for i in ids):
            return jsonify(error=f"talkIds must be 1 to {MAX_TALKS} comma-separated talk ids"), 400
        time.sleep(delay_s)  # the planted slowness, see the module docstring
        return jsonify(ratings={i: community_score(int(i)) for i in ids})

    @app.get("/health")
    def health():
        return {"status": "UP", "service": config["service_name"]}

    tracing.instrument_http(app, tracer_provider or trace.get_tracer_provider())
    return app
