"""Chapter 11: off the deprecated Zipkin exporter: the attendee's spans now travel as OTLP.

How a stored span tells the way it came: the Zipkin exporters (Journey's Python one and the browser's
stock one) write the resource's attributes as tags, `service.name` among them; OTLP's mapping into
Zipkin (our collector's, zipkin-otel's, and the OpenTelemetry Collector's Zipkin exporter) keeps
`service.name` only as the span's localEndpoint. So a span with a `service.name` tag was sent with a
Zipkin exporter. The check reads the Zipkin API only, so it works against every store chapter 10 names.
"""

from __future__ import annotations

from ..shapes import service
from ..zipkin_client import ZipkinClient
from .engine import Scope, Verdict, candidates
from .tracing import click_to_database

ZIPKIN_EXPORTER_TAG = "service.name"
HOW = {
    "frontend": 'the browser loads its OTLP exporter when the backend\'s /config.json says "exporter": "otlp" '
    "(it follows OTEL_TRACES_EXPORTER unless JOURNEY_BROWSER_EXPORTER says otherwise): reload the app's page",
    "backend": "start the demo with JOURNEY_EXPORTER=otlp (journey up --exporter otlp), or run the backend with "
    "OTEL_TRACES_EXPORTER=otlp and OTEL_EXPORTER_OTLP_ENDPOINT",
    "ratings": "the ratings service reads the same OTEL_TRACES_EXPORTER and OTEL_EXPORTER_OTLP_ENDPOINT",
}


def zipkin_exported(spans: list[dict]) -> dict[str, int]:
    """The services whose spans in `spans` came by a Zipkin exporter, with how many."""
    found: dict[str, int] = {}
    for span in spans:
        if ZIPKIN_EXPORTER_TAG in (span.get("tags") or {}):
            name = service(span) or "?"
            found[name] = found.get(name, 0) + 1
    return found


def over_otlp(api: ZipkinClient, scope: Scope) -> Verdict:
    """Chapter 11: the newest search is whole (chapter 2's shape) and none of its spans came by a Zipkin exporter."""
    verdict = click_to_database(api, scope)
    if not verdict.passed:
        return verdict
    spans = candidates(api, scope, "frontend", "search talks", limit=1)[0]
    trace_id = spans[0]["traceId"]
    by_zipkin = zipkin_exported(spans)
    services = sorted({service(s) or "?" for s in spans})
    if by_zipkin:
        counts = ", ".join(f"{name} ({count} of its spans)" for name, count in sorted(by_zipkin.items()))
        verdict.passed = False
        verdict.headline = f"your newest search ({trace_id}) still came by the Zipkin exporter from {counts}"
        verdict.details.append(
            f"these spans carry a {ZIPKIN_EXPORTER_TAG} tag, which only the Zipkin exporters write; over OTLP "
            "the service name is the span's localEndpoint alone"
        )
        verdict.details += [f"  hint ({name}): {HOW.get(name, HOW['backend'])}" for name in sorted(by_zipkin)]
        return verdict
    verdict.headline = f"your newest search came over OTLP from {', '.join(services)}, whole"
    verdict.details.append(
        f"none of its {len(spans)} spans carries a {ZIPKIN_EXPORTER_TAG} tag: no Zipkin exporter sent them"
    )
    return verdict
