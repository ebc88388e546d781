"""The plugin manager: built-ins plus anything installed under the ``aiusage`` entry points."""

from __future__ import annotations

import os
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
        from aiusage.sources.logs.amp import AmpSource
        from aiusage.sources.logs.claude_code import ClaudeCodeSource
        from aiusage.sources.logs.codex import CodexSource
        from aiusage.sources.logs.droid import DroidSource
        from aiusage.sources.logs.gemini import GeminiSource
        from aiusage.sources.logs.kimi import KimiSource
        from aiusage.sources.logs.opencode import OpenCodeSource
        from aiusage.sources.logs.qwen import QwenSource

        return [
            ClaudeCodeSource(),
            CodexSource(),
            GeminiSource(),
            OpenCodeSource(),
            AmpSource(),
            QwenSource(),
            KimiSource(),
            DroidSource(),
        ]


def _entry_points_declared() -> bool:
    """Whether any installed distribution declares an ``[aiusage]`` entry point.

    A plain scan of ``entry_points.txt`` files takes ~2 ms; asking importlib.metadata for
    the group takes ~20 ms (it parses every distribution's metadata), a tenth of a warm
    report's budget, so the full loader runs only when there is something to load.
    """
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if not name.endswith((".dist-info", ".egg-info")):
                continue
            try:
                with open(os.path.join(entry, name, "entry_points.txt"), encoding="utf-8") as fh:
                    if "[aiusage]" in fh.read():
                        return True
            except OSError:
                continue
    return False


@cache
def manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("aiusage")
    pm.add_hookspecs(hookspecs)
    pm.register(_BuiltinLogSources(), name="builtin-log-sources")
    if "AIUSAGE_NO_PLUGINS" not in os.environ and _entry_points_declared():
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
