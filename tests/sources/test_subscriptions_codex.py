"""Codex plan limits over real loopback HTTP against aiusage.fake.codex_usage."""

from __future__ import annotations

import json
import os
import traceback
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
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
from aiusage.fake import codex_usage as fake
from aiusage.fake.server import Reply, garbage, slow
from aiusage.sources.subscriptions.codex_usage import (
    fetch_codex_usage,
    jwt_expiry_ms,
    read_codex_credentials,
    window_name,
)

TOKEN = fake.FAKE_TOKEN
ACCOUNT_ID = fake.FAKE_ACCOUNT_ID
NOW_MS = 1_766_940_000_000  # 2025-12-28T16:40:00Z, before the sample's resets


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
        monkeypatch.delenv(var.lower(), raising=False)


@pytest.fixture
def server() -> Iterator[fake.FakeCodexUsage]:
    srv = fake.FakeCodexUsage()
    with srv:
        yield srv


def write_auth(home: Path, token: str = TOKEN, account_id: str | None = ACCOUNT_ID) -> Path:
    tokens: dict[str, Any] = {
        "id_token": "eyJ.fake.id",
        "access_token": token,
        "refresh_token": "rt-FAKE-refresh-token-never-used",
    }
    if account_id is not None:
        tokens["account_id"] = account_id
    home.mkdir(parents=True, exist_ok=True)
    path = home / "auth.json"
    doc = {"OPENAI_API_KEY": None, "tokens": tokens, "last_refresh": "2025-12-28T12:34:56Z"}
    path.write_text(json.dumps(doc))
    return path


def fetch(server: fake.FakeCodexUsage, **kwargs: Any) -> list[Any]:
    kwargs.setdefault("token", TOKEN)
    kwargs.setdefault("account_id", ACCOUNT_ID)
    return fetch_codex_usage(base_url=server.base_url, now_ms=NOW_MS, **kwargs)


def by_window(observations: list[Any]) -> dict[str, Any]:
    return {o.window: o for o in observations}


# -- mapping -------------------------------------------------------------------------------


def test_sample_maps_every_window_and_credits(server: fake.FakeCodexUsage, tmp_path: Path) -> None:
    write_auth(tmp_path / "codex")
    obs = fetch_codex_usage(base_url=server.base_url, codex_home=tmp_path / "codex", now_ms=NOW_MS)
    got = by_window(obs)
    assert list(got) == ["5h", "7d", "review-7d", "gpt_5_3_codex_spark-5h", ""]
    for o in obs:
        assert (o.ts_ms, o.account, o.source, o.kind) == (
            NOW_MS,
            "codex",
            "codex-usage-api",
            "official",
        )
        assert o.meta["plan_type"] == "pro"
    five, week = got["5h"], got["7d"]
    assert (five.metric, five.value, five.limit, five.unit) == (
        "window_used_percent",
        22.0,
        100.0,
        "%",
    )
    assert five.resets_at_ms == 1766948068 * 1000
    assert five.meta == {"plan_type": "pro", "name": "primary", "window_minutes": 300}
    assert (week.value, week.resets_at_ms) == (43.0, 1767407914 * 1000)
    assert week.meta == {"plan_type": "pro", "name": "secondary", "window_minutes": 10080}
    review = got["review-7d"]
    assert (review.value, review.meta["name"]) == (5.0, "primary")
    spark = got["gpt_5_3_codex_spark-5h"]
    assert (spark.value, spark.resets_at_ms) == (30.0, 1766948068 * 1000)
    assert spark.meta["limit_name"] == "GPT-5.3-Codex-Spark"
    credits = got[""]
    assert (credits.metric, credits.value, credits.unit, credits.limit) == (
        "credits_balance",
        0.0,
        "credits",
        None,
    )
    assert credits.meta["has_credits"] is False


