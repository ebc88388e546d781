"""OpenAI adapter over real loopback HTTP against aiusage.fake.openai (whose shapes
test_openai_spec.py checks against the official OpenAPI spec)."""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from aiusage.errors import (
    SourceAuthError,
    SourceError,
    SourceRateLimitError,
    SourceUnavailableError,
)
from aiusage.fake import openai as fake
from aiusage.fake.openai_data import ADMIN_KEY, NOW_S, PROJECT_KEY, Row
from aiusage.fake.server import Recorded, Reply, garbage, html_error, rate_limited, slow
from aiusage.fake.server import truncated_json as cut_json
from aiusage.sources.providers.base import RATE_LIMITS, Collected, CollectRequest
from aiusage.sources.providers.openai import OpenAIProvider
from aiusage.sources.providers.openai_parse import KINDS, model_of_line_item

SINCE_S = NOW_S - NOW_S % 3600 - 3 * 86400  # the fake's first hour
COMPLETE_S = (NOW_S - 900) // 3600 * 3600  # the adapter's settle rule: 10:00
#: Days before this have a settled bill (ended 6 h ago); usage from here on is unbilled and
#: the cursor waits here, so it is read again until its day's bill arrives.
BILLED_S = (NOW_S - 6 * 3600) // 86400 * 86400
TOKEN_KINDS = {k.name for k in KINDS if k.tokens}


@pytest.fixture
def server() -> Iterator[fake.FakeOpenAI]:
    srv = fake.FakeOpenAI()
    with srv:
        yield srv


def run(
    server: fake.FakeOpenAI,
    *,
    key: str | None = ADMIN_KEY,
    since_s: int = SINCE_S,
    options: dict[str, str] | None = None,
    timeout: float = 5.0,
    check: bool = False,
) -> Any:
    """Collect (or check) like the runtime: a client whose base_url is the account's."""
    base = server.base_url + "/v1"

    async def go() -> Any:
        async with httpx.AsyncClient(base_url=base, timeout=timeout) as client:
            request = CollectRequest(
                account="oai",
                base_url=base,
                key=key,
                options=options or {},
                since_ms=since_s * 1000,
                now_ms=NOW_S * 1000,
                client=client,
            )
            provider = OpenAIProvider()
            return await (provider.check(request) if check else provider.collect(request))

    return asyncio.run(go())


# -- what the seeded data says the adapter must return -----------------------------------


def expected_usage(rows: list[Row], since_s: int = SINCE_S) -> dict[str, tuple[int, ...]]:
    """dedup_key -> (input uncached, cache read, output, requests), from the raw rows."""
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for r in rows:
        if r.kind == "costs" or r.hour_s < since_s:
            continue
        if r.kind not in TOKEN_KINDS and r.hour_s + 3600 > COMPLETE_S:
            continue  # an hour still filling up, left for the next collection
        g, m = r.groups, r.metrics
        key = f"openai:{r.kind}:{r.hour_s}:{g.get('model', '')}:{g['project_id']}:"
        key += g.get("api_key_id", "")
        acc = out[key]
        cached = int(m.get("input_cached_tokens", 0))
        acc[0] += int(m.get("input_tokens", 0)) - cached
        acc[1] += cached
        acc[2] += int(m.get("output_tokens", 0))
        acc[3] += int(m.get("num_model_requests", m.get("num_sessions", 0)))
    return {k: tuple(v) for k, v in out.items()}


def expected_costs(rows: list[Row], since_s: int = SINCE_S) -> dict[str, float]:
    first_day = since_s - since_s % 86400 - 86400
    out: dict[str, float] = defaultdict(float)
    for r in rows:
        day = r.hour_s - r.hour_s % 86400
        if r.kind == "costs" and day >= first_day and day + 86400 <= NOW_S - 6 * 3600:
            out[f"openai:costs:{day}:{r.groups['project_id']}:{r.line_item}"] += r.metrics["amount"]
    return dict(out)


def got_usage(result: Collected) -> dict[str, tuple[int, ...]]:
    got = {}
    for e in result.events:
        if e.meta["kind"] != "costs":
            assert e.dedup_key not in got, "one event per bucket and group"
            got[e.dedup_key] = (e.input_tokens, e.cache_read_tokens, e.output_tokens, e.requests)
    return got


def got_costs(result: Collected) -> dict[str, float]:
    return {
        e.dedup_key: e.reported_cost_usd or 0.0 for e in result.events if e.meta["kind"] == "costs"
    }


