"""Trace shapes for the tests: each expected span is (service, name, kind, parent service, parent name).

The matching itself is journey.shapes, the code `journey check` runs, so the end-to-end tests and
the workshop checkpoints agree on what a shape means.
"""

from __future__ import annotations

import requests

from journey.shapes import Expect, explain, find, service  # noqa: F401 - find and service re-exported
from support import poll_until

Edge = tuple  # (service, name, kind, parent_service, parent_name); parent None: the root; kind "*": any


def expect(edge: Edge) -> Expect:
    svc, name, kind, parent_svc, parent_name = edge
    if parent_name is None:
        return Expect(svc, name, kind, root=True)
    return Expect(svc, name, kind, parent=(parent_svc, parent_name))


def missing_edges(spans: list[dict], shape: list[Edge]) -> list[str]:
    """What the trace lacks of `shape`, in plain words (empty when the trace has the shape)."""
    return [why for why in (explain(spans, expect(edge)) for edge in shape) if why]


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
        last["missing"] = missing_edges(spans, shape) if spans else ["the trace is not in the collector"]
        last["have"] = sorted({(service(s), s.get("name")) for s in spans})
        return spans if spans and not last["missing"] else None

    try:
        return poll_until(complete, f"trace {trace_id} to have its shape", timeout=timeout)
    except BaseException:
        print("missing:", *last.get("missing", []), sep="\n  ")
        print(f"have: {last.get('have')}")
        raise


GUIDED_STEPS = ["pick audience", "add to schedule", "review schedule", "submit feedback"]


def guided_journey_shape() -> list[Edge]:
    """'Plan my day' finished: one trace, every step a child of the journey, each calling the API."""
    shape = [("frontend", "plan my day", None, None, None)]
    shape += [("frontend", step, None, "frontend", "plan my day") for step in GUIDED_STEPS]
    shape += [("frontend", "post", "CLIENT", "frontend", step) for step in GUIDED_STEPS]
    shape += [
        ("backend", op, None, "backend", "post /graphql")
        for op in ("query searchtalks", "mutation addtoschedule", "query myschedule", "mutation submitfeedback")
    ]
    return shape
