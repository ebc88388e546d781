"""One GET that returns JSON, for the opt-in subscription-limit fetchers.

Why a helper: both endpoints are undocumented and rate-limit hard, so every failure must
become a ``SourceError`` that names the endpoint and says what to do, and must never carry
the token. There is deliberately no retry loop: a 429 reports when to ask again and the
caller's schedule decides. httpx is imported only when a request is made.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from aiusage.errors import (
    SourceAuthError,
    SourceError,
    SourceForbiddenError,
    SourceFormatError,
    SourceRateLimitError,
    SourceUnavailableError,
)

if TYPE_CHECKING:
    import httpx

DEFAULT_TIMEOUT_S = 10.0
#: The least time between two polls we advise: these endpoints answer 429 even at 1/min.
MIN_POLL_S = 300
_MESSAGE_CHARS = 200


@dataclass(frozen=True, slots=True)
class Endpoint:
    """What a request is for, worded for the user who reads an error about it."""

    label: str  # e.g. 'Claude subscription usage'
    url: str
    login_hint: str  # what to run when the token is refused
    forbidden_hint: str = ""  # for 403, when it differs from login_hint
    other_hint: str = ""  # for any other 4xx (a documented API: a bad parameter is our bug)

    @property
    def where(self) -> str:
        return f"{self.label} (GET {self.url})"


@cache
def user_agent() -> str:
    from aiusage.version import package_version

    return f"aiusage/{package_version()}"


def current_ms() -> int:
    return time.time_ns() // 1_000_000


def iso_utc(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def redact(text: str, secrets: Sequence[str]) -> str:
    """Text with every secret replaced, so a server echoing a token cannot leak it."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<redacted>")
    return text


def get_json(
    endpoint: Endpoint,
    headers: Mapping[str, str],
    *,
    secrets: Sequence[str],
    transport: httpx.BaseTransport | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    now_ms: int | None = None,
) -> Any:
    """GET the endpoint once and return its parsed JSON body, or raise a ``SourceError``.

    ``secrets`` are scrubbed from anything the server says that ends up in an error.
    """
    import httpx

    where = endpoint.where
    try:
        with httpx.Client(transport=transport, timeout=timeout_s, follow_redirects=False) as c:
            response = c.get(endpoint.url, headers=dict(headers))
    except (httpx.InvalidURL, httpx.UnsupportedProtocol):
        raise SourceError(
            f"{where}: not a valid http(s) URL", hint="check the base URL given for this source"
        ) from None
    except UnicodeEncodeError:
        raise SourceAuthError(
            f"{where}: the token holds characters an HTTP header cannot carry",
            hint=endpoint.login_hint,
        ) from None
    except httpx.TimeoutException:
        raise SourceUnavailableError(
            f"{where}: no answer within {timeout_s:g} s",
            hint="the service may be slow or unreachable; try again in a few minutes",
        ) from None
    except httpx.ConnectError as exc:
        raise SourceUnavailableError(
            f"{where}: could not connect ({redact(str(exc), secrets) or type(exc).__name__})",
            hint="check the network connection (and any proxy), then try again",
        ) from None
    except httpx.TransportError as exc:
        raise SourceUnavailableError(
            f"{where}: the connection failed ({type(exc).__name__})",
            hint="check the network connection (and any proxy), then try again",
        ) from None
    now = current_ms() if now_ms is None else now_ms
    raise_for_status(endpoint, response, secrets, now)
    return parse_json_body(endpoint, response)


def raise_for_status(
    endpoint: Endpoint, response: httpx.Response, secrets: Sequence[str], now_ms: int
) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    said = _server_message(response, secrets)
    answered = f"{status} {response.reason_phrase}".strip() + (f": {said}" if said else "")
    where = endpoint.where
    if status == 401:
        raise SourceAuthError(
            f"{where} refused the token ({answered}); it has expired or was revoked",
            hint=endpoint.login_hint,
        )
    if status == 403:
        raise SourceForbiddenError(
            f"{where} denied access ({answered}); the token lacks a scope or the request "
            "was blocked",
            hint=endpoint.forbidden_hint or endpoint.login_hint,
        )
    if status == 429:
        raise _rate_limited(where, answered, response.headers.get("retry-after"), now_ms)
    if status >= 500:
        raise SourceUnavailableError(
            f"{where} failed on the provider's side ({answered})",
            hint="nothing to fix on your side; try again in a few minutes",
        )
    raise SourceError(
        f"{where} answered {answered}",
        hint=endpoint.other_hint
        or "this endpoint is undocumented and may have changed; update aiusage or report it",
    )


def _rate_limited(
    where: str, answered: str, header: str | None, now_ms: int
) -> SourceRateLimitError:
    wait_s = parse_retry_after(header, now_ms)
    poll = f"poll at most every {MIN_POLL_S // 60} minutes; aiusage does not retry by itself"
    if wait_s is None:
        return SourceRateLimitError(
            f"{where} is rate limiting requests ({answered}) and did not say for how long",
            hint=f"wait a few minutes, and {poll}",
        )
    retry_at_ms = now_ms + round(wait_s * 1000)
    return SourceRateLimitError(
        f"{where} is rate limiting requests ({answered}); retry after "
        f"{iso_utc(retry_at_ms)} (in {wait_s:.0f} s)",
        hint=f"try again after {iso_utc(retry_at_ms)}, and {poll}",
        retry_after_s=wait_s,
        retry_at_ms=retry_at_ms,
    )


def parse_retry_after(value: str | None, now_ms: int) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delay in seconds, or an HTTP-date)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = when.timestamp() - now_ms / 1000
    if seconds != seconds or seconds in (float("inf"), float("-inf")):
        return None
    return max(0.0, seconds)


def _server_message(response: httpx.Response, secrets: Sequence[str]) -> str:
    """The error text a JSON error body carries (Anthropic's and ChatGPT's shapes), if any."""
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return ""
    found: object = None
    if isinstance(body, dict):
        err = body.get("error")
        detail = body.get("detail")
        if isinstance(err, dict):
            found = err.get("message") or err.get("type") or err.get("code")
        elif isinstance(err, str):
            found = err
        elif isinstance(detail, dict):
            found = detail.get("message") or detail.get("code")
        elif isinstance(detail, str):
            found = detail
        else:
            found = body.get("message")
    if not isinstance(found, str):
        return ""
    clean = " ".join(redact(found, secrets).split())
    return clean[:_MESSAGE_CHARS] + ("…" if len(clean) > _MESSAGE_CHARS else "")


def parse_json_body(endpoint: Endpoint, response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        kind = response.headers.get("content-type", "no content type").split(";")[0]
        raise SourceFormatError(
            f"{endpoint.where} answered {response.status_code} but the body is not JSON "
            f"({kind}, {len(response.content)} bytes)"
        ) from None
