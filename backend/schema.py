"""The planner's GraphQL API (strawberry, code-first): the names the frontend and the docs rely on."""

from __future__ import annotations

import enum
import random
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import strawberry
from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode
from opentelemetry import trace
from strawberry.extensions import MaskErrors, MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.types import Info

from common.conventions import SCHEDULE_CONFLICT_COUNT

from . import planner
from .graphql_tracing import OperationTrace, TracedResolver
from .ratings_client import RatingsClient, RatingsUnavailable

MAX_PAGE = 100
MAX_SEARCH_LENGTH = 200
MAX_COMMENT_LENGTH = 500
MAX_RECOMMENDATIONS = 10
FEEDBACK_ATTEMPTS = 3


class UserError(Exception):
    """A request the API refuses, with a message meant for the user; every other error is masked."""


@dataclass
class Fixes:
    """The switches that fix the planted problems (all off: the workshop starts with the problems)."""

    n_plus_one: bool = False
    slow_ratings: bool = False
    flaky_write: bool = False
    flaky_write_rate: float = 0.3


@dataclass
class PlannerContext:
    """What resolvers get as info.context: the request's database, session and collaborators."""

    db: Callable[[], sqlite3.Connection]
    session_id: str | None
    fixes: Fixes
    ratings: RatingsClient
    request: Any = None
    response: Any = None
    speakers_by_talk: dict[int, list[planner.SpeakerRow]] = field(default_factory=dict)
    graphql_trace: OperationTrace | None = None  # set by the tracing extension when tracing is on

    def tracer(self) -> trace.Tracer:
        """The request's tracer (a no-op one with tracing off), for spans of the app's own work."""
        return self.graphql_trace.tracer if self.graphql_trace else trace.NoOpTracer()

    def has_speakers(self, talk: Talk) -> bool:
        """Whether a talk's speakers were loaded with its page (the N+1 fix)."""
        return int(talk.id) in self.speakers_by_talk

    def session(self) -> str:
        """The session id, or a clear error for session-bound fields."""
        if self.session_id is None:
            raise UserError("No session: send a W3C baggage header with session.id to use the schedule and feedback")
        return self.session_id


def _context(info: Info) -> PlannerContext:
    return info.context


def _fields(selection_set: Any, fragments: dict[str, Any]) -> Iterator[FieldNode]:
    """The fields of a selection set, looking through inline fragments and fragment spreads."""
    for selection in selection_set.selections if selection_set is not None else ():
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            yield from _fields(fragments[selection.name.value].selection_set, fragments)


def _selects(info: Info, *path: str) -> bool:
    """Whether the query asks for the field at `path` below the current one (e.g. items, speakers)."""
    raw = info._raw_info
    nodes = list(raw.field_nodes)
    for name in path:
        nodes = [
            child for node in nodes for child in _fields(node.selection_set, raw.fragments) if child.name.value == name
        ]
    return bool(nodes)


def _talk_id(value: strawberry.ID) -> int:
    text = str(value)
    if not (text.isdigit() and len(text) < 10):
        raise UserError(f"No talk with id {text[:40]!r}")
    return int(text)


