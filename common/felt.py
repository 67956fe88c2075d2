"""How a stored (Zipkin v2) span tells what a browser user felt: the web vital it records, and whether it
is an error the user met. The journey page (collector) and chapter 12's check (journey) read spans by
these same rules; the browser writes them (frontend/src/vitals.js, errors.js)."""

from __future__ import annotations

from typing import Any

UNCAUGHT = ("uncaught error", "unhandled rejection")  # the browser's error spans, as Zipkin stores the names
ACTION = "ui.action"  # the user action a record belongs to, or that a failed action span is
VITAL_PREFIX = "web vital "  # `web vital LCP`, stored in lower case
VITAL_NAME = "browser.web_vital.name"


def span_tags(span: dict[str, Any]) -> dict[str, str]:
    """A stored span's tags; {} when it has none (Zipkin leaves the field out)."""
    return span.get("tags") or {}


def vital_name(span: dict[str, Any]) -> str | None:
    """The web vital a `web vital <NAME>` span records ('LCP'), else None."""
    name = span.get("name", "").lower()
    if not name.startswith(VITAL_PREFIX):
        return None
    return span_tags(span).get(VITAL_NAME) or name[len(VITAL_PREFIX) :].upper()


def met_by_user(span: dict[str, Any]) -> bool:
    """An error the user met: an uncaught error, an unhandled rejection, or a failed user action."""
    tags = span_tags(span)
    return "error" in tags and (span.get("name", "").lower() in UNCAUGHT or ACTION in tags)
