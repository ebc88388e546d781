"""Droid (Factory) sessions: ``<sessions>/**/<session>.settings.json``.

Format checked against ccusage's ``rust/adapters/droid`` (``load_settings_file`` and its
fixtures) and tokscale's ``sessions/droid.rs``; paths and ``DROID_SESSIONS_DIR``
(comma-separated; when set only those; default ``~/.factory/sessions``) follow ccusage.
Not checked against Droid itself (closed source).

Droid keeps no per-request usage on disk: the settings file holds the session's running
``tokenUsage`` ``{inputTokens, outputTokens, cacheCreationTokens, cacheReadTokens,
thinkingTokens}`` (thinking on top of output) and is rewritten whenever it grows. So a
session is one event keyed on its id: every re-read upserts the bigger total onto it, and
the same session found twice (an archive copy) counts once. The event is dated at the
file's last write, floored at ``providerLockTimestamp`` — tokscale's rule; ccusage uses
the lock time, which books a session running for days on its first day. Either way a
multi-day session's usage lands on a single day. ``model`` drops Droid's ``custom:``
prefix and ``[Provider]`` tags; without one, the sidecar transcript's ``Model:`` line
(first 500 lines) names it, as in both peers.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import msgspec

from aiusage.records import UsageEvent
from aiusage.sources.logs.base import (
    ParseResult,
    home_dirs,
    provider_for_model,
    unique_dirs,
    walk_files,
)
from aiusage.sources.logs.genai import count
from aiusage.sources.logs.timestamps import iso_to_ms

SOURCE = "droid"
SUFFIX = ".settings.json"


class _Usage(msgspec.Struct):
    inputTokens: Any = None
    outputTokens: Any = None
    cacheCreationTokens: Any = None
    cacheReadTokens: Any = None
    thinkingTokens: Any = None


class _Settings(msgspec.Struct):
    model: str | None = None
    providerLock: str | None = None
    providerLockTimestamp: Any = None
    tokenUsage: _Usage | None = None


_decode = msgspec.json.Decoder(_Settings).decode
_PROVIDERS = {
    "claude": "anthropic",
    "anthropic": "anthropic",
    "openai": "openai",
    "google": "google",
    "gemini": "google",
    "vertex": "google",
    "xai": "xai",
    "grok": "xai",
}


def normalize_model(raw: str) -> str:
    """``custom:Claude-Opus-4.5-[Anthropic]-0`` → ``claude-opus-4.5-0``."""
    name = raw.strip().removeprefix("custom:")
    name = re.sub(r"\[[^\]]*\]", "", name)
    name = re.sub(r"[\s-]+", "-", name.strip().lower())
    return name.strip("-")


class DroidSource:
    """Droid: one running total per session, re-read whole when rewritten."""

    name = SOURCE
    aliases = ("factory",)
    kind: Literal["document"] = "document"

    def __init__(self, roots: list[Path] | None = None) -> None:
        self._roots = roots

    def roots(self) -> list[Path]:
        return list(self._roots or home_dirs("DROID_SESSIONS_DIR", ".factory/sessions"))

    def discover(self) -> Iterator[Path]:
        for root in unique_dirs(self.roots()):
            yield from walk_files(root, SUFFIX)

    def companions(self, path: Path) -> list[Path]:
        return []

    def read_document(self, path: Path, state: dict[str, Any]) -> ParseResult:
        result = ParseResult()
        data = path.read_bytes()
        mtime_ms = os.stat(path).st_mtime_ns // 1_000_000
        try:
            settings = _decode(data)
        except (msgspec.DecodeError, msgspec.ValidationError):
            result.malformed = 1
            return result
        u = settings.tokenUsage
        if u is None:
            return result
        inp, out = count(u.inputTokens), count(u.outputTokens)
        created, read = count(u.cacheCreationTokens), count(u.cacheReadTokens)
        thinking = count(u.thinkingTokens)
        if not (inp or out or created or read or thinking):
            return result
        lock = iso_to_ms(settings.providerLockTimestamp)
        session = path.name.removesuffix(SUFFIX)
        raw_model = settings.model or _sidecar_model(path)
        model = normalize_model(raw_model) if raw_model else ""
        lock_provider = (settings.providerLock or "").strip().lower().replace("-", "_")
        provider = _PROVIDERS.get(lock_provider, lock_provider) or provider_for_model(model)
        result.events.append(
            UsageEvent(
                ts_ms=max(mtime_ms, lock or 0),
                source=SOURCE,
                dedup_key=f"session:{session}",
                model=model or "unknown",
                provider=provider,
                project=self._project(path),
                session=session,
                input_tokens=inp,
                output_tokens=out + thinking,
                cache_read_tokens=read,
                cache_write_5m_tokens=created,
                reasoning_tokens=thinking,
                meta={"session_total": True, **({} if model else {"model_assumed": True})},
            )
        )
        return result

    def _project(self, path: Path) -> str:
        """The directory between the sessions root and the file, if any (unverified)."""
        for root in self.roots():
            try:
                parts = path.relative_to(root).parts
            except ValueError:
                continue
            return parts[0] if len(parts) > 1 else ""
        return ""


def _sidecar_model(settings_path: Path) -> str:
    """The ``Model: …`` a session transcript's system reminder names, if any."""
    sidecar = settings_path.with_name(settings_path.name.removesuffix(SUFFIX) + ".jsonl")
    try:
        with open(sidecar, encoding="utf-8", errors="replace") as fh:
            for n, line in enumerate(fh):
                if n >= 500:
                    break
                found = re.search(r"Model:\s*([^\"\\\[]+)", line)
                if found and found.group(1).strip():
                    return found.group(1).strip()
    except OSError:
        pass
    return ""
