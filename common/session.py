"""The session a request belongs to: the `session.id` member of its W3C baggage header.

Read with the OpenTelemetry API's baggage propagator, so it works the same with tracing off.
"""

from __future__ import annotations

from collections.abc import Mapping

from opentelemetry import baggage, context
from opentelemetry.baggage.propagation import W3CBaggagePropagator
from opentelemetry.context import Context

from . import conventions as attrs

_PROPAGATOR = W3CBaggagePropagator()
# the request's session id, validated once when its server span starts, for every span after it
SESSION_KEY = context.create_key("journey.session.id")


def valid_session_id(value: object) -> str | None:
    """The value if it is a well-formed session id, else None."""
    return value if isinstance(value, str) and attrs.SESSION_ID_PATTERN.fullmatch(value) else None


def session_id_from(ctx: Context | None = None) -> str | None:
    """The session id in a context's baggage."""
    return valid_session_id(baggage.get_baggage(attrs.SESSION_ID, ctx))


def _synthetic(ctx: Context | None) -> bool:
    """Whether the baggage marks the request as made by `journey load`."""
    return baggage.get_baggage(attrs.SYNTHETIC, ctx) == "true"


def with_session(ctx: Context) -> Context:
    """`ctx` with its baggage's session id (validated) and synthetic mark kept under SESSION_KEY."""
    return context.set_value(SESSION_KEY, (session_id_from(ctx), _synthetic(ctx)), ctx)


def known_session(ctx: Context | None = None) -> tuple[str | None, bool]:
    """(session id, synthetic) as kept by `with_session`, else read from the baggage."""
    ctx = context.get_current() if ctx is None else ctx
    kept = context.get_value(SESSION_KEY, ctx)
    return kept if kept is not None else (session_id_from(ctx), _synthetic(ctx))


def known_session_id(ctx: Context | None = None) -> str | None:
    """The session id of the request (see known_session)."""
    return known_session(ctx)[0]


def session_id_from_headers(headers: Mapping[str, str]) -> str | None:
    """The session id in an HTTP request's `baggage` header."""
    carrier = {"baggage": headers.get("baggage", "")}
    return session_id_from(_PROPAGATOR.extract(carrier))
