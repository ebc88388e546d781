"""Claude subscription limits over real loopback HTTP against aiusage.fake.claude_oauth."""

from __future__ import annotations

import json
import os
import socket
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
from aiusage.fake import claude_oauth as fake
from aiusage.fake.server import Reply, garbage, slow
from aiusage.sources.subscriptions.claude_oauth import (
    ClaudeCredentials,
    fetch_claude_usage,
    read_claude_credentials,
    window_name,
)

TOKEN = fake.FAKE_TOKEN
NOW_MS = 1_785_848_400_000  # 2026-08-04T13:00:00Z, before the sample's resets


@pytest.fixture(autouse=True)
def _no_ambient_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("CLAUDE_CODE_OAUTH_TOKEN", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
        monkeypatch.delenv(var.lower(), raising=False)


@pytest.fixture
def server() -> Iterator[fake.FakeClaudeOAuth]:
    srv = fake.FakeClaudeOAuth()
    with srv:
        yield srv


def write_credentials(directory: Path, token: str = TOKEN, **overrides: Any) -> Path:
    oauth: dict[str, Any] = {
        "accessToken": token,
        "refreshToken": "sk-ant-ort01-FAKE-refresh-token-never-used",
        "expiresAt": NOW_MS + 8 * 3600 * 1000,
        "scopes": ["user:inference", "user:profile", "user:sessions:claude_code"],
        "subscriptionType": "max",
        "rateLimitTier": "default_claude_max_5x",
    }
    oauth.update(overrides)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / ".credentials.json"
    path.write_text(json.dumps({"claudeAiOauth": oauth}))
    return path


def fetch(server: fake.FakeClaudeOAuth, **kwargs: Any) -> list[Any]:
    kwargs.setdefault("token", TOKEN)
    return fetch_claude_usage(base_url=server.base_url, now_ms=NOW_MS, **kwargs)


def iso_ms(text: str) -> int:
    return round(datetime.fromisoformat(text).timestamp() * 1000)


def by_window(observations: list[Any]) -> dict[str, Any]:
    return {o.window: o for o in observations}


# -- mapping -------------------------------------------------------------------------------


def test_sample_maps_every_window_and_extra_usage(
    server: fake.FakeClaudeOAuth, tmp_path: Path
) -> None:
    write_credentials(tmp_path / "claude")
    obs = fetch_claude_usage(
        base_url=server.base_url, config_dirs=[tmp_path / "claude"], now_ms=NOW_MS
    )
    got = by_window(obs)
    assert list(got) == ["5h", "7d", "7d-sonnet", "month"]  # null opus/oauth_apps skipped
    for o in obs:
        assert (o.ts_ms, o.account, o.source, o.kind) == (
            NOW_MS,
            "claude-code",
            "claude-oauth",
            "official",
        )
        assert o.meta["subscription_type"] == "max"
        assert o.meta["rate_limit_tier"] == "default_claude_max_5x"
    five = got["5h"]
    assert (five.metric, five.value, five.limit, five.unit) == (
        "window_used_percent",
        10.0,
        100.0,
        "%",
    )
    assert five.resets_at_ms == iso_ms("2026-08-04T16:20:00.001100+00:00")
    assert five.meta["key"] == "five_hour"
    assert "limit_dollars" not in five.meta  # null dollars are not readings
    assert got["7d"].value == 29.0
    assert got["7d"].resets_at_ms == iso_ms("2026-08-06T19:00:00.001127+00:00")
    assert (got["7d-sonnet"].value, got["7d-sonnet"].resets_at_ms) == (0.0, None)
    extra = got["month"]
    assert (extra.metric, extra.unit, extra.value, extra.limit) == (
        "extra_usage_usd",
        "USD",
        3.25,
        50.0,
    )
    assert extra.meta["utilization"] == 6.5


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("five_hour", "5h"),
        ("seven_day", "7d"),
        ("seven_day_opus", "7d-opus"),
        ("seven_day_sonnet", "7d-sonnet"),
        ("seven_day_oauth_apps", "7d-oauth-apps"),
        ("seven_day_cowork", "7d-cowork"),
        ("iguana_necktie", "iguana_necktie"),
    ],
)
def test_window_names(key: str, name: str) -> None:
    assert window_name(key) == name


