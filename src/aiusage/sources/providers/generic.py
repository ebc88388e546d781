"""A data-driven adapter for providers that expose little more than "is this key valid?".

Why one shared adapter: xAI, Mistral, Groq, Gemini, Together, Fireworks, Perplexity and
Cohere publish no usage or cost API for ordinary API keys (provider-apis.md §6). What
each does offer for free is one authenticated listing call (``GET …/models`` and the
like), and some send rate-limit headers on it. So a provider is declared as data: how it
wants the key, which free call proves the key, which headers carry its limits and in what
format their resets come. Anything special (xAI's prepaid balance, Fireworks' spend
summary) is a small subclass overriding ``extra``. No call here is ever billed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiusage.errors import SourceAuthError
from aiusage.records import Observation
from aiusage.sources.providers.base import (
    KEY_VALID,
    RATE_LIMIT_REMAINING,
    Collected,
    CollectRequest,
    ProviderInfo,
)
from aiusage.sources.providers.http import (
    Answer,
    header_number,
    parse_duration_s,
    request_json,
)

BEARER = "bearer"  # Authorization: Bearer <key>
GOOG = "x-goog-api-key"  # Google's header (the ?key= query form would put it in URLs)

DURATION = "duration"  # Go-style relative duration: '2m59.56s', '7.66s'
SECONDS = "seconds"  # relative seconds: '12', '0.5'


@dataclass(frozen=True, slots=True)
class RateHeaders:
    """One rate-limit window as a provider names it in response headers."""

    window: str  # Observation.window: 'requests', 'tokens', 'tokens_month' …
    remaining: str
    limit: str | None = None
    reset: str | None = None
    reset_format: str = DURATION
    unit: str = ""  # 'requests' / 'tokens'
    period: str = ""  # what the provider says the window is: 'minute', 'day', 'month'


@dataclass(frozen=True, slots=True)
class KeyCheck:
    """The free, authenticated call that proves a key works."""

    path: str  # relative to the base URL
    method: str = "GET"
    params: Mapping[str, str] = field(default_factory=dict)
    auth: str = BEARER
    #: What the answer shows, e.g. {'models': 12}; kept in the observation's meta.
    describe: Callable[[Any], dict[str, Any]] = field(default=lambda body: {})


def count_models(body: Any) -> dict[str, Any]:
    """Model count of an OpenAI-style ``{"data": […]}``, Gemini's ``{"models": […]}``
    or Together's bare list."""
    items: Any = body
    if isinstance(body, dict):
        items = body.get("data", body.get("models"))
    return {"models": len(items)} if isinstance(items, list) else {}


def auth_headers(style: str, key: str) -> dict[str, str]:
    if style == GOOG:
        return {"x-goog-api-key": key}
    return {"Authorization": f"Bearer {key}"}


def rate_limit_observations(
    headers: Mapping[str, str],
    specs: Sequence[RateHeaders],
    *,
    account: str,
    source: str,
    now_ms: int,
    meta: Mapping[str, Any] | None = None,
) -> list[Observation]:
    """One observation per window whose ``remaining`` header is present and numeric;
    absent headers yield nothing rather than a guessed value."""
    found: list[Observation] = []
    for spec in specs:
        remaining = header_number(headers, spec.remaining)
        if remaining is None:
            continue
        limit = header_number(headers, spec.limit) if spec.limit else None
        resets_at_ms: int | None = None
        raw_reset = headers.get(spec.reset) if spec.reset else None
        if raw_reset is not None:
            seconds = (
                parse_duration_s(raw_reset)
                if spec.reset_format == DURATION
                else header_number(headers, spec.reset or "")
            )
            if seconds is not None and seconds >= 0:
                resets_at_ms = now_ms + round(seconds * 1000)
        extra: dict[str, Any] = dict(meta or {})
        if spec.period:
            extra["period"] = spec.period
        found.append(
            Observation(
                ts_ms=now_ms,
                account=account,
                metric=RATE_LIMIT_REMAINING,
                value=remaining,
                window=spec.window,
                limit=limit,
                unit=spec.unit,
                resets_at_ms=resets_at_ms,
                source=source,
                meta=extra,
            )
        )
    return found


class GenericProvider:
    """Key validity (+ rate-limit headers where sent) from one free call."""

    def __init__(
        self,
        info: ProviderInfo,
        key_check: KeyCheck,
        *,
        rate_headers: Sequence[RateHeaders] = (),
        headers_verified: bool = True,
    ) -> None:
        self.info = info
        self.key_check = key_check
        self.rate_headers = tuple(rate_headers)
        self.headers_verified = headers_verified  # False: third-party observations only

    # -- the Provider protocol -----------------------------------------------------------

    async def collect(self, request: CollectRequest) -> Collected:
        """Prove the key (KEY_VALID=1.0), read any rate-limit headers, then extras."""
        return await self.collect_key(request)

    async def check(self, request: CollectRequest) -> str:
        """The same free call; a one-line summary of what the key can see."""
        found = await self.collect(request)
        meta = found.observations[0].meta if found.observations else {}
        parts = [f"{self.info.label} key valid"]
        for name, value in meta.items():
            if isinstance(value, bool):
                continue
            if isinstance(value, int):
                parts.append(f"{value} {name}")  # '3 models'
            elif isinstance(value, str):
                parts.append(f"{name} {value}")  # 'team_id team-1'
        if found.degraded:
            parts.append("partly: " + "; ".join(found.degraded))
        return ", ".join(parts)

    # -- pieces subclasses reuse ---------------------------------------------------------

    def require_key(self, request: CollectRequest) -> str:
        if not request.key:
            raise SourceAuthError(
                f"{self.info.label} account {request.account!r} has no API key",
                hint=self.key_hint(),
            )
        return request.key

    def key_hint(self) -> str:
        return f"create a key at {self.info.key_hint} and give it to this account"

    async def call(
        self,
        request: CollectRequest,
        path: str,
        *,
        method: str = "GET",
        params: Mapping[str, str] | None = None,
        label: str = "",
        client: Any = None,
        hint: str = "",
    ) -> Answer:
        """One request with this provider's auth style and hints; the key is redacted."""
        key = self.require_key(request)
        return await request_json(
            client or request.client,
            method,
            path,
            label=label or f"{self.info.label} API",
            secrets=[key],
            headers=auth_headers(self.key_check.auth, key),
            params=dict(params) if params else None,
            login_hint=hint or self.key_hint(),
            forbidden_hint=f"the key has no access to this call; {hint or self.key_hint()}",
        )

    async def collect_key(self, request: CollectRequest) -> Collected:
        check = self.key_check
        answer = await self.call(
            request,
            check.path,
            method=check.method,
            params=check.params,
            label=f"{self.info.label} key check",
        )
        meta = check.describe(answer.body)
        observations = [
            Observation(
                ts_ms=request.now_ms,
                account=request.account,
                metric=KEY_VALID,
                value=1.0,
                source=self.info.name,
                meta=meta,
            )
        ]
        header_meta = {} if self.headers_verified else {"unverified": True}
        observations += rate_limit_observations(
            answer.headers,
            self.rate_headers,
            account=request.account,
            source=self.info.name,
            now_ms=request.now_ms,
            meta=header_meta,
        )
        found = Collected(observations=observations)
        await self.extra(request, answer, found)
        return found

    async def extra(self, request: CollectRequest, answer: Answer, found: Collected) -> None:
        """Subclasses add what else the provider offers for free (balance, spend)."""
