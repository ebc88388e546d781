"""Kimi CLI wire logs: ``<kimi>/sessions/<group>/<session>/wire.jsonl``.

Format checked against MoonshotAI/kimi-cli ``src/kimi_cli/wire/file.py`` (a ``metadata``
line, then ``{"timestamp": <epoch s>, "message": {"type", "payload"}}`` records written
with ``json.dumps`` defaults, i.e. with spaces) and ``wire/types.py`` (``StatusUpdate``:
``token_usage`` of the step and its ``message_id``; kosong's ``TokenUsage``:
``input_other`` = uncached input, ``input_cache_read``, ``input_cache_creation``,
``output``), and against ccusage's ``rust/adapters/kimi`` (paths, ``KIMI_DATA_DIR``
comma-separated, default ``~/.kimi`` and ``~/.kimi-code``; the model from the root's
``config.json``, default ``kimi-for-coding``).

Unverified, taken from ccusage only: Kimi Code's newer ``{"type": "usage.record",
"usageScope": "turn", "model", "usage": {inputOther, output, inputCacheRead,
inputCacheCreation}, "time": <ms>}`` lines (layout ``sessions/<ws>/<session>/agents/<agent>
/wire.jsonl``; session-scope records are running totals and are skipped), and reading the
model from ``config.json``. As in ccusage, ``StatusUpdate``s nested in a ``SubagentEvent``
are not counted (whether subagents also log their own file is unverified).
"""

from __future__ import annotations

import json
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
from aiusage.sources.logs.genai import count
from aiusage.sources.logs.scanning import broken_unmarked_lines, marked_lines
from aiusage.sources.logs.timestamps import iso_to_ms

SOURCE = "kimi"
DEFAULT_MODEL = "kimi-for-coding"


class _TokenUsage(msgspec.Struct):
    input_other: Any = None
    output: Any = None
    input_cache_read: Any = None
    input_cache_creation: Any = None
    inputOther: Any = None
    inputCacheRead: Any = None
    inputCacheCreation: Any = None


class _Payload(msgspec.Struct):
    token_usage: _TokenUsage | None = None
    message_id: str | None = None


class _Message(msgspec.Struct):
    type: str | None = None
    payload: _Payload | None = None


class _Line(msgspec.Struct):
    type: str | None = None
    timestamp: Any = None
    message: _Message | None = None
    model: str | None = None
    usageScope: str | None = None
    usage: _TokenUsage | None = None
    time: Any = None


_decode = msgspec.json.Decoder(_Line).decode
_MARKERS = (b'"token_usage"', b'"usage.record"')


class KimiSource:
    """Kimi CLI: append-only wire logs, one ``StatusUpdate`` per model step."""

    name = SOURCE
    aliases = ("kimi-cli", "kimi-code")
    splittable = True

    def __init__(self, roots: list[Path] | None = None) -> None:
        self._roots = roots
        self._models: dict[Path, str] = {}

    def homes(self) -> list[Path]:
        return list(self._roots or home_dirs("KIMI_DATA_DIR", ".kimi", ".kimi-code"))

    def roots(self) -> list[Path]:
        return [h / "sessions" for h in self.homes()]

    def discover(self) -> Iterator[Path]:
        for root in unique_dirs(self.roots()):
            for path in walk_files(root, "wire.jsonl"):
                if path.name == "wire.jsonl":
                    yield path

    def context(self, path: Path) -> FileContext:
        """Session: the directory of the wire file (above ``agents/<agent>`` when nested);
        project: the group (work-directory hash) or workspace directory above it."""
        session_dir = path.parent
        if session_dir.parent.name == "agents":
            session_dir = session_dir.parent.parent
        return FileContext(
            path=str(path), project=session_dir.parent.name, session=session_dir.name
        )

    def default_model(self, path: Path) -> str:
        """``model`` from ``config.json`` in the Kimi home above ``sessions`` (cached)."""
        parts = path.parts
        if "sessions" not in parts:
            return DEFAULT_MODEL
        home = Path(*parts[: len(parts) - 1 - parts[::-1].index("sessions")])
        model = self._models.get(home)
        if model is None:
            model = DEFAULT_MODEL
            try:
                config = json.loads((home / "config.json").read_text(encoding="utf-8"))
                if isinstance(config, dict) and isinstance(config.get("model"), str):
                    model = config["model"].strip() or DEFAULT_MODEL
            except (OSError, ValueError):
                pass
            self._models[home] = model
        return model

    def parse(
        self, buf: bytes | bytearray, end: int, ctx: FileContext, state: dict[str, Any]
    ) -> ParseResult:
        result = ParseResult()
        result.malformed = broken_unmarked_lines(buf, end, _MARKERS)
        model = self.default_model(Path(ctx.path))
        view = memoryview(buf)
        try:
            for start, stop in marked_lines(buf, end, _MARKERS):
                try:
                    line = _decode(view[start:stop])
                except (msgspec.DecodeError, msgspec.ValidationError):
                    result.malformed += 1
                    continue
                event = _event(line, ctx, model)
                if event is _BAD:
                    result.malformed += 1
                elif event is not None:
                    result.events.append(event)
        finally:
            view.release()
        return result


_BAD = UsageEvent(ts_ms=0, source=SOURCE, dedup_key="")


def _event(line: _Line, ctx: FileContext, default_model: str) -> UsageEvent | None:
    message_id = ""
    if line.type == "usage.record":
        if line.usageScope != "turn" or line.usage is None:
            return None  # session-scope records are running totals
        u = line.usage
        inp, read = count(u.inputOther), count(u.inputCacheRead)
        created, out = count(u.inputCacheCreation), count(u.output)
        ts = iso_to_ms(line.time)
        model = (line.model or default_model).removeprefix("kimi-code/")
    else:
        m = line.message
        if m is None or m.type != "StatusUpdate" or m.payload is None:
            return None
        step = m.payload.token_usage
        if step is None:
            return None
        inp, read = count(step.input_other), count(step.input_cache_read)
        created, out = count(step.input_cache_creation), count(step.output)
        ts = iso_to_ms(line.timestamp)
        model = default_model
        message_id = m.payload.message_id or ""
    if not (inp or read or created or out):
        return None
    if ts is None:
        return _BAD
    # ccusage's key: a step's update is one event; identical re-reads collapse.
    key = f"{ctx.session}:{message_id}:{ts}:{inp}:{out}:{created}:{read}"
    return UsageEvent(
        ts_ms=ts,
        source=SOURCE,
        dedup_key=key,
        model=model,
        provider=provider_for_model(model, "moonshot"),
        project=ctx.project,
        session=ctx.session,
        input_tokens=inp,
        output_tokens=out,
        cache_read_tokens=read,
        cache_write_5m_tokens=created,
    )
