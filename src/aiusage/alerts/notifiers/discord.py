"""Discord webhooks: ``{"content": …, "embeds": [{…}]}``.

Why ``allowed_mentions`` is empty: an alert quotes project and model names, and a name
such as ``@everyone`` must not ping a whole server. The webhook URL is the credential
(``/api/webhooks/ID/TOKEN``), so it only comes from ``url_env`` or the keyring.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aiusage.alerts.notifiers.base import Notification, NotifierConfig, env_name, require_secret
from aiusage.alerts.notifiers.http import post
from aiusage.alerts.notifiers.slack import webhook_target

if TYPE_CHECKING:
    import httpx

COLOURS = {"info": 0x3498DB, "warning": 0xF1C40F, "critical": 0xE74C3C}
REFUSED_HINT = (
    "Discord refused the webhook (deleted, or the URL is wrong): copy the webhook URL again "
    "from the channel's Integrations settings and put it where url_env or the keyring points"
)


def payload(message: Notification) -> dict[str, Any]:
    embed: dict[str, Any] = {
        "title": message.title[:256],
        "description": message.body[:4096],
        "color": COLOURS[message.severity],
        "fields": [
            {"name": label, "value": text[:1024], "inline": True}
            for label, text in message.details()
            if label != "Fired at"
        ],
        "timestamp": message.fired_at_iso,
    }
    if message.url:
        embed["url"] = message.url
    return {
        "content": f"**[{message.severity}]** {message.title}"[:2000],
        "embeds": [embed],
        "allowed_mentions": {"parse": []},
    }


class DiscordNotifier:
    kind = "discord"

    def __init__(
        self, config: NotifierConfig, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.name = config.name
        self.config = config
        self.transport = transport

    async def send(self, message: Notification) -> None:
        url = require_secret(self.config, "url_env", "Discord webhook URL")
        await post(
            where=f"notifier {self.name} (Discord)",
            url=url,
            content=json.dumps(payload(message)).encode(),
            headers={},
            secrets=[url],
            timeout_s=self.config.timeout_s,
            refused_hint=REFUSED_HINT,
            transport=self.transport,
        )


class DiscordKind:
    kind = "discord"
    description = "Discord webhook"
    fields: Mapping[str, str] = {
        "url_env": "environment variable holding the webhook URL (else the keyring)",
    }
    secret: str | None = "the webhook URL"
    secret_env: str | None = "url_env"

    def check(self, options: Mapping[str, Any], where: str) -> None:
        env_name(options, "url_env", where)

    def build(self, config: NotifierConfig) -> DiscordNotifier:
        return DiscordNotifier(config)

    def target(self, config: NotifierConfig) -> str:
        return webhook_target(config)
