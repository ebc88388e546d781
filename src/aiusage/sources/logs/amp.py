"""Amp threads: ``<amp>/threads/**/T-*.json``, one JSON document per thread.

Format checked against ccusage's Amp readers (``apps/amp/src/data-loader.ts`` in
ryoppippi/ccusage and ``rust/adapters/amp/src/parser.rs`` in ccusage/ccusage, with their
fixtures) and tokscale's ``sessions/amp.rs``; paths and ``AMP_DATA_DIR`` (comma-separated;
when set only those) follow ccusage. Not checked against Amp itself (closed source), and
Amp's server-side threads (ccusage lists them with the ``amp`` CLI) are not read: this
reader is local-only, like ``AMP_DATA_DIR`` in ccusage.

A thread file ``{id, created, title, messages: [...], usageLedger: {events: [...]}}`` is
rewritten whole as the thread grows, so it is re-read whole when it changes. Usage:

- ``usageLedger.events[]``: ``{id, timestamp, model, credits, tokens: {input, output},
  fromMessageId, toMessageId}`` — one per model call; cache reads and writes are not in
  the event but in the assistant message it produced (``messages[].usage`` of
  ``messageId == toMessageId``). ``tokens.input`` is uncached input.
- Without a ledger, assistant ``messages[].usage``: ``{model, inputTokens, outputTokens,
  cacheCreationInputTokens, cacheReadInputTokens, totalInputTokens, credits, timestamp}``.

Both paths key a call on its thread and assistant message id, so a thread whose ledger
appears in a later rewrite does not count a call twice. ``credits`` are kept in ``meta``
(Amp's credit unit is not verified to be dollars, so it is not a reported cost).
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
from aiusage.sources.logs.genai import count
from aiusage.sources.logs.timestamps import iso_to_ms

SOURCE = "amp"


class _LedgerTokens(msgspec.Struct):
    input: Any = None
    output: Any = None


class _LedgerEvent(msgspec.Struct):
    id: Any = None
    timestamp: Any = None
    model: str | None = None
    credits: Any = None
    tokens: _LedgerTokens | None = None
    toMessageId: Any = None


class _Usage(msgspec.Struct):
    model: str | None = None
    inputTokens: Any = None
    outputTokens: Any = None
    cacheCreationInputTokens: Any = None
    cacheReadInputTokens: Any = None
    credits: Any = None
    timestamp: Any = None


class _Message(msgspec.Struct):
    role: Any = None
    messageId: Any = None
    usage: _Usage | None = None
    timestamp: Any = None


class _Ledger(msgspec.Struct):
    events: list[msgspec.Raw] | None = None


class _Thread(msgspec.Struct):
    id: str | None = None
    created: Any = None
    messages: list[msgspec.Raw] | None = None
    usageLedger: _Ledger | None = None


_decode_thread = msgspec.json.Decoder(_Thread).decode
_decode_event = msgspec.json.Decoder(_LedgerEvent).decode
_decode_message = msgspec.json.Decoder(_Message).decode


def default_roots() -> list[Path]:
    """``AMP_DATA_DIR`` (comma-separated; only those when set), else ``~/.local/share/amp``."""
    configured = env_dirs("AMP_DATA_DIR")
    return configured if configured is not None else [Path.home() / ".local" / "share" / "amp"]


class AmpSource:
    """Amp: thread documents, re-read whole when rewritten."""

    name = SOURCE
    aliases = ("ampcode",)
    kind: Literal["document"] = "document"

    def __init__(self, roots: list[Path] | None = None) -> None:
        self._roots = roots

    def roots(self) -> list[Path]:
        return [r / "threads" for r in (self._roots or default_roots())]

    def discover(self) -> Iterator[Path]:
        for root in unique_dirs(self.roots()):
            yield from walk_files(root, ".json")

    def companions(self, path: Path) -> list[Path]:
        return []

    def read_document(self, path: Path, state: dict[str, Any]) -> ParseResult:
        result = ParseResult()
        try:
            thread = _decode_thread(path.read_bytes())
        except (msgspec.DecodeError, msgspec.ValidationError):
            result.malformed = 1
            return result
        _ThreadReader(thread, path, result).read()
        return result


def _message_key(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | str):
        return str(value)
    return None


class _ThreadReader:
    """The events of one decoded thread."""

    def __init__(self, thread: _Thread, path: Path, result: ParseResult) -> None:
        self.thread = thread
        self.session = thread.id or path.stem
        self.result = result
        self.messages: dict[str, _Message] = {}
        for raw in thread.messages or ():
            try:
                m = _decode_message(raw)
            except (msgspec.DecodeError, msgspec.ValidationError):
                result.malformed += 1
                continue
            key = _message_key(m.messageId)
            if m.role == "assistant" and key is not None:
                self.messages[key] = m

    def read(self) -> None:
        ledger = self.thread.usageLedger
        events = ledger.events if ledger is not None else None
        if events:
            for raw in events:
                try:
                    self._ledger_event(_decode_event(raw))
                except (msgspec.DecodeError, msgspec.ValidationError):
                    self.result.malformed += 1
        else:
            for key, m in self.messages.items():
                self._message(key, m)

    def _ledger_event(self, e: _LedgerEvent) -> None:
        tokens = e.tokens or _LedgerTokens()
        msg_key = _message_key(e.toMessageId)
        usage = self.messages[msg_key].usage if msg_key in self.messages else None
        created = count(usage.cacheCreationInputTokens) if usage else 0
        read = count(usage.cacheReadInputTokens) if usage else 0
        if msg_key is not None:
            key = f"{self.session}:m{msg_key}"
        elif e.id is not None:
            key = f"{self.session}:e{e.id}"
        else:
            key = f"{self.session}:t{e.timestamp}"
        inp, out = count(tokens.input), count(tokens.output)
        self._add(key, e.timestamp, e.model, inp, out, created, read, e.credits)

    def _message(self, key: str, m: _Message) -> None:
        u = m.usage
        if u is None:
            return
        when = u.timestamp if u.timestamp is not None else m.timestamp
        if when is None:
            when = self.thread.created
        inp, out = count(u.inputTokens), count(u.outputTokens)
        created, read = count(u.cacheCreationInputTokens), count(u.cacheReadInputTokens)
        self._add(f"{self.session}:m{key}", when, u.model, inp, out, created, read, u.credits)

    def _add(
        self,
        key: str,
        when: Any,
        model: str | None,
        inp: int,
        out: int,
        created: int,
        read: int,
        credits: Any,
    ) -> None:
        if not (inp or out or created or read):
            return
        ts = iso_to_ms(when)
        if ts is None:
            self.result.malformed += 1
            return
        name = model or "unknown"
        meta: dict[str, Any] = {}
        if isinstance(credits, int | float) and not isinstance(credits, bool):
            meta["credits"] = credits
        if not model:
            meta["model_assumed"] = True
        self.result.events.append(
            UsageEvent(
                ts_ms=ts,
                source=SOURCE,
                dedup_key=key,
                model=name,
                provider=provider_for_model(name),
                session=self.session,
                input_tokens=inp,
                output_tokens=out,
                cache_read_tokens=read,
                cache_write_5m_tokens=created,
                meta=meta,
            )
        )
