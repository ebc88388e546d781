#!/usr/bin/env python3
"""Generate realistic synthetic agent homes (Claude Code, Codex CLI and, from
``gen_agents.py``, Gemini CLI, OpenCode, Amp, Qwen Code, Kimi CLI, Droid), with the exact
expected totals.

Layout written under ``--out DIR``::

    claude/projects/<encoded-cwd>/<session>.jsonl
    claude/projects/<encoded-cwd>/<session>/subagents/agent-<hex>.jsonl
    codex/sessions/YYYY/MM/DD/rollout-<ts>-<uuid>.jsonl
    codex/archived_sessions/rollout-<ts>-<uuid>.jsonl
    gemini/tmp/<project hash>/chats/session-*.json[l]      (GEMINI_DATA_DIR=gemini/tmp)
    opencode/opencode.db[-wal], opencode-dev.db, storage/message/…  (OPENCODE_DATA_DIR)
    amp/threads/T-*.json                                   (AMP_DATA_DIR=amp)
    qwen/projects/<project>/chats/<session>.jsonl          (QWEN_DATA_DIR=qwen)
    kimi/config.json, kimi/sessions/<group>/<session>/wire.jsonl   (KIMI_DATA_DIR=kimi)
    droid/sessions/<project>/<session>.settings.json       (DROID_SESSIONS_DIR=droid/sessions)
    expected.json

Pure stdlib, deterministic for a seed, streaming (one session in memory at a time). The traps
(streamed partial-usage copies, resumed sessions, sidechain replays, Codex forks and duplicate
token_count rows, malformed lines, ...) are described in shared/reference/agent-logs.md; the
counting rules behind ``expected.json`` are listed in its ``meta.rules``.

Usage: ``python bench/gen_corpus.py --out /tmp/corpus --size-mb 1000 --seed 1 [--agents …]``
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import json
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

MB = 1024 * 1024
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
B64 = B62 + "+/"
SEP = (",", ":")
SEP_SPACED = (", ", ": ")

CLAUDE_FIELDS = (
    "input_tokens",
    "output_tokens",
    "cache_creation_tokens",
    "cache_read_tokens",
    "cache_creation_5m_tokens",
    "cache_creation_1h_tokens",
    "events",
)
CODEX_FIELDS = (*CLAUDE_FIELDS[:-1], "reasoning_tokens", "events")

# model -> (weight, normal context ceiling)
CLAUDE_MODELS = {
    "claude-opus-4-5-20251101": (45, 165_000),
    "claude-sonnet-4-5-20250929": (33, 165_000),
    "claude-haiku-4-5-20251001": (17, 150_000),
    "claude-opus-4-1-20250805": (5, 150_000),
}
SONNET = "claude-sonnet-4-5-20250929"
HAIKU = "claude-haiku-4-5-20251001"
CODEX_MODELS = ("gpt-5-codex", "gpt-5.1-codex-max", "gpt-5.2-codex")
PROJECT_CWDS = (
    "/home/dev/work/infra-01",
    "/home/dev/work/api-gateway",
    "/home/dev/work/web-frontend",
    "/home/dev/work/data_pipeline",
    "/home/dev/work/mobile-app",
    "/home/dev/.config/nvim",
    "/home/dev/src/github.com/acme/billing.svc",
    "/home/dev/work/ml-experiments",
    "/home/dev/work/infra-02",
    "/home/dev/notes",
)
TOOLS = ("Bash", "Read", "Edit", "Write", "Grep", "Glob", "TodoWrite", "WebFetch")
GARBAGE = (
    "garbage ### not json",
    "}{",
    '{"type":"assistant","message":{"id":"msg_01',
    "\x1b[31mERROR\x1b[0m write failed",
    "[1, 2, 3",
    "\x00\x00\x00\x00\x00\x00\x00\x00",
    "<<<<<<< HEAD",
)
BLANKS = ("", "   ", "\t", " \t  ")


# --------------------------------------------------------------------------- helpers


def iso(t: float) -> str:
    """Format an epoch time as Claude/Codex do: ``2026-11-07T09:59:33.097Z``."""
    s = int(t)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + f".{int((t - s) * 1000):03d}Z"


def day_of(t: float) -> str:
    """UTC date of an epoch time."""
    return time.strftime("%Y-%m-%d", time.gmtime(int(t)))


def encode_cwd(cwd: str) -> str:
    """Claude Code's project directory name: every non-alphanumeric becomes '-'."""
    return "".join(c if c.isalnum() else "-" for c in cwd)


def render(obj: Any, blobs: tuple[str, ...] = (), spaced: bool = False) -> str:
    """json.dumps ``obj`` and splice in pre-escaped blobs for the ``"@@i@@"`` placeholders."""
    s = json.dumps(obj, ensure_ascii=False, separators=SEP_SPACED if spaced else SEP)
    for i, blob in enumerate(blobs):
        s = s.replace(f'"@@{i}@@"', f'"{blob}"')
    return s


