"""The planner's GraphQL schema (strawberry, code-first)."""

from __future__ import annotations

import enum
import sqlite3
from typing import Any

import strawberry
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.types import Info

from . import data

MAX_PAGE = 100
MAX_SEARCH_LENGTH = 200


@strawberry.enum
class Audience(enum.Enum):
    OPS = "OPS"
    BACKEND = "BACKEND"
    FRONTEND = "FRONTEND"
    SECURITY = "SECURITY"


def _db(info: Info) -> sqlite3.Connection:
    return info.context["db"]()


@strawberry.type
class Speaker:
    id: strawberry.ID
    name: str
    handle: str | None


@strawberry.type
class Talk:
    id: strawberry.ID
    title: str
    abstract: str
    starts_at: str
    ends_at: str
    room: str

    @strawberry.field
    def audiences(self, info: Info) -> list[Audience]:
        return [Audience(a) for a in data.talk_audiences(_db(info), int(self.id))]

    @strawberry.field
    def speakers(self, info: Info) -> list[Speaker]:
        # one query per talk: with a page of talks this is an N+1 (the workshop's first planted problem)
        return [Speaker(id=strawberry.ID(str(s.id)), name=s.name, handle=s.handle)
                for s in data.talk_speakers(_db(info), int(self.id))]

    @classmethod
    def from_row(cls, row: data.TalkRow) -> "Talk":
        return cls(id=strawberry.ID(str(row.id)), title=row.title, abstract=row.abstract,
                   starts_at=row.starts_at, ends_at=row.ends_at, room=row.room)


@strawberry.type
class TalkPage:
    items: list[Talk]
    total: int


def _talk_id(value: strawberry.ID) -> int | None:
    text = str(value)
    return int(text) if text.isdigit() and len(text) < 10 else None


@strawberry.type
class Query:
    @strawberry.field(description="Talks, by start time; filter by audience and a search in title and abstract.")
    def talks(
        self, info: Info, audience: Audience | None = None, search: str | None = None, limit: int = 20, offset: int = 0
    ) -> TalkPage:
        if not 1 <= limit <= MAX_PAGE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE}")
        if offset < 0:
            raise ValueError("offset must not be negative")
        if search is not None and len(search) > MAX_SEARCH_LENGTH:
            raise ValueError(f"search must be at most {MAX_SEARCH_LENGTH} characters")
        rows, total = data.find_talks(
            _db(info), audience.value if audience else None, (search or "").strip() or None, limit, offset
        )
        return TalkPage(items=[Talk.from_row(row) for row in rows], total=total)

    @strawberry.field(description="One talk by id, or null.")
    def talk(self, info: Info, id: strawberry.ID) -> Talk | None:
        talk_id = _talk_id(id)
        row = data.get_talk(_db(info), talk_id) if talk_id is not None else None
        return Talk.from_row(row) if row else None


def build_schema(extensions: list[Any]) -> strawberry.Schema:
    """The schema with its limits and the given (tracing) extensions."""
    limits = [
        # a limit for every query: depth, size and aliases (so one request cannot ask for everything)
        lambda: QueryDepthLimiter(max_depth=8),
        lambda: MaxTokensLimiter(max_token_count=2000),
        lambda: MaxAliasesLimiter(max_alias_count=15),
    ]
    return strawberry.Schema(query=Query, extensions=[*extensions, *limits])
