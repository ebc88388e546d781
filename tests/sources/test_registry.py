"""Every built-in reader is registered like a plugin; each agent's home is found through its
environment variable, read by the real `aiusage` command, and reported exactly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from agents_factory import OTHER_AGENTS
from aiusage.plugins import BUILTIN_LOG_SOURCES, log_source, log_sources
from aiusage.sources.logs.base import is_document

FIELDS = (
    "input_tokens",
    "output_tokens",
    "cache_creation_tokens",
    "cache_read_tokens",
    "reasoning_tokens",
)


def test_builtin_sources() -> None:
    sources = {s.name: s for s in log_sources()}
    assert set(sources) >= {"claude-code", "codex", *OTHER_AGENTS}
    documents = {n for n, s in sources.items() if is_document(s)}
    assert documents == {"gemini", "opencode", "amp", "droid"}
    aliases = [a for s in sources.values() for a in getattr(s, "aliases", ())]
    assert len(aliases) == len(set(aliases))
    assert not set(aliases) & set(sources)
    assert getattr(sources["gemini"], "aliases", ()) == ("gemini-cli",)


def test_one_reader_by_name_is_the_registered_one() -> None:
    registered = {s.name: type(s) for s in log_sources()}
    assert list(BUILTIN_LOG_SOURCES) == list(registered)[: len(BUILTIN_LOG_SOURCES)]
    for name in BUILTIN_LOG_SOURCES:
        source = log_source(name)
        assert source is not None and type(source) is registered[name]
    assert log_source("no-such-agent") is None


def _env(corpus: Path, home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "AIUSAGE_HOME": str(home),
        "CLAUDE_CONFIG_DIR": str(corpus / "no-claude"),
        "CODEX_HOME": str(corpus / "no-codex"),
        "GEMINI_DATA_DIR": str(corpus / "gemini" / "tmp"),
        "OPENCODE_DATA_DIR": str(corpus / "opencode"),
        "AMP_DATA_DIR": str(corpus / "amp"),
        "QWEN_DATA_DIR": str(corpus / "qwen"),
        "KIMI_DATA_DIR": str(corpus / "kimi"),
        "DROID_SESSIONS_DIR": str(corpus / "droid" / "sessions"),
    }


def _daily(env: dict[str, str], *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "aiusage", "daily", "--json", "--tz", "UTC", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_aiusage_daily_reports_each_agent_exactly(
    tmp_path: Path, agents_corpus: tuple[Path, dict[str, Any]]
) -> None:
    corpus, expected = agents_corpus
    env = _env(corpus, tmp_path / "home")
    assert _daily(env)["days"]  # the first run scans every agent
    for agent in OTHER_AGENTS:
        got = {
            day["date"]: {**{f: day[f] for f in FIELDS}, "events": day["requests"]}
            for day in _daily(env, "--agent", agent, "--no-refresh")["days"]
        }
        want = {
            day: {**{f: t[f] for f in FIELDS}, "events": t["events"]}
            for day, t in expected[agent]["days"].items()
        }
        assert got == want, agent


def test_every_builtin_provider_declares_what_it_reports_and_what_it_cannot() -> None:
    from aiusage.plugins import BUILTIN_PROVIDERS, provider, providers
    from aiusage.sources.providers.base import BALANCE, CAPABILITIES, COST, RATE_LIMITS, USAGE

    registered = providers()
    assert set(registered) == set(BUILTIN_PROVIDERS)
    for name in BUILTIN_PROVIDERS:
        info = registered[name].info
        assert info.name == name and type(provider(name)) is type(registered[name])
        assert info.reports <= set(CAPABILITIES)
        for capability in (USAGE, COST, BALANCE, RATE_LIMITS):
            assert capability in info.reports or info.unavailable.get(capability), (
                f"{name}: {capability} is neither reported nor explained"
            )
        assert info.default_base_url.startswith(("https://", "http://localhost"))
