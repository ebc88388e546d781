"""The shared pieces of the subscription fetchers: Retry-After, times, the fake server."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime

import httpx
import pytest

from aiusage.errors import SourceError
from aiusage.fake.server import FakeServer, Recorded, Reply, slow
from aiusage.sources.subscriptions.http import Endpoint, get_json, parse_retry_after, redact
from aiusage.sources.subscriptions.shapes import instant_ms

NOW_MS = 1_785_848_400_000  # 2026-08-04T13:00:00Z


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 1.5 ", 1.5),
        ("0", 0.0),
        ("-5", 0.0),
        ("Tue, 04 Aug 2026 13:05:00 GMT", 300.0),
        ("Tue, 04 Aug 2026 12:00:00 GMT", 0.0),  # already past: ask again now
        ("", None),
        (None, None),
        ("soon", None),
        ("nan", None),
        ("inf", None),
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, NOW_MS) == seconds


@pytest.mark.parametrize(
    ("value", "ms"),
    [
        ("2026-08-04T16:20:00.001100+00:00", 1785860400001),
        ("2026-08-04T16:20:00Z", 1785860400000),
        ("2026-08-04T18:20:00+02:00", 1785860400000),
        ("2026-08-04T16:20:00.123456789Z", 1785860400123),
        (1785860400, 1785860400000),
        (1785860400000, 1785860400000),
        ("1785860400", 1785860400000),
        (1785860400.5, 1785860400500),
        (None, None),
        (True, None),
        ("", None),
        ("tomorrow", None),
        (-1, None),
        ([], None),
    ],
)
def test_instant_ms(value: object, ms: int | None) -> None:
    assert instant_ms(value) == ms


def test_redact() -> None:
    assert redact("a SECRET b SECRET", ["SECRET", ""]) == "a <redacted> b <redacted>"


class Echo(FakeServer):
    def answer(self, request: Recorded) -> Reply:
        return self.next_scripted() or Reply(200, {"path": request.path})


def test_fake_server_scripts_records_and_stops_promptly() -> None:
    server = Echo()
    with server as base_url:
        assert base_url == server.base_url and base_url.startswith("http://127.0.0.1:")
        server.script(Reply(418, "teapot"), Reply(200, [1]))
        assert httpx.get(base_url + "/a").status_code == 418
        assert httpx.get(base_url + "/b").json() == [1]
        assert httpx.get(base_url + "/c").json() == {"path": "/c"}
        assert httpx.post(base_url + "/d", content=b"xyz").status_code == 200
        server.script(slow(30.0))
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(base_url + "/slow", timeout=0.1)
        started = time.monotonic()
    assert time.monotonic() - started < 3  # the slow reply does not hold the shutdown
    assert [(r.method, r.path) for r in server.requests][:4] == [
        ("GET", "/a"),
        ("GET", "/b"),
        ("GET", "/c"),
        ("POST", "/d"),
    ]
    assert server.requests[3].body == b"xyz"
    with pytest.raises(RuntimeError):
        _ = server.base_url


def test_other_statuses_and_bad_urls() -> None:
    server = Echo()
    with server as base_url:
        server.script(Reply(404, {"error": {"message": "no such route"}}))
        endpoint = Endpoint("Test endpoint", base_url + "/x", login_hint="log in")
        with pytest.raises(SourceError, match="answered 404 Not Found: no such route") as err:
            get_json(endpoint, {}, secrets=[])
        assert "undocumented" in err.value.hint
    with pytest.raises(SourceError, match="not a valid http"):
        get_json(Endpoint("Test", "ftp://example.invalid/x", "log in"), {}, secrets=[])


def test_a_token_no_header_can_carry() -> None:
    endpoint = Endpoint("Test", "http://127.0.0.1:9/x", "sign in again")
    secret = "sk-ant-oat01-caf\u00e9-secret"
    with pytest.raises(SourceError, match="cannot carry") as err:
        get_json(endpoint, {"Authorization": f"Bearer {secret}"}, secrets=[secret])
    assert secret not in str(err.value) and err.value.hint == "sign in again"


def test_importing_the_fetchers_does_not_import_httpx() -> None:
    code = (
        "import sys; import aiusage.sources.subscriptions.claude_oauth, "
        "aiusage.sources.subscriptions.codex_usage; print('httpx' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_reset_in_utc_not_local_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert instant_ms("2026-08-04T16:20:00") == round(
            datetime(2026, 8, 4, 16, 20, tzinfo=UTC).timestamp() * 1000
        )
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
