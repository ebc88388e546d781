"""Builders and checks for the readers of Gemini CLI, OpenCode, Amp, Qwen Code, Kimi CLI and
Droid: real record shapes (see each reader's docstring), the bench corpus and per-day sums.

Imported as ``from agents_factory import ...`` (``tests/`` is on ``sys.path``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from aiusage.ingest import Pricer, ScanReport, scan
from aiusage.records import CostMode
from aiusage.sources.logs.amp import AmpSource
from aiusage.sources.logs.base import LogSource
from aiusage.sources.logs.droid import DroidSource
from aiusage.sources.logs.gemini import GeminiSource
from aiusage.sources.logs.kimi import KimiSource
from aiusage.sources.logs.opencode import OpenCodeSource
from aiusage.sources.logs.qwen import QwenSource
from aiusage.store import Store
from aiusage.store.queries import UsageFilter, aggregate
from logs_factory import iso, ms

ROOT = Path(__file__).resolve().parent.parent
OTHER_AGENTS = ("gemini", "opencode", "amp", "qwen", "kimi", "droid")
DAY_FIELDS = (
    "input_tokens",
    "output_tokens",
    "cache_creation_tokens",
    "cache_read_tokens",
    "cache_creation_5m_tokens",
    "cache_creation_1h_tokens",
    "reasoning_tokens",
    "events",
)


def generate_corpus(out: Path, *, size_mb: float = 1, seed: int = 11) -> dict[str, Any]:
    """The bench generator's homes for the other agents, and its expected.json."""
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "gen_corpus.py"),
            "--out",
            str(out),
            "--size-mb",
            str(size_mb),
            "--seed",
            str(seed),
            "--agents",
            ",".join(OTHER_AGENTS),
        ],
        check=True,
        capture_output=True,
    )
    expected: dict[str, Any] = json.loads((out / "expected.json").read_text())
    return expected


def corpus_source(agent: str, corpus: Path) -> LogSource:
    """A reader pointed at the agent's home inside a generated corpus."""
    sources: dict[str, LogSource] = {
        "gemini": GeminiSource([corpus / "gemini" / "tmp"]),
        "opencode": OpenCodeSource([corpus / "opencode"]),
        "amp": AmpSource([corpus / "amp"]),
        "qwen": QwenSource([corpus / "qwen"]),
        "kimi": KimiSource([corpus / "kimi"]),
        "droid": DroidSource([corpus / "droid" / "sessions"]),
    }
    return sources[agent]


def scan_ok(store: Store, *sources: LogSource) -> ScanReport:
    """Scan like `aiusage` does (one worker) and insist nothing failed."""
    report = scan(store, list(sources), Pricer(store, {}), workers=1)
    assert report.errors == []
    return report


def daily(store: Store, source: str) -> dict[str, dict[str, int]]:
    """Per-UTC-day sums of a source, from the report rollup, in expected.json's fields."""
    store.refresh_rollup()
    rows = aggregate(store.db, UsageFilter(sources=(source,)), CostMode.AUTO, by_day=True)
    days: dict[str, dict[str, int]] = {}
    for r in rows:
        assert r.day is not None
        day = (dt.date(1970, 1, 1) + dt.timedelta(days=r.day)).isoformat()
        d = days.setdefault(day, dict.fromkeys(DAY_FIELDS, 0))
        d["input_tokens"] += r.input_tokens
        d["output_tokens"] += r.output_tokens
        d["cache_read_tokens"] += r.cache_read_tokens
        d["cache_creation_tokens"] += r.cache_write_5m_tokens + r.cache_write_1h_tokens
        d["cache_creation_5m_tokens"] += r.cache_write_5m_tokens
        d["cache_creation_1h_tokens"] += r.cache_write_1h_tokens
        d["reasoning_tokens"] += r.reasoning_tokens
        d["events"] += r.events
    return days


def write_json(
    path: Path, obj: Any, *, indent: int | None = None, mtime: float | None = None
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=indent))
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def bump(path: Path, seconds: int = 7) -> None:
    """Move mtime so a same-size rewrite is never mistaken for an untouched file."""
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + seconds * 1_000_000_000))


