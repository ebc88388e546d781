"""Helpers for the web API tests: a seeded store, a CSRF-aware client, a real server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from aiusage.records import Observation, UsageEvent
from aiusage.store import open_store

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
ORIGIN = "http://127.0.0.1"


def now_ms() -> int:
    return int(time.time() * 1000)


def seed_store(url: str, now: int | None = None) -> None:
    """Two agents and one provider account over the last 20 days, a Codex window reading
    and a balance: enough for every view to have something to show."""
    now = now_ms() if now is None else now
    store = open_store(url)
    events = []
    for day in range(20):
        for i, (source, model, provider) in enumerate(
            (
                ("claude-code", "claude-sonnet-4-5", "anthropic"),
                ("codex", "gpt-5", "openai"),
                ("openai-work", "gpt-4.1-mini", "openai"),
            )
        ):
            events.append(
                UsageEvent(
                    ts_ms=now - day * DAY_MS - (i + 1) * HOUR_MS,
                    source=source,
                    dedup_key=f"{source}-{day}",
                    model=model,
                    provider=provider,
                    project="shop",
                    input_tokens=1000 * (i + 1),
                    output_tokens=300,
                    cache_read_tokens=5000,
                    requests=2,
                    reported_cost_usd=0.5 * (i + 1),
                )
            )
    store.add_events(events)
    store.add_observations(
        [
            Observation.window_used(
                ts_ms=now - 60_000,
                account="codex",
                window="primary",
                value=97.0,
                resets_at_ms=now + 2 * HOUR_MS,
                source="codex",
            ),
            Observation(
                ts_ms=now - 60_000, account="openai-work", metric="balance", value=12.5, unit="USD"
            ),
        ]
    )
    store.close()


def write_config(home: Path, text: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


ACCOUNT_CONFIG = """
[accounts.openai-work]
provider = "openai"
key_env = "OPENAI_WORK_KEY"
"""


def csrf_headers(client: Any) -> dict[str, str]:
    return {"X-CSRF-Token": client.cookies.get("aiusage_csrf") or "", "Origin": ORIGIN}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`python -m aiusage serve …` as a user starts it, on a free port."""

    def __init__(self, env: dict[str, str], *args: str, host: str = "127.0.0.1") -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "aiusage",
                "serve",
                "--host",
                host,
                "--port",
                str(self.port),
                *args,
            ],
            env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def wait_up(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"serve exited: {self.proc.communicate()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError("serve did not answer /healthz in time")

    def stop(self) -> tuple[str, str]:
        """SIGTERM, as a service manager stops it; returns (stdout, stderr)."""
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            out, err = self.proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
            raise AssertionError(f"serve did not stop on SIGTERM: {err[-2000:]}") from None
        return out, err
