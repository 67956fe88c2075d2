"""What a checkpoint is, and the lookups every chapter's check shares.

Each check reads the collector's Zipkin API only, so it works against our collector, the real
Zipkin, or Zipkin behind an OpenTelemetry Collector. Traces made by `journey load`
(journey.synthetic=true) are not the attendee's clicks and are skipped.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ..shapes import Expect, ShapeFile, explain, service
from ..zipkin_client import ZipkinClient

SESSION = "session.id"
INSTANCE = "service.instance.id"  # a resource attribute, new each time a process starts; a tag on each of its spans


@dataclass(frozen=True)
class Scope:
    """Which traces a check looks at: the lookback window, one session, or one trace."""

    lookback_ms: int = 15 * 60 * 1000
    session: str | None = None
    trace_id: str | None = None


@dataclass
class Verdict:
    passed: bool
    headline: str
    details: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Checkpoint:
    number: int
    slug: str
    title: str
    run: Callable[[ZipkinClient, Scope], Verdict]


def _synthetic(spans: list[dict]) -> bool:
    return any((s.get("tags") or {}).get("journey.synthetic") == "true" for s in spans)


def has_event(span: dict, name: str) -> bool:
    """Whether the span has the event `name`: the Zipkin exporters write {"name": {attributes}}, OTLP's mapping
    into Zipkin "name": {attributes}, and both the name alone for an event without attributes."""
    for annotation in span.get("annotations") or []:
        value = annotation.get("value", "")
        if value == name:
            return True
        for text in (value, "{" + value + "}"):
            try:
                decoded = json.loads(text)
            except ValueError:
                continue
            if isinstance(decoded, dict) and name in decoded:
                return True
    return False


def root_span(spans: list[dict]) -> dict | None:
    """The span without a parent, if the trace has it."""
    return next((s for s in spans if "parentId" not in s), None)


def candidates(
    api: ZipkinClient, scope: Scope, svc: str, span: str | None, limit: int = 10, where: str | None = None
) -> list[list[dict]]:
    """The attendee's traces with a span `span` of `svc` (tags `where`), newest first (or just the one asked)."""
    if scope.trace_id:
        spans = api.trace(scope.trace_id)
        return [spans] if spans else []
    query = " and ".join(q for q in (f"{SESSION}={scope.session}" if scope.session else None, where) if q) or None
    traces = api.traces(svc, span, query, scope.lookback_ms, limit)
    return [spans for spans in traces if not _synthetic(spans)]


def started_us(spans: list[dict]) -> int:
    """When the trace began (its earliest span), in epoch microseconds."""
    return min((s.get("timestamp") for s in spans if s.get("timestamp")), default=0)


@dataclass(frozen=True)
class Since:
    """The traces made since `svc`'s newest process started: a check judges the attendee's latest change."""

    svc: str
    instance: str
    started_us: int  # the process's first span in scope: about when it started
    restarted: bool  # an older process of `svc` has spans in scope too

    def words(self) -> str:
        """The window in words: "traces since the backend restarted at 20:31:05"."""
        clock = time.strftime("%H:%M:%S", time.localtime(self.started_us / 1_000_000))
        return f"traces since the {self.svc} {'restarted' if self.restarted else 'started'} at {clock}"

    def holds(self, spans: list[dict]) -> bool:
        """Whether the trace was made by this process, or began after it started."""
        return started_us(spans) >= self.started_us or any(
            (s.get("tags") or {}).get(INSTANCE) == self.instance for s in spans
        )

    def scope(self, scope: Scope) -> Scope:
        """`scope` narrowed to the window (with a minute to spare: the filter is `holds`)."""
        since_ms = time.time() * 1000 - self.started_us / 1000
        return replace(scope, lookback_ms=int(min(scope.lookback_ms, since_ms + 60_000)))


