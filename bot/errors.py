"""Typed errors. Each carries the one sentence a user is shown.

The engine raises these; the edges (CLI, Telegram handlers) turn them into a
message and an exit code. `user_message` never contains internals, tracebacks
or secrets; `detail` may, and is for logs only.
"""

from __future__ import annotations


class CredbotError(Exception):
    """Base class: something the user should be told about in one sentence."""

    exit_code = 1

    def __init__(self, user_message: str, *, detail: str | None = None) -> None:
        super().__init__(user_message)
        self.user_message = user_message
        self.detail = detail


class InputError(CredbotError):
    """The input cannot be analysed: empty, binary, too long, unreadable."""

    exit_code = 2


class FetchError(CredbotError):
    """A link could not be fetched: refused, dead, too slow, too large, wrong type."""

    exit_code = 2


class BlockedURLError(FetchError):
    """The URL is refused before any connection is made (private network, scheme, port)."""


class NotAnArticleError(FetchError):
    """The page was fetched but holds no article text (paywall, consent wall, video page...)."""


class LLMError(CredbotError):
    """The LLM failed after its retries; callers fall back to the offline report."""

    exit_code = 3


class QuotaExceededError(CredbotError):
    """A per-user or per-chat quota was reached."""
