"""AWS Bedrock over real loopback HTTP against aiusage.fake.bedrock, which verifies every
SigV4 signature. Expected figures come from the fake's seeded hours, not the adapter."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from cloud_helpers import clean
from cloud_helpers import run as run_provider

from aiusage.errors import (
    ConfigError,
    SourceAuthError,
    SourceError,
    SourceForbiddenError,
    SourceFormatError,
    SourceRateLimitError,
    SourceUnavailableError,
)
from aiusage.fake import bedrock as fake
from aiusage.fake.server import Recorded, Reply, garbage, html_error, rate_limited, slow
from aiusage.fake.server import truncated_json as cut_json
from aiusage.sources.providers.base import COST, CollectRequest
from aiusage.sources.providers.bedrock import BedrockProvider, _urls

HOUR, DAY = 3_600_000, 86_400_000
NOW_MS = fake.NOW_S * 1000
SINCE_MS = NOW_MS - 3 * DAY
START_MS = SINCE_MS // HOUR * HOUR
SETTLED_MS = (NOW_MS - HOUR) // HOUR * HOUR  # 09:00: the last hour is re-read
KEY = f"{fake.ACCESS_KEY}:{fake.SECRET}"
COSTS = {"cost_explorer": "true"}


@pytest.fixture
def server() -> Iterator[fake.FakeAws]:
    srv = fake.FakeAws()
    with srv:
        yield srv


def run(
    srv: fake.FakeAws,
    *,
    key: str | None = KEY,
    options: dict[str, str] = COSTS,
    since_ms: int = SINCE_MS,
    timeout: float = 5.0,
    check: bool = False,
) -> Any:
    return run_provider(
        BedrockProvider(),
        srv.base_url,
        key=key,
        options=options,
        since_ms=since_ms,
        now_ms=NOW_MS,
        timeout=timeout,
        check=check,
    )


def expected_usage(srv: fake.FakeAws, width: int = HOUR, bucket: str = "1h") -> dict:
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for r in srv.rows:
        ts = r.hour_s * 1000 // width * width
        if ts < START_MS // width * width:
            continue
        iso = datetime.fromtimestamp(ts / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        acc = out[f"bedrock:us-east-1:{r.model}:{bucket}:{iso}"]
        for i, v in enumerate((r.input, r.output, r.cache_read, r.cache_write, r.requests)):
            acc[i] += v
    return {k: tuple(v) for k, v in out.items()}


def got_usage(out: Any) -> dict:
    return {
        e.dedup_key: (
            e.input_tokens,
            e.output_tokens,
            e.cache_read_tokens,
            e.cache_write_5m_tokens,
            e.requests,
        )
        for e in out.events
        if e.meta["origin"] == "cloudwatch"
    }


def expected_costs(srv: fake.FakeAws) -> dict[str, float]:
    first, end = START_MS // DAY * DAY - 3 * DAY, NOW_MS // DAY * DAY
    out = {}
    for d in range(first // 1000, end // 1000, 86400):
        date = datetime.fromtimestamp(d, UTC).strftime("%Y-%m-%d")
        for service, usd in srv.services(d).items():
            out[f"bedrock:cost:{service}:{date}"] = usd
    return out


def got_costs(out: Any) -> dict[str, float | None]:
    return {
        e.dedup_key: e.reported_cost_usd for e in out.events if e.meta["origin"] == "cost_explorer"
    }


def calls(srv: fake.FakeAws, operation: str) -> list[Recorded]:
    return [r for r in srv.requests if r.headers.get("x-amz-target", "").endswith(operation)]


# -- success ----------------------------------------------------------------------------


def test_metrics_become_token_events_and_bedrock_services_cost_events(
    server: fake.FakeAws,
) -> None:
    out = run(server)
    assert out.degraded == []
    assert got_usage(out) == expected_usage(server)
    costs = got_costs(out)
    assert costs == pytest.approx(expected_costs(server))
    assert {k.split(":")[2] for k in costs} == {"Amazon Bedrock", fake.MARKETPLACE}  # no EC2
    assert out.complete_until_ms == SETTLED_MS
    claude = [e for e in out.events if e.model == fake.MODELS[0]]
    assert claude and any(e.cache_read_tokens for e in claude)
    assert all(e.reported_cost_usd == 0.0 and e.provider == "bedrock" for e in claude)
    bill = next(e for e in out.events if e.meta["origin"] == "cost_explorer")
    assert bill.total_tokens == 0 and bill.requests == 0
    assert isinstance(bill.meta["amount"], str) and bill.meta["amount"].count(".") == 1
    assert any(e.meta.get("estimated") for e in out.events)


def test_requests_are_signed_json_with_search_expressions(server: fake.FakeAws) -> None:
    run(server)
    first = calls(server, "GetMetricData")[0]
    assert first.headers["content-type"] == "application/x-amz-json-1.0"
    assert "/us-east-1/monitoring/aws4_request" in first.headers["authorization"]
    body = json.loads(first.body)
    assert body["StartTime"] == START_MS // 1000 and body["EndTime"] == NOW_MS // 1000
    assert body["ScanBy"] == "TimestampAscending"
    exprs = {q["Id"]: q["Expression"] for q in body["MetricDataQueries"]}
    assert exprs["input"] == (
        "SEARCH('{AWS/Bedrock,ModelId} MetricName=\"InputTokenCount\"', 'Sum', 3600)"
    )
    assert {q["Label"] for q in body["MetricDataQueries"]} == {"${PROP('Dim.ModelId')}"}
    cost = calls(server, "GetCostAndUsage")[0]
    assert cost.headers["content-type"] == "application/x-amz-json-1.1"
    assert "/us-east-1/ce/aws4_request" in cost.headers["authorization"]
    assert json.loads(cost.body)["TimePeriod"] == {"Start": "2025-12-26", "End": "2026-01-01"}


def test_both_pagings_are_followed(server: fake.FakeAws) -> None:
    run(server)
    pages = [json.loads(r.body) for r in calls(server, "GetMetricData")]
    assert len(pages) > 3 and "NextToken" not in pages[0]
    assert [p["NextToken"] for p in pages[1:]] == [str(120 * i) for i in range(1, len(pages))]
    costs = [json.loads(r.body) for r in calls(server, "GetCostAndUsage")]
    assert [c.get("NextPageToken") for c in costs] == [None, "2", "4"]  # 6 days, 2 a page


def test_daily_buckets_and_temporary_credentials(server: fake.FakeAws) -> None:
    temp = f"{fake.TEMP_KEY}:{fake.TEMP_SECRET}:{fake.SESSION}"
    out = run(server, key=temp, options={"bucket": "1d"})
    assert got_usage(out) == expected_usage(server, DAY, "1d")
    assert all(r.headers["x-amz-security-token"] == fake.SESSION for r in server.requests)
    assert (
        "86400)"
        in json.loads(calls(server, "GetMetricData")[0].body)["MetricDataQueries"][0]["Expression"]
    )


def test_the_bill_is_opt_in_and_read_once_a_day(server: fake.FakeAws) -> None:
    out = run(server, options={})
    assert calls(server, "GetCostAndUsage") == []
    assert out.events and all(e.reported_cost_usd is None for e in out.events)  # priced by us
    assert "$0.01" in BedrockProvider.info.unavailable[COST]
    assert "cost_explorer=true" in BedrockProvider.info.unavailable[COST]
    run(server, since_ms=NOW_MS - 2 * HOUR)  # no UTC midnight passed since the last run
    assert calls(server, "GetCostAndUsage") == []


def test_regions_pick_the_hosts() -> None:
    def urls(base: str, region: str) -> tuple[str, str]:
        request = CollectRequest("a", base, None, {}, 0, 0, None)  # type: ignore[arg-type]
        return _urls(request, region)

    default = BedrockProvider.info.default_base_url
    assert urls(default, "eu-west-1") == (
        "https://monitoring.eu-west-1.amazonaws.com/",
        "https://ce.us-east-1.amazonaws.com/",
    )
    assert urls("http://127.0.0.1:9/", "eu-west-1") == ("http://127.0.0.1:9/",) * 2


def test_check_lists_models(server: fake.FakeAws) -> None:
    said = run(server, check=True)
    assert said.startswith("credentials accepted; 3 Bedrock model(s) with metrics in us-east-1")
    assert [r.headers["x-amz-target"].split(".")[1] for r in server.requests] == ["ListMetrics"]


@pytest.mark.parametrize(
    ("options", "key", "kind", "says"),
    [
        ({"region": "moon"}, KEY, ConfigError, "not an AWS region"),
        ({"bucket": "1w"}, KEY, ConfigError, "not 1h or 1d"),
        ({}, fake.ACCESS_KEY, SourceAuthError, "ACCESS_KEY_ID:SECRET_ACCESS_KEY"),
        ({}, None, SourceAuthError, "ACCESS_KEY_ID:SECRET_ACCESS_KEY"),
    ],
)
def test_bad_options_and_keys(
    server: fake.FakeAws, options: dict, key: str | None, kind: type, says: str
) -> None:
    with pytest.raises(kind, match=says):
        run(server, options=options, key=key)
    assert server.requests == []


# -- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "status", "hint"),
    [
        (f"{fake.ACCESS_KEY}:wrongSecret", "403", "check the secret access key"),
        (f"AKIAUNKNOWN:{fake.SECRET}", "400", "does not know this access key id"),
        (f"{fake.EXPIRED_KEY}:{fake.TEMP_SECRET}:{fake.SESSION}", "400", "credentials expired"),
    ],
)
def test_refused_keys_are_auth_errors(
    server: fake.FakeAws, key: str, status: str, hint: str
) -> None:
    for check in (False, True):
        with pytest.raises(SourceAuthError) as err:
            run(server, key=key, check=check)
        assert status in str(err.value) and hint in err.value.hint
        clean(err.value, key, key.split(":")[1])


def test_no_cost_permission_degrades_the_bill_only(server: fake.FakeAws) -> None:
    out = run(server, key=f"{fake.NO_COST_KEY}:{fake.SECRET}")
    assert got_usage(out) == expected_usage(server) and got_costs(out) == {}
    (note,) = out.degraded
    assert note.startswith("cost: ") and "not authorized to perform: ce:GetCostAndUsage" in note
    assert "allow the IAM identity ce:GetCostAndUsage" in note
    assert out.complete_until_ms == NOW_MS // DAY * DAY - HOUR


def test_throttling(server: fake.FakeAws) -> None:
    server.script(fake.throttled())  # AWS throttles with a 400
    with pytest.raises(SourceRateLimitError, match="Rate exceeded"):
        run(server, options={})
    server.script(rate_limited(fake.aws_error(429, "Throttling", "slow").body, "1"))
    started = time.monotonic()
    assert run(server, options={}).degraded == []
    assert time.monotonic() - started >= 0.9


@pytest.mark.parametrize(
    ("reply", "kind", "says"),
    [
        (fake.aws_error(500, "InternalFailure", "boom"), SourceUnavailableError, "500"),
        (html_error(502), SourceUnavailableError, "502"),
        (garbage(), SourceFormatError, "not JSON"),
        (cut_json(), SourceFormatError, "not JSON"),
        (Reply(200, {"Results": []}), SourceFormatError, "no MetricDataResults"),
        (
            Reply(200, {"MetricDataResults": [{"Id": "input", "StatusCode": "Forbidden"}]}),
            SourceForbiddenError,
            "StatusCode Forbidden",
        ),
        (
            Reply(200, {"MetricDataResults": [{"Id": "input", "Timestamps": [1], "Values": []}]}),
            SourceFormatError,
            "differ in length",
        ),
    ],
)
def test_failures(server: fake.FakeAws, reply: Reply, kind: type[SourceError], says: str) -> None:
    server.script(reply, reply, reply)
    with pytest.raises(kind) as err:
        run(server, options={})
    assert says in str(err.value)
    clean(err.value, KEY, fake.SECRET)


def test_string_amounts_are_checked(server: fake.FakeAws) -> None:
    def page(amount: object, unit: str = "USD") -> Reply:
        group = {
            "Keys": ["Amazon Bedrock"],
            "Metrics": {"UnblendedCost": {"Amount": amount, "Unit": unit}},
        }
        return Reply(
            200, {"ResultsByTime": [{"TimePeriod": {"Start": "2025-12-30"}, "Groups": [group]}]}
        )

    server.cost_and_usage = lambda body: page("0.1000000001")  # type: ignore[method-assign]
    out = run(server)
    assert got_costs(out) == {"bedrock:cost:Amazon Bedrock:2025-12-30": 0.1000000001}
    for bad, says in ((1.5, "is not a number"), ("lots", "is not a number")):
        server.cost_and_usage = lambda body, bad=bad: page(bad)  # type: ignore[method-assign]
        assert says in run(server).degraded[0]
    server.cost_and_usage = lambda body: page("1", "EUR")  # type: ignore[method-assign]
    assert "billed in EUR" in run(server).degraded[0]


def test_failing_usage_keeps_the_bill(server: fake.FakeAws) -> None:
    server.script(*[Reply(503, {})] * 3)
    out = run(server)
    assert out.degraded[0].startswith("usage: ") and got_usage(out) == {}
    assert got_costs(out) == pytest.approx(expected_costs(server))
    assert out.complete_until_ms == START_MS


def test_timeout(server: fake.FakeAws) -> None:
    server.script(*(slow(2.0) for _ in range(3)))
    with pytest.raises(SourceUnavailableError, match=r"no answer within 0\.3 s"):
        run(server, options={}, timeout=0.3)


def test_the_secret_never_appears(server: fake.FakeAws) -> None:
    server.script(Reply(403, fake.aws_error(403, "X", f"key {KEY} refused").body))
    with pytest.raises(SourceError) as err:
        run(server, options={})
    assert "key <redacted> refused" in clean(err.value, KEY, fake.SECRET)
    out = run(server)
    assert all(fake.SECRET not in repr(x) for x in [*out.events, *out.degraded])


def test_chaos_gives_right_values_or_says_what_failed() -> None:
    seen: dict[str, int] = defaultdict(int)
    for seed in range(8):
        srv = fake.FakeAws()
        srv.chaos(0.2, seed)
        with srv:
            want_usage, want_costs = expected_usage(srv), expected_costs(srv)
            try:
                out = run(srv)
            except SourceError as exc:
                clean(exc, KEY, fake.SECRET)
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
            assert got_usage(out) == want_usage and got_costs(out) == pytest.approx(want_costs)
            seen["complete"] += 1
    # seeded and sequential, so fixed: retries ride out most failures, one run loses a part
    assert dict(seen) == {"complete": 7, "degraded": 1}
    srv = fake.FakeAws()
    srv.chaos(1.0)
    with srv, pytest.raises(SourceError) as err:
        run(srv)
    clean(err.value, KEY, fake.SECRET)
