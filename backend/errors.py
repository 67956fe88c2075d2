"""What a client is told when a request fails: a refusal's own message, else only "Unexpected error."

A `UserError` is a request the API refuses (a limit crossed, an unknown talk, no session): its
message is meant for the user and goes out as written. Any other error is masked, so that no
internal detail (SQL, paths, a stack) reaches the browser; the trace keeps the detail.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from strawberry.extensions import MaskErrors

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
