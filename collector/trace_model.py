"""A trace as the viewer shows it: a tree of rows, client and server halves of a call merged into
one row, server clocks corrected into their client's time, and the trace's headline figures."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

from common.zipkin_model import remote_service_name, service_name

from .rpc import merge_shared

Span = dict[str, Any]
PALETTE = ["#2563eb", "#16a34a", "#db2777", "#ea580c", "#7c3aed", "#0891b2", "#ca8a04", "#dc2626"]


def service_of(span: Span) -> str:
    """The span's service as the viewer shows it: "unknown" when it names none."""
    return service_name(span) or "unknown"


def palette_index(service: str, services: list[str] | None = None) -> int:
    """A service's place in PALETTE: by its place among the trace's services (distinct), else by its name."""
    if services and service in services:
        return services.index(service) % len(PALETTE)
    return zlib.crc32(service.encode()) % len(PALETTE)


def service_colour(service: str, services: list[str] | None = None) -> str:
    """A colour per service (see palette_index)."""
    return PALETTE[palette_index(service, services)]


@dataclass
class Row:
    """One line of the waterfall: a span, or a client span with its server half merged in."""

    span: Span
    server: Span | None = None
    depth: int = 0
    children: list[Row] = field(default_factory=list)
    index: int = 0
    parent_index: int | None = None

    @property
    def services(self) -> list[str]:
        return [service_of(self.span)] + ([service_of(self.server)] if self.server else [])

    @property
    def ends(self) -> list[tuple[str, str | None]]:
        """(service, span name) of each end of the row: the span's own; then the merged server half's, or the
        remote service a CLIENT or PRODUCER span names (its own span is not in the trace: no name)."""
        ends: list[tuple[str, str | None]] = [(service_of(self.span), self.span.get("name", ""))]
        if self.server:
            ends.append((service_of(self.server), self.server.get("name", "")))
        elif self.span.get("kind") in ("CLIENT", "PRODUCER") and remote_service_name(self.span):
            ends.append((remote_service_name(self.span), None))
        return ends

    @property
    def error(self) -> bool:
        return any("error" in s.get("tags", {}) for s in (self.span, self.server) if s)


def _movable_copy(span: Span) -> Span:
    """A copy of what correct_skew moves: the span's timestamp and its annotations' (a deep copy of a
    1,000-span trace was more than half the time to build its rows)."""
    copied = dict(span)
    if "annotations" in span:
        copied["annotations"] = [dict(annotation) for annotation in span["annotations"]]
    return copied


def correct_skew(spans: list[Span]) -> list[Span]:
    """Shift each server subtree that starts before its client or ends after it into the client's span,
    splitting the network time evenly (clocks of a browser and a server rarely agree)."""
    spans = [_movable_copy(span) for span in spans]
    by_id = {s["id"]: s for s in spans}
    children: dict[str, list[Span]] = {}
    for span in spans:
        children.setdefault(span.get("parentId"), []).append(span)

    def shift(span: Span, delta: int) -> None:
        if "timestamp" in span:
            span["timestamp"] += delta
        for annotation in span.get("annotations", []):
            annotation["timestamp"] += delta
        for child in children.get(span["id"], []):
            shift(child, delta)

    for span in spans:
        parent = by_id.get(span.get("parentId"))
        if not parent or span.get("kind") != "SERVER" or parent.get("kind") != "CLIENT":
            continue
        if service_of(span) == service_of(parent) or "timestamp" not in span or "timestamp" not in parent:
            continue
        client_start, client_end = parent["timestamp"], parent["timestamp"] + parent.get("duration", 0)
        start, end = span["timestamp"], span["timestamp"] + span.get("duration", 0)
        if start < client_start or end > client_end:
            latency = max((client_end - client_start) - (end - start), 0) // 2
            shift(span, client_start + latency - start)
    return spans


def build_rows(spans: list[Span]) -> list[Row]:
    """The waterfall rows in display order (depth first, by start time)."""
    nodes = merge_shared(correct_skew(spans))  # a client and server sharing an id: one row (collector.rpc)
    spans = [node.span for node in nodes.values()]
    by_id = {s["id"]: s for s in spans}
    children: dict[str | None, list[Span]] = {}
    for span in spans:
        parent = span.get("parentId") if span.get("parentId") in by_id else None
        children.setdefault(parent, []).append(span)
    rows: list[Row] = []

    def walk(parent_id: str | None, depth: int, parent_index: int | None, skip: str | None = None) -> None:
        for span in sorted(children.get(parent_id, []), key=lambda s: (s.get("timestamp", 0), s["id"])):
            if span["id"] == skip:
                continue
            server = nodes[span["id"]].server
            below = children.get(span["id"], [])
            if (
                server is None
                and span.get("kind") == "CLIENT"
                and len(below) == 1
                and below[0].get("kind") == "SERVER"
                and service_of(below[0]) != service_of(span)
            ):
                server = below[0]  # one call, two halves: shown as one row, as Zipkin's UI does
            row = Row(span=span, server=server, depth=depth, index=len(rows), parent_index=parent_index)
            rows.append(row)
            merged_child = server["id"] if server is not None and server["id"] != span["id"] else None
            walk(span["id"], depth + 1, row.index, skip=merged_child)
            if merged_child:
                walk(merged_child, depth + 1, row.index)

    walk(None, 0, None)
    return rows


def missing_parents(spans: list[Span]) -> int:
    """How many spans name a parent the trace does not hold: not arrived yet, or never sent."""
    ids = {span["id"] for span in spans}
    return sum(1 for span in spans if span.get("parentId") and span["parentId"] not in ids)


def summarize(spans: list[Span], rows: list[Row] | None = None) -> dict[str, Any]:
    """Headline figures of a trace: root, start, duration, depth, services with span counts, errors.

    Pass `rows` when the caller has built them already (depth comes from them).
    """
    rows = rows if rows is not None else (build_rows(spans) if spans else [])
    roots = [s for s in spans if "parentId" not in s] or spans[:1]
    timed = [s for s in spans if "timestamp" in s]
    start = min((s["timestamp"] for s in timed), default=None)
    end = max((s["timestamp"] + s.get("duration", 0) for s in timed), default=None)
    per_service: dict[str, int] = {}
    for span in spans:
        per_service[service_of(span)] = per_service.get(service_of(span), 0) + 1
    return {
        "trace_id": spans[0]["traceId"] if spans else "",
        "root": roots[0] if roots else {},
        "start": start,
        "duration": (end - start) if start is not None else None,
        "depth": max((row.depth for row in rows), default=-1) + 1,
        "span_count": len(spans),
        "services": sorted(per_service),
        "per_service": dict(sorted(per_service.items())),
        "error": any("error" in s.get("tags", {}) for s in spans),
    }