def assert_complete(result: Collected, server: fake.FakeOpenAI) -> None:
    assert result.degraded == []
    assert got_usage(result) == expected_usage(server.rows)
    costs = got_costs(result)
    want = expected_costs(server.rows)
    assert costs.keys() == want.keys()
    for k, v in want.items():
        assert costs[k] == pytest.approx(v, rel=1e-12)
    assert result.complete_until_ms == min(COMPLETE_S, BILLED_S) * 1000
    for e in result.events:  # (vector-store bytes have nothing to price: always 0.0)
        if e.meta["kind"] != "costs" and (e.total_tokens or e.requests):
            assert (e.reported_cost_usd is None) is (e.ts_ms >= BILLED_S * 1000), e


def queries(server: fake.FakeOpenAI, part: str) -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(r.path).query) for r in server.requests if part in r.path]


# -- success ----------------------------------------------------------------------------


def test_collect_returns_every_bucket_with_totals_from_the_seed(server: fake.FakeOpenAI) -> None:
    result = run(server)
    assert_complete(result, server)
    assert result.observations == []
    usage = [e for e in result.events if e.meta["kind"] != "costs"]
    assert {e.meta["kind"] for e in usage} == {k.name for k in KINDS}
    for e in result.events:
        assert (e.source, e.account, e.provider) == ("oai", "oai", "openai")
        if e.meta["kind"] != "costs" and e.ts_ms < BILLED_S * 1000:
            assert e.reported_cost_usd == 0.0  # the cost rule: money comes separately
    # every kind asked once (3 days of hours fit one page), costs once, nothing else
    assert len(server.requests) == len(KINDS) + 1
    (first,) = queries(server, "usage/completions")
    assert first["bucket_width"] == ["1h"] and first["start_time"] == [str(SINCE_S)]
    assert first["group_by[]"] == ["model", "project_id", "api_key_id"]
    (cost_q,) = queries(server, "/costs")
    assert cost_q["bucket_width"] == ["1d"]
    assert cost_q["group_by[]"] == ["line_item", "project_id"]
    assert all(r.bearer() == ADMIN_KEY for r in server.requests)


def test_units_cached_input_subtracted_and_costs_in_dollars(server: fake.FakeOpenAI) -> None:
    result = run(server)
    row = next(
        r for r in server.rows if r.kind == "completions" and r.metrics["input_cached_tokens"]
    )
    key = f"openai:completions:{row.hour_s}:{row.groups['model']}:{row.groups['project_id']}:"
    event = next(e for e in result.events if e.dedup_key == key + row.groups["api_key_id"])
    m = row.metrics
    assert event.input_tokens == m["input_tokens"] - m["input_cached_tokens"]
    assert event.input_tokens == m["input_uncached_tokens"] + m["input_cache_write_tokens"]
    assert event.cache_read_tokens == m["input_cached_tokens"]
    assert (event.output_tokens, event.requests) == (m["output_tokens"], m["num_model_requests"])
    assert event.ts_ms == row.hour_s * 1000
    # one day of one model's output: dollars = tokens x $/1M, not cents
    cost = next(e for e in result.events if e.meta.get("line_item") == "gpt-4o-2024-08-06, output")
    assert cost.model == "gpt-4o-2024-08-06"
    assert cost.total_tokens == 0 and cost.requests == 0
    assert cost.meta["quantity_unit"] == "tokens"
    assert cost.reported_cost_usd == pytest.approx(cost.meta["quantity"] * 10.0 / 1e6)
    assert 0.01 < (cost.reported_cost_usd or 0) < 100
    sessions = [e for e in result.events if e.meta.get("line_item") == "Code Interpreter sessions"]
    assert sessions and all(e.model == "" for e in sessions)


def test_non_token_kinds_keep_their_counts(server: fake.FakeOpenAI) -> None:
    result = run(server)
    images = [e for e in result.events if e.meta["kind"] == "images"]
    assert images and all(e.meta["images"] == e.requests and e.total_tokens == 0 for e in images)
    stores = [e for e in result.events if e.meta["kind"] == "vector_stores"]
    assert stores and all(e.requests == 0 and e.meta["usage_bytes"] > 0 for e in stores)
    assert all(e.ts_ms < COMPLETE_S * 1000 for e in stores)  # the filling hour waits
    speech = [e for e in result.events if e.meta["kind"] == "audio_speeches"]
    want = sum(
        r.metrics["characters"]
        for r in server.rows
        if r.kind == "audio_speeches" and r.hour_s + 3600 <= COMPLETE_S
    )
    assert sum(e.meta["characters"] for e in speech) == want


@pytest.mark.parametrize(
    ("item", "model"),
    [
        ("gpt-4o-2024-08-06, input", "gpt-4o-2024-08-06"),
        ("gpt-4o-mini, cached input", "gpt-4o-mini"),
        ("o3-mini-2025-01-31, output", "o3-mini-2025-01-31"),
        ("text-embedding-3-small", "text-embedding-3-small"),
        ("ft:gpt-4o-mini:acme::abc, training", "ft:gpt-4o-mini:acme::abc"),
        ("Code Interpreter sessions", ""),
        ("File search storage", ""),
        ("", ""),
    ],
)
def test_model_from_line_item(item: str, model: str) -> None:
    assert model_of_line_item(item) == model


