"""Synthetic Claude Code and Codex logs for the demo: weeks of plausible work up to now.

Why here and not in bench/: ``aiusage demo`` ships in the package and must run on a fresh
install. The lines have the real shapes (agent-logs.md §2, §3), so the real readers parse
them; the mix (working hours, weekdays busier, several projects and models, cache reads
far above fresh input) makes every report and chart look like a person's month.
``DemoAgents.append(now)`` adds a turn, so a running demo shows live updates.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

CLAUDE_MODELS = ("claude-sonnet-4-5-20250929", "claude-opus-4-5-20251101", "claude-haiku-4-5")
CLAUDE_WEIGHTS = (0.65, 0.2, 0.15)
CODEX_MODEL = "gpt-5-codex"
PROJECTS = ("webshop", "infra", "data-pipeline", "mobile-app")
HOUR_S = 3600


def _iso(ts: datetime) -> str:
    ts = ts.astimezone(UTC)
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


def _line(obj: dict[str, Any]) -> str:
    return json.dumps(obj, separators=(",", ":"))


@dataclass
class DemoAgents:
    """Writes under ``claude_root`` (``projects/…``) and ``codex_root`` (``sessions/…``)."""

    claude_root: Path
    codex_root: Path
    seed: int = 1
    rng: random.Random = field(init=False)
    _live_session: str = field(init=False, default="")

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def write_history(self, now: datetime, days: int) -> int:
        """``days`` of sessions ending before ``now``; returns the number of turns."""
        turns = 0
        start = (now - timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
        hour = start
        while hour < now - timedelta(hours=1):
            weekday = hour.weekday() < 5
            working = 9 <= hour.hour < 19
            chance = (0.55 if working else 0.06) * (1.0 if weekday else 0.35)
            if self.rng.random() < chance:
                at = hour + timedelta(minutes=self.rng.randint(0, 40))
                if self.rng.random() < 0.7:
                    turns += self._claude_session(at, self.rng.randint(4, 18))
                else:
                    turns += self._codex_session(at, self.rng.randint(3, 10))
            hour += timedelta(hours=1)
        return turns

    def append(self, now: datetime) -> None:
        """One more Claude Code turn in today's live session (a running demo)."""
        if not self._live_session:
            self._live_session = str(uuid.UUID(int=self.rng.getrandbits(128)))
        path = self._claude_path("webshop", self._live_session)
        self._write(path, [self._claude_turn(now, self._live_session, "webshop")])

    # -- Claude Code -------------------------------------------------------------------

    def _claude_path(self, project: str, session: str) -> Path:
        return self.claude_root / "projects" / f"-home-dev-work-{project}" / f"{session}.jsonl"

    def _claude_session(self, start: datetime, turns: int) -> int:
        session = str(uuid.UUID(int=self.rng.getrandbits(128)))
        project = self.rng.choice(PROJECTS)
        lines = []
        at = start
        for _ in range(turns):
            at += timedelta(seconds=self.rng.randint(20, 240))
            lines.append(self._claude_turn(at, session, project))
        self._write(self._claude_path(project, session), lines)
        return turns

    def _claude_turn(self, at: datetime, session: str, project: str) -> str:
        model = self.rng.choices(CLAUDE_MODELS, CLAUDE_WEIGHTS)[0]
        usage = {
            "input_tokens": self.rng.randint(3, 400),
            "cache_creation_input_tokens": self.rng.randint(0, 6000),
            "cache_read_input_tokens": self.rng.randint(8000, 90000),
            "output_tokens": self.rng.randint(60, 2500),
            "service_tier": "standard",
        }
        return _line(
            {
                "parentUuid": None,
                "isSidechain": False,
                "userType": "external",
                "cwd": f"/home/dev/work/{project}",
                "sessionId": session,
                "version": "2.0.70",
                "gitBranch": "main",
                "type": "assistant",
                "uuid": str(uuid.UUID(int=self.rng.getrandbits(128))),
                "timestamp": _iso(at),
                "requestId": f"req_demo{self.rng.getrandbits(64):016x}",
                "message": {
                    "model": model,
                    "id": f"msg_demo{self.rng.getrandbits(64):016x}",
                    "type": "message",
                    "role": "assistant",
                    "content": [{"type": "text", "text": "Done."}],
                    "stop_reason": "end_turn",
                    "usage": usage,
                },
            }
        )

    # -- Codex -------------------------------------------------------------------------

    def _codex_session(self, start: datetime, turns: int) -> int:
        session = str(uuid.UUID(int=self.rng.getrandbits(128)))
        project = self.rng.choice(PROJECTS)
        cwd = f"/home/dev/work/{project}"
        meta = {
            "id": session,
            "timestamp": _iso(start),
            "cwd": cwd,
            "originator": "codex_cli_rs",
            "cli_version": "0.58.0",
            "model_provider": "openai",
        }
        context = {"cwd": cwd, "approval_policy": "on-request", "model": CODEX_MODEL}
        lines = [
            _line({"timestamp": _iso(start), "type": "session_meta", "payload": meta}),
            _line({"timestamp": _iso(start), "type": "turn_context", "payload": context}),
        ]
        total = [0, 0, 0, 0]
        at = start
        for _ in range(turns):
            at += timedelta(seconds=self.rng.randint(30, 300))
            cached = self.rng.randint(5000, 60000)
            last = [cached + self.rng.randint(500, 8000), cached, 0, 0]
            last[3] = self.rng.randint(0, 1500)
            last[2] = last[3] + self.rng.randint(100, 2500)
            total = [a + b for a, b in zip(total, last, strict=True)]
            payload = {
                "type": "token_count",
                "info": {
                    "total_token_usage": _codex_usage(total),
                    "last_token_usage": _codex_usage(last),
                    "model_context_window": 272000,
                },
                "rate_limits": _codex_limits(at, self.rng),
            }
            lines.append(_line({"timestamp": _iso(at), "type": "event_msg", "payload": payload}))
        day = start.astimezone(UTC).strftime("%Y/%m/%d")
        stamp = start.astimezone(UTC).strftime("%Y-%m-%dT%H-%M-%S")
        path = self.codex_root / "sessions" / day / f"rollout-{stamp}-{session}.jsonl"
        self._write(path, lines)
        return turns

    @staticmethod
    def _write(path: Path, lines: list[str]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write("".join(line + "\n" for line in lines))


def _codex_usage(u: list[int]) -> dict[str, int]:
    inp, cached, out, reasoning = u
    return {
        "input_tokens": inp,
        "cached_input_tokens": cached,
        "output_tokens": out,
        "reasoning_output_tokens": reasoning,
        "total_tokens": inp + out,
    }


def _codex_limits(at: datetime, rng: random.Random) -> dict[str, Any]:
    """The 5-hour and weekly windows as Codex reports them (resets in epoch seconds)."""
    epoch = int(at.timestamp())
    return {
        "primary": {
            "used_percent": round(rng.uniform(5, 70), 1),
            "window_minutes": 300,
            "resets_at": epoch - epoch % (5 * HOUR_S) + 5 * HOUR_S,
        },
        "secondary": {
            "used_percent": round(rng.uniform(20, 80), 1),
            "window_minutes": 10080,
            "resets_at": epoch - epoch % (168 * HOUR_S) + 168 * HOUR_S,
        },
    }
