"""Gemini CLI chat recordings: ``<tmp>/<project>/chats/session-*.json`` and ``*.jsonl``.

Format checked against google-gemini/gemini-cli ``packages/core/src/services/
chatRecordingService.ts`` (2026 snapshot) and ccusage's ``rust/adapters/gemini`` parser;
paths and ``GEMINI_DATA_DIR`` (comma-separated; when set only those) follow ccusage.

- Older CLIs keep one JSON document per session, ``{sessionId, projectHash, startTime,
  lastUpdated, messages: [...]}``, rewritten whole after every message.
- Newer CLIs append JSON lines: a metadata line ``{sessionId, projectHash, startTime, …}``,
  then message records, re-appended under the same ``id`` when they change (a reply's
  ``tokens`` arrive after the reply), ``{"$set": {…}}`` metadata updates (which may carry
  the whole ``messages`` list again) and ``{"$rewindTo": id}``. Resuming a legacy session
  copies all its messages into ``session-*.jsonl`` next to the old ``.json``. Subagents
  write ``chats/<parent session>/<session>.jsonl``.

Each file is read whole whenever it changes (both shapes are small, and the JSON document is
rewritten in place); a reply is one event keyed on session and message id, so the copies —
re-appended, in ``$set``, in the migrated ``.jsonl`` — collapse onto one row. Rewound
replies still count: they were billed. Gemini's ``tokens``: ``input`` includes ``cached``;
``thoughts`` are output; ``tool`` (tool-use prompt) is input (see ``genai.split_usage``).
Only files under a ``chats`` directory are read (ccusage reads every ``.json`` under tmp;
the others — ``logs.json``, checkpoints — carry no token counts).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import msgspec

from aiusage.records import UsageEvent
from aiusage.sources.logs.base import (
    ParseResult,
    env_dirs,
    provider_for_model,
    unique_dirs,
    walk_files,
)
from aiusage.sources.logs.genai import count, split_usage
from aiusage.sources.logs.timestamps import iso_to_ms

SOURCE = "gemini"


class _Tokens(msgspec.Struct):
    input: Any = None
    output: Any = None
    cached: Any = None
    thoughts: Any = None
    tool: Any = None
    total: Any = None


class _Message(msgspec.Struct):
    id: str | None = None
    timestamp: Any = None
    type: Any = None
    model: str | None = None
    tokens: _Tokens | None = None


class _Set(msgspec.Struct):
    sessionId: str | None = None
    messages: list[msgspec.Raw] | None = None


class _Record(msgspec.Struct):
    """One JSONL record, or the whole legacy document (which has the same keys)."""

    sessionId: str | None = None
    id: str | None = None
    timestamp: Any = None
    type: Any = None
    model: str | None = None
    tokens: _Tokens | None = None
    messages: list[msgspec.Raw] | None = None
    set: _Set | None = msgspec.field(default=None, name="$set")


_decode_record = msgspec.json.Decoder(_Record).decode
_MARKERS = (b'"tokens"', b'"sessionId"', b'"$set"')  # lines worth decoding
_decode_message = msgspec.json.Decoder(_Message).decode


def default_roots() -> list[Path]:
    """``GEMINI_DATA_DIR`` (comma-separated; only those when set), else ``~/.gemini/tmp``."""
    configured = env_dirs("GEMINI_DATA_DIR")
    return configured if configured is not None else [Path.home() / ".gemini" / "tmp"]


class GeminiSource:
    """Gemini CLI: whole-document reads of chat recordings."""

    name = SOURCE
    aliases = ("gemini-cli",)
    kind: Literal["document"] = "document"

    def __init__(self, roots: list[Path] | None = None) -> None:
        self._roots = roots

    def roots(self) -> list[Path]:
        return list(self._roots or default_roots())

    def discover(self) -> Iterator[Path]:
        for root in unique_dirs(self.roots()):
            for suffix in (".json", ".jsonl"):
                for path in walk_files(root, suffix):
                    if "chats" in path.relative_to(root).parts[:-1]:
                        yield path

    def companions(self, path: Path) -> list[Path]:
        return []

    def read_document(self, path: Path, state: dict[str, Any]) -> ParseResult:
        data = path.read_bytes()
        reader = _Reader(path)
        if path.suffix == ".json":
            reader.document(data)
        else:
            reader.lines(data)
        return reader.result


def project_of(path: Path) -> str:
    """The directory holding ``chats`` (a project hash or, in newer CLIs, a short name)."""
    parts = path.parts
    if "chats" in parts:
        idx = len(parts) - 1 - parts[::-1].index("chats")
        if idx > 0:
            return parts[idx - 1]
    return ""


class _Reader:
    """Collects one event per reply; later copies of a reply replace earlier ones."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.project = project_of(path)
        self.session = path.stem
        self.result = ParseResult()
        self.found: dict[str, UsageEvent] = {}

    def document(self, data: bytes) -> None:
        try:
            doc = _decode_record(data)
        except (msgspec.DecodeError, msgspec.ValidationError):
            self.result.malformed += 1
            return
        self.session = doc.sessionId or self.session
        for raw in doc.messages or ():
            self._raw_message(raw)
        self._finish()

    def lines(self, data: bytes) -> None:
        for line in data.split(b"\n"):
            stripped = line.strip()
            if not stripped:
                continue
            if not any(marker in line for marker in _MARKERS):
                # user turns, tool output, metadata updates: only checked for being whole
                if not (stripped[:1] == b"{" and stripped[-1:] == b"}"):
                    self.result.malformed += 1
                continue
            try:
                record = _decode_record(line)
            except (msgspec.DecodeError, msgspec.ValidationError):
                self.result.malformed += 1
                continue
            if record.sessionId and record.id is None:
                self.session = record.sessionId  # the metadata line
            if record.set is not None:
                self.session = record.set.sessionId or self.session
                for raw in record.set.messages or ():
                    self._raw_message(raw)
            elif record.id is not None:
                self._message(record)
        self._finish()

    def _raw_message(self, raw: msgspec.Raw) -> None:
        try:
            self._message(_decode_message(raw))
        except (msgspec.DecodeError, msgspec.ValidationError):
            self.result.malformed += 1

    def _message(self, m: _Message | _Record) -> None:
        if m.type != "gemini" or m.tokens is None:
            return
        t = m.tokens
        split = split_usage(
            count(t.input),
            count(t.cached),
            count(t.output),
            count(t.thoughts),
            count(t.tool),
            count(t.total),
        )
        if not any(split):
            return
        ts = iso_to_ms(m.timestamp)
        if ts is None:
            self.result.malformed += 1
            return
        model = m.model or "unknown"
        msg_id = m.id or f"h:{ts}:{split.input_tokens}:{split.output_tokens}"
        key = f"{self.session}:{msg_id}"
        event = UsageEvent(
            ts_ms=ts,
            source=SOURCE,
            dedup_key=key,
            model=model,
            provider=provider_for_model(model, "google"),
            project=self.project,
            session=self.session,
            input_tokens=split.input_tokens,
            output_tokens=split.output_tokens,
            cache_read_tokens=split.cache_read_tokens,
            reasoning_tokens=split.reasoning_tokens,
            meta={} if m.model else {"model_assumed": True},
        )
        old = self.found.get(key)
        if old is None or event.total_tokens >= old.total_tokens:
            self.found[key] = event

    def _finish(self) -> None:
        self.result.events = list(self.found.values())
