"""A small team on a served home, made the way a real one is: members added with the CLI
(`aiusage team users add`, tokens printed once), their usage pushed by HTTP to the
running server's ``POST /api/v1/team/push`` with each member's own token (protocol v1,
docs/team.md)."""

from __future__ import annotations

import gzip
import json
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from e2e_support import aiusage

HOUR_MS = 3_600_000


def add_user(home: Path, name: str, *options: str) -> str:
    """A member made by the CLI on the server's home; their token (printed once)."""
    done = aiusage(home, "team", "users", "add", name, *options, "--json", timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return str(json.loads(done.stdout)["token"])


def set_user(home: Path, name: str, *options: str) -> None:
    done = aiusage(home, "team", "users", "set", name, *options, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def event(key: str, ts_ms: int, cost: float, **fields: Any) -> dict[str, Any]:
    """One usage event as the store keeps it (the push protocol's row)."""
    row: dict[str, Any] = {
        "source": "claude-code",
        "dedup_key": key,
        "ts_ms": ts_ms,
        "account": "",
        "provider": "anthropic",
        "model": "claude-sonnet-4-5",
        "project": "shop",
        "session": "s-" + key.split(":")[0],
        "input_tokens": 1200,
        "output_tokens": 800,
        "cache_read_tokens": 0,
        "cache_write_5m_tokens": 0,
        "cache_write_1h_tokens": 0,
        "reasoning_tokens": 0,
        "total_tokens": 2000,
        "requests": 1,
        "cost_reported_usd": None,
        "cost_calc_usd": cost,
        "group_key": "",
        "sidechain": 0,
        "meta": "{}",
    }
    row.update(fields)
    return row


def push(url: str, token: str, events: list[dict[str, Any]], machine: str) -> dict[str, int]:
    """One gzip batch, as a member's aiusage sends it; the server's answer."""
    body = {
        "version": 1,
        "machine": machine,
        "batch": str(uuid.uuid4()),
        "events": events,
        "observations": [],
    }
    answer = httpx.post(
        url + "/api/v1/team/push",
        content=gzip.compress(json.dumps(body).encode(), compresslevel=6),
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
        },
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def now_ms() -> int:
    return int(time.time() * 1000)
