"""Reading new bytes of a log file as complete lines, in bounded memory.

A file is read from a byte offset that is always just after a newline. Only complete
lines are consumed; text after the last newline (a line still being written, or cut off
by a crash) is parsed provisionally but the offset stays before it, so it is read again
— whole — next time. Parsing a range twice is harmless because the store upserts.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiusage.records import Observation, UsageEvent
from aiusage.sources.logs.base import LogSource

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


def head_hash(path: str, size: int) -> str:
    """Identity of a file's beginning: a rewrite changes it, an append does not."""
    n = min(size, HEAD_BYTES)
    with open(path, "rb") as fh:
        data = fh.read(n)
    return f"{len(data)}:{hashlib.sha1(data, usedforsecurity=False).hexdigest()}"


def head_matches(path: str, recorded: str) -> bool:
    try:
        n = int(recorded.split(":", 1)[0])
        with open(path, "rb") as fh:
            data = fh.read(n)
    except (OSError, ValueError):
        return False
    return (
        len(data) == n
        and recorded == f"{n}:{hashlib.sha1(data, usedforsecurity=False).hexdigest()}"
    )


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
    except OSError as exc:
        result.error = f"{task.path}: {exc.strerror or exc}"
    except Exception as exc:  # a parser bug must not stop the other files
        result.error = f"{task.path}: {type(exc).__name__}: {exc}"
    return result


def _read(task: ReadTask, result: ReadResult) -> None:
    source = task.source
    ctx = source.context(Path(task.path))
    with open(task.path, "rb") as fh:
        fh.seek(task.start)
        pos = task.start
        pending = b""
        for chunk in _chunks(fh, task.end - task.start):
            data = pending + chunk if pending else chunk
            cut = data.rfind(b"\n")
            if cut < 0:
                pending = data
                continue
            lines = data[:cut].split(b"\n")
            pending = data[cut + 1 :]
            parsed = source.parse(lines, ctx, result.state)
            _merge(result, parsed.events, parsed.observations, parsed.malformed)
            result.state = parsed.state or result.state
            pos += cut + 1
            result.offset = pos
        if pending.strip():
            if task.is_last:
                tail = source.parse([pending], ctx, dict(result.state))
                result.events.extend(tail.events)
                result.observations.extend(tail.observations)
                result.tail_malformed = tail.malformed
            else:  # a range always ends at a line start; treat leftovers as a line
                parsed = source.parse([pending], ctx, result.state)
                _merge(result, parsed.events, parsed.observations, parsed.malformed)
                result.state = parsed.state or result.state
                result.offset = task.end


def _merge(
    result: ReadResult, events: list[UsageEvent], obs: list[Observation], malformed: int
) -> None:
    result.events.extend(events)
    result.observations.extend(obs)
    result.malformed += malformed


def _chunks(fh: Any, remaining: int) -> Iterator[bytes]:
    while remaining > 0:
        data = fh.read(min(CHUNK, remaining))
        if not data:
            return
        remaining -= len(data)
        yield data


def stat_identity(path: str) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None
