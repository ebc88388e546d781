"""Claude Code transcripts: ``<config>/projects/<project>/<session>.jsonl`` (+ ``subagents/``).

One API response is written as 1–4 lines (one per content block) sharing ``message.id``,
``requestId`` and a usage object whose ``output_tokens`` may be partial on early lines; the
store keeps the copy with the most tokens. Sidechain copies replaying a parent message
under a new requestId are flagged so the store can hide them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec

from aiusage.records import UsageEvent
from aiusage.sources.logs.base import FileContext, ParseResult, env_dirs, walk_files
from aiusage.sources.logs.scanning import broken_unmarked_lines, marked_lines
from aiusage.sources.logs.timestamps import iso_to_ms

SOURCE = "claude-code"


class _CacheCreation(msgspec.Struct):
    ephemeral_5m_input_tokens: int | None = None
    ephemeral_1h_input_tokens: int | None = None


class _Usage(msgspec.Struct):
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None
    cache_creation: _CacheCreation | None = None


class _Message(msgspec.Struct):
    id: str | None = None
    model: str | None = None
    usage: _Usage | None = None


class _Line(msgspec.Struct):
    timestamp: str | None = None
    sessionId: str | None = None
    requestId: str | None = None
    isSidechain: bool | None = None
    costUSD: float | None = None
    message: _Message | None = None


_decode = msgspec.json.Decoder(_Line).decode


def default_roots() -> list[Path]:
    """``CLAUDE_CONFIG_DIR`` (comma-separated; only those when set), else both defaults."""
    configured = env_dirs("CLAUDE_CONFIG_DIR")
    if configured is not None:
        return configured
    import os

    xdg = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return [Path(xdg) / "claude", Path.home() / ".claude"]


class ClaudeCodeSource:
    name = SOURCE
    splittable = True

    def __init__(self, roots: list[Path] | None = None) -> None:
        self._roots = roots

    def roots(self) -> list[Path]:
        return [r / "projects" for r in (self._roots or default_roots())]

    def discover(self) -> Iterator[Path]:
        seen: set[Path] = set()
        for root in self.roots():
            if not root.is_dir():
                continue
            resolved = root.resolve()
            if resolved in seen:
                continue
            seen.add(resolved)
            yield from walk_files(root, ".jsonl")

    def context(self, path: Path) -> FileContext:
        parts = path.parts
        project = ""
        if "projects" in parts:
            idx = len(parts) - 1 - parts[::-1].index("projects")
            if idx + 1 < len(parts) - 1:
                project = parts[idx + 1]
        session = path.stem
        if path.parent.name == "subagents":
            session = path.parent.parent.name
        return FileContext(path=str(path), project=project, session=session)

    def parse(
        self, buf: bytes | bytearray, end: int, ctx: FileContext, state: dict[str, Any]
    ) -> ParseResult:
        return parse_buffer(buf, end, ctx)


_MARKERS = (b'"usage"',)


def parse_buffer(buf: bytes | bytearray, end: int, ctx: FileContext) -> ParseResult:
    """Usage events from the lines of ``buf[:end]`` that mention usage; the other lines are
    only checked for being whole JSON objects (truncated writes and garbage are counted)."""
    result = ParseResult()
    events = result.events
    malformed = broken_unmarked_lines(buf, end, _MARKERS)
    view = memoryview(buf)
    try:
        for start, stop in marked_lines(buf, end, _MARKERS):
            try:
                line = _decode(view[start:stop])
            except (msgspec.DecodeError, msgspec.ValidationError):
                malformed += 1
                continue
            event = _event(line, ctx)
            if event is _BAD:
                malformed += 1
            elif event is not None:
                events.append(event)
    finally:
        view.release()
    result.malformed = malformed
    return result


_BAD = UsageEvent(ts_ms=0, source=SOURCE, dedup_key="")


def _event(line: _Line, ctx: FileContext) -> UsageEvent | None:
    """The usage event a decoded line carries: None when it carries none, _BAD when its
    timestamp cannot be read."""
    message = line.message
    if message is None or message.usage is None:
        return None
    usage = message.usage
    inp = usage.input_tokens or 0
    out = usage.output_tokens or 0
    read = usage.cache_read_input_tokens or 0
    created = usage.cache_creation_input_tokens or 0
    w1h = 0
    if usage.cache_creation is not None:
        w1h = usage.cache_creation.ephemeral_1h_input_tokens or 0
        w5m_split = usage.cache_creation.ephemeral_5m_input_tokens or 0
        created = max(created, w5m_split + w1h)
    if not (inp or out or read or created or line.costUSD):
        return None  # synthetic error messages and empty usage carry nothing
    ts = iso_to_ms(line.timestamp)
    if ts is None:
        return _BAD
    msg_id = message.id or ""
    req_id = line.requestId or ""
    if msg_id:
        key = f"{msg_id}:{req_id}" if req_id else msg_id
    else:
        # No id to dedup on: identical copies (resumed sessions) still collapse.
        key = f"h:{line.sessionId}:{ts}:{inp}:{out}:{read}:{created}"
    return UsageEvent(
        ts_ms=ts,
        source=SOURCE,
        dedup_key=key,
        model=message.model or "unknown",
        provider="anthropic",
        project=ctx.project,
        session=line.sessionId or ctx.session,
        input_tokens=inp,
        output_tokens=out,
        cache_read_tokens=read,
        cache_write_5m_tokens=created - w1h,
        cache_write_1h_tokens=w1h,
        reported_cost_usd=line.costUSD,
        group_key=msg_id,
        sidechain=bool(line.isSidechain),
    )
