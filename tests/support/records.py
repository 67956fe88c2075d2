"""The browser's records that are not user actions (session events, web vitals, errors), read back
from the collector's query API, and the session as the page keeps it."""

from __future__ import annotations

import time

import requests

from support import poll_until

DAY_MS = 24 * 3600 * 1000


def spans_named(collector_url: str, name: str, *, tag: str | None = None) -> list[dict]:
    """Every frontend span named `name` (as Zipkin stores it, lower case), with tag `key=value` if given.
    The window reaches a day ahead: a test that moves the page's clock makes spans in its future."""
    now_ms = int(time.time() * 1000)
    params = {"serviceName": "frontend", "spanName": name, "endTs": now_ms + DAY_MS, "lookback": 2 * DAY_MS}
    if tag:
        params["annotationQuery"] = tag
    traces = requests.get(f"{collector_url}/api/v2/traces", params={**params, "limit": 1000}, timeout=5).json()
    return [span for trace in traces for span in trace if span["name"] == name]


def wait_for_spans(collector_url: str, name: str, *, tag: str | None = None, count: int = 1) -> list[dict]:
    """Poll until the collector has at least `count` spans named `name` (with `tag`); returns them all."""
    what = f"{count} '{name}' span(s)" + (f" with {tag}" if tag else "")
    return poll_until(
        lambda: (found := spans_named(collector_url, name, tag=tag)) and len(found) >= count and found, what
    )


def stored_session(page) -> dict:
    """The session as the app keeps it in localStorage (shared by the browser's tabs)."""
    return page.evaluate("JSON.parse(localStorage.getItem('journey.session'))")


def open_app(context, url: str):
    """A new tab of `context` on the app, once its first page is drawn."""
    page = context.new_page()
    page.goto(url)
    page.get_by_role("status").filter(has_text="talks").wait_for()
    return page
