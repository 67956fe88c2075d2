"""Realistic synthetic traces for the benchmarks: browser action → fetch → API → resolvers → database."""

from __future__ import annotations

import random
import time

SERVICES = ["frontend", "backend", "ratings", "search", "payments", "gateway", "inventory", "mailer"]
ROUTES = ["/graphql", "/talks", "/talks/{id}", "/schedule", "/feedback", "/ratings", "/health"]
OPERATIONS = ["query SearchTalks", "query ShowTalk", "mutation AddToSchedule", "mutation SubmitFeedback"]


def _hex(rng: random.Random, bits: int) -> str:
    return f"{rng.getrandbits(bits):0{bits // 4}x}"


def make_trace(rng: random.Random, now_us: int, spans_per_trace: int) -> list[dict]:
    """One trace of `spans_per_trace` spans, each with 10 to 22 tags."""
    trace_id = _hex(rng, 128)
    start = now_us - rng.randrange(0, 3_600_000_000)
    session = f"session-{rng.randrange(5000)}"
    spans: list[dict] = []
    for index in range(spans_per_trace):
        span_id = _hex(rng, 64)
        service = SERVICES[0] if index < 2 else rng.choice(SERVICES[1:])
        tags = {
            "session.id": session,
            "http.route": rng.choice(ROUTES),
            "http.request.method": rng.choice(["GET", "POST"]),
            "http.response.status_code": rng.choice(["200"] * 30 + ["404", "500"]),
            "graphql.operation.name": rng.choice(OPERATIONS).split()[1],
            "db.system": "sqlite",
            "net.peer.port": str(rng.randrange(1024, 65535)),
            "otel.scope.name": f"journey.{service}",
            "deployment.environment.name": "bench",
            "service.version": "1.0.0",
        }
        for extra in range(rng.randrange(0, 11)):
            tags[f"app.detail.{extra}"] = _hex(rng, 32)
        span = {
            "traceId": trace_id,
            "id": span_id,
            "name": rng.choice(OPERATIONS).lower() if index else "show talks",
            "timestamp": start + index * 50,
            "duration": rng.randrange(50, 200_000),
            "localEndpoint": {"serviceName": service, "ipv4": "10.0.0.2", "port": 8000},
            "tags": tags,
        }
        if index:
            span["parentId"] = spans[rng.randrange(index)]["id"]
            span["kind"] = rng.choice(["CLIENT", "SERVER", None]) or "CLIENT"
        if rng.random() < 0.02:
            span["tags"]["error"] = "true"
        if rng.random() < 0.002:  # a rare key, for a key-only annotationQuery
            span["tags"]["app.retry"] = str(rng.randrange(1, 4))
        spans.append(span)
    return spans


def make_batches(count: int, batch_size: int = 100, seed: int = 7) -> list[list[dict]]:
    """`count` spans in batches of `batch_size`, traces of 10 to 20 spans (a trace may span batches)."""
    rng = random.Random(seed)
    now_us = time.time_ns() // 1000
    spans: list[dict] = []
    while len(spans) < count:
        spans.extend(make_trace(rng, now_us, rng.randrange(10, 21)))
    spans = spans[:count]
    return [spans[i : i + batch_size] for i in range(0, count, batch_size)]
