"""The workshop's checkpoints: for each chapter, what its trace must look like, said in plain words.

This is the table of them, in the workshop's order, and how `journey check` finds one by number
or name. Each chapter's check lives in journey/workshop/ beside the others of its part; the
machinery they share (Checkpoint, Scope, Verdict, reading the attendee's traces, a shape against
the newest one) is journey/workshop/engine.py.
"""

from __future__ import annotations

from .workshop.engine import Checkpoint, Scope, Verdict, shape_checkpoint
from .workshop.felt import what_the_user_felt
from .workshop.otlp import over_otlp
from .workshop.problems import flaky_write, n_plus_one, slow_dependency
from .workshop.production import real_zipkin, sampling
from .workshop.sessions import your_journey
from .workshop.tracing import backend_span, click_to_database, find_your_click, frontend_span

__all__ = ["CHECKPOINTS", "Checkpoint", "Scope", "Verdict", "checkpoint", "shape_checkpoint"]

CHECKPOINTS = [
    Checkpoint(1, "find-your-click", "Run it and find your click", find_your_click),
    Checkpoint(2, "click-to-database", "Follow the context from click to database", click_to_database),
    Checkpoint(3, "frontend-span", "Add a span and an attribute in the frontend", frontend_span),
    Checkpoint(4, "backend-span", "Add a span and an attribute in the backend", backend_span),
    Checkpoint(5, "n-plus-one", "Find and fix the N+1", n_plus_one),
    Checkpoint(6, "slow-dependency", "Find the slow dependency", slow_dependency),
    Checkpoint(7, "flaky-write", "Find the flaky write", flaky_write),
    Checkpoint(8, "your-journey", "Your journey: sessions and baggage", your_journey),
    Checkpoint(9, "sampling", "Sampling: keep whole traces or none", sampling),
    Checkpoint(10, "real-zipkin", "Moving to the real Zipkin or an OpenTelemetry Collector", real_zipkin),
    Checkpoint(11, "otlp", "From the Zipkin exporter to OTLP", over_otlp),
    Checkpoint(12, "what-the-user-felt", "What the user felt: the journey page", what_the_user_felt),
]


def checkpoint(name: str) -> Checkpoint | None:
    """A checkpoint by number ('5', '05') or slug ('n-plus-one')."""
    for point in CHECKPOINTS:
        if name.lstrip("0") == str(point.number) or name.lower() == point.slug:
            return point
    return None
