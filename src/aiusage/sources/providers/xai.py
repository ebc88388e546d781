"""xAI: an inference key is checked with the free ``GET /v1/models``; with a ``team_id``
option the key is a Management API key and the prepaid balance is read instead.

Why two modes on one key: xAI's Management API refuses inference keys and the inference
API refuses management keys (provider-apis.md §6), so an account holds one or the other.
The balance is a posted ledger in string USD cents with the sign inverted ("-1000" is
$10 of credit) and is updated when a billing cycle closes, so mid-cycle it can be higher
than the console's live figure; that is said in the observation's meta.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aiusage.errors import SourceFormatError
from aiusage.records import Observation
from aiusage.sources.providers.base import (
    BALANCE,
    BALANCE_METRIC,
    COST,
    KEY_VALID,
    RATE_LIMITS,
    STATUS,
    USAGE,
    Collected,
    CollectRequest,
    ProviderInfo,
)
from aiusage.sources.providers.generic import GenericProvider, KeyCheck, count_models

MANAGEMENT_URL = "https://management-api.x.ai"
MANAGEMENT_HINT = (
    "create a Management API key at https://console.x.ai (Settings > Management Keys) with "
    "billing read access; inference keys are refused by the Management API"
)

INFO = ProviderInfo(
    name="xai",
    label="xAI",
    default_base_url="https://api.x.ai/v1",  # OpenAI-compatible REST base
    reports=frozenset({STATUS, BALANCE}),
    unavailable={
        USAGE: "xAI's usage analytics (POST …/teams/{team}/usage) is only partly documented "
        "and not read; see console.x.ai",
        COST: "xAI has no per-day billed cost API for inference keys; see console.x.ai",
        RATE_LIMITS: "xAI rate-limit headers are unverified, so none are read",
    },
    needs=("a Management API key and the team_id option for the balance",),
    key_hint="https://console.x.ai",
    options={
        "team_id": "xAI team id; the key is then a Management API key and the prepaid "
        "balance is read",
        "management_url": f"Management API base URL (default {MANAGEMENT_URL})",
    },
)


def balance_usd(body: Any) -> float:
    """Credit left in USD from ``{"total": {"val": "-1000"}}`` (inverted cents)."""
    total = body.get("total") if isinstance(body, dict) else None
    raw = total.get("val") if isinstance(total, dict) else None
    try:
        cents = float(raw) if isinstance(raw, str | int | float) else float("nan")
    except ValueError:
        cents = float("nan")
    if cents != cents or cents in (float("inf"), float("-inf")):
        raise SourceFormatError(
            "xAI prepaid balance answered without a numeric total.val "
            "(a missing total is never read as $0)"
        )
    return -cents / 100 + 0.0  # + 0.0: no '-0.0' for an empty ledger


class XaiProvider(GenericProvider):
    """Inference-key check, or the prepaid balance with a management key."""

    def __init__(self) -> None:
        super().__init__(INFO, KeyCheck("models", describe=count_models))

    async def collect(self, request: CollectRequest) -> Collected:
        team = (request.options.get("team_id") or "").strip()
        if not team:
            return await self.collect_key(request)
        return await self.collect_balance(request, team)

    async def collect_balance(self, request: CollectRequest, team: str) -> Collected:
        import httpx

        base = request.options.get("management_url") or MANAGEMENT_URL
        async with httpx.AsyncClient(base_url=base, timeout=request.client.timeout) as client:
            answer = await self.call(
                request,
                f"v1/billing/teams/{quote(team, safe='')}/prepaid/balance",
                label="xAI Management API prepaid balance",
                client=client,
                hint=MANAGEMENT_HINT,
            )
        value = balance_usd(answer.body)
        meta = {"team_id": team, "key_type": "management"}
        return Collected(
            observations=[
                Observation(
                    ts_ms=request.now_ms,
                    account=request.account,
                    metric=KEY_VALID,
                    value=1.0,
                    source=INFO.name,
                    meta=dict(meta),
                ),
                Observation(
                    ts_ms=request.now_ms,
                    account=request.account,
                    metric=BALANCE_METRIC,
                    value=value,
                    unit="USD",
                    source=INFO.name,
                    meta={**meta, "ledger": "posted at billing-cycle close"},
                ),
            ]
        )
