"""`journey check`: does my trace have the shape this workshop chapter expects? Also a CI assertion.

    journey check                      list the checkpoints
    journey check 2                    chapter 2's checkpoint against http://localhost:9411
    journey check 5 6 --wait 20        several, retrying each for up to 20 s (spans arrive in batches)
    journey check --shape my.json      a team's own shape, e.g. in CI after the end-to-end tests

Exit status: 0 every check passed, 1 a trace lacks its shape (what is missing is printed),
2 the collector cannot be read, or an argument or shape file is wrong.
"""

from __future__ import annotations

import re
import sys
import time

from common.conventions import SESSION_ID_PATTERN
from common.settings import Setting, SettingError, parse_non_negative_int, parse_url

from .checkpoints import CHECKPOINTS, Checkpoint, Scope, Verdict, checkpoint, shape_checkpoint
from .shapes import ShapeError, load_shape
from .zipkin_client import CollectorUnreachable, ZipkinClient

UNITS_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}


def parse_lookback(text: str) -> int:
    """A time span such as 30s, 15m, 2h or 7d (a bare number is milliseconds), at most 7 days."""
    found = re.fullmatch(r"\s*(\d{1,9})\s*(ms|s|m|h|d)?\s*", text)
    if not found:
        raise SettingError(f"not a time span like 30s, 15m or 2h: {text!r}")
    value = int(found.group(1)) * UNITS_MS[found.group(2) or "ms"]
    if not 1000 <= value <= 7 * UNITS_MS["d"]:
        raise SettingError(f"must be from 1s to 7d: {text!r}")
    return value


def parse_trace_id(text: str) -> str:
    """A trace id: 16 or 32 hex digits."""
    if not re.fullmatch(r"[0-9a-fA-F]{16}|[0-9a-fA-F]{32}", text.strip()):
        raise SettingError(f"not a trace id (16 or 32 hex digits): {text[:40]!r}")
    return text.strip().lower()


def parse_session(text: str) -> str:
    """A session id the backend accepts (common/conventions.py): letters, digits, '-', '_', '.', ':'."""
    if not SESSION_ID_PATTERN.fullmatch(text.strip()):
        raise SettingError(f"not a session id (letters, digits, - _ . :): {text[:40]!r}")
    return text.strip()


CHECK_SETTINGS = [
    Setting(
        "collector",
        "JOURNEY_CHECK_COLLECTOR",
        "http://localhost:9411",
        "the Zipkin API to read: our collector, real Zipkin, or its UI URL",
        "--collector",
        parse_url,
    ),
    Setting(
        "lookback",
        "JOURNEY_CHECK_LOOKBACK",
        "15m",
        "how far back to look for traces (30s, 15m, 2h, 7d)",
        "--lookback",
        parse_lookback,
    ),
    Setting("session", "JOURNEY_CHECK_SESSION", None, "only traces of this session.id", "--session", parse_session),
    Setting(
        "trace", "JOURNEY_CHECK_TRACE", None, "check this one trace instead of the newest", "--trace", parse_trace_id
    ),
    Setting(
        "wait",
        "JOURNEY_CHECK_WAIT",
        0,
        "seconds to keep retrying a failing check (for CI)",
        "--wait",
        parse_non_negative_int,
    ),
    Setting("shape", "JOURNEY_CHECK_SHAPE", None, "a shape file (JSON) to check instead of a chapter", "--shape"),
]


def listing() -> str:
    lines = ["Workshop checkpoints (docs/workshop/): journey check <number or name>"]
    lines += [f"  {p.number:>2}  {p.slug:<18} {p.title}" for p in CHECKPOINTS]
    return "\n".join(lines)


def report(point: Checkpoint, verdict: Verdict) -> str:
    label = f"chapter {point.number} ({point.slug})" if point.number else point.title
    lines = [f"{'PASS' if verdict.passed else 'FAIL'}  {label}: {verdict.headline}"]
    lines += [f"      {line}" for line in verdict.details]
    lines += [f"      open: {link}" for link in verdict.links]
    return "\n".join(lines)


def run_one(point: Checkpoint, api: ZipkinClient, scope: Scope, wait_s: float) -> Verdict:
    """Run a check, again every second while it fails (or the collector does not answer) within `wait_s`."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            verdict = point.run(api, scope)
        except CollectorUnreachable:  # in CI the collector may still be starting
            if time.monotonic() >= deadline:
                raise
        else:
            if verdict.passed or time.monotonic() >= deadline:
                return verdict
        time.sleep(1)


def run(config: dict, names: list[str]) -> int:
    points = []
    for name in names:
        found = checkpoint(name)
        if found is None:
            print(f"journey check: no checkpoint {name!r}\n{listing()}", file=sys.stderr)
            return 2
        points.append(found)
    if config["shape"]:
        try:
            points.append(shape_checkpoint(load_shape(config["shape"])))
        except ShapeError as error:
            print(f"journey check: shape file {error}", file=sys.stderr)
            return 2
    if not points:
        print(listing())
        return 0
    api = ZipkinClient(config["collector"])
    lookback = config["lookback"]  # the default is written as a user would type it
    scope = Scope(
        parse_lookback(lookback) if isinstance(lookback, str) else lookback, config["session"], config["trace"]
    )
    failed = False
    for point in points:
        try:
            verdict = run_one(point, api, scope, config["wait"])
        except CollectorUnreachable as error:
            print(
                f"journey check: {error}\n  is the demo running (`make demo`)? is --collector right?", file=sys.stderr
            )
            return 2
        print(report(point, verdict), flush=True)
        failed = failed or not verdict.passed
    return 1 if failed else 0