class Ids:
    """Deterministic id factory."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def uuid(self) -> str:
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"

    def tok(self, prefix: str, n: int) -> str:
        return prefix + "".join(self.rng.choices(B62, k=n))

    def hexid(self, n: int) -> str:
        return f"{self.rng.getrandbits(4 * n):0{n}x}"


class TextPool:
    """Pre-escaped JSON string content, sliced at line boundaries (never mid-escape)."""

    WORDS = (
        "the",
        "config",
        "handler",
        "returns",
        "cached",
        "value",
        "when",
        "request",
        "token",
        "usage",
        "exceeds",
        "limit",
        "retry",
        "backoff",
        "session",
        "window",
        "parser",
        "stream",
        "buffer",
        "index",
        "schema",
        "migrate",
        "deploy",
        "cluster",
        "worker",
        "queue",
        "latency",
        "budget",
        "forecast",
        "report",
        "daily",
        "model",
        "price",
        "tier",
    )

    def __init__(self, rng: random.Random, target_chars: int = 6 * MB) -> None:
        lines: list[str] = []
        size = 0
        while size < target_chars:
            raw = self._line(rng)
            esc = json.dumps(raw, ensure_ascii=False)[1:-1]
            lines.append(esc)
            size += len(esc) + 2
        self.text = "\\n".join(lines)
        self.starts: list[int] = []
        pos = 0
        for esc in lines:
            self.starts.append(pos)
            pos += len(esc) + 2
        self.b64 = "".join(rng.choices(B64, k=2 * MB))
        self.rng = rng

    def _line(self, rng: random.Random) -> str:
        w = self.WORDS
        k = rng.random()
        n = rng.randrange(100000)
        if k < 0.30:
            ind = " " * rng.choice((0, 4, 8, 12))
            return (
                f"{ind}def {rng.choice(w)}_{n}(self, {rng.choice(w)}: dict[str, int]) -> str:"
                f'  # "{rng.choice(w)}" {rng.choice(w)}'
            )
        if k < 0.45:
            return f"\t{rng.choice(w)}.{rng.choice(w)}({n}, '{rng.choice(w)}') \\ {n % 97}"
        if k < 0.60:
            return (
                f"2026-11-{1 + n % 28:02d} {n % 24:02d}:{n % 60:02d}:{n % 59:02d} INFO "
                f"worker[{n}] processed {n % 977} items in {n % 4096}ms"
            )
        if k < 0.66:
            return rng.choice(
                (
                    f'{{"usage": {{"input_tokens": {n}, "output_tokens": {n % 311}}}}}',
                    f"resp.usage.input_tokens += {n}  # track usage",
                    "Usage: aiusage [OPTIONS] COMMAND [ARGS]...",
                    f'"usage":{{"input_tokens":{n}}} appears in this log line',
                )
            )
        if k < 0.72:
            return rng.choice(
                (
                    f"→ step {n} done ✓ naïve café",
                    f"日本語のテキスト {n} — résumé",
                    f"🚀 deployed build #{n} 🎉",
                    f"C:\\Users\\dev\\project\\file_{n}.txt",
                )
            )
        return " ".join(rng.choices(w, k=rng.randint(4, 18))).capitalize() + "."

    def blob(self, nchars: int) -> str:
        """About ``nchars`` of escaped text: whole pool lines joined by an escaped newline."""
        text, starts = self.text, self.starts
        nchars = max(1, min(nchars, len(text) // 2))
        i = self.rng.randrange(len(starts))
        if starts[i] + nchars > len(text):
            i = bisect.bisect_right(starts, len(text) - nchars) - 1
        j = bisect.bisect_left(starts, starts[i] + nchars, lo=i + 1)
        end = starts[j] - 2 if j < len(starts) else len(text)
        return text[starts[i] : end]

    def base64(self, nchars: int) -> str:
        a = self.rng.randrange(len(self.b64) - nchars)
        return self.b64[a : a + nchars]


class Sink:
    """A JSONL file being written; counts bytes, lines and malformed/blank lines."""

    def __init__(self, path: Path, stats: Stats) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.f: BinaryIO = open(path, "wb", buffering=1 << 20)  # noqa: SIM115
        self.stats = stats
        self.bytes = 0
        self.malformed = 0
        self.blank = 0

    def write(self, line: str) -> None:
        b = line.encode("utf-8", "surrogateescape")
        self.f.write(b)
        self.f.write(b"\n")
        self.bytes += len(b) + 1
        self.stats.lines += 1

    def raw(self, data: bytes) -> None:
        self.f.write(data)
        self.bytes += len(data)

    def bad(self, line: str) -> None:
        self.malformed += 1
        self.write(line)

    def blank_line(self, line: str) -> None:
        self.blank += 1
        self.write(line)

    def close(self, crash_line: str | None = None) -> None:
        """Close; ``crash_line`` is written truncated and without a newline (a crash)."""
        if crash_line is not None:
            cut = crash_line[: max(10, len(crash_line) * 2 // 3)]
            self.raw(cut.encode())
            self.malformed += 1
            self.stats.lines += 1
        self.f.close()
        self.stats.bytes += self.bytes
        self.stats.files += 1
        self.stats.malformed += self.malformed
        self.stats.blank += self.blank


@dataclass
class Stats:
    """Per-agent counters for the meta section."""

    bytes: int = 0
    files: int = 0
    lines: int = 0
    malformed: int = 0
    blank: int = 0
    sessions: int = 0


class Tally:
    """Per-day (and per-day-per-model) token sums."""

    def __init__(self, fields: tuple[str, ...]) -> None:
        self.fields = fields
        self.days: dict[str, dict[str, int]] = {}
        self.models: dict[str, dict[str, dict[str, int]]] = {}

    def add(self, t: float, model: str, vals: dict[str, int]) -> None:
        d = day_of(t)
        for target in (
            self.days.setdefault(d, dict.fromkeys(self.fields, 0)),
            self.models.setdefault(d, {}).setdefault(model, dict.fromkeys(self.fields, 0)),
        ):
            for k, v in vals.items():
                target[k] += v
            target["events"] += 1

    def report(self) -> dict[str, Any]:
        totals = dict.fromkeys(self.fields, 0)
        for vals in self.days.values():
            for k, v in vals.items():
                totals[k] += v
        return {
            "days": dict(sorted(self.days.items())),
            "totals": totals,
            "models_by_day": {d: dict(sorted(m.items())) for d, m in sorted(self.models.items())},
        }


# --------------------------------------------------------------------------- Claude Code


@dataclass
class ClaudeSession:
    """State of one Claude Code transcript being written."""

    sid: str
    cwd: str
    model: str
    version: str
    branch: str
    sink: Sink
    t: float
    ctx: int
    ctx_ceiling: int
    ttl_1h: float = 0.0
    legacy: bool = False
    trap_day: bool = False
    sidechain: bool = False
    agent_id: str | None = None
    parent: str | None = None
    checkpoints: list[tuple[int, int, int, float]] = field(default_factory=list)
    replayable: list[dict[str, Any]] = field(default_factory=list)


class ClaudeGen:
    """Writes Claude Code sessions and tallies what must be counted."""

    def __init__(self, root: Path, rng: random.Random, pool: TextPool) -> None:
        self.root = root / "claude" / "projects"
        self.rng = rng
        self.ids = Ids(rng)
        self.pool = pool
        self.stats = Stats()
        self.tally = Tally(CLAUDE_FIELDS)
        self.traps: dict[str, Tally] = defaultdict(lambda: Tally(CLAUDE_FIELDS))
        self.counts: dict[str, int] = defaultdict(int)
        self.resumable: list[tuple[Path, ClaudeSession]] = []

    # -- envelopes

    def _env(self, s: ClaudeSession, typ: str, t: float, message: Any, **extra: Any) -> dict:
        uid = self.ids.uuid()
        d: dict[str, Any] = {
            "parentUuid": s.parent,
            "isSidechain": s.sidechain,
            "userType": "external",
            "cwd": s.cwd,
            "sessionId": s.sid,
            "version": s.version,
            "gitBranch": s.branch,
        }
        if s.agent_id:
            d["agentId"] = s.agent_id
        d["message"] = message
        d.update(extra)
        d["type"] = typ
        d["uuid"] = uid
        d["timestamp"] = iso(t)
        s.parent = uid
        return d

    def _user_prompt(self, s: ClaudeSession) -> None:
        rng = self.rng
        msg = {"role": "user", "content": "@@0@@"}
        line = render(self._env(s, "user", s.t, msg), (self.pool.blob(rng.randint(40, 1500)),))
        s.sink.write(line)

    def _tool_result(self, s: ClaudeSession, tool_id: str, size: int, extra: Any = None) -> None:
        msg = {
            "role": "user",
            "content": [
                {
                    "tool_use_id": tool_id,
                    "type": "tool_result",
                    "content": "@@0@@",
                    "is_error": self.rng.random() < 0.05,
                }
            ],
        }
        result = extra or {
            "stdout": "@@0@@",
            "stderr": "",
            "interrupted": False,
            "isImage": False,
        }
        env = self._env(s, "user", s.t, msg, toolUseResult=result)
        s.sink.write(render(env, (self.pool.blob(size),)))

    def _snapshot(self, s: ClaudeSession, size: int) -> None:
        """A file-history-snapshot line: no usage, can be very large."""
        rng = self.rng
        backups = {}
        n = max(1, size // 900)
        for i in range(n):
            path = f"{s.cwd}/src/{rng.choice(TextPool.WORDS)}/module_{i}_{rng.randrange(999)}.py"
            backups[path] = {
                "backupFileName": f"{self.ids.hexid(16)}@v{rng.randint(1, 9)}",
                "version": rng.randint(1, 9),
                "backupTime": iso(s.t - rng.uniform(0, 3600)),
                "content": "@@0@@",
            }
        mid = self.ids.uuid()
        obj = {
            "type": "file-history-snapshot",
            "messageId": mid,
            "snapshot": {"messageId": mid, "trackedFileBackups": backups, "timestamp": iso(s.t)},
            "isSnapshotUpdate": rng.random() < 0.5,
        }
        s.sink.write(render(obj, (self.pool.blob(700),)))

    def _usage_numbers(self, s: ClaudeSession) -> dict[str, int]:
        """Token numbers for one API response, growing the session's context."""
        rng = self.rng
        if s.ctx > s.ctx_ceiling:  # auto-compact
            s.ctx = rng.randint(18_000, 45_000)
            self.counts["claude_compactions"] += 1
        if rng.random() < 0.04:  # cache miss: everything is uncached input or re-written
            inp, cc, cr = rng.randint(2_000, 30_000), s.ctx, 0
        else:
            inp = (
                rng.choice((1, 2, 3, 4, 5, 6, 8, 10))
                if rng.random() < 0.9
                else rng.randint(50, 4_000)
            )
            cc = int(rng.lognormvariate(7.6, 1.0)) + 100  # ~2k median, long tail
            cr = s.ctx
        out = max(8, int(rng.lognormvariate(5.8, 1.1)))
        s.ctx = cr + cc + out // 2 + rng.randint(0, 3_000)
        h1 = 0
        if s.ttl_1h and rng.random() < s.ttl_1h:
            h1 = cc if rng.random() < 0.7 else cc // 3
        return {
            "input_tokens": inp,
            "output_tokens": out,
            "cache_creation_tokens": cc,
            "cache_read_tokens": cr,
            "cache_creation_5m_tokens": cc - h1,
            "cache_creation_1h_tokens": h1,
        }

    def _usage_obj(self, s: ClaudeSession, u: dict[str, int], out: int, cc_null: bool) -> dict:
        d: dict[str, Any] = {
            "input_tokens": u["input_tokens"],
            "cache_creation_input_tokens": u["cache_creation_tokens"],
            "cache_read_input_tokens": u["cache_read_tokens"],
        }
        if cc_null:
            d["cache_creation"] = None
        elif not s.legacy:
            d["cache_creation"] = {
                "ephemeral_5m_input_tokens": u["cache_creation_5m_tokens"],
                "ephemeral_1h_input_tokens": u["cache_creation_1h_tokens"],
            }
        d["output_tokens"] = out
        d["service_tier"] = "standard"
        return d

    def _block(self, s: ClaudeSession, kind: str) -> tuple[dict, tuple[str, ...], str | None]:
        rng, pool = self.rng, self.pool
        if kind == "thinking":
            blk = {"type": "thinking", "thinking": "@@0@@", "signature": "@@1@@"}
            blobs = (pool.blob(rng.randint(300, 6000)), pool.base64(rng.randint(200, 900)))
            return blk, blobs, None
        if kind == "text":
            return {"type": "text", "text": "@@0@@"}, (pool.blob(rng.randint(80, 4000)),), None
        tool_id = self.ids.tok("toolu_01", 22)
        name = "Task" if kind == "task" else rng.choice(TOOLS)
        if name in ("Edit", "Write"):
            inp = {
                "file_path": f"{s.cwd}/src/{rng.choice(TextPool.WORDS)}.py",
                "old_string": "@@0@@",
                "new_string": "@@0@@",
            }
            size = rng.randint(200, 8000)
        elif name == "Task":
            inp = {
                "description": "Explore the codebase",
                "prompt": "@@0@@",
                "subagent_type": rng.choice(("Explore", "general-purpose", "Plan")),
            }
            size = rng.randint(200, 2000)
        else:
            inp = {"command": "@@0@@", "description": "Run a command"}
            size = rng.randint(30, 600)
        blk = {"type": "tool_use", "id": tool_id, "name": name, "input": inp}
        return blk, (pool.blob(size),), tool_id

    def _response(self, s: ClaudeSession, want_task: bool = False) -> list[str]:
        """One API response as 1-4 lines; returns the tool_use ids it asked for."""
        rng = self.rng
        s.t += rng.uniform(2, 25)
        u = self._usage_numbers(s)
        kinds: list[str] = []
        if rng.random() < 0.6:
            kinds.append("thinking")
        if rng.random() < 0.6:
            kinds.append("text")
        ntools = 0 if rng.random() < 0.15 else (1 if rng.random() < 0.8 else 2)
        kinds += ["tool"] * ntools
        if want_task:
            kinds.append("task")
        kinds = kinds[-4:] or ["text"]
        n = len(kinds)
        times = [s.t]
        for _ in range(n - 1):
            times.append(times[-1] + rng.uniform(0.2, 4.0))
        s.t = times[-1]
        final = u["output_tokens"]
        same_usage = n > 1 and rng.random() < 0.3 and day_of(times[0]) == day_of(times[-1])
        if same_usage or n == 1:
            outs = [final] * n
        else:  # streamed partial usage: strictly increasing, strictly below the final count
            u["output_tokens"] = final = max(final, 4 * n)
            outs = [*sorted(rng.sample(range(1, final), n - 1)), final]
        single = n == 1
        c = self.counts
        spaced = single and s.trap_day and (c["claude_spaced_json"] < 2 or rng.random() < 0.015)
        cost_null = (
            single
            and s.trap_day
            and not spaced
            and (c["claude_costusd_null"] < 2 or rng.random() < 0.02)
        )
        c["claude_spaced_json"] += spaced
        c["claude_costusd_null"] += cost_null
        cc_null = single and not spaced and not cost_null and rng.random() < 0.01
        msg_id, req_id = self.ids.tok("msg_01", 22), self.ids.tok("req_011C", 20)
        tool_ids: list[str] = []
        for i, kind in enumerate(kinds):
            blk, blobs, tool_id = self._block(s, kind)
            if tool_id:
                tool_ids.append(tool_id)
            last = i == n - 1
            msg = {
                "model": s.model,
                "id": msg_id,
                "type": "message",
                "role": "assistant",
                "content": [blk],
                "stop_reason": ("tool_use" if tool_ids else "end_turn") if last else None,
                "stop_sequence": None,
                "usage": self._usage_obj(s, u, outs[i], cc_null),
            }
            extra: dict[str, Any] = {"requestId": req_id}
            if s.legacy:
                extra["costUSD"] = round(self._rough_cost(s.model, u), 6)
            if cost_null:
                extra["costUSD"] = None
            env = self._env(s, "assistant", times[i], msg, **extra)
            s.sink.write(render(env, blobs, spaced=spaced))
            if last and not (spaced or cost_null or cc_null):
                msg = dict(msg, content=[{"type": "text", "text": "(replayed)"}])
                s.replayable.append(dict(env, message=msg))
                del s.replayable[:-8]
        self.tally.add(times[-1], s.model, u)
        for trap, on in (
            ("spaced_json", spaced),
            ("costusd_null", cost_null),
            ("cache_creation_null", cc_null),
            ("costusd_present", s.legacy),
            ("streamed_partial_usage", n > 1 and not same_usage),
            ("subagent", s.sidechain),
        ):
            if on:
                self.traps[trap].add(times[-1], s.model, u)
        if u["input_tokens"] + u["cache_creation_tokens"] + u["cache_read_tokens"] > 200_000:
            self.traps["over_200k_input"].add(times[-1], s.model, u)
        return tool_ids

    @staticmethod
    def _rough_cost(model: str, u: dict[str, int]) -> float:
        rate = (
            5.0
            if "opus-4-5" in model
            else 15.0
            if "opus" in model
            else (3.0 if "sonnet" in model else 1.0)
        )
        return (
            u["input_tokens"] * rate
            + u["output_tokens"] * rate * 5
            + u["cache_creation_5m_tokens"] * rate * 1.25
            + u["cache_creation_1h_tokens"] * rate * 2
            + u["cache_read_tokens"] * rate * 0.1
        ) / 1e6

    def _api_error(self, s: ClaudeSession) -> None:
        s.t += self.rng.uniform(1, 10)
        reset = (int(s.t) // 18000 + 1) * 18000
        msg = {
            "id": self.ids.uuid(),
            "container": None,
            "model": "<synthetic>",
            "role": "assistant",
            "stop_reason": "stop_sequence",
            "stop_sequence": "",
            "type": "message",
            "usage": {
                "input_tokens": 0,
                "output_tokens": 0,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
                "server_tool_use": {"web_search_requests": 0},
                "service_tier": None,
                "cache_creation": {"ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": 0},
            },
            "content": [{"type": "text", "text": f"Claude AI usage limit reached|{reset}"}],
        }
        s.sink.write(render(self._env(s, "assistant", s.t, msg, isApiErrorMessage=True)))
        self.counts["claude_api_errors"] += 1
        s.t = max(s.t, reset + self.rng.uniform(60, 3600)) if self.rng.random() < 0.3 else s.t

    def _malformed(self, s: ClaudeSession) -> None:
        rng = self.rng
        k = rng.random()
        if k < 0.35:
            s.sink.blank_line(rng.choice(BLANKS))
        elif k < 0.7:
            msg = {"role": "user", "content": "@@0@@"}
            line = render(self._env(s, "user", s.t, msg), (self.pool.blob(400),))
            s.sink.bad(line[: rng.randint(20, len(line) - 5)])
        elif k < 0.97:
            s.sink.bad(rng.choice(GARBAGE))
        else:
            s.sink.bad("\udcff\udcfe invalid utf-8 \udcc3")  # raw bytes FF FE .. C3

    def _subagent(self, s: ClaudeSession, task_tool_id: str) -> None:
        """A Task subagent transcript under <sid>/subagents/, then the Task's tool_result."""
        rng = self.rng
        aid = self.ids.hexid(8)
        path = s.sink.path.with_suffix("") / "subagents" / f"agent-{aid}.jsonl"
        sub = ClaudeSession(
            sid=s.sid,
            cwd=s.cwd,
            model=HAIKU if rng.random() < 0.5 else s.model,
            version=s.version,
            branch=s.branch,
            sink=Sink(path, self.stats),
            t=s.t + 1,
            ctx=rng.randint(9_000, 20_000),
            ctx_ceiling=120_000,
            ttl_1h=s.ttl_1h,
            sidechain=True,
            agent_id=aid,
        )
        if s.replayable and rng.random() < 0.5:  # sidechain replay of a parent message
            src = rng.choice(s.replayable)
            replay = dict(
                src,
                isSidechain=True,
                agentId=aid,
                parentUuid=None,
                requestId=self.ids.tok("req_011C", 20),
                uuid=self.ids.uuid(),
            )
            sub.sink.write(render(replay))
            self.counts["claude_sidechain_replays"] += 1
        self._user_prompt(sub)
        for _ in range(rng.randint(2, 12)):
            for tid in self._response(sub):
                sub.t += rng.uniform(0.5, 8)
                self._tool_result(sub, tid, int(rng.lognormvariate(7.5, 1.2)))
        sub.sink.close()
        self.counts["claude_subagent_files"] += 1
        s.t = sub.t + rng.uniform(1, 5)
        # The Task result line carries a usage object of its own: never count user lines.
        result = {
            "status": "completed",
            "prompt": "Explore the codebase",
            "agentId": aid,
            "content": [{"type": "text", "text": "@@0@@"}],
            "totalDurationMs": int((s.t - sub.t) * 1000) + 4000,
            "totalTokens": sub.ctx,
            "totalToolUseCount": 7,
            "usage": {
                "input_tokens": 5,
                "cache_creation_input_tokens": 1234,
                "cache_read_input_tokens": sub.ctx,
                "output_tokens": 321,
                "service_tier": "standard",
                "cache_creation": {
                    "ephemeral_5m_input_tokens": 1234,
                    "ephemeral_1h_input_tokens": 0,
                },
            },
        }
        self._tool_result(s, task_tool_id, rng.randint(300, 3000), extra=result)

    def session(
        self,
        start: float,
        target_bytes: int | None = None,
        steps: int | None = None,
        snapshot_rate: float = 0.02,
    ) -> None:
        """Write one session (possibly resuming an earlier one).

        Traps that change ccusage's cost by design (costUSD sessions, >200k requests, spaced
        JSON, costUSD:null) only start on every third UTC day, so the other days compare
        pricing alone. The huge session (``target_bytes``) has none of them.
        """
        rng = self.rng
        nth = self.stats.sessions  # every trap shows up even in a tiny corpus
        trap_day = target_bytes is None and int(start // 86_400) % 3 == 0
        resume = None
        if self.resumable and target_bytes is None and (nth % 12 == 4 or rng.random() < 0.06):
            resume = self.resumable.pop(rng.randrange(len(self.resumable)))
        if resume:
            src_path, src = resume
            cwd, model, version, branch = src.cwd, src.model, src.version, src.branch
        else:
            cwd = rng.choice(PROJECT_CWDS)
            model = rng.choices(list(CLAUDE_MODELS), [w for w, _ in CLAUDE_MODELS.values()])[0]
            legacy = trap_day and self.counts["claude_costusd_sessions"] * 40 < nth + 30
            self.counts["claude_costusd_sessions"] += legacy
            version = f"1.0.{rng.randint(30, 99)}" if legacy else f"2.0.{rng.randint(20, 76)}"
            branch = rng.choice(("main", "dev", "feature/usage", "fix/parser"))
        sid = self.ids.uuid()
        path = self.root / encode_cwd(cwd) / f"{sid}.jsonl"
        ceiling = CLAUDE_MODELS[model][1]
        if trap_day and not resume and self.counts["claude_long_context_sessions"] == 0:
            model = SONNET
        if model == SONNET and trap_day and rng.random() < 0.6:
            self.counts["claude_long_context_sessions"] += 1
            ceiling = rng.randint(260_000, 600_000)  # 1M-context sessions: >200k tier
        s = ClaudeSession(
            sid=sid,
            cwd=cwd,
            model=model,
            version=version,
            branch=branch,
            sink=Sink(path, self.stats),
            t=start,
            ctx=rng.randint(12_000, 28_000),
            ctx_ceiling=ceiling,
            ttl_1h=rng.choice((0.0, 0.0, 0.0, 0.5, 1.0)),
            legacy=version.startswith("1."),
            trap_day=trap_day,
        )
        if resume:
            s.sink.write(
                render(
                    {"type": "summary", "summary": "@@0@@", "leafUuid": self.ids.uuid()},
                    (self.pool.blob(90),),
                )
            )
            self._copy_prefix(s, src_path, src)
        self.stats.sessions += 1
        if steps is None:
            steps = min(250, max(2, int(rng.lognormvariate(3.0, 1.0))))
        step = 0
        while (target_bytes is not None and s.sink.bytes < target_bytes) or (
            target_bytes is None and step < steps
        ):
            step += 1
            if step == 1 or rng.random() < 0.12:
                s.t += rng.uniform(20, 900) if step > 1 else 0
                self._user_prompt(s)
                if rng.random() < snapshot_rate * 5:
                    self._snapshot(s, int(rng.lognormvariate(9.5, 1.6)))
            if rng.random() < snapshot_rate:
                self._snapshot(s, int(rng.lognormvariate(10.5 + 8 * snapshot_rate, 1.3)))
            if rng.random() < 0.004:
                self._api_error(s)
            want_task = rng.random() < 0.025
            tool_ids = self._response(s, want_task=want_task)
            for j, tid in enumerate(tool_ids):
                s.t += rng.uniform(0.3, 30)
                if want_task and j == len(tool_ids) - 1:
                    self._subagent(s, tid)
                else:
                    self._tool_result(s, tid, int(rng.lognormvariate(7.6, 1.3)))
            if rng.random() < 0.01:
                self._malformed(s)
            if rng.random() < 0.02:
                s.sink.write(
                    render(
                        {"type": "summary", "summary": "@@0@@", "leafUuid": s.parent},
                        (self.pool.blob(80),),
                    )
                )
            s.checkpoints.append((s.sink.bytes, s.sink.malformed, s.sink.blank, s.t))
        crash = None
        if nth % 20 == 7 or rng.random() < 0.02:  # crashed mid-write: truncated, no newline
            msg = {
                "model": s.model,
                "id": self.ids.tok("msg_01", 22),
                "type": "message",
                "role": "assistant",
                "content": [{"type": "text", "text": "@@0@@"}],
                "usage": self._usage_obj(s, self._usage_numbers(s), 50, False),
            }
            crash = render(
                self._env(s, "assistant", s.t + 3, msg, requestId=self.ids.tok("req_011C", 20)),
                (self.pool.blob(500),),
            )
            self.counts["claude_crashed_files"] += 1
        s.sink.close(crash)
        if not resume and not s.legacy and target_bytes is None and s.checkpoints:
            s.replayable = []
            self.resumable.append((path, s))
            del self.resumable[:-50]

    def _copy_prefix(self, s: ClaudeSession, src_path: Path, src: ClaudeSession) -> None:
        """A resumed session first copies earlier lines of another one verbatim."""
        k = self.rng.randrange(len(src.checkpoints))
        nbytes, malformed, blank, t_end = src.checkpoints[k]
        with open(src_path, "rb") as f:
            s.sink.raw(f.read(nbytes))
        s.sink.malformed += malformed
        s.sink.blank += blank
        s.t = max(src.checkpoints[-1][3], t_end) + self.rng.uniform(120, 6 * 3600)
        self.counts["claude_resumed_sessions"] += 1
        self.counts["claude_resume_copied_bytes"] += nbytes


# --------------------------------------------------------------------------- Codex CLI


@dataclass
class CodexParent:
    """What a fork needs from its parent: the token_count rows written, in order."""

    sid: str
    rows: list[tuple[float, dict]]
    totals_at: list[dict[str, int]]


class CodexGen:
    """Writes Codex CLI rollouts and tallies what must be counted."""

    def __init__(self, root: Path, rng: random.Random, pool: TextPool) -> None:
        self.root = root / "codex"
        self.rng = rng
        self.ids = Ids(rng)
        self.pool = pool
        self.stats = Stats()
        self.tally = Tally(CODEX_FIELDS)
        self.traps: dict[str, Tally] = defaultdict(lambda: Tally(CODEX_FIELDS))
        self.counts: dict[str, int] = defaultdict(int)
        self.parents: list[CodexParent] = []

    def _line(self, sink: Sink, t: float, typ: str, payload: dict, blobs: tuple = ()) -> None:
        sink.write(render({"timestamp": iso(t), "type": typ, "payload": payload}, blobs))

    def _rate_limits(self, t: float, used: float) -> dict:
        return {
            "primary": {
                "used_percent": round(used, 1),
                "window_minutes": 300,
                "resets_at": (int(t) // 18000 + 1) * 18000,
            },
            "secondary": {
                "used_percent": round(min(100.0, used / 3 + 20), 1),
                "window_minutes": 10080,
                "resets_at": (int(t) // 604800 + 1) * 604800,
            },
        }

    def _fork_time(self, parent: CodexParent) -> float:
        """A whole second after one of the parent's rows and before the next one."""
        rows = parent.rows
        gaps = [
            k for k in range(len(rows)) if k + 1 == len(rows) or rows[k + 1][0] - rows[k][0] >= 3
        ]
        k = self.rng.choice(gaps)
        gap = rows[k + 1][0] - rows[k][0] if k + 1 < len(rows) else 600.0
        return float(int(rows[k][0]) + 1 + self.rng.randrange(max(1, int(gap) - 2)))

    def session(self, start: float) -> None:
        """Write one rollout: plain, old-format, archived, or a fork of an earlier one."""
        rng = self.rng
        nth = self.stats.sessions  # every trap shows up even in a tiny corpus
        fork = None
        if self.parents and (nth % 10 == 3 or rng.random() < 0.08):
            fork = rng.choice(self.parents)
            start = self._fork_time(fork)
        old = fork is None and (nth % 15 == 1 or rng.random() < 0.04)
        archived = nth % 12 == 2 or rng.random() < 0.04
        sid = self.ids.uuid()
        stamp = time.strftime("%Y-%m-%dT%H-%M-%S", time.gmtime(int(start)))
        name = f"rollout-{stamp}-{sid}.jsonl"
        if archived:
            path = self.root / "archived_sessions" / name
        else:
            path = self.root / "sessions" / time.strftime("%Y/%m/%d", time.gmtime(start)) / name
        sink = Sink(path, self.stats)
        self.stats.sessions += 1
        cwd = rng.choice(PROJECT_CWDS)
        t = float(int(start))
        meta: dict[str, Any] = {
            "id": sid,
            "timestamp": iso(t),
            "cwd": cwd,
            "originator": "codex_cli_rs",
            "cli_version": "0.30.0" if old else f"0.{rng.randint(50, 66)}.0",
            "instructions": "@@0@@",
            "source": "cli",
            "model_provider": "openai",
            "git": {
                "commit_hash": self.ids.hexid(40),
                "branch": "main",
                "repository_url": "git@github.com:acme/repo.git",
            },
        }
        if fork:
            meta["forked_from_id"] = fork.sid
        self._line(sink, t, "session_meta", meta, (self.pool.blob(rng.randint(2000, 9000)),))
        totals = dict.fromkeys(
            (
                "input_tokens",
                "cached_input_tokens",
                "output_tokens",
                "reasoning_output_tokens",
                "total_tokens",
            ),
            0,
        )
        rows: list[tuple[float, dict]] = []
        totals_at: list[dict[str, int]] = []
        if fork:  # replay the parent's history at the child's creation second
            self.counts["codex_forks"] += 1
            for _ in range(rng.randint(1, 4)):
                self._line(
                    sink,
                    t + rng.uniform(0, 0.5),
                    "response_item",
                    {
                        "type": "message",
                        "role": "user",
                        "content": [{"type": "input_text", "text": "@@0@@"}],
                    },
                    (self.pool.blob(rng.randint(200, 6000)),),
                )
            replayed = [r for r in fork.rows if r[0] <= start]
            for _, row in replayed:
                self._line(sink, t + rng.uniform(0, 0.9), "event_msg", row)
                self.counts["codex_replayed_rows"] += 1
            last_tot = fork.totals_at[len(replayed) - 1] if replayed else None
            if last_tot:
                totals = dict(last_tot)
        used = rng.uniform(0, 60)
        self._line(
            sink,
            t + 0.2,
            "event_msg",
            {"type": "token_count", "info": None, "rate_limits": self._rate_limits(t, used)},
        )
        model = rng.choice(CODEX_MODELS)
        ctx = rng.randint(6_000, 14_000)
        t += rng.uniform(5, 60)
        for _turn in range(max(1, int(rng.lognormvariate(1.2, 0.8)))):
            if rng.random() < 0.15:
                model = rng.choice(CODEX_MODELS)
            self._line(
                sink,
                t,
                "turn_context",
                {
                    "cwd": cwd,
                    "approval_policy": "on-request",
                    "sandbox_policy": {"mode": "workspace-write"},
                    "model": model,
                    "effort": rng.choice(("low", "medium", "high")),
                    "summary": "auto",
                },
            )
            prompt = self.pool.blob(rng.randint(50, 1200))
            self._line(
                sink,
                t,
                "response_item",
                {
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": "@@0@@"}],
                },
                (prompt,),
            )
            self._line(
                sink,
                t,
                "event_msg",
                {"type": "user_message", "message": "@@0@@", "images": []},
                (prompt,),
            )
            for step in range(max(1, int(rng.lognormvariate(1.6, 0.8)))):
                t += rng.uniform(2, 40)
                self._line(
                    sink,
                    t,
                    "response_item",
                    {
                        "type": "reasoning",
                        "summary": [{"type": "summary_text", "text": "@@0@@"}],
                        "content": None,
                        "encrypted_content": "@@1@@",
                    },
                    (
                        self.pool.blob(rng.randint(100, 1500)),
                        self.pool.base64(rng.randint(500, 6000)),
                    ),
                )
                call_id = self.ids.tok("call_", 24)
                self._line(
                    sink,
                    t,
                    "response_item",
                    {
                        "type": "function_call",
                        "name": "shell",
                        "arguments": "@@0@@",
                        "call_id": call_id,
                    },
                    (self.pool.blob(rng.randint(40, 600)),),
                )
                # one model request -> one token_count
                if ctx > 250_000:
                    ctx = rng.randint(20_000, 40_000)
                inp = ctx
                cached = (
                    0
                    if (step == 0 and rng.random() < 0.3)
                    else (min(inp, int(ctx * rng.uniform(0.75, 0.98))) // 64 * 64)
                )
                out = max(20, int(rng.lognormvariate(5.9, 1.0)))
                reasoning = int(out * rng.uniform(0, 0.8)) if rng.random() < 0.8 else 0
                last = {
                    "input_tokens": inp,
                    "cached_input_tokens": cached,
                    "output_tokens": out,
                    "reasoning_output_tokens": reasoning,
                    "total_tokens": inp + out,
                }
                for k in totals:
                    totals[k] += last[k]
                info: dict[str, Any] = {"total_token_usage": dict(totals)}
                if not old:
                    info["last_token_usage"] = last
                    info["model_context_window"] = 272_000
                payload: dict[str, Any] = {"type": "token_count", "info": info}
                if not old:
                    used = min(100.0, used + rng.uniform(0, 1.5))
                    payload["rate_limits"] = self._rate_limits(t, used)
                self._line(sink, t, "event_msg", payload)
                rows.append((t, payload))
                totals_at.append(dict(totals))
                vals = {
                    "input_tokens": inp - cached,
                    "output_tokens": out,
                    "cache_creation_tokens": 0,
                    "cache_read_tokens": cached,
                    "cache_creation_5m_tokens": 0,
                    "cache_creation_1h_tokens": 0,
                    "reasoning_tokens": reasoning,
                }
                self.tally.add(t, model, vals)
                if old:
                    self.traps["old_format_totals_only"].add(t, model, vals)
                if fork:
                    self.traps["fork_own_usage"].add(t, model, vals)
                if rng.random() < 0.15:  # Codex repeats the same token_count
                    t_dup = t + rng.uniform(0, 0.05)
                    self._line(sink, t_dup, "event_msg", payload)
                    rows.append((t_dup, payload))
                    totals_at.append(dict(totals))
                    self.counts["codex_duplicate_rows"] += 1
                t += rng.uniform(0.5, 20)
                result = self.pool.blob(int(rng.lognormvariate(8.0, 1.3)))
                self._line(
                    sink,
                    t,
                    "response_item",
                    {"type": "function_call_output", "call_id": call_id, "output": "@@0@@"},
                    (result,),
                )
                ctx = inp + out + len(result) // 4
                if rng.random() < 0.01:
                    sink.bad(rng.choice(GARBAGE))
                if rng.random() < 0.004:
                    sink.blank_line(rng.choice(BLANKS))
            msg = self.pool.blob(rng.randint(100, 3000))
            self._line(sink, t, "event_msg", {"type": "agent_message", "message": "@@0@@"}, (msg,))
            self._line(
                sink,
                t,
                "response_item",
                {
                    "type": "message",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": "@@0@@"}],
                },
                (msg,),
            )
            if rng.random() < 0.2:
                self._line(
                    sink,
                    t + 1,
                    "event_msg",
                    {
                        "type": "token_count",
                        "info": None,
                        "rate_limits": self._rate_limits(t, used),
                    },
                )
            t += rng.uniform(30, 1800)
        crash = None
        if nth % 20 == 5 or rng.random() < 0.02:
            crash = render(
                {
                    "timestamp": iso(t),
                    "type": "response_item",
                    "payload": {
                        "type": "message",
                        "role": "assistant",
                        "content": [{"type": "output_text", "text": "@@0@@"}],
                    },
                },
                (self.pool.blob(600),),
            )
            self.counts["codex_crashed_files"] += 1
        sink.close(crash)
        if archived:
            self.counts["codex_archived"] += 1
        if old:
            self.counts["codex_old_format"] += 1
        if not old and rows and not fork:
            self.parents.append(CodexParent(sid, rows, totals_at))
            del self.parents[:-40]


# --------------------------------------------------------------------------- driver


def _starts(rng: random.Random, t0: float, t1: float) -> float:
    """A session start: uniform over the range, weighted towards working hours."""
    while True:
        t = rng.uniform(t0, t1)
        hour = time.gmtime(int(t)).tm_hour
        if rng.random() < (1.0 if 7 <= hour <= 22 else 0.35):
            return t


ALL_AGENTS = ("claude", "codex", "gemini", "opencode", "amp", "qwen", "kimi", "droid")
OTHER_SHARE = 0.03  # bytes of each other agent's home, as a share of --size-mb


def generate(
    out: Path,
    size_mb: float,
    seed: int,
    days: int,
    end: dt.date,
    agents: tuple[str, ...] = ALL_AGENTS,
) -> dict[str, Any]:
    """Write the corpus under ``out`` and return the expected-totals document.

    Claude Code and Codex share ``--size-mb`` (80/20); each other agent adds about
    ``OTHER_SHARE`` of it, written afterwards with its own random stream, so adding agents
    never changes the Claude and Codex files of a seed.
    """
    rng = random.Random(seed)
    pool = TextPool(random.Random(seed ^ 0x5EED))
    t_end = dt.datetime(end.year, end.month, end.day, tzinfo=dt.UTC).timestamp() + 86_400
    t_start = t_end - days * 86_400
    target = int(size_mb * MB)
    claude = ClaudeGen(out, rng, pool)
    codex = CodexGen(out, rng, pool)
    claude_target = int(target * 0.8) if "claude" in agents else 0
    codex_target = target - int(target * 0.8) if "codex" in agents else 0
    if claude_target:
        # one huge session (>= 10% of the corpus) that runs across midnight
        claude.session(
            t_end - 7 * 86_400 + 3600 * 20, target_bytes=int(target * 0.12), snapshot_rate=0.08
        )
        claude.counts["claude_huge_session_bytes"] = claude.stats.bytes
    while claude.stats.bytes < claude_target or codex.stats.bytes < codex_target:
        if claude.stats.bytes < claude_target and (
            codex.stats.bytes >= codex_target or rng.random() < 0.75
        ):
            claude.session(_starts(rng, t_start, t_end - 3 * 3600))
        else:
            codex.session(_starts(rng, t_start, t_end - 3 * 3600))

    def section(gen: ClaudeGen | CodexGen) -> dict[str, Any]:
        rep = gen.tally.report()
        rep["malformed_lines"] = gen.stats.malformed
        rep["blank_lines"] = gen.stats.blank
        rep["traps"] = {k: v.report()["days"] for k, v in sorted(gen.traps.items())}
        rep["stats"] = {**vars(gen.stats), **dict(sorted(gen.counts.items()))}
        return rep

    sections: dict[str, Any] = {}
    if "claude" in agents:
        sections["claude"] = section(claude)
    if "codex" in agents:
        sections["codex"] = section(codex)
    rules = list(RULES)
    others = [a for a in ALL_AGENTS[2:] if a in agents]
    if others:
        import gen_agents  # bench/ is on sys.path when this file runs as a script

        other_rng = random.Random(seed ^ 0xA6E7)
        sections.update(
            gen_agents.generate_agents(
                out,
                others,
                seed,
                pool,
                lambda: _starts(other_rng, t_start, t_end - 3 * 3600),
                int(target * OTHER_SHARE),
            )
        )
        rules += gen_agents.RULES
    return {
        "meta": {
            "generator": "bench/gen_corpus.py",
            "seed": seed,
            "size_mb": size_mb,
            "days": days,
            "end": end.isoformat(),
            "agents": list(sections),
            "bytes": sum(sec["stats"]["bytes"] for sec in sections.values()),
            "rules": rules,
            "known_peer_differences": KNOWN_PEER_DIFFERENCES,
        },
        **sections,
    }


RULES = [
    "Days are UTC dates.",
    "Claude: one API response = one event, keyed by message.id+requestId; the copy with the "
    "most tokens (input+output+cache_creation+cache_read) wins and its timestamp dates it. "
    "Partial copies are strictly smaller, so that copy is always the last line of the response.",
    "Claude: resumed-session copies (same ids, timestamps, sessionId) are not counted again.",
    "Claude: subagent files (isSidechain:true, own message ids) are counted; a sidechain line "
    "repeating a parent message.id under a new requestId (same timestamp) is not.",
    "Claude: user lines are never counted, even when toolUseResult carries a usage object.",
    "Claude: <synthetic> isApiErrorMessage lines have zero usage and are not events.",
    "Claude: JSON with spaces after colons, costUSD:null and cache_creation:null are valid and "
    "counted; with cache_creation null (or absent) all cache writes count as 5m.",
    "Codex: per token_count, use last_token_usage, or the difference of total_token_usage when "
    "last is absent; a row repeating the previous totals is not counted; info:null is rate "
    "limits only.",
    "Codex: input_tokens = input - cached, cache_read_tokens = cached, output_tokens includes "
    "reasoning_tokens.",
    "Codex: a fork (session_meta.forked_from_id) first replays its parent's token_count rows at "
    "its creation second; those are not counted, its own later rows are.",
    "malformed_lines: non-blank lines that do not parse (incl. a crash-truncated last line "
    "without newline and invalid UTF-8); blank_lines: empty or whitespace-only lines.",
    "traps.<kind>: the per-day usage of the counted events that carry that trap.",
]

KNOWN_PEER_DIFFERENCES = {
    "ccusage": {
        "claude": {
            "missed_traps": ["spaced_json", "costusd_null"],
            "why": "byte pre-filter needs '\"usage\":{' (no space); lines with a null in "
            "costUSD/id/model/requestId/... are skipped",
        },
        "codex": {"missed_traps": [], "why": ""},
    }
}


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--size-mb", type=float, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--end", type=dt.date.fromisoformat, default=dt.date(2026, 11, 20))
    ap.add_argument(
        "--agents",
        default=",".join(ALL_AGENTS),
        help=f"comma-separated subset of {','.join(ALL_AGENTS)} (default: all)",
    )
    args = ap.parse_args(argv)
    agents = tuple(a.strip() for a in args.agents.split(",") if a.strip())
    if unknown := set(agents) - set(ALL_AGENTS):
        ap.error(f"unknown agents: {', '.join(sorted(unknown))}")
    if args.out.exists() and any(args.out.iterdir()):
        ap.error(f"{args.out} is not empty")
    args.out.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    doc = generate(args.out, args.size_mb, args.seed, args.days, args.end, agents)
    (args.out / "expected.json").write_text(json.dumps(doc, indent=1) + "\n")
    m = doc["meta"]
    files = ", ".join(f"{a} {doc[a]['stats']['files']} files" for a in m["agents"])
    print(
        f"wrote {m['bytes'] / MB:.1f} MB to {args.out} in {time.monotonic() - t0:.1f} s ({files})",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
