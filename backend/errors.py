"""What a client is told when a request fails: a refusal's own message, else only "Unexpected error."

A `UserError` is a request the API refuses (a limit crossed, an unknown talk, no session): its
message is meant for the user and goes out as written. Any other error is masked, so that no
internal detail (SQL, paths, a stack) reaches the browser; the trace keeps the detail.

The log: strawberry logs each error with its traceback ("strawberry.execution"). A failure the
workshop planted on purpose gets one line instead, so the demo's terminal stays readable; its stack
is in the trace. Unexpected errors keep their traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from strawberry.extensions import MaskErrors

from .flaky_write import PlantedWriteFailure

MASKED_MESSAGE = "Unexpected error."


class UserError(Exception):
    """A request the API refuses, with a message meant for the user; every other error is masked."""


def _is_unexpected(error: Any) -> bool:
    """Mask an error unless it is a UserError or a GraphQL error about the request itself."""
    original = getattr(error, "original_error", None)
    return original is not None and not isinstance(original, UserError)


def error_masking() -> Callable[[], MaskErrors]:
    """The schema extension (as a factory) that masks every error but a UserError."""
    return lambda: MaskErrors(should_mask_error=_is_unexpected, error_message=MASKED_MESSAGE)


class OneLinePlantedFailures(logging.Filter):
    """Logs a planted failure as one line, without its traceback: the trace has the stack."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, PlantedWriteFailure):
            record.msg, record.args = "feedback write failed: %s; its trace has the stack", (error,)
            record.exc_info = record.exc_text = None
        return True


def quiet_planted_failures(logger: logging.Logger | None = None) -> None:
    """Give planted failures one line in strawberry's error log (once, however many apps are built)."""
    logger = logger or logging.getLogger("strawberry.execution")
    if not any(isinstance(f, OneLinePlantedFailures) for f in logger.filters):
        logger.addFilter(OneLinePlantedFailures())
