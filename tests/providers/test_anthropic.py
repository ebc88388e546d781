"""The Anthropic adapter over real loopback HTTP against aiusage.fake.anthropic.

Expected figures are computed from the fake's seeded rows, never copied from the adapter.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

import httpx
import pytest

from aiusage.errors import (
    SourceAuthError,
    SourceError,
    SourceFormatError,
    SourceRateLimitError,
    SourceUnavailableError,
)
from aiusage.fake import anthropic as fake
from aiusage.fake.claude_oauth import error
from aiusage.fake.server import Reply, garbage, html_error, rate_limited, slow, truncated_json
from aiusage.sources.providers.anthropic import INFO, AnthropicProvider
from aiusage.sources.providers.anthropic_reports import cents_to_usd
from aiusage.sources.providers.base import (
    RATE_LIMIT_REMAINING,
    USAGE,
    Collected,
    CollectRequest,
)

ADMIN = fake.ADMIN_KEY
NORMAL = fake.API_KEY
NOW = fake.NOW_MS  # 2026-08-04T13:20:00Z
HOUR = fake.HOUR_MS
DAY = fake.DAY_MS
TOKENS: tuple[str, ...] = ("input_tokens", "output_tokens", "cache_read_tokens")
TOKENS += ("cache_write_5m_tokens", "cache_write_1h_tokens")


@pytest.fixture(autouse=True)
def _no_normal_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_NORMAL_KEY", raising=False)


@pytest.fixture
def server() -> Iterator[fake.FakeAnthropic]:
    srv = fake.FakeAnthropic()
    with srv:
        yield srv


def run(
    srv: fake.FakeAnthropic,
    *,
    key: str | None = ADMIN,
    since_ms: int | None = None,
    options: Mapping[str, str] | None = None,
    timeout: float = 5.0,
    check: bool = False,
) -> Any:
    """collect() (or check()) against the running fake, as the runtime would call it."""

    async def go() -> Any:
        async with httpx.AsyncClient(base_url=srv.base_url, timeout=timeout) as client:
            request = CollectRequest(
                account="acme",
                base_url=srv.base_url,
                key=key,
                options=dict(options or {}),
                since_ms=srv.rows[0].start_ms if since_ms is None else since_ms,
                now_ms=srv.now_ms,
                client=client,
            )
            provider = AnthropicProvider()
            return await (provider.check(request) if check else provider.collect(request))

    return asyncio.run(go())


def fail(srv: fake.FakeAnthropic, kind: type[SourceError], **kw: Any) -> SourceError:
    with pytest.raises(kind) as caught:
        run(srv, **kw)
    assert_clean(str(caught.value))
    return caught.value


def assert_clean(*texts: str) -> None:
    for text in texts:
        assert ADMIN not in text and NORMAL not in text


def usage(out: Collected) -> list[Any]:
    return [e for e in out.events if e.meta.get("origin") == "usage_report"]


def costs(out: Collected) -> list[Any]:
    return [e for e in out.events if e.meta.get("origin") == "cost_report"]


def expected_cents(srv: fake.FakeAnthropic, since_ms: int) -> Decimal:
    """Billed cents of the days the adapter takes: from the day before since's day, up to
    the last day that ended 6 hours before now."""
    first = since_ms // DAY * DAY - DAY
    last_end = (srv.now_ms - 6 * HOUR) // DAY * DAY
    return sum(
        (
            item["amount"]
            for row in srv.rows
            if first <= row.start_ms < last_end
            for item in fake.line_items(row)
        ),
        Decimal(0),
    )


def paths(srv: fake.FakeAnthropic, path: str) -> list[str]:
    return [r.path for r in srv.requests if r.path.split("?")[0] == path]


# -- success, units, pagination ------------------------------------------------------


def test_collect_maps_every_usage_row(server: fake.FakeAnthropic) -> None:
    out = run(server)
    events = usage(out)
    assert out.degraded == [] and len(events) == len(server.rows)
    for field, attr in zip(
        TOKENS, ("uncached", "output", "cache_read", "cache_5m", "cache_1h"), strict=True
    ):
        assert sum(getattr(e, field) for e in events) == sum(getattr(r, attr) for r in server.rows)
    # Usage of days whose bill has settled costs 0.0 (the cost rows carry it); today's
    # has no bill yet (None: reports price its tokens).
    billed_until = (NOW - 6 * HOUR) // DAY * DAY
    assert {e.reported_cost_usd for e in events if e.ts_ms < billed_until} == {0.0}
    assert {e.reported_cost_usd for e in events if e.ts_ms >= billed_until} == {None}
    assert all(e.meta["unbilled"] for e in events if e.ts_ms >= billed_until)
    assert {(e.provider, e.source, e.account, e.requests) for e in events} == {
        ("anthropic", "acme", "acme", 0)
    }
    assert len({e.dedup_key for e in out.events}) == len(out.events)
    # one row checked field by field: uncached input, and the 5m/1h cache-write split
    row = next(r for r in server.rows if r.cache_1h and r.web_search and r.workspace_id)
    event = next(
        e
        for e in events
        if e.ts_ms == row.start_ms and e.model == row.model and e.project == row.workspace_id
    )
    assert (event.input_tokens, event.cache_write_5m_tokens, event.cache_write_1h_tokens) == (
        row.uncached,
        row.cache_5m,
        row.cache_1h,
    )
    assert event.meta["web_search_requests"] == row.web_search
    assert event.meta["api_key_id"] == row.api_key_id
    assert event.meta["service_tier"] == row.service_tier
    default = [e for e in events if "workspace_id" not in e.meta]
    assert default and {e.project for e in default} == {"default"}
    assert all("api_key_id" not in e.meta for e in default)  # Console usage


def test_request_carries_admin_headers_and_documented_params(server: fake.FakeAnthropic) -> None:
    run(server)
    first = server.requests[0]
    assert first.headers["x-api-key"] == ADMIN
    assert first.headers["anthropic-version"] == "2023-06-01"
    query = httpx.URL(first.path).params
    assert query["bucket_width"] == "1h" and query["limit"] == "168"
    assert query["starting_at"] == "2026-08-01T13:00:00Z"
    assert set(query.get_list("group_by[]")) >= {"model", "workspace_id", "api_key_id"}
    assert not paths(server, fake.COUNT_PATH)  # no normal key given: no rate-limit call


def test_costs_are_cents_strings_converted_exactly(server: fake.FakeAnthropic) -> None:
    out = run(server)
    cost = costs(out)
    assert cost and all(e.total_tokens == 0 and e.requests == 0 for e in cost)
    for e in cost:
        assert e.reported_cost_usd == float(Decimal(e.meta["amount_cents"]) / 100)
    billed = sum((Decimal(e.meta["amount_cents"]) for e in cost), Decimal(0))
    assert billed == expected_cents(server, server.rows[0].start_ms)
    assert sum(e.reported_cost_usd for e in cost) == pytest.approx(float(billed / 100))
    # today's bucket is still filling: not taken; yesterday (ended 13h20m ago) is
    assert max(e.ts_ms for e in cost) == NOW // DAY * DAY - DAY
    tokens = [e for e in cost if e.meta["cost_type"] == "tokens"]
    assert all(e.model in fake.MODELS and e.meta["token_type"] for e in tokens)
    assert {e.meta["description"] for e in cost if e.meta["cost_type"] == "web_search"} == {
        "Web Search"
    }


@pytest.mark.parametrize(
    ("amount", "dollars"),
    [("123.78912", "1.2378912"), ("0", "0"), ("100", "1"), ("0.001", "0.00001"), (250, "2.5")],
)
def test_cents_to_usd(amount: object, dollars: str) -> None:
    assert cents_to_usd(amount) == Decimal(dollars)


@pytest.mark.parametrize("amount", ["abc", None, True, "NaN", "Infinity", [1]])
def test_cents_to_usd_refuses_what_is_not_cents(amount: object) -> None:
    with pytest.raises(ValueError):
        cents_to_usd(amount)


def test_pagination_follows_next_page_to_the_end() -> None:
    srv = fake.FakeAnthropic(days=40)
    with srv:
        out = run(srv)
    hours = (NOW // HOUR * HOUR - srv.rows[0].start_ms) // HOUR + 1
    usage_pages = paths(srv, fake.USAGE_PATH)
    assert len(usage_pages) == -(-hours // 168) == 6
    assert all("page=page_" in p for p in usage_pages[1:])
    assert len(paths(srv, fake.COST_PATH)) == 2  # 42 days at 31 a page
    assert len(usage(out)) == len(srv.rows)
    cents = sum((Decimal(e.meta["amount_cents"]) for e in costs(out)), Decimal(0))
    assert cents == expected_cents(srv, srv.rows[0].start_ms)


def test_the_cursor_waits_at_the_last_billed_day_and_a_grown_bucket_replaces(
    server: fake.FakeAnthropic,
) -> None:
    first = run(server)
    # Today is read again until its bill settles (then its rows turn from None to 0.0).
    assert first.complete_until_ms == NOW // DAY * DAY
    latest = max(server.rows, key=lambda r: r.start_ms)
    latest.output += 1_000
    second = run(server, since_ms=first.complete_until_ms)
    assert min(e.ts_ms for e in usage(second)) == first.complete_until_ms
    old = {e.dedup_key: e for e in usage(first)}
    grown = [e for e in usage(second) if e.total_tokens != old[e.dedup_key].total_tokens]
    assert len(grown) == 1 and grown[0].total_tokens == old[grown[0].dedup_key].total_tokens + 1000


def test_a_day_of_cost_is_taken_once_it_settles() -> None:
    """05:00: yesterday may still change, so it waits; 07:00, resuming from 04:00: taken."""
    today = NOW // DAY * DAY
    runs = ((today + 5 * HOUR, today - HOUR, False), (today + 7 * HOUR, today + 4 * HOUR, True))
    for now, since, taken in runs:
        srv = fake.FakeAnthropic(now_ms=now)
        with srv:
            days = {e.ts_ms for e in costs(run(srv, since_ms=since))}
        assert (today - DAY in days) is taken and today not in days


def test_check_reports_what_the_key_sees(server: fake.FakeAnthropic) -> None:
    said = run(server, check=True)
    since = NOW // DAY * DAY - DAY
    tokens = sum(
        r.uncached + r.output + r.cache_read + r.cache_5m + r.cache_1h
        for r in server.rows
        if r.start_ms >= since
    )
    assert said == f"admin key accepted; since yesterday {tokens:,} tokens in 3 workspace(s)"


def test_info_declares_the_admin_key() -> None:
    assert INFO.name == "anthropic" and INFO.default_base_url == "https://api.anthropic.com"
    assert USAGE in INFO.reports and "individual accounts" in INFO.unavailable[USAGE]
    assert "api_key_env" in INFO.options


# -- errors --------------------------------------------------------------------------


def test_normal_key_on_admin_api_says_an_admin_key_is_needed(server: fake.FakeAnthropic) -> None:
    exc = fail(server, SourceAuthError, key=NORMAL)
    assert "403" in str(exc) and "Admin API key (sk-ant-admin…)" in exc.hint
    assert "individual accounts cannot" in exc.hint


def test_wrong_admin_key_is_401(server: fake.FakeAnthropic) -> None:
    exc = fail(server, SourceAuthError, key="sk-ant-admin01-WRONG")
    assert "401" in str(exc) and "revoked" in exc.hint


def test_missing_key_fails_before_any_request(server: fake.FakeAnthropic) -> None:
    fail(server, SourceAuthError, key=None)
    assert server.requests == []


def test_a_server_echoing_the_key_is_redacted(server: fake.FakeAnthropic) -> None:
    server.script(*[error(401, "authentication_error", f"bad key {ADMIN}")] * 2)
    exc = fail(server, SourceAuthError)
    assert "<redacted>" in str(exc)


def test_429_with_a_long_retry_after_is_reported_not_waited(server: fake.FakeAnthropic) -> None:
    body = error(429, "rate_limit_error", "Number of requests has exceeded your rate limit")
    server.script(rate_limited(body.body, "30"))
    exc = fail(server, SourceRateLimitError, check=True)
    assert isinstance(exc, SourceRateLimitError) and exc.retry_after_s == 30.0
    assert len(server.requests) == 1


def test_429_on_usage_degrades_and_keeps_costs(server: fake.FakeAnthropic) -> None:
    server.script(rate_limited(error(429, "rate_limit_error", "slow down").body, "30"))
    out = run(server)
    assert len(out.degraded) == 1 and out.degraded[0].startswith("usage:")
    assert usage(out) == [] and costs(out) and out.complete_until_ms is None
    assert_clean(*out.degraded)


def test_short_retry_after_is_waited_and_retried(server: fake.FakeAnthropic) -> None:
    server.script(rate_limited(error(429, "rate_limit_error", "slow down").body, "0"))
    out = run(server)
    assert out.degraded == [] and len(usage(out)) == len(server.rows)


@pytest.mark.parametrize(
    ("replies", "kind"),
    [
        ([error(529, "overloaded_error", "Overloaded")] * 3, SourceUnavailableError),
        ([error(500, "api_error", "Internal server error")] * 3, SourceUnavailableError),
        ([html_error(502)] * 3, SourceUnavailableError),
        ([garbage()] * 3, SourceFormatError),
        ([truncated_json()] * 3, SourceFormatError),
        ([Reply(200, {"data": "nope"})], SourceFormatError),
        ([Reply(200, {"data": [], "has_more": True, "next_page": None})], SourceFormatError),
    ],
)
def test_failures_become_clean_source_errors(
    server: fake.FakeAnthropic, replies: list[Reply], kind: type[SourceError]
) -> None:
    server.script(*replies)
    exc = fail(server, kind, check=True)
    assert exc.hint


def test_one_overloaded_answer_is_retried(server: fake.FakeAnthropic) -> None:
    server.script(error(529, "overloaded_error", "Overloaded"))
    out = run(server)
    assert out.degraded == [] and len(usage(out)) == len(server.rows)


def test_timeout(server: fake.FakeAnthropic) -> None:
    server.script(*[slow(2.0)] * 3)
    exc = fail(server, SourceUnavailableError, check=True, timeout=0.2)
    assert "no answer within 0.2 s" in str(exc)


def test_total_failure_raises(server: fake.FakeAnthropic) -> None:
    server.script(*[html_error(503)] * 6)  # usage and cost both
    fail(server, SourceUnavailableError)


def test_bad_token_count_is_a_format_error(server: fake.FakeAnthropic) -> None:
    server.script(Reply(200, {"data": [{"starting_at": "2026-08-04T10:00:00Z", "results": [
        {"uncached_input_tokens": "many", "output_tokens": 1}]}], "has_more": False}))  # fmt: skip
    out = run(server)
    assert out.degraded[0].startswith("usage:") and "not a whole number" in out.degraded[0]


@pytest.mark.parametrize(
    ("rate", "seed", "outcome"),
    [
        (0.3, 0, "complete"),
        (0.3, 1, "complete"),
        (0.3, 7, "usage failed"),
        (0.3, 8, "usage failed"),
        (0.5, 6, "cost failed"),
        (0.5, 7, "raised"),
    ],
)
def test_chaos_gives_exact_totals_or_a_clean_error(rate: float, seed: int, outcome: str) -> None:
    """Chaos is seeded and requests are sequential, so each seed's outcome is fixed."""
    srv = fake.FakeAnthropic(days=20)  # 3 usage pages + 1 cost page: room to fail
    want_tokens = sum(
        r.uncached + r.output + r.cache_read + r.cache_5m + r.cache_1h for r in srv.rows
    )
    want_cents = expected_cents(srv, srv.rows[0].start_ms)
    with srv:
        srv.chaos(rate, seed)
        if outcome == "raised":
            exc = fail(srv, SourceError)
            assert type(exc) in (SourceRateLimitError, SourceUnavailableError, SourceFormatError)
            return
        out = run(srv)
    assert_clean(*out.degraded)
    failed = {d.split(":")[0] + " failed" for d in out.degraded}
    assert failed == ({outcome} if outcome != "complete" else set())
    if "usage failed" not in failed:
        assert sum(e.total_tokens for e in usage(out)) == want_tokens
    else:
        assert usage(out) == []
    if "cost failed" not in failed:
        assert sum((Decimal(e.meta["amount_cents"]) for e in costs(out)), Decimal(0)) == want_cents
    else:
        assert costs(out) == []
    assert (out.complete_until_ms is None) == bool(failed)


