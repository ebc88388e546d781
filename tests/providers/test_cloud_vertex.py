"""Vertex AI over real loopback HTTP against aiusage.fake.vertex (Cloud Monitoring).

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
    SourceForbiddenError,
    SourceFormatError,
    SourceRateLimitError,
    SourceUnavailableError,
)
from aiusage.fake import vertex as fake
from aiusage.fake.server import Recorded, Reply, garbage, html_error, rate_limited, slow
from aiusage.fake.server import truncated_json as cut_json
from aiusage.sources.providers.base import COST
from aiusage.sources.providers.vertex import VertexProvider

HOUR, DAY = 3_600_000, 86_400_000
NOW_MS = fake.NOW_S * 1000
SINCE_MS = NOW_MS - 3 * DAY
START_MS = SINCE_MS // HOUR * HOUR
END_MS = NOW_MS // HOUR * HOUR  # 10:00: the running hour is read once it is over
SETTLED_MS = (NOW_MS - HOUR) // HOUR * HOUR  # 09:00: and the last whole hour once more
OPTIONS = {"project": fake.PROJECT}


@pytest.fixture
def server() -> Iterator[fake.FakeCloudMonitoring]:
    srv = fake.FakeCloudMonitoring()
    with srv:
        yield srv


def run(
    srv: fake.FakeCloudMonitoring,
    *,
    key: str | None = fake.TOKEN,
    options: dict[str, str] = OPTIONS,
    since_ms: int = SINCE_MS,
    timeout: float = 5.0,
    check: bool = False,
) -> Any:
    return run_provider(
        VertexProvider(),
        srv.base_url,
        key=key,
        options=options,
        since_ms=since_ms,
        now_ms=NOW_MS,
        timeout=timeout,
        check=check,
    )


def expected(
    srv: fake.FakeCloudMonitoring, width: int = HOUR, bucket: str = "1h", location: str = ""
) -> dict[str, tuple[int, int, int]]:
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    first, end = START_MS // width * width, NOW_MS // width * width
    for r in srv.rows:
        ts = r.hour_s * 1000 // width * width
        if not first <= ts < end or (location and fake.MODELS[r.model][1] != location):
            continue
        iso = datetime.fromtimestamp(ts / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        acc = out[f"vertex:{fake.PROJECT}:{location or '*'}:{r.model}:{bucket}:{iso}"]
        acc[0] += r.input
        acc[1] += r.output
        acc[2] += r.requests
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


def got(out: Any) -> dict[str, tuple[int, int, int]]:
    return {e.dedup_key: (e.input_tokens, e.output_tokens, e.requests) for e in out.events}


def query(req: Recorded) -> dict[str, list[str]]:
    return parse_qs(urlsplit(req.path).query)


# -- success ----------------------------------------------------------------------------


def test_token_counts_and_invocations_become_events(server: fake.FakeCloudMonitoring) -> None:
    out = run(server)
    assert out.degraded == [] and out.observations == []
    assert got(out) == expected(server)
    assert out.complete_until_ms == SETTLED_MS
    e = out.events[0]
    assert (e.provider, e.project, e.source, e.reported_cost_usd) == (
        "vertex",
        fake.PROJECT,
        "acct",
        None,  # no bill to read: aiusage prices the tokens
    )
    assert {e.model for e in out.events} == set(fake.MODELS)
    first = query(server.requests[0])
    assert first["filter"] == [
        'metric.type="aiplatform.googleapis.com/publisher/online_serving/token_count" AND '
        'resource.type="aiplatform.googleapis.com/PublisherModel"'
    ]
    assert first["aggregation.groupByFields"] == [
        "resource.label.model_user_id",
        "metric.label.type",
    ]
    assert first["aggregation.alignmentPeriod"] == ["3600s"]
    assert first["aggregation.perSeriesAligner"] == ["ALIGN_SUM"]
    assert first["aggregation.crossSeriesReducer"] == ["REDUCE_SUM"]
    assert first["interval.startTime"] == ["2025-12-29T10:00:00Z"]
    assert first["interval.endTime"] == ["2026-01-01T10:00:00Z"]
    assert all(r.bearer() == fake.TOKEN for r in server.requests)
    assert "BigQuery" in VertexProvider.info.unavailable[COST]


def test_pages_are_followed(server: fake.FakeCloudMonitoring) -> None:
    run(server)
    tokens = [query(r) for r in server.requests if "token_count" in r.path]
    calls = [query(r) for r in server.requests if "model_invocation_count" in r.path]
    # whole series of ~50 points, at most 100 points a page: 6 token series, 3 call series
    assert [q.get("pageToken") for q in tokens] == [None, ["1"], ["3"], ["5"]]
    assert [q.get("pageToken") for q in calls] == [None, ["2"]]
    assert calls[0]["aggregation.groupByFields"] == ["resource.label.model_user_id"]


def test_int64_strings_are_exact(server: fake.FakeCloudMonitoring) -> None:
    big = "9007199254740993"  # above 2**53: a float would round it

    def series(kind: str) -> dict[str, Any]:
        point = {
            "interval": {"endTime": "2026-01-01T09:00:00.000000Z"},
            "value": {"int64Value": big},
        }
        return {
            "metric": {"labels": {"type": kind}},
            "resource": {"labels": {"model_user_id": "gemini-2.5-flash"}},
            "points": [point],
        }

    server.script(Reply(200, {"timeSeries": [series("input"), series("cached_input")]}))
    server.script(Reply(200, {}))  # no invocations matched: no timeSeries key at all
    out = run(server, since_ms=NOW_MS - 2 * HOUR)
    (event,) = out.events
    assert event.input_tokens == int(big) and event.ts_ms == END_MS - 2 * HOUR  # endTime 09:00
    assert event.meta["other_tokens"] == {"cached_input": int(big)} and event.requests == 0


def test_location_filter_and_daily_buckets(server: fake.FakeCloudMonitoring) -> None:
    options = {**OPTIONS, "location": "us-east5", "bucket": "1d"}
    out = run(server, options=options)
    assert got(out) == expected(server, DAY, "1d", "us-east5")
    assert {e.model for e in out.events} == {"claude-sonnet-4"}
    q = query(server.requests[0])
    assert q["filter"][0].endswith(' AND resource.labels.location="us-east5"')
    assert q["aggregation.alignmentPeriod"] == ["86400s"]
    assert out.complete_until_ms == NOW_MS // DAY * DAY  # today is read tomorrow


def test_a_backfill_stops_at_six_weeks(server: fake.FakeCloudMonitoring) -> None:
    run(server, since_ms=0)
    assert query(server.requests[0])["interval.startTime"] == ["2025-11-20T10:00:00Z"]


def test_check_sums_a_day(server: fake.FakeCloudMonitoring) -> None:
    said = run(server, check=True)
    last_day = sum(
        r.input + r.output for r in server.rows if END_MS - DAY <= r.hour_s * 1000 < END_MS
    )
    assert said == (
        f"token accepted; project {fake.PROJECT}: {last_day:,} tokens in the last 24 h "
        "across 3 model(s)"
    )


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({}, "needs option project"),
        ({"project": "projects/acme"}, "needs option project"),
        ({**OPTIONS, "bucket": "15m"}, "not 1h or 1d"),
    ],
)
def test_bad_options(server: fake.FakeCloudMonitoring, options: dict[str, str], says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        run(server, options=options)
    assert server.requests == []


# -- errors -----------------------------------------------------------------------------


def test_401_says_tokens_expire_hourly(server: fake.FakeCloudMonitoring) -> None:
    for check in (False, True):
        with pytest.raises(SourceAuthError) as err:
            run(server, key="ya29.expired", check=check)
        assert "401" in str(err.value) and "expire after about an hour" in err.value.hint
        assert "gcloud auth print-access-token" in err.value.hint
        clean(err.value, "ya29.expired")
    with pytest.raises(SourceAuthError, match="has no token"):
        run(server, key=None)


@pytest.mark.parametrize(
    ("key", "options"),
    [(fake.VIEWERLESS_TOKEN, OPTIONS), (fake.TOKEN, {"project": "someone-else"})],
)
def test_403_names_the_role(
    server: fake.FakeCloudMonitoring, key: str, options: dict[str, str]
) -> None:
    with pytest.raises(SourceForbiddenError) as err:
        run(server, key=key, options=options)
    assert "Permission monitoring.timeSeries.list denied" in str(err.value)
    assert "roles/monitoring.viewer" in err.value.hint


def test_429_retry_after(server: fake.FakeCloudMonitoring) -> None:
    body = fake.google_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded").body
    server.script(rate_limited(body, "1"))
    started = time.monotonic()
    assert got(run(server)) == expected(server)
    assert time.monotonic() - started >= 0.9
    server.script(rate_limited(body, "300"))
    with pytest.raises(SourceRateLimitError) as err:
        run(server)
    assert err.value.retry_after_s == 300 and "Quota exceeded" in str(err.value)


@pytest.mark.parametrize(
    ("reply", "kind", "says"),
    [
        (fake.google_error(500, "INTERNAL", "boom"), SourceUnavailableError, "500"),
        (fake.google_error(503, "UNAVAILABLE", "later"), SourceUnavailableError, "503"),
        (html_error(502), SourceUnavailableError, "502"),
        (garbage(), SourceFormatError, "not JSON"),
        (cut_json(), SourceFormatError, "not JSON"),
        (Reply(200, {"timeSeries": {}}), SourceFormatError, "timeSeries is not a list"),
        (Reply(200, {"timeSeries": [{"points": [{}]}]}), SourceFormatError, "no interval"),
        (
            Reply(
                200,
                {
                    "timeSeries": [
                        {
                            "points": [
                                {
                                    "interval": {"endTime": "2026-01-01T09:00:00Z"},
                                    "value": {"int64Value": "12e3"},
                                }
                            ]
                        }
                    ]
                },
            ),
            SourceFormatError,
            "'12e3' is not a count",
        ),
    ],
)
def test_failures(
    server: fake.FakeCloudMonitoring, reply: Reply, kind: type[SourceError], says: str
) -> None:
    server.script(reply, reply, reply)
    with pytest.raises(kind) as err:
        run(server)
    assert says in str(err.value)
    clean(err.value, fake.TOKEN)


def test_400_is_an_invalid_request(server: fake.FakeCloudMonitoring) -> None:
    server.script(fake.google_error(400, "INVALID_ARGUMENT", "Field filter had an invalid value"))
    with pytest.raises(SourceError) as err:
        run(server)
    assert type(err.value) is SourceError and "answered 400" in str(err.value)
    assert "Field filter had an invalid value" in str(err.value)


def test_timeout(server: fake.FakeCloudMonitoring) -> None:
    server.script(*(slow(2.0) for _ in range(3)))
    with pytest.raises(SourceUnavailableError, match=r"no answer within 0\.3 s"):
        run(server, timeout=0.3)


def test_the_token_never_appears(server: fake.FakeCloudMonitoring) -> None:
    server.script(fake.google_error(401, "UNAUTHENTICATED", f"bad token {fake.TOKEN}"))
    with pytest.raises(SourceAuthError) as err:
        run(server)
    assert "bad token <redacted>" in clean(err.value, fake.TOKEN)
    out = run(server)
    assert all(fake.TOKEN not in repr(e) for e in out.events)


def test_chaos_gives_right_values_or_a_clean_error() -> None:
    seen: dict[str, int] = defaultdict(int)
    for seed in range(8):
        srv = fake.FakeCloudMonitoring()
        srv.chaos(0.3, seed)
        with srv:
            want = expected(srv)
            try:
                out = run(srv)
            except SourceError as exc:
                assert isinstance(
                    exc, SourceUnavailableError | SourceFormatError | SourceRateLimitError
                )
                clean(exc, fake.TOKEN)
                seen["raised"] += 1
                continue
        assert got(out) == want and out.complete_until_ms == SETTLED_MS
        seen["complete"] += 1
    # seeded and sequential, so fixed: retries ride out most failures; usage is the only
    # part, so a run that loses it raises
    assert dict(seen) == {"complete": 7, "raised": 1}
    srv = fake.FakeCloudMonitoring()
    srv.chaos(1.0)
    with srv, pytest.raises(SourceError) as err:
        run(srv)
    clean(err.value, fake.TOKEN)
