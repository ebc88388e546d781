"""Anthropic: hourly token usage and daily billed cost from the Admin API, and rate limits
from the free token-counting call.

Why these calls: the usage and cost reports are the only official per-model usage and the
bill (provider-apis.md §2a); they need an Admin key (``sk-ant-admin…``), which only an
organization's admins can make — individual accounts cannot have one. Rate-limit headers
come only with inference-style answers (§2b), and the one free call is
``POST /v1/messages/count_tokens`` (§2d), which takes a *normal* key, so rate limits are
read only when the option ``api_key_env`` names an env var holding one. Nothing billed is
ever sent.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from aiusage.errors import SourceAuthError, SourceError, SourceFormatError
from aiusage.records import Observation, UsageEvent
from aiusage.sources.providers.anthropic_reports import (
    buckets,
    cost_events,
    rate_limit_observations,
    usage_events,
)
from aiusage.sources.providers.base import (
    BALANCE,
    COST,
    RATE_LIMITS,
    USAGE,
    Collected,
    CollectRequest,
    ProviderInfo,
    unbilled,
)
from aiusage.sources.providers.http import request_json
from aiusage.sources.subscriptions.shapes import instant_ms

VERSION = "2023-06-01"
USAGE_PATH = "v1/organizations/usage_report/messages"
COST_PATH = "v1/organizations/cost_report"
COUNT_PATH = "v1/messages/count_tokens"
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
USAGE_LIMIT = 168  # the most 1h buckets a page may hold (1d: 31, 1m: 1440)
COST_LIMIT = 31  # the most 1d buckets a cost page may hold
USAGE_GROUPS = ("model", "workspace_id", "api_key_id", "service_tier", "context_window")
#: Reports fill in minutes after the fact: re-read the last full hour on the next run.
USAGE_SETTLE_MS = HOUR_MS
#: A day's cost is taken once it ended this long ago: the store keeps the first copy of a
#: zero-token event, so a partial day would never be corrected. Re-reading from the day
#: before ``since`` then catches every day as it settles (any settle time under 24 h).
COST_SETTLE_MS = 6 * HOUR_MS
COST_LOOKBACK_MS = DAY_MS
MAX_PAGES = 500  # a pagination that never ends is a bug on one side; stop and say so
DEFAULT_COUNT_MODEL = "claude-haiku-4-5"
ADMIN_HINT = (
    "the usage and cost reports need an Admin API key (sk-ant-admin…), which only an "
    "organization admin can create in Console → Settings → Admin keys; individual "
    "accounts cannot have one"
)

_INDIVIDUAL = "not for individual accounts: they cannot create Admin keys (organizations only)"

INFO = ProviderInfo(
    name="anthropic",
    label="Anthropic",
    default_base_url="https://api.anthropic.com",
    reports=frozenset({USAGE, COST, RATE_LIMITS}),
    unavailable={
        USAGE: _INDIVIDUAL,
        COST: _INDIVIDUAL + "; a day's cost is taken once the day has settled (6 h after it "
        "ends); until then aiusage prices that day's tokens (estimated); Priority Tier cost "
        "is not in the report",
        RATE_LIMITS: "only with option api_key_env naming an env var that holds a normal "
        "API key (count_tokens refuses the Admin key); the figures are those the free "
        "count_tokens answer carries, never from a billed call",
        BALANCE: "the Admin API reports no prepaid credit balance",
    },
    needs=("admin key (sk-ant-admin…)",),
    key_hint="an Admin key from https://console.anthropic.com/settings/admin-keys "
    "(organization admins only; individual accounts cannot have one)",
    options={
        "api_key_env": "env var holding a normal API key (sk-ant-api…) used only for the "
        "free count_tokens call that carries rate-limit headers",
        "count_model": f"model named in that count_tokens call (default {DEFAULT_COUNT_MODEL})",
    },
    min_interval_s=60,
    default_interval_s=300,
)


class AnthropicProvider:
    """Usage (1h buckets), cost (1d buckets) and rate limits for one Anthropic organization."""

    info = INFO

    async def collect(self, request: CollectRequest) -> Collected:
        key = _admin_key(request)
        now = request.now_ms
        start = min(request.since_ms, now) // HOUR_MS * HOUR_MS
        out = Collected()
        failures: list[SourceError] = []
        try:
            out.events.extend(await self._usage(request, key, start))
        except SourceError as exc:
            failures.append(exc)
            out.degraded.append(f"usage: {exc}")
        try:
            cost_start = (start // DAY_MS) * DAY_MS - COST_LOOKBACK_MS
            out.events.extend(await self._costs(request, key, cost_start))
        except SourceError as exc:
            failures.append(exc)
            out.degraded.append(f"cost: {exc}")
        rate_ok = False
        if request.options.get("api_key_env"):
            try:
                out.observations.extend(await self._rate_limits(request))
                rate_ok = bool(out.observations)
            except SourceError as exc:
                out.degraded.append(f"rate limits: {exc}")
        if len(failures) == 2 and not rate_ok:
            raise failures[0]
        billed_until = (now - COST_SETTLE_MS) // DAY_MS * DAY_MS  # days before: final bills
        out.events = unbilled(out.events, billed_until)
        if not failures:  # advance only when both reports were read in full
            settled = (now - USAGE_SETTLE_MS) // HOUR_MS * HOUR_MS
            out.complete_until_ms = max(start, min(settled, billed_until))
        return out

    async def check(self, request: CollectRequest) -> str:
        """One small usage report (yesterday and today in 1d buckets) proves the key."""
        key = _admin_key(request)
        today = request.now_ms // DAY_MS * DAY_MS
        params = [
            ("starting_at", _rfc3339(today - DAY_MS)),
            ("bucket_width", "1d"),
            ("limit", "2"),
            ("group_by[]", "workspace_id"),
        ]
        answer = await request_json(
            request.client, "GET", USAGE_PATH, params=params, **_admin(key, "usage report")
        )
        found, _, _ = buckets(answer.body, "Anthropic usage report")
        events = [e for b in found for e in usage_events(b, request.account, "usage report")]
        spaces = {e.project for e in events}
        tokens = sum(e.total_tokens for e in events)
        said = (
            f"admin key accepted; since yesterday {tokens:,} tokens in {len(spaces)} workspace(s)"
        )
        if request.options.get("api_key_env"):
            try:
                limits = await self._rate_limits(request)
                said += f"; rate limits readable ({len(limits)} windows)"
            except SourceError as exc:
                said += f"; rate limits unavailable: {str(exc).splitlines()[0]}"
        return said

    # -- the three parts ---------------------------------------------------------------

    async def _usage(self, request: CollectRequest, key: str, start: int) -> list[UsageEvent]:
        params = [
            ("starting_at", _rfc3339(start)),
            ("bucket_width", "1h"),
            ("limit", str(USAGE_LIMIT)),
            *(("group_by[]", g) for g in USAGE_GROUPS),
        ]
        where = "Anthropic usage report"
        events: list[UsageEvent] = []
        for bucket in await _pages(request, key, USAGE_PATH, params, "usage report"):
            events.extend(usage_events(bucket, request.account, where))
        return events

    async def _costs(self, request: CollectRequest, key: str, start: int) -> list[UsageEvent]:
        params = [
            ("starting_at", _rfc3339(start)),
            ("bucket_width", "1d"),
            ("limit", str(COST_LIMIT)),
            ("group_by[]", "workspace_id"),
            ("group_by[]", "description"),
        ]
        settled = request.now_ms - COST_SETTLE_MS
        events: list[UsageEvent] = []
        for bucket in await _pages(request, key, COST_PATH, params, "cost report"):
            end = _bucket_end(bucket, DAY_MS)
            if end <= settled:
                events.extend(cost_events(bucket, request.account, "Anthropic cost report"))
        return events

    async def _rate_limits(self, request: CollectRequest) -> list[Observation]:
        env = request.options.get("api_key_env", "")
        normal = os.environ.get(env, "").strip()
        if not normal:
            raise SourceAuthError(
                f"Anthropic rate limits: the env var {env!r} named by api_key_env is not set",
                hint="set it to a normal API key (sk-ant-api…), or drop the option",
            )
        body = {
            "model": request.options.get("count_model") or DEFAULT_COUNT_MODEL,
            "messages": [{"role": "user", "content": "ping"}],
        }
        answer = await request_json(
            request.client,
            "POST",
            COUNT_PATH,
            label="Anthropic token counting (free; read for rate-limit headers)",
            secrets=[normal, request.key or ""],
            headers=_headers(normal),
            json_body=body,
            login_hint=f"the env var {env} must hold a valid normal API key (sk-ant-api…), "
            "not the Admin key",
            forbidden_hint=f"the key in {env} may not use this model: set option count_model",
        )
        found = rate_limit_observations(
            answer.headers, request.account, request.now_ms, via=COUNT_PATH
        )
        if not found:
            raise SourceFormatError(
                "Anthropic token counting answered without anthropic-ratelimit-* headers",
                hint="rate limits cannot be read this way for this key; drop api_key_env",
            )
        return found


async def _pages(
    request: CollectRequest, key: str, path: str, params: list[tuple[str, str]], what: str
) -> list[dict[str, Any]]:
    """Every bucket of a report, following ``has_more``/``next_page`` into ``page``."""
    where = f"Anthropic {what}"
    found: list[dict[str, Any]] = []
    page: str | None = None
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        query = [*params, ("page", page)] if page else params
        answer = await request_json(request.client, "GET", path, params=query, **_admin(key, what))
        got, more, page = buckets(answer.body, where)
        found.extend(got)
        if not more:
            return found
        assert page is not None  # buckets() checks has_more comes with next_page
        if page in seen:
            raise SourceFormatError(f"{where}: next_page {page!r} repeats an earlier page")
        seen.add(page)
    raise SourceFormatError(f"{where}: still has_more after {MAX_PAGES} pages")


def _admin_key(request: CollectRequest) -> str:
    if not request.key:
        raise SourceAuthError(f"Anthropic account {request.account!r} has no key", hint=ADMIN_HINT)
    return request.key


def _admin(key: str, what: str) -> dict[str, Any]:
    """request_json arguments for an Admin API call: auth, labels and hints."""
    admin = key.startswith("sk-ant-admin")
    not_admin = "this key is not an Admin key: " + ADMIN_HINT
    return {
        "label": f"Anthropic {what}",
        "secrets": [key],
        "headers": _headers(key),
        "login_hint": (
            "the Admin key was refused: check it in Console → Settings → Admin keys "
            "(it may have been revoked)"
            if admin
            else not_admin
        ),
        "forbidden_hint": ADMIN_HINT if admin else not_admin,
    }


def _headers(key: str) -> Mapping[str, str]:
    return {"x-api-key": key, "anthropic-version": VERSION, "accept": "application/json"}


def _rfc3339(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _bucket_end(bucket: Mapping[str, Any], width_ms: int) -> int:
    end = instant_ms(bucket.get("ending_at"))
    if end is None:
        start = instant_ms(bucket.get("starting_at"))
        assert start is not None  # checked by buckets()
        end = start + width_ms
    return end
