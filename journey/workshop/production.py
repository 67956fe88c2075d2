"""Chapters 9–10: traces beyond the laptop: sampling that keeps each trace whole, and a real Zipkin
(or Zipkin behind an OpenTelemetry Collector) in place of ours."""

from __future__ import annotations

import time

from ..shapes import find
from ..zipkin_client import ZipkinClient
from .engine import INSTANCE, Scope, Verdict, candidates, none_found, since_start
from .tracing import SEARCH_TODO, click_to_database


def sampling(api: ZipkinClient, scope: Scope, settle_s: float = 3.0) -> Verdict:
    """Chapter 9: every kept trace is whole: the backend follows the browser's sampling decision."""
    todo = "click around the app for a minute, then check again"
    now_us = time.time() * 1_000_000

    def settled_(traces: list[list[dict]]) -> list[list[dict]]:  # spans still on their way are not missing
        return [
            t
            for t in traces
            if max(s.get("timestamp", 0) + s.get("duration", 0) for s in t) < now_us - settle_s * 1_000_000
        ]

    # judge the traces made since the backend last started: the broken ones of step 2 are not the fix's
    since = since_start(api, scope, "backend")
    window = since.scope(scope) if since else scope
    settled = [
        t for t in settled_(candidates(api, window, "frontend", "post", limit=100)) if not since or since.holds(t)
    ]
    if not settled:
        if since:
            todo = f"{todo} (judged: {since.words()})"
        return none_found(f"trace older than {settle_s:g} s with a call to the backend", window, todo)
    broken = []
    for spans in settled:
        servers = {s.get("parentId") for s in find(spans, "backend", "post /graphql")}
        calls = [s for s in find(spans, "frontend", "post") if s.get("kind") == "CLIENT"]
        if any(call["id"] not in servers for call in calls):
            broken.append(spans[0]["traceId"])
    orphans = [
        t[0]["traceId"]
        for t in settled_(
            candidates(api, window, "backend", "post /graphql", 100, f"{INSTANCE}={since.instance}" if since else None)
        )
        if not find(t, "frontend", "post") and any("parentId" in s for s in find(t, "backend", "post /graphql"))
    ]
    details = [
        f"{len(settled)} traces of yours with calls to the backend, {len(broken)} missing the backend's part; "
        f"{len(orphans)} backend requests whose browser side was not kept"
    ]
    if since:
        details.insert(0, f"judged: {since.words()} (older traces are not your latest change's)")
    if broken or orphans:
        example = (broken or orphans)[0]
        details += [
            f"e.g. trace {example}: the browser and the backend decided differently whether to keep it",
            "  hint: the decision is made once, at the root, and travels in traceparent's flags; the backend must "
            "follow it: OTEL_TRACES_SAMPLER=parentbased_traceidratio (or parentbased_always_on), not traceidratio",
        ]
        return Verdict(
            False,
            "some traces are broken: part of a request was sampled, part was not",
            details,
            [api.viewer_url(example)],
        )
    return Verdict(True, "every kept trace is whole: the backend follows the browser's sampling decision", details)


def real_zipkin(api: ZipkinClient, scope: Scope) -> Verdict:
    """Chapter 10: a real Zipkin has the whole traces and the frontend → backend dependency link."""
    services = api.services()
    missing = [name for name in ("frontend", "backend") if name not in services]
    if missing:
        return Verdict(
            False,
            f"{api.root or 'the collector'} has no spans from {' and '.join(missing)} yet",
            [
                f"services it knows: {', '.join(services) or 'none'}",
                (
                    "the backend exports to OTEL_EXPORTER_ZIPKIN_ENDPOINT and the browser to "
                    "JOURNEY_BROWSER_ZIPKIN_ENDPOINT (served in /config.json); in Compose the first is "
                    "http://zipkin:9411/..., the second http://localhost:9411/..."
                ),
                SEARCH_TODO,
            ],
        )
    links = {(d.get("parent"), d.get("child")) for d in api.dependencies(scope.lookback_ms)}
    verdict = click_to_database(api, scope)
    if not verdict.passed:
        return verdict
    if ("frontend", "backend") not in links:
        verdict.passed = False
        verdict.headline = "the traces are whole, but the dependency graph has no frontend → backend link yet"
        verdict.details.append("Zipkin on Elasticsearch needs its dependencies job (the 'scale' profile runs it)")
        return verdict
    verdict.headline = f"{api.root or 'the collector'} has your whole traces and the frontend → backend link"
    verdict.details.append("dependency links: " + ", ".join(f"{p} → {c}" for p, c in sorted(links)))
    return verdict
