"""OpenAI: token usage and billed costs from the organization Usage and Costs APIs.

Why this way: those APIs are the only free, official record of what an organization used
and paid, and they need an Admin key (``sk-admin-…``). Rate limits are only sent as
headers on inference calls, which cost money, so reading them is an opt-in billed probe
(``probe=true``) and otherwise reported as unavailable. Everything goes through
``request_json`` so retries, hints and key redaction are the same as every provider's.
"""

from __future__ import annotations

import os
from typing import Any

from aiusage.errors import SourceAuthError, SourceError, SourceRateLimitError
from aiusage.records import Observation, UsageEvent
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
from aiusage.sources.providers.openai_parse import (
    KINDS,
    Kind,
    buckets,
    cost_event,
    rate_limit_observations,
    usage_event,
)

HOUR_S, DAY_S = 3600, 86400
USAGE_PAGE = 168  # the most 1h buckets one page may hold (spec: default 24, max 168)
COST_PAGE = 180  # the most 1d cost buckets one page may hold (spec: 1–180)
SETTLE_S = 15 * 60  # a usage hour is final this long after it ended (late rows)
COST_SETTLE_S = 6 * 3600  # a cost day is final this long after it ended
MAX_PAGES = 2000  # a cursor that never ends is a provider bug, not a reason to loop
DEFAULT_PROBE_MODEL = "gpt-4o-mini"
PROBE_COST = (
    "one 1-token chat completion per collection: about $0.000002 with gpt-4o-mini, "
    "under $0.001 a day at the default 5-minute interval"
)
KEY_HINT = (
    "create an Admin key (sk-admin-…) at https://platform.openai.com/settings/organization/"
    "admin-keys; project keys (sk-proj-…) cannot read usage or costs"
)
FORBIDDEN_HINT = (
    "the Usage and Costs APIs need an OpenAI Admin key (sk-admin-…, scope api.usage.read): "
    "create one at "
    "https://platform.openai.com/settings/organization/admin-keys"
)

INFO = ProviderInfo(
    name="openai",
    label="OpenAI",
    default_base_url="https://api.openai.com/v1",
    reports=frozenset({USAGE, COST}),
    unavailable={
        RATE_LIMITS: "OpenAI sends x-ratelimit-* headers only on inference calls, which are "
        f"billed; opt in with --option probe=true ({PROBE_COST}); an Admin key cannot make "
        "inference calls, so also set probe_key_env to a variable holding a project key",
        BALANCE: "OpenAI has no public endpoint for prepaid credit (the dashboard's needs a "
        "browser session key)",
    },
    needs=("admin key",),
    key_hint=KEY_HINT,
    options={
        "project_ids": "comma-separated project ids (proj_…) to read; default: all projects",
        "probe": f"true to read rate limits with a billed probe: {PROBE_COST}",
        "probe_model": f"model the probe calls (default {DEFAULT_PROBE_MODEL})",
        "probe_key_env": "environment variable holding a project key for the probe "
        "(default: the account's key, which must then not be an Admin key)",
    },
    min_interval_s=60,
    default_interval_s=300,
)


def _floor(seconds: int, width: int) -> int:
    return seconds - seconds % width


