"""What every notification channel shares: the message, the protocol, the error, the config.

Why a protocol and not a base class: a plugin's channel only needs ``name``, ``kind`` and
``async send``; retries, timeouts and isolation live once in ``delivery``. A channel
attempts once per ``send`` and says, through ``NotifyError.retryable`` and
``retry_after_s``, whether trying again could help.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol, runtime_checkable

from aiusage.errors import AiusageError, ConfigError

Severity = Literal["info", "warning", "critical"]
SEVERITIES: tuple[Severity, ...] = ("info", "warning", "critical")
DEFAULT_TIMEOUT_S = 10.0
DEFAULT_ATTEMPTS = 3


class NotifyError(AiusageError):
    """A channel could not deliver. The message names the channel, never its secrets.

    ``retryable``: a later attempt may succeed (a timeout, a 5xx, a 429);
    ``retry_after_s``: how long the receiver asked us to wait (a 429's ``Retry-After``).
    """

    default_hint = "check the channel with `aiusage notify test NAME`"

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        retryable: bool = False,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message, hint)
        self.retryable = retryable
        self.retry_after_s = retry_after_s


@dataclass(frozen=True, slots=True)
class Notification:
    """One alert as every channel receives it. ``fired_at`` is epoch milliseconds (UTC)."""

    title: str
    body: str
    severity: Severity
    key: str  # the alert key cooldown is counted on, e.g. 'budget:monthly:all:exceeded'
    rule: str  # the rule that fired, e.g. 'budget_exceeded'
    scope: str  # what it is about: 'all', 'account:openai-work', 'agent:claude-code' …
    fired_at: int
    value: float | None = None
    threshold: float | None = None
    url: str | None = None

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {self.severity!r}")

    @property
    def fired_at_iso(self) -> str:
        return datetime.fromtimestamp(self.fired_at / 1000, UTC).isoformat(timespec="seconds")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["fired_at_iso"] = self.fired_at_iso
        return data

    def details(self) -> list[tuple[str, str]]:
        """(label, text) lines every channel shows under the body."""
        rows = [("Severity", self.severity), ("Rule", self.rule), ("Scope", self.scope)]
        if self.value is not None:
            rows.append(("Value", _number(self.value)))
        if self.threshold is not None:
            rows.append(("Threshold", _number(self.threshold)))
        when = datetime.fromtimestamp(self.fired_at / 1000, UTC)
        rows.append(("Fired at", when.strftime("%Y-%m-%d %H:%M:%S UTC")))
        return rows


def _number(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:,.0f}"


@runtime_checkable
class Notifier(Protocol):
    """A channel alerts go out through: one attempt per ``send``."""

    name: str
    kind: str

    async def send(self, message: Notification) -> None: ...


@dataclass(frozen=True, slots=True)
class NotifierConfig:
    """One ``[notifiers.NAME]`` table: the fields every kind has, plus its own ``options``.
    Secrets are never here, only the names of the variables that hold them."""

    name: str
    kind: str
    enabled: bool = True
    min_severity: Severity = "info"
    timeout_s: float = DEFAULT_TIMEOUT_S
    attempts: int = DEFAULT_ATTEMPTS
    options: Mapping[str, Any] = field(default_factory=dict)

    def accepts(self, message: Notification) -> bool:
        """Enabled and the message is at least as severe as ``min_severity``."""
        return self.enabled and SEVERITIES.index(message.severity) >= SEVERITIES.index(
            self.min_severity
        )


class NotifierKind(Protocol):
    """A type of channel (``type = "slack"``): what a plugin registers with
    ``register_notifiers``. ``fields`` maps its own options to their help; ``secret``
    names what the keyring entry ``aiusage`` / ``notifier:NAME`` holds for it, and
    ``secret_env`` the field that may name an environment variable holding it instead
    (both None: the kind needs no secret)."""

    kind: str
    description: str
    fields: Mapping[str, str]
    secret: str | None
    secret_env: str | None

    def check(self, options: Mapping[str, Any], where: str) -> None:
        """Raise ConfigError when ``options`` cannot work (called when the file is read)."""

    def build(self, config: NotifierConfig) -> Notifier:
        """The channel; must not fail (secrets are looked up when sending)."""

    def target(self, config: NotifierConfig) -> str:
        """Where it delivers, safe to show: a host, addresses — never a token."""


# -- helpers the built-in kinds share -------------------------------------------------

_URL = re.compile(r"\b([a-z][a-z0-9+.-]*://[^/\s?#]+)[^\s]*", re.IGNORECASE)


def scrub(text: str, secrets: Sequence[str] = ()) -> str:
    """Text safe to show: every known secret replaced, and every URL cut to its host
    (Slack and Discord webhook URLs carry their token in the path)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<redacted>")
    text = _URL.sub(lambda m: _without_userinfo(m.group(1)) + "/…", text)
    return text


def _without_userinfo(origin: str) -> str:
    scheme, _, rest = origin.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}"


def url_host(url: str) -> str:
    """The host (and port) of a URL: all of a webhook URL that is safe to show."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        return parts.hostname + (f":{parts.port}" if parts.port else "") if parts.hostname else "?"
    except ValueError:
        return "?"


def secret_from(config: NotifierConfig, env_field: str) -> str | None:
    """The channel's secret named by ``env_field`` (``url_env`` …), else the keyring's
    ``notifier:NAME``; None when neither has one. Failures become NotifyError."""
    from aiusage.secrets import find_notifier_secret

    env = config.options.get(env_field)
    try:
        return find_notifier_secret(config.name, str(env) if env else None, env_field)
    except ConfigError as exc:
        raise NotifyError(str(exc.args[0]), exc.hint) from None


def require_secret(config: NotifierConfig, env_field: str, what: str) -> str:
    found = secret_from(config, env_field)
    if found is None:
        raise NotifyError(
            f"notifier {config.name}: no {what} is configured",
            hint=f'name an environment variable ({env_field} = "VAR" in [notifiers.'
            f"{config.name}]) or store it in the keyring: "
            f"`aiusage notify secret {config.name}` (reads it from standard input)",
        )
    return found


def text_option(options: Mapping[str, Any], name: str, where: str, *, required: bool) -> None:
    value = options.get(name)
    if value is None and not required:
        return
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f'{where}: {name} must be a non-empty string (e.g. {name} = "…")')


def env_name(options: Mapping[str, Any], name: str, where: str) -> None:
    value = options.get(name)
    if value is not None and (
        not isinstance(value, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value)
    ):
        raise ConfigError(
            f"{where}: {name} must name an environment variable, not hold a value",
            hint=f'e.g. {name} = "AIUSAGE_{name.upper()}"; the value stays in the environment',
        )