@pytest.mark.parametrize(
    ("seconds", "name"),
    [(18000, "5h"), (604800, "7d"), (3600, "60m"), (86400, "1440m"), (None, "primary")],
)
def test_window_names(seconds: int | None, name: str) -> None:
    assert window_name(seconds, "primary") == name


def test_reset_after_seconds_when_no_reset_at_and_null_windows(server: fake.FakeCodexUsage) -> None:
    server.usage = {
        "plan_type": "plus",
        "rate_limit": {
            "primary_window": {
                "used_percent": 12.5,
                "limit_window_seconds": 18000,
                "reset_after_seconds": 600,
            },
            "secondary_window": None,
        },
        "code_review_rate_limit": None,
        "additional_rate_limits": None,
        "credits": None,
    }
    (obs,) = fetch(server)
    assert (obs.window, obs.value, obs.resets_at_ms) == ("5h", 12.5, NOW_MS + 600_000)
    assert obs.meta["plan_type"] == "plus"


def test_window_without_any_reset(server: fake.FakeCodexUsage) -> None:
    server.usage = {
        "rate_limit": {"primary_window": {"used_percent": 1, "limit_window_seconds": 5400}}
    }
    (obs,) = fetch(server)
    assert (obs.window, obs.resets_at_ms, obs.meta["window_minutes"]) == ("90m", None, 90)
    assert "plan_type" not in obs.meta


@pytest.mark.parametrize(
    ("credits", "value"),
    [
        ({"has_credits": True, "unlimited": False, "balance": "125.50"}, 125.5),
        ({"has_credits": True, "unlimited": False, "balance": 42}, 42.0),
        ({"has_credits": True, "unlimited": False, "balance": 7.25}, 7.25),
        ({"has_credits": True, "unlimited": True, "balance": "0"}, None),
        ({"has_credits": False, "unlimited": False, "balance": None}, None),
        ({"has_credits": False, "unlimited": False}, None),
    ],
)
def test_credits_balance(
    server: fake.FakeCodexUsage, credits: dict[str, Any], value: float | None
) -> None:
    server.usage = {"plan_type": "plus", "rate_limit": None, "credits": credits}
    obs = fetch(server)
    assert [o.value for o in obs] == ([] if value is None else [value])
    assert all(o.metric == "credits_balance" for o in obs)


@pytest.mark.parametrize(
    ("individual", "used", "resets"),
    [
        (
            {"limit": 1000, "used": "250", "remaining_percent": 75, "resets_at": 1767000000},
            25.0,
            1767000000 * 1000,
        ),
        ({"limit": "400", "used": 100, "resets_at": "2026-01-01T00:00:00Z"}, 25.0, 1767225600000),
        ({"limit": 50, "used": 50, "remaining_percent": 0.0, "resets_at": None}, 100.0, None),
    ],
)
def test_enterprise_individual_limit(
    server: fake.FakeCodexUsage, individual: dict[str, Any], used: float, resets: int | None
) -> None:
    server.usage = {"plan_type": "enterprise", "rate_limit": {"individual_limit": individual}}
    (obs,) = fetch(server)
    assert (obs.window, obs.metric, obs.limit) == ("individual", "window_used_percent", 100.0)
    assert obs.value == pytest.approx(used)
    assert obs.resets_at_ms == resets
    assert obs.meta["limit"] == float(individual["limit"])
    assert obs.meta["used"] == float(individual["used"])


# -- the request ---------------------------------------------------------------------------


def test_request_headers_and_nothing_but_one_get(server: fake.FakeCodexUsage) -> None:
    fetch(server)
    (req,) = server.requests
    assert (req.method, req.path) == ("GET", "/backend-api/wham/usage")
    assert req.headers["authorization"] == f"Bearer {TOKEN}"
    assert req.headers["chatgpt-account-id"] == ACCOUNT_ID
    assert req.headers["accept"] == "application/json"


