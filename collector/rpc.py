"""Spans that share one span id: the one rule the dependency links and the waterfall both follow.

In B3, Zipkin's original propagation, a client and its server report their halves of one call under
the same span id. Zipkin's rule (Trace.merge and SpanNode): a CLIENT and a SERVER sharing an id are
the two halves of one RPC; any other repeat of an id is the same span reported again or in pieces,
never a second call. For such a repeat the first span with a kind stands for the id, so a kind-less
piece never hides the span that says what it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

Span = dict[str, Any]


class Node(NamedTuple):
    """What one span id stands for: a span, and the server half of its RPC when the id is shared."""

    span: Span
    server: Span | None = None


def merge_shared(spans: Iterable[Span]) -> dict[str, Node]:
    """One node per span id, in order of first appearance; a shared RPC's node is its client half."""
    nodes: dict[str, Node] = {}
    for span in spans:
        node = nodes.get(span["id"])
        if node is None:
            nodes[span["id"]] = Node(span)
        elif node.server is None:  # once paired, a further report of the id changes nothing
            kinds = (node.span.get("kind"), span.get("kind"))
            if kinds == ("CLIENT", "SERVER"):
                nodes[span["id"]] = Node(node.span, span)
            elif kinds == ("SERVER", "CLIENT"):
                nodes[span["id"]] = Node(span, node.span)
            elif kinds[0] is None and kinds[1] is not None:
                nodes[span["id"]] = Node(span)
    return nodes
