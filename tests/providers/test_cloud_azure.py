"""Azure OpenAI over real loopback HTTP against aiusage.fake.azure_openai.

Expected figures come from the fake's seeded hours (``server.rows``), never from the adapter.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from cloud_helpers import clean
from cloud_helpers import run as run_provider

from aiusage.errors import (
    ConfigError,
    SourceAuthError,
    SourceError,
    SourceFormatError,
    SourceRateLimitError,
    SourceUnavailableError,
)
from aiusage.fake import azure_openai as fake
from aiusage.fake.server import Recorded, Reply, garbage, html_error, rate_limited, slow
from aiusage.fake.server import truncated_json as cut_json
from aiusage.sources.providers.azure_openai import AzureOpenAIProvider

HOUR, DAY = 3_600_000, 86_400_000
NOW_MS = fake.NOW_S * 1000
SINCE_MS = NOW_MS - 3 * DAY  # 2025-12-29 10:40; the fake's first hour is 10:00
START_MS = SINCE_MS // HOUR * HOUR
SETTLED_MS = (NOW_MS - 2 * HOUR) // HOUR * HOUR  # 08:00: the last two hours are re-read
BASE = {"resource_id": fake.RESOURCE_ID}
WITH_COST = {**BASE, "cost_scope": fake.SUBSCRIPTION}


@pytest.fixture
def server() -> Iterator[fake.FakeAzure]:
    srv = fake.FakeAzure()
    with srv:
        yield srv


def run(
    srv: fake.FakeAzure,
    *,
    key: str | None = fake.TOKEN,
    options: dict[str, str] = WITH_COST,
    since_ms: int = SINCE_MS,
    timeout: float = 5.0,
    check: bool = False,
) -> Any:
    return run_provider(
        AzureOpenAIProvider(),
        srv.base_url,
        key=key,
        options=options,
        since_ms=since_ms,
        now_ms=NOW_MS,
        timeout=timeout,
        check=check,
    )


def expected_usage(srv: fake.FakeAzure, width_ms: int = HOUR, bucket: str = "1h") -> dict:
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    first = START_MS // width_ms * width_ms
    for r in srv.rows:
        ts = r.hour_s * 1000 // width_ms * width_ms
        if ts < first:
            continue
        model = fake.DEPLOYMENTS[r.model]
        iso = datetime.fromtimestamp(ts / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        acc = out[f"azure_openai:{fake.ACCOUNT}:{r.model}:{model}:{bucket}:{iso}"]
        acc[0] += r.input
        acc[1] += r.output
        acc[2] += r.requests
    return {k: tuple(v) for k, v in out.items()}


def got_usage(out: Any) -> dict:
    return {
        e.dedup_key: (e.input_tokens, e.output_tokens, e.requests)
        for e in out.events
        if e.meta["origin"] == "azure_monitor"
    }


def expected_costs(srv: fake.FakeAzure) -> dict[str, float]:
    first, end = START_MS // DAY * DAY - 3 * DAY, NOW_MS // DAY * DAY
    return {
        f"azure_openai:cost:{fake.ACCOUNT}:"
        + datetime.fromtimestamp(d, UTC).strftime("%Y-%m-%d"): usd
        for d, usd in srv.costs.items()
        if first <= d * 1000 < end
    }


def got_costs(out: Any) -> dict[str, float]:
    return {
        e.dedup_key: e.reported_cost_usd
        for e in out.events
        if e.meta["origin"] == "cost_management"
    }


def query(req: Recorded) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(req.path).query).items()}


def metric_requests(srv: fake.FakeAzure) -> list[Recorded]:
    return [r for r in srv.requests if "/Microsoft.Insights/metrics" in r.path]


def cost_requests(srv: fake.FakeAzure) -> list[Recorded]:
    return [r for r in srv.requests if "CostManagement" in r.path]


# -- success ----------------------------------------------------------------------------


def test_metrics_become_token_events_and_the_bill_cost_events(server: fake.FakeAzure) -> None:
    out = run(server)
    assert out.degraded == []
    assert got_usage(out) == expected_usage(server)
    assert got_costs(out) == pytest.approx(expected_costs(server))
    assert len(expected_costs(server)) == 3  # Dec 29-31; today's bill is not complete
    assert out.complete_until_ms == SETTLED_MS
    chat = next(e for e in out.events if e.meta.get("deployment") == "chat-prod")
    assert (chat.provider, chat.source, chat.account) == ("azure_openai", "acct", "acct")
    assert (chat.model, chat.project, chat.reported_cost_usd) == ("gpt-4o", fake.ACCOUNT, 0.0)
    bill = next(e for e in out.events if e.meta["origin"] == "cost_management")
    assert bill.total_tokens == 0 and bill.requests == 0 and bill.model == ""
    (metrics,) = metric_requests(server)
    q = query(metrics)
    assert q["api-version"] == "2023-10-01" and q["aggregation"] == "Total"
    assert q["interval"] == "PT1H" and q["top"] == "100"
    assert q["$filter"] == "ModelDeploymentName eq '*' and ModelName eq '*'"
    assert q["metricnames"] == "ProcessedPromptTokens,GeneratedTokens,AzureOpenAIRequests"
    assert q["timespan"] == "2025-12-29T10:00:00Z/2026-01-01T10:40:00Z"
    assert all(r.bearer() == fake.TOKEN for r in server.requests)


def test_cost_pages_are_followed_and_other_resources_skipped(server: fake.FakeAzure) -> None:
    out = run(server)
    pages = cost_requests(server)
    assert len(pages) == 2  # 3 days x 2 resources = 6 rows, 4 per page
    assert "$skiptoken" not in query(pages[0]) and query(pages[1])["$skiptoken"] == "4"
    assert all(r.method == "POST" and r.body == pages[0].body for r in pages)
    assert {e.project for e in out.events} == {fake.ACCOUNT}


def test_daily_buckets(server: fake.FakeAzure) -> None:
    out = run(server, options={**BASE, "bucket": "1d"})
    assert got_usage(out) == expected_usage(server, DAY, "1d")
    assert query(metric_requests(server)[0])["interval"] == "P1D"
    assert out.complete_until_ms == (NOW_MS - 2 * HOUR) // DAY * DAY


def test_a_long_backfill_is_read_in_weekly_chunks_within_retention() -> None:
    srv = fake.FakeAzure(days=20, seed=3)
    with srv:
        out = run(srv, options=BASE, since_ms=NOW_MS - 20 * DAY)
        spans = [query(r)["timespan"] for r in metric_requests(srv)]
        assert len(spans) == 3 and spans[0].startswith("2025-12-12T10:00:00Z/2025-12-19")
        assert len(got_usage(out)) == len(srv.rows) - sum(
            r.hour_s * 1000 < START_MS - 17 * DAY for r in srv.rows
        )
        srv.requests.clear()
        run(srv, options=BASE, since_ms=0)
        first = query(metric_requests(srv)[0])["timespan"].split("/")[0]
        assert first == "2025-09-30T10:00:00Z"  # 93 days of retention


def test_cost_is_read_once_a_day(server: fake.FakeAzure) -> None:
    out = run(server, since_ms=NOW_MS - HOUR)  # nothing settled since the last run
    assert cost_requests(server) == [] and out.complete_until_ms == NOW_MS // HOUR * HOUR - HOUR
    out = run(server, options=BASE)  # no cost_scope: never, and aiusage prices the tokens
    assert cost_requests(server) == [] and out.events
    assert all(e.reported_cost_usd is None for e in out.events)


def test_check_reads_the_resource(server: fake.FakeAzure) -> None:
    said = run(server, check=True)
    assert said == "token accepted; OpenAI resource acme-openai in eastus (sku S0)"
    (req,) = server.requests
    assert urlsplit(req.path).path == fake.RESOURCE_ID and query(req) == {
        "api-version": "2023-05-01"
    }


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({}, "needs option resource_id"),
        ({"resource_id": "acme-openai"}, "needs option resource_id"),
        ({**BASE, "bucket": "5m"}, "bucket='5m' is not 1h or 1d"),
    ],
)
def test_bad_options(server: fake.FakeAzure, options: dict[str, str], says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        run(server, options=options)
    assert server.requests == []


# -- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize("token", [fake.EXPIRED_TOKEN, "eyJ-not-a-token"])
def test_401_says_the_token_expires_hourly(server: fake.FakeAzure, token: str) -> None:
    with pytest.raises(SourceAuthError) as err:
        run(server, key=token)
    assert "401" in str(err.value) and "expire after about an hour" in err.value.hint
    assert "az account get-access-token" in err.value.hint
    clean(err.value, token)
    with pytest.raises(SourceAuthError):
        run(server, key=token, check=True)


def test_missing_token(server: fake.FakeAzure) -> None:
    with pytest.raises(SourceAuthError, match="has no token"):
        run(server, key=None)
    assert server.requests == []


def test_no_cost_role_degrades_the_cost_part_only(server: fake.FakeAzure) -> None:
    out = run(server, key=fake.METRICS_ONLY_TOKEN)
    assert got_usage(out) == expected_usage(server) and got_costs(out) == {}
    (note,) = out.degraded
    assert note.startswith("cost: ") and "403" in note and "Cost Management Reader" in note
    # refused, not flaky: the cursor stays just before midnight, so the bill is asked for
    # again next run without the usage re-read growing day after day
    assert out.complete_until_ms == NOW_MS // DAY * DAY - HOUR


def test_429_retry_after(server: fake.FakeAzure) -> None:
    server.script(rate_limited(fake.error(429, "TooManyRequests", "slow down").body, "1"))
    started = time.monotonic()
    out = run(server)
    assert time.monotonic() - started >= 0.9 and out.degraded == []
    server.script(rate_limited(fake.error(429, "TooManyRequests", "slow down").body, "120"))
    with pytest.raises(SourceRateLimitError) as err:
        run(server, options=BASE)
    assert err.value.retry_after_s == 120


@pytest.mark.parametrize(
    ("reply", "kind", "says"),
    [
        (fake.error(500, "InternalServerError", "boom"), SourceUnavailableError, "500"),
        (html_error(502), SourceUnavailableError, "502"),
        (garbage(), SourceFormatError, "not JSON"),
        (cut_json(), SourceFormatError, "not JSON"),
        (Reply(200, {"value": {}}), SourceFormatError, "no 'value' list"),
        (
            Reply(
                200,
                {
                    "value": [
                        {
                            "name": {"value": "GeneratedTokens"},
                            "timeseries": [
                                {"data": [{"timeStamp": "2026-01-01T00:00:00Z", "total": -5}]}
                            ],
                        }
                    ]
                },
            ),
            SourceFormatError,
            "-5 is not a count",
        ),
    ],
)
def test_failures(server: fake.FakeAzure, reply: Reply, kind: type[SourceError], says: str) -> None:
    server.script(reply, reply, reply)
    with pytest.raises(kind) as err:
        run(server, options=BASE)
    assert says in str(err.value)
    clean(err.value, fake.TOKEN)


def test_failing_usage_keeps_the_bill_and_the_cursor(server: fake.FakeAzure) -> None:
    server.script(*[Reply(503, {})] * 3)
    out = run(server)
    (note,) = out.degraded
    assert note.startswith("usage: ") and got_usage(out) == {}
    assert got_costs(out) == pytest.approx(expected_costs(server))
    assert out.complete_until_ms == START_MS


def test_a_flaky_bill_holds_the_cursor(server: fake.FakeAzure) -> None:
    original = server.cost
    server.cost = lambda *a: Reply(503, {})  # type: ignore[method-assign,assignment]
    out = run(server)
    assert got_usage(out) == expected_usage(server) and out.complete_until_ms == START_MS
    server.cost = original  # type: ignore[method-assign]


def test_bills_in_other_currencies_and_foreign_links_are_refused(server: fake.FakeAzure) -> None:
    def rows(*row: Any, link: str | None = None) -> Reply:
        cols = [{"name": n} for n in ("Cost", "UsageDate", "ResourceId", "Currency")]
        return Reply(200, {"properties": {"columns": cols, "rows": [list(row)], "nextLink": link}})

    out = _with_cost_reply(server, rows(1.5, 20251230, fake.RESOURCE_ID.lower(), "EUR"))
    assert "the bill is in EUR" in out.degraded[0] and got_costs(out) == {}
    out = _with_cost_reply(server, rows(1.5, 20251230, "x", "USD", link="https://evil.example/q"))
    assert "nextLink 'https://evil.example/q' is not followed" in out.degraded[0]


def _with_cost_reply(server: fake.FakeAzure, reply: Reply) -> Any:
    server.cost = lambda *a: reply  # type: ignore[method-assign,assignment]
    return run(server)


def test_timeout(server: fake.FakeAzure) -> None:
    server.script(*(slow(2.0) for _ in range(3)))
    with pytest.raises(SourceUnavailableError, match=r"no answer within 0\.3 s"):
        run(server, options=BASE, timeout=0.3)


def test_the_token_never_appears(server: fake.FakeAzure) -> None:
    echo = Reply(401, fake.error(401, "X", f"token {fake.TOKEN} is bad").body)
    server.script(echo)
    with pytest.raises(SourceAuthError) as err:
        run(server, options=BASE)
    assert "token <redacted> is bad" in clean(err.value, fake.TOKEN)
    server.script(echo)
    out = run(server)
    assert out.degraded and all(fake.TOKEN not in repr(x) for x in [*out.events, *out.degraded])


def test_chaos_gives_right_values_or_says_what_failed() -> None:
    seen = defaultdict(int)
    for seed in range(8):
        srv = fake.FakeAzure()
        srv.chaos(0.3, seed)
        with srv:
            want_usage, want_costs = expected_usage(srv), expected_costs(srv)
            try:
                out = run(srv)
            except SourceError as exc:
                clean(exc, fake.TOKEN)
                seen["raised"] += 1
                continue
        for key, value in got_usage(out).items():
            assert want_usage[key] == value
        for key, usd in got_costs(out).items():
            assert usd == pytest.approx(want_costs[key])
        if out.degraded:
            assert out.complete_until_ms in (START_MS, NOW_MS // DAY * DAY - HOUR)
            seen["degraded"] += 1
        else:
            assert got_usage(out) == want_usage and out.complete_until_ms == SETTLED_MS
            seen["complete"] += 1
    # seeded and sequential, so fixed: retries ride out most failures, one run loses a part
    assert dict(seen) == {"complete": 7, "degraded": 1}
    srv = fake.FakeAzure()
    srv.chaos(1.0)
    with srv, pytest.raises(SourceError) as err:
        run(srv)
    clean(err.value, fake.TOKEN)
