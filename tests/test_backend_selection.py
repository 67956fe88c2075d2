"""backend.selection: what the N+1 fix asks of a query, answered from strawberry's public info.selected_fields.

It replaced a walk over graphql-core's nodes through strawberry's private `info._raw_info`; these
documents are the cases the two were compared on (they agreed on every one).
"""

from __future__ import annotations

import pytest
import strawberry
from strawberry.types import Info

from backend.selection import selects

PATHS = [("items", "speakers"), ("items",), ("total",), ("items", "speakers", "name"), ("speakers",)]


@strawberry.type
class Speaker:
    name: str


@strawberry.type
class Talk:
    title: str
    speakers: list[Speaker]


@strawberry.type
class Page:
    items: list[Talk]
    total: int


def asked(document: str, variables: dict | None = None) -> list[set[tuple[str, ...]]]:
    """For each call of the `talks` resolver, the PATHS that `selects` says the document asks for."""
    calls = []

    @strawberry.type
    class Query:
        @strawberry.field
        def talks(self, info: Info, limit: int = 1) -> Page:
            calls.append({path for path in PATHS if selects(info, *path)})
            return Page(items=[Talk(title="t", speakers=[Speaker(name="s")])], total=1)

    result = strawberry.Schema(query=Query).execute_sync(document, variable_values=variables)
    assert not result.errors, result.errors
    return calls


SPEAKERS = {("items",), ("items", "speakers"), ("items", "speakers", "name")}


@pytest.mark.parametrize(
    "document,expected",
    [
        ("{ talks { items { title } } }", {("items",)}),
        ("{ talks { total } }", {("total",)}),
        ("{ talks { items { speakers { name } } } }", SPEAKERS),
        # by field name, not alias
        ("{ talks { list: items { people: speakers { name } } } }", SPEAKERS),
        ("query Q { talks { items { ...T } } } fragment T on Talk { speakers { name } }", SPEAKERS),
        ("query Q { talks { items { ...T } } } fragment T on Talk { title }", {("items",)}),
        (
            "query Q { talks { ...P } } fragment P on Page { items { ...T } } fragment T on Talk { speakers { name } }",
            SPEAKERS,
        ),
        ("{ talks { items { ... on Talk { speakers { name } } } } }", SPEAKERS),
        ("{ talks { items { ... { speakers { name } } } } }", SPEAKERS),
        ("{ talks { ... on Page { total } } }", {("total",)}),
        # directives are not evaluated: a skipped field still counts (one batched query too many at worst)
        ("{ talks { items { speakers @skip(if: true) { name } } } }", SPEAKERS),
        # the same field twice is merged into one call, which asks for what either asks for
        ("{ talks { items { title } } talks { items { speakers { name } } } }", SPEAKERS),
    ],
)
def test_selects_finds_a_field_through_fragments_and_aliases(document, expected):
    assert asked(document) == [expected]


def test_each_aliased_call_answers_for_its_own_selection():
    assert asked("{ a: talks { items { title } } b: talks(limit: 2) { items { speakers { name } } } }") == [
        {("items",)},
        SPEAKERS,
    ]