def _on(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _key(request: CollectRequest) -> str:
    if not request.key:
        raise SourceAuthError("OpenAI: no Admin key is configured for this account", KEY_HINT)
    return request.key


class OpenAIProvider:
    """The OpenAI adapter: usage per hour, costs per day, opt-in rate-limit probe."""

    info: ProviderInfo = INFO

    async def collect(self, request: CollectRequest) -> Collected:
        key = _key(request)
        now_s = request.now_ms // 1000
        complete_s = _floor(now_s - SETTLE_S, HOUR_S)
        out = Collected()
        errors: list[SourceError] = []
        lost = False  # a usage or cost read failed: the cursor must not move past it
        succeeded = 0

        if _on(request.options.get("probe")):
            try:
                out.observations.extend(await self._probe(request))
                succeeded += 1
            except SourceError as exc:
                errors.append(exc)
                out.degraded.append(f"rate-limit probe: {exc}")

        refused = False  # after a 401/403/long 429 the other admin calls fail the same way
        for kind in KINDS:
            if refused:
                out.degraded.append(f"usage/{kind.name}: skipped after the refusal above")
                lost = True
                continue
            try:
                out.events.extend(await self._usage(request, key, kind, complete_s))
                succeeded += 1
            except SourceError as exc:
                errors.append(exc)
                out.degraded.append(f"usage/{kind.name}: {exc}")
                lost, refused = True, isinstance(exc, SourceAuthError | SourceRateLimitError)

        if refused:
            out.degraded.append("costs: skipped after the refusal above")
            lost = True
        else:
            try:
                out.events.extend(await self._costs(request, key, now_s))
                succeeded += 1
            except SourceError as exc:
                errors.append(exc)
                out.degraded.append(f"costs: {exc}")
                lost = True

        if not succeeded:
            raise errors[0]
        billed_until_s = _floor(now_s - COST_SETTLE_S, DAY_S)  # days before: final bills
        out.events = unbilled(out.events, billed_until_s * 1000)
        since_ms = _floor(request.since_ms // 1000, HOUR_S) * 1000
        until_ms = min(complete_s, billed_until_s) * 1000
        out.complete_until_ms = since_ms if lost else max(since_ms, until_ms)
        return out

    async def check(self, request: CollectRequest) -> str:
        """List projects (free, admin-only): proves the key is an Admin key."""
        key = _key(request)
        answer = await request_json(
            request.client,
            "GET",
            "organization/projects",
            label="OpenAI projects",
            secrets=[key],
            headers={"Authorization": f"Bearer {key}"},
            params={"limit": 100},
            login_hint=KEY_HINT,
            forbidden_hint=FORBIDDEN_HINT,
        )
        body = answer.body if isinstance(answer.body, dict) else {}
        data = [p for p in body.get("data") or [] if isinstance(p, dict)]
        names = [str(p.get("name") or p.get("id") or "?") for p in data]
        more = "+" if body.get("has_more") else ""
        shown = ", ".join(names[:5]) + (", …" if len(names) > 5 else "")
        return f"Admin key accepted; {len(names)}{more} projects" + (f": {shown}" if shown else "")

    # -- reads -------------------------------------------------------------------------

    async def _pages(
        self, request: CollectRequest, key: str, path: str, params: list[tuple[str, Any]]
    ) -> list[dict[str, Any]]:
        """Every bucket of a paginated Usage/Costs query (``page`` = previous next_page)."""
        label = f"OpenAI {path.removeprefix('organization/').replace('/', ' ')}"
        found: list[dict[str, Any]] = []
        cursor: str | None = None
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            answer = await request_json(
                request.client,
                "GET",
                path,
                label=label,
                secrets=[key],
                headers={"Authorization": f"Bearer {key}"},
                params=params + ([("page", cursor)] if cursor else []),
                login_hint=KEY_HINT,
                forbidden_hint=FORBIDDEN_HINT,
            )
            data, more, cursor = buckets(answer.body, label)
            found.extend(data)
            if not more or cursor is None:
                return found
            if cursor in seen:
                raise SourceError(f"{label}: the next_page cursor repeats", hint=_REPORT)
            seen.add(cursor)
        raise SourceError(f"{label}: more than {MAX_PAGES} pages", hint=_REPORT)

    def _filters(self, request: CollectRequest) -> list[tuple[str, Any]]:
        ids = request.options.get("project_ids") or ""
        return [("project_ids[]", p.strip()) for p in ids.split(",") if p.strip()]

    async def _usage(
        self, request: CollectRequest, key: str, kind: Kind, complete_s: int
    ) -> list[UsageEvent]:
        start_s = _floor(request.since_ms // 1000, HOUR_S)
        params: list[tuple[str, Any]] = [
            ("start_time", start_s),
            ("bucket_width", "1h"),
            ("limit", USAGE_PAGE),
            *(("group_by[]", g) for g in kind.group_by),
            *self._filters(request),
        ]
        events: list[UsageEvent] = []
        for bucket in await self._pages(request, key, f"organization/usage/{kind.name}", params):
            start = bucket["start_time"]
            end = bucket.get("end_time") if isinstance(bucket.get("end_time"), int) else None
            # counts without tokens never win the store's "most tokens" rule, so an hour
            # still filling up is left for the next collection
            if not kind.tokens and (end or start + HOUR_S) > complete_s:
                continue
            events.extend(
                usage_event(request.account, kind, start, row)
                for row in bucket["results"]
                if isinstance(row, dict)
            )
        return events

    async def _costs(self, request: CollectRequest, key: str, now_s: int) -> list[UsageEvent]:
        """Daily costs, from the day before ``since`` (late charges land after midnight);
        only days over for ``COST_SETTLE_S``: a grown amount would not replace a copy."""
        start_s = _floor(request.since_ms // 1000, DAY_S) - DAY_S
        params: list[tuple[str, Any]] = [
            ("start_time", start_s),
            ("bucket_width", "1d"),
            ("limit", COST_PAGE),
            ("group_by[]", "line_item"),
            ("group_by[]", "project_id"),
            *self._filters(request),
        ]
        events: list[UsageEvent] = []
        for bucket in await self._pages(request, key, "organization/costs", params):
            start = bucket["start_time"]
            end = bucket.get("end_time") if isinstance(bucket.get("end_time"), int) else None
            if (end or start + DAY_S) > now_s - COST_SETTLE_S:
                continue
            for row in bucket["results"]:
                event = cost_event(request.account, start, row) if isinstance(row, dict) else None
                if event is not None:
                    events.append(event)
        return events

    async def _probe(self, request: CollectRequest) -> list[Observation]:
        """One 1-token chat completion, billed, for its x-ratelimit-* headers."""
        model = (request.options.get("probe_model") or "").strip() or DEFAULT_PROBE_MODEL
        env = (request.options.get("probe_key_env") or "").strip()
        key = os.environ.get(env, "") if env else (request.key or "")
        if not key:
            raise SourceAuthError(
                f"OpenAI rate-limit probe: {'$' + env if env else 'the account key'} is empty",
                hint="set probe_key_env to an environment variable holding a project key",
            )
        if key.startswith("sk-admin-"):
            raise SourceAuthError(
                "OpenAI rate-limit probe: an Admin key cannot make inference calls",
                hint="set probe_key_env to an environment variable holding a project key",
            )
        answer = await request_json(
            request.client,
            "POST",
            "chat/completions",
            label="OpenAI rate-limit probe (billed)",
            secrets=[key, request.key or ""],
            headers={"Authorization": f"Bearer {key}"},
            json_body={
                "model": model,
                "messages": [{"role": "user", "content": "hi"}],
                "max_completion_tokens": 1,
            },
            login_hint="check the key named by probe_key_env",
            forbidden_hint=f"the probe's key must be allowed to call {model} "
            "(set probe_model to one it may use)",
        )
        found = rate_limit_observations(request.account, answer.headers, request.now_ms, model)
        if not found:
            raise SourceError(
                "OpenAI rate-limit probe: the answer carried no x-ratelimit-* headers",
                hint="a proxy or gateway in front of the API may strip them",
            )
        return found


_REPORT = "the API answered in a way it documents not to; report it with --verbose output"
