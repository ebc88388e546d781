"""Codex CLI rollouts: ``$CODEX_HOME/sessions/YYYY/MM/DD/rollout-*.jsonl`` and archives.

Usage comes from ``token_count`` events: ``last_token_usage`` per turn, or the difference
of successive ``total_token_usage`` values in older files. Codex's ``input_tokens``
includes cached input; we store uncached input.

A fork (``session_meta.forked_from_id``) first replays its parent's token_count rows, before
its own first ``turn_context``. Those rows are the parent's usage (counted from the
parent's file, and kept in the store after that file is gone), so here they only advance
the running totals. Every other turn is keyed on its session and the cumulative totals,
which a re-read repeats and a new turn never does. ``rate_limits`` become Observations
(a replayed parent's readings do not: they are old values at the fork's time).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec

from aiusage.records import Observation, UsageEvent
from aiusage.sources.logs.base import FileContext, ParseResult, walk_files
from aiusage.sources.logs.scanning import broken_unmarked_lines, marked_lines
from aiusage.sources.logs.timestamps import iso_to_ms

SOURCE = "codex"
FALLBACK_MODEL = "gpt-5"  # what ccusage assumes when no turn_context names a model
REPEAT_MS = 5 * 60_000  # an unchanged rate-limit reading is stored at most this often


class _Tokens(msgspec.Struct):
    input_tokens: int | None = None
    cached_input_tokens: int | None = None
    output_tokens: int | None = None
    reasoning_output_tokens: int | None = None
    total_tokens: int | None = None


class _Info(msgspec.Struct):
    total_token_usage: _Tokens | None = None
    last_token_usage: _Tokens | None = None


class _Window(msgspec.Struct):
    used_percent: float | None = None
    window_minutes: int | None = None
    resets_at: float | None = None
    resets_in_seconds: float | None = None


class _RateLimits(msgspec.Struct):
    primary: _Window | None = None
    secondary: _Window | None = None


class _Payload(msgspec.Struct):
    type: str | None = None
    id: str | None = None
    forked_from_id: str | None = None
    cwd: str | None = None
    model: str | None = None
    info: _Info | None = None
    rate_limits: _RateLimits | None = None


class _Line(msgspec.Struct):
    timestamp: str | None = None
    type: str | None = None
    payload: _Payload | None = None


_decode = msgspec.json.Decoder(_Line).decode
_INTERESTING = (b'"token_count"', b'"turn_context"', b'"session_meta"')


def _vector(t: _Tokens) -> list[int]:
    return [
        t.input_tokens or 0,
        t.cached_input_tokens or 0,
        t.output_tokens or 0,
        t.reasoning_output_tokens or 0,
    ]


def default_root() -> Path:
    home = os.environ.get("CODEX_HOME", "").strip()
    return Path(home).expanduser() if home else Path.home() / ".codex"


class CodexSource:
    name = SOURCE
    splittable = False

    def __init__(self, root: Path | None = None) -> None:
        self._root = root

    def roots(self) -> list[Path]:
        root = self._root or default_root()
        return [root / "sessions", root / "archived_sessions"]

    def discover(self) -> Iterator[Path]:
        for root in self.roots():
            if root.is_dir():
                yield from walk_files(root, ".jsonl")

    def context(self, path: Path) -> FileContext:
        return FileContext(path=str(path), project="", session=path.stem)

    def parse(
        self, buf: bytes | bytearray, end: int, ctx: FileContext, state: dict[str, Any]
    ) -> ParseResult:
        result = ParseResult(state=dict(state))
        st = result.state
        result.malformed = broken_unmarked_lines(buf, end, _INTERESTING)
        view = memoryview(buf)
        try:
            for start, stop in marked_lines(buf, end, _INTERESTING):
                try:
                    line = _decode(view[start:stop])
                except (msgspec.DecodeError, msgspec.ValidationError):
                    result.malformed += 1
                    continue
                self._apply(line, ctx, st, result)
        finally:
            view.release()
        return result

    @staticmethod
    def _apply(line: _Line, ctx: FileContext, st: dict[str, Any], result: ParseResult) -> None:
        """Update the state from one interesting line, adding what it records."""
        payload = line.payload
        if payload is None:
            return
        if line.type == "session_meta":
            if payload.id:
                st["session"] = payload.id
            if payload.forked_from_id:
                st["replaying"] = True
            if payload.cwd:
                st["project"] = os.path.basename(payload.cwd.rstrip("/\\"))
        elif line.type == "turn_context":
            st.pop("replaying", None)
            if payload.model:
                st["model"] = payload.model
            if payload.cwd and "project" not in st:
                st["project"] = os.path.basename(payload.cwd.rstrip("/\\"))
        elif payload.type == "token_count":
            ts = iso_to_ms(line.timestamp)
            if ts is None:
                result.malformed += 1
                return
            if payload.rate_limits is not None and not st.get("replaying"):
                result.observations.extend(
                    o for o in _limits(payload.rate_limits, ts) if _is_news(o, st)
                )
            if payload.info is not None:
                event = _turn_event(payload.info, ts, ctx, st)
                if event is not None:
                    result.events.append(event)


def _turn_event(info: _Info, ts: int, ctx: FileContext, st: dict[str, Any]) -> UsageEvent | None:
    total = _vector(info.total_token_usage) if info.total_token_usage else None
    previous: list[int] | None = st.get("last_total")
    if total is not None:
        if total == previous:
            return None  # the same reading repeated (rate-limit refresh)
        st["last_total"] = total
    if info.last_token_usage is not None:
        turn = _vector(info.last_token_usage)
    elif total is not None:
        grew = previous is not None and all(a >= b for a, b in zip(total, previous, strict=True))
        turn = [a - b for a, b in zip(total, previous, strict=True)] if grew and previous else total
    else:
        return None
    inp, cached, out, reasoning = turn
    if not (inp or out) or st.get("replaying"):
        return None
    session = st.get("session") or ctx.session
    if total is not None:
        key = f"t:{session}:" + ":".join(map(str, total))
    else:
        key = f"l:{session}:{ts}:{inp}:{cached}:{out}:{reasoning}"
    model = st.get("model") or FALLBACK_MODEL
    return UsageEvent(
        ts_ms=ts,
        source=SOURCE,
        dedup_key=key,
        model=model,
        provider="openai",
        project=st.get("project", ctx.project),
        session=session,
        input_tokens=max(inp - cached, 0),
        cache_read_tokens=min(cached, inp) if inp else cached,
        output_tokens=out,
        reasoning_tokens=reasoning,
        meta={} if st.get("model") else {"model_assumed": True},
    )


def _is_news(obs: Observation, st: dict[str, Any]) -> bool:
    """Whether a rate-limit reading is worth keeping: Codex repeats the same reading on
    every token_count (a 200 MB home holds ~37k of them), so a window's reading is kept
    when its value or reset time changed, or every ``REPEAT_MS`` to show it still held."""
    seen: dict[str, list[Any]] = st.setdefault("limits_seen", {})
    last = seen.get(obs.window)
    if (
        last is not None
        and last[0] == obs.value
        and last[1] == obs.resets_at_ms
        and 0 <= obs.ts_ms - last[2] < REPEAT_MS
    ):
        return False
    seen[obs.window] = [obs.value, obs.resets_at_ms, obs.ts_ms]
    return True


def _limits(limits: _RateLimits, ts: int) -> Iterator[Observation]:
    for name, window in (("primary", limits.primary), ("secondary", limits.secondary)):
        if window is None or window.used_percent is None:
            continue
        resets: int | None = None
        if window.resets_at is not None:
            resets = int(window.resets_at * 1000)
        elif window.resets_in_seconds is not None:
            resets = ts + int(window.resets_in_seconds * 1000)
        meta: dict[str, Any] = {"name": name}
        if window.window_minutes:
            meta["window_minutes"] = window.window_minutes
        yield Observation.window_used(
            ts_ms=ts,
            account=SOURCE,
            window=window_name(window.window_minutes, name),
            value=float(window.used_percent),
            resets_at_ms=resets,
            source=SOURCE,
            meta=meta,
        )


def window_name(minutes: int | None, fallback: str) -> str:
    """'5h', '7d' or '<n>m' from a window's length, so every source names windows alike."""
    if not minutes:
        return fallback
    if minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"
