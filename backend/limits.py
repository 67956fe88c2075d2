"""Every limit a request to the planner's API meets, each declared once.

Argument limits (page size, search and comment length, rating range, what a talk id can be) are
checked by the resolvers and refused with a UserError that names the limit. Document limits
(depth, tokens, aliases) are strawberry's validation extensions, so that one request cannot ask
for everything. The schema's descriptions quote these constants rather than repeat them.
"""

from __future__ import annotations

from collections.abc import Callable

from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter, SchemaExtension

from .errors import UserError

MAX_PAGE = 100
MAX_OFFSET = 10_000
MAX_SEARCH_LENGTH = 200
MAX_RECOMMENDATIONS = 10
MIN_RATING = 1
MAX_RATING = 5
MAX_COMMENT_LENGTH = 500
MAX_TALK_ID_DIGITS = 9  # the ids are small integers; more digits cannot name a talk
MAX_ECHOED_INPUT = 40  # characters of a refused value an error message repeats

MAX_DEPTH = 8
MAX_TOKENS = 2000
MAX_ALIASES = 15


def check_between(name: str, value: int, low: int, high: int) -> None:
    """Refuse a number argument outside [low, high]."""
    if not low <= value <= high:
        raise UserError(f"{name} must be between {low} and {high}")


def check_length(name: str, text: str | None, most: int) -> None:
    """Refuse a text argument longer than `most` characters (an absent one is fine)."""
    if text is not None and len(text) > most:
        raise UserError(f"{name} must be at most {most} characters")


def talk_id_of(value: object) -> int | None:
    """The talk id an ID argument holds, or None when it cannot name a talk (not 1-9 digits)."""
    text = str(value)
    return int(text) if text.isdigit() and len(text) <= MAX_TALK_ID_DIGITS else None


def no_such_talk(value: object) -> UserError:
    """The refusal for a talk id that names no talk, repeating at most MAX_ECHOED_INPUT characters of it."""
    return UserError(f"No talk with id {str(value)[:MAX_ECHOED_INPUT]!r}")


def document_limits() -> list[Callable[[], SchemaExtension]]:
    """The schema extensions (as factories) that bound a document's depth, size and aliases."""
    return [
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
    ]
