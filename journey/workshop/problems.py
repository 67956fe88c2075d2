"""Chapters 5–7: the planted problems (N+1 queries, a slow dependency, a flaky write), found in traces.

Each check passes once the attendee's trace shows the problem, or shows it fixed: finding it is
the chapter's point, and the hints name the `journey fix` that fixes it (the running demo follows it,
and later chapters keep it).
"""

from __future__ import annotations

from collections import Counter

from ..shapes import Expect, explain, find
from ..zipkin_client import ZipkinClient
from .engine import Scope, Verdict, candidates, has_event, none_found, root_span
from .tracing import SEARCH_TODO

RESULTS = "ui.result.count"  # on the browser's 'search talks': the talks on the page
ENOUGH_TALKS = 3  # an N+1 shows as one statement run once per talk: with one or two talks it hides


def talks_shown(spans: list[dict]) -> int | None:
    """How many talks the search showed: the browser's ui.result.count, or one `resolve talk.speakers` per talk."""
    counts = [int(n) for s in find(spans, "frontend", "search talks") if (n := (s.get("tags") or {}).get(RESULTS))]
    resolvers = len(find(spans, "backend", "resolve talk.speakers"))
    return max(counts + [resolvers]) if counts or resolvers else None


def n_plus_one(api: ZipkinClient, scope: Scope) -> Verdict:
    """Chapter 5: whether the newest search with several talks repeats one query per talk (the planted N+1)."""
    traces = [t for t in candidates(api, scope, "frontend", "search talks", 20) if find(t, "backend", "select")]
    if not traces:
        return none_found("'search talks' trace that reached the database", scope, SEARCH_TODO)
    judged = [t for t in traces if repeats(t) > 2 or (talks_shown(t) or ENOUGH_TALKS) >= ENOUGH_TALKS]
    if not judged:
        newest = traces[0]
        shown = talks_shown(newest)
        return Verdict(
            False,
            f"your newest search ({newest[0]['traceId']}) showed {shown} talk{'' if shown == 1 else 's'}: "
            "too few to tell",
            [
                f"an N+1 runs one query per talk: it shows only with {ENOUGH_TALKS} talks or more on the page",
                "  search for something with several talks, e.g. clear the search box (all 9 talks), then check again",
            ],
            [api.viewer_url(newest[0]["traceId"])],
        )
    spans = judged[0]
    trace_id = spans[0]["traceId"]
    by_id = {s["id"]: s for s in spans}
    selects = find(spans, "backend", "select")
    statements = Counter((s.get("tags") or {}).get("db.statement", "?") for s in selects)
    statement, times = statements.most_common(1)[0]
    shown = talks_shown(spans)
    link = [api.viewer_url(trace_id)]
    skipped = (
        [f"(your newer searches showed fewer than {ENOUGH_TALKS} talks, too few to show an N+1)"]
        if spans is not traces[0]
        else []
    )
    if times > 2:
        parents = Counter(
            by_id.get(s.get("parentId"), {}).get("name", "?")
            for s in selects
            if (s.get("tags") or {}).get("db.statement") == statement
        )
        under = ", ".join(f"{n} under '{name}'" for name, n in parents.most_common(3))
        return Verdict(
            False,
            f"your newest search with several talks ({trace_id}) runs the same query {times} times: an N+1",
            [
                *skipped,
                f"{times} 'select' spans ({under}) run: {statement[:120]}",
                "one query per talk on the page; the fix loads every talk's speakers in one query",
                "  hint: `journey fix n-plus-one` (no restart needed), or batch it yourself in backend/schema.py "
                "(Query.talks fills ctx.speakers_by_talk with planner.speakers_of_talks) and restart",
            ],
            link,
        )
    total = sum(statements.values())
    return Verdict(
        True,
        f"no N+1: your newest search with several talks runs {total} database "
        f"{'query' if total == 1 else 'queries'}, none repeated",
        [
            *skipped,
            f"trace {trace_id} ({shown if shown is not None else '?'} talks): "
            + "; ".join(f"{n}x {s[:60]}" for s, n in statements.most_common()),
        ],
        link,
    )


