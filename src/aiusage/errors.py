"""Errors aiusage raises on purpose. Each carries a ``hint`` telling the user what to do.

AiusageError
├── ConfigError          the config file or an option is invalid
├── StoreError           the database cannot be opened, migrated or written
│   └── StoreBusyError   another aiusage holds the write lock for too long
├── ServiceError         installing or removing the background service failed
├── TeamError            a team server refuses a request; ``status`` is its HTTP status
└── SourceError          one source failed; the others carry on
    ├── SourceAuthError         credentials missing, unreadable, expired or refused (401/403)
    │   └── SourceForbiddenError    403: the key is valid but lacks a right (an admin key)
    ├── SourceRateLimitError    the provider said 429; ``retry_at_ms`` tells when to ask again
    ├── SourceUnavailableError  timeout, refused connection or a 5xx: try again later
    └── SourceFormatError       the answer is not JSON or not the shape we know
"""

from __future__ import annotations


class AiusageError(Exception):
    """Base class: a message for the user plus a fix-it hint."""

    default_hint = ""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint if hint is not None else self.default_hint

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base}\n  hint: {self.hint}" if self.hint else base


class ConfigError(AiusageError):
    default_hint = "check the config file shown by `aiusage paths`"


class StoreError(AiusageError):
    default_hint = "check the database URL and that its directory is writable"


class StoreBusyError(StoreError):
    default_hint = "another aiusage process is writing; try again in a moment"


class ServiceError(AiusageError):
    default_hint = "run `aiusage daemon` in a terminal to see whether it starts"


class TeamError(AiusageError):
    """A team server's refusal: unknown token (401), not allowed (403), no such user or
    token (404), a name taken (409), a batch too big (413), a malformed row (422).
    ``row`` names the row a 422 is about: ``{"kind": "events", "index": 12}``."""

    default_hint = "docs/team.md describes team mode"

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        status: int = 400,
        row: dict[str, object] | None = None,
    ) -> None:
        super().__init__(message, hint)
        self.status = status
        self.row = row


class SourceError(AiusageError):
    default_hint = "run with --verbose to see which file or request failed"


class SourceAuthError(SourceError):
    default_hint = "sign in again with the tool that owns the credentials"


class SourceForbiddenError(SourceAuthError):
    default_hint = "this needs a key with more rights (an admin key); see the provider's docs"


class SourceRateLimitError(SourceError):
    """The provider refused with 429. We never retry in a loop: the caller polls later."""

    default_hint = "poll this source at most every 5 minutes"

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        retry_after_s: float | None = None,
        retry_at_ms: int | None = None,
    ) -> None:
        super().__init__(message, hint)
        self.retry_after_s = retry_after_s
        self.retry_at_ms = retry_at_ms


class SourceUnavailableError(SourceError):
    default_hint = "check the network connection, then try again in a few minutes"


class SourceFormatError(SourceError):
    default_hint = "the provider may have changed an undocumented format: please report it"
