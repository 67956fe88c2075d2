"""A span's events as the viewer shows them: each Zipkin annotation read back as a name and attributes,
and the span's exception, wherever its sender put it.

A Zipkin annotation is one string, so each sender writes an OpenTelemetry event its own way:
- the Python SDK's Zipkin exporter: a JSON object, `{"exception": {"exception.type": ..., ...}}`;
- OTLP mapped to Zipkin (collector.otlp_mapping, as zipkin-otel does): `"exception": {...}`;
- the JavaScript SDK's Zipkin exporter: the event's name alone; the browser's spans carry the
  exception's facts as `exception.*` tags instead (frontend/src/errors.js).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.semconv.attributes.exception_attributes import (
    EXCEPTION_MESSAGE,
    EXCEPTION_STACKTRACE,
    EXCEPTION_TYPE,
)

EXCEPTION = "exception"  # the event's name in the conventions
EXCEPTION_KEYS = (EXCEPTION_TYPE, EXCEPTION_MESSAGE, EXCEPTION_STACKTRACE)


@dataclass(frozen=True)
class SpanEvent:
    """One annotation: its time (epoch µs), its name and its attributes (values as text)."""

    timestamp: int
    name: str
    attributes: dict[str, str] = field(default_factory=dict)

    @property
    def is_exception(self) -> bool:
        return self.name == EXCEPTION


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def read_annotation(value: str) -> tuple[str, dict[str, str]]:
    """An annotation's name and attributes, in each of the forms above; any other text is a name alone."""
    text = value.strip()
    try:
        if text.startswith("{"):
            parsed = json.loads(text)
            if isinstance(parsed, dict) and len(parsed) == 1:
                [(name, attributes)] = parsed.items()
                if isinstance(attributes, dict):
                    return name, {key: _as_text(item) for key, item in attributes.items()}
        elif text.startswith('"'):
            name, end = json.JSONDecoder().raw_decode(text)
            rest = text[end:].lstrip()
            if isinstance(name, str) and rest.startswith(":"):
                attributes = json.loads(rest[1:])
                if isinstance(attributes, dict):
                    return name, {key: _as_text(item) for key, item in attributes.items()}
    except ValueError:
        pass  # not one of the encodings: the text is the name
    return value, {}


def span_events(span: dict[str, Any]) -> list[SpanEvent]:
    """The span's annotations as events, in time order."""
    if "annotations" not in span:
        return []
    events = [
        SpanEvent(annotation["timestamp"], *read_annotation(str(annotation["value"])))
        for annotation in span.get("annotations", [])
    ]
    return sorted(events, key=lambda event: event.timestamp)


def exception_headline(facts: dict[str, str]) -> str:
    """An exception in one line, as Python and JavaScript print one: "KeyError: 'no such talk'"."""
    return ": ".join(facts[key] for key in (EXCEPTION_TYPE, EXCEPTION_MESSAGE) if key in facts)


def exception_facts(span: dict[str, Any], events: list[SpanEvent]) -> dict[str, str] | None:
    """The span's exception (type, message, stack trace): from an exception event with attributes,
    else from the span's `exception.*` tags; None when it has neither."""
    for event in events:
        if event.is_exception and any(key in event.attributes for key in EXCEPTION_KEYS):
            return {key: event.attributes[key] for key in EXCEPTION_KEYS if key in event.attributes}
    tags = span.get("tags", {})
    found = {key: tags[key] for key in EXCEPTION_KEYS if key in tags}
    return found or None