def repeats(spans: list[dict]) -> int:
    """How many times the trace's most repeated database statement ran."""
    statements = Counter((s.get("tags") or {}).get("db.statement", "?") for s in find(spans, "backend", "select"))
    return max(statements.values(), default=0)


def slow_dependency(api: ZipkinClient, scope: Scope) -> Verdict:
    """Chapter 6: recommendations wait for the ratings service, a third service in the trace."""
    shape = [
        Expect(
            "backend",
            "get",
            "CLIENT",
            parent=("backend", "resolve query.recommendations"),
            hint="backend/telemetry.py, http_client: httpx instrumentation makes the CLIENT span, injects traceparent",
        ),
        Expect(
            "ratings",
            "get /ratings",
            "SERVER",
            parent=("backend", "get"),
            hint="is `journey ratings` running and exporting? `journey up` starts it",
        ),
    ]
    todo = "open 'My schedule' in the app: its recommendations ask the ratings service for community scores"
    recommendations = candidates(api, scope, "backend", "resolve query.recommendations")
    traces = candidates(api, scope, "ratings", "get /ratings") or recommendations
    if not traces:
        return none_found("trace that asked for recommendations", scope, todo)
    spans = traces[0]
    trace_id = spans[0]["traceId"]
    problems = [why for expect in shape if (why := explain(spans, expect))]
    link = [api.viewer_url(trace_id)]
    if problems:
        return Verdict(
            False, f"the newest recommendations trace ({trace_id}) does not cross to ratings", problems, link
        )
    served = find(spans, "ratings", "get /ratings")[0]
    root = root_span(spans) or max(spans, key=lambda s: s.get("duration", 0))
    share = served.get("duration", 0) / max(1, root.get("duration", 1))
    details = [
        f"ratings answered in {served.get('duration', 0) / 1000:.0f} ms of the "
        f"{root.get('duration', 0) / 1000:.0f} ms trace ({share:.0%}): the third service, a second hop of context"
    ]
    if recommendations and not find(recommendations[0], "ratings", "get /ratings"):
        details.append(
            f"your newest recommendations ({recommendations[0][0]['traceId']}) did not wait for "
            "ratings: the cache works"
        )
    else:
        details.append(
            "  next: `journey fix slow-ratings` (no restart needed) and open 'My schedule' twice: the second "
            "trace has no ratings call"
        )
    return Verdict(True, "found the slow dependency: recommendations wait for the ratings service", details, link)


def flaky_write(api: ZipkinClient, scope: Scope) -> Verdict:
    """Chapter 7: a feedback write that failed (or was retried), and why, in its trace."""
    todo = "open a talk and send feedback a few times: about one write in three fails (JOURNEY_FLAKY_WRITE_RATE)"
    traces = candidates(api, scope, "backend", "mutation submitfeedback", limit=50)
    if not traces:
        return none_found("'mutation submitfeedback' trace from backend", scope, todo)
    for spans in traces:
        resolver = find(spans, "backend", "resolve mutation.submitfeedback")
        failed = [s for s in resolver if "error" in (s.get("tags") or {})]
        retried = [s for s in resolver if has_event(s, "retry")]
        trace_id = spans[0]["traceId"]
        if failed:
            return Verdict(
                True,
                "found the flaky write: a feedback write failed, and the trace says why",
                [
                    f"trace {trace_id}: 'resolve mutation.submitfeedback' error: {failed[0]['tags']['error'][:160]}",
                    "  next: `journey fix flaky-write` (no restart needed): the write is retried, and the trace "
                    "shows a 'retry' event instead of an error",
                ],
                [api.viewer_url(trace_id)],
            )
        if retried:
            return Verdict(
                True,
                "found the flaky write, already fixed: a failed first attempt was retried",
                [f"trace {trace_id}: 'resolve mutation.submitfeedback' has a 'retry' event and no error"],
                [api.viewer_url(trace_id)],
            )
    return Verdict(False, f"none of your {len(traces)} feedback traces failed yet", [todo])
