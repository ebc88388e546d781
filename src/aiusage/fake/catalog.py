"""Every fake provider by name, started together: for ``aiusage fake-server`` and the demo.

Why a catalog: a person trying aiusage without keys, a screenshot script and the demo all
need "the fakes for these providers, on loopback, with data up to now, and how to point an
account at each". Providers that one fake serves together (DeepSeek, Moonshot and z.ai;
the eight key-check providers) share one server and port.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiusage.fake import (
    anthropic,
    azure_openai,
    balances,
    bedrock,
    copilot,
    local,
    openai_data,
    openrouter,
    others,
    vertex,
)
from aiusage.fake.openai import FakeOpenAI
from aiusage.fake.server import FakeServer


@dataclass(frozen=True, slots=True)
class FakeAccount:
    """How an account reaches one fake provider (the key is a public fake constant)."""

    name: str
    provider: str
    base_url: str
    key: str | None
    options: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Group:
    """One fake server and the providers it answers as: provider -> (URL suffix, key,
    options)."""

    build: Callable[[int, int, int], FakeServer]  # (now_ms, days, seed) -> server
    providers: dict[str, tuple[str, str | None, dict[str, str]]]


def _copilot(now_ms: int, days: int, seed: int) -> FakeServer:
    """Copilot's sample days moved to end two days ago: settled, and in this month."""
    now = datetime.fromtimestamp(now_ms / 1000, UTC)
    server = copilot.FakeGitHubBilling(now=now)
    rows = list(copilot.SAMPLE_DAYS.values())
    shifted = {
        (now.date() - timedelta(days=len(rows) + 1 - i)).isoformat(): copy.deepcopy(r)
        for i, r in enumerate(rows)
    }
    server.days[("user", "monalisa")] = shifted
    return server


def _vllm(now_ms: int, days: int, seed: int) -> FakeServer:
    server = local.FakeVllm(start_s=now_ms / 1000 - days * 86_400)
    server.serve(server_model(server), 180_000, 42_000, requests=120, cached=60_000)
    return server


def _llamacpp(now_ms: int, days: int, seed: int) -> FakeServer:
    server = local.FakeLlamaCpp()
    server.serve(server_model(server), 24_000, 9_000, requests=30)
    return server


def server_model(server: Any) -> str:
    return str(next(iter(server.models)))


GROUPS: dict[str, Group] = {
    "openai": Group(
        lambda now, days, seed: FakeOpenAI(now_s=now // 1000, days=days, seed=seed),
        {"openai": ("/v1", openai_data.ADMIN_KEY, {})},
    ),
    "anthropic": Group(
        lambda now, days, seed: anthropic.FakeAnthropic(now_ms=now, days=days, seed=seed),
        {"anthropic": ("", anthropic.ADMIN_KEY, {})},
    ),
    "openrouter": Group(
        lambda now, days, seed: openrouter.FakeOpenRouter(now_ms=now, seed=seed),
        {"openrouter": (openrouter.BASE_PATH, openrouter.MANAGEMENT_KEY, {})},
    ),
    "balances": Group(
        lambda now, days, seed: balances.FakeBalances(now_ms=now, seed=seed),
        {
            "deepseek": ("", balances.DEEPSEEK_KEY, {}),
            "moonshot": ("", balances.MOONSHOT_KEY, {}),
            "zai": ("", balances.ZAI_KEY, {}),
        },
    ),
    "others": Group(
        lambda now, days, seed: others.FakeOthers(),
        {
            name: (f"/{name}{others.SDK_SUFFIX.get(name, '')}", others.KEYS[name], {})
            for name in others.NAMES
        },
    ),
    "copilot": Group(_copilot, {"copilot": ("", copilot.FAKE_TOKEN, {"user": "monalisa"})}),
    "ollama": Group(lambda now, days, seed: local.FakeOllama(), {"ollama": ("", None, {})}),
    "vllm": Group(_vllm, {"vllm": ("", None, {})}),
    "llamacpp": Group(_llamacpp, {"llamacpp": ("", None, {})}),
    "azure_openai": Group(
        lambda now, days, seed: azure_openai.FakeAzure(now_s=now // 1000, days=days, seed=seed),
        {
            "azure_openai": (
                "",
                azure_openai.TOKEN,
                {"resource_id": azure_openai.RESOURCE_ID, "cost_scope": azure_openai.SUBSCRIPTION},
            )
        },
    ),
    "bedrock": Group(
        lambda now, days, seed: bedrock.FakeAws(now_s=now // 1000, days=days, seed=seed),
        {"bedrock": ("", f"{bedrock.ACCESS_KEY}:{bedrock.SECRET}", {})},
    ),
    "vertex": Group(
        lambda now, days, seed: vertex.FakeCloudMonitoring(now_s=now // 1000, days=days, seed=seed),
        {"vertex": ("", vertex.TOKEN, {"project": vertex.PROJECT})},
    ),
}

#: provider name -> its group's name
PROVIDERS: dict[str, str] = {p: g for g, group in GROUPS.items() for p in group.providers}


class Fleet:
    """The fakes for some providers, started on loopback (``ports`` reuses earlier ones)."""

    def __init__(
        self,
        providers: Sequence[str] = (),
        *,
        now_ms: int,
        days: int = 30,
        seed: int = 1,
        chaos: float = 0.0,
    ) -> None:
        wanted = list(providers) or list(PROVIDERS)
        unknown = [p for p in wanted if p not in PROVIDERS]
        if unknown:
            raise ValueError(
                f"no fake for {', '.join(unknown)}; fakes exist for {', '.join(PROVIDERS)}"
            )
        self.providers = wanted
        self.servers: dict[str, FakeServer] = {}
        for name in dict.fromkeys(PROVIDERS[p] for p in wanted):
            server = GROUPS[name].build(now_ms, days, seed)
            if chaos:
                server.chaos(chaos, seed)
            self.servers[name] = server

    def start(self, ports: dict[str, int] | None = None) -> list[FakeAccount]:
        """Start every server (on its earlier port when free); how to reach each provider."""
        for name, server in self.servers.items():
            port = (ports or {}).get(name, 0)
            try:
                server.start(port)
            except OSError:  # the earlier port is taken now: any free one
                server.start(0)
        return self.accounts()

    def accounts(self) -> list[FakeAccount]:
        out = []
        for provider in self.providers:
            group = PROVIDERS[provider]
            suffix, key, options = GROUPS[group].providers[provider]
            url = self.servers[group].base_url + suffix
            out.append(FakeAccount(f"{provider}-demo", provider, url, key, dict(options)))
        return out

    def ports(self) -> dict[str, int]:
        return {name: int(s.base_url.rsplit(":", 1)[1]) for name, s in self.servers.items()}

    def traffic(self, rng_value: float) -> None:
        """A little more work on the local servers (a running demo grows their counters)."""
        for name in ("vllm", "llamacpp"):
            server: Any = self.servers.get(name)
            if server is not None:
                scale = 0.5 + rng_value
                server.serve(server_model(server), int(3000 * scale), int(800 * scale))

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()
