"""Reading new bytes of a log file as complete lines, in bounded memory.

A file is read from a byte offset that is always just after a newline. Only complete
lines are consumed; text after the last newline (a line still being written, or cut off
by a crash) is parsed provisionally but the offset stays before it, so it is read again
— whole — next time. Parsing a range twice is harmless because the store upserts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiusage.records import Observation, UsageEvent
from aiusage.sources.logs.base import LogSource, ParseResult

CHUNK = 8 << 20
HEAD_BYTES = 4096


@dataclass(frozen=True, slots=True)
class ReadTask:
    """Parse ``path`` from ``start`` (a line start) up to ``end`` (a line start or EOF)."""

    source: LogSource
    path: str
    start: int
    end: int
    state: dict[str, Any]
    is_last: bool  # the range runs to EOF: a trailing partial line is provisional


@dataclass(slots=True)
class ReadResult:
    task: ReadTask
    events: list[UsageEvent] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    malformed: int = 0  # in consumed lines
    tail_malformed: int = 0  # in the unconsumed partial last line
    offset: int = 0  # just after the last complete line read
    state: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def better_copy(a: UsageEvent, b: UsageEvent) -> bool:
    """Whether ``a`` should replace ``b``: more tokens wins; on a tie, the earlier copy
    (a forked session replays its parent's rows later). The store's upsert agrees."""
    return a.total_tokens > b.total_tokens or (
        a.total_tokens == b.total_tokens and a.ts_ms < b.ts_ms
    )


def keep_best_copies(events: list[UsageEvent]) -> list[UsageEvent]:
    """One event per dedup key — streamed responses write each one 1–4 times — so less
    crosses the process boundary and less is written."""
    best: dict[str, UsageEvent] = {}
    for e in events:
        old = best.get(e.dedup_key)
        if old is None or better_copy(e, old):
            best[e.dedup_key] = e
    return list(best.values()) if len(best) < len(events) else events


def _head_signature(path: str, n: int) -> str:
    with open(path, "rb") as fh:
        data = fh.read(n)
    return f"{len(data)}:{hashlib.sha1(data, usedforsecurity=False).hexdigest()}"


def head_hash(path: str, size: int) -> str:
    """Identity of a file's beginning: a rewrite changes it, an append does not."""
    return _head_signature(path, min(size, HEAD_BYTES))


def head_matches(path: str, recorded: str) -> bool:
    """Whether the file still begins as it did when ``recorded`` was taken."""
    try:
        return recorded == _head_signature(path, int(recorded.split(":", 1)[0]))
    except (OSError, ValueError):
        return False


def split_points(path: str, start: int, end: int, target: int) -> list[int]:
    """Line-aligned offsets cutting [start, end) into pieces of about ``target`` bytes."""
    points = [start]
    with open(path, "rb") as fh:
        pos = start + target
        while pos < end:
            fh.seek(pos)
            while True:
                block = fh.read(1 << 20)
                if not block:
                    return [*points, end]
                nl = block.find(b"\n")
                if nl >= 0:
                    cut = pos + nl + 1
                    break
                pos += len(block)
            if cut >= end:
                break
            points.append(cut)
            pos = cut + target
    points.append(end)
    return points


def run_task(task: ReadTask) -> ReadResult:
    """Read and parse one range. Never raises: a failure is reported in ``error``."""
    result = ReadResult(task=task, offset=task.start, state=dict(task.state))
    try:
        _read(task, result)
        result.events = keep_best_copies(result.events)
    except OSError as exc:
        result.error = f"{task.path}: {exc.strerror or exc}"
    except Exception as exc:  # a parser bug must not stop the other files
        result.error = f"{task.path}: {type(exc).__name__}: {exc}"
    return result


def _read(task: ReadTask, result: ReadResult) -> None:
    """Fill a reusable buffer, parse the complete lines in it, keep the partial rest.

    The buffer only grows for a single line longer than it (memory stays bounded by the
    longest line, never by the file).
    """
    source = task.source
    ctx = source.context(Path(task.path))
    buf = bytearray(min(CHUNK, task.end - task.start + 1))
    filled = 0
    remaining = task.end - task.start
    pos = task.start  # file offset of buf[0]
    with open(task.path, "rb", buffering=0) as fh:
        fh.seek(task.start)
        while remaining > 0:
            if filled == len(buf):
                buf.extend(bytes(len(buf)))
            want = min(len(buf) - filled, remaining)
            with memoryview(buf) as whole, whole[filled : filled + want] as window:
                got = fh.readinto(window)
            if not got:
                break
            filled += got
            remaining -= got
            cut = buf.rfind(b"\n", 0, filled)
            if cut < 0:
                continue
            _merge(result, source.parse(buf, cut, ctx, result.state))
            consumed = cut + 1
            pos += consumed
            result.offset = pos
            buf[: filled - consumed] = buf[consumed:filled]
            filled -= consumed
    rest = bytes(buf[:filled])
    if not rest.strip():
        if rest:
            result.offset = pos + filled  # trailing whitespace: nothing left to read
        return
    if task.is_last:
        tail = source.parse(rest, len(rest), ctx, dict(result.state))
        result.events.extend(tail.events)
        result.observations.extend(tail.observations)
        result.tail_malformed = tail.malformed
    else:  # a range ends at a line start, so this cannot happen; treat it as a line
        _merge(result, source.parse(rest, len(rest), ctx, result.state))
        result.offset = task.end


def _merge(result: ReadResult, parsed: ParseResult) -> None:
    result.events.extend(parsed.events)
    result.observations.extend(parsed.observations)
    result.malformed += parsed.malformed
    result.state = parsed.state or result.state
