"""Storing feedback, where the workshop's flaky write is planted (PLANTED PROBLEM, see below).

With the problem on, a share (`flaky_write_rate`) of first attempts fail as a locked database
would; `--fix-flaky-write` retries them. The retry is safe because the insert is keyed by the
feedback id the caller chose: a write that did land cannot count twice.
"""

from __future__ import annotations

import random
import sqlite3
from typing import TYPE_CHECKING

from opentelemetry import trace

from . import planner

if TYPE_CHECKING:  # context.py imports errors.py, which imports this module's PlantedWriteFailure
    from .context import Fixes

FEEDBACK_ATTEMPTS = 3  # with the fix on; without it, one attempt


class PlantedWriteFailure(sqlite3.OperationalError):
    """A write failed by the planted problem, not by the database: the log gives it one line (errors.py)."""


def record_feedback(db: sqlite3.Connection, row: planner.FeedbackRow, session_id: str, fixes: Fixes) -> None:
    """Insert feedback in one transaction; the flaky write is planted here."""
    attempts = FEEDBACK_ATTEMPTS if fixes.flaky_write else 1
    for attempt in range(1, attempts + 1):
        try:
            with db:
                planner.insert_feedback(db, row, session_id)
                # PLANTED PROBLEM (flaky write): a share of first attempts fail as if the database
                # were locked by another writer; --fix-flaky-write retries, and the insert is
                # idempotent (keyed by the feedback id), so a retry can never count twice.
                if attempt == 1 and random.random() < fixes.flaky_write_rate:
                    raise PlantedWriteFailure("database is locked (simulated by the planted flaky write)")
            return
        except sqlite3.OperationalError as error:
            if attempt == attempts:
                raise
            trace.get_current_span().add_event("retry", {"attempt": attempt, "exception.message": str(error)})
