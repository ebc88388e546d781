"""The collector: ask every enabled provider account for what is new, store it, keep health.

Why asyncio: accounts are independent network calls. They run concurrently, a bounded
number at a time, each under its own time limit, so one slow or failing account never
delays the others. Writes happen in this one task as each account finishes (SQLite has a
single writer). A failure becomes the account's health state with a message and a fix-it
hint; nothing a provider answers can crash the collector.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiusage.errors import (
    AiusageError,
    ConfigError,
    SourceAuthError,
    SourceForbiddenError,
    SourceFormatError,
    SourceRateLimitError,
    SourceUnavailableError,
)
from aiusage.records import Account, UsageEvent
from aiusage.secrets import find_key
from aiusage.sources.providers.base import Collected, CollectRequest, Provider
from aiusage.sources.providers.electricity import from_options, priced
from aiusage.sources.providers.prom_text import counter_deltas
from aiusage.store.health import Health, latest_readings, load_health, save_health
from aiusage.store.store import event_row

if TYPE_CHECKING:
    import httpx

    from aiusage.ingest import Pricer
    from aiusage.store import Store

OK, DEGRADED = "ok", "degraded"
AUTH_ERROR, FORBIDDEN = "auth_error", "forbidden_needs_admin_key"
RATE_LIMITED, UNREACHABLE, MISCONFIGURED = "rate_limited", "unreachable", "misconfigured"
DAY_MS = 86_400_000
DEFAULT_BACKFILL_DAYS = 30
DEFAULT_TIMEOUT_S = 30.0
CONCURRENCY = 4


@dataclass(slots=True)
class AccountResult:
    """What one account's collection did, for the CLI and the daemon's log."""

    account: str
    provider: str
    status: str
    message: str = ""
    hint: str = ""
    events: int = 0
    observations: int = 0
    seconds: float = 0.0
    degraded: list[str] = field(default_factory=list)


def classify(exc: BaseException) -> tuple[str, str, str]:
    """(health status, message, hint) for a failure."""
    hint = getattr(exc, "hint", "") or ""
    message = exc.args[0] if isinstance(exc, AiusageError) and exc.args else str(exc)
    if isinstance(exc, SourceForbiddenError):
        return FORBIDDEN, message, hint
    if isinstance(exc, SourceAuthError):
        return AUTH_ERROR, message, hint
    if isinstance(exc, SourceRateLimitError):
        return RATE_LIMITED, message, hint
    if isinstance(exc, SourceUnavailableError):
        return UNREACHABLE, message, hint
    if isinstance(exc, SourceFormatError):
        return DEGRADED, message, hint
    if isinstance(exc, AiusageError):
        return MISCONFIGURED, message, hint
    return (
        DEGRADED,
        f"the adapter failed unexpectedly: {type(exc).__name__}: {exc}",
        "this is a bug in aiusage; please report it with `aiusage status --json`",
    )


def _provider(account: Account, providers: dict[str, Provider] | None) -> Provider:
    from aiusage.plugins import provider as builtin

    found = (providers or {}).get(account.provider) or builtin(account.provider)
    if found is None:
        raise ConfigError(
            f"account {account.name}: no provider named {account.provider!r}",
            hint="`aiusage accounts providers` lists them",
        )
    return found


def _key(account: Account, provider: Provider) -> str | None:
    """The account's key; for a provider that needs none (a local server), an unreadable
    keyring is no reason to fail."""
    try:
        return find_key(account)
    except SourceAuthError:
        if provider.info.key_required or account.key_env:
            raise
        return None


async def _collect_one(
    account: Account,
    provider: Provider,
    since_ms: int,
    now_ms: int,
    timeout_s: float,
    transport: httpx.AsyncBaseTransport | None,
) -> Collected:

    key = _key(account, provider)
    if key is None and provider.info.key_required:
        raise SourceAuthError(
            f"account {account.name}: no key in the keyring",
            hint=f"add it: `aiusage accounts add {account.provider} --name {account.name} "
            "--key-stdin` (or --key-env VAR)",
        )
    async with _request(account, provider, key, since_ms, now_ms, timeout_s, transport) as request:
        return await asyncio.wait_for(provider.collect(request), timeout=timeout_s * 4)


async def collect_accounts(
    store: Store,
    accounts: Sequence[Account],
    pricer: Pricer,
    *,
    now_ms: int | None = None,
    backfill_days: int = DEFAULT_BACKFILL_DAYS,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    transport: httpx.AsyncBaseTransport | None = None,
    providers: dict[str, Provider] | None = None,
) -> list[AccountResult]:
    """Collect every given account once, concurrently; store results and health."""
    now = now_ms if now_ms is not None else int(time.time() * 1000)
    health = load_health(store.db)
    gate = asyncio.Semaphore(CONCURRENCY)

    async def run(account: Account) -> tuple[Account, Provider | None, Any, float]:
        async with gate:
            started = time.perf_counter()
            provider: Provider | None = None
            previous = health.get(account.name)
            since = now - backfill_days * DAY_MS
            if previous is not None and previous.complete_until_ms is not None:
                since = max(since, previous.complete_until_ms)
            try:
                provider = _provider(account, providers)
                found: Any = await _collect_one(account, provider, since, now, timeout_s, transport)
            except (TimeoutError, Exception) as exc:  # never crash the collector
                found = exc
            return account, provider, found, time.perf_counter() - started

    results: list[AccountResult] = []
    for done in asyncio.as_completed([run(a) for a in accounts]):
        account, provider, found, seconds = await done
        old = health.get(account.name) or Health(account.name, account.provider)
        results.append(_record(store, pricer, account, provider, old, found, now, seconds))
    results.sort(key=lambda r: r.account)
    return results


def _record(
    store: Store,
    pricer: Pricer,
    account: Account,
    provider: Provider | None,
    old: Health,
    found: Any,
    now_ms: int,
    seconds: float,
) -> AccountResult:
    """Store one account's records (all or nothing) and its new health."""
    new = Health(
        account.name,
        account.provider,
        last_attempt_ms=now_ms,
        last_success_ms=old.last_success_ms,
        complete_until_ms=old.complete_until_ms,
    )
    result = AccountResult(account.name, account.provider, OK, seconds=seconds)
    if isinstance(found, Collected):
        try:
            events = found.events + _counter_usage(store, account, provider, found)
            rows = [event_row(e, pricer.event_cost(e)) for e in events]
            store.write(rows, found.observations)
            pricer.save()
        except AiusageError as exc:  # a full disk, a locked store: keep the old cursor
            found = exc
        else:
            new.status = DEGRADED if found.degraded else OK
            new.message = "; ".join(found.degraded)
            new.last_success_ms = now_ms
            if found.complete_until_ms is not None:
                new.complete_until_ms = found.complete_until_ms
            result.events, result.observations = len(events), len(found.observations)
            result.degraded = list(found.degraded)
    if not isinstance(found, Collected):
        if isinstance(found, asyncio.TimeoutError):
            found = SourceUnavailableError(f"account {account.name}: the collection timed out")
        new.status, new.message, new.hint = classify(found)
        new.failures = old.failures + 1
        if isinstance(found, SourceRateLimitError):
            new.retry_at_ms = found.retry_at_ms
    result.status, result.message, result.hint = new.status, new.message, new.hint
    save_health(store.db, new)
    return result


