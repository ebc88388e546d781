"""Slack, Discord and the signed webhook against a real HTTP receiver on loopback: the
bodies, the HMAC verified independently, 429 + Retry-After, 5xx retries, timeouts, and
failure isolation — with the webhook token and the HMAC secret never in a result or log."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from notif_receivers import Receiver, closed_port_url, message

from aiusage.alerts.notifiers import (
    Channel,
    DeliveryResult,
    Notification,
    RetryPolicy,
    channels,
    deliver,
    deliver_all,
    parse_notifiers,
)
from aiusage.fake.server import Reply, rate_limited, slow
from aiusage.secrets import store_notifier_secret

TOKEN = "T0AIUSAGE/B0TEST/xoxSecretWebhookToken42"
HMAC_SECRET = "whsec-do-not-print-0123456789"
FAST = RetryPolicy(attempts=3, timeout_s=5.0, backoff_s=0.01)


def channel(kind: str, name: str = "ops", **table: Any) -> Channel:
    config = parse_notifiers({name: {"type": kind, **table}}, Path("config.toml"))[name]
    (built,) = channels([config])
    return built


def run(notifier: Any, note: Notification | None = None, policy: RetryPolicy = FAST) -> Any:
    return asyncio.run(deliver(notifier, note or message(), policy))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    with server:
        yield server


def slack_to(server: Receiver, monkeypatch: pytest.MonkeyPatch, name: str = "ops") -> Channel:
    monkeypatch.setenv("SLACK_WEBHOOK", f"{server.base_url}/services/{TOKEN}")
    return channel("slack", name, url_env="SLACK_WEBHOOK")


def no_secret_in(results: list[DeliveryResult], log: str, *secrets: str) -> None:
    shown = log + json.dumps([r.to_dict() for r in results])
    for secret in (TOKEN, HMAC_SECRET, *secrets):
        assert secret not in shown
        assert secret.split("/")[-1] not in shown


def test_slack_gets_text_and_blocks(receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(slack_to(receiver, monkeypatch))
    assert result.ok and result.attempts == 1 and result.kind == "slack"
    (request,) = receiver.requests
    assert request.method == "POST" and request.path == f"/services/{TOKEN}"
    assert request.headers["content-type"] == "application/json"
    body = json.loads(request.body)
    assert body["text"] == (
        ":warning: [warning] Monthly budget at 85%: You have spent $85.00 of $100.00 this "
        "month &lt;&amp;&gt; @everyone."
    )
    header, section, details, actions = body["blocks"]
    assert header == {"type": "header", "text": {"type": "plain_text", "text": message().title}}
    assert "&lt;&amp;&gt;" in section["text"]["text"]
    fields = [f["text"] for f in details["fields"]]
    assert fields[:5] == [
        "*Severity*\nwarning",
        "*Rule*\nbudget_warning",
        "*Scope*\nall",
        "*Value*\n85",
        "*Threshold*\n80",
    ]
    assert fields[5] == "*Fired at*\n2026-01-01 00:00:00 UTC"
    assert actions["elements"][0]["url"] == "http://127.0.0.1:8080/budgets"


def test_discord_gets_content_and_an_embed_that_pings_nobody(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = Receiver(Reply(204, b""))
    with server as base:
        monkeypatch.setenv("DISCORD_WEBHOOK", f"{base}/api/webhooks/1234/{TOKEN}")
        assert run(channel("discord", url_env="DISCORD_WEBHOOK"), message("critical")).ok
    body = json.loads(server.requests[0].body)
    assert body["content"] == "**[critical]** Monthly budget at 85%"
    assert body["allowed_mentions"] == {"parse": []}  # '@everyone' in the text pings no one
    (embed,) = body["embeds"]
    assert embed["color"] == 0xE74C3C
    assert embed["timestamp"] == "2026-01-01T00:00:00+00:00"
    assert embed["url"] == "http://127.0.0.1:8080/budgets"
    assert {f["name"]: f["value"] for f in embed["fields"]} == {
        "Severity": "critical",
        "Rule": "budget_warning",
        "Scope": "all",
        "Value": "85",
        "Threshold": "80",
    }


def _verify(secret: str, headers: dict[str, str], raw: bytes) -> bool:
    """The receiver's side, written from the documented scheme, not from our code."""
    timestamp = headers["x-aiusage-timestamp"]
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + raw, hashlib.sha256)
    fresh = abs(time.time() - int(timestamp)) < 300
    return fresh and hmac.compare_digest(
        headers["x-aiusage-signature"], "sha256=" + mac.hexdigest()
    )


