"""Claude subscription limits (5-hour, weekly, per-model, extra usage), read from the
undocumented OAuth usage endpoint that backs claude.ai's usage page.

Opt-in. The token is Claude Code's own sign-in, read-only: we never write it back and never
refresh it, because a refresh rotates the token Claude Code holds and signs it out. An
expired token is reported with the fix (run ``claude`` once), not worked around.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiusage.errors import SourceAuthError
from aiusage.records import Observation
from aiusage.sources.subscriptions.http import (
    DEFAULT_TIMEOUT_S,
    Endpoint,
    current_ms,
    get_json,
    iso_utc,
    user_agent,
)
from aiusage.sources.subscriptions.shapes import (
    BadShape,
    format_error,
    instant_ms,
    mapping,
    number,
)

if TYPE_CHECKING:
    import httpx

DEFAULT_BASE_URL = "https://api.anthropic.com"
USAGE_PATH = "/api/oauth/usage"
OAUTH_BETA = "oauth-2025-04-20"
TOKEN_ENV = "CLAUDE_CODE_OAUTH_TOKEN"
CREDENTIALS_FILE = ".credentials.json"
ACCOUNT = "claude-code"
SOURCE = "claude-oauth"
LOGIN_HINT = (
    "run `claude` once so Claude Code refreshes its sign-in (or `/login` inside it); "
    "aiusage never refreshes Claude Code's token itself"
)
FORBIDDEN_HINT = (
    "the token needs the user:profile scope: sign in with `claude` and `/login` "
    f"(a long-lived `claude setup-token` token in {TOKEN_ENV} may lack that scope)"
)
_WINDOW_NAMES = {"five_hour": "5h", "seven_day": "7d"}
_NOT_WINDOWS = frozenset({"extra_usage", "limits"})
_DOLLAR_FIELDS = ("limit_dollars", "used_dollars", "remaining_dollars")


@dataclass(frozen=True, slots=True)
class ClaudeCredentials:
    """Claude Code's OAuth sign-in as read from disk or the environment (token hidden)."""

    token: str = field(repr=False)
    origin: str  # the file it came from, or the environment variable's name
    expires_at_ms: int | None = None
    subscription_type: str | None = None
    rate_limit_tier: str | None = None

    def plan_meta(self) -> dict[str, str]:
        pairs = (
            ("subscription_type", self.subscription_type),
            ("rate_limit_tier", self.rate_limit_tier),
        )
        return {k: v for k, v in pairs if v}


def claude_config_dirs() -> list[Path]:
    """``CLAUDE_CONFIG_DIR`` (comma-separated) if set, else ``~/.claude``."""
    raw = os.environ.get("CLAUDE_CONFIG_DIR", "")
    dirs = [Path(p.strip()).expanduser() for p in raw.split(",") if p.strip()]
    return dirs or [Path.home() / ".claude"]


def read_claude_credentials(
    config_dirs: list[Path] | None = None, *, now_ms: int | None = None
) -> ClaudeCredentials:
    """The token from ``CLAUDE_CODE_OAUTH_TOKEN``, else from the first config dir holding a
    ``.credentials.json``. Files are only read. Raises ``SourceAuthError`` when there is no
    usable sign-in or it has expired."""
    env_token = os.environ.get(TOKEN_ENV, "").strip()
    if env_token:
        return ClaudeCredentials(token=env_token, origin=TOKEN_ENV)
    dirs = claude_config_dirs() if config_dirs is None else config_dirs
    for directory in dirs:
        path = directory / CREDENTIALS_FILE
        if path.is_file():
            creds = _read_file(path)
            _check_expiry(creds, current_ms() if now_ms is None else now_ms)
            return creds
    looked = ", ".join(str(d / CREDENTIALS_FILE) for d in dirs)
    raise SourceAuthError(
        f"no Claude Code sign-in found: {TOKEN_ENV} is not set and there is no {looked}",
        hint=(
            "sign in with `claude` (a Pro, Max or Team plan), or set "
            f"{TOKEN_ENV}; on macOS Claude Code keeps its token in the Keychain, so set "
            f"{TOKEN_ENV} there"
        ),
    )


def _read_file(path: Path) -> ClaudeCredentials:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceAuthError(
            f"cannot read {path} ({exc.strerror or type(exc).__name__})",
            hint="check that this user may read the file; aiusage never changes it",
        ) from None
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise SourceAuthError(
            f"{path} is not valid JSON", hint=f"sign in again with `claude`; {LOGIN_HINT}"
        ) from None
    oauth = doc.get("claudeAiOauth") if isinstance(doc, dict) else None
    token = oauth.get("accessToken") if isinstance(oauth, dict) else None
    if not isinstance(oauth, dict) or not isinstance(token, str) or not token.strip():
        raise SourceAuthError(
            f"{path} holds no Claude subscription sign-in (claudeAiOauth.accessToken); "
            "Claude Code may be using an API key, which has no plan limits",
            hint="sign in with `claude` and `/login` using a Pro, Max or Team account",
        )
    expires = oauth.get("expiresAt")
    return ClaudeCredentials(
        token=token.strip(),
        origin=str(path),
        expires_at_ms=instant_ms(expires) if not isinstance(expires, bool) else None,
        subscription_type=_text(oauth.get("subscriptionType")),
        rate_limit_tier=_text(oauth.get("rateLimitTier")),
    )


