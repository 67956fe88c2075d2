"""The planner's GraphQL API (strawberry, code-first): the names the frontend and the docs rely on.

The types and their resolvers, and `build_schema`. What they lean on lives beside them: the
request context and fix switches (context.py), the limits a request meets (limits.py), what a
client is told on failure (errors.py), the query-selection check of the N+1 fix (selection.py),
and the planted flaky write (flaky_write.py).
"""

from __future__ import annotations

import enum
import uuid
from typing import Any

import strawberry
from opentelemetry import trace
from strawberry.types import Info

from common.conventions import SCHEDULE_CONFLICT_COUNT

from . import limits, planner
from .context import PlannerContext
from .errors import error_masking
from .flaky_write import record_feedback
from .graphql_tracing import TracedResolver
from .ratings_client import RatingsUnavailable
from .selection import selects

RATING_RANGE = f"{limits.MIN_RATING}-{limits.MAX_RATING}"


def _context(info: Info) -> PlannerContext:
    return info.context


def _find_talk(ctx: PlannerContext, value: strawberry.ID) -> planner.TalkRow | None:
    """The talk an ID argument names, or None; an id that cannot name a talk costs no query."""
    talk_id = limits.talk_id_of(value)
    return planner.get_talk(ctx.db(), talk_id) if talk_id is not None else None


def _existing_talk(ctx: PlannerContext, value: strawberry.ID) -> planner.TalkRow:
    row = _find_talk(ctx, value)
    if row is None:
        raise limits.no_such_talk(value)
    return row


@strawberry.enum
class Audience(enum.Enum):
    OPS = "OPS"
    BACKEND = "BACKEND"
    FRONTEND = "FRONTEND"
    SECURITY = "SECURITY"


@strawberry.type
class Speaker:
    id: strawberry.ID
    name: str
    handle: str | None

    @strawberry.field(description="The talks this speaker gives.", extensions=[TracedResolver()])
    def talks(self, info: Info) -> list[Talk]:
        return [Talk.from_row(row) for row in planner.talks_of_speaker(_context(info).db(), int(self.id))]

    @classmethod
    def from_row(cls, row: planner.SpeakerRow) -> Speaker:
        return cls(id=strawberry.ID(str(row.id)), name=row.name, handle=row.handle)


@strawberry.type
class Talk:
    id: strawberry.ID
    title: str
    abstract: str
    starts_at: str
    ends_at: str
    room: str
    audiences: list[Audience]

    @strawberry.field(extensions=[TracedResolver(does_work=lambda talk, info: not info.context.has_speakers(talk))])
    def speakers(self, info: Info) -> list[Speaker]:
        ctx = _context(info)
        if ctx.has_speakers(self):  # loaded for the whole page by `talks` (the N+1 fix)
            rows = ctx.speakers_by_talk[int(self.id)]
        else:
            # PLANTED PROBLEM (N+1): one query per talk of the page; --fix-n-plus-one batches them
            rows = planner.talk_speakers(ctx.db(), int(self.id))
        return [Speaker.from_row(row) for row in rows]

    @strawberry.field(
        description=f"Mean feedback rating ({RATING_RANGE}), null without feedback.", extensions=[TracedResolver()]
    )
    def rating(self, info: Info) -> float | None:
        return planner.average_rating(_context(info).db(), int(self.id))

    @classmethod
    def from_row(cls, row: planner.TalkRow) -> Talk:
        return cls(
            id=strawberry.ID(str(row.id)),
            title=row.title,
            abstract=row.abstract,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            room=row.room,
            audiences=[Audience(a) for a in row.audiences],
        )


@strawberry.type
class TalkPage:
    items: list[Talk]
    total: int


@strawberry.type
class Conflict:
    first: Talk
    second: Talk


@strawberry.type
class Schedule:
    talks: list[Talk]
    conflicts: list[Conflict]

    @classmethod
    def of_session(cls, ctx: PlannerContext) -> Schedule:
        rows = planner.schedule_talks(ctx.db(), ctx.session())
        # workshop 04 start: a span of our own, child of the resolver's, and an attribute on it
        with ctx.tracer().start_as_current_span("detect conflicts") as span:
            pairs = planner.conflicts(rows)
            span.set_attribute(SCHEDULE_CONFLICT_COUNT, len(pairs))
        # workshop 04 end
        return cls(
            talks=[Talk.from_row(row) for row in rows],
            conflicts=[Conflict(first=Talk.from_row(a), second=Talk.from_row(b)) for a, b in pairs],
        )


@strawberry.type
class Feedback:
    id: strawberry.ID
    talk: Talk
    rating: int
    comment: str | None
    created_at: str


