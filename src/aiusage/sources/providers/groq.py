"""Groq: key validity from ``GET /openai/v1/models`` plus the ``x-ratelimit-*`` headers Groq
sends on every response (provider-apis.md §6), so limits are read without a billed call."""

from __future__ import annotations

from aiusage.sources.providers.base import BALANCE, COST, RATE_LIMITS, STATUS, USAGE, ProviderInfo
from aiusage.sources.providers.generic import (
    DURATION,
    GenericProvider,
    KeyCheck,
    RateHeaders,
    count_models,
)

INFO = ProviderInfo(
    name="groq",
    label="Groq",
    default_base_url="https://api.groq.com",  # groq SDK; paths carry /openai/v1
    reports=frozenset({STATUS, RATE_LIMITS}),
    unavailable={
        USAGE: "Groq has no public usage API for API keys; the Enterprise Prometheus "
        "metrics endpoint is unverified and not read",
        COST: "Groq has no public billing API; see console.groq.com/settings/billing",
        BALANCE: "Groq has no balance endpoint",
    },
    key_hint="https://console.groq.com/keys",
)

RATE_HEADERS = (
    RateHeaders(
        window="requests",
        remaining="x-ratelimit-remaining-requests",
        limit="x-ratelimit-limit-requests",
        reset="x-ratelimit-reset-requests",
        reset_format=DURATION,
        unit="requests",
        period="day",
    ),
    RateHeaders(
        window="tokens",
        remaining="x-ratelimit-remaining-tokens",
        limit="x-ratelimit-limit-tokens",
        reset="x-ratelimit-reset-tokens",
        reset_format=DURATION,
        unit="tokens",
        period="minute",
    ),
)


class GroqProvider(GenericProvider):
    """Groq's free ``models`` listing and the rate-limit headers that come with it."""

    def __init__(self) -> None:
        super().__init__(
            INFO,
            KeyCheck("openai/v1/models", describe=count_models),
            rate_headers=RATE_HEADERS,
        )
