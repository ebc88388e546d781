"""GitHub Copilot premium requests over real loopback HTTP against aiusage.fake.copilot.

Expected figures come from the fake's rows (fake.SAMPLE_DAYS), never from the adapter.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from aiusage.errors import (
    ConfigError,
    SourceAuthError,
    SourceError,
    SourceFormatError,
    SourceRateLimitError,
    SourceUnavailableError,
)
from aiusage.fake import copilot as fake
from aiusage.fake.server import Recorded, Reply, garbage, rate_limited, slow, truncated_json
from aiusage.sources.providers.base import Collected, CollectRequest
from aiusage.sources.providers.copilot import HISTORY_DAYS, MAX_DAYS_PER_RUN, CopilotProvider

TOKEN = fake.FAKE_TOKEN
DAY = 86_400_000
NOW = datetime(2025, 6, 15, 12, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)
JUNE_1 = int(datetime(2025, 6, 1, tzinfo=UTC).timestamp() * 1000)
USER = {"user": "monalisa"}


@pytest.fixture
def server() -> Iterator[fake.FakeGitHubBilling]:
    srv = fake.FakeGitHubBilling(
        tokens={
            TOKEN: fake.Grant("monalisa"),
            "ghp_noplan": fake.Grant("monalisa", plan_read=False),
            "ghp_admin": fake.Grant("octo-admin", admin_of=frozenset({"acme"})),
        }
    )
    srv.days[("organization", "acme")] = {"2025-06-02": [fake.item("GPT-5", 10)]}
    srv.days[("organization", "other")] = {}
    with srv:
        yield srv


def run(
    srv: fake.FakeGitHubBilling,
    *,
    key: str | None = TOKEN,
    options: Mapping[str, str] = USER,
    since_ms: int = JUNE_1,
    now_ms: int = NOW_MS,
    timeout: float = 5.0,
    check: bool = False,
) -> Any:
    async def go() -> Any:
        async with httpx.AsyncClient(base_url=srv.base_url, timeout=timeout) as client:
            request = CollectRequest(
                account="gh",
                base_url=srv.base_url,
                key=key,
                options=dict(options),
                since_ms=since_ms,
                now_ms=now_ms,
                client=client,
            )
            provider = CopilotProvider()
            return await (provider.check(request) if check else provider.collect(request))

    return asyncio.run(go())


def query(req: Recorded) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(req.path).query).items()}


def clean(exc: BaseException, *secrets: str) -> str:
    chain, seen = [], exc  # the messages of the exception and all it was raised from
    while seen is not None:
        chain += traceback.format_exception_only(seen)
        seen = seen.__cause__ or seen.__context__  # type: ignore[assignment]
    shown = "".join(chain) + repr(exc) + getattr(exc, "hint", "")
    for secret in secrets or (TOKEN,):
        assert secret not in shown, shown
    return shown


# -- mapping -------------------------------------------------------------------------------


def test_days_become_events_with_requests_and_the_billed_amount(
    server: fake.FakeGitHubBilling,
) -> None:
    out: Collected = run(server, options={**USER, "allowance": "300"})
    assert out.degraded == []
    expected = []
    for date, rows in sorted(fake.SAMPLE_DAYS.items()):
        for row in rows:
            expected.append((date, row["model"], row["grossQuantity"], row["netAmount"]))
    got = [
        (e.meta["date"], e.model, e.meta["gross_quantity"], e.reported_cost_usd) for e in out.events
    ]
    assert got == expected
    sonnet = next(e for e in out.events if e.model == "Claude Sonnet 4")
    assert (sonnet.ts_ms, sonnet.requests, sonnet.provider) == (JUNE_1, 12, "copilot")
    assert (sonnet.source, sonnet.account, sonnet.total_tokens) == ("gh", "gh", 0)
    assert sonnet.dedup_key == (
        "copilot:user:monalisa:2025-06-01:Copilot:Copilot Premium Request:Claude Sonnet 4"
    )
    opus = next(e for e in out.events if e.model == "Claude Opus 4")
    assert opus.meta["discount_quantity"] == 47.5 and opus.meta["net_quantity"] == 102.5
    assert opus.reported_cost_usd == pytest.approx(102.5 * 0.04)
    # days up to the one that ended 24 h before now; the next run starts after it
    assert out.complete_until_ms == int(datetime(2025, 6, 14, tzinfo=UTC).timestamp() * 1000)
    days = [query(r) for r in server.requests[1:]]
    assert days == [{"year": "2025", "month": "6", "day": str(d)} for d in range(1, 14)]
    used, billed = out.observations
    total = sum(r["grossQuantity"] for rows in fake.SAMPLE_DAYS.values() for r in rows)
    assert (used.metric, used.window, used.value, used.limit) == (
        "premium_requests_used",
        "month",
        total,
        300.0,
    )
    assert used.resets_at_ms == int(datetime(2025, 7, 1, tzinfo=UTC).timestamp() * 1000)
    assert used.meta == {"year": 2025, "month": 6, "included_quantity": 40 + 12.5 + 100 + 47.5}
    assert (billed.metric, billed.unit) == ("premium_requests_billed_usd", "USD")
    assert billed.value == pytest.approx(102.5 * 0.04)


def test_request_headers_and_month_query(server: fake.FakeGitHubBilling) -> None:
    run(server, since_ms=NOW_MS)  # nothing final since: only the month is read
    (req,) = server.requests
    assert urlsplit(req.path).path == "/users/monalisa/settings/billing/premium_request/usage"
    assert query(req) == {"year": "2025", "month": "6"}
    assert req.headers["authorization"] == f"Bearer {TOKEN}"
    assert req.headers["accept"] == "application/vnd.github+json"
    assert req.headers["x-github-api-version"] == "2022-11-28"


def test_backfill_is_capped_per_run_and_to_24_months(server: fake.FakeGitHubBilling) -> None:
    april = int(datetime(2025, 4, 1, tzinfo=UTC).timestamp() * 1000)
    out = run(server, since_ms=april)
    assert out.complete_until_ms == april + MAX_DAYS_PER_RUN * DAY
    assert len(server.requests) == 1 + MAX_DAYS_PER_RUN
    assert out.events == []
    server.requests.clear()
    out = run(server, since_ms=0)
    first = query(server.requests[1])
    oldest = datetime.fromtimestamp((NOW_MS - HISTORY_DAYS * DAY) / 1000, UTC)
    assert first == {"year": str(oldest.year), "month": str(oldest.month), "day": str(oldest.day)}


def test_org_scope_and_check(server: fake.FakeGitHubBilling) -> None:
    out = run(server, key="ghp_admin", options={"org": "acme"})
    (event,) = out.events
    assert (event.model, event.requests, event.meta["scope"]) == ("GPT-5", 10, "org")
    assert server.requests[0].path.startswith("/organizations/acme/settings/billing/")
    said = run(server, check=True)
    assert said == "GitHub user monalisa: 302.5 premium requests in 2025-06 ($4.10 billed)"


def test_a_failing_day_keeps_the_days_before_it(server: fake.FakeGitHubBilling) -> None:
    original = server.answer

    def answer(request: Recorded) -> Reply:
        if query(request).get("day") == "3":
            return fake.error(500, "Server Error")
        return original(request)

    server.answer = answer  # type: ignore[method-assign]
    out = run(server)
    assert [e.meta["date"] for e in out.events] == ["2025-06-01", "2025-06-01", "2025-06-02"]
    assert out.complete_until_ms == JUNE_1 + 2 * DAY
    (note,) = out.degraded
    assert note.startswith("2025-06-03: GitHub Copilot premium requests (user monalisa)")


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({}, "exactly one of the options user, org or enterprise"),
        ({"user": "a", "org": "b"}, "exactly one"),
        ({"user": "monalisa", "allowance": "lots"}, "allowance='lots' is not a number"),
        ({"user": "monalisa", "settle_hours": "-1"}, "must be zero or more"),
    ],
)
def test_bad_options(server: fake.FakeGitHubBilling, options: dict[str, str], says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        run(server, options=options)
    assert server.requests == []


# -- errors --------------------------------------------------------------------------------


def test_401_bad_credentials(server: fake.FakeGitHubBilling) -> None:
    with pytest.raises(SourceAuthError) as err:
        run(server, key="ghp_revoked0000")
    assert "401 Unauthorized: Bad credentials" in str(err.value)
    assert '"Plan" account permission' in err.value.hint
    clean(err.value, "ghp_revoked0000")


def test_403_says_which_permission(server: fake.FakeGitHubBilling) -> None:
    with pytest.raises(SourceAuthError) as err:
        run(server, key="ghp_noplan")
    assert "403 Forbidden: Resource not accessible by personal access token" in str(err.value)
    assert '"Plan" account permission (read)' in err.value.hint
    with pytest.raises(SourceAuthError) as err:
        run(server, key="ghp_admin", options={"org": "other"})
    assert '"Administration" organization permission (read)' in err.value.hint
    assert "rate limit exceeded" in err.value.hint


def test_404_names_the_option(server: fake.FakeGitHubBilling) -> None:
    with pytest.raises(SourceError) as err:
        run(server, options={"user": "someone-else"})
    assert type(err.value) is SourceError and "answered 404" in str(err.value)
    assert "check the user name" in err.value.hint


def test_429_retry_after(server: fake.FakeGitHubBilling) -> None:
    server.script(rate_limited({"message": "API rate limit exceeded"}, "120"))
    with pytest.raises(SourceRateLimitError) as err:
        run(server)
    assert err.value.retry_after_s == 120.0 and len(server.requests) == 1


@pytest.mark.parametrize(
    ("reply", "kind", "says"),
    [
        (fake.error(500, "Server Error"), SourceUnavailableError, "provider's side (500"),
        (garbage(), SourceFormatError, "body is not JSON (text/html"),
        (truncated_json(), SourceFormatError, "body is not JSON (application/json"),
        (Reply(200, {"usageItems": {}}), SourceFormatError, "with a usageItems list"),
        (
            Reply(200, {"usageItems": [{"model": "GPT-5", "grossQuantity": "12"}]}),
            SourceFormatError,
            "usageItems[].grossQuantity is '12', expected a number",
        ),
    ],
)
def test_failures(
    server: fake.FakeGitHubBilling, reply: Reply, kind: type[SourceError], says: str
) -> None:
    server.script(reply, reply, reply)
    with pytest.raises(kind) as err:
        run(server)
    assert says in str(err.value)
    clean(err.value)


def test_timeout(server: fake.FakeGitHubBilling) -> None:
    server.script(slow(3.0), slow(3.0), slow(3.0))
    with pytest.raises(SourceUnavailableError, match=r"no answer within 0\.2 s"):
        run(server, timeout=0.2)


def test_the_token_never_appears(server: fake.FakeGitHubBilling) -> None:
    server.script(Reply(401, {"message": f"token {TOKEN} is revoked"}))
    with pytest.raises(SourceAuthError) as err:
        run(server)
    assert "token <redacted> is revoked" in clean(err.value)
    out = run(server)
    assert all(TOKEN not in repr(x) for x in [*out.events, *out.observations])


def test_chaos_gives_right_values_or_a_clean_error(server: fake.FakeGitHubBilling) -> None:
    expected = [e.dedup_key for e in run(server).events]
    server.chaos(0.3, seed=11)
    seen = {"ok": 0, "partial": 0, "error": 0}
    for _ in range(12):
        try:
            out = run(server, since_ms=JUNE_1 + 0)
        except SourceError as exc:
            assert isinstance(exc, SourceUnavailableError | SourceFormatError), exc
            clean(exc)
            seen["error"] += 1
            continue
        keys = [e.dedup_key for e in out.events]
        assert keys == expected[: len(keys)]  # a clean prefix of the right days
        assert out.observations[0].value == 302.5
        if out.degraded:
            read_days = (out.complete_until_ms or JUNE_1) - JUNE_1
            assert all(e.ts_ms < JUNE_1 + read_days for e in out.events)
            seen["partial"] += 1
        else:
            assert keys == expected
            seen["ok"] += 1
    assert seen["ok"] >= 6 and seen["partial"] >= 1, seen  # seeded: 7 ok, 4 partial, 1 error
