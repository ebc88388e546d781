"""Fireworks: ``GET /v1/accounts`` proves the key; the account's billing summary then gives
the last 30 days of rated spend (no balance endpoint exists).

Why an observation and not cost events: the summary is a rolling total over a window we
choose, so storing it as events would count the same dollars again on every run. The
endpoint is known from CodexBar only (unverified against Fireworks' docs), so a failure
there degrades the collection instead of failing it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from aiusage.errors import SourceError
from aiusage.records import Observation
from aiusage.sources.providers.base import (
    BALANCE,
    COST,
    RATE_LIMITS,
    STATUS,
    USAGE,
    Collected,
    CollectRequest,
    ProviderInfo,
)
from aiusage.sources.providers.generic import GenericProvider, KeyCheck
from aiusage.sources.providers.http import Answer

SPEND_METRIC = "spend"
SPEND_DAYS = 30

INFO = ProviderInfo(
    name="fireworks",
    label="Fireworks",
    default_base_url="https://api.fireworks.ai",  # fireworks-ai SDK
    reports=frozenset({STATUS}),
    unavailable={
        USAGE: "Fireworks has no per-model token usage API for keys",
        COST: "only a rolling 30-day spend total is read (observation 'spend', window "
        "'30d'); no per-day billed events, so it is not counted as cost",
        BALANCE: "Fireworks has no credit-balance endpoint; see app.fireworks.ai billing",
        RATE_LIMITS: "Fireworks documents no rate-limit headers on free calls",
    },
    key_hint="https://app.fireworks.ai/settings/users/api-keys",
    options={"account": "account id (slug) to read spend for, when the key sees several"},
)


def account_slugs(body: Any) -> list[str]:
    """Slugs from ``{"accounts": [{"name": "accounts/<slug>"}, …]}``."""
    items = body.get("accounts") if isinstance(body, dict) else None
    slugs: list[str] = []
    for item in items if isinstance(items, list) else []:
        name = item.get("name") if isinstance(item, dict) else None
        if isinstance(name, str) and name.strip():
            slugs.append(name.strip().removeprefix("accounts/"))
    return slugs


def describe_accounts(body: Any) -> dict[str, Any]:
    slugs = account_slugs(body)
    found: dict[str, Any] = {"accounts": len(slugs)}
    if len(slugs) == 1:
        found["account"] = slugs[0]
    return found


def spend(body: Any) -> tuple[float, str, int] | None:
    """(total, currency, line items) summing ``units + nanos/1e9`` in the first currency
    met, skipping rows in others; None when no row is rated."""
    items = body.get("lineItems") if isinstance(body, dict) else None
    currency, total, count = "", 0.0, 0
    for item in items if isinstance(items, list) else []:
        cost = item.get("totalCost") if isinstance(item, dict) else None
        if not isinstance(cost, dict):
            continue
        code = str(cost.get("currencyCode") or "").strip()
        try:
            amount = float(cost.get("units") or 0) + float(cost.get("nanos") or 0) / 1e9
        except (TypeError, ValueError):
            continue
        if not code or (currency and code != currency):
            continue
        currency, total, count = code, total + amount, count + 1
    return (round(total, 9), currency, count) if currency else None


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class FireworksProvider(GenericProvider):
    """The account listing, then the 30-day spend of the chosen account."""

    def __init__(self) -> None:
        super().__init__(INFO, KeyCheck("v1/accounts", describe=describe_accounts))

    async def extra(self, request: CollectRequest, answer: Answer, found: Collected) -> None:
        slugs = account_slugs(answer.body)
        chosen = (request.options.get("account") or "").strip()
        if not chosen and len(slugs) == 1:
            chosen = slugs[0]
        if not chosen:
            found.degraded.append(
                f"spend: the key sees {len(slugs)} accounts; set the 'account' option"
            )
            return
        start_ms = request.now_ms - SPEND_DAYS * 86_400_000
        try:
            summary = await self.call(
                request,
                f"v1/accounts/{quote(chosen, safe='')}/billing/summary",
                params={"startTime": _iso(start_ms), "endTime": _iso(request.now_ms)},
                label="Fireworks billing summary",
            )
        except SourceError as exc:
            found.degraded.append(f"spend: {str(exc).splitlines()[0]}")
            return
        total = spend(summary.body)
        if total is None:
            return  # nothing rated in the window: no reading rather than a made-up $0
        value, currency, count = total
        found.observations.append(
            Observation(
                ts_ms=request.now_ms,
                account=request.account,
                metric=SPEND_METRIC,
                value=value,
                window=f"{SPEND_DAYS}d",
                unit=currency,
                source=INFO.name,
                meta={"account": chosen, "line_items": count, "unverified": True},
            )
        )