# -- Gemini CLI ----------------------------------------------------------------------------


def gemini_reply(
    msg_id: str,
    ts: str,
    *,
    inp: int = 15327,
    out: int = 23,
    cached: int = 11526,
    thoughts: int = 919,
    tool: int = 7,
    total: int | None = None,
    model: str = "gemini-2.5-pro",
    tokens: bool = True,
) -> dict[str, Any]:
    """A reply as chatRecordingService records it (``tokens`` from usageMetadata)."""
    m: dict[str, Any] = {
        "id": msg_id,
        "timestamp": iso(ts),
        "type": "gemini",
        "content": "Here is the fix.",
        "thoughts": [{"subject": "Plan", "description": "read the file"}],
        "model": model,
    }
    if tokens:
        m["tokens"] = {
            "input": inp,
            "output": out,
            "cached": cached,
            "thoughts": thoughts,
            "tool": tool,
            "total": inp + out + thoughts + tool if total is None else total,
        }
    return m


def gemini_user(msg_id: str, ts: str) -> dict[str, Any]:
    return {"id": msg_id, "timestamp": iso(ts), "type": "user", "content": [{"text": "fix it"}]}


def gemini_document(session: str, messages: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "sessionId": session,
        "projectHash": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "startTime": messages[0]["timestamp"] if messages else iso("2026-11-01T00:00:00Z"),
        "lastUpdated": messages[-1]["timestamp"] if messages else iso("2026-11-01T00:00:00Z"),
        "messages": messages,
    }


def gemini_jsonl(session: str, records: list[dict[str, Any]]) -> str:
    head = {"sessionId": session, "projectHash": "abc", "startTime": iso("2026-11-01T00:00:00Z")}
    return "\n".join(json.dumps(r) for r in [head, *records]) + "\n"


# -- OpenCode ------------------------------------------------------------------------------

OPENCODE_SCHEMA = (
    "CREATE TABLE session (id TEXT PRIMARY KEY, directory TEXT NOT NULL, title TEXT)",
    "CREATE TABLE message (id TEXT PRIMARY KEY, session_id TEXT NOT NULL, "
    "time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, data TEXT NOT NULL)",
)


def opencode_message(
    msg_id: str,
    ts: str,
    *,
    session: str = "ses_1",
    inp: int = 5,
    out: int = 100,
    reasoning: int = 20,
    read: int = 1000,
    write: int = 200,
    cost: float = 0.0123,
    model: str = "claude-sonnet-4-5",
    provider: str = "anthropic",
    cwd: str | None = "/home/dev/work/api",
    role: str = "assistant",
) -> dict[str, Any]:
    """An assistant message's JSON as OpenCode stores it (``data`` / legacy file)."""
    m: dict[str, Any] = {
        "id": msg_id,
        "sessionID": session,
        "role": role,
        "time": {"created": ms(ts), "completed": ms(ts) + 4000},
        "modelID": model,
        "providerID": provider,
        "mode": "build",
        "cost": cost,
        "tokens": {
            "input": inp,
            "output": out,
            "reasoning": reasoning,
            "cache": {"read": read, "write": write},
        },
    }
    if cwd is not None:
        m["path"] = {"cwd": cwd, "root": cwd}
    return m


