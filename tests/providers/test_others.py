"""xAI, Mistral, Groq, Gemini, Together, Fireworks, Perplexity and Cohere over real loopback
HTTP against aiusage.fake.others: key validity, rate-limit headers, every failure class."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
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
from aiusage.fake import others as fake
from aiusage.fake.server import Reply, garbage, html_error, rate_limited, slow, truncated_json
from aiusage.records import Observation
from aiusage.sources.providers import xai
from aiusage.sources.providers.base import (
    BALANCE_METRIC,
    CAPABILITIES,
    KEY_VALID,
    RATE_LIMIT_REMAINING,
    Collected,
    CollectRequest,
)
from aiusage.sources.providers.cohere import CohereProvider
from aiusage.sources.providers.fireworks import FireworksProvider
from aiusage.sources.providers.gemini import GeminiProvider
from aiusage.sources.providers.generic import GenericProvider
from aiusage.sources.providers.groq import GroqProvider
from aiusage.sources.providers.mistral import MistralProvider
from aiusage.sources.providers.perplexity import PerplexityProvider
from aiusage.sources.providers.together import TogetherProvider
from aiusage.sources.providers.xai import XaiProvider

NOW_MS = 1_785_848_400_000  # 2026-08-04T13:00:00Z
NAMES = fake.NAMES
PROVIDERS: dict[str, type[GenericProvider]] = {
    "xai": XaiProvider,
    "mistral": MistralProvider,
    "groq": GroqProvider,
    "gemini": GeminiProvider,
    "together": TogetherProvider,
    "fireworks": FireworksProvider,
    "perplexity": PerplexityProvider,
    "cohere": CohereProvider,
}
BASE_URLS = {
    "xai": "https://api.x.ai/v1",
    "mistral": "https://api.mistral.ai",
    "groq": "https://api.groq.com",
    "gemini": "https://generativelanguage.googleapis.com",
    "together": "https://api.together.xyz/v1",
    "fireworks": "https://api.fireworks.ai",
    "perplexity": "https://api.perplexity.ai",
    "cohere": "https://api.cohere.com",
}
KEY_CALL = {  # (method, path on the fake) of the free call that proves the key
    "xai": ("GET", "/xai/v1/models"),
    "mistral": ("GET", "/mistral/v1/models"),
    "groq": ("GET", "/groq/openai/v1/models"),
    "gemini": ("GET", "/gemini/v1beta/models?pageSize=1000"),
    "together": ("GET", "/together/v1/models"),
    "fireworks": ("GET", "/fireworks/v1/accounts"),
    "perplexity": ("GET", "/perplexity/async/chat/completions"),
    "cohere": ("POST", "/cohere/v1/check-api-key"),
}
KEY_META: dict[str, dict[str, Any]] = {
    "xai": {"models": 3},
    "mistral": {"models": 3},
    "groq": {"models": 3},
    "gemini": {"models": 3},
    "together": {"models": 3},
    "fireworks": {"accounts": 1, "account": fake.FIREWORKS_ACCOUNT},
    "perplexity": {"async_requests": 0},
    "cohere": {"organization_id": "org-fake"},
}
# (window, remaining, limit, unit, resets_at_ms, meta) per provider, written out by hand
UNVERIFIED = {"unverified": True}
RATES: dict[str, list[tuple[str, float, float, str, int | None, dict[str, Any]]]] = {
    "groq": [
        ("requests", 14370, 14400, "requests", NOW_MS + 179_560, {"period": "day"}),
        ("tokens", 17997, 18000, "tokens", NOW_MS + 7_660, {"period": "minute"}),
    ],
    "mistral": [
        ("requests", 59, 60, "requests", None, {**UNVERIFIED, "period": "minute"}),
        ("tokens", 499_000, 500_000, "tokens", None, {**UNVERIFIED, "period": "minute"}),
        ("tokens_month", 987_654_321, 1e9, "tokens", None, {**UNVERIFIED, "period": "month"}),
    ],
    "together": [
        ("requests", 97, 100, "requests", NOW_MS + 2_000, UNVERIFIED),
        ("tokens", 199_000, 200_000, "tokens", None, UNVERIFIED),
    ],
}
SPEND = Observation(  # Fireworks: 1.25 + 0.50 USD; the EUR row is skipped
    ts_ms=NOW_MS,
    account="acct",
    metric="spend",
    value=1.75,
    window="30d",
    unit="USD",
    source="fireworks",
    meta={"account": fake.FIREWORKS_ACCOUNT, "line_items": 2, "unverified": True},
)


@pytest.fixture
def server() -> Iterator[fake.FakeOthers]:
    srv = fake.FakeOthers()
    with srv:
        yield srv


def run(
    name: str,
    server: fake.FakeOthers,
    *,
    key: str | None = "",
    options: dict[str, str] | None = None,
    timeout: float = 5.0,
    check: bool = False,
) -> Any:
    provider = PROVIDERS[name]()
    base = server.url(name)

    async def go() -> Any:
        async with httpx.AsyncClient(base_url=base, timeout=timeout) as client:
            request = CollectRequest(
                account="acct",
                base_url=base,
                key=fake.KEYS[name] if key == "" else key,
                options=options or {},
                since_ms=NOW_MS - 86_400_000,
                now_ms=NOW_MS,
                client=client,
            )
            return await (provider.check(request) if check else provider.collect(request))

    return asyncio.run(go())


def expected(name: str) -> list[Observation]:
    found = [
        Observation(
            ts_ms=NOW_MS,
            account="acct",
            metric=KEY_VALID,
            value=1.0,
            source=name,
            meta=KEY_META[name],
        )
    ]
    for window, remaining, limit, unit, resets, meta in RATES.get(name, []):
        found.append(
            Observation(
                ts_ms=NOW_MS,
                account="acct",
                metric=RATE_LIMIT_REMAINING,
                value=remaining,
                window=window,
                limit=limit,
                unit=unit,
                resets_at_ms=resets,
                source=name,
                meta=meta,
            )
        )
    return [*found, SPEND] if name == "fireworks" else found


def assert_no_key(name: str, err: BaseException) -> None:
    for secret in (fake.KEYS[name], fake.MANAGEMENT_KEY):
        assert secret not in str(err)
        assert secret not in repr(err.args)
        assert secret not in getattr(err, "hint", "")


def key_calls(server: fake.FakeOthers, name: str) -> int:
    method, path = KEY_CALL[name]
    return sum(1 for r in server.requests if (r.method, r.path) == (method, path))


# -- success -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_key_valid_and_rate_limits_parsed_exactly(name: str, server: fake.FakeOthers) -> None:
    found = run(name, server)
    assert isinstance(found, Collected)
    assert found.observations == expected(name)
    assert found.events == [] and found.degraded == []


@pytest.mark.parametrize("name", NAMES)
def test_auth_is_sent_the_providers_way(name: str, server: fake.FakeOthers) -> None:
    run(name, server)
    first = server.requests[0]
    assert (first.method, first.path) == KEY_CALL[name]
    key = fake.KEYS[name]
    if name == "gemini":
        assert first.headers.get("x-goog-api-key") == key
        assert "authorization" not in first.headers
    else:
        assert first.headers.get("authorization") == f"Bearer {key}"
        assert "x-goog-api-key" not in first.headers
    for request in server.requests:
        assert key not in request.path  # never in a URL, where proxies and logs keep it
        assert request.method in ("GET", "POST") and (
            request.method == "GET" or request.path == "/cohere/v1/check-api-key"
        )


@pytest.mark.parametrize("name", NAMES)
def test_info_is_declared_for_every_capability(name: str) -> None:
    info = PROVIDERS[name]().info
    assert info.name == name and info.default_base_url == BASE_URLS[name]
    assert info.key_hint.startswith("https://")
    assert info.reports <= set(CAPABILITIES)
    assert not info.reports & set(info.unavailable)
    assert set(CAPABILITIES) == info.reports | set(info.unavailable)
    assert all(len(why) > 20 for why in info.unavailable.values())


@pytest.mark.parametrize("name", NAMES)
def test_check_summarises_what_the_key_sees(name: str, server: fake.FakeOthers) -> None:
    said = run(name, server, check=True)
    assert said.startswith(f"{PROVIDERS[name]().info.label} key valid")
    for key, value in KEY_META[name].items():
        assert (f"{value} {key}" if isinstance(value, int) else f"{key} {value}") in said
    assert fake.KEYS[name] not in said


def test_check_with_a_management_key(server: fake.FakeOthers) -> None:
    said = run("xai", server, key=fake.MANAGEMENT_KEY, options=mgmt(server), check=True)
    assert said == f"xAI key valid, team_id {fake.TEAM_ID}, key_type management"


def test_headers_absent_yield_no_rate_observations() -> None:
    """Mistral and Together send their (unverified) headers on inference calls; when the
    models listing carries none, nothing is guessed."""
    srv = fake.FakeOthers(rate_headers=False)
    with srv:
        for name in ("mistral", "together"):
            assert [o.metric for o in run(name, srv).observations] == [KEY_VALID]


# -- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_wrong_key_is_an_auth_error_with_where_to_get_one(
    name: str, server: fake.FakeOthers
) -> None:
    wrong = fake.KEYS[name] + "-revoked"
    with pytest.raises(SourceAuthError) as err:
        run(name, server, key=wrong)
    info = PROVIDERS[name]().info
    assert info.key_hint in err.value.hint
    assert wrong not in str(err.value)  # the fake echoes it; we redact it
    assert "<redacted>" in str(err.value) or name in ("gemini",)
    assert len(server.requests) == 1  # an auth failure is not retried


@pytest.mark.parametrize("name", NAMES)
def test_missing_key_fails_before_any_request(name: str, server: fake.FakeOthers) -> None:
    with pytest.raises(SourceAuthError, match="has no API key") as err:
        run(name, server, key=None)
    assert PROVIDERS[name]().info.key_hint in err.value.hint
    assert server.requests == []


@pytest.mark.parametrize("status", [401, 403])
@pytest.mark.parametrize("name", NAMES)
def test_401_and_403_are_auth_errors(name: str, status: int, server: fake.FakeOthers) -> None:
    server.script(Reply(status, {"error": {"message": f"denied {fake.KEYS[name]}"}}))
    with pytest.raises(SourceAuthError) as err:
        run(name, server)
    assert PROVIDERS[name]().info.key_hint in err.value.hint
    assert_no_key(name, err.value)
    assert key_calls(server, name) == 1


# -- rate limiting, server errors, timeouts, bad bodies ------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_429_retry_after_is_honoured_then_succeeds(name: str, server: fake.FakeOthers) -> None:
    server.script(rate_limited({"error": {"message": "slow down"}}, retry_after="1"))
    started = time.monotonic()
    found = run(name, server)
    assert time.monotonic() - started >= 1.0  # waited the second it was told to
    assert found.observations == expected(name)
    assert key_calls(server, name) == 2


@pytest.mark.parametrize("name", NAMES)
def test_429_with_a_long_retry_after_is_reported(name: str, server: fake.FakeOthers) -> None:
    server.script(rate_limited({"error": {"message": "slow down"}}, retry_after="120"))
    with pytest.raises(SourceRateLimitError) as err:
        run(name, server)
    assert err.value.retry_after_s == 120.0
    assert err.value.retry_at_ms is not None
    assert key_calls(server, name) == 1  # not waited for, not retried
    assert_no_key(name, err.value)


@pytest.mark.parametrize("name", NAMES)
def test_5xx_is_retried_then_reported(name: str, server: fake.FakeOthers) -> None:
    server.script(Reply(500, {"error": {"message": "boom"}}))
    assert run(name, server).observations == expected(name)
    server.requests.clear()
    server.script(*[Reply(503, {"error": {"message": "overloaded"}})] * 3)
    with pytest.raises(SourceUnavailableError, match="provider's side") as err:
        run(name, server)
    assert key_calls(server, name) == 3
    assert_no_key(name, err.value)


@pytest.mark.parametrize("name", NAMES)
def test_timeout_is_unavailable(name: str, server: fake.FakeOthers) -> None:
    server.script(*[slow(5.0)] * 3)
    with pytest.raises(SourceUnavailableError, match="no answer within") as err:
        run(name, server, timeout=0.3)
    assert_no_key(name, err.value)


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (garbage(), SourceFormatError),  # 200 with an HTML page
        (html_error(502), SourceUnavailableError),  # a proxy's error page
        (truncated_json(), SourceFormatError),
    ],
    ids=["html-200", "html-502", "truncated-json"],
)
@pytest.mark.parametrize("name", NAMES)
def test_malformed_answers_are_clean_errors(
    name: str, reply: Reply, error: type[SourceError], server: fake.FakeOthers
) -> None:
    server.script(*[reply] * 3)
    with pytest.raises(error) as err:
        run(name, server)
    assert type(err.value) is error
    assert_no_key(name, err.value)


@pytest.mark.parametrize("name", NAMES)
def test_chaos_gives_correct_values_or_a_clean_source_error(
    name: str, server: fake.FakeOthers
) -> None:
    server.chaos(0.3, seed=7)
    successes, failures = 0, 0
    for _ in range(15):
        try:
            found = run(name, server, timeout=2.0)
        except SourceError as exc:  # anything else fails the test
            assert type(exc) in (SourceRateLimitError, SourceUnavailableError, SourceFormatError)
            assert_no_key(name, exc)
            failures += 1
            continue
        want = expected(name)
        if name == "fireworks" and found.degraded:  # the spend call failed, the key stands
            want = want[:-1]
            assert found.degraded[0].startswith("spend: ")
        assert found.observations == want
        successes += 1
    assert successes >= 10  # three tries at 30 % failure mostly get through
    assert len(server.requests) > 15 * (2 if name == "fireworks" else 1)  # chaos did strike
    assert successes + failures == 15


# -- what is special -----------------------------------------------------------------------


def mgmt(server: fake.FakeOthers, **extra: str) -> dict[str, str]:
    return {"team_id": fake.TEAM_ID, "management_url": server.management_url(), **extra}


def test_xai_management_key_reads_the_inverted_prepaid_ledger(server: fake.FakeOthers) -> None:
    found = run("xai", server, key=fake.MANAGEMENT_KEY, options=mgmt(server))
    valid, balance = found.observations
    assert (valid.metric, valid.value, valid.meta["team_id"]) == (KEY_VALID, 1.0, fake.TEAM_ID)
    assert (balance.metric, balance.value, balance.unit) == (BALANCE_METRIC, 12.34, "USD")
    assert balance.kind == "official" and "cycle close" in balance.meta["ledger"]
    (request,) = server.requests
    assert request.path == f"/xai-management/v1/billing/teams/{fake.TEAM_ID}/prepaid/balance"
    assert request.headers["authorization"] == f"Bearer {fake.MANAGEMENT_KEY}"


@pytest.mark.parametrize(("val", "usd"), [("0", 0.0), ("250", -2.5), (-1000, 10.0)])
def test_xai_balance_signs(val: Any, usd: float, server: fake.FakeOthers) -> None:
    server.balance_val = val
    found = run("xai", server, key=fake.MANAGEMENT_KEY, options=mgmt(server))
    assert found.observations[1].value == usd


def test_xai_balance_without_a_total_is_an_error_not_zero(server: fake.FakeOthers) -> None:
    server.script(Reply(200, {"total": {}}))
    with pytest.raises(SourceFormatError, match="never read as \\$0"):
        run("xai", server, key=fake.MANAGEMENT_KEY, options=mgmt(server))


def test_xai_inference_key_on_the_management_api(server: fake.FakeOthers) -> None:
    with pytest.raises(SourceAuthError) as err:
        run("xai", server, key=fake.KEYS["xai"], options=mgmt(server))
    assert "Management Keys" in err.value.hint and "inference keys" in err.value.hint
    assert_no_key("xai", err.value)


def test_xai_wrong_team_is_named(server: fake.FakeOthers) -> None:
    options = mgmt(server, team_id="team-other")
    with pytest.raises(SourceError, match="404") as err:
        run("xai", server, key=fake.MANAGEMENT_KEY, options=options)
    assert type(err.value) is SourceError and "options" in err.value.hint


def test_xai_management_url_defaults_to_xai(
    server: fake.FakeOthers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xai, "MANAGEMENT_URL", server.management_url())
    options = {"team_id": fake.TEAM_ID}
    assert run("xai", server, key=fake.MANAGEMENT_KEY, options=options).observations[1].value
    assert server.requests[0].path.startswith("/xai-management/")


def test_fireworks_several_accounts_need_the_option(server: fake.FakeOthers) -> None:
    server.fireworks_accounts = ["one", fake.FIREWORKS_ACCOUNT]
    found = run("fireworks", server)
    assert [o.metric for o in found.observations] == [KEY_VALID]
    assert found.observations[0].meta == {"accounts": 2}
    assert found.degraded == ["spend: the key sees 2 accounts; set the 'account' option"]
    found = run("fireworks", server, options={"account": fake.FIREWORKS_ACCOUNT})
    assert found.observations[-1] == SPEND and found.degraded == []
    summary = server.requests[-1]
    assert summary.path.startswith(f"/fireworks/v1/accounts/{fake.FIREWORKS_ACCOUNT}/billing")
    assert "startTime=2026-07-05T13%3A00%3A00Z" in summary.path
    assert "endTime=2026-08-04T13%3A00%3A00Z" in summary.path


def test_fireworks_spend_failure_degrades_but_the_key_stands(server: fake.FakeOthers) -> None:
    accounts = {"accounts": [{"name": f"accounts/{fake.FIREWORKS_ACCOUNT}"}]}
    server.script(Reply(200, accounts), Reply(403, {"error": {"message": "no billing"}}))
    found = run("fireworks", server)
    assert [o.metric for o in found.observations] == [KEY_VALID]
    assert found.degraded[0].startswith("spend: Fireworks billing summary")
    assert fake.KEYS["fireworks"] not in found.degraded[0]


def test_fireworks_nothing_rated_is_no_reading(server: fake.FakeOthers) -> None:
    server.billing_summary = {"lineItems": []}
    found = run("fireworks", server)
    assert [o.metric for o in found.observations] == [KEY_VALID] and found.degraded == []


def test_gemini_wrong_key_400_is_an_auth_error(server: fake.FakeOthers) -> None:
    with pytest.raises(SourceAuthError, match="API key not valid") as err:
        run("gemini", server, key="AIza-wrong")
    assert "aistudio.google.com" in err.value.hint


def test_gemini_other_400s_stay_plain_errors(server: fake.FakeOthers) -> None:
    server.script(Reply(400, {"error": {"code": 400, "message": "Invalid page size"}}))
    with pytest.raises(SourceError) as err:
        run("gemini", server)
    assert type(err.value) is SourceError


def test_gemini_more_pages_are_flagged(server: fake.FakeOthers) -> None:
    server.script(Reply(200, {"models": [{"name": "models/a"}], "nextPageToken": "p2"}))
    assert run("gemini", server).observations[0].meta == {"models": 1, "more_pages": True}


def test_fake_gemini_also_takes_the_query_key(server: fake.FakeOthers) -> None:
    url = server.url("gemini") + "/v1beta/models"
    assert httpx.get(url, params={"key": fake.KEYS["gemini"]}).status_code == 200
    assert httpx.get(url).status_code == 403


@pytest.mark.parametrize(
    ("body", "error"),
    [({"valid": False}, SourceAuthError), ({"ok": True}, SourceFormatError)],
)
def test_cohere_key_check_answer(
    body: dict[str, Any], error: type[SourceError], server: fake.FakeOthers
) -> None:
    server.script(Reply(200, body))
    with pytest.raises(error) as err:
        run("cohere", server)
    assert type(err.value) is error


def test_groq_sends_headers_on_errors_too(server: fake.FakeOthers) -> None:
    server.script(Reply(500, {"error": {"message": "x"}}))
    response = httpx.get(
        server.url("groq") + "/openai/v1/models",
        headers={"Authorization": f"Bearer {fake.KEYS['groq']}"},
    )
    assert response.status_code == 500
    assert response.headers["x-ratelimit-reset-requests"] == "2m59.56s"