def _existing_talk(ctx: PlannerContext, value: strawberry.ID) -> planner.TalkRow:
    row = planner.get_talk(ctx.db(), _talk_id(value))
    if row is None:
        raise UserError(f"No talk with id {str(value)[:40]!r}")
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
        if int(self.id) in ctx.speakers_by_talk:  # loaded for the whole page by `talks` (the N+1 fix)
            rows = ctx.speakers_by_talk[int(self.id)]
        else:
            # PLANTED PROBLEM (N+1): one query per talk of the page; --fix-n-plus-one batches them
            rows = planner.talk_speakers(ctx.db(), int(self.id))
        return [Speaker.from_row(row) for row in rows]

    @strawberry.field(description="Mean feedback rating (1-5), null without feedback.", extensions=[TracedResolver()])
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
        if not 1 <= limit <= MAX_PAGE:
            raise UserError(f"limit must be between 1 and {MAX_PAGE}")
        if not 0 <= offset <= 10_000:
            raise UserError("offset must be between 0 and 10000")
        if search is not None and len(search) > MAX_SEARCH_LENGTH:
            raise UserError(f"search must be at most {MAX_SEARCH_LENGTH} characters")
        ctx = _context(info)
        rows, total = planner.find_talks(
            ctx.db(), audience.value if audience else None, (search or "").strip() or None, limit, offset
        )
        if ctx.fixes.n_plus_one and _selects(info, "items", "speakers"):
            ctx.speakers_by_talk.update(planner.speakers_of_talks(ctx.db(), [row.id for row in rows]))
        return TalkPage(items=[Talk.from_row(row) for row in rows], total=total)

    @strawberry.field(description="One talk by id, or null.", extensions=[TracedResolver()])
    def talk(self, info: Info, id: strawberry.ID) -> Talk | None:
        text = str(id)
        row = planner.get_talk(_context(info).db(), int(text)) if text.isdigit() and len(text) < 10 else None
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
        if not 1 <= limit <= MAX_RECOMMENDATIONS:
            raise UserError(f"limit must be between 1 and {MAX_RECOMMENDATIONS}")
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


def _record_feedback(ctx: PlannerContext, row: planner.FeedbackRow) -> None:
    """Insert feedback in one transaction; the flaky write is planted here."""
    db = ctx.db()
    attempts = FEEDBACK_ATTEMPTS if ctx.fixes.flaky_write else 1
    for attempt in range(1, attempts + 1):
        try:
            with db:
                planner.insert_feedback(db, row, ctx.session())
                # PLANTED PROBLEM (flaky write): a share of first attempts fail as if the database
                # were locked by another writer; --fix-flaky-write retries, and the insert is
                # idempotent (keyed by the feedback id), so a retry can never count twice.
                if attempt == 1 and random.random() < ctx.fixes.flaky_write_rate:
                    raise sqlite3.OperationalError("database is locked (simulated by the planted flaky write)")
            return
        except sqlite3.OperationalError as error:
            if attempt == attempts:
                raise
            trace.get_current_span().add_event("retry", {"attempt": attempt, "exception.message": str(error)})


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
        description="Rate a talk (1-5) with an optional comment of at most 500 characters.",
        extensions=[TracedResolver()],
    )
    def submit_feedback(self, info: Info, talk_id: strawberry.ID, rating: int, comment: str | None = None) -> Feedback:
        ctx = _context(info)
        ctx.session()
        if not 1 <= rating <= 5:
            raise UserError("rating must be between 1 and 5")
        if comment is not None and len(comment) > MAX_COMMENT_LENGTH:
            raise UserError(f"comment must be at most {MAX_COMMENT_LENGTH} characters")
        talk = _existing_talk(ctx, talk_id)
        row = planner.FeedbackRow(
            id=str(uuid.uuid4()),
            talk_id=talk.id,
            rating=rating,
            comment=(comment or "").strip() or None,
            created_at=planner.now_iso(),
        )
        _record_feedback(ctx, row)
        return Feedback(
            id=strawberry.ID(row.id),
            talk=Talk.from_row(talk),
            rating=row.rating,
            comment=row.comment,
            created_at=row.created_at,
        )


def _is_unexpected(error) -> bool:
    """Mask an error unless it is a UserError or a GraphQL error about the request itself."""
    original = getattr(error, "original_error", None)
    return original is not None and not isinstance(original, UserError)


def build_schema(extensions: list[Any]) -> strawberry.Schema:
    """The schema with its limits, error masking and the given (tracing) extensions."""
    limits = [
        # a limit for every query: depth, size and aliases, so that one request cannot ask for everything
        lambda: QueryDepthLimiter(max_depth=8),
        lambda: MaxTokensLimiter(max_token_count=2000),
        lambda: MaxAliasesLimiter(max_alias_count=15),
    ]
    masking = lambda: MaskErrors(should_mask_error=_is_unexpected, error_message="Unexpected error.")  # noqa: E731
    # tracing last: its operation hook exits first, so the span sees errors before they are masked
    return strawberry.Schema(query=Query, mutation=Mutation, extensions=[masking, *limits, *extensions])