def test_codename_windows_are_kept_and_other_keys_ignored(server: fake.FakeClaudeOAuth) -> None:
    server.usage = {
        "five_hour": None,
        "seven_day": {"utilization": 50, "resets_at": "2026-08-06T19:00:00Z"},
        "seven_day_opus": {"utilization": 80.5, "resets_at": "2026-08-06T19:00:00.123456789Z"},
        "iguana_necktie": {"utilization": 12.0, "resets_at": None},
        "tangelo": "not a window",
        "nimbus_quill": {"is_enabled": False},
        "seven_day_sonnet": {"utilization": None, "resets_at": None},
        "extra_usage": {"is_enabled": False, "monthly_limit": 5000, "used_credits": 1.0},
        "limits": [],
    }
    got = by_window(fetch(server))
    assert list(got) == ["7d", "7d-opus", "iguana_necktie"]
    assert got["7d"].value == 50.0
    assert got["7d"].resets_at_ms == iso_ms("2026-08-06T19:00:00+00:00")
    assert got["7d-opus"].resets_at_ms == iso_ms("2026-08-06T19:00:00.123457+00:00")
    assert got["iguana_necktie"].meta["key"] == "iguana_necktie"


@pytest.mark.parametrize(
    ("resets_at", "expected"),
    [
        ("2026-08-04T16:20:00.001100+00:00", iso_ms("2026-08-04T16:20:00.001100+00:00")),
        ("2026-08-04T18:20:00+02:00", iso_ms("2026-08-04T16:20:00+00:00")),
        ("2026-08-04T16:20:00Z", iso_ms("2026-08-04T16:20:00+00:00")),
        ("2026-08-04T16:20:00", iso_ms("2026-08-04T16:20:00+00:00")),  # naive = UTC
        (None, None),
    ],
)
def test_reset_times(server: fake.FakeClaudeOAuth, resets_at: str | None, expected: int) -> None:
    server.usage = {"five_hour": {"utilization": 1.0, "resets_at": resets_at}}
    (obs,) = fetch(server)
    assert obs.resets_at_ms == expected


def test_unreadable_reset_keeps_the_reading(server: fake.FakeClaudeOAuth) -> None:
    server.usage = {"five_hour": {"utilization": 1.0, "resets_at": "soon"}}
    (obs,) = fetch(server)
    assert (obs.value, obs.resets_at_ms, obs.meta["resets_at_unparsed"]) == (1.0, None, "soon")


@pytest.mark.parametrize(
    ("extra", "value", "limit"),
    [
        (
            {"is_enabled": True, "monthly_limit": 5000, "used_credits": 325.0, "decimal_places": 2},
            3.25,
            50.0,
        ),
        (
            {"is_enabled": True, "monthly_limit": 20000, "used_credits": 1999},
            19.99,
            200.0,
        ),  # cents by default
        (
            {"is_enabled": True, "monthly_limit": 50, "used_credits": 3, "decimal_places": 0},
            3.0,
            50.0,
        ),
        ({"is_enabled": True, "monthly_limit": None, "used_credits": 120}, 1.2, None),
        ({"is_enabled": True, "monthly_limit": 1000, "used_credits": None}, 0.0, 10.0),
    ],
)
def test_extra_usage_cents_to_dollars(
    server: fake.FakeClaudeOAuth, extra: dict[str, Any], value: float, limit: float | None
) -> None:
    server.usage = {"five_hour": None, "seven_day": None, "extra_usage": extra}
    (obs,) = fetch(server)
    assert (obs.metric, obs.window, obs.unit) == ("extra_usage_usd", "month", "USD")
    assert obs.value == pytest.approx(value)
    assert obs.limit == (None if limit is None else pytest.approx(limit))