def test_webhook_body_is_the_notification_and_the_signature_verifies(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOK_SECRET", HMAC_SECRET)
    notifier = channel("webhook", url=f"{receiver.base_url}/aiusage", secret_env="HOOK_SECRET")
    assert run(notifier).ok
    (request,) = receiver.requests
    assert _verify(HMAC_SECRET, request.headers, request.body)
    assert not _verify("another secret", request.headers, request.body)
    assert not _verify(HMAC_SECRET, request.headers, request.body.replace(b"85", b"95"))
    replayed = {**request.headers, "x-aiusage-timestamp": str(int(time.time()) + 1)}
    assert not _verify(HMAC_SECRET, replayed, request.body)  # the timestamp is signed too
    assert json.loads(request.body) == {
        "version": 1,
        "title": "Monthly budget at 85%",
        "body": "You have spent $85.00 of $100.00 this month <&> @everyone.",
        "severity": "warning",
        "key": "budget:monthly:all",
        "rule": "budget_warning",
        "scope": "all",
        "fired_at": 1_767_225_600_000,
        "fired_at_iso": "2026-01-01T00:00:00+00:00",
        "value": 85.0,
        "threshold": 80.0,
        "url": "http://127.0.0.1:8080/budgets",
    }


def test_webhook_secret_from_the_keyring_unsigned_and_missing(receiver: Receiver) -> None:
    store_notifier_secret("hook", HMAC_SECRET)
    assert run(channel("webhook", "hook", url=f"{receiver.base_url}/a")).ok
    assert _verify(HMAC_SECRET, receiver.requests[0].headers, receiver.requests[0].body)

    assert run(channel("webhook", "plain", url=f"{receiver.base_url}/b", sign=False)).ok
    assert "x-aiusage-signature" not in receiver.requests[1].headers

    missing = run(channel("webhook", "nokey", url=f"{receiver.base_url}/c"))
    assert not missing.ok and missing.attempts == 1 and len(receiver.requests) == 2
    assert missing.error == "notifier nokey: no HMAC secret is configured"
    assert "aiusage notify secret nokey" in (missing.hint or "")


def test_429_with_retry_after_is_waited_for_then_delivered(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver.script(rate_limited("rate_limited", retry_after="1"))
    result = run(slack_to(receiver, monkeypatch))
    assert result.ok and result.attempts == 2 and result.waits == (1.0,)
    assert len(receiver.requests) == 2


def test_discord_429_with_retry_after_in_the_body(monkeypatch: pytest.MonkeyPatch) -> None:
    server = Receiver(Reply(204, b""))
    server.script(Reply(429, {"message": "You are being rate limited.", "retry_after": 0.25}))
    with server as base:
        monkeypatch.setenv("DISCORD_WEBHOOK", f"{base}/api/webhooks/1/{TOKEN}")
        result = run(channel("discord", url_env="DISCORD_WEBHOOK"))
    assert result.ok and result.waits == (0.25,)


def test_a_retry_after_longer_than_the_cap_is_reported_not_waited_for(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver.script(rate_limited("rate_limited", retry_after="3600"))
    result = run(slack_to(receiver, monkeypatch))
    assert not result.ok and result.attempts == 1 and result.waits == ()
    assert "wait 3600 s" in (result.error or "") and "not waiting" in (result.error or "")


def test_5xx_is_retried_with_backoff_then_reported(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with Receiver(Reply(500, f"internal error at /services/{TOKEN}")) as base:
        monkeypatch.setenv("SLACK_WEBHOOK", f"{base}/services/{TOKEN}")
        result = run(channel("slack", url_env="SLACK_WEBHOOK"))
    assert not result.ok and result.attempts == 3 and len(result.waits) == 2
    assert result.waits[0] < result.waits[1]  # exponential (0.01 then 0.02, plus jitter)
    assert "500" in (result.error or "") and "127.0.0.1" in (result.error or "")
    assert "retrying" in caplog.text and "not delivered after 3 attempt(s)" in caplog.text
    no_secret_in([result], caplog.text)


def test_a_refusal_is_not_retried_and_says_what_to_do(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver.script(Reply(404, "no_service"))
    result = run(slack_to(receiver, monkeypatch))
    assert not result.ok and result.attempts == 1
    assert result.error.endswith("refused the message (404 Not Found: no_service)")  # type: ignore[union-attr]
    assert "new incoming webhook" in (result.hint or "")


def test_each_attempt_has_a_timeout(receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    receiver.script(slow(5.0), slow(5.0))
    policy = RetryPolicy(attempts=2, timeout_s=0.3, backoff_s=0.01)
    result = run(slack_to(receiver, monkeypatch), policy=policy)
    assert not result.ok and result.attempts == 2
    assert "no answer within 0.3 s" in (result.error or "")
    assert len(receiver.requests) == 2


def test_a_refused_connection_is_retried_and_reported() -> None:
    notifier = channel("webhook", url=closed_port_url(), sign=False)
    result = run(notifier)
    assert not result.ok and result.attempts == 3
    assert "could not connect" in (result.error or "")


def test_a_missing_environment_variable_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_SUCH_WEBHOOK", raising=False)
    result = run(channel("slack", url_env="NO_SUCH_WEBHOOK"))
    assert not result.ok and result.attempts == 1
    assert "NO_SUCH_WEBHOOK" in (result.error or "") and "is not set" in (result.error or "")


class Buggy:
    """A plugin's notifier with a bug that leaks its URL into the exception."""

    name = "buggy"
    kind = "plugin"

    async def send(self, message: Notification) -> None:
        raise RuntimeError(f"boom posting to https://hooks.example.com/services/{TOKEN}")


def test_one_failing_channel_never_blocks_or_fails_the_others(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    good, hanging = Receiver(), Receiver(Reply(200, "ok", delay_s=10.0))
    with good, hanging:
        monkeypatch.setenv("GOOD_WEBHOOK", f"{good.base_url}/services/{TOKEN}")
        monkeypatch.setenv("HANG_WEBHOOK", f"{hanging.base_url}/services/{TOKEN}")
        monkeypatch.setenv("HOOK_SECRET", HMAC_SECRET)
        notifiers = [
            channel("slack", "hangs", url_env="HANG_WEBHOOK"),
            channel("webhook", "refused", url=closed_port_url(), secret_env="HOOK_SECRET"),
            Buggy(),
            channel("slack", "good", url_env="GOOD_WEBHOOK"),
        ]
        policy = RetryPolicy(attempts=2, timeout_s=1.0, backoff_s=0.01)

        async def scenario() -> list[DeliveryResult]:
            task = asyncio.create_task(deliver_all(notifiers, message(), policy))
            while not good.requests:  # the good channel is served while one still hangs
                await asyncio.sleep(0.01)
            assert not task.done()
            return await task

        results = asyncio.run(scenario())
    assert [(r.channel, r.ok) for r in results] == [
        ("hangs", False),
        ("refused", False),
        ("buggy", False),
        ("good", True),
    ]
    hangs, refused, buggy, ok = results
    assert "no answer within 1 s" in (hangs.error or "") and hangs.attempts == 2
    assert "could not connect" in (refused.error or "")
    assert buggy.attempts == 1 and "RuntimeError" in (buggy.error or "")
    assert buggy.error.endswith("https://hooks.example.com/…")  # type: ignore[union-attr]
    assert ok.attempts == 1 and len(good.requests) == 1
    no_secret_in(results, caplog.text)


def test_a_server_echoing_the_token_does_not_leak_it(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url = f"{receiver.base_url}/services/{TOKEN}"
    receiver.script(Reply(400, {"error": f"invalid_payload for {url} token {TOKEN}"}))
    result = run(slack_to(receiver, monkeypatch))
    assert not result.ok and "invalid_payload" in (result.error or "")
    no_secret_in([result], caplog.text)
