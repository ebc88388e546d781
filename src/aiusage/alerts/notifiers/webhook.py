"""Generic webhook: the Notification as JSON, signed with HMAC-SHA256.

The scheme (documented in docs/configuration.md, "Notifications"):

- ``X-Aiusage-Timestamp: T`` — Unix time in whole seconds when this attempt was sent;
- ``X-Aiusage-Signature: sha256=HEX`` — HEX is the lowercase hex HMAC-SHA256, keyed with
  the shared secret (UTF-8), of the bytes ``T`` + ``.`` + the raw request body.

Why the timestamp is inside the signed bytes: a captured request cannot be replayed later
with a fresh timestamp, so a receiver that rejects a ``T`` more than 5 minutes from its
clock rejects replays. Each retry is signed anew with its own ``T``. Receivers de-duplicate
retries on ``(key, fired_at)`` from the body.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from aiusage.alerts.notifiers.base import (
    Notification,
    NotifierConfig,
    NotifyError,
    env_name,
    require_secret,
    url_host,
)
from aiusage.alerts.notifiers.http import post
from aiusage.errors import ConfigError

if TYPE_CHECKING:
    import httpx

SIGNATURE_HEADER = "X-Aiusage-Signature"
TIMESTAMP_HEADER = "X-Aiusage-Timestamp"
SCHEMA_VERSION = 1
_SECRET_PARAMS = ("token", "key", "secret", "sig", "password", "auth", "code")


def body(message: Notification) -> bytes:
    """The exact bytes sent (and signed): compact JSON, keys sorted."""
    data = {"version": SCHEMA_VERSION, **message.to_dict()}
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signature(secret: str, timestamp: int, raw: bytes) -> str:
    """``sha256=`` + hex HMAC-SHA256 of ``b"<timestamp>." + raw`` keyed with ``secret``."""
    signed = str(timestamp).encode() + b"." + raw
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


class WebhookNotifier:
    kind = "webhook"

    def __init__(
        self, config: NotifierConfig, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.name = config.name
        self.config = config
        self.transport = transport

    def _url(self) -> str:
        plain = self.config.options.get("url")
        if plain:
            return str(plain)
        import os

        env = str(self.config.options["url_env"])
        url = os.environ.get(env, "").strip()
        if not url:
            raise NotifyError(
                f"notifier {self.name}: the environment variable {env} (url_env) is not set",
                hint=f"export {env}=… in the environment aiusage runs in",
            )
        return url

    async def send(self, message: Notification) -> None:
        url = self._url()
        secrets = [url] if "url_env" in self.config.options else []
        headers: dict[str, str] = {}
        raw = body(message)
        if self.config.options.get("sign", True):
            secret = require_secret(self.config, "secret_env", "HMAC secret")
            secrets.append(secret)
            now = int(time.time())
            headers = {TIMESTAMP_HEADER: str(now), SIGNATURE_HEADER: signature(secret, now, raw)}
        await post(
            where=f"notifier {self.name} (webhook)",
            url=url,
            content=raw,
            headers=headers,
            secrets=secrets,
            timeout_s=self.config.timeout_s,
            refused_hint="the receiver refused the message: check its URL and that it "
            "verifies the signature with the same secret",
            transport=self.transport,
        )


class WebhookKind:
    kind = "webhook"
    description = "JSON POST signed with HMAC-SHA256"
    fields: Mapping[str, str] = {
        "url": "the receiver's URL, when it holds no token (else url_env)",
        "url_env": "environment variable holding the URL",
        "secret_env": "environment variable holding the HMAC secret (else the keyring)",
        "sign": "sign each request (default true); false only for a receiver that cannot verify",
    }
    secret: str | None = "the HMAC secret"
    secret_env: str | None = "secret_env"

    def check(self, options: Mapping[str, Any], where: str) -> None:
        env_name(options, "url_env", where)
        env_name(options, "secret_env", where)
        url, url_env = options.get("url"), options.get("url_env")
        if bool(url) == bool(url_env):
            raise ConfigError(
                f"{where}: give the receiver's URL as url or url_env (one of them)",
                hint='e.g. url = "https://alerts.example.com/aiusage"',
            )
        if url is not None:
            _check_plain_url(url, where)
        sign = options.get("sign", True)
        if not isinstance(sign, bool):
            raise ConfigError(f"{where}: sign must be true or false")
        if not sign and options.get("secret_env"):
            raise ConfigError(f"{where}: secret_env is set but sign = false")

    def build(self, config: NotifierConfig) -> WebhookNotifier:
        return WebhookNotifier(config)

    def target(self, config: NotifierConfig) -> str:
        from aiusage.alerts.notifiers.chat import webhook_target

        shown = webhook_target(config)
        return shown if config.options.get("sign", True) else f"{shown} (unsigned)"


def _check_plain_url(url: Any, where: str) -> None:
    """A URL written in the file must not carry a credential."""
    hint = 'put the URL in an environment variable and name it: url_env = "VAR"'
    if not isinstance(url, str) or not urlsplit(url).scheme.startswith("http"):
        raise ConfigError(f"{where}: url must be an http(s) URL", hint=hint)
    parts = urlsplit(url)
    if parts.password or parts.username:
        raise ConfigError(f"{where}: url carries a user name or password", hint=hint)
    for name, _ in parse_qsl(parts.query, keep_blank_values=True):
        if any(word in name.lower() for word in _SECRET_PARAMS):
            raise ConfigError(
                f"{where}: url has a {name!r} parameter that looks like a credential", hint=hint
            )
    if "hooks.slack.com" in url_host(url) or "discord" in url_host(url):
        raise ConfigError(
            f"{where}: a Slack or Discord webhook URL carries its token",
            hint='use type = "slack" or "discord" with url_env = "VAR" (or the keyring)',
        )
