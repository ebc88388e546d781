"""OpenRouter adapter over real loopback HTTP against aiusage.fake.openrouter, and the
fake's bodies checked against OpenRouter's OpenAPI spec (so the fake cannot drift)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
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
from aiusage.fake import openrouter as fake
from aiusage.fake.server import garbage, html_error, slow, truncated_json
from aiusage.sources.providers.base import (
    BALANCE_METRIC,
    KEY_VALID,
    RATE_LIMIT_REMAINING,
    RATE_LIMITS,
    USAGE,
    CollectRequest,
)
from aiusage.sources.providers.openrouter import (
    CREDITS_USED,
    KEY_LIMIT_REMAINING,
    OpenRouterProvider,
    next_reset_ms,
)

NOW_MS = fake.NOW_MS
TODAY_MS = NOW_MS - NOW_MS % 86_400_000
MGMT, INFER = fake.MANAGEMENT_KEY, fake.INFERENCE_KEY
KEYS = (MGMT, INFER)
MAPPED = {"input_tokens": "prompt_tokens", "output_tokens": "completion_tokens"}.items()
MAPPED |= {"reasoning_tokens": "reasoning_tokens", "requests": "requests"}.items()


@pytest.fixture
def server() -> Iterator[fake.FakeOpenRouter]:
    srv = fake.FakeOpenRouter()
    with srv:
        yield srv


def run(
    server: fake.FakeOpenRouter,
    key: str | None = MGMT,
    *,
    since_ms: int = 0,
    timeout: float = 5.0,
    check: bool = False,
) -> Any:
    async def go() -> Any:
        base = server.base_url + fake.BASE_PATH
        async with httpx.AsyncClient(base_url=base, timeout=timeout) as client:
            request = CollectRequest("or-main", base, key, {}, since_ms, NOW_MS, client)
            provider = OpenRouterProvider()
            return await (provider.check(request) if check else provider.collect(request))

    return asyncio.run(go())


def fails(server: fake.FakeOpenRouter, key: str | None = MGMT, **kw: Any) -> SourceError:
    with pytest.raises(SourceError) as caught:
        run(server, key, **kw)
    assert_no_key(str(caught.value), caught.value.hint)
    return caught.value


def assert_no_key(*texts: str) -> None:
    for text in texts:
        for key in KEYS:
            assert key not in text
            assert key[9:] not in text  # nor the secret part without its prefix


def obs(found: Any, metric: str, window: str = "") -> Any:
    matches = [o for o in found.observations if o.metric == metric and o.window == window]
    assert len(matches) == 1, (metric, window, found.observations)
    return matches[0]


def day_ms(text: str) -> int:
    d = date.fromisoformat(text)
    return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp() * 1000)


# -- success ----------------------------------------------------------------------------------


def test_management_key_reads_usage_cost_balance_and_key(server: fake.FakeOpenRouter) -> None:
    found = run(server)
    rows = server.activity
    assert found.degraded == []
    assert found.complete_until_ms == TODAY_MS
    assert len(found.events) == len(rows)
    assert len({e.dedup_key for e in found.events}) == len(rows)
    for attr, field in MAPPED:
        assert sum(getattr(e, attr) for e in found.events) == sum(r[field] for r in rows)
    cost = sum(e.reported_cost_usd for e in found.events)
    assert cost == pytest.approx(sum(r["usage"] for r in rows))
    balance = obs(found, BALANCE_METRIC, "USD")
    credits = server.credits
    assert balance.value == pytest.approx(credits["total_credits"] - credits["total_usage"])
    assert balance.unit == "USD" and balance.limit == credits["total_credits"]
    assert obs(found, KEY_VALID).meta["is_management_key"] is True
    # A management key has no spending limit: no limit reading is invented.
    assert not [o for o in found.observations if o.metric == KEY_LIMIT_REMAINING]


def test_each_event_carries_its_rows_tokens_and_cost_once(server: fake.FakeOpenRouter) -> None:
    events = {(e.meta["endpoint_id"], e.ts_ms, e.model): e for e in run(server).events}
    for row in server.activity:
        event = events[(row["endpoint_id"], day_ms(row["date"]), row["model"])]
        assert event.input_tokens == row["prompt_tokens"]
        assert event.output_tokens == row["completion_tokens"]
        assert event.reasoning_tokens == row["reasoning_tokens"]
        assert event.reported_cost_usd == pytest.approx(row["usage"])
        assert event.meta["byok_usd"] == pytest.approx(row["byok_usage_inference"])
        assert event.meta["upstream_provider"] == row["provider_name"]
        assert event.provider == "openrouter" and event.source == "or-main"
    byok = [e for e in events.values() if e.meta["byok_usd"] > 0]
    assert byok and all(e.reported_cost_usd < e.meta["byok_usd"] for e in byok)  # only the fee


def test_dedup_keys_are_stable_and_since_skips_old_days(server: fake.FakeOpenRouter) -> None:
    first = run(server)
    again = run(server)
    assert [e.dedup_key for e in first.events] == [e.dedup_key for e in again.events]
    since = TODAY_MS - 7 * 86_400_000
    recent = run(server, since_ms=since)
    expected = [r for r in server.activity if day_ms(r["date"]) >= since]
    assert 0 < len(recent.events) == len(expected) < len(first.events)
    assert {e.dedup_key for e in recent.events} <= {e.dedup_key for e in first.events}


def test_duplicate_rows_add_up_instead_of_overwriting(server: fake.FakeOpenRouter) -> None:
    row = dict(server.activity[0])
    server.activity.append(row)
    found = run(server)
    assert len(found.events) == len(server.activity) - 1
    cost = sum(e.reported_cost_usd for e in found.events)
    assert cost == pytest.approx(sum(r["usage"] for r in server.activity))


def test_inference_key_gives_key_readings_and_degrades(server: fake.FakeOpenRouter) -> None:
    found = run(server, INFER)
    info = server.keys[INFER]
    assert found.events == [] and found.complete_until_ms is None
    assert len(found.degraded) == 2
    assert all("management key" in d and "403" in d for d in found.degraded)
    assert_no_key(*found.degraded)
    assert obs(found, KEY_VALID).value == 1.0
    for window, field in (("total", "usage"), ("day", "usage_daily"), ("month", "usage_monthly")):
        assert obs(found, CREDITS_USED, window).value == pytest.approx(info[field])
    left = obs(found, KEY_LIMIT_REMAINING, "monthly")
    assert left.value == pytest.approx(info["limit_remaining"])
    assert left.limit == 100.0 and left.unit == "USD"
    assert left.resets_at_ms == day_ms("2026-01-01")
    free = obs(found, RATE_LIMIT_REMAINING, "free_models_day")
    assert (free.value, free.limit, free.resets_at_ms) == (47, 50, TODAY_MS + 86_400_000)
    assert not [o for o in found.observations if o.metric == BALANCE_METRIC]


def test_reset_times_follow_utc_calendar() -> None:
    assert next_reset_ms("weekly", NOW_MS) == day_ms("2025-12-29")  # NOW is a Sunday
    assert next_reset_ms("monthly", day_ms("2025-11-30")) == day_ms("2025-12-01")
    assert next_reset_ms(None, NOW_MS) is None


def test_check_describes_the_key_without_showing_it(server: fake.FakeOpenRouter) -> None:
    text = run(server, INFER, check=True)
    assert "inference key" in text and "$100.00 limit (monthly)" in text
    assert "management key" in run(server, MGMT, check=True)
    assert_no_key(text)
    info = OpenRouterProvider.info
    assert USAGE in info.reports and RATE_LIMITS in info.unavailable
    assert info.default_base_url == "https://openrouter.ai/api/v1"


# -- errors -----------------------------------------------------------------------------------


def test_unknown_or_missing_key_is_refused(server: fake.FakeOpenRouter) -> None:
    exc = fails(server, "sk-or-v1-" + "0" * 64)
    assert isinstance(exc, SourceAuthError) and "User not found" in str(exc)
    with pytest.raises(SourceAuthError):
        run(server, None)
    assert server.requests[-1].path.endswith("/key")  # only the refused one was sent


def test_429_retry_after_long_is_reported_short_is_waited(server: fake.FakeOpenRouter) -> None:
    server.script_path("/key", fake.too_many_requests("60"), fake.too_many_requests("0"))
    exc = fails(server)
    assert isinstance(exc, SourceRateLimitError) and exc.retry_after_s == 60
    assert len(server.requests) == 1  # not waited for: the next collection asks again
    assert run(server).degraded == []


def test_5xx_on_key_fails_and_on_activity_degrades(server: fake.FakeOpenRouter) -> None:
    server.script_path("/key", *[fake.error(500, "Internal Server Error")] * 3)
    assert isinstance(fails(server), SourceUnavailableError)
    server.script_path("/activity", *[fake.error(502, "Bad gateway")] * 3)
    found = run(server)
    assert found.events == [] and found.complete_until_ms is None
    assert len(found.degraded) == 1 and found.degraded[0].startswith("daily usage")
    assert obs(found, BALANCE_METRIC, "USD").value > 0  # the rest stands


def test_timeout(server: fake.FakeOpenRouter) -> None:
    server.script_path("/key", *[slow(2.0)] * 3)
    exc = fails(server, timeout=0.2)
    assert isinstance(exc, SourceUnavailableError) and "no answer within" in str(exc)


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (garbage(), SourceFormatError),
        (html_error(502), SourceUnavailableError),
        (truncated_json(), SourceFormatError),
    ],
)
def test_bad_bodies(server: fake.FakeOpenRouter, reply: Any, error: type[SourceError]) -> None:
    server.script_path("/key", *[reply] * 3)
    assert isinstance(fails(server), error)


def test_wrong_shapes_are_format_errors(server: fake.FakeOpenRouter) -> None:
    server.keys[MGMT]["usage"] = "lots"
    assert isinstance(fails(server), SourceFormatError)
    server.keys[MGMT]["usage"] = 0
    server.activity[3]["prompt_tokens"] = "many"
    found = run(server)
    assert "not a count" in found.degraded[0] and found.events == []


def test_chaos_gives_right_values_or_a_clean_error() -> None:
    srv = fake.FakeOpenRouter(seed=7)
    outcomes = {"full": 0, "degraded": 0, "error": 0}
    with srv:
        clean = run(srv)
        for seed in range(25):
            srv.chaos(0.3, seed)
            try:
                found = run(srv)
            except SourceError as exc:  # every chaos failure is retryable: never auth
                assert type(exc) in (SourceUnavailableError, SourceFormatError)
                assert_no_key(str(exc), exc.hint)
                outcomes["error"] += 1
                continue
            outcomes["degraded" if found.degraded else "full"] += 1
            assert_no_key(*found.degraded)
            failed = {d.split(":")[0] for d in found.degraded}
            assert found.events == ([] if "daily usage" in failed else clean.events)
            lost = BALANCE_METRIC if "account balance" in failed else None
            want = [o for o in clean.observations if o.metric != lost]
            assert found.observations == want
    assert outcomes["full"] > 0 and sum(outcomes.values()) == 25


# -- the fake against OpenRouter's spec -------------------------------------------------------


def _spec_path() -> Path:
    """The official spec, vendored in tests/specs so the check always runs."""
    return Path(__file__).resolve().parents[1] / "specs" / "openrouter-openapi.yaml"


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    import yaml

    path = _spec_path()
    with path.open(encoding="utf-8") as fh:
        loaded: dict[str, Any] = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return loaded


def validate(spec: dict[str, Any], pointer: str, body: Any) -> None:
    """Validate ``body`` against the schema at ``pointer``, resolving the spec's $refs."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    registry = Registry().with_resource("urn:openrouter", Resource(spec, DRAFT202012))
    schema = {"$ref": f"urn:openrouter#{pointer}"}
    Draft202012Validator(schema, registry=registry).validate(body)


