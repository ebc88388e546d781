"""``aiusage demo``: a home with weeks of agent logs and provider accounts on fake servers.

Why a whole home and a running process: a newcomer should see every feature working
without a key — reports, limits, blocks, account status, and (while the demo runs) live
updates as new turns land and local servers' counters grow. The demo home is separate
data: its config reads agent logs only from its own folder, so a user's real logs never
mix with the demo's, and its accounts point at loopback fakes (public fake keys).
The fakes' ports are kept in the config's ``[demo]`` table and reused on the next run.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiusage.accounts import read_toml, save_account, write_toml
from aiusage.errors import ConfigError
from aiusage.records import Account

if TYPE_CHECKING:
    from aiusage.app import App
    from aiusage.fake.catalog import Fleet

#: What the demo shows: usage + cost APIs, a balance, key checks, local servers, Copilot.
PROVIDERS = ("openai", "anthropic", "openrouter", "deepseek", "groq", "ollama", "vllm", "copilot")
AGENTS = ("claude-code", "codex", "gemini", "opencode", "amp", "qwen", "kimi", "droid")
LOGS = "demo-logs"
LIVE_EVERY_S = 15.0


@dataclass(slots=True)
class DemoHome:
    home: Path
    config: Path
    database_url: str
    accounts: list[Account] = field(default_factory=list)
    turns_written: int = 0
    key_env: dict[str, str] = field(default_factory=dict)  # when there is no keyring


def prepare(home: Path, *, now_ms: int, days: int, seed: int) -> tuple[DemoHome, Fleet]:
    """Write the demo home (once) and start its fakes; returns the home and the fleet."""
    from aiusage.fake.agent_logs import DemoAgents
    from aiusage.fake.catalog import Fleet

    config = home / "config.toml"
    doc = read_toml(config)
    if doc and "demo" not in doc:
        raise ConfigError(
            f"{home} already holds a real aiusage configuration",
            hint="give the demo its own folder: `aiusage demo --home ~/aiusage-demo`",
        )
    database = home / "aiusage.db"
    if not doc and database.exists():
        raise ConfigError(
            f"{home} already holds an aiusage database",
            hint="give the demo its own folder: `aiusage demo --home ~/aiusage-demo`",
        )
    demo = DemoHome(home, config, f"sqlite:///{database}")
    logs = home / LOGS
    if not doc:
        agents = DemoAgents(logs / "claude", logs / "codex", seed=seed)
        now = datetime.fromtimestamp(now_ms / 1000, UTC)
        demo.turns_written = agents.write_history(now, days)
    fleet = Fleet(PROVIDERS, now_ms=now_ms, days=days, seed=seed)
    ports = {str(k): int(v) for k, v in doc.get("demo", {}).get("ports", {}).items()}
    found = fleet.start(ports)
    doc = {
        **{k: v for k, v in doc.items() if k != "accounts"},
        "database_url": demo.database_url,
        "demo": {"ports": fleet.ports(), "seed": seed, "days": days},
        "agents": {
            a: [f"{LOGS}/{'claude' if a == 'claude-code' else a}"] for a in AGENTS
        },  # every agent reads the demo's folder only: a user's real logs stay out
    }
    write_toml(config, doc)
    for fake in found:
        demo.accounts.append(_save(demo, fake))
    return demo, fleet


def _save(demo: DemoHome, fake: Any) -> Account:
    """Put one fake account in the config and its (public, fake) key in the keyring, or,
    with no usable keyring, in an environment variable of this process."""
    from aiusage.secrets import store_key

    key_env = None
    if fake.key is not None:
        try:
            store_key(fake.name, fake.key)
        except ConfigError:
            key_env = f"AIUSAGE_DEMO_KEY_{fake.provider.upper()}"
            os.environ[key_env] = fake.key
            demo.key_env[fake.name] = key_env
    account = Account(
        fake.name,
        fake.provider,
        base_url=fake.base_url,
        key_env=key_env,
        interval_s=60,
        options=dict(fake.options),
    )
    save_account(demo.config, account, replace_existing=True)
    return account


def live(app: App, fleet: Fleet, seed: int) -> Callable[[], None]:
    """What a running demo does every tick: one more Claude Code turn, busier local
    servers. Their collection then shows up live in every view."""
    from aiusage.fake.agent_logs import DemoAgents

    paths = app.config.agent_paths
    agents = DemoAgents(paths["claude-code"][0], paths["codex"][0], seed=seed + int(time.time()))
    rng = random.Random(seed)

    def tick() -> None:
        agents.append(datetime.now(UTC))
        fleet.traffic(rng.random())

    return tick


def start_demo(home: Path | None, *, days: int, seed: int) -> tuple[App, DemoHome, Fleet]:
    """Write (once) and open the demo home, with its fake providers running."""
    from aiusage.app import AppContext, open_app
    from aiusage.paths import user_dir

    demo, fleet = prepare(home or user_dir(), now_ms=_now_ms(), days=days, seed=seed)
    try:
        return open_app(AppContext(config_path=demo.config)), demo, fleet
    except BaseException:
        fleet.stop()
        raise


def start_fakes(providers: Sequence[str], *, days: int, seed: int, chaos: float) -> Fleet:
    """``aiusage fake-server``: the named fakes (all when empty) on loopback, data to now."""
    from aiusage.fake.catalog import Fleet

    try:
        fleet = Fleet(providers, now_ms=_now_ms(), days=days, seed=seed, chaos=chaos)
    except ValueError as exc:
        raise ConfigError(str(exc), hint="`aiusage fake-server --help` lists them") from None
    fleet.start()
    return fleet


def _now_ms() -> int:
    return int(time.time() * 1000)


def run_demo(app: App, fleet: Fleet, seed: int) -> None:
    """Collect (daemon) and simulate work until Ctrl-C; stops the fakes after.

    The daemon holds the store's lock (beside the database file), so `aiusage top` or
    `aiusage serve` opened beside it, whatever their AIUSAGE_HOME, show what it collects
    instead of collecting the demo's accounts themselves (the fake keys are in this
    process's environment only: theirs would fail)."""
    daemon = app.daemon(on_tick=live(app, fleet, seed), logs_interval_s=LIVE_EVERY_S)
    try:
        daemon.run_forever()
    finally:
        fleet.stop()


def wait_forever(fleet: Fleet, on_ready: Callable[[], None] | None = None) -> None:
    """``aiusage fake-server``: serve until Ctrl-C or SIGTERM. ``on_ready`` runs once the
    signals are handled (a SIGTERM sent as soon as it says so then stops it cleanly)."""
    import asyncio

    from aiusage.daemon import stop_on_signals

    stop = asyncio.Event()

    async def main() -> None:
        stop_on_signals(stop)
        if on_ready is not None:
            on_ready()
        await stop.wait()

    try:
        asyncio.run(main())
    finally:
        fleet.stop()