def test_all_windows_null_is_no_reading_not_an_error(server: fake.FakeClaudeOAuth) -> None:
    server.usage = {"five_hour": None, "seven_day": None, "extra_usage": None}
    assert fetch(server) == []


# -- the request ---------------------------------------------------------------------------


def test_request_headers_and_nothing_but_one_get(server: fake.FakeClaudeOAuth) -> None:
    fetch(server)
    (req,) = server.requests
    assert (req.method, req.path) == ("GET", "/api/oauth/usage")
    assert req.headers["authorization"] == f"Bearer {TOKEN}"
    assert req.headers["anthropic-beta"] == "oauth-2025-04-20"
    assert req.headers["accept"] == "application/json"
    assert req.headers["user-agent"].startswith("aiusage/")


def test_fake_refuses_requests_without_the_oauth_headers(server: fake.FakeClaudeOAuth) -> None:
    url = server.base_url + "/api/oauth/usage"
    assert httpx.get(url).status_code == 401
    no_beta = httpx.get(url, headers={"Authorization": f"Bearer {TOKEN}"})
    assert no_beta.status_code == 401
    assert no_beta.json()["error"]["message"] == "OAuth authentication is currently not supported."
    ok = httpx.get(
        url, headers={"Authorization": f"Bearer {TOKEN}", "anthropic-beta": "oauth-2025-04-20"}
    )
    assert ok.status_code == 200 and ok.json()["five_hour"]["utilization"] == 10.0


def test_scripted_replies_come_in_order_then_the_normal_answer(
    server: fake.FakeClaudeOAuth,
) -> None:
    server.script(fake.server_error(), fake.too_many_requests("1"))
    with pytest.raises(SourceUnavailableError):
        fetch(server)
    with pytest.raises(SourceRateLimitError):
        fetch(server)
    assert len(fetch(server)) == 4


# -- credentials ---------------------------------------------------------------------------


def test_token_from_the_environment_wins(
    server: fake.FakeClaudeOAuth, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_credentials(tmp_path / "claude", token="sk-ant-oat01-some-other-token")
    monkeypatch.setenv("CLAUDE_CODE_OAUTH_TOKEN", TOKEN)
    obs = fetch_claude_usage(
        base_url=server.base_url, config_dirs=[tmp_path / "claude"], now_ms=NOW_MS
    )
    assert len(obs) == 4
    assert "subscription_type" not in obs[0].meta  # no file read, so no plan


def test_claude_config_dir_is_comma_separated(
    server: fake.FakeClaudeOAuth, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_credentials(tmp_path / "second", subscriptionType="pro")
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", f"{tmp_path / 'first'}, {tmp_path / 'second'}")
    obs = fetch_claude_usage(base_url=server.base_url, now_ms=NOW_MS)
    assert obs[0].meta["subscription_type"] == "pro"


def test_default_is_dot_claude_in_home(server: fake.FakeClaudeOAuth) -> None:
    home = Path(os.environ["HOME"])  # a temp dir: conftest never lets tests see the real ~
    write_credentials(home / ".claude")
    assert len(fetch_claude_usage(base_url=server.base_url, now_ms=NOW_MS)) == 4


def test_expired_token_is_reported_not_refreshed(
    server: fake.FakeClaudeOAuth, tmp_path: Path
) -> None:
    path = write_credentials(tmp_path / "claude", expiresAt=NOW_MS - 1)
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    with pytest.raises(SourceAuthError) as err:
        fetch_claude_usage(
            base_url=server.base_url, config_dirs=[tmp_path / "claude"], now_ms=NOW_MS
        )
    assert "expired at 2026-08-04 12:59:59 UTC" in str(err.value)
    assert "run `claude` once" in err.value.hint
    assert "never refreshes" in err.value.hint
    assert server.requests == []  # neither the usage endpoint nor any token refresh
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_credentials_file_is_never_modified(server: fake.FakeClaudeOAuth, tmp_path: Path) -> None:
    path = write_credentials(tmp_path / "claude")
    os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    before = (path.read_bytes(), path.stat().st_mtime_ns, path.stat().st_atime_ns)
    fetch_claude_usage(base_url=server.base_url, config_dirs=[tmp_path / "claude"], now_ms=NOW_MS)
    server.script(fake.expired_token())
    with pytest.raises(SourceAuthError):
        fetch_claude_usage(
            base_url=server.base_url, config_dirs=[tmp_path / "claude"], now_ms=NOW_MS
        )
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before[:2]
    assert sorted(p.name for p in path.parent.iterdir()) == [".credentials.json"]
    assert {(r.method, r.path) for r in server.requests} == {("GET", "/api/oauth/usage")}


def test_no_credentials_names_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(SourceAuthError) as err:
        read_claude_credentials([tmp_path / "a", tmp_path / "b"])
    assert str(tmp_path / "a" / ".credentials.json") in str(err.value)
    assert "CLAUDE_CODE_OAUTH_TOKEN" in str(err.value)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b'{"primaryApiKey": "sk-ant-api03-x"}', "no Claude subscription sign-in"),
        (b'{"claudeAiOauth": {"accessToken": ""}}', "no Claude subscription sign-in"),
        (b"{not json", "not valid JSON"),
    ],
)
def test_unusable_credentials_files(tmp_path: Path, content: bytes, says: str) -> None:
    (tmp_path / ".credentials.json").write_bytes(content)
    with pytest.raises(SourceAuthError, match=says):
        read_claude_credentials([tmp_path], now_ms=NOW_MS)