def test_fake_refuses_requests_without_the_headers(server: fake.FakeCodexUsage) -> None:
    url = server.base_url + "/backend-api/wham/usage"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 403
    ok = httpx.get(
        url, headers={"Authorization": f"Bearer {TOKEN}", "ChatGPT-Account-Id": ACCOUNT_ID}
    )
    assert ok.status_code == 200 and ok.json()["plan_type"] == "pro"


# -- credentials ---------------------------------------------------------------------------


def test_codex_home_from_the_environment(
    server: fake.FakeCodexUsage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_auth(tmp_path / "elsewhere")
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "elsewhere"))
    assert len(fetch_codex_usage(base_url=server.base_url, now_ms=NOW_MS)) == 5


def test_default_is_dot_codex_in_home(server: fake.FakeCodexUsage) -> None:
    write_auth(Path(os.environ["HOME"]) / ".codex")  # a temp dir, never the real ~
    assert len(fetch_codex_usage(base_url=server.base_url, now_ms=NOW_MS)) == 5


def test_expired_jwt_is_reported_not_refreshed(server: fake.FakeCodexUsage, tmp_path: Path) -> None:
    expired = fake.fake_jwt(NOW_MS // 1000 - 60)
    path = write_auth(tmp_path, token=expired)
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    with pytest.raises(SourceAuthError) as err:
        fetch_codex_usage(base_url=server.base_url, codex_home=tmp_path, now_ms=NOW_MS)
    assert "expired at 2025-12-28 16:39:00 UTC" in str(err.value)
    assert "codex login" in err.value.hint
    assert server.requests == []
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_auth_file_is_never_modified(server: fake.FakeCodexUsage, tmp_path: Path) -> None:
    path = write_auth(tmp_path)
    os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    fetch_codex_usage(base_url=server.base_url, codex_home=tmp_path, now_ms=NOW_MS)
    server.script(fake.expired_token())
    with pytest.raises(SourceAuthError):
        fetch_codex_usage(base_url=server.base_url, codex_home=tmp_path, now_ms=NOW_MS)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["auth.json"]


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "no Codex sign-in found"),
        (b'{"OPENAI_API_KEY": "sk-proj-x", "tokens": null}', "no ChatGPT sign-in"),
        (b"\x00\xff garbage", "not valid JSON"),
    ],
)
def test_unusable_auth_files(tmp_path: Path, content: bytes | None, says: str) -> None:
    if content is not None:
        (tmp_path / "auth.json").write_bytes(content)
    with pytest.raises(SourceAuthError, match=says) as err:
        read_codex_credentials(tmp_path, now_ms=NOW_MS)
    assert "codex" in err.value.hint


def test_jwt_expiry() -> None:
    assert jwt_expiry_ms(fake.fake_jwt(1_800_000_000)) == 1_800_000_000_000
    assert jwt_expiry_ms("opaque-token") is None
    assert jwt_expiry_ms("a.!!!.c") is None


def test_credentials_repr_hides_the_token(tmp_path: Path) -> None:
    write_auth(tmp_path)
    creds = read_codex_credentials(tmp_path, now_ms=NOW_MS)
    assert creds.token == TOKEN and creds.account_id == ACCOUNT_ID
    assert TOKEN not in repr(creds)


# -- errors --------------------------------------------------------------------------------


def test_expired_token_401(server: fake.FakeCodexUsage) -> None:
    server.script(fake.expired_token())
    with pytest.raises(SourceAuthError) as err:
        fetch(server)
    assert "401 Unauthorized: Provided authentication token is expired" in str(err.value)
    assert "/backend-api/wham/usage" in str(err.value)
    assert "codex login" in err.value.hint


def test_wrong_account_403(server: fake.FakeCodexUsage) -> None:
    with pytest.raises(SourceAuthError, match="403 Forbidden: Unusual activity") as err:
        fetch(server, account_id="acc-someone-else")
    assert "codex login" in err.value.hint


