"""The plugin manager: built-ins plus anything installed under the ``aiusage`` entry points."""

from __future__ import annotations

import importlib
import os
import sys
from functools import cache
from typing import TYPE_CHECKING, Any

from aiusage.sources.logs.base import LogSource

if TYPE_CHECKING:
    import pluggy

    from aiusage.alerts.notifiers.base import NotifierKind
    from aiusage.sources.providers.base import Provider

# Built-in readers by agent name, in listing order: imported only when wanted.
BUILTIN_LOG_SOURCES = {
    "claude-code": "aiusage.sources.logs.claude_code:ClaudeCodeSource",
    "codex": "aiusage.sources.logs.codex:CodexSource",
    "gemini": "aiusage.sources.logs.gemini:GeminiSource",
    "opencode": "aiusage.sources.logs.opencode:OpenCodeSource",
    "amp": "aiusage.sources.logs.amp:AmpSource",
    "qwen": "aiusage.sources.logs.qwen:QwenSource",
    "kimi": "aiusage.sources.logs.kimi:KimiSource",
    "droid": "aiusage.sources.logs.droid:DroidSource",
}


# Built-in provider adapters by name ("module:Class"), imported only when used.
BUILTIN_PROVIDERS: dict[str, str] = {
    "openai": "aiusage.sources.providers.openai:OpenAIProvider",
    "anthropic": "aiusage.sources.providers.anthropic:AnthropicProvider",
    "xai": "aiusage.sources.providers.xai:XaiProvider",
    "mistral": "aiusage.sources.providers.mistral:MistralProvider",
    "groq": "aiusage.sources.providers.groq:GroqProvider",
    "gemini": "aiusage.sources.providers.gemini:GeminiProvider",
    "together": "aiusage.sources.providers.together:TogetherProvider",
    "fireworks": "aiusage.sources.providers.fireworks:FireworksProvider",
    "perplexity": "aiusage.sources.providers.perplexity:PerplexityProvider",
    "cohere": "aiusage.sources.providers.cohere:CohereProvider",
    "openrouter": "aiusage.sources.providers.openrouter:OpenRouterProvider",
    "deepseek": "aiusage.sources.providers.deepseek:DeepSeekProvider",
    "moonshot": "aiusage.sources.providers.moonshot:MoonshotProvider",
    "zai": "aiusage.sources.providers.zai:ZaiProvider",
    "ollama": "aiusage.sources.providers.ollama:OllamaProvider",
    "vllm": "aiusage.sources.providers.vllm:VllmProvider",
    "llamacpp": "aiusage.sources.providers.llamacpp:LlamaCppProvider",
    "copilot": "aiusage.sources.providers.copilot:CopilotProvider",
    "azure_openai": "aiusage.sources.providers.azure_openai:AzureOpenAIProvider",
    "bedrock": "aiusage.sources.providers.bedrock:BedrockProvider",
    "vertex": "aiusage.sources.providers.vertex:VertexProvider",
}

# Built-in notifier kinds by ``type`` ("module:Class"), imported only when used.
BUILTIN_NOTIFIERS: dict[str, str] = {
    "desktop": "aiusage.alerts.notifiers.desktop:DesktopKind",
    "slack": "aiusage.alerts.notifiers.slack:SlackKind",
    "discord": "aiusage.alerts.notifiers.discord:DiscordKind",
    "webhook": "aiusage.alerts.notifiers.webhook:WebhookKind",
    "email": "aiusage.alerts.notifiers.smtp:EmailKind",
}


def _load(path: str) -> Any:
    module, cls = path.split(":")
    return getattr(importlib.import_module(module), cls)()


def _builtin(name: str) -> LogSource:
    source: LogSource = _load(BUILTIN_LOG_SOURCES[name])
    return source


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


def _builtins_only() -> bool:
    """No third-party plugin can be loaded: switched off, or none is installed."""
    return "AIUSAGE_NO_PLUGINS" in os.environ or not _entry_points_declared()


@cache
def manager() -> pluggy.PluginManager:
    # pluggy is imported here, not at the top: the statusline's path never needs it.
    import pluggy

    from aiusage import hookspecs
    from aiusage.hookspecs import hookimpl

    class _BuiltinLogSources:
        @hookimpl
        def register_log_sources(self) -> list[Any]:
            return [_builtin(name) for name in BUILTIN_LOG_SOURCES]

        @hookimpl
        def register_providers(self) -> list[Any]:
            return [_load(path) for path in BUILTIN_PROVIDERS.values()]

        @hookimpl
        def register_notifiers(self) -> list[Any]:
            return [_load(path) for path in BUILTIN_NOTIFIERS.values()]

    pm = pluggy.PluginManager("aiusage")
    pm.add_hookspecs(hookspecs)
    pm.register(_BuiltinLogSources(), name="builtin-log-sources")
    if not _builtins_only():
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


def log_source(name: str) -> LogSource | None:
    """One agent's reader. Without installed plugins only its own module is imported:
    the statusline needs Claude's reader, not all of them (~20 ms)."""
    if name in BUILTIN_LOG_SOURCES and _builtins_only():
        return _builtin(name)
    return next((s for s in log_sources() if s.name == name), None)


def providers() -> dict[str, Provider]:
    """Every registered provider adapter by name (the first registration wins)."""
    found: dict[str, Provider] = {}
    for group in reversed(manager().hook.register_providers()):
        for provider in group:
            found.setdefault(provider.info.name, provider)
    return found


def provider(name: str) -> Provider | None:
    """One provider adapter; without installed plugins only its own module is imported."""
    if name in BUILTIN_PROVIDERS and _builtins_only():
        found: Provider = _load(BUILTIN_PROVIDERS[name])
        return found
    return providers().get(name)


def notifier_kinds() -> dict[str, NotifierKind]:
    """Every notifier kind by ``type``: built-ins first, then plugins' (first wins)."""
    if _builtins_only():
        return {name: _load(path) for name, path in BUILTIN_NOTIFIERS.items()}
    found: dict[str, NotifierKind] = {}
    for group in reversed(manager().hook.register_notifiers()):
        for kind in group:
            found.setdefault(kind.kind, kind)
    return found


def notifier_kind(name: str) -> NotifierKind | None:
    """One notifier kind; without installed plugins only its own module is imported."""
    if name in BUILTIN_NOTIFIERS and _builtins_only():
        found: NotifierKind = _load(BUILTIN_NOTIFIERS[name])
        return found
    return notifier_kinds().get(name)
