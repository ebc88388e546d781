"""OpenRouter: key spend and limit (any key), balance and per-day usage (management key).

Why three calls: ``GET /key`` works with every key and gives the key's spend (total, UTC
day/week/month) and its spending limit; ``GET /credits`` (account balance) and
``GET /activity`` (30 completed UTC days per model and endpoint) need a management key.
A plain key still yields its readings; the two refused parts go to ``Collected.degraded``
with the fix, so one missing permission never hides the rest.

Costs, the exception to base.py's rule: an activity row carries tokens *and* the dollars
billed for exactly those tokens, so each event holds both (``reported_cost_usd`` = the
row's ``usage``). There are no separate cost events for OpenRouter, so nothing counts
twice: ``--mode calculate`` reprices the tokens, ``auto``/``display`` show the bill. BYOK
spend paid to the upstream provider stays in ``meta`` (that provider's own bill has it).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from aiusage.errors import SourceError, SourceFormatError
from aiusage.records import Observation, UsageEvent
from aiusage.sources.providers.balance import amount, bearer, mapping
from aiusage.sources.providers.base import (
    BALANCE,
    BALANCE_METRIC,
    COST,
    KEY_VALID,
    RATE_LIMIT_REMAINING,
    RATE_LIMITS,
    STATUS,
    USAGE,
    Collected,
    CollectRequest,
    ProviderInfo,
)
from aiusage.sources.providers.http import request_json

CREDITS_USED = "credits_used"  # the key's spend in USD; window total/day/week/month
KEY_LIMIT_REMAINING = "key_limit_remaining"  # USD left under the key's spending limit
DAY_MS = 86_400_000
MANAGEMENT_HINT = (
    "GET /credits and GET /activity need an OpenRouter management key: create one at "
    "https://openrouter.ai/settings/management-keys and give it to this account"
)
_SPEND_WINDOWS = {
    "total": "usage",
    "day": "usage_daily",
    "week": "usage_weekly",
    "month": "usage_monthly",
}
# prompt -> input (cached reads included: /activity has no split), completion -> output
# (OpenRouter counts reasoning inside completion, as UsageEvent does), reasoning, requests.
_TOKEN_FIELDS = ("prompt_tokens", "completion_tokens", "reasoning_tokens", "requests")


def day_start_ms(ms: int) -> int:
    return ms - ms % DAY_MS


def next_reset_ms(period: str | None, now_ms: int) -> int | None:
    """When a UTC day/week (Monday)/month period ends; None for 'never' or unknown."""
    today = datetime.fromtimestamp(now_ms / 1000, UTC).date()
    if period in ("daily", "day"):
        end = today + timedelta(days=1)
    elif period in ("weekly", "week"):
        end = today + timedelta(days=7 - today.weekday())
    elif period in ("monthly", "month"):
        end = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    else:
        return None
    return int(datetime(end.year, end.month, end.day, tzinfo=UTC).timestamp() * 1000)


class OpenRouterProvider:
    """Key spend and limit, account balance and per-day, per-model usage with cost."""

    info = ProviderInfo(
        name="openrouter",
        label="OpenRouter",
        default_base_url="https://openrouter.ai/api/v1",
        reports=frozenset({USAGE, COST, BALANCE, STATUS}),
        unavailable={
            RATE_LIMITS: "OpenRouter sends rate-limit headers only with its own 429s and "
            "/key's rate_limit is deprecated (always -1); only the free-model daily request "
            "count is read, when /key includes it",
        },
        needs=("management key",),
        key_hint="create a key at https://openrouter.ai/settings/keys; a management key "
        "(https://openrouter.ai/settings/management-keys) adds daily usage and the balance",
    )

    async def _get(self, request: CollectRequest, path: str, label: str) -> Any:
        answer = await request_json(
            request.client,
            "GET",
            path,
            label=label,
            secrets=[request.key or ""],
            headers=bearer(request, self.info),
            login_hint="OpenRouter refused the key: check it at https://openrouter.ai/settings/keys",
            forbidden_hint=MANAGEMENT_HINT,
        )
        return mapping(answer.body, "the answer", label).get("data")

    async def collect(self, request: CollectRequest) -> Collected:
        """Key info must succeed; balance and activity degrade on their own."""
        key = await self._get(request, "key", "OpenRouter key info")
        found = Collected(observations=key_observations(key, request))
        try:
            credits = await self._get(request, "credits", "OpenRouter credits")
            found.observations.append(balance_observation(credits, request))
        except SourceError as exc:
            found.degraded.append(_why("account balance", exc))
        try:
            rows = await self._get(request, "activity", "OpenRouter activity")
            found.events = activity_events(rows, request)
            found.complete_until_ms = day_start_ms(request.now_ms)
        except SourceError as exc:
            found.degraded.append(_why("daily usage", exc))
        return found

    async def check(self, request: CollectRequest) -> str:
        """``GET /key`` is free and works with any key."""
        data = mapping(
            await self._get(request, "key", "OpenRouter key info"), "'data'", "OpenRouter"
        )
        where = "OpenRouter key info"
        used = amount(data.get("usage"), "usage", where)
        limit = data.get("limit")
        text = f"OpenRouter key '{_label(data, request)}': ${used:,.2f} spent"
        if limit is not None:
            text += f" of a ${amount(limit, 'limit', where):,.2f} limit"
            text += f" ({data['limit_reset']})" if data.get("limit_reset") else ""
        kind = "management key" if _management(data) else "inference key"
        return f"{text}; {kind}" + ("; free tier" if data.get("is_free_tier") else "")


def _management(data: dict[str, Any]) -> bool:
    return bool(data.get("is_management_key") or data.get("is_provisioning_key"))


def _label(data: dict[str, Any], request: CollectRequest) -> str:
    """The key's label; OpenRouter masks it, but a user-chosen one must not echo the key."""
    label = str(data.get("label") or "?")
    return label.replace(request.key, "<redacted>") if request.key else label


