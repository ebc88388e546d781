"""Turn Anthropic Admin report pages and rate-limit headers into records.

Why separate from the adapter: these are pure functions over the documented shapes
(provider-apis.md §2a, §2b), so the unit rules — uncached input, the 5m/1h cache-write
split, cost ``amount`` as a *string of cents* — are tested without any HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from aiusage.errors import SourceFormatError
from aiusage.records import Observation, UsageEvent
from aiusage.sources.providers.base import RATE_LIMIT_REMAINING
from aiusage.sources.providers.http import header_number
from aiusage.sources.subscriptions.shapes import instant_ms

PROVIDER = "anthropic"
#: header infix -> (Observation window, unit)
RATE_LIMIT_WINDOWS = {
    "requests": ("requests", "requests"),
    "tokens": ("tokens", "tokens"),
    "input-tokens": ("input_tokens", "tokens"),
    "output-tokens": ("output_tokens", "tokens"),
}
_USAGE_DIMS = ("workspace_id", "api_key_id", "service_tier", "context_window", "inference_geo")
_COST_DIMS = (
    "model",
    "cost_type",
    "token_type",
    "service_tier",
    "context_window",
    "inference_geo",
)


def buckets(body: Any, where: str) -> tuple[list[dict[str, Any]], bool, str | None]:
    """A report page's buckets, ``has_more`` and ``next_page``; SourceFormatError if the
    page is not the documented shape."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise SourceFormatError(f"{where}: the answer has no 'data' list")
    found: list[dict[str, Any]] = []
    for i, bucket in enumerate(body["data"]):
        if not isinstance(bucket, dict) or not isinstance(bucket.get("results"), list):
            raise SourceFormatError(f"{where}: data[{i}] has no 'results' list")
        if instant_ms(bucket.get("starting_at")) is None:
            raise SourceFormatError(f"{where}: data[{i}].starting_at is not a time")
        found.append(bucket)
    next_page = body.get("next_page")
    more = body.get("has_more") is True
    if more and not (isinstance(next_page, str) and next_page):
        raise SourceFormatError(f"{where}: has_more is true but next_page is missing")
    return found, more, next_page if isinstance(next_page, str) else None


def usage_events(bucket: dict[str, Any], account: str, where: str) -> list[UsageEvent]:
    """One hourly bucket of the messages usage report as token-only UsageEvents."""
    start = instant_ms(bucket["starting_at"])
    assert start is not None  # checked by buckets()
    end = instant_ms(bucket.get("ending_at"))
    events = []
    for i, row in enumerate(bucket["results"]):
        at = f"{where}: results[{i}] of {bucket['starting_at']}"
        if not isinstance(row, dict):
            raise SourceFormatError(f"{at} is not an object")
        cache = _object(row.get("cache_creation"), f"{at}.cache_creation")
        tools = _object(row.get("server_tool_use"), f"{at}.server_tool_use")
        uncached = _count(row.get("uncached_input_tokens"), at)
        output = _count(row.get("output_tokens"), at)
        read = _count(row.get("cache_read_input_tokens"), at)
        write_5m = _count(cache.get("ephemeral_5m_input_tokens"), at)
        write_1h = _count(cache.get("ephemeral_1h_input_tokens"), at)
        searches = _count(tools.get("web_search_requests"), at)
        if not (uncached or output or read or write_5m or write_1h or searches):
            continue
        model = _text(row.get("model"))
        dims = {d: _text(row.get(d)) for d in _USAGE_DIMS}
        meta: dict[str, Any] = {k: v for k, v in dims.items() if v}
        meta.update(bucket_width="1h", origin="usage_report")
        if end is not None:
            meta["bucket_end_ms"] = end
        if searches:
            meta["web_search_requests"] = searches
        key = "|".join(("usage", bucket["starting_at"], model, *dims.values()))
        events.append(
            UsageEvent(
                ts_ms=start,
                source=account,
                dedup_key=key,
                model=model,
                provider=PROVIDER,
                account=account,
                project=dims["workspace_id"] or "default",
                requests=0,  # the report counts tokens, not requests
                reported_cost_usd=0.0,
                input_tokens=uncached,  # 'uncached_input_tokens': no cache reads or writes
                output_tokens=output,
                cache_read_tokens=read,
                cache_write_5m_tokens=write_5m,
                cache_write_1h_tokens=write_1h,
                meta=meta,
            )
        )
    return events


