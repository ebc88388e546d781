"""Together AI: key validity from ``GET /models`` (a bare JSON list); rate-limit headers
are read only when present and marked unverified (third-party observation, §6)."""

from __future__ import annotations

from aiusage.sources.providers.base import BALANCE, COST, RATE_LIMITS, STATUS, USAGE, ProviderInfo
from aiusage.sources.providers.generic import (
    SECONDS,
    GenericProvider,
    KeyCheck,
    RateHeaders,
    count_models,
)

INFO = ProviderInfo(
    name="together",
    label="Together AI",
    default_base_url="https://api.together.xyz/v1",  # together SDK
    reports=frozenset({STATUS, RATE_LIMITS}),
    unavailable={
        USAGE: "Together AI publishes no usage API; see api.together.ai/settings/billing",
        COST: "Together AI publishes no billing API",
        BALANCE: "Together AI publishes no balance endpoint",
    },
    key_hint="https://api.together.ai/settings/api-keys",
)

RATE_HEADERS = (
    RateHeaders(
        window="requests",
        remaining="x-ratelimit-remaining",
        limit="x-ratelimit-limit",
        reset="x-ratelimit-reset",
        reset_format=SECONDS,
        unit="requests",
    ),
    RateHeaders(
        window="tokens",
        remaining="x-tokenlimit-remaining",
        limit="x-tokenlimit-limit",
        unit="tokens",
    ),
)


class TogetherProvider(GenericProvider):
    """Together's free ``models`` listing; limits only if its headers come back."""

    def __init__(self) -> None:
        super().__init__(
            INFO,
            KeyCheck("models", describe=count_models),
            rate_headers=RATE_HEADERS,
            headers_verified=False,
        )
