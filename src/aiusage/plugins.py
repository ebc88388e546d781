"""The plugin manager: built-ins plus anything installed under the ``aiusage`` entry points."""

from __future__ import annotations

import sys
from functools import cache
from typing import Any

import pluggy

from aiusage import hookspecs
from aiusage.hookspecs import hookimpl
from aiusage.sources.logs.base import LogSource


class _BuiltinLogSources:
    @hookimpl
    def register_log_sources(self) -> list[Any]:
        from aiusage.sources.logs.claude_code import ClaudeCodeSource
        from aiusage.sources.logs.codex import CodexSource

        return [ClaudeCodeSource(), CodexSource()]


@cache
def manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("aiusage")
    pm.add_hookspecs(hookspecs)
    pm.register(_BuiltinLogSources(), name="builtin-log-sources")
    if "AIUSAGE_NO_PLUGINS" not in __import__("os").environ:
        try:
            pm.load_setuptools_entrypoints("aiusage")
        except Exception as exc:  # a broken plugin must not break the tool
            print(f"aiusage: a plugin failed to load: {exc}", file=sys.stderr)
    return pm


def log_sources() -> list[LogSource]:
    """Every registered log reader, one per name (the first registration wins)."""
    found: dict[str, LogSource] = {}
    for group in reversed(manager().hook.register_log_sources()):
        for source in group:
            found.setdefault(source.name, source)
    return list(found.values())
