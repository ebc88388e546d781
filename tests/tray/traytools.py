"""Helpers for the tray's tests: run Qt's loop until something holds; a seeded store."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtWidgets import QApplication

from aiusage.records import Observation, UsageEvent
from aiusage.store import open_store

HOUR_MS = 3_600_000


def wait_for(condition: Callable[[], object], timeout: float = 20.0) -> None:
    """Run Qt's event loop until ``condition()`` holds (signals from worker threads are
    delivered by it), or fail."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {condition}")
        QApplication.processEvents()
        time.sleep(0.01)


def seed(url: str, codex_used: float | None = None, cost: float = 1.5) -> None:
    """Today's spend by Claude Code and Codex; a Codex 5-hour reading at ``codex_used`` %."""
    now = int(time.time() * 1000)
    store = open_store(url)
    store.add_events(
        [
            UsageEvent(
                ts_ms=now - 60_000 * (i + 1),
                source=source,
                dedup_key=f"{source}-{i}",
                model=model,
                provider=provider,
                input_tokens=1000,
                output_tokens=300,
                requests=1,
                reported_cost_usd=cost,
            )
            for i, (source, model, provider) in enumerate(
                (("claude-code", "claude-sonnet-4-5", "anthropic"), ("codex", "gpt-5", "openai"))
            )
        ]
    )
    if codex_used is not None:
        store.add_observations(
            [
                Observation.window_used(
                    ts_ms=now - 60_000,
                    account="codex",
                    window="primary",
                    value=codex_used,
                    resets_at_ms=now + 2 * HOUR_MS,
                    source="codex",
                )
            ]
        )
    store.close()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
