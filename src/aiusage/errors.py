"""Errors aiusage raises on purpose. Each carries a ``hint`` telling the user what to do.

AiusageError
├── ConfigError          the config file or an option is invalid
├── StoreError           the database cannot be opened, migrated or written
│   └── StoreBusyError   another aiusage holds the write lock for too long
└── SourceError          one source failed; the others carry on
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


class SourceError(AiusageError):
    default_hint = "run with --verbose to see which file or request failed"
