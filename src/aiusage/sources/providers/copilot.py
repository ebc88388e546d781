"""GitHub Copilot premium requests: per day and model from GitHub's billing usage API.

Why per day: the premium-request report sums whatever period is asked for (year, month or
day) and dates nothing inside it, so a day is the finest bucket. Usage events carry no
tokens, are written once (a zero-token event is never replaced by a later copy) and so are
emitted only for UTC days that ended ``settle_hours`` ago; the running month is reported
as an Observation every time. One event carries both the requests and the billed net
amount: with no tokens there is nothing for ``--mode calculate`` to price twice.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from aiusage.errors import ConfigError, SourceError, SourceFormatError
from aiusage.records import Observation, UsageEvent
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
from aiusage.sources.providers.http import request_json

NAME = "copilot"
API_VERSION = "2022-11-28"
DAY_MS = 86_400_000
MAX_DAYS_PER_RUN = 31  # a long backfill continues on the next runs
HISTORY_DAYS = 730  # GitHub keeps 24 months
PATHS = {
    "user": "/users/{}/settings/billing/premium_request/usage",
    "org": "/organizations/{}/settings/billing/premium_request/usage",
    "enterprise": "/enterprises/{}/settings/billing/premium_request/usage",
}
SCOPE_HINTS = {
    "user": 'a fine-grained token needs the "Plan" account permission (read) and must '
    "belong to that user (a classic token: the `user` scope); Copilot paid by an "
    "organization is reported under the `org` option instead",
    "org": 'a fine-grained token needs the "Administration" organization permission (read), '
    "from an organization owner or billing manager (a classic token: `admin:org`)",
    "enterprise": "the token must belong to an enterprise owner or billing manager (a "
    "classic token: `manage_billing:enterprise`)",
}
RATE_NOTE = "; if GitHub's message says 'rate limit exceeded', wait for its hourly reset"


def _scope(options: Mapping[str, str]) -> tuple[str, str]:
    given = [(k, options[k].strip()) for k in PATHS if options.get(k, "").strip()]
    if len(given) != 1:
        raise ConfigError(
            "a Copilot account needs exactly one of the options user, org or enterprise",
            hint="e.g. `--option user=monalisa` for a personal plan, `--option org=acme` "
            "for seats an organization pays for",
        )
    return given[0]


def _number(item: Mapping[str, Any], key: str, where: str) -> float:
    value = item.get(key, 0)
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise SourceFormatError(f"{where}: usageItems[].{key} is {value!r}, expected a number")
    return float(value)


def usage_items(body: Any, where: str) -> list[dict[str, Any]]:
    """The report's items, each checked; totals per (product, sku, model)."""
    items = body.get("usageItems") if isinstance(body, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise SourceFormatError(f"{where}: expected an object with a usageItems list")
    merged: dict[tuple[str, str, str], dict[str, Any]] = {}
    for item in items:
        key = tuple(str(item.get(k) or "") for k in ("product", "sku", "model"))
        row = merged.setdefault(
            (key[0], key[1], key[2]),
            {"product": key[0], "sku": key[1], "model": key[2], "unit_type": "", "price": 0.0},
        )
        row["unit_type"] = str(item.get("unitType") or row["unit_type"])
        row["price"] = _number(item, "pricePerUnit", where) or row["price"]
        for ours, theirs in (
            ("gross_quantity", "grossQuantity"),
            ("gross_amount", "grossAmount"),
            ("discount_quantity", "discountQuantity"),
            ("discount_amount", "discountAmount"),
            ("net_quantity", "netQuantity"),
            ("net_amount", "netAmount"),
        ):
            row[ours] = row.get(ours, 0.0) + _number(item, theirs, where)
    return list(merged.values())


def day_events(
    items: list[dict[str, Any]], day_ms: int, account: str, scope: str, name: str
) -> list[UsageEvent]:
    """One event per product/SKU/model of one UTC day: requests and the billed amount."""
    date = datetime.fromtimestamp(day_ms / 1000, UTC).strftime("%Y-%m-%d")
    return [
        UsageEvent(
            ts_ms=day_ms,
            source=account,
            dedup_key=f"{NAME}:{scope}:{name}:{date}:{i['product']}:{i['sku']}:{i['model']}",
            model=i["model"],
            provider=NAME,
            account=account,
            requests=round(i["gross_quantity"]),
            reported_cost_usd=i["net_amount"],
            meta={
                "scope": scope,
                "name": name,
                "date": date,
                "product": i["product"],
                "sku": i["sku"],
                "unit_type": i["unit_type"],
                "price_per_unit": i["price"],
                **{k: i[k] for k in i if k.endswith(("_quantity", "_amount"))},
            },
        )
        for i in items
        if i["gross_quantity"] or i["net_amount"]
    ]


def month_observations(
    items: list[dict[str, Any]], now: datetime, account: str, allowance: float | None
) -> list[Observation]:
    """Premium requests used and dollars billed so far this month (it resets on the 1st)."""
    nxt = (now.replace(day=1) + timedelta(days=32)).replace(day=1, hour=0, minute=0, second=0)
    common: dict[str, Any] = {
        "ts_ms": round(now.timestamp() * 1000),
        "account": account,
        "window": "month",
        "resets_at_ms": round(nxt.replace(microsecond=0).timestamp() * 1000),
        "source": NAME,
    }
    meta = {"year": now.year, "month": now.month}
    used = sum(i["gross_quantity"] for i in items)
    included = sum(i["discount_quantity"] for i in items)
    return [
        Observation(
            metric="premium_requests_used",
            value=used,
            limit=allowance,
            unit="requests",
            meta={**meta, "included_quantity": included},
            **common,
        ),
        Observation(
            metric="premium_requests_billed_usd",
            value=sum(i["net_amount"] for i in items),
            unit="USD",
            meta=meta,
            **common,
        ),
    ]


def _float_option(options: Mapping[str, str], key: str, default: float | None) -> float | None:
    text = options.get(key, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"option {key}={text!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise ConfigError(f"option {key}={text!r} must be zero or more")
    return value


class CopilotProvider:
    """GitHub's premium-request usage report for a user, organization or enterprise."""

    info = ProviderInfo(
        name=NAME,
        label="GitHub Copilot",
        default_base_url="https://api.github.com",
        reports=frozenset({USAGE, COST, STATUS}),
        unavailable={
            BALANCE: "Copilot is a subscription with no prepaid balance",
            RATE_LIMITS: "the included monthly allowance is not in the billing API; give it "
            "as the `allowance` option to see how close you are",
        },
        needs=("a token that may read billing",),
        key_hint="github.com/settings/personal-access-tokens: fine-grained token with the "
        '"Plan" account permission (user) or "Administration" read (org)',
        options={
            "user": "GitHub user whose own Copilot plan to read (self-paid plans only)",
            "org": "organization whose Copilot premium requests to read (admin token)",
            "enterprise": "enterprise whose Copilot premium requests to read",
            "allowance": "premium requests included per month (e.g. 300), shown as the limit",
            "settle_hours": "hours after a UTC day ends before it is read as final (24)",
        },
        min_interval_s=300,
        default_interval_s=3600,
    )

    async def _report(
        self, request: CollectRequest, when: datetime, *, day: bool
    ) -> list[dict[str, Any]]:
        scope, name = _scope(request.options)
        path = PATHS[scope].format(name)
        params = {"year": str(when.year), "month": str(when.month)}
        if day:
            params["day"] = str(when.day)
        label = f"GitHub Copilot premium requests ({scope} {name})"
        try:
            answer = await request_json(
                request.client,
                "GET",
                path,
                label=label,
                secrets=(request.key or "",),
                headers={
                    "Authorization": f"Bearer {request.key or ''}",
                    "Accept": "application/vnd.github+json",
                    "X-GitHub-Api-Version": API_VERSION,
                },
                params=params,
                login_hint=f"give a valid GitHub token: {SCOPE_HINTS[scope]}",
                forbidden_hint=SCOPE_HINTS[scope] + RATE_NOTE,
            )
        except SourceError as exc:
            if type(exc) is SourceError and "answered 404" in str(exc):
                raise SourceError(
                    str(exc).split("\n")[0],
                    hint=f"check the {scope} name; GitHub also answers 404 when the token "
                    "cannot see it or the account is not on enhanced billing",
                ) from None
            raise
        return usage_items(answer.body, f"{label} GET {path}")

    async def collect(self, request: CollectRequest) -> Collected:
        scope, name = _scope(request.options)
        allowance = _float_option(request.options, "allowance", None)
        settle_ms = round((_float_option(request.options, "settle_hours", 24.0) or 0) * 3600e3)
        now = datetime.fromtimestamp(request.now_ms / 1000, UTC)
        found = Collected(
            observations=month_observations(
                await self._report(request, now, day=False), now, request.account, allowance
            )
        )
        first = max(request.since_ms, request.now_ms - HISTORY_DAYS * DAY_MS) // DAY_MS * DAY_MS
        end = (request.now_ms - settle_ms) // DAY_MS * DAY_MS  # days before this are final
        day_ms = first
        while day_ms < end and day_ms < first + MAX_DAYS_PER_RUN * DAY_MS:
            when = datetime.fromtimestamp(day_ms / 1000, UTC)
            try:
                items = await self._report(request, when, day=True)
            except SourceError as exc:  # keep the days read; the next run resumes here
                found.degraded.append(f"{when:%Y-%m-%d}: {str(exc).splitlines()[0]}")
                break
            found.events += day_events(items, day_ms, request.account, scope, name)
            day_ms += DAY_MS
            found.complete_until_ms = day_ms
        return found

    async def check(self, request: CollectRequest) -> str:
        scope, name = _scope(request.options)
        now = datetime.fromtimestamp(request.now_ms / 1000, UTC)
        items = await self._report(request, now, day=False)
        used = sum(i["gross_quantity"] for i in items)
        billed = sum(i["net_amount"] for i in items)
        return (
            f"GitHub {scope} {name}: {used:g} premium requests in {now:%Y-%m} "
            f"(${billed:.2f} billed)"
        )
