"""The facade's notification side: list the channels, send a test, keep their secrets.

Reached as ``App.notify``; front ends never read ``[notifiers]``, the keyring or a
webhook URL themselves, and nothing returned here carries a secret (a channel shows its
host or addresses, and where its secret comes from, never the secret).
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiusage.alerts.notifiers import (
    DeliveryResult,
    Notification,
    NotifierConfig,
    NotifierKind,
    channels,
    deliver,
    notify,
)
from aiusage.errors import ConfigError

if TYPE_CHECKING:
    from aiusage.app import App


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    """One channel as `aiusage notify list` shows it."""

    name: str
    kind: str
    enabled: bool
    min_severity: str
    target: str  # a host or addresses, never a token
    secret: str  # where the secret comes from: 'env:VAR (set)', 'keyring', 'none'

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.kind,
            "enabled": self.enabled,
            "min_severity": self.min_severity,
            "target": self.target,
            "secret": self.secret,
        }


class NotifyApi:
    def __init__(self, app: App) -> None:
        self.app = app

    def configs(self) -> dict[str, NotifierConfig]:
        """The ``[notifiers]`` tables of the config file."""
        return dict(self.app.config.notifiers)

    def get(self, name: str) -> NotifierConfig:
        found = self.configs().get(name)
        if found is None:
            raise ConfigError(
                f"no notification channel named {name!r}",
                hint="`aiusage notify list` shows them; add one as a [notifiers.NAME] table "
                "in the config file (docs/configuration.md, Notifications)",
            )
        return found

    def all(self) -> list[ChannelInfo]:
        from aiusage.plugins import notifier_kind

        out = []
        for config in sorted(self.configs().values(), key=lambda c: c.name):
            kind = notifier_kind(config.kind)
            out.append(
                ChannelInfo(
                    name=config.name,
                    kind=config.kind,
                    enabled=config.enabled,
                    min_severity=config.min_severity,
                    target=kind.target(config) if kind is not None else "?",
                    secret=_secret_source(config, kind),
                )
            )
        return out

    def test(self, name: str, now_ms: int | None = None) -> DeliveryResult:
        """Send a sample notification to one channel (enabled or not, whatever its
        min_severity) with its own retries and timeout."""
        config = self.get(name)
        (channel,) = channels([config])
        return asyncio.run(deliver(channel, sample(name, now_ms)))

    def send(self, message: Notification) -> list[DeliveryResult]:
        """Deliver to every enabled channel whose min_severity the message reaches."""
        return asyncio.run(notify(self.configs(), message))

    def set_secret(self, name: str, value: str) -> str:
        """Store a channel's secret in the keyring; returns what it is (for the message)."""
        from aiusage.plugins import notifier_kind
        from aiusage.secrets import store_notifier_secret

        config = self.get(name)
        kind = notifier_kind(config.kind)
        if kind is None or kind.secret is None:
            raise ConfigError(f"a {config.kind} channel has no secret to store")
        store_notifier_secret(name, value)
        return kind.secret

    def delete_secret(self, name: str) -> bool:
        from aiusage.secrets import delete_notifier_secret

        return delete_notifier_secret(name)


def sample(name: str, now_ms: int | None = None) -> Notification:
    """The test message: harmless, and says where it came from."""
    return Notification(
        title="aiusage test notification",
        body=f"If you can read this, the {name!r} channel works. Nothing is wrong.",
        severity="info",
        key=f"test:{name}",
        rule="test",
        scope="aiusage",
        fired_at=time.time_ns() // 1_000_000 if now_ms is None else now_ms,
        value=80.0,
        threshold=75.0,
    )


def _secret_source(config: NotifierConfig, kind: NotifierKind | None) -> str:
    """Where the secret comes from, without reading the keyring (it may prompt)."""
    if kind is None or kind.secret_env is None:
        return "none"
    if config.kind == "webhook" and config.options.get("sign", True) is False:
        return "none (unsigned)"
    if config.kind == "email" and not config.options.get("username"):
        return "none (no login)"
    env = config.options.get(kind.secret_env)
    if env:
        return f"env:{env} ({'set' if os.environ.get(str(env), '').strip() else 'not set'})"
    return "keyring"
