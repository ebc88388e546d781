"""A populated store at a fixed moment, and the monitor on it with a frozen clock.

Everything is relative to NOW (Tuesday 2026-11-24 15:30 UTC) so the monitor's countdowns,
blocks, budgets and charts are the same on every run, and snapshots can be compared.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from tuitools import NOW, new_app

from aiusage.app import AppContext, open_app
from aiusage.records import Observation, UsageEvent
from aiusage.store import open_store
from aiusage.tui.monitor import TopApp

MINUTE, HOUR, DAY = 60_000, 3_600_000, 86_400_000

CONFIG = """
timezone = "UTC"

[accounts.openai-work]
provider = "openai"
key_env = "AIUSAGE_TEST_UNSET_KEY"

[budgets.monthly]
period = "monthly"
scope = "all"
limit = 400.0

[budgets.claude-daily]
period = "daily"
scope = "agent:claude-code"
limit = 3.0
"""


def event(source: str, ts: int, n: int, cost: float, model: str, provider: str) -> UsageEvent:
    return UsageEvent(
        ts_ms=ts,
        source=source,
        dedup_key=f"{source}-{ts}-{n}",
        model=model,
        provider=provider,
        project="shop",
        input_tokens=1_000 * n,
        output_tokens=400 * n,
        cache_read_tokens=5_000 * n,
        requests=1,
        reported_cost_usd=cost,
    )


def seed(url: str) -> None:
    """Three weeks of Claude Code, Codex and an OpenAI account; Claude busy in the last
    two hours (an active block), a Codex window at 91% resetting in 2 h 10 m, a balance."""
    store = open_store(url)
    events = []
    for day in range(1, 22):
        base = NOW - day * DAY
        for i in range(3):
            ts = base + i * HOUR
            events.append(
                event("claude-code", ts, 8 + i, 1.5 + i, "claude-sonnet-4-5", "anthropic")
            )
            events.append(event("codex", ts + 20 * MINUTE, 2, 0.4, "gpt-5-codex", "openai"))
        events.append(event("openai-work", base - 5 * HOUR, 10, 3.25, "gpt-4.1", "openai"))
    for minutes in (110, 95, 70, 50, 30, 12):  # the active block
        events.append(
            event("claude-code", NOW - minutes * MINUTE, 3, 0.35, "claude-sonnet-4-5", "anthropic")
        )
    events.append(event("codex", NOW - 3 * HOUR, 2, 0.4, "gpt-5-codex", "openai"))
    events.append(event("openai-work", NOW - 5 * HOUR, 10, 3.25, "gpt-4.1", "openai"))
    store.add_events(events)
    store.add_observations(
        [
            Observation.window_used(
                ts_ms=NOW - 5 * MINUTE,
                account="codex",
                window="5h",
                value=91.0,
                resets_at_ms=NOW + 2 * HOUR + 10 * MINUTE,
                source="codex",
            ),
            Observation(
                ts_ms=NOW - 5 * MINUTE,
                account="openai-work",
                metric="balance",
                value=42.5,
                unit="USD",
            ),
        ]
    )
    store.close()


@pytest.fixture(autouse=True)
def colours(monkeypatch: pytest.MonkeyPatch) -> None:
    """Snapshots are taken in colour whatever the terminal running the tests says
    (tests that want NO_COLOR set it themselves)."""
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture
def home(isolated_home: Path) -> Path:
    """The populated home: config, store, and the alerts the budgets fired at NOW."""
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text(CONFIG, encoding="utf-8")
    app = open_app(AppContext())
    url = app.store.url
    app.close()
    seed(url)
    app = open_app(AppContext())
    app.alerts.check(now_ms=NOW, deliver=False)
    app.close()
    return isolated_home


@pytest.fixture
def make_app() -> Callable[..., TopApp]:
    """A TopApp on the isolated home with a frozen clock and no collector."""
    return new_app
