"""What a request's resolvers share: the request context (info.context), with the fixes it runs with."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from opentelemetry import trace

from . import planner
from .errors import UserError
from .fixes import Fixes
from .graphql_tracing import OperationTrace
from .ratings_client import RatingsClient

if TYPE_CHECKING:
    from .schema import Talk


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
