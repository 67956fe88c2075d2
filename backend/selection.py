"""Whether a GraphQL query asks for a field below the one being resolved (the N+1 fix asks it).

Walks the current field's nodes, looking through named and inline fragments. Fields match by
name, not alias, and directives are not evaluated: a field under `@skip` still counts, which
costs at most one batched query that was not needed, never a wrong answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode
from strawberry.types import Info


def _fields(selection_set: Any, fragments: dict[str, Any]) -> Iterator[FieldNode]:
    """The fields of a selection set, looking through inline fragments and fragment spreads."""
    for selection in selection_set.selections if selection_set is not None else ():
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            yield from _fields(fragments[selection.name.value].selection_set, fragments)


def selects(info: Info, *path: str) -> bool:
    """Whether the query asks for the field at `path` below the current one (e.g. items, speakers)."""
    raw = info._raw_info
    nodes = list(raw.field_nodes)
    for name in path:
        nodes = [
            child for node in nodes for child in _fields(node.selection_set, raw.fragments) if child.name.value == name
        ]
    return bool(nodes)