def test_429_retry_after(server: fake.FakeCodexUsage) -> None:
    server.script(fake.too_many_requests("30"))
    with pytest.raises(SourceRateLimitError) as err:
        fetch(server)
    assert err.value.retry_at_ms == NOW_MS + 30_000
    when = datetime.fromtimestamp(NOW_MS / 1000 + 3600, UTC)
    server.script(fake.too_many_requests(format_datetime(when, usegmt=True)))
    with pytest.raises(SourceRateLimitError) as err:
        fetch(server)
    assert err.value.retry_at_ms == NOW_MS + 3_600_000
    server.script(fake.too_many_requests())
    with pytest.raises(SourceRateLimitError, match="did not say for how long"):
        fetch(server)
    assert len(server.requests) == 3


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors(server: fake.FakeCodexUsage, status: int) -> None:
    server.script(fake.server_error(status))
    with pytest.raises(SourceUnavailableError, match=f"provider's side \\({status}"):
        fetch(server)


def test_garbage_body(server: fake.FakeCodexUsage) -> None:
    server.script(garbage())
    with pytest.raises(SourceFormatError, match=r"body is not JSON \(text/html"):
        fetch(server)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("null", "the body is null, expected an object"),
        ({"unrelated": 1}, "none of rate_limit, plan_type, credits is present"),
        ({"rate_limit": []}, "rate_limit is a list"),
        (
            {"rate_limit": {"primary_window": {"used_percent": "22"}}},
            "rate_limit.primary_window.used_percent",
        ),
        (
            {"additional_rate_limits": {}, "plan_type": "pro"},
            "additional_rate_limits is not a list",
        ),
        ({"credits": {"balance": "lots"}}, "credits.balance is 'lots', expected a number"),
        (
            {"rate_limit": {"individual_limit": {"used": 3}}},
            "neither remaining_percent nor a limit",
        ),
    ],
)
def test_wrong_shapes(server: fake.FakeCodexUsage, body: Any, says: str) -> None:
    server.script(Reply(200, body.encode() if isinstance(body, str) else body))
    with pytest.raises(SourceFormatError) as err:
        fetch(server)
    assert says in str(err.value)
    assert "ChatGPT Codex usage (GET http://127.0.0.1:" in str(err.value)


def test_timeout(server: fake.FakeCodexUsage) -> None:
    server.script(slow(5.0))
    with pytest.raises(SourceUnavailableError, match=r"no answer within 0\.2 s"):
        fetch(server, timeout_s=0.2)


def test_injected_transport_and_default_url() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert str(request.url) == "https://chatgpt.com/backend-api/wham/usage"
        return httpx.Response(200, json={"plan_type": "free", "rate_limit": None})

    assert (
        fetch_codex_usage(token=TOKEN, transport=httpx.MockTransport(handler), now_ms=NOW_MS) == []
    )


def test_the_token_never_appears_in_errors_or_observations(
    server: fake.FakeCodexUsage, tmp_path: Path
) -> None:
    echo = Reply(401, {"detail": f"token {TOKEN} is not valid"})
    replies = [
        fake.expired_token(),
        fake.forbidden(),
        fake.too_many_requests("5"),
        fake.server_error(),
        garbage(),
        echo,
        Reply(200, {"credits": {"balance": TOKEN}}),
        slow(5.0),
    ]
    messages = []
    for reply in replies:
        server.script(reply)
        with pytest.raises(SourceError) as err:
            fetch(server, timeout_s=0.3)
        exc = err.value
        shown = "".join(traceback.format_exception(exc)) + repr(exc) + exc.hint
        assert TOKEN not in shown, shown
        messages.append(str(exc))
    assert "token <redacted> is not valid" in messages[5]
    write_auth(tmp_path, token=fake.fake_jwt(1))
    with pytest.raises(SourceAuthError) as err:
        fetch_codex_usage(base_url=server.base_url, codex_home=tmp_path, now_ms=NOW_MS)
    assert fake.fake_jwt(1) not in "".join(traceback.format_exception(err.value))
    assert all(TOKEN not in repr(o) for o in fetch(server))
