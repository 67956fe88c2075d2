"""Whether a GraphQL query asks for a field below the one being resolved (the N+1 fix asks it).

Reads strawberry's public `info.selected_fields` (the current field's selections, fragments
resolved), looking through named and inline fragments. Fields match by name, not alias, and
directives are not evaluated: a field under `@skip` still counts, which costs at most one
batched query that was not needed, never a wrong answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from strawberry.types import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection


def _fields(selections: Iterable[Selection]) -> Iterator[SelectedField]:
    """The fields of a selection list, looking through inline fragments and fragment spreads."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        elif isinstance(selection, InlineFragment | FragmentSpread):
            yield from _fields(selection.selections)


def selects(info: Info, *path: str) -> bool:
    """Whether the query asks for the field at `path` below the current one (e.g. items, speakers)."""
    fields: list[SelectedField] = list(_fields(info.selected_fields))
    for name in path:
        fields = [child for node in fields for child in _fields(node.selections) if child.name == name]
    return bool(fields)
