"""Trace shapes as data: each expected span is (service, name, kind, parent service, parent name)."""

from __future__ import annotations

import requests

from conftest import poll_until

Edge = tuple  # (service, name, kind, parent_service, parent_name); parent None: the root


def service(span: dict) -> str | None:
    return span.get("localEndpoint", {}).get("serviceName")


def find(spans: list[dict], service_name: str, name: str) -> list[dict]:
    return [s for s in spans if service(s) == service_name and s.get("name") == name]


def missing_edges(spans: list[dict], shape: list[Edge]) -> list[Edge]:
    """The lines of `shape` that no span of the trace satisfies (empty when the trace has the shape)."""
    by_id = {s["id"]: s for s in spans}
    missing = []
    for svc, name, kind, parent_svc, parent_name in shape:
        def fits(span: dict) -> bool:
            if kind != "*" and span.get("kind") != kind:
                return False
            if parent_name is None:
                return "parentId" not in span
            parent = by_id.get(span.get("parentId"))
            return parent is not None and service(parent) == parent_svc and parent.get("name") == parent_name
        if not any(fits(s) for s in find(spans, svc, name)):
            missing.append((svc, name, kind, parent_svc, parent_name))
    return missing


def action_shape(action: str, operation: str, resolver: str) -> list[Edge]:
    """A user action that calls the API once: action → fetch → server → operation → resolver → database."""
    return [
        ("frontend", action, None, None, None),
        ("frontend", "post", "CLIENT", "frontend", action),
        ("backend", "post /graphql", "SERVER", "frontend", "post"),
        ("backend", operation, None, "backend", "post /graphql"),
        ("backend", resolver, None, "backend", operation),
        ("backend", "select", "CLIENT", "backend", resolver),
    ]


def wait_for_shape(collector_url: str, trace_id: str, shape: list[Edge], timeout: float = 15) -> list[dict]:
    """Poll the collector until trace `trace_id` has `shape`; fail showing what is missing."""
    last: dict = {}

    def complete():
        response = requests.get(f"{collector_url}/api/v2/trace/{trace_id}", timeout=5)
        spans = response.json() if response.status_code == 200 else []
        last["missing"] = missing_edges(spans, shape) if spans else shape
        last["have"] = sorted({(service(s), s.get("name")) for s in spans})
        return spans if spans and not last["missing"] else None

    try:
        return poll_until(complete, f"trace {trace_id} to have its shape", timeout=timeout)
    except BaseException:
        print(f"missing: {last.get('missing')}\nhave: {last.get('have')}")
        raise