def _counter_usage(
    store: Store, account: Account, provider: Provider | None, found: Collected
) -> list[UsageEvent]:
    """Usage from the growth of a local server's running totals since the last stored
    reading (none for providers without ``info.cumulative``)."""
    metrics = provider.info.cumulative if provider is not None else ()
    current = [o for o in found.observations if o.metric in metrics]
    if not current:
        return []
    previous = latest_readings(store.db, account.name, metrics)
    return priced(counter_deltas(previous, current), from_options(account.options, account.name))


async def check_account(
    account: Account,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    providers: dict[str, Provider] | None = None,
) -> str:
    """The provider's free key check for one account (`aiusage accounts test`)."""
    provider = _provider(account, providers)
    now = int(time.time() * 1000)
    key = _key(account, provider)
    async with _request(account, provider, key, now, now, timeout_s, transport) as request:
        return await provider.check(request)


@asynccontextmanager
async def _request(
    account: Account,
    provider: Provider,
    key: str | None,
    since_ms: int,
    now_ms: int,
    timeout_s: float,
    transport: httpx.AsyncBaseTransport | None,
) -> AsyncIterator[CollectRequest]:
    """A request for one account, with an HTTP client on its base URL (closed after)."""
    import httpx

    base_url = account.base_url or provider.info.default_base_url
    async with httpx.AsyncClient(
        base_url=base_url,
        timeout=timeout_s,
        transport=transport,
        follow_redirects=False,
        headers={"User-Agent": "aiusage"},
    ) as client:
        yield CollectRequest(
            account=account.name,
            base_url=base_url,
            key=key,
            options=account.options,
            since_ms=since_ms,
            now_ms=now_ms,
            client=client,
        )
