"""Qwen Code chat recordings: ``<qwen>/projects/<project>/chats/<session>.jsonl``.

Format checked against QwenLM/qwen-code ``packages/core/src/services/
chatRecordingService.ts`` (``ChatRecord``: ``uuid, parentUuid, sessionId, timestamp, type,
cwd, model, usageMetadata``; append-only JSON lines) and ccusage's ``rust/adapters/qwen``
(paths; ``QWEN_DATA_DIR``, comma-separated, default ``~/.qwen``).

An ``assistant`` record carries the model's ``usageMetadata`` in Gemini's shape. Qwen
Code converts other APIs into it: from OpenAI-compatible servers ``promptTokenCount`` is
``prompt_tokens`` (cached included) and ``candidatesTokenCount`` is ``completion_tokens``
(reasoning included, also given as ``thoughtsTokenCount``); ``genai.split_usage`` tells
the shapes apart by the total. ccusage adds cached input on top of the prompt instead
(counting it twice). ``/branch`` copies records verbatim under a new ``sessionId``: the
dedup key is the record's ``uuid`` alone, so a branch never counts its parent again.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec

from aiusage.records import UsageEvent
from aiusage.sources.logs.base import (
    FileContext,
    ParseResult,
    home_dirs,
    provider_for_model,
    unique_dirs,
    walk_files,
)
from aiusage.sources.logs.genai import count, split_usage
from aiusage.sources.logs.scanning import broken_unmarked_lines, marked_lines
from aiusage.sources.logs.timestamps import iso_to_ms

SOURCE = "qwen"


class _Usage(msgspec.Struct):
    promptTokenCount: Any = None
    candidatesTokenCount: Any = None
    thoughtsTokenCount: Any = None
    cachedContentTokenCount: Any = None
    toolUsePromptTokenCount: Any = None
    totalTokenCount: Any = None


class _Record(msgspec.Struct):
    uuid: str | None = None
    sessionId: str | None = None
    timestamp: Any = None
    type: Any = None
    cwd: str | None = None
    model: str | None = None
    usageMetadata: _Usage | None = None


_decode = msgspec.json.Decoder(_Record).decode
_MARKERS = (b'"usageMetadata"',)


class QwenSource:
    """Qwen Code: append-only JSON lines, one usage record per model reply."""

    name = SOURCE
    aliases = ("qwen-code",)
    splittable = True

    def __init__(self, roots: list[Path] | None = None) -> None:
        self._roots = roots

    def roots(self) -> list[Path]:
        return [r / "projects" for r in (self._roots or home_dirs("QWEN_DATA_DIR", ".qwen"))]

    def discover(self) -> Iterator[Path]:
        for root in unique_dirs(self.roots()):
            for path in walk_files(root, ".jsonl"):
                if path.parent.name == "chats":
                    yield path

    def context(self, path: Path) -> FileContext:
        return FileContext(path=str(path), project=path.parent.parent.name, session=path.stem)

    def parse(
        self, buf: bytes | bytearray, end: int, ctx: FileContext, state: dict[str, Any]
    ) -> ParseResult:
        result = ParseResult()
        result.malformed = broken_unmarked_lines(buf, end, _MARKERS)
        view = memoryview(buf)
        try:
            for start, stop in marked_lines(buf, end, _MARKERS):
                try:
                    record = _decode(view[start:stop])
                except (msgspec.DecodeError, msgspec.ValidationError):
                    result.malformed += 1
                    continue
                event = _event(record, ctx)
                if event is _BAD:
                    result.malformed += 1
                elif event is not None:
                    result.events.append(event)
        finally:
            view.release()
        return result


_BAD = UsageEvent(ts_ms=0, source=SOURCE, dedup_key="")


def _event(r: _Record, ctx: FileContext) -> UsageEvent | None:
    if r.type != "assistant" or r.usageMetadata is None:
        return None
    u = r.usageMetadata
    split = split_usage(
        count(u.promptTokenCount),
        count(u.cachedContentTokenCount),
        count(u.candidatesTokenCount),
        count(u.thoughtsTokenCount),
        count(u.toolUsePromptTokenCount),
        count(u.totalTokenCount),
    )
    if not any(split):
        return None
    ts = iso_to_ms(r.timestamp)
    if ts is None:
        return _BAD
    session = r.sessionId or ctx.session
    key = r.uuid or f"h:{session}:{ts}:{split.input_tokens}:{split.output_tokens}"
    model = r.model or "unknown"
    project = os.path.basename(r.cwd.rstrip("/\\")) if r.cwd else ctx.project
    return UsageEvent(
        ts_ms=ts,
        source=SOURCE,
        dedup_key=key,
        model=model,
        provider=provider_for_model(model),
        project=project,
        session=session,
        input_tokens=split.input_tokens,
        output_tokens=split.output_tokens,
        cache_read_tokens=split.cache_read_tokens,
        reasoning_tokens=split.reasoning_tokens,
        meta={} if r.model else {"model_assumed": True},
    )
