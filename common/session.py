"""The session a request belongs to, and what else of its W3C baggage Journey records on spans.

Read with the OpenTelemetry API's baggage propagator, so it works the same with tracing off. Baggage
comes from the caller, so only the members in RECORDED_MEMBERS are ever put on a span, each only when
its value passes its check: a member that is missing or malformed is left out, never stored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from opentelemetry import baggage
from opentelemetry.baggage.propagation import W3CBaggagePropagator
from opentelemetry.context import Context

from . import conventions as attrs

_PROPAGATOR = W3CBaggagePropagator()


def valid_session_id(value: object) -> str | None:
    """The value if it is a well-formed session id, else None."""
    return value if isinstance(value, str) and attrs.SESSION_ID_PATTERN.fullmatch(value) else None


def valid_attendee(value: object) -> str | None:
    """The value if it is a nickname the app allows (1–24 letters, digits, spaces, - and _), else None."""
    return value if isinstance(value, str) and attrs.WORKSHOP_ATTENDEE_PATTERN.fullmatch(value) else None


def _synthetic_mark(value: object) -> bool | None:
    return True if value == "true" else None


# baggage member: its check, giving the attribute value to record or None
RECORDED_MEMBERS: dict[str, Callable[[object], str | bool | None]] = {
    attrs.SESSION_ID: valid_session_id,
    attrs.SYNTHETIC: _synthetic_mark,  # `journey load` marks the traffic it makes
    attrs.WORKSHOP_ATTENDEE: valid_attendee,
}


def recorded_baggage(ctx: Context | None = None) -> dict[str, str | bool]:
    """The members of a context's baggage (the current context's by default) to record on a span, checked."""
    found = {}
    for key, check in RECORDED_MEMBERS.items():
        value = check(baggage.get_baggage(key, ctx))
        if value is not None:
            found[key] = value
    return found


def session_id_from(ctx: Context | None = None) -> str | None:
    """The session id in a context's baggage (the current context's by default)."""
    return valid_session_id(baggage.get_baggage(attrs.SESSION_ID, ctx))


def session_id_from_headers(headers: Mapping[str, str]) -> str | None:
    """The session id in an HTTP request's `baggage` header."""
    carrier = {"baggage": headers.get("baggage", "")}
    return session_id_from(_PROPAGATOR.extract(carrier))
