"""Mistral: key validity from ``GET /v1/models``; rate-limit headers are read only when
present, and marked unverified (third parties saw them on inference calls, §6)."""

from __future__ import annotations

from aiusage.sources.providers.base import BALANCE, COST, RATE_LIMITS, STATUS, USAGE, ProviderInfo
from aiusage.sources.providers.generic import GenericProvider, KeyCheck, RateHeaders, count_models

INFO = ProviderInfo(
    name="mistral",
    label="Mistral",
    default_base_url="https://api.mistral.ai",  # mistralai SDK; paths carry /v1
    reports=frozenset({STATUS, RATE_LIMITS}),
    unavailable={
        USAGE: "Mistral has no public usage API; usage lives behind admin.mistral.ai "
        "browser-session endpoints, which aiusage does not scrape",
        COST: "Mistral has no public billing API; see admin.mistral.ai/organization/usage",
        BALANCE: "Mistral credits are shown only in admin.mistral.ai (browser session)",
    },
    key_hint="https://console.mistral.ai/api-keys",
)

RATE_HEADERS = (
    RateHeaders(
        window="requests",
        remaining="x-ratelimit-remaining-req-minute",
        limit="x-ratelimit-limit-req-minute",
        unit="requests",
        period="minute",
    ),
    RateHeaders(
        window="tokens",
        remaining="x-ratelimit-remaining-tokens-minute",
        limit="x-ratelimit-limit-tokens-minute",
        unit="tokens",
        period="minute",
    ),
    RateHeaders(
        window="tokens_month",
        remaining="x-ratelimit-remaining-tokens-month",
        limit="x-ratelimit-limit-tokens-month",
        unit="tokens",
        period="month",
    ),
)


class MistralProvider(GenericProvider):
    """Mistral's free ``models`` listing; limits only if its headers come back."""

    def __init__(self) -> None:
        super().__init__(
            INFO,
            KeyCheck("v1/models", describe=count_models),
            rate_headers=RATE_HEADERS,
            headers_verified=False,
        )
