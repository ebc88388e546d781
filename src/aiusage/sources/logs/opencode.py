"""OpenCode: the SQLite database ``<data>/opencode*.db`` and legacy ``storage/message``.

Format checked against anomalyco/opencode (sst/opencode) ``storage/schema.sql.ts`` and
the ``MessageTable`` definition (``message(id, session_id, time_created, time_updated,
data)``, ``data`` the message JSON), ``storage/db.ts`` (``opencode.db``, or
``opencode-<channel>.db`` for other channels; WAL journal) and ``getUsage`` in
``session/index.ts`` (``tokens.input`` is *uncached* input, cache reads and writes apart;
newer versions store ``output`` without ``reasoning`` and price reasoning as output), and
against ccusage's ``rust/adapters/opencode`` and tokscale's ``sessions/opencode.rs`` (v2
``session_message`` rows in ``opencode-next.db`` with ``model: {id, providerID}``).
Paths follow ccusage: ``OPENCODE_DATA_DIR`` (comma-separated; when set only those), else
``$XDG_DATA_HOME/opencode`` (when absolute), else ``~/.local/share/opencode``.

A message's ``data``: ``{id, sessionID, role, modelID, providerID, time: {created,
completed}, tokens: {input, output, reasoning, cache: {read, write}}, cost, path: {cwd,
root}}``. Only assistant messages carry usage. Stored: input as is (uncached), output +
reasoning as output (unverified for old versions, whose ``output`` may already hold the
reasoning of OpenAI models — ccusage and tokscale add it too), ``cost`` as the reported
cost when positive (0 means OpenCode had no price). The key is the message id, so the
database, the legacy file of the same message and a forked session's copy count once.

Legacy files ``storage/message/<session>/<message>.json`` hold the same JSON and are
rewritten as a message updates: read whole when changed. The database is read by
``opencode_db`` (read-only, incrementally).
"""

from __future__ import annotations

import os
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

SOURCE = "opencode"


class _Cache(msgspec.Struct):
    read: Any = None
    write: Any = None


class _Tokens(msgspec.Struct):
    input: Any = None
    output: Any = None
    reasoning: Any = None
    cache: _Cache | None = None


class _Time(msgspec.Struct):
    created: Any = None


class _Model(msgspec.Struct):
    id: str | None = None
    modelID: str | None = None
    providerID: str | None = None


class _PathInfo(msgspec.Struct):
    cwd: str | None = None
    root: str | None = None


class Message(msgspec.Struct):
    """The fields of a message's JSON that usage needs."""

    id: str | None = None
    sessionID: str | None = None
    role: Any = None
    modelID: str | None = None
    providerID: str | None = None
    model: _Model | str | None = None
    time: _Time | None = None
    tokens: _Tokens | None = None
    cost: Any = None
    path: _PathInfo | None = None


decode_message = msgspec.json.Decoder(Message).decode
BAD = UsageEvent(ts_ms=0, source=SOURCE, dedup_key="")


def message_event(
    m: Message, row_id: str = "", row_session: str = "", project: str = ""
) -> UsageEvent | None:
    """The event an assistant message records; None when it records none, ``BAD`` when
    it has usage but no readable creation time."""
    if m.role not in (None, "assistant") or m.tokens is None:
        return None
    t = m.tokens
    cache = t.cache or _Cache()
    inp, out, reasoning = count(t.input), count(t.output), count(t.reasoning)
    read, write = count(cache.read), count(cache.write)
    cost = m.cost if isinstance(m.cost, int | float) and not isinstance(m.cost, bool) else 0
    if not (inp or out or reasoning or read or write or cost > 0):
        return None
    created = m.time.created if m.time is not None else None
    if isinstance(created, bool) or not isinstance(created, int | float) or created <= 0:
        return BAD
    nested = m.model if isinstance(m.model, _Model) else None
    model = m.modelID or ""
    if not model and nested is not None:
        model = nested.id or nested.modelID or ""
    if not model and isinstance(m.model, str):
        model = m.model
    provider = m.providerID or (nested.providerID if nested else None) or ""
    if m.path is not None and (m.path.root or m.path.cwd):
        project = os.path.basename(str(m.path.root or m.path.cwd).rstrip("/\\"))
    return UsageEvent(
        ts_ms=int(created),
        source=SOURCE,
        dedup_key=m.id or row_id,
        model=model or "unknown",
        provider=provider or provider_for_model(model),
        project=project,
        session=m.sessionID or row_session,
        input_tokens=inp,
        output_tokens=out + reasoning,
        cache_read_tokens=read,
        cache_write_5m_tokens=write,
        reasoning_tokens=reasoning,
        reported_cost_usd=float(cost) if cost > 0 else None,
        meta={} if model else {"model_assumed": True},
    )


def default_roots() -> list[Path]:
    """``OPENCODE_DATA_DIR`` (comma-separated; only those when set), else
    ``$XDG_DATA_HOME/opencode`` (when absolute), else ``~/.local/share/opencode``."""
    configured = env_dirs("OPENCODE_DATA_DIR")
    if configured is not None:
        return configured
    xdg = os.environ.get("XDG_DATA_HOME", "")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".local" / "share"
    return [base / "opencode"]


def is_database(path: Path) -> bool:
    return path.name.startswith("opencode") and path.suffix == ".db"


class OpenCodeSource:
    """OpenCode: its SQLite database (incrementally) and legacy message files (whole)."""

    name = SOURCE
    kind: Literal["document"] = "document"

    def __init__(self, roots: list[Path] | None = None) -> None:
        self._roots = roots

    def roots(self) -> list[Path]:
        return list(self._roots or default_roots())

    def discover(self) -> Iterator[Path]:
        for root in unique_dirs(self.roots()):
            try:
                names = sorted(os.listdir(root))
            except OSError:
                names = []
            for name in names:
                path = root / name
                if is_database(path) and path.is_file():
                    yield path
            messages = root / "storage" / "message"
            if messages.is_dir():
                yield from walk_files(messages, ".json")

    def companions(self, path: Path) -> list[Path]:
        return [path.with_name(path.name + "-wal")] if is_database(path) else []

    def read_document(self, path: Path, state: dict[str, Any]) -> ParseResult:
        if is_database(path):
            from aiusage.sources.logs.opencode_db import read_database

            return read_database(path, state)
        result = ParseResult()
        try:
            message = decode_message(path.read_bytes())
        except (msgspec.DecodeError, msgspec.ValidationError):
            result.malformed = 1
            return result
        event = message_event(message, row_id=path.stem, row_session=path.parent.name)
        if event is BAD:
            result.malformed = 1
        elif event is not None:
            result.events.append(event)
        return result
