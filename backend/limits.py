"""The limits a request to the planner's API meets: argument bounds and the size of the document.

The argument bounds are checked by the resolvers; the document limits (depth, tokens, aliases) are
strawberry's validation extensions, so that one request cannot ask for everything.
"""

from __future__ import annotations

from collections.abc import Callable

from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter, SchemaExtension

MAX_PAGE = 100
MAX_SEARCH_LENGTH = 200
MAX_COMMENT_LENGTH = 500
MAX_RECOMMENDATIONS = 10

MAX_DEPTH = 8
MAX_TOKENS = 2000
MAX_ALIASES = 15


def document_limits() -> list[Callable[[], SchemaExtension]]:
    """The schema extensions (as factories) that bound a document's depth, size and aliases."""
    return [
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
    ]
