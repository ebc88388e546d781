"""Discord webhooks: ``{"content": …, "embeds": [{…}]}``.

Why ``allowed_mentions`` is empty: an alert quotes project and model names, and a name
such as ``@everyone`` must not ping a whole server. The webhook URL is the credential
(``/api/webhooks/ID/TOKEN``), so it only comes from ``url_env`` or the keyring.
"""

from __future__ import annotations

from typing import Any

from aiusage.alerts.notifiers.base import Notification
from aiusage.alerts.notifiers.chat import ChatKind

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


class DiscordKind(ChatKind):
    kind = "discord"
    label = "Discord"
    description = "Discord webhook"
    refused_hint = REFUSED_HINT
    payload = staticmethod(payload)
