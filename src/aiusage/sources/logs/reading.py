"""Reading new bytes of a log file as complete lines, in bounded memory.

A file is read from a byte offset that is always just after a newline. Only complete
lines are consumed; text after the last newline (a line still being written, or cut off
by a crash) is parsed provisionally but the offset stays before it, so it is read again
— whole — next time. Parsing a range twice is harmless because the store upserts.

A document source's file is one task from 0 to its size: the reader reads it whole (or,
for a database, what changed since the state it left) and the offset jumps to the end.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, cast

from aiusage.records import Observation, UsageEvent
from aiusage.sources.logs.base import (
    DocumentSource,
    LineSource,
    LogSource,
    ParseResult,
    is_document,
)

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


class Recorded(Protocol):
    """What the planner recorded about a file last time (the store's ``Cursor``)."""

    @property
    def device(self) -> int: ...
    @property
    def inode(self) -> int: ...
    @property
    def size(self) -> int: ...
    @property
    def mtime_ns(self) -> int: ...
    @property
    def state(self) -> dict[str, Any]: ...


def document_state(
    source: DocumentSource, path: Path, st: os.stat_result, cur: Recorded | None
) -> dict[str, Any] | None:
    """The state to re-read a document with, or None when neither the document nor any of
    its companion files changed since ``cur``. The previous state is handed back only for
    the same file not grown smaller (a database neither replaced nor vacuumed)."""
    companions = []
    for companion in source.companions(path):
        try:
            c = os.stat(companion)
        except OSError:
            c = None
        # An empty companion (a -wal just created by a reader) is the same as none.
        companions.append(f"{c.st_size}:{c.st_mtime_ns}:{c.st_ino}" if c and c.st_size else "-")
    signature = ",".join(companions)
    if cur is None or (cur.device, cur.inode) != (st.st_dev, st.st_ino):
        return {"companions": signature}
    recorded = (cur.size, cur.mtime_ns, cur.state.get("companions"))
    if recorded == (st.st_size, st.st_mtime_ns, signature):
        return None
    state: dict[str, Any] = {}
    if st.st_size >= cur.size:
        state = {k: v for k, v in cur.state.items() if k not in ("companions", "tail_malformed")}
    state["companions"] = signature
    return state


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
        if is_document(task.source):
            _read_document(task, result)
        else:
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
    source = cast(LineSource, task.source)
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


def _read_document(task: ReadTask, result: ReadResult) -> None:
    """Read a whole document; keys the planner put in the state (``companions``) stay."""
    source = task.source
    assert is_document(source)
    state = {k: v for k, v in task.state.items() if k != "companions" and k[:1] != "_"}
    parsed = source.read_document(Path(task.path), state)
    result.events = parsed.events
    result.observations = parsed.observations
    result.malformed = parsed.malformed
    result.state = dict(parsed.state)
    if "companions" in task.state:
        result.state["companions"] = task.state["companions"]
    result.offset = task.end


def _merge(result: ReadResult, parsed: ParseResult) -> None:
    result.events.extend(parsed.events)
    result.observations.extend(parsed.observations)
    result.malformed += parsed.malformed
    result.state = parsed.state or result.state