def _why(part: str, exc: SourceError) -> str:
    message = exc.args[0] if exc.args else type(exc).__name__
    return f"{part}: {message}" + (f" — {exc.hint}" if exc.hint else "")


def key_observations(raw: Any, request: CollectRequest) -> list[Observation]:
    """Spend per window, the spending limit, free-model requests and key validity."""
    where = "OpenRouter key info"
    data = mapping(raw, "'data'", where)
    now, account = request.now_ms, request.account

    def reading(metric: str, value: float, **kw: Any) -> Observation:
        return Observation(ts_ms=now, account=account, metric=metric, value=value,
                           source="openrouter", **kw)  # fmt: skip

    found = [
        reading(
            KEY_VALID,
            1.0,
            meta={
                "label": _label(data, request),
                "is_free_tier": data.get("is_free_tier"),
                "is_management_key": _management(data),
                "expires_at": data.get("expires_at"),
            },
        )
    ]
    for window, field in _SPEND_WINDOWS.items():
        byok = data.get(f"byok_{field}")
        found.append(
            reading(
                CREDITS_USED,
                amount(data.get(field), field, where),
                window=window,
                unit="USD",
                resets_at_ms=next_reset_ms(window, now),
                meta={"byok_usd": byok} if isinstance(byok, int | float) else {},
            )
        )
    if data.get("limit") is not None:
        limit = amount(data.get("limit"), "limit", where)
        left = data.get("limit_remaining")
        period = data.get("limit_reset") if isinstance(data.get("limit_reset"), str) else None
        found.append(
            reading(
                KEY_LIMIT_REMAINING,
                amount(left, "limit_remaining", where) if left is not None else limit,
                window=period or "total",
                limit=limit,
                unit="USD",
                resets_at_ms=next_reset_ms(period, now),
                meta={"include_byok_in_limit": data.get("include_byok_in_limit")},
            )
        )
    free = data.get("free_model_daily_requests")
    if isinstance(free, dict) and isinstance(free.get("remaining"), int | float):
        cap = free.get("limit")
        found.append(
            reading(
                RATE_LIMIT_REMAINING,
                float(free["remaining"]),
                window="free_models_day",
                limit=float(cap) if isinstance(cap, int | float) else None,
                unit="requests",
                resets_at_ms=next_reset_ms("daily", now),
            )
        )
    return found


