"""What a request's resolvers share: the fix switches and the request context (info.context)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from opentelemetry import trace

from . import planner
from .errors import UserError
from .graphql_tracing import OperationTrace
from .ratings_client import RatingsClient

if TYPE_CHECKING:
    from .schema import Talk


@dataclass
class Fixes:
    """The switches that fix the planted problems (off by default, see settings.py: the workshop starts with them)."""

    n_plus_one: bool
    slow_ratings: bool
    flaky_write: bool
    flaky_write_rate: float

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> Fixes:
        """The switches as the settings give them (their defaults are declared once, in settings.py)."""
        return cls(
            n_plus_one=settings["fix_n_plus_one"],
            slow_ratings=settings["fix_slow_ratings"],
            flaky_write=settings["fix_flaky_write"],
            flaky_write_rate=settings["flaky_write_rate"],
        )


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