# -- rate limits ---------------------------------------------------------------------


def test_rate_limits_only_with_a_normal_key(
    server: fake.FakeAnthropic, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_NORMAL_KEY", NORMAL)
    out = run(server, options={"api_key_env": "ANTHROPIC_NORMAL_KEY"})
    calls = [r for r in server.requests if r.path == fake.COUNT_PATH]
    assert len(calls) == 1 and calls[0].method == "POST"
    assert calls[0].headers["x-api-key"] == NORMAL and b"max_tokens" not in calls[0].body
    seen = {o.window: o for o in out.observations}
    assert set(seen) == {"requests", "tokens", "input_tokens", "output_tokens"}
    assert {o.metric for o in out.observations} == {RATE_LIMIT_REMAINING}
    assert (seen["requests"].value, seen["requests"].limit) == (49, 50)
    assert (seen["output_tokens"].value, seen["output_tokens"].limit) == (8_000, 20_000)
    assert seen["tokens"].unit == "tokens" and seen["requests"].unit == "requests"
    reset = (NOW // 60_000 + 1) * 60_000  # the fake's next minute, RFC 3339
    assert {o.resets_at_ms for o in out.observations} == {reset}
    assert out.degraded == [] and usage(out)


def test_rate_limits_with_an_unset_env_var_degrade(server: fake.FakeAnthropic) -> None:
    out = run(server, options={"api_key_env": "ANTHROPIC_NORMAL_KEY"})
    assert out.observations == [] and len(out.degraded) == 1
    assert "ANTHROPIC_NORMAL_KEY" in out.degraded[0] and usage(out)
    assert out.complete_until_ms is not None  # the reports were read in full


def test_rate_limits_refuse_the_admin_key(
    server: fake.FakeAnthropic, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_NORMAL_KEY", ADMIN)
    out = run(server, options={"api_key_env": "ANTHROPIC_NORMAL_KEY"})
    assert out.observations == [] and "not the Admin key" in out.degraded[0]
    assert_clean(*out.degraded)


def test_check_mentions_rate_limits(
    server: fake.FakeAnthropic, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_NORMAL_KEY", NORMAL)
    said = run(server, check=True, options={"api_key_env": "ANTHROPIC_NORMAL_KEY"})
    assert said.endswith("; rate limits readable (4 windows)")


# -- the fake itself keeps to the documented API -------------------------------------


def test_fake_validates_like_the_api(server: fake.FakeAnthropic) -> None:
    admin = {"x-api-key": ADMIN, "anthropic-version": "2023-06-01"}
    url = server.base_url + fake.USAGE_PATH
    start = {"starting_at": "2026-08-04T00:00:00Z"}
    assert httpx.get(url, params=start, headers={"x-api-key": ADMIN}).status_code == 400
    bad = httpx.get(url, params={**start, "bucket_width": "1h", "limit": "169"}, headers=admin)
    assert bad.status_code == 400 and bad.json()["error"]["type"] == "invalid_request_error"
    cost = server.base_url + fake.COST_PATH
    assert httpx.get(cost, params={**start, "bucket_width": "1h"}, headers=admin).status_code == 400
    # ungrouped: one row per bucket, every dimension null, same totals
    body = httpx.get(url, params={**start, "bucket_width": "1d"}, headers=admin).json()
    (bucket,) = body["data"]
    (row,) = bucket["results"]
    assert row["model"] is None and row["workspace_id"] is None and body["has_more"] is False
    today = [r for r in server.rows if r.start_ms >= NOW // DAY * DAY]
    assert row["output_tokens"] == sum(r.output for r in today)
    ended = httpx.get(url, params={**start, "ending_at": "2026-08-04T01:00:00Z",
                                   "bucket_width": "1h"}, headers=admin).json()  # fmt: skip
    assert len(ended["data"]) == 1