def balance_observation(raw: Any, request: CollectRequest) -> Observation:
    """Account balance = credits bought − credits used, in USD."""
    where = "OpenRouter credits"
    data = mapping(raw, "'data'", where)
    bought = amount(data.get("total_credits"), "total_credits", where)
    used = amount(data.get("total_usage"), "total_usage", where)
    return Observation(
        ts_ms=request.now_ms,
        account=request.account,
        metric=BALANCE_METRIC,
        value=round(bought - used, 10),
        window="USD",
        limit=bought,
        unit="USD",
        source="openrouter",
        meta={"total_credits": bought, "total_usage": used},
    )


def _day_ms(text: Any, where: str) -> int:
    if not isinstance(text, str):
        raise SourceFormatError(f"{where}: an activity row has no date")
    try:
        day = date.fromisoformat(text[:10])
    except ValueError:
        raise SourceFormatError(f"{where}: {text[:40]!r} is not a YYYY-MM-DD date") from None
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)


def _count(row: dict[str, Any], field: str, where: str) -> int:
    value = row.get(field, 0)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SourceFormatError(f"{where}: '{field}' is {value!r}, not a count")
    return int(value)


def activity_events(raw: Any, request: CollectRequest) -> list[UsageEvent]:
    """One event per (UTC day, model, endpoint) carrying its tokens and its cost."""
    where = "OpenRouter activity"
    if not isinstance(raw, list):
        raise SourceFormatError(f"{where}: 'data' is not a list")
    found: dict[str, UsageEvent] = {}
    for item in raw:
        row = mapping(item, "an activity row", where)
        day_ms = _day_ms(row.get("date"), where)
        if day_ms + DAY_MS <= request.since_ms or day_ms >= day_start_ms(request.now_ms):
            continue  # before the cursor, or a day not yet complete
        model = str(row.get("model") or "")
        slug = str(row.get("model_permaslug") or model)
        endpoint = str(row.get("endpoint_id") or row.get("provider_name") or "")
        key = f"activity:{row['date'][:10]}:{slug}:{endpoint}"
        if row.get("workspace_id"):
            key += f":{row['workspace_id']}"
        counts = [_count(row, field, where) for field in _TOKEN_FIELDS]
        cost = amount(row.get("usage", 0), "usage", where)
        byok = amount(row.get("byok_usage_inference", 0), "byok_usage_inference", where)
        earlier = found.get(key)
        if earlier is not None:  # the same bucket twice: add them up rather than drop one
            counts = [a + b for a, b in zip(counts, _counts(earlier), strict=True)]
            cost += earlier.reported_cost_usd or 0.0
            byok += float(earlier.meta.get("byok_usd", 0.0))
        found[key] = UsageEvent(
            ts_ms=day_ms,
            source=request.account,
            dedup_key=key,
            model=model,
            provider="openrouter",
            account=request.account,
            input_tokens=counts[0],
            output_tokens=counts[1],
            reasoning_tokens=counts[2],
            requests=counts[3],
            reported_cost_usd=cost,
            meta={
                "model_permaslug": slug,
                "endpoint_id": endpoint,
                "upstream_provider": row.get("provider_name"),
                "byok_usd": byok,
                "bucket": "1d",
                "input_includes_cached": True,
            },
        )
    return sorted(found.values(), key=lambda e: e.dedup_key)


def _counts(event: UsageEvent) -> list[int]:
    return [event.input_tokens, event.output_tokens, event.reasoning_tokens, event.requests]