def cents_to_usd(amount: object) -> Decimal:
    """The cost report's ``amount`` — a decimal string of US cents — in dollars, exactly."""
    if isinstance(amount, bool) or not isinstance(amount, str | int | float):
        raise ValueError(f"amount is {type(amount).__name__}, not a string of cents")
    try:
        cents = Decimal(amount) if isinstance(amount, str) else Decimal(str(amount))
    except InvalidOperation:
        raise ValueError(f"amount {amount!r} is not a number") from None
    if not cents.is_finite():
        raise ValueError(f"amount {amount!r} is not a finite number")
    return cents / 100


def cost_events(bucket: dict[str, Any], account: str, where: str) -> list[UsageEvent]:
    """One daily bucket of the cost report as zero-token events carrying the billed USD."""
    start = instant_ms(bucket["starting_at"])
    assert start is not None
    events = []
    for i, row in enumerate(bucket["results"]):
        at = f"{where}: results[{i}] of {bucket['starting_at']}"
        if not isinstance(row, dict):
            raise SourceFormatError(f"{at} is not an object")
        currency = _text(row.get("currency")) or "USD"
        if currency != "USD":
            raise SourceFormatError(f"{at}: currency {currency!r}, expected USD")
        try:
            usd = cents_to_usd(row.get("amount"))
        except ValueError as exc:
            raise SourceFormatError(f"{at}: {exc}") from None
        workspace = _text(row.get("workspace_id"))
        description = _text(row.get("description"))
        dims = {d: _text(row.get(d)) for d in _COST_DIMS}
        meta: dict[str, Any] = {k: v for k, v in dims.items() if v and k != "model"}
        meta.update(amount_cents=str(row.get("amount")), currency=currency, origin="cost_report")
        if description:
            meta["description"] = description
        if workspace:
            meta["workspace_id"] = workspace
        key = "|".join(("cost", bucket["starting_at"], workspace, description, *dims.values()))
        events.append(
            UsageEvent(
                ts_ms=start,
                source=account,
                dedup_key=key,
                model=dims["model"],
                provider=PROVIDER,
                account=account,
                project=workspace or "default",
                requests=0,
                reported_cost_usd=float(usd),
                meta=meta,
            )
        )
    return events


def rate_limit_observations(
    headers: Mapping[str, str], account: str, now_ms: int, via: str
) -> list[Observation]:
    """``anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-*`` headers as
    'rate_limit_remaining' Observations; resets are RFC 3339 instants."""
    found = []
    for infix, (window, unit) in RATE_LIMIT_WINDOWS.items():
        prefix = f"anthropic-ratelimit-{infix}-"
        remaining = header_number(headers, prefix + "remaining")
        if remaining is None:
            continue
        found.append(
            Observation(
                ts_ms=now_ms,
                account=account,
                metric=RATE_LIMIT_REMAINING,
                value=remaining,
                window=window,
                limit=header_number(headers, prefix + "limit"),
                unit=unit,
                resets_at_ms=instant_ms(headers.get(prefix + "reset")),
                source=account,
                meta={"provider": PROVIDER, "via": via},
            )
        )
    return found


def _object(value: object, at: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SourceFormatError(f"{at} is {type(value).__name__}, not an object")
    return value


def _count(value: object, at: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1e18:
        raise SourceFormatError(f"{at}: a token count is {value!r}, not a whole number")
    return int(value)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