def since_start(api: ZipkinClient, scope: Scope, svc: str, limit: int = 1000) -> Since | None:
    """When `svc`'s newest process (its service.instance.id tag) made its first span in scope; None if untold."""
    if scope.trace_id:
        return None
    # on a collector a room shares, the newest process of `svc` that served this attendee's session
    session = f"{SESSION}={scope.session}" if scope.session else None
    recent = api.traces(svc, None, session, scope.lookback_ms, 100)
    instances = [
        (s.get("tags") or {}).get(INSTANCE) for spans in recent for s in spans if service(s) == svc
    ]  # newest trace first
    newest = next((i for i in instances if i), None)
    if newest is None:
        return None
    # Zipkin answers the newest `limit` traces: past that, the window starts later than the process, never earlier
    own = api.traces(svc, None, " and ".join(filter(None, (f"{INSTANCE}={newest}", session))), scope.lookback_ms, limit)
    first = min(
        (
            s["timestamp"]
            for spans in own
            for s in spans
            if (s.get("tags") or {}).get(INSTANCE) == newest and s.get("timestamp")
        ),
        default=None,
    )
    if first is None:
        return None
    return Since(svc, newest, first, any(i and i != newest for i in instances))


def age(spans: list[dict]) -> str:
    """How long ago the trace started, as an attendee reads it ("40 s ago", "3 min ago")."""
    started = min((s.get("timestamp") for s in spans if s.get("timestamp")), default=None)
    if started is None:
        return "time unknown"
    seconds = max(0, time.time() - started / 1_000_000)
    return f"{seconds:.0f} s ago" if seconds < 120 else f"{seconds / 60:.0f} min ago"


def minutes(scope: Scope) -> str:
    """The lookback window in words ("15 minutes")."""
    return f"{scope.lookback_ms / 60000:g} minutes"


def none_found(what: str, scope: Scope, todo: str) -> Verdict:
    """The failing verdict when no trace of `what` is in scope, with what to do to make one."""
    where = f"trace {scope.trace_id}" if scope.trace_id else f"the last {minutes(scope)}"
    session = f" of session {scope.session}" if scope.session else ""
    return Verdict(False, f"no {what}{session} in {where}", [todo])


def check_shape(
    api: ZipkinClient,
    scope: Scope,
    find_: tuple[str, str | None],
    shape: list[Expect],
    passed: str,
    todo: str,
    what: str | None = None,
) -> tuple[Verdict, list[dict]]:
    """The newest trace found by `find_` against `shape`: every missing span explained, with its hint."""
    traces = candidates(api, scope, *find_)
    what = what or f"'{find_[1]}' trace from {find_[0]}"
    if not traces:
        return none_found(what, scope, todo), []
    spans = traces[0]
    trace_id = spans[0]["traceId"]
    problems = [(expect, why) for expect in shape if (why := explain(spans, expect))]
    details = []
    for expect, why in problems:
        details.append(why)
        if expect.hint:
            details.append(f"  hint: {expect.hint}")
    link = [api.viewer_url(trace_id)]
    if problems:
        return Verdict(
            False, f"your newest {what} ({trace_id}, {age(spans)}) does not have the shape yet", details, link
        ), spans
    return Verdict(
        True,
        passed,
        [
            f"trace {trace_id} ({age(spans)}): {len(spans)} spans from "
            f"{', '.join(sorted({service(s) or '?' for s in spans}))}"
        ],
        link,
    ), spans


def shape_checkpoint(shape: ShapeFile) -> Checkpoint:
    """A team's own shape file as a checkpoint: the newest trace `find` selects must have every span."""

    def run(api: ZipkinClient, scope: Scope) -> Verdict:
        find_ = (shape.find["service"], shape.find.get("span"))
        what = f"trace with {find_[1] or 'a span'} from {find_[0]}"
        verdict, _ = check_shape(
            api,
            scope,
            find_,
            shape.spans,
            f"the newest {what} has the shape '{shape.name}'",
            "make the trace first (run the tests or the flow that makes it)",
            what,
        )
        return verdict

    return Checkpoint(0, shape.name, f"shape file {shape.name}", run)