@strawberry.type
class Query:
    @strawberry.field(
        description="Talks by start time; filter by audience and a search in title and abstract.",
        extensions=[TracedResolver()],
    )
    def talks(
        self, info: Info, audience: Audience | None = None, search: str | None = None, limit: int = 20, offset: int = 0
    ) -> TalkPage:
        limits.check_between("limit", limit, 1, limits.MAX_PAGE)
        limits.check_between("offset", offset, 0, limits.MAX_OFFSET)
        limits.check_length("search", search, limits.MAX_SEARCH_LENGTH)
        ctx = _context(info)
        rows, total = planner.find_talks(
            ctx.db(), audience.value if audience else None, (search or "").strip() or None, limit, offset
        )
        if ctx.fixes.n_plus_one and selects(info, "items", "speakers"):
            ctx.speakers_by_talk.update(planner.speakers_of_talks(ctx.db(), [row.id for row in rows]))
        return TalkPage(items=[Talk.from_row(row) for row in rows], total=total)

    @strawberry.field(description="One talk by id, or null.", extensions=[TracedResolver()])
    def talk(self, info: Info, id: strawberry.ID) -> Talk | None:
        row = _find_talk(_context(info), id)
        return Talk.from_row(row) if row else None

    @strawberry.field(
        description="The schedule of the session in the request's baggage.", extensions=[TracedResolver()]
    )
    def my_schedule(self, info: Info) -> Schedule:
        return Schedule.of_session(_context(info))

    @strawberry.field(
        description="Talks not in my schedule, best community rating first.", extensions=[TracedResolver()]
    )
    def recommendations(self, info: Info, limit: int = 3) -> list[Talk]:
        limits.check_between("limit", limit, 1, limits.MAX_RECOMMENDATIONS)
        ctx = _context(info)
        candidates = planner.unscheduled_talks(ctx.db(), ctx.session_id)
        try:
            scores = ctx.ratings.scores([row.id for row in candidates])
        except RatingsUnavailable as error:
            # degrade, do not fail: the client span already carries the error
            trace.get_current_span().add_event("ratings unavailable", {"error.message": str(error)})
            scores = {}
        ranked = sorted(candidates, key=lambda row: (-scores.get(row.id, {}).get("score", 0), row.starts_at))
        return [Talk.from_row(row) for row in ranked[:limit]]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Add a talk to my schedule.", extensions=[TracedResolver()])
    def add_to_schedule(self, info: Info, talk_id: strawberry.ID) -> Schedule:
        ctx = _context(info)
        planner.add_to_schedule(ctx.db(), ctx.session(), _existing_talk(ctx, talk_id).id)
        return Schedule.of_session(ctx)

    @strawberry.mutation(description="Remove a talk from my schedule.", extensions=[TracedResolver()])
    def remove_from_schedule(self, info: Info, talk_id: strawberry.ID) -> Schedule:
        ctx = _context(info)
        planner.remove_from_schedule(ctx.db(), ctx.session(), _existing_talk(ctx, talk_id).id)
        return Schedule.of_session(ctx)

    @strawberry.mutation(
        description=(
            f"Rate a talk ({RATING_RANGE}) with an optional comment of at most {limits.MAX_COMMENT_LENGTH} characters."
        ),
        extensions=[TracedResolver()],
    )
    def submit_feedback(self, info: Info, talk_id: strawberry.ID, rating: int, comment: str | None = None) -> Feedback:
        ctx = _context(info)
        ctx.session()
        limits.check_between("rating", rating, limits.MIN_RATING, limits.MAX_RATING)
        limits.check_length("comment", comment, limits.MAX_COMMENT_LENGTH)
        talk = _existing_talk(ctx, talk_id)
        row = planner.FeedbackRow(
            id=str(uuid.uuid4()),
            talk_id=talk.id,
            rating=rating,
            comment=(comment or "").strip() or None,
            created_at=planner.now_iso(),
        )
        record_feedback(ctx.db(), row, ctx.session(), ctx.fixes)
        return Feedback(
            id=strawberry.ID(row.id),
            talk=Talk.from_row(talk),
            rating=row.rating,
            comment=row.comment,
            created_at=row.created_at,
        )


def build_schema(extensions: list[Any]) -> strawberry.Schema:
    """The schema with its limits, error masking and the given (tracing) extensions."""
    # tracing last: its operation hook exits first, so the span sees errors before they are masked
    extensions = [error_masking(), *limits.document_limits(), *extensions]
    return strawberry.Schema(query=Query, mutation=Mutation, extensions=extensions)