def response_pointer(path: str, status: int) -> str:
    escaped = path.replace("~", "~0").replace("/", "~1")
    return f"/paths/{escaped}/get/responses/{status}/content/application~1json/schema"


def documented_fields(spec: dict[str, Any], schema: dict[str, Any]) -> set[str]:
    """Every property name the schema (following $refs) documents, at any depth."""
    names: set[str] = set()
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                stack.append(spec["components"]["schemas"][ref.rsplit("/", 1)[1]])
            names.update(node.get("properties", {}))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return names


def fields_in(body: Any) -> set[str]:
    if isinstance(body, dict):
        return set(body) | {n for v in body.values() for n in fields_in(v)}
    if isinstance(body, list):
        return {n for v in body for n in fields_in(v)}
    return set()


#: In OpenRouter's docs (api_reference/limits.mdx) but not yet in the SDK's spec.
DOCS_ONLY = {"free_model_daily_requests", "used", "remaining", "limit"}


@pytest.mark.parametrize(
    ("path", "key", "status"),
    [
        ("/key", INFER, 200),
        ("/key", MGMT, 200),
        ("/credits", MGMT, 200),
        ("/activity", MGMT, 200),
        ("/key", "sk-or-v1-unknown", 401),
        ("/key", None, 401),
        ("/credits", INFER, 403),
        ("/activity", INFER, 403),
        ("/activity", "sk-or-v1-unknown", 401),
    ],
    ids=lambda v: {MGMT: "management", INFER: "inference"}.get(v, str(v)),
)
def test_fake_answers_match_the_spec(
    spec: dict[str, Any], server: fake.FakeOpenRouter, path: str, key: str | None, status: int
) -> None:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    response = httpx.get(server.base_url + fake.BASE_PATH + path, headers=headers)
    assert response.status_code == status
    body = response.json()
    validate(spec, response_pointer(path, status), body)
    schema = spec["paths"][path]["get"]["responses"][str(status)]["content"]["application/json"]
    unknown = fields_in(body) - documented_fields(spec, schema["schema"]) - DOCS_ONLY
    assert not unknown, f"the fake sends fields the spec does not document: {unknown}"


def test_fake_429_and_bad_request_match_the_spec(
    spec: dict[str, Any], server: fake.FakeOpenRouter
) -> None:
    validate(spec, "/components/schemas/TooManyRequestsResponse", fake.too_many_requests().body)
    response = httpx.get(
        server.base_url + fake.BASE_PATH + "/activity",
        params={"date": "yesterday"},
        headers={"Authorization": f"Bearer {MGMT}"},
    )
    assert response.status_code == 400
    validate(spec, response_pointer("/activity", 400), response.json())


def test_spec_check_catches_drift(spec: dict[str, Any], server: fake.FakeOpenRouter) -> None:
    """The validation is real: a renamed or mistyped field fails it."""
    from jsonschema import ValidationError

    typo, wrong_type = dict(server.activity[0]), dict(server.activity[0], prompt_tokens="50")
    typo["prompt_token"] = typo.pop("prompt_tokens")
    for row in (typo, wrong_type):
        with pytest.raises(ValidationError):
            validate(spec, response_pointer("/activity", 200), {"data": [row]})
