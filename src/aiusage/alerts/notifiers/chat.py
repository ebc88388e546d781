"""Chat webhooks (Slack, Discord): one JSON POST to a URL that is itself the credential.

Why one class for both: they differ only in the body they want and in what to say when
the webhook is refused; the secret handling, the POST and the way the target is shown are
the same, so each kind declares just those differences.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from aiusage.alerts.notifiers.base import (
    Notification,
    NotifierConfig,
    env_name,
    require_secret,
    url_host,
)
from aiusage.alerts.notifiers.http import post

if TYPE_CHECKING:
    import httpx

Payload = Callable[[Notification], dict[str, Any]]


class ChatNotifier:
    def __init__(
        self,
        config: NotifierConfig,
        kind: ChatKind,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.name = config.name
        self.kind = kind.kind
        self.config = config
        self._spec = kind
        self.transport = transport

    async def send(self, message: Notification) -> None:
        label = self._spec.label
        url = require_secret(self.config, "url_env", f"{label} webhook URL")
        await post(
            where=f"notifier {self.name} ({label})",
            url=url,
            content=json.dumps(self._spec.payload(message)).encode(),
            headers={},
            secrets=[url],
            timeout_s=self.config.timeout_s,
            refused_hint=self._spec.refused_hint,
            transport=self.transport,
        )


class ChatKind:
    """A chat webhook kind; subclasses set the class attributes."""

    kind: ClassVar[str]
    label: ClassVar[str]  # 'Slack'
    description: ClassVar[str]
    refused_hint: ClassVar[str]
    fields: Mapping[str, str] = {
        "url_env": "environment variable holding the webhook URL (else the keyring)",
    }
    secret: str | None = "the webhook URL"
    secret_env: str | None = "url_env"

    @staticmethod
    def payload(message: Notification) -> dict[str, Any]:
        raise NotImplementedError

    def check(self, options: Mapping[str, Any], where: str) -> None:
        env_name(options, "url_env", where)

    def build(self, config: NotifierConfig) -> ChatNotifier:
        return ChatNotifier(config, self)

    def target(self, config: NotifierConfig) -> str:
        return webhook_target(config)


def webhook_target(config: NotifierConfig) -> str:
    """The webhook's host when its URL is in the environment now, else where it comes from."""
    env = config.options.get("url_env")
    url = config.options.get("url") or (os.environ.get(str(env), "") if env else "")
    if url:
        return url_host(str(url))
    return f"(${env} is not set)" if env else "(webhook URL in the keyring)"
