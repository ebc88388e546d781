"""One POST for the webhook channels (Slack, Discord, generic): one attempt, a clear error.

Why one helper: the three fail the same ways (timeouts, refused connections, 429 with
``Retry-After``, 5xx, a 404 for a deleted webhook) and every error must name the channel
and host but never the URL, whose path is the token. The retry loop is ``delivery``'s;
this says whether a retry could help. httpx is imported only when a message is sent.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from aiusage.alerts.notifiers.base import NotifyError, scrub, url_host
from aiusage.sources.subscriptions.http import current_ms, parse_retry_after, user_agent

if TYPE_CHECKING:
    import httpx

_MESSAGE_CHARS = 200
_TOKEN_CHARS = 16  # a path segment this long may be a token (Slack's is 24, Discord's 68)


async def post(
    *,
    where: str,
    url: str,
    content: bytes,
    headers: Mapping[str, str],
    secrets: Sequence[str],
    timeout_s: float,
    refused_hint: str,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.Response:
    """POST ``content`` once. ``where`` names the channel (``notifier ops (Slack)``);
    ``refused_hint`` is the fix for a 4xx (a deleted or mistyped webhook)."""
    import httpx

    at = f"{where} at {url_host(url)}"
    secrets = [*url_secrets(url), *secrets]
    _HTTPX_FILTER.hide(secrets)
    sent = {"Content-Type": "application/json", "User-Agent": user_agent(), **headers}
    try:
        async with httpx.AsyncClient(
            timeout=timeout_s, transport=transport, follow_redirects=False
        ) as client:
            response = await client.post(url, content=content, headers=sent)
    except httpx.TimeoutException:
        raise NotifyError(
            f"{at}: no answer within {timeout_s:g} s",
            hint="the receiver is slow or unreachable; raise `timeout` in the channel's table "
            "if it is always slow",
            retryable=True,
        ) from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol):
        raise NotifyError(
            f"{where}: the webhook URL is not a valid http(s) URL",
            hint="check the URL in the environment variable or keyring entry it comes from",
        ) from None
    except httpx.TransportError as exc:
        said = scrub(str(exc), secrets) or type(exc).__name__
        raise NotifyError(
            f"{at}: could not connect ({said})",
            hint="check the network connection, proxy and the webhook's host",
            retryable=True,
        ) from None
    status = response.status_code
    if 200 <= status < 300:
        return response
    said = _server_message(response, secrets)
    answered = f"{status} {response.reason_phrase}".strip() + (f": {said}" if said else "")
    if status == 429:
        wait = _retry_after(response)
        told = f"; it asks to wait {wait:g} s" if wait is not None else ""
        raise NotifyError(
            f"{at} is rate limiting messages ({answered}){told}",
            hint="too many alerts at once: raise the rules' cooldown or min_severity",
            retryable=True,
            retry_after_s=wait,
        )
    if status >= 500 or status == 408:
        raise NotifyError(
            f"{at} failed on its side ({answered})",
            hint="nothing to fix on your side if it passes later; aiusage retries with backoff",
            retryable=True,
        )
    if 300 <= status < 400:
        raise NotifyError(
            f"{at} answered {answered} (a redirect, not followed)",
            hint="use the webhook's final URL",
        )
    raise NotifyError(f"{at} refused the message ({answered})", hint=refused_hint)


def url_secrets(url: str) -> list[str]:
    """What of a webhook URL may be a credential: all of it, its path and query, and every
    long path segment or query value (a server may echo just the token)."""
    from urllib.parse import parse_qsl, urlsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return [url]
    found = [url, parts.path, parts.query]
    found += [s for s in parts.path.split("/") if len(s) >= _TOKEN_CHARS]
    found += [v for _, v in parse_qsl(parts.query) if len(v) >= _TOKEN_CHARS]
    return sorted({f for f in found if len(f) > 1}, key=len, reverse=True)


class _HideSecrets(logging.Filter):
    """httpx logs every request's full URL at INFO, and a webhook URL is a credential:
    records that carry one of the secrets registered here are logged scrubbed."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()
        self.installed = False

    def hide(self, secrets: Sequence[str]) -> None:
        if not self.installed:
            logging.getLogger("httpx").addFilter(self)
            self.installed = True
        self.secrets.update(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if any(s in text for s in self.secrets):
            ordered = sorted(self.secrets, key=len, reverse=True)
            record.msg, record.args = scrub(text, ordered), ()
        return True


_HTTPX_FILTER = _HideSecrets()


def _retry_after(response: httpx.Response) -> float | None:
    """``Retry-After`` (seconds or an HTTP-date), else Discord's JSON ``retry_after``."""
    wait = parse_retry_after(response.headers.get("retry-after"), current_ms())
    if wait is not None:
        return wait
    try:
        body = json.loads(response.content or b"null")
    except (ValueError, UnicodeDecodeError):
        return None
    value = body.get("retry_after") if isinstance(body, dict) else None
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return None


def _server_message(response: httpx.Response, secrets: Sequence[str]) -> str:
    """A short reason from the body (Slack: ``no_service``; JSON ``message``), scrubbed."""
    if "html" in response.headers.get("content-type", ""):
        return ""
    text = response.text.strip()
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, dict):
        found = body.get("message") or body.get("error") or body.get("detail")
        text = found if isinstance(found, str) else ""
    text = " ".join(text.split())
    text = scrub(text, secrets)
    return text[:_MESSAGE_CHARS] + ("…" if len(text) > _MESSAGE_CHARS else "")