def _check_expiry(creds: ClaudeCredentials, now_ms: int) -> None:
    if creds.expires_at_ms is not None and creds.expires_at_ms <= now_ms:
        raise SourceAuthError(
            f"Claude Code's sign-in in {creds.origin} expired at {iso_utc(creds.expires_at_ms)}",
            hint=LOGIN_HINT,
        )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def fetch_claude_usage(
    *,
    base_url: str | None = None,
    token: str | None = None,
    config_dirs: list[Path] | None = None,
    transport: httpx.BaseTransport | None = None,
    now_ms: int | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> list[Observation]:
    """Ask Anthropic for the Claude plan's window utilisation and extra usage, once.

    ``token`` skips reading credentials (no plan in meta then). Raises a ``SourceError``
    subclass (auth, rate limit, unavailable, format) with a hint on failure.
    """
    now = current_ms() if now_ms is None else now_ms
    creds = (
        ClaudeCredentials(token=token, origin="token argument")
        if token
        else read_claude_credentials(config_dirs, now_ms=now)
    )
    endpoint = Endpoint(
        label="Claude subscription usage",
        url=(base_url or DEFAULT_BASE_URL).rstrip("/") + USAGE_PATH,
        login_hint=LOGIN_HINT,
        forbidden_hint=FORBIDDEN_HINT,
    )
    headers = {
        "Authorization": f"Bearer {creds.token}",
        "anthropic-beta": OAUTH_BETA,
        "Accept": "application/json",
        "User-Agent": user_agent(),
    }
    body = get_json(
        endpoint,
        headers,
        secrets=[creds.token],
        transport=transport,
        timeout_s=timeout_s,
        now_ms=now,
    )
    try:
        return claude_usage_observations(body, now_ms=now, meta=creds.plan_meta())
    except BadShape as exc:
        raise format_error(endpoint.where, exc) from None


def window_name(key: str) -> str:
    """``five_hour``→5h, ``seven_day``→7d, ``seven_day_opus``→7d-opus; others unchanged."""
    if key in _WINDOW_NAMES:
        return _WINDOW_NAMES[key]
    for prefix, short in (("seven_day_", "7d-"), ("five_hour_", "5h-")):
        if key.startswith(prefix) and len(key) > len(prefix):
            return short + key[len(prefix) :].replace("_", "-")
    return key


def _is_known_window(key: str) -> bool:
    return window_name(key) != key


def claude_usage_observations(
    body: Any, *, now_ms: int, meta: Mapping[str, Any] | None = None
) -> list[Observation]:
    """Observations from a ``/api/oauth/usage`` body; raises ``BadShape`` naming the field.

    Null windows are skipped; codename windows that come and go keep their own names;
    keys that are not windows are ignored.
    """
    doc = mapping(body, "the body")
    if not any(k in doc for k in _WINDOW_NAMES):
        raise BadShape(f"none of {', '.join(_WINDOW_NAMES)} is present")
    plan = dict(meta or {})
    out: list[Observation] = []
    for key, value in doc.items():
        if key in _NOT_WINDOWS or value is None:
            continue
        if not isinstance(value, dict) or "utilization" not in value:
            if _is_known_window(key):
                mapping(value, key)  # raises for a non-object
                raise BadShape(f"{key} has no utilization")
            continue  # an unknown key of another shape: not a window
        if value["utilization"] is None:
            continue
        out.append(_window(key, value, now_ms, plan))
    extra = doc.get("extra_usage")
    if extra is not None:
        reading = _extra_usage(mapping(extra, "extra_usage"), now_ms, plan)
        if reading is not None:
            out.append(reading)
    return out


def _window(key: str, value: dict[str, Any], now_ms: int, plan: dict[str, Any]) -> Observation:
    used = number(value["utilization"], f"{key}.utilization")
    resets = value.get("resets_at")
    meta: dict[str, Any] = {"key": key, **plan}
    resets_ms = instant_ms(resets)
    if resets is not None and resets_ms is None:
        meta["resets_at_unparsed"] = str(resets)[:64]
    for name in _DOLLAR_FIELDS:
        if value.get(name) is not None:
            meta[name] = number(value[name], f"{key}.{name}")
    return Observation.window_used(
        ts_ms=now_ms,
        account=ACCOUNT,
        window=window_name(key),
        value=used,
        resets_at_ms=resets_ms,
        source=SOURCE,
        meta=meta,
    )


def _extra_usage(extra: dict[str, Any], now_ms: int, plan: dict[str, Any]) -> Observation | None:
    """Pay-as-you-go usage beyond the plan; amounts are in 1/10**decimal_places (cents)."""
    if extra.get("is_enabled") is not True:
        return None
    places_raw = extra.get("decimal_places")
    places = 2 if places_raw is None else number(places_raw, "extra_usage.decimal_places")
    if places not in range(7):
        raise BadShape(f"extra_usage.decimal_places is {places:g}, expected 0 to 6")
    scale = 10 ** int(places)
    used_raw = extra.get("used_credits")
    used = 0.0 if used_raw is None else number(used_raw, "extra_usage.used_credits")
    limit_raw = extra.get("monthly_limit")
    limit = None if limit_raw is None else number(limit_raw, "extra_usage.monthly_limit") / scale
    meta: dict[str, Any] = {"key": "extra_usage", **plan}
    if isinstance(extra.get("utilization"), int | float):
        meta["utilization"] = float(extra["utilization"])
    currency = extra.get("currency")
    return Observation(
        ts_ms=now_ms,
        account=ACCOUNT,
        metric="extra_usage_usd",
        value=used / scale,
        window="month",
        limit=limit,
        unit=currency if isinstance(currency, str) and currency else "USD",
        resets_at_ms=instant_ms(extra.get("resets_at")),
        source=SOURCE,
        kind="official",
        meta=meta,
    )