def test_many_pages_are_followed() -> None:
    srv = fake.FakeOpenAI(days=30, seed=3)
    with srv:
        since = NOW_S - NOW_S % 3600 - 30 * 86400
        result = run(srv, since_s=since)
        assert got_usage(result) == expected_usage(srv.rows, since)
        assert got_costs(result).keys() == expected_costs(srv.rows, since).keys()
        pages = queries(srv, "usage/completions")
        assert len(pages) == 5  # 721 hours / 168 per page
        assert "page" not in pages[0] and all(len(q["page"]) == 1 for q in pages[1:])
        assert all(q["limit"] == ["168"] for q in pages)


def test_project_filter_is_sent_and_honoured(server: fake.FakeOpenAI) -> None:
    result = run(server, options={"project_ids": " proj_fake_research ,"})
    assert {e.project for e in result.events} == {"proj_fake_research"}
    assert all(q["project_ids[]"] == ["proj_fake_research"] for q in queries(server, "/v1/"))
    want = {k: v for k, v in expected_usage(server.rows).items() if ":proj_fake_research:" in k}
    assert got_usage(result) == want


def test_check_lists_projects_for_free(server: fake.FakeOpenAI) -> None:
    said = run(server, check=True)
    assert said == "Admin key accepted; 2 projects: Default project, Research"
    assert [urlsplit(r.path).path for r in server.requests] == ["/v1/organization/projects"]


# -- errors -----------------------------------------------------------------------------


def test_wrong_key_401_never_leaks_the_key(server: fake.FakeOpenAI) -> None:
    wrong = "sk-admin-WRONGWRONGWRONGWRONG1234"
    with pytest.raises(SourceAuthError) as info:
        run(server, key=wrong)
    assert "401" in str(info.value) and wrong not in str(info.value)
    assert "<redacted>" in str(info.value)  # the fake echoes the key; we scrub it
    assert len(server.requests) == 1  # a refused key is not tried on every endpoint
    with pytest.raises(SourceAuthError) as info:
        run(server, key=wrong, check=True)
    assert wrong not in str(info.value)


def test_project_key_403_says_an_admin_key_is_needed(server: fake.FakeOpenAI) -> None:
    for check in (False, True):
        with pytest.raises(SourceAuthError) as info:
            run(server, key=PROJECT_KEY, check=check)
        assert "403" in str(info.value) and "Admin key" in info.value.hint
        assert "sk-admin-" in info.value.hint and PROJECT_KEY not in str(info.value)


def test_missing_key(server: fake.FakeOpenAI) -> None:
    with pytest.raises(SourceAuthError, match="no Admin key"):
        run(server, key=None)
    assert server.requests == []


def test_429_retry_after_is_honoured(server: fake.FakeOpenAI) -> None:
    server.script(rate_limited({"error": {"message": "Rate limit reached"}}, "1"))
    started = time.monotonic()
    result = run(server)
    assert time.monotonic() - started >= 0.9
    assert_complete(result, server)


def test_long_429_is_reported_not_waited_for(server: fake.FakeOpenAI) -> None:
    server.script(rate_limited({"error": {"message": "Rate limit reached"}}, "120"))
    started = time.monotonic()
    with pytest.raises(SourceRateLimitError) as info:
        run(server)
    assert time.monotonic() - started < 5
    assert info.value.retry_after_s == 120
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("reply", "said"),
    [
        (Reply(500, {"error": {"message": "boom", "type": "server_error"}}), "500"),
        (html_error(502), "502"),
        (garbage(), "not JSON"),
        (cut_json(), "not JSON"),
    ],
)
def test_a_failing_endpoint_degrades_and_holds_the_cursor(
    server: fake.FakeOpenAI, reply: Reply, said: str
) -> None:
    server.script(reply, reply, reply)  # every attempt at usage/completions
    result = run(server)
    assert len(result.degraded) == 1 and result.degraded[0].startswith("usage/completions: ")
    assert said in result.degraded[0] and ADMIN_KEY not in result.degraded[0]
    want = {k: v for k, v in expected_usage(server.rows).items() if ":completions:" not in k}
    assert got_usage(result) == want
    assert result.complete_until_ms == SINCE_S * 1000  # re-read next time


@pytest.mark.parametrize("reply", [Reply(503, {}), html_error(502), cut_json(), garbage()])
def test_one_bad_answer_is_retried(server: fake.FakeOpenAI, reply: Reply) -> None:
    server.script(reply)
    assert_complete(run(server), server)


