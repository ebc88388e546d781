"""ChatGPT plan limits for Codex (5-hour and weekly windows, code review, per-model limits,
credits), read from the undocumented ``wham/usage`` endpoint the Codex web UI uses.

Opt-in. The token is Codex CLI's own ChatGPT sign-in in ``auth.json``, read-only: we never
refresh or rewrite it (the CLI does that itself), and report an expired one with the fix.
"""

from __future__ import annotations

import base64
import json
import os
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
    numeric,
)

if TYPE_CHECKING:
    import httpx

DEFAULT_BASE_URL = "https://chatgpt.com"
USAGE_PATH = "/backend-api/wham/usage"
AUTH_FILE = "auth.json"
ACCOUNT = "codex"
SOURCE = "codex-usage-api"
LOGIN_HINT = (
    "run `codex` once so it refreshes its sign-in, or `codex login`; "
    "aiusage never refreshes Codex's token itself"
)
_WINDOW_NAMES = {18000: "5h", 604800: "7d"}
_SLOTS = (("primary_window", "primary"), ("secondary_window", "secondary"))


@dataclass(frozen=True, slots=True)
class CodexCredentials:
    """Codex CLI's ChatGPT sign-in as read from ``auth.json`` (token hidden)."""

    token: str = field(repr=False)
    account_id: str | None
    origin: str
    expires_at_ms: int | None = None


def default_codex_home() -> Path:
    """``$CODEX_HOME`` if set, else ``~/.codex``."""
    raw = os.environ.get("CODEX_HOME", "").strip()
    return Path(raw).expanduser() if raw else Path.home() / ".codex"


def read_codex_credentials(
    home: Path | None = None, *, now_ms: int | None = None
) -> CodexCredentials:
    """The ChatGPT access token and account id from ``<home>/auth.json``, only read.

    Raises ``SourceAuthError`` when Codex is not signed in with ChatGPT or the token (a JWT
    whose ``exp`` we read without verifying) has expired.
    """
    path = (default_codex_home() if home is None else home) / AUTH_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SourceAuthError(
            f"no Codex sign-in found: there is no {path}",
            hint="sign in with `codex login` using a ChatGPT account (set CODEX_HOME if "
            "Codex keeps its files elsewhere)",
        ) from None
    except OSError as exc:
        raise SourceAuthError(
            f"cannot read {path} ({exc.strerror or type(exc).__name__})",
            hint="check that this user may read the file; aiusage never changes it",
        ) from None
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise SourceAuthError(f"{path} is not valid JSON", hint=LOGIN_HINT) from None
    tokens = doc.get("tokens") if isinstance(doc, dict) else None
    token = tokens.get("access_token") if isinstance(tokens, dict) else None
    if not isinstance(tokens, dict) or not isinstance(token, str) or not token.strip():
        raise SourceAuthError(
            f"{path} holds no ChatGPT sign-in (tokens.access_token); Codex may be using an "
            "API key, which has no plan limits",
            hint="sign in with `codex login` using a ChatGPT account",
        )
    account = tokens.get("account_id")
    creds = CodexCredentials(
        token=token.strip(),
        account_id=account if isinstance(account, str) and account else None,
        origin=str(path),
        expires_at_ms=jwt_expiry_ms(token.strip()),
    )
    now = current_ms() if now_ms is None else now_ms
    if creds.expires_at_ms is not None and creds.expires_at_ms <= now:
        raise SourceAuthError(
            f"Codex's ChatGPT sign-in in {path} expired at {iso_utc(creds.expires_at_ms)}",
            hint=LOGIN_HINT,
        )
    return creds