def test_credentials_repr_hides_the_token(tmp_path: Path) -> None:
    write_credentials(tmp_path)
    creds = read_claude_credentials([tmp_path], now_ms=NOW_MS)
    assert isinstance(creds, ClaudeCredentials) and creds.token == TOKEN
    assert TOKEN not in repr(creds) and TOKEN not in str(creds)


# -- errors --------------------------------------------------------------------------------


def test_expired_token_401(server: fake.FakeClaudeOAuth) -> None:
    server.script(fake.expired_token())
    with pytest.raises(SourceAuthError) as err:
        fetch(server)
    assert "401 Unauthorized: OAuth token has expired" in str(err.value)
    assert "/api/oauth/usage" in str(err.value)
    assert "run `claude` once" in err.value.hint


def test_unknown_token_is_refused_by_the_fake(server: fake.FakeClaudeOAuth) -> None:
    with pytest.raises(SourceAuthError, match="Invalid bearer token"):
        fetch(server, token="sk-ant-oat01-not-the-right-one")


def test_forbidden_403_points_at_the_scope(server: fake.FakeClaudeOAuth) -> None:
    server.script(fake.forbidden())
    with pytest.raises(SourceAuthError) as err:
        fetch(server)
    assert "403 Forbidden" in str(err.value)
    assert "user:profile" in err.value.hint


def test_429_with_retry_after_seconds(server: fake.FakeClaudeOAuth) -> None:
    server.script(fake.too_many_requests("120"))
    with pytest.raises(SourceRateLimitError) as err:
        fetch(server)
    assert err.value.retry_after_s == 120
    assert err.value.retry_at_ms == NOW_MS + 120_000
    assert "retry after 2026-08-04 13:02:00 UTC (in 120 s)" in str(err.value)
    assert "5 minutes" in err.value.hint


def test_429_with_retry_after_http_date(server: fake.FakeClaudeOAuth) -> None:
    when = datetime.fromtimestamp(NOW_MS / 1000 + 600, UTC)
    server.script(fake.too_many_requests(format_datetime(when, usegmt=True)))
    with pytest.raises(SourceRateLimitError) as err:
        fetch(server)
    assert err.value.retry_at_ms == NOW_MS + 600_000
    assert "13:10:00 UTC" in str(err.value)


def test_429_without_retry_after_does_not_spin(server: fake.FakeClaudeOAuth) -> None:
    server.script(fake.too_many_requests())
    with pytest.raises(SourceRateLimitError) as err:
        fetch(server)
    assert err.value.retry_at_ms is None
    assert "did not say for how long" in str(err.value)
    assert "5 minutes" in err.value.hint
    assert len(server.requests) == 1  # one request, no retry loop


