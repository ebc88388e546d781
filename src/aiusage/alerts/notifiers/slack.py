"""Slack incoming webhooks: ``{"text": …, "blocks": […]}``.

Why both: ``text`` is what notifications and screen readers show, ``blocks`` what the
channel shows. The webhook URL is the credential (its path is the token), so it only
comes from ``url_env`` or the keyring and only its host is ever shown.
"""

from __future__ import annotations

from typing import Any

from aiusage.alerts.notifiers.base import Notification
from aiusage.alerts.notifiers.chat import ChatKind

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


class SlackKind(ChatKind):
    kind = "slack"
    label = "Slack"
    description = "Slack incoming webhook"
    refused_hint = REFUSED_HINT
    payload = staticmethod(payload)