def test_timeout(server: fake.FakeOpenAI) -> None:
    server.script(*(slow(2.0) for _ in range(3)))
    result = run(server, timeout=0.3)
    assert result.degraded[0].startswith("usage/completions: ")
    assert "no answer within 0.3 s" in result.degraded[0]


class _Broken(fake.FakeOpenAI):
    """Fails every request whose path contains ``part`` with a 500."""

    def __init__(self, part: str) -> None:
        super().__init__()
        self.part = part

    def answer(self, request: Recorded) -> Reply:
        if self.part in request.path:
            return Reply(500, {"error": {"message": "down", "type": "server_error"}})
        return super().answer(request)


def test_costs_down_usage_still_returned() -> None:
    broken = _Broken("/costs")
    with broken:
        result = run(broken)
    assert [d.split(":")[0] for d in result.degraded] == ["costs"]
    assert got_usage(result) == expected_usage(broken.rows) and got_costs(result) == {}
    assert result.complete_until_ms == SINCE_S * 1000


def test_usage_down_costs_still_returned() -> None:
    broken = _Broken("/usage/")
    with broken:
        result = run(broken)
    assert len(result.degraded) == len(KINDS)
    assert (
        got_usage(result) == {} and got_costs(result).keys() == expected_costs(broken.rows).keys()
    )


def test_everything_down_raises_the_first_error() -> None:
    broken = _Broken("/organization/")
    with broken, pytest.raises(SourceUnavailableError, match="usage completions"):
        run(broken)


# -- chaos ------------------------------------------------------------------------------


def chaos_outcome(seed: int, rate: float = 0.3) -> str:
    srv = fake.FakeOpenAI()
    srv.chaos(rate, seed)
    with srv:
        try:
            result = run(srv)
        except SourceError as exc:
            assert ADMIN_KEY not in str(exc)
            return "raised"
    if not result.degraded:
        assert_complete(result, srv)
        return "complete"
    # what did arrive is right, the rest is re-read next time
    want_usage, want_costs = expected_usage(srv.rows), expected_costs(srv.rows)
    for key, value in got_usage(result).items():
        assert want_usage[key] == value
    for key, cost in got_costs(result).items():
        assert cost == pytest.approx(want_costs[key])
    assert result.complete_until_ms == SINCE_S * 1000
    assert all(ADMIN_KEY not in d for d in result.degraded)
    return "degraded"


def test_chaos_gives_correct_totals_or_says_what_failed() -> None:
    """Each seed's outcome is fixed (sequential requests, seeded failures): most runs
    retry through every failure; seeds 7 and 8 lose a part after three attempts and say
    so, keeping the cursor; when every request fails the first error is raised."""
    outcomes = {seed: chaos_outcome(seed) for seed in range(10)}
    assert outcomes == {s: "degraded" if s in (7, 8) else "complete" for s in range(10)}
    assert chaos_outcome(0, rate=1.0) == "raised"


# -- rate-limit probe -------------------------------------------------------------------


def test_no_probe_without_opt_in(server: fake.FakeOpenAI) -> None:
    result = run(server, options={"probe_model": "gpt-4o-mini"})
    assert result.observations == [] and server.probes == 0
    assert not any("chat/completions" in r.path for r in server.requests)
    why = OpenAIProvider.info.unavailable[RATE_LIMITS]
    assert "billed" in why and "$" in why and "probe=true" in why


def test_probe_when_opted_in(server: fake.FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_PROBE_KEY", PROJECT_KEY)
    result = run(server, options={"probe": "true", "probe_key_env": "OPENAI_PROBE_KEY"})
    assert_complete(result, server)
    assert server.probes == 1
    (chat,) = [r for r in server.requests if r.path == "/v1/chat/completions"]
    assert chat.bearer() == PROJECT_KEY
    body = json.loads(chat.body)
    assert body["model"] == "gpt-4o-mini" and body["max_completion_tokens"] == 1
    got = {o.window: o for o in result.observations}
    now_ms = NOW_S * 1000
    req, tok = got["requests"], got["tokens"]
    assert (req.metric, req.value, req.limit, req.resets_at_ms) == (
        "rate_limit_remaining",
        499.0,
        500.0,
        now_ms + 120,
    )
    assert (tok.value, tok.limit, tok.resets_at_ms) == (199991.0, 200000.0, now_ms + 360_000)
    assert req.account == "oai" and req.meta == {"model": "gpt-4o-mini"}


def test_probe_refuses_an_admin_key(server: fake.FakeOpenAI) -> None:
    result = run(server, options={"probe": "true"})
    assert server.probes == 0 and result.observations == []
    assert result.degraded and result.degraded[0].startswith("rate-limit probe: ")
    assert got_usage(result) == expected_usage(server.rows)
    assert result.complete_until_ms == min(COMPLETE_S, BILLED_S) * 1000  # a probe loses none
