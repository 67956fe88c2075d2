"""Facts of Zipkin's v2 span model shared by the collector and `journey check`: the span kinds, and where
a span names its service and the service at its other end. Standard library only."""

from __future__ import annotations

from typing import Any

# Zipkin's Span.Kind, in its order; a span without a kind is a local (INTERNAL) one
KINDS = ("CLIENT", "SERVER", "PRODUCER", "CONSUMER")


def service_name(span: dict[str, Any]) -> str | None:
    """The service that recorded the span (its localEndpoint's), or None."""
    return (span.get("localEndpoint") or {}).get("serviceName")


def remote_service_name(span: dict[str, Any]) -> str | None:
    """The service at the other end of the span (its remoteEndpoint's, e.g. a client's callee), or None."""
    return (span.get("remoteEndpoint") or {}).get("serviceName")
