"""The session a request belongs to: the `session.id` member of its W3C baggage header.

Read with the OpenTelemetry API's baggage propagator, so it works the same with tracing off.
"""

from __future__ import annotations

from collections.abc import Mapping

from opentelemetry import baggage
from opentelemetry.baggage.propagation import W3CBaggagePropagator
from opentelemetry.context import Context

from . import conventions as attrs

_PROPAGATOR = W3CBaggagePropagator()


def valid_session_id(value: object) -> str | None:
    """The value if it is a well-formed session id, else None."""
    return value if isinstance(value, str) and attrs.SESSION_ID_PATTERN.fullmatch(value) else None


def session_id_from(ctx: Context | None = None) -> str | None:
    """The session id in a context's baggage (the current context's by default)."""
    return valid_session_id(baggage.get_baggage(attrs.SESSION_ID, ctx))


def known_session(ctx: Context | None = None) -> tuple[str | None, bool]:
    """(session id, synthetic): the baggage's session id, validated, and whether `journey load` made the request."""
    return session_id_from(ctx), baggage.get_baggage(attrs.SYNTHETIC, ctx) == "true"


def session_id_from_headers(headers: Mapping[str, str]) -> str | None:
    """The session id in an HTTP request's `baggage` header."""
    carrier = {"baggage": headers.get("baggage", "")}
    return session_id_from(_PROPAGATOR.extract(carrier))
