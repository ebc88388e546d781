"""Email through a real aiosmtpd server on loopback: plain SMTP to a local relay, STARTTLS
with a login against a certificate made in the test, and the ways it fails — with the
password never in a result or a log line."""

from __future__ import annotations

import asyncio
import email
import logging
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from notif_receivers import SmtpReceiver, free_port, message, self_signed

from aiusage.alerts.notifiers import Channel, RetryPolicy, channels, deliver, parse_notifiers
from aiusage.errors import ConfigError
from aiusage.secrets import store_notifier_secret

PASSWORD = "smtp-Pa55word-never-shown"
FAST = RetryPolicy(attempts=2, timeout_s=10.0, backoff_s=0.01)


def channel(name: str = "mail", **table: Any) -> Channel:
    base = {"type": "email", "host": "127.0.0.1", "from": "aiusage@example.com"}
    config = parse_notifiers({name: {**base, **table}}, Path("config.toml"))[name]
    (built,) = channels([config])
    return built


def run(notifier: Channel, **changes: Any) -> Any:
    return asyncio.run(deliver(notifier, message(**changes), FAST))


def parsed(content: bytes) -> Message:
    return email.message_from_bytes(content)


def test_plain_smtp_to_a_local_relay() -> None:
    with SmtpReceiver() as server:
        notifier = channel(port=server.port, starttls=False, to=["me@example.com", "ops@x.org"])
        result = run(notifier, severity="critical")
    assert result.ok and result.attempts == 1 and result.kind == "email"
    (got,) = server.messages
    assert got.mail_from == "aiusage@example.com"
    assert got.rcpt_tos == ["me@example.com", "ops@x.org"] and not got.tls
    mail = parsed(got.content)
    assert mail["Subject"] == "[aiusage] critical: Monthly budget at 85%"
    assert mail["To"] == "me@example.com, ops@x.org"
    assert mail["X-Aiusage-Alert-Key"] == "budget:monthly:all"
    text = mail.get_payload(decode=True).decode().replace("\r\n", "\n")  # type: ignore[union-attr]
    assert text.startswith("You have spent $85.00 of $100.00 this month <&> @everyone.\n")
    assert "Value: 85\nThreshold: 80\nFired at: 2026-01-01 00:00:00 UTC\n" in text
    assert "Open: http://127.0.0.1:8080/budgets" in text


def test_starttls_and_login_with_a_private_ca(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    pytest.importorskip("cryptography")
    cert, context = self_signed(tmp_path)
    caplog.set_level(logging.DEBUG)
    with SmtpReceiver(tls_context=context, users={"alerts": PASSWORD}) as server:
        monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
        table = {
            "port": server.port,
            "username": "alerts",
            "password_env": "SMTP_PASSWORD",
            "to": "me@example.com",
            "ca_file": str(cert),
        }
        assert run(channel(**table)).ok
        (got,) = server.messages
        assert got.tls and got.login == "alerts"

        # the password from the keyring instead of the environment
        store_notifier_secret("kr", PASSWORD)
        table_kr = {k: v for k, v in table.items() if k != "password_env"}
        assert run(channel("kr", **table_kr)).ok and len(server.messages) == 2

        monkeypatch.setenv("SMTP_PASSWORD", "wrong-password")
        refused = run(channel(**table))
        assert not refused.ok and refused.attempts == 1
        assert "refused the login (535" in (refused.error or "")
        assert "password_env" in (refused.hint or "")

        untrusted = run(channel(**_without(table)))
        assert not untrusted.ok and untrusted.attempts == 1
        assert "certificate is not trusted" in (untrusted.error or "")
        assert "ca_file" in (untrusted.hint or "")
    shown = caplog.text + repr([refused.to_dict(), untrusted.to_dict()])
    assert PASSWORD not in shown and "wrong-password" not in shown


def _without(table: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in table.items() if k != "ca_file"}


def test_a_server_without_starttls_is_refused_before_anything_is_sent() -> None:
    with SmtpReceiver() as server:
        result = run(channel(port=server.port, to="me@example.com"))  # starttls defaults on
    assert not result.ok and result.attempts == 1
    assert "does not offer STARTTLS" in (result.error or "") and not server.messages


def test_nothing_listening_is_retried_then_reported() -> None:
    result = run(channel(port=free_port(), starttls=False, to="me@example.com"))
    assert not result.ok and result.attempts == 2
    assert "refused" in (result.error or "")
    assert "host and port" in (result.hint or "")


def test_config_refuses_a_password_in_clear_over_the_network() -> None:
    table = {
        "type": "email",
        "host": "smtp.example.com",
        "from": "a@example.com",
        "to": "b@example.com",
        "username": "a",
        "password_env": "P",
        "starttls": False,
    }
    with pytest.raises(ConfigError, match="in clear"):
        parse_notifiers({"mail": table}, Path("config.toml"))
    with pytest.raises(ConfigError, match="would put a secret"):
        parse_notifiers({"mail": {**table, "password": "x"}}, Path("config.toml"))