@pytest.mark.parametrize("status", [500, 502, 529])
def test_server_errors(server: fake.FakeClaudeOAuth, status: int) -> None:
    server.script(fake.server_error(status))
    with pytest.raises(SourceUnavailableError) as err:
        fetch(server)
    assert f"({status}" in str(err.value)
    assert "provider's side" in str(err.value)


def test_garbage_body(server: fake.FakeClaudeOAuth) -> None:
    server.script(garbage())
    with pytest.raises(SourceFormatError) as err:
        fetch(server)
    assert "body is not JSON (text/html" in str(err.value)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ([1, 2], "the body is a list, expected an object"),
        ({}, "none of five_hour, seven_day is present"),
        ({"five_hour": {"utilization": "ten"}}, "five_hour.utilization is a string"),
        ({"five_hour": 10}, "five_hour is a number, expected an object"),
        (
            {"seven_day_opus": {"resets_at": None}, "five_hour": None},
            "seven_day_opus has no utilization",
        ),
        (
            {"five_hour": None, "extra_usage": {"is_enabled": True, "used_credits": "3"}},
            "extra_usage.used_credits",
        ),
        (
            {"five_hour": None, "extra_usage": {"is_enabled": True, "decimal_places": 40}},
            "decimal_places",
        ),
    ],
)
def test_wrong_shapes(server: fake.FakeClaudeOAuth, body: Any, says: str) -> None:
    server.script(Reply(200, body))
    with pytest.raises(SourceFormatError) as err:
        fetch(server)
    assert says in str(err.value)
    assert "Claude subscription usage (GET http://127.0.0.1:" in str(err.value)


def test_timeout(server: fake.FakeClaudeOAuth) -> None:
    server.script(slow(5.0))
    with pytest.raises(SourceUnavailableError, match=r"no answer within 0.2 s"):
        fetch(server, timeout_s=0.2)


def test_connection_refused() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(SourceUnavailableError, match="could not connect") as err:
        fetch_claude_usage(base_url=f"http://127.0.0.1:{port}", token=TOKEN, now_ms=NOW_MS)
    assert "network" in err.value.hint


def test_injected_transport() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"five_hour": {"utilization": 3.0, "resets_at": None}})

    obs = fetch_claude_usage(token=TOKEN, transport=httpx.MockTransport(handler), now_ms=NOW_MS)
    assert [o.value for o in obs] == [3.0]
    assert str(seen[0].url) == "https://api.anthropic.com/api/oauth/usage"


def _all_failures(server: fake.FakeClaudeOAuth, tmp_path: Path) -> Iterator[SourceError]:
    echo = fake.error(401, "authentication_error", f"bad token {TOKEN}")
    for reply in (
        fake.expired_token(),
        fake.forbidden(),
        fake.too_many_requests("60"),
        fake.server_error(),
        garbage(),
        echo,
        Reply(200, {"five_hour": {"utilization": TOKEN}}),
        slow(5.0),
    ):
        server.script(reply)
        with pytest.raises(SourceError) as err:
            fetch(server, timeout_s=0.3)
        yield err.value
    write_credentials(tmp_path / "expired", expiresAt=1)
    with pytest.raises(SourceError) as err:
        fetch_claude_usage(base_url=server.base_url, config_dirs=[tmp_path / "expired"])
    yield err.value


def test_the_token_never_appears_in_errors_or_observations(
    server: fake.FakeClaudeOAuth, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    for exc in _all_failures(server, tmp_path):
        shown = "".join(traceback.format_exception(exc)) + repr(exc) + exc.hint + str(exc.args)
        assert TOKEN not in shown, shown
    assert "<redacted>" in "".join(str(e) for e in _all_failures(server, tmp_path))
    obs = fetch(server)
    assert all(TOKEN not in repr(o) for o in obs)
    assert TOKEN not in caplog.text
