"""Service links from traces, counted the way Zipkin's DependencyLinker counts them.

Walking each trace's span tree: a server (or consumer) span links its caller to its own service; a
client span links only when nothing below it was traced (an uninstrumented or unnamed callee); the
caller of a server span that names none is the nearest ancestor with a kind. A call is an error
when its span, or the client half of it, has an `error` tag.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

Span = dict[str, Any]


def _service(span: Span, endpoint: str) -> str | None:
    return span.get(endpoint, {}).get("serviceName")


def _merge_shared(spans: list[Span]) -> dict[str, Span]:
    """One node per span id: a shared server half is merged with its client half (B3 single-id RPCs)."""
    by_id: dict[str, Span] = {}
    for span in spans:
        other = by_id.get(span["id"])
        if other is None:
            by_id[span["id"]] = span
            continue
        if other.get("kind") is None or span.get("kind") is None:
            kept, dropped = (span, other) if other.get("kind") is None else (other, span)
        else:
            kept = span if span.get("kind") == "SERVER" else other
            dropped = other if kept is span else span
            if _service(kept, "remoteEndpoint") is None and _service(dropped, "localEndpoint"):
                kept = {**kept, "remoteEndpoint": dropped["localEndpoint"], "parentId": dropped.get("parentId")}
        if "error" in dropped.get("tags", {}):
            kept = {**kept, "tags": {**kept.get("tags", {}), "error": dropped["tags"]["error"]}}
        by_id[span["id"]] = kept
    return by_id


def _rpc_ancestor(span: Span, nodes: dict[str, Span]) -> Span | None:
    seen = {span["id"]}
    parent_id = span.get("parentId")
    while parent_id in nodes and parent_id not in seen:
        seen.add(parent_id)
        ancestor = nodes[parent_id]
        if ancestor.get("kind") is not None:
            return ancestor
        parent_id = ancestor.get("parentId")
    return None


def link_trace(spans: list[Span], calls: Counter, errors: Counter) -> None:
    """Add the links of one trace to the counters."""
    nodes = _merge_shared(spans)
    has_children = {s.get("parentId") for s in nodes.values() if s.get("parentId") in nodes}
    for span in nodes.values():
        kind = span.get("kind")
        if kind == "CLIENT" and span["id"] in has_children:
            continue  # the server side below it makes the link
        local, remote = _service(span, "localEndpoint"), _service(span, "remoteEndpoint")
        if kind is None:
            if local is None or remote is None:
                continue  # a local span
            kind = "CLIENT"
        if kind in ("SERVER", "CONSUMER"):
            parent, child = remote, local
            if span.get("parentId") not in nodes and parent is None and kind == "SERVER":
                continue  # the root's caller is unknown
        else:
            parent, child = local, remote
        is_error = "error" in span.get("tags", {})
        if kind in ("PRODUCER", "CONSUMER"):
            if parent and child:
                _add(calls, errors, parent, child, is_error)
            continue
        ancestor = _rpc_ancestor(span, nodes)
        ancestor_service = _service(ancestor, "localEndpoint") if ancestor else None
        if ancestor_service:
            if kind == "CLIENT" and local and ancestor_service != local:
                _add(calls, errors, ancestor_service, local, False)  # a link the client's caller missed
            if parent is None:
                parent = ancestor_service
            if not is_error and ancestor.get("kind") == "CLIENT" and span.get("parentId") == ancestor["id"]:
                is_error = "error" in ancestor.get("tags", {})
        if parent and child:
            _add(calls, errors, parent, child, is_error)


def _add(calls: Counter, errors: Counter, parent: str, child: str, is_error: bool) -> None:
    calls[(parent, child)] += 1
    if is_error:
        errors[(parent, child)] += 1


def link_dependencies(traces: Iterable[list[Span]]) -> list[dict[str, Any]]:
    """Dependency links of many traces, errorCount left out when zero (Zipkin's JSON)."""
    calls: Counter = Counter()
    errors: Counter = Counter()
    for spans in traces:
        link_trace(spans, calls, errors)
    links = []
    for (parent, child), count in calls.items():
        link: dict[str, Any] = {"parent": parent, "child": child, "callCount": count}
        if errors[(parent, child)]:
            link["errorCount"] = errors[(parent, child)]
        links.append(link)
    return links