def opencode_database(path: Path, *, wal: bool = False) -> sqlite3.Connection:
    """A new OpenCode database (WAL journal when asked), left open for the test to write."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    if wal:
        conn.execute("PRAGMA journal_mode=WAL")
    for sql in OPENCODE_SCHEMA:
        conn.execute(sql)
    return conn


def opencode_row(
    conn: sqlite3.Connection,
    data: dict[str, Any] | str,
    *,
    row_id: str | None = None,
    updated: int | None = None,
) -> None:
    """Insert or replace a message row (``updated``: its time_updated, ms)."""
    raw = data if isinstance(data, str) else json.dumps(data)
    meta = data if isinstance(data, dict) else {}
    created = meta.get("time", {}).get("created", 1)
    conn.execute(
        "INSERT OR REPLACE INTO message VALUES (?, ?, ?, ?, ?)",
        (
            row_id or meta.get("id"),
            meta.get("sessionID", "ses_x"),
            created,
            updated if updated is not None else created,
            raw,
        ),
    )


# -- Qwen Code, Kimi CLI, Amp, Droid --------------------------------------------------------


def qwen_record(
    uuid: str,
    ts: str,
    usage: dict[str, int] | None,
    *,
    session: str = "qs-1",
    kind: str = "assistant",
    model: str = "qwen3-coder-plus",
    cwd: str = "/home/dev/work/qwen-app",
) -> str:
    rec: dict[str, Any] = {
        "uuid": uuid,
        "parentUuid": None,
        "sessionId": session,
        "timestamp": iso(ts),
        "type": kind,
        "cwd": cwd,
        "version": "0.2.1",
    }
    if kind == "assistant":
        rec["model"] = model
        rec["message"] = {"role": "model", "parts": [{"text": "done"}]}
    if usage is not None:
        rec["usageMetadata"] = usage
    return json.dumps(rec, separators=(",", ":"))


def kimi_status(t: float, usage: dict[str, int] | None, message_id: str = "chatcmpl-1") -> str:
    """A StatusUpdate record as kimi-cli writes it (json.dumps defaults: spaced)."""
    payload: dict[str, Any] = {"context_usage": 0.12}
    if usage is not None:
        payload["token_usage"] = usage
        payload["message_id"] = message_id
    return json.dumps({"timestamp": t, "message": {"type": "StatusUpdate", "payload": payload}})


def amp_thread(
    thread_id: str, replies: list[tuple[int, str, dict[str, int]]], *, ledger: bool = True
) -> dict[str, Any]:
    """A thread: (messageId, timestamp, usage) per assistant reply, user turns between."""
    messages: list[dict[str, Any]] = []
    events = []
    for msg_id, ts, u in replies:
        messages.append({"role": "user", "messageId": msg_id - 1, "content": []})
        usage = {
            "model": "claude-haiku-4-5-20251001",
            "inputTokens": u["input"],
            "outputTokens": u["output"],
            "cacheCreationInputTokens": u.get("write", 0),
            "cacheReadInputTokens": u.get("read", 0),
            "credits": 0.5,
        }
        if not ledger:
            usage["timestamp"] = iso(ts)
        messages.append({"role": "assistant", "messageId": msg_id, "usage": usage})
        events.append(
            {
                "id": f"ev-{msg_id}",
                "timestamp": iso(ts),
                "model": "claude-haiku-4-5-20251001",
                "credits": 0.5,
                "tokens": {"input": u["input"], "output": u["output"]},
                "operationType": "inference",
                "fromMessageId": msg_id - 1,
                "toMessageId": msg_id,
            }
        )
    thread: dict[str, Any] = {
        "v": 3,
        "id": thread_id,
        "created": 1793700000000,
        "title": "t",
        "messages": messages,
    }
    if ledger:
        thread["usageLedger"] = {"events": events}
    return thread


def droid_settings(usage: dict[str, int], **extra: Any) -> dict[str, Any]:
    return {
        "model": "custom:Claude-Opus-4.5-Thinking-[Anthropic]-0",
        "providerLock": "anthropic",
        "providerLockTimestamp": "2026-11-05T12:00:00Z",
        "tokenUsage": usage,
        **extra,
    }


def check_corpus(store: Store, agent: str, agents_corpus: tuple[Path, dict[str, Any]]) -> None:
    """The reader's per-day totals over the generated home equal expected.json exactly,
    malformed entries are counted as the generator wrote them, and a second scan reads
    nothing and changes nothing."""
    corpus, expected = agents_corpus
    want = expected[agent]
    assert want["traps"], f"the corpus has no {agent} traps"
    source = corpus_source(agent, corpus)
    first = scan_ok(store, source)
    assert daily(store, agent) == want["days"]
    assert first.malformed == want["malformed"]
    second = scan_ok(store, source)
    assert (second.files_read, second.bytes_read, second.events_written) == (0, 0, 0)
    assert second.malformed == want["malformed"]
    assert daily(store, agent) == want["days"]
