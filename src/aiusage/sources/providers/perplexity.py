"""Perplexity: key validity from ``GET /async/chat/completions`` (lists the key's async
jobs; free). ``GET /v1/models`` is not used: it needs no key, so it proves nothing."""

from __future__ import annotations

from typing import Any

from aiusage.sources.providers.base import BALANCE, COST, RATE_LIMITS, STATUS, USAGE, ProviderInfo
from aiusage.sources.providers.generic import GenericProvider, KeyCheck

INFO = ProviderInfo(
    name="perplexity",
    label="Perplexity",
    default_base_url="https://api.perplexity.ai",  # perplexityai SDK
    reports=frozenset({STATUS}),
    unavailable={
        USAGE: "Perplexity has no public usage API; see perplexity.ai/account/api",
        COST: "Perplexity has no public billing API",
        BALANCE: "Perplexity credits are only behind a browser-session endpoint "
        "(www.perplexity.ai/rest/billing/credits), which aiusage does not scrape",
        RATE_LIMITS: "Perplexity documents no rate-limit headers on free calls",
    },
    key_hint="https://www.perplexity.ai/account/api/keys",
)


def count_async(body: Any) -> dict[str, Any]:
    requests = body.get("requests") if isinstance(body, dict) else None
    return {"async_requests": len(requests)} if isinstance(requests, list) else {}


class PerplexityProvider(GenericProvider):
    """Perplexity's free async-job listing proves the key; nothing else is exposed."""

    def __init__(self) -> None:
        super().__init__(INFO, KeyCheck("async/chat/completions", describe=count_async))
