"""Synthetic homes for the agents beyond Claude Code and Codex, with their exact totals.

Used by ``gen_corpus.py`` (``--agents``). Each generator writes a home in the agent's real
layout and format (see the readers in ``src/aiusage/sources/logs/`` for what each format
was checked against) with that agent's traps, and tallies what a correct reader counts:

- gemini:   legacy whole-document ``session-*.json`` (pretty-printed), JSONL sessions whose
            replies are re-appended once their ``tokens`` arrive, ``$set`` records carrying
            the whole message list, ``$rewindTo``, a legacy session migrated into a
            ``.jsonl`` copy, subagent files, a truncated document; ``cached ⊆ input``.
- opencode: ``opencode.db`` (WAL, its last rows still in the ``-wal`` file), a channel
            database, a forked session copying rows under new row ids, legacy
            ``storage/message`` files (some also in the database), malformed rows/files,
            zero-token rows, costs reported or 0.
- amp:      threads with a usage ledger (cache counts in the messages), without one, an
            archived copy of a thread, a truncated thread.
- qwen:     both usage shapes (OpenAI-converted: reasoning inside the candidates; Gemini),
            ``cached ⊆ prompt``, a ``/branch`` copy under a new session, the marker in a
            tool result, malformed and truncated lines.
- kimi:     wire logs written with spaces, ``StatusUpdate`` with and without usage, a
            nested ``SubagentEvent`` (not counted), Kimi Code ``usage.record`` turn and
            session records (session totals not counted), the model from ``config.json``.
- droid:    running session totals in ``*.settings.json`` dated by mtime, an archived
            smaller snapshot of the same session, the model from the sidecar transcript,
            a truncated file, an empty session.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import sqlite3
import tempfile
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gen_corpus import CODEX_FIELDS, GARBAGE, PROJECT_CWDS, Ids, Stats, Tally, TextPool, iso, render

AGENTS = ("gemini", "opencode", "amp", "qwen", "kimi", "droid")
Starts = Callable[[], float]


def _vals(inp: int, out: int, read: int = 0, write: int = 0, reasoning: int = 0) -> dict:
    return {
        "input_tokens": inp,
        "output_tokens": out,
        "cache_creation_tokens": write,
        "cache_read_tokens": read,
        "cache_creation_5m_tokens": write,
        "cache_creation_1h_tokens": 0,
        "reasoning_tokens": reasoning,
    }


class AgentGen:
    """Shared state of one agent's generator: ids, text, tallies and counters."""

    name = ""

    def __init__(self, out: Path, rng: random.Random, pool: TextPool) -> None:
        self.root = out / self.name
        self.rng = rng
        self.ids = Ids(rng)
        self.pool = pool
        self.stats = Stats()
        self.tally = Tally(CODEX_FIELDS)
        self.traps: dict[str, Tally] = defaultdict(lambda: Tally(CODEX_FIELDS))
        self.counts: dict[str, int] = defaultdict(int)
        self.malformed = 0

    def count(self, t: float, model: str, vals: dict, *traps: str) -> None:
        self.tally.add(t, model, vals)
        for trap in traps:
            self.traps[trap].add(t, model, vals)

    def write(self, path: Path, data: str | bytes, mtime: float | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
        path.write_bytes(raw)
        if mtime is not None:
            os.utime(path, (mtime, mtime))
        self.stats.bytes += len(raw)
        self.stats.files += 1

    def garbage(self) -> str:
        self.malformed += 1
        return self.rng.choice(GARBAGE)

    def tokens(self, ctx: int) -> tuple[int, int, int, int]:
        """(prompt incl. cached, cached, output, reasoning) for one request."""
        rng = self.rng
        cached = 0 if rng.random() < 0.2 else int(ctx * rng.uniform(0.5, 0.97))
        out = max(5, int(rng.lognormvariate(5.5, 1.0)))
        reasoning = int(out * rng.uniform(0.1, 0.6)) if rng.random() < 0.5 else 0
        return ctx, cached, out, reasoning

    def size(self) -> int:
        """Bytes written so far (or about to be, for files written at the end)."""
        return self.stats.bytes

    def finish(self) -> None:
        """Hook for generators that write their files at the end."""

    def report(self) -> dict[str, Any]:
        self.stats.malformed = self.malformed
        rep = self.tally.report()
        rep["malformed"] = self.malformed
        rep["traps"] = {k: v.report()["days"] for k, v in sorted(self.traps.items())}
        rep["stats"] = {**vars(self.stats), **dict(sorted(self.counts.items()))}
        return rep


# --------------------------------------------------------------------------- Gemini CLI


def _gemini_vals(m: dict) -> dict:
    tk = m["tokens"]
    uncached = tk["input"] - tk["cached"] + tk["tool"]
    return _vals(uncached, tk["output"] + tk["thoughts"], tk["cached"], 0, tk["thoughts"])


def _epoch(stamp: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


class GeminiGen(AgentGen):
    name = "gemini"
    MODELS = ("gemini-2.5-pro", "gemini-2.5-flash", "gemini-3-pro-preview")

    def _turns(self, t: float, n: int) -> list[dict]:
        """User messages and replies of ``n`` turns, oldest first (not yet tallied)."""
        rng, msgs = self.rng, []
        ctx = rng.randint(8_000, 20_000)
        model = rng.choice(self.MODELS)
        for _ in range(n):
            t += rng.uniform(10, 600)
            msgs.append(
                {"id": self.ids.uuid(), "timestamp": iso(t), "type": "user", "content": "@@0@@"}
            )
            for _ in range(rng.randint(1, 3)):
                t += rng.uniform(2, 40)
                prompt, cached, out, thoughts = self.tokens(ctx)
                tool = rng.randint(10, 400) if rng.random() < 0.1 else 0
                msgs.append(
                    {
                        "id": self.ids.uuid(),
                        "timestamp": iso(t),
                        "type": "gemini",
                        "content": "@@0@@",
                        "thoughts": [{"subject": "Plan", "description": "@@0@@"}],
                        "tokens": {
                            "input": prompt,
                            "output": out,
                            "cached": cached,
                            "thoughts": thoughts,
                            "tool": tool,
                            "total": prompt + out + thoughts + tool,
                        },
                        "model": model,
                    }
                )
                ctx = prompt + out + rng.randint(200, 4000)
        return msgs

    def _tally(self, msgs: list[dict], *traps: str, count: bool = True) -> None:
        for m in msgs:
            if m["type"] != "gemini":
                continue
            t, vals = _epoch(m["timestamp"]), _gemini_vals(m)
            if count:
                self.count(t, m["model"], vals, "cached_in_input", *traps)
            else:
                for trap in traps:
                    self.traps[trap].add(t, m["model"], vals)

    def _dump(self, obj: dict) -> str:
        return render(obj, (self.pool.blob(self.rng.randint(40, 900)),))

    def session(self, start: float) -> None:
        rng, nth = self.rng, self.stats.sessions
        self.stats.sessions += 1
        project = hashlib.sha256(rng.choice(PROJECT_CWDS).encode()).hexdigest()
        chats = self.root / "tmp" / project / "chats"
        sid = self.ids.uuid()
        stem = f"session-{iso(start)[:16].replace(':', '-')}-{sid[:8]}"
        meta = {"sessionId": sid, "projectHash": project, "startTime": iso(start)}
        lines, t = [json.dumps(meta)], start
        if nth % 4 == 1 or nth % 6 == 3:  # legacy whole document (maybe migrated later)
            msgs = self._turns(start, rng.randint(1, 6))
            doc = {**meta, "lastUpdated": msgs[-1]["timestamp"], "messages": msgs}
            text = json.dumps(doc, indent=2).replace('"@@0@@"', '"(some text)"')
            if nth % 11 == 5:  # a crash mid-rewrite: the document does not parse
                self.write(chats / f"{stem}.json", text[: len(text) // 2])
                self.malformed += 1
                self.counts["gemini_truncated_documents"] += 1
                return
            self.write(chats / f"{stem}.json", text)
            self._tally(msgs, "legacy_document")
            self.counts["gemini_legacy_documents"] += 1
            if nth % 6 != 3:
                return
            # Resumed with a newer CLI: every message is copied into session-*.jsonl.
            self.counts["gemini_migrated_sessions"] += 1
            lines.extend(json.dumps(m) for m in msgs)
            self._tally(msgs, "migrated_copy", count=False)
            t = _epoch(msgs[-1]["timestamp"])
        new = self._turns(t, rng.randint(1, 8))
        self._tally(new)
        self._write_jsonl(lines, new, chats / f"{stem}.jsonl")
        if nth % 5 == 2:  # a subagent of this session: chats/<parent>/<session>.jsonl
            sub = self.ids.uuid()
            self.counts["gemini_subagents"] += 1
            sub_msgs = self._turns(_epoch(new[-1]["timestamp"]), rng.randint(1, 3))
            self._tally(sub_msgs, "subagent")
            head = json.dumps({**meta, "sessionId": sub, "kind": "subagent"})
            self._write_jsonl([head], sub_msgs, chats / sid / f"{sub}.jsonl")

    def _write_jsonl(self, lines: list[str], msgs: list[dict], path: Path) -> None:
        rng = self.rng
        for i, m in enumerate(msgs):
            if m["type"] == "gemini":  # written first without tokens, re-appended with them
                lines.append(self._dump({k: v for k, v in m.items() if k != "tokens"}))
                self.counts["gemini_reappended"] += 1
            lines.append(self._dump(m))
            lines.append(json.dumps({"$set": {"lastUpdated": m["timestamp"]}}))
            if rng.random() < 0.05:  # the whole message list again
                again = json.dumps({"$set": {"messages": msgs[: i + 1]}})
                lines.append(again.replace('"@@0@@"', '"(some text)"'))
                self.counts["gemini_set_messages"] += 1
            if rng.random() < 0.03:
                lines.append(self.garbage())
            if rng.random() < 0.03:
                lines.append(rng.choice(("", "  ")))
        replies = [m for m in msgs if m["type"] == "gemini"]
        if rng.random() < 0.1:  # rewound replies were billed: still counted
            gone = replies[rng.randrange(len(replies)) :]
            lines.append(json.dumps({"$rewindTo": gone[0]["id"]}))
            self._tally(gone, "rewound", count=False)
            self.counts["gemini_rewinds"] += 1
        text = "\n".join(lines) + "\n"
        if rng.random() < 0.08:  # crash while appending: a partial last line
            text += self._dump(msgs[-1])[:50]
            self.malformed += 1
            self.counts["gemini_partial_last_lines"] += 1
        self.write(path, text)


# --------------------------------------------------------------------------- OpenCode


class OpenCodeGen(AgentGen):
    name = "opencode"
    MODELS = (
        ("anthropic", "claude-sonnet-4-5"),
        ("anthropic", "claude-opus-4-5"),
        ("openai", "gpt-5"),
        ("google", "gemini-2.5-pro"),
    )
    SCHEMA = (
        "CREATE TABLE session (id TEXT PRIMARY KEY, project_id TEXT NOT NULL, parent_id TEXT, "
        "slug TEXT NOT NULL, directory TEXT NOT NULL, title TEXT NOT NULL, version TEXT NOT NULL, "
        "time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL)",
        "CREATE TABLE message (id TEXT PRIMARY KEY, session_id TEXT NOT NULL REFERENCES "
        "session(id) ON DELETE CASCADE, time_created INTEGER NOT NULL, time_updated INTEGER "
        "NOT NULL, data TEXT NOT NULL)",
        "CREATE INDEX message_session_time_created_id_idx "
        "ON message (session_id, time_created, id)",
        "CREATE TABLE part (id TEXT PRIMARY KEY, message_id TEXT NOT NULL, session_id TEXT NOT "
        "NULL, time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, data TEXT NOT NULL)",
    )

    def __init__(self, out: Path, rng: random.Random, pool: TextPool) -> None:
        super().__init__(out, rng, pool)
        self.sessions: list[tuple[tuple, list[tuple], list[tuple]]] = []  # db rows by session
        self.seq = 0
        self.pending = 0  # bytes of rows not yet written

    def size(self) -> int:
        return self.stats.bytes + self.pending

    def _id(self, prefix: str) -> str:
        self.seq += 1
        return f"{prefix}_{self.seq:012x}{self.ids.tok('', 14)}"

    def session(self, start: float) -> None:
        rng, nth = self.rng, self.stats.sessions
        self.stats.sessions += 1
        where = {3: "legacy", 5: "both"}.get(nth % 7, "db")
        cwd = rng.choice(PROJECT_CWDS)
        sid = self._id("ses")
        provider, model = rng.choice(self.MODELS)
        t, ctx = start, rng.randint(10_000, 30_000)
        messages: list[tuple] = []
        parts: list[tuple] = []
        for _ in range(rng.randint(1, 6)):
            t += rng.uniform(20, 900)
            user = {
                "id": self._id("msg"),
                "sessionID": sid,
                "role": "user",
                "time": {"created": int(t * 1000)},
                "agent": "build",
                "model": {"providerID": provider, "modelID": model},
            }
            messages.append((user["id"], sid, int(t * 1000), int(t * 1000), json.dumps(user)))
            for _ in range(rng.randint(1, 3)):
                t += rng.uniform(2, 60)
                data, vals = self._reply(sid, cwd, provider, model, t, ctx)
                ctx = min(180_000, ctx + rng.randint(500, 6000))
                done = int((t + rng.uniform(1, 30)) * 1000)
                row = (data["id"], sid, int(t * 1000), done, json.dumps(data))
                if vals is None:
                    pass
                elif vals == "bad":
                    row = (*row[:4], json.dumps(data)[:40])
                    self.malformed += 1
                    self.counts["opencode_malformed_rows"] += 1
                else:
                    traps = {"legacy": ("legacy_only",), "both": ("legacy_and_db",)}.get(where, ())
                    self.count(t, model, vals, *traps)
                messages.append(row)
                part = {
                    "id": self._id("prt"),
                    "messageID": data["id"],
                    "sessionID": sid,
                    "type": "text",
                    "text": "@@0@@",
                }
                blob = self.pool.blob(rng.randint(100, 3000))
                parts.append(
                    (part["id"], data["id"], sid, int(t * 1000), done, render(part, (blob,)))
                )
        if where in ("legacy", "both"):
            self._legacy(sid, messages, also_in_db=where == "both")
        if where != "legacy":
            head = (
                sid,
                "prj_" + hashlib.sha1(cwd.encode()).hexdigest()[:16],
                None,
                self.ids.tok("", 8),
                cwd,
                "session",
                "1.0.150",
                int(start * 1000),
                int(t * 1000),
            )
            self.sessions.append((head, messages, parts))
            self.pending += sum(len(r[-1]) for r in (*messages, *parts))
            if nth % 9 == 4 and len(self.sessions) > 1:
                self._fork(self.sessions[-2], t)

    def _reply(
        self, sid: str, cwd: str, provider: str, model: str, t: float, ctx: int, traps: bool = True
    ) -> tuple[dict, dict | str | None]:
        """An assistant message and what it counts (None: nothing, "bad": malformed)."""
        rng = self.rng
        prompt, cached, out, reasoning = self.tokens(ctx)
        write = rng.randint(100, 4000) if provider == "anthropic" and rng.random() < 0.5 else 0
        inp = max(0, prompt - cached - write)
        aborted = traps and rng.random() < 0.03
        tokens = {"input": 0, "output": 0, "reasoning": 0, "cache": {"read": 0, "write": 0}}
        if not aborted:
            tokens = {
                "input": inp,
                "output": out,
                "reasoning": reasoning,
                "cache": {"read": cached, "write": write},
            }
        cost = round(rng.uniform(0.001, 0.2), 6) if rng.random() < 0.7 and not aborted else 0
        data = {
            "id": self._id("msg"),
            "sessionID": sid,
            "role": "assistant",
            "time": {"created": int(t * 1000), "completed": int((t + 5) * 1000)},
            "parentID": "msg_parent",
            "modelID": model,
            "providerID": provider,
            "mode": "build",
            "path": {"cwd": cwd, "root": cwd},
            "cost": cost,
            "tokens": tokens,
            "finish": "stop",
        }
        if aborted:
            self.counts["opencode_zero_token_replies"] += 1
            return data, None
        if traps and rng.random() < 0.02:
            return data, "bad"
        return data, _vals(inp, out + reasoning, cached, write, reasoning)

    def _legacy(self, sid: str, messages: list[tuple], also_in_db: bool) -> None:
        """storage/message/<session>/<message>.json, pretty-printed like OpenCode's Storage."""
        for row_id, _, _, _, data in messages:
            path = self.root / "storage" / "message" / sid / f"{row_id}.json"
            try:
                text = json.dumps(json.loads(data), indent=2)
            except ValueError:
                text = data  # the malformed row's data, as a broken file
                self.malformed += also_in_db  # a broken row and a broken file
            self.write(path, text)
            self.counts["opencode_legacy_files"] += 1

    def _fork(self, parent: tuple[tuple, list[tuple], list[tuple]], t: float) -> None:
        """A forked session: the parent's messages copied under new row ids (same data)."""
        head, messages, _ = parent
        sid = self._id("ses")
        new_head = (
            sid,
            head[1],
            head[0],
            self.ids.tok("", 8),
            head[4],
            "fork",
            head[6],
            int(t * 1000),
            int(t * 1000),
        )
        copies = []
        for _, _, created, updated, data in messages:
            copies.append((self._id("msg"), sid, created, updated, data))
            if '"assistant"' in data:
                self.counts["opencode_forked_rows"] += 1
            if not data.endswith("}"):
                self.malformed += 1  # the copy of a malformed row is another malformed row
        self.sessions.append((new_head, copies, []))

    def finish(self) -> None:
        """opencode.db with the last sessions' rows still in its -wal, and a channel db."""
        tmp = Path(tempfile.mkdtemp(prefix="gen-opencode-"))
        try:
            conn = sqlite3.connect(tmp / "opencode.db")
            conn.execute("PRAGMA journal_mode=WAL")
            for sql in self.SCHEMA:
                conn.execute(sql)
            tail = max(1, len(self.sessions) // 10)
            for i, (head, messages, parts) in enumerate(self.sessions):
                if i == len(self.sessions) - tail:
                    conn.commit()
                    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                conn.execute("INSERT INTO session VALUES (?,?,?,?,?,?,?,?,?)", head)
                conn.executemany("INSERT INTO message VALUES (?,?,?,?,?)", messages)
                conn.executemany("INSERT INTO part VALUES (?,?,?,?,?,?)", parts)
                if i >= len(self.sessions) - tail:
                    self.counts["opencode_sessions_in_wal"] += 1
            conn.commit()
            self.root.mkdir(parents=True, exist_ok=True)
            for name in ("opencode.db", "opencode.db-wal"):  # copied while the WAL is live
                shutil.copyfile(tmp / name, self.root / name)
                self.stats.bytes += (self.root / name).stat().st_size
                self.stats.files += 1
            conn.close()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        self._channel_db()

    def _channel_db(self) -> None:
        conn = sqlite3.connect(self.root / "opencode-dev.db")
        for sql in self.SCHEMA:
            conn.execute(sql)
        t = float(self.rng.choice([h[7] for h, _, _ in self.sessions] or [1.7e12])) / 1000
        sid = self._id("ses")
        conn.execute(
            "INSERT INTO session VALUES (?,?,?,?,?,?,?,?,?)",
            (
                sid,
                "prj_dev",
                None,
                "dev",
                "/home/dev/work/dev-build",
                "dev",
                "0.0.0",
                int(t * 1000),
                int(t * 1000),
            ),
        )
        for _ in range(2):
            t += 30
            cwd = "/home/dev/work/dev-build"
            data, vals = self._reply(sid, cwd, "openai", "gpt-5", t, 9000, traps=False)
            assert isinstance(vals, dict)
            self.count(t, "gpt-5", vals, "channel_db")
            conn.execute(
                "INSERT INTO message VALUES (?,?,?,?,?)",
                (data["id"], sid, int(t * 1000), int(t * 1000), json.dumps(data)),
            )
        conn.commit()
        conn.close()
        self.stats.bytes += (self.root / "opencode-dev.db").stat().st_size
        self.stats.files += 1


# --------------------------------------------------------------------------- Amp


class AmpGen(AgentGen):
    name = "amp"
    MODELS = ("claude-sonnet-4-5-20250929", "claude-opus-4-5-20251101", "gpt-5")

    def session(self, start: float) -> None:
        rng, nth = self.rng, self.stats.sessions
        self.stats.sessions += 1
        tid = "T-" + self.ids.uuid()
        ledger = nth % 5 != 2
        truncated = nth % 13 == 6
        model = rng.choice(self.MODELS)
        t, ctx, n = start, rng.randint(10_000, 30_000), 0
        messages: list[dict] = []
        events: list[dict] = []
        counted: list[tuple[float, dict]] = []
        for _ in range(rng.randint(1, 8)):
            t += rng.uniform(20, 900)
            messages.append(
                {
                    "role": "user",
                    "messageId": n,
                    "content": [{"type": "text", "text": "@@0@@"}],
                    "meta": {"sentAt": int(t * 1000)},
                }
            )
            for _ in range(rng.randint(1, 3)):
                n += 1
                t += rng.uniform(2, 60)
                prompt, cached, out, _ = self.tokens(ctx)
                write = rng.randint(100, 5000) if rng.random() < 0.6 else 0
                inp = max(1, prompt - cached - write)
                credits = round((inp * 3 + out * 15 + cached * 0.3 + write * 3.75) / 1e6, 6)
                usage = {
                    "model": model,
                    "inputTokens": inp,
                    "outputTokens": out,
                    "cacheCreationInputTokens": write,
                    "cacheReadInputTokens": cached,
                    "totalInputTokens": inp + write + cached,
                    "credits": credits,
                }
                if not ledger:
                    usage["timestamp"] = iso(t)
                messages.append(
                    {
                        "role": "assistant",
                        "messageId": n,
                        "content": [{"type": "text", "text": "@@0@@"}],
                        "state": {"type": "complete"},
                        "usage": usage,
                    }
                )
                events.append(
                    {
                        "id": self.ids.uuid(),
                        "timestamp": iso(t),
                        "model": model,
                        "credits": credits,
                        "tokens": {"input": inp, "output": out},
                        "operationType": "inference",
                        "fromMessageId": n - 1,
                        "toMessageId": n,
                    }
                )
                counted.append((t, _vals(inp, out, cached, write)))
                ctx = min(190_000, prompt + out + rng.randint(300, 5000))
                n += 1
                messages.append(
                    {
                        "role": "user",
                        "messageId": n,
                        "content": [{"type": "tool_result", "content": "@@0@@"}],
                    }
                )
        thread: dict[str, Any] = {
            "v": rng.randint(50, 400),
            "id": tid,
            "created": int(start * 1000),
            "title": "@@0@@",
            "messages": messages,
            "env": {"initial": {"trees": [{"displayName": "repo"}]}},
        }
        if ledger:
            thread["usageLedger"] = {"events": events}
        text = render(thread, (self.pool.blob(rng.randint(60, 900)),))
        path = self.root / "threads" / f"{tid}.json"
        if truncated:  # written half when Amp crashed: not parsed, not counted
            self.write(path, text[: len(text) // 2])
            self.malformed += 1
            self.counts["amp_truncated_threads"] += 1
            return
        self.write(path, text)
        traps = ("cache_from_messages",) if ledger else ("no_ledger",)
        for when, vals in counted:
            self.count(when, model, vals, *traps)
        if nth % 7 == 3:  # an archived copy of the same thread: counted once
            self.write(self.root / "threads" / "archive" / f"{tid}.json", text)
            for when, vals in counted:
                self.traps["archived_copy"].add(when, model, vals)
            self.counts["amp_archived_copies"] += 1
        self.counts["amp_threads_without_ledger"] += not ledger


# --------------------------------------------------------------------------- Qwen Code


class QwenGen(AgentGen):
    name = "qwen"
    MODELS = ("qwen3-coder-plus", "qwen3-coder-flash", "qwen3-max")

    def __init__(self, out: Path, rng: random.Random, pool: TextPool) -> None:
        super().__init__(out, rng, pool)
        self.branchable: list[tuple[Path, list[str], str]] = []

    def _record(
        self, sid: str, cwd: str, t: float, kind: str, parent: str | None, **kw: Any
    ) -> dict:
        return {
            "uuid": self.ids.uuid(),
            "parentUuid": parent,
            "sessionId": sid,
            "timestamp": iso(t),
            "type": kind,
            "cwd": cwd,
            "version": "0.2.1",
            "gitBranch": "main",
            **kw,
        }

    def session(self, start: float) -> None:
        rng, nth = self.rng, self.stats.sessions
        self.stats.sessions += 1
        cwd = rng.choice(PROJECT_CWDS)
        sid = self.ids.uuid()
        path = self.root / "projects" / cwd.replace("/", "-") / "chats" / f"{sid}.jsonl"
        lines: list[str] = []
        parent = None
        if nth % 8 == 5 and self.branchable:  # /branch: copies under this session's id
            _, src_lines, src_sid = self.branchable.pop(0)
            keep = src_lines[: max(1, len(src_lines) * 2 // 3)]
            lines = [ln.replace(src_sid, sid) for ln in keep]
            for ln in keep:
                if '"type":"assistant"' in ln:
                    rec = json.loads(ln)
                    self.traps["branch_copy"].add(
                        _epoch(rec["timestamp"]), rec["model"], self._vals(rec["usageMetadata"])
                    )
            self.counts["qwen_branches"] += 1
            start = max(start, _epoch(json.loads(keep[-1])["timestamp"]) + 60)
        model = rng.choice(self.MODELS)
        t, ctx = start, rng.randint(8_000, 25_000)
        for _ in range(rng.randint(1, 6)):
            t += rng.uniform(20, 900)
            user = self._record(
                sid, cwd, t, "user", parent, message={"role": "user", "parts": [{"text": "@@0@@"}]}
            )
            parent = user["uuid"]
            lines.append(render(user, (self.pool.blob(rng.randint(40, 600)),)))
            for _ in range(rng.randint(1, 3)):
                t += rng.uniform(2, 60)
                usage = self._usage(ctx)
                rec = self._record(
                    sid,
                    cwd,
                    t,
                    "assistant",
                    parent,
                    model=model,
                    message={"role": "model", "parts": [{"text": "@@0@@"}]},
                    usageMetadata=usage,
                    contextWindowSize=1_000_000,
                )
                parent = rec["uuid"]
                lines.append(render(rec, (self.pool.blob(rng.randint(40, 1500)),)))
                shape = (
                    "openai_shape"
                    if "thoughtsTokenCount" in usage
                    and usage["totalTokenCount"]
                    == usage["promptTokenCount"] + usage["candidatesTokenCount"]
                    else "gemini_shape"
                )
                self.count(t, model, self._vals(usage), shape, "cached_in_prompt")
                ctx = min(250_000, usage["promptTokenCount"] + rng.randint(300, 6000))
                t += rng.uniform(0.5, 20)
                tool = self._record(
                    sid,
                    cwd,
                    t,
                    "tool_result",
                    parent,
                    message={
                        "role": "user",
                        "parts": [{"functionResponse": {"response": {"output": "@@0@@"}}}],
                    },
                )
                parent = tool["uuid"]
                lines.append(render(tool, (self.pool.blob(rng.randint(100, 3000)),)))
                if rng.random() < 0.05:  # telemetry mentioning usageMetadata: not an event
                    ui = {"event.name": "qwen-code.api_response", "usageMetadata": usage}
                    lines.append(
                        json.dumps(
                            self._record(
                                sid,
                                cwd,
                                t,
                                "system",
                                parent,
                                subtype="ui_telemetry",
                                systemPayload={"uiEvent": ui},
                            )
                        )
                    )
                    self.counts["qwen_telemetry_with_marker"] += 1
                if rng.random() < 0.03:
                    lines.append(self.garbage())
                if rng.random() < 0.03:
                    lines.append(rng.choice(("", " ")))
        text = "\n".join(lines) + "\n"
        if nth % 10 == 7:  # crashed mid-append: a truncated last line, no newline
            text += lines[-1][: len(lines[-1]) // 2]
            self.malformed += 1
            self.counts["qwen_truncated_last_lines"] += 1
        self.write(path, text)
        self.branchable.append((path, [ln for ln in lines if ln.startswith('{"uuid"')], sid))
        del self.branchable[:-10]

    def _usage(self, ctx: int) -> dict[str, int]:
        prompt, cached, out, reasoning = self.tokens(ctx)
        if self.rng.random() < 0.7:  # OpenAI-compatible server: reasoning ⊆ completion
            out = max(out, reasoning + 1)
            return {
                "promptTokenCount": prompt,
                "candidatesTokenCount": out,
                "totalTokenCount": prompt + out,
                "cachedContentTokenCount": cached,
                "thoughtsTokenCount": reasoning,
            }
        return {
            "promptTokenCount": prompt,
            "candidatesTokenCount": out,
            "thoughtsTokenCount": reasoning,
            "cachedContentTokenCount": cached,
            "totalTokenCount": prompt + out + reasoning,
        }

    @staticmethod
    def _vals(u: dict[str, int]) -> dict:
        prompt, cached = u["promptTokenCount"], u["cachedContentTokenCount"]
        cand, thoughts = u["candidatesTokenCount"], u.get("thoughtsTokenCount", 0)
        inside = u["totalTokenCount"] == prompt + cand and thoughts > 0
        out = cand if inside else cand + thoughts
        return _vals(prompt - cached, out, cached, 0, thoughts)


# --------------------------------------------------------------------------- Kimi CLI


class KimiGen(AgentGen):
    name = "kimi"
    MODEL = "kimi-k2-turbo-preview"

    def __init__(self, out: Path, rng: random.Random, pool: TextPool) -> None:
        super().__init__(out, rng, pool)
        config = {"default_model": self.MODEL, "model": self.MODEL, "models": {}}
        self.write(self.root / "config.json", json.dumps(config, indent=2))

    def _line(self, t: float, kind: str, payload: dict, blob: int = 0) -> str:
        """A wire record as kimi-cli writes it: json.dumps defaults (spaces after : and ,)."""
        obj = {"timestamp": round(t, 6), "message": {"type": kind, "payload": payload}}
        blobs = (self.pool.blob(blob),) if blob else ()
        s = json.dumps(obj, ensure_ascii=False)
        for i, b in enumerate(blobs):
            s = s.replace(f'"@@{i}@@"', f'"{b}"')
        return s

    def session(self, start: float) -> None:
        rng, nth = self.rng, self.stats.sessions
        self.stats.sessions += 1
        group = hashlib.md5(rng.choice(PROJECT_CWDS).encode()).hexdigest()
        sid = self.ids.uuid()
        if nth % 6 == 4:
            self._kimi_code(start, group, sid)
            return
        lines = [json.dumps({"type": "metadata", "protocol_version": "1.2"})]
        t, ctx = start, rng.randint(8_000, 25_000)
        for _ in range(rng.randint(1, 6)):
            t += rng.uniform(20, 900)
            lines.append(self._line(t, "TurnBegin", {"user_input": "@@0@@"}, 300))
            for n in range(1, rng.randint(2, 5)):
                t += rng.uniform(2, 60)
                lines.append(self._line(t, "StepBegin", {"n": n}))
                lines.append(self._line(t, "TextPart", {"type": "text", "text": "@@0@@"}, 800))
                prompt, cached, out, _ = self.tokens(ctx)
                write = rng.randint(50, 3000) if rng.random() < 0.3 else 0
                other = max(1, prompt - cached - write)
                usage = {
                    "input_other": other,
                    "output": out,
                    "input_cache_read": cached,
                    "input_cache_creation": write,
                }
                lines.append(
                    self._line(
                        t,
                        "StatusUpdate",
                        {
                            "context_usage": round(prompt / 262144, 4),
                            "token_usage": usage,
                            "message_id": "chatcmpl-" + self.ids.tok("", 24),
                        },
                    )
                )
                self.count(t, self.MODEL, _vals(other, out, cached, write), "config_model")
                if rng.random() < 0.3:  # a status update without usage
                    lines.append(self._line(t, "StatusUpdate", {"context_usage": 0.3}))
                if rng.random() < 0.1:  # a subagent's step, nested: not counted
                    inner = {
                        "type": "StatusUpdate",
                        "payload": {"token_usage": usage, "message_id": "chatcmpl-sub"},
                    }
                    lines.append(
                        self._line(
                            t, "SubagentEvent", {"parent_tool_call_id": "call_1", "event": inner}
                        )
                    )
                    self.counts["kimi_nested_subagent_updates"] += 1
                ctx = min(250_000, prompt + out + rng.randint(200, 5000))
                if rng.random() < 0.03:
                    lines.append(self.garbage())
            lines.append(self._line(t, "TurnEnd", {}))
        text = "\n".join(lines) + "\n"
        if nth % 9 == 2:
            text += lines[-1][:30]
            self.malformed += 1
            self.counts["kimi_truncated_last_lines"] += 1
        self.write(self.root / "sessions" / group / sid / "wire.jsonl", text)

    def _kimi_code(self, start: float, ws: str, sid: str) -> None:
        """Kimi Code's per-agent wire file with usage.record lines (turn and session)."""
        rng = self.rng
        model = "kimi-for-coding"
        lines, totals, t = (
            [json.dumps({"type": "metadata", "protocol_version": "2"})],
            [0] * 4,
            start,
        )
        for _ in range(rng.randint(1, 5)):
            t += rng.uniform(20, 900)
            prompt, cached, out, _ = self.tokens(rng.randint(8_000, 60_000))
            other = max(1, prompt - cached)
            usage = {
                "inputOther": other,
                "output": out,
                "inputCacheRead": cached,
                "inputCacheCreation": 0,
            }
            lines.append(
                json.dumps(
                    {
                        "type": "usage.record",
                        "usageScope": "turn",
                        "model": f"kimi-code/{model}",
                        "usage": usage,
                        "time": int(t * 1000),
                    }
                )
            )
            self.count(t, model, _vals(other, out, cached), "kimi_code_turn")
            totals = [a + b for a, b in zip(totals, (other, out, cached, 0), strict=True)]
            session = dict(zip(usage, totals, strict=True))
            lines.append(
                json.dumps(
                    {
                        "type": "usage.record",
                        "usageScope": "session",
                        "model": f"kimi-code/{model}",
                        "usage": session,
                        "time": int(t * 1000),
                    }
                )
            )
        self.counts["kimi_code_sessions"] += 1
        path = self.root / "sessions" / ws / sid / "agents" / "main" / "wire.jsonl"
        self.write(path, "\n".join(lines) + "\n")


# --------------------------------------------------------------------------- Droid


class DroidGen(AgentGen):
    name = "droid"
    MODELS = (
        "custom:Claude-Opus-4.5-Thinking-[Anthropic]-0",
        "claude-sonnet-4-5-20250929",
        "gpt-5-codex",
    )

    def session(self, start: float) -> None:
        rng, nth = self.rng, self.stats.sessions
        self.stats.sessions += 1
        sid = self.ids.uuid()
        slug = rng.choice(PROJECT_CWDS).strip("/").replace("/", "-")
        folder = self.root / "sessions" / slug
        raw_model = rng.choice(self.MODELS)
        totals = dict.fromkeys(
            (
                "inputTokens",
                "outputTokens",
                "cacheCreationTokens",
                "cacheReadTokens",
                "thinkingTokens",
            ),
            0,
        )
        t, ctx, snapshot = start, rng.randint(10_000, 30_000), None
        empty = nth % 12 == 9
        steps = 0 if empty else rng.randint(1, 25)
        for i in range(steps):
            t += rng.uniform(5, 400)
            prompt, cached, out, thinking = self.tokens(ctx)
            write = rng.randint(50, 3000) if rng.random() < 0.5 else 0
            for k, v in zip(
                totals, (max(1, prompt - cached - write), out, write, cached, thinking), strict=True
            ):
                totals[k] += v
            ctx = min(190_000, prompt + out + rng.randint(300, 4000))
            if i == steps // 2:
                snapshot = (dict(totals), t)
        settings: dict[str, Any] = {
            "providerLock": "anthropic" if "laude" in raw_model else "openai",
            "providerLockTimestamp": iso(start),
            "tokenUsage": totals,
            "autonomyMode": "auto-low",
        }
        sidecar = [json.dumps({"type": "session_start", "id": sid, "title": "@@"})]
        no_model = nth % 5 == 3
        if no_model:
            sidecar.append(
                json.dumps(
                    {
                        "type": "message",
                        "message": {
                            "role": "system",
                            "content": [
                                {
                                    "type": "text",
                                    "text": f"<system-reminder>Model: {_spoken(raw_model)} "
                                    "[Anthropic]</system-reminder>",
                                }
                            ],
                        },
                    }
                )
            )
            self.counts["droid_model_from_sidecar"] += 1
        else:
            settings["model"] = raw_model
        path = folder / f"{sid}.settings.json"
        text = json.dumps(settings, indent=2)
        if nth % 11 == 6:  # truncated by a crash: not parsed
            self.write(path, text[: len(text) // 2], mtime=t)
            self.malformed += 1
            self.counts["droid_truncated"] += 1
            return
        self.write(path, text, mtime=t)
        self.write(folder / f"{sid}.jsonl", "\n".join(sidecar) + "\n", mtime=t)
        if empty:
            self.counts["droid_empty_sessions"] += 1
            return
        model = _droid_model(_spoken(raw_model) if no_model else raw_model)
        vals = _vals(
            totals["inputTokens"],
            totals["outputTokens"] + totals["thinkingTokens"],
            totals["cacheReadTokens"],
            totals["cacheCreationTokens"],
            totals["thinkingTokens"],
        )
        traps = ("thinking_tokens",) if totals["thinkingTokens"] else ()
        self.count(t, model, vals, "session_total", *traps)
        if nth % 4 == 1 and snapshot is not None:  # an archived, older copy: counted once
            old, when = snapshot
            stale = {**settings, "tokenUsage": old}
            archived = self.root / "sessions" / "archive" / f"{sid}.settings.json"
            self.write(archived, json.dumps(stale, indent=2), mtime=when)
            self.traps["stale_archive_copy"].add(t, model, vals)
            self.counts["droid_archived_copies"] += 1


def _spoken(model: str) -> str:
    """How Droid's system reminder names a model: 'Claude Opus 4.5 Thinking'."""
    name = model.removeprefix("custom:").split("[")[0].strip("-")
    return " ".join(w.capitalize() if w.isalpha() else w for w in name.replace("-", " ").split())


def _droid_model(raw: str) -> str:
    """The reader's normalisation: no custom:, no [tags], lower case, dashes for spaces."""
    import re

    name = re.sub(r"\[[^\]]*\]", "", raw.strip().removeprefix("custom:"))
    return re.sub(r"[\s-]+", "-", name.strip().lower()).strip("-")


# --------------------------------------------------------------------------- driver

GENERATORS: dict[str, type[AgentGen]] = {
    "gemini": GeminiGen,
    "opencode": OpenCodeGen,
    "amp": AmpGen,
    "qwen": QwenGen,
    "kimi": KimiGen,
    "droid": DroidGen,
}
MIN_SESSIONS = 24  # every trap shows up, even in a tiny corpus


def generate_agents(
    out: Path, names: list[str], seed: int, pool: TextPool, starts: Starts, target: int
) -> dict[str, dict[str, Any]]:
    """Write each agent's home under ``out/<agent>`` (about ``target`` bytes each)."""
    sections = {}
    for i, name in enumerate(names):
        gen = GENERATORS[name](out, random.Random(f"{seed}:{name}:{i}"), pool)
        while gen.stats.sessions < MIN_SESSIONS or gen.size() < target:
            gen.session(starts())
        gen.finish()
        sections[name] = gen.report()
    return sections


RULES = [
    "Other agents: fields are as for Codex; cache_creation_tokens are 5-minute writes.",
    "gemini: one event per reply (type gemini with tokens), keyed on session and message id: "
    "re-appended copies, $set message lists and a legacy session's migrated .jsonl copy count "
    "once; rewound replies count; input = input - cached + tool, output = output + thoughts.",
    "opencode: one event per assistant message with non-zero tokens, keyed on its data.id "
    "(forked rows, legacy files of database rows count once); rows in the -wal count; output = "
    "output + reasoning; input is already uncached.",
    "amp: ledger events (cache counts from the message toMessageId), else assistant message "
    "usage; an archived copy of a thread counts once.",
    "qwen: assistant records with usageMetadata, keyed on uuid (a /branch copy counts once); "
    "input = prompt - cached; reasoning is inside the candidates when the total says so.",
    "kimi: top-level StatusUpdate token_usage (input_other is uncached input) with the model "
    "from config.json; usage.record turn lines; nested SubagentEvent and session-scope "
    "records are not counted.",
    "droid: one event per session with its running totals, dated at the file's mtime; an "
    "archived smaller copy of the session counts once (the bigger total).",
    "malformed (other agents): unparseable lines (incl. a partial last line), rows and "
    "documents; blank lines are not malformed.",
]
