"""Slack incoming webhooks: ``{"text": …, "blocks": […]}``.

Why both: ``text`` is what notifications and screen readers show, ``blocks`` what the
channel shows. The webhook URL is the credential (its path is the token), so it only
comes from ``url_env`` or the keyring and only its host is ever shown.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

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

ICONS = {"info": ":information_source:", "warning": ":warning:", "critical": ":rotating_light:"}
REFUSED_HINT = (
    "Slack refused the webhook (no_service, invalid_token, channel_is_archived …): create a "
    "new incoming webhook and put its URL where url_env or the keyring points"
)


def escape(text: str) -> str:
    """Slack mrkdwn's three control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def payload(message: Notification) -> dict[str, Any]:
    icon = ICONS[message.severity]
    fields = [
        {"type": "mrkdwn", "text": f"*{label}*\n{escape(text)}"}
        for label, text in message.details()
    ]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": message.title[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": escape(message.body)[:3000]}},
        {"type": "section", "fields": fields[:10]},
    ]
    if message.url:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Open"},
                        "url": message.url,
                    }
                ],
            }
        )
    text = f"{icon} [{message.severity}] {escape(message.title)}: {escape(message.body)}"
    return {"text": text[:3000], "blocks": blocks}


class SlackNotifier:
    kind = "slack"

    def __init__(
        self, config: NotifierConfig, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.name = config.name
        self.config = config
        self.transport = transport

    async def send(self, message: Notification) -> None:
        url = require_secret(self.config, "url_env", "Slack webhook URL")
        await post(
            where=f"notifier {self.name} (Slack)",
            url=url,
            content=json.dumps(payload(message)).encode(),
            headers={},
            secrets=[url],
            timeout_s=self.config.timeout_s,
            refused_hint=REFUSED_HINT,
            transport=self.transport,
        )


class SlackKind:
    kind = "slack"
    description = "Slack incoming webhook"
    fields: Mapping[str, str] = {
        "url_env": "environment variable holding the webhook URL (else the keyring)",
    }
    secret: str | None = "the webhook URL"
    secret_env: str | None = "url_env"

    def check(self, options: Mapping[str, Any], where: str) -> None:
        env_name(options, "url_env", where)

    def build(self, config: NotifierConfig) -> SlackNotifier:
        return SlackNotifier(config)

    def target(self, config: NotifierConfig) -> str:
        return webhook_target(config)


def webhook_target(config: NotifierConfig) -> str:
    """The webhook's host when its URL is in the environment now, else where it comes from."""
    import os

    env = config.options.get("url_env")
    url = config.options.get("url") or (os.environ.get(str(env), "") if env else "")
    if url:
        return url_host(str(url))
    return f"(${env} is not set)" if env else "(webhook URL in the keyring)"
