"""A span's details as the facts viewer.js draws the first time its row is opened: the exception first,
when it has one, then who and when, its tags, and its events with their attributes. Lists rather than
objects: a 1,000-span trace carries them all in its page, as one JSON list (collector.waterfall)."""

from __future__ import annotations

from .readable import clock_text, duration
from .span_events import EXCEPTION_STACKTRACE, SpanEvent, exception_facts, exception_headline
from .trace_model import Span, service_of


def _value(term: str, value: object) -> list[str]:
    """A tag as [term, text], or [term, text, "pre"] when its text has line breaks (a stack trace)."""
    text = str(value)
    return [term, text, "pre"] if "\n" in text else [term, text]


def _shown_once(key: str, text: str, exception: dict[str, str] | None) -> str:
    """An event's attribute as its details list it: a stack trace the exception above shows already, named."""
    return "(the stack trace above)" if exception and key == EXCEPTION_STACKTRACE and text == exception[key] else text


def span_facts(span: Span, events: list[SpanEvent], begin: int, now: int) -> list[list]:
    """A span's details as lists viewer.js draws, by their third item: [term, text]; [term, text, "code"] for
    an identifier; [term, text, "pre"] for text with line breaks; [term, UTC text, "time", epoch µs, after];
    [term, name, "event", [[key, text], ...], is_exception]; and first, when it has one,
    ["exception", "type: message", "exception", stack trace]."""
    facts: list[list] = []
    exception = exception_facts(span, events)
    if exception:
        facts.append(["exception", exception_headline(exception), "exception", exception.get(EXCEPTION_STACKTRACE, "")])
    facts += [["service", service_of(span)], ["kind", span.get("kind", "local")], ["span id", span["id"], "code"]]
    if span.get("parentId"):
        facts.append(["parent id", span["parentId"], "code"])
    start = span.get("timestamp")
    if start is not None:
        utc_text = clock_text(start, now, precise=True) + " UTC"
        facts.append(["start", utc_text, "time", start, f" (+{duration(start - begin)})"])
    facts.append(["duration", duration(span.get("duration"))])
    facts.extend(_value(key, value) for key, value in span.get("tags", {}).items())
    for event in events:
        attributes = [[key, _shown_once(key, text, exception)] for key, text in event.attributes.items()]
        facts.append([f"+{duration(event.timestamp - begin)}", event.name, "event", attributes, event.is_exception])
    return facts
