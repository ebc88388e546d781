"""Plugin hooks. Built-in sources register through the same hooks as third-party ones."""

from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("aiusage")
hookimpl = pluggy.HookimplMarker("aiusage")


@hookspec
def register_log_sources() -> list[Any]:  # type: ignore[empty-body]
    """Return log readers (objects following ``aiusage.sources.logs.base.LogSource``)."""


@hookspec
def register_providers() -> list[Any]:  # type: ignore[empty-body]
    """Return provider adapters (objects following ``aiusage.sources.providers.base.Provider``)."""


@hookspec
def register_notifiers() -> list[Any]:  # type: ignore[empty-body]
    """Return notifier kinds (objects following ``aiusage.alerts.notifiers.base.NotifierKind``)."""