def jwt_expiry_ms(token: str) -> int | None:
    """The ``exp`` claim of a JWT in epoch ms, read without verification; None if absent."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None
    exp = payload.get("exp") if isinstance(payload, dict) else None
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        return None
    return round(exp * 1000)


def fetch_codex_usage(
    *,
    base_url: str | None = None,
    token: str | None = None,
    account_id: str | None = None,
    codex_home: Path | None = None,
    transport: httpx.BaseTransport | None = None,
    now_ms: int | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> list[Observation]:
    """Ask ChatGPT for the Codex plan's windows and credits, once.

    ``token`` (with ``account_id``) skips reading ``auth.json``. Raises a ``SourceError``
    subclass (auth, rate limit, unavailable, format) with a hint on failure.
    """
    now = current_ms() if now_ms is None else now_ms
    creds = (
        CodexCredentials(token=token, account_id=account_id, origin="token argument")
        if token
        else read_codex_credentials(codex_home, now_ms=now)
    )
    endpoint = Endpoint(
        label="ChatGPT Codex usage",
        url=(base_url or DEFAULT_BASE_URL).rstrip("/") + USAGE_PATH,
        login_hint=LOGIN_HINT,
    )
    headers = {
        "Authorization": f"Bearer {creds.token}",
        "Accept": "application/json",
        "User-Agent": user_agent(),
    }
    if creds.account_id:
        headers["ChatGPT-Account-Id"] = creds.account_id
    body = get_json(
        endpoint,
        headers,
        secrets=[creds.token],
        transport=transport,
        timeout_s=timeout_s,
        now_ms=now,
    )
    try:
        return codex_usage_observations(body, now_ms=now)
    except BadShape as exc:
        raise format_error(endpoint.where, exc) from None


def window_name(seconds: int | None, fallback: str) -> str:
    """18000 s → 5h, 604800 s → 7d, other lengths in minutes (``90m``)."""
    if seconds is None:
        return fallback
    return _WINDOW_NAMES.get(seconds, f"{seconds // 60}m")


def codex_usage_observations(body: Any, *, now_ms: int) -> list[Observation]:
    """Observations from a ``wham/usage`` body; raises ``BadShape`` naming the field."""
    doc = mapping(body, "the body")
    if not any(k in doc for k in ("rate_limit", "plan_type", "credits")):
        raise BadShape("none of rate_limit, plan_type, credits is present")
    plan = doc.get("plan_type")
    base: dict[str, Any] = {"plan_type": plan} if isinstance(plan, str) and plan else {}
    out: list[Observation] = []
    out += _limits(doc.get("rate_limit"), "rate_limit", "", now_ms, base)
    out += _limits(
        doc.get("code_review_rate_limit"), "code_review_rate_limit", "review-", now_ms, base
    )
    extra = doc.get("additional_rate_limits")
    if extra is not None:
        if not isinstance(extra, list):
            raise BadShape("additional_rate_limits is not a list")
        for i, item in enumerate(extra):
            entry = mapping(item, f"additional_rate_limits[{i}]")
            feature = entry.get("metered_feature") or entry.get("limit_name") or f"limit{i}"
            meta = {**base, "feature": str(feature)}
            if isinstance(entry.get("limit_name"), str):
                meta["limit_name"] = entry["limit_name"]
            path = f"additional_rate_limits[{i}].rate_limit"
            out += _limits(entry.get("rate_limit"), path, f"{feature}-", now_ms, meta)
    credits = _credits(doc.get("credits"), now_ms, base)
    if credits is not None:
        out.append(credits)
    return out


def _limits(
    value: object, path: str, prefix: str, now_ms: int, meta: dict[str, Any]
) -> list[Observation]:
    if value is None:
        return []
    limits = mapping(value, path)
    out: list[Observation] = []
    for key, name in _SLOTS:
        window = limits.get(key)
        if window is not None:
            out.append(
                _window(
                    mapping(window, f"{path}.{key}"), f"{path}.{key}", name, prefix, now_ms, meta
                )
            )
    individual = limits.get("individual_limit")
    if individual is not None:
        out.append(_individual(mapping(individual, f"{path}.individual_limit"), path, now_ms, meta))
    return out


def _window(
    win: dict[str, Any], path: str, name: str, prefix: str, now_ms: int, meta: dict[str, Any]
) -> Observation:
    used = number(win.get("used_percent"), f"{path}.used_percent")
    seconds_raw = win.get("limit_window_seconds")
    seconds = (
        None if seconds_raw is None else int(number(seconds_raw, f"{path}.limit_window_seconds"))
    )
    resets = instant_ms(win.get("reset_at"))
    after = win.get("reset_after_seconds")
    if resets is None and after is not None:
        resets = now_ms + round(number(after, f"{path}.reset_after_seconds") * 1000)
    info = {**meta, "name": name, "window_minutes": None if seconds is None else seconds // 60}
    return _observation(prefix + window_name(seconds, name), used, now_ms, resets, info)


def _individual(ind: dict[str, Any], path: str, now_ms: int, meta: dict[str, Any]) -> Observation:
    """Enterprise seats get one per-user limit instead of windows: used vs limit."""
    where = f"{path}.individual_limit"
    info: dict[str, Any] = {**meta, "name": "individual"}
    for key in ("limit", "used"):
        if ind.get(key) is not None:
            info[key] = numeric(ind[key], f"{where}.{key}")
    if ind.get("remaining_percent") is not None:
        used = 100.0 - number(ind["remaining_percent"], f"{where}.remaining_percent")
    elif info.get("limit"):
        used = 100.0 * info.get("used", 0.0) / info["limit"]
    else:
        raise BadShape(f"{where} has neither remaining_percent nor a limit")
    return _observation("individual", used, now_ms, instant_ms(ind.get("resets_at")), info)


def _observation(
    window: str, used: float, now_ms: int, resets_ms: int | None, meta: dict[str, Any]
) -> Observation:
    return Observation.window_used(
        ts_ms=now_ms,
        account=ACCOUNT,
        window=window,
        value=used,
        resets_at_ms=resets_ms,
        source=SOURCE,
        meta=meta,
    )


def _credits(value: object, now_ms: int, meta: dict[str, Any]) -> Observation | None:
    """The credit balance; none when unlimited or not given (balance may be a string)."""
    if value is None:
        return None
    credits = mapping(value, "credits")
    if credits.get("unlimited") is True or credits.get("balance") is None:
        return None
    info = dict(meta)
    for key in ("has_credits", "approx_local_messages", "approx_cloud_messages"):
        if credits.get(key) is not None:
            info[key] = credits[key]
    return Observation(
        ts_ms=now_ms,
        account=ACCOUNT,
        metric="credits_balance",
        value=numeric(credits["balance"], "credits.balance"),
        unit="credits",
        source=SOURCE,
        kind="official",
        meta=info,
    )
