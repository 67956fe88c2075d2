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

from common.zipkin_model import remote_service_name, service_name

from .rpc import merge_shared

Span = dict[str, Any]


def _nodes(spans: list[Span]) -> dict[str, Span]:
    """One node per span id (collector.rpc's rule); a shared-id RPC is its server half, told by its client half."""
    return {
        span_id: node.span if node.server is None else _server_half(node.span, node.server)
        for span_id, node in merge_shared(spans).items()
    }


def _server_half(client: Span, server: Span) -> Span:
    """The server half of a shared-id RPC with the client's service as its caller, and the client's error."""
    if remote_service_name(server) is None and service_name(client):
        server = {**server, "remoteEndpoint": client["localEndpoint"], "parentId": client.get("parentId")}
    if "error" in client.get("tags", {}):
        server = {**server, "tags": {**server.get("tags", {}), "error": client["tags"]["error"]}}
    return server


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
    nodes = _nodes(spans)
    has_children = {s.get("parentId") for s in nodes.values() if s.get("parentId") in nodes}
    for span in nodes.values():
        kind = span.get("kind")
        if kind == "CLIENT" and span["id"] in has_children:
            continue  # the server side below it makes the link
        local, remote = service_name(span), remote_service_name(span)
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
        ancestor_service = service_name(ancestor) if ancestor else None
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
