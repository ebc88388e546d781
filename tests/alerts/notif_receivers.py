"""Real receivers on loopback for the notifier tests: an HTTP server that records what a
webhook got (and answers what a test scripts), an aiosmtpd SMTP server (optionally with
STARTTLS and a login), a self-signed certificate, and a fake ``notify-send`` program."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiusage.alerts.notifiers import Notification
from aiusage.fake.server import FakeServer, Recorded, Reply


def message(severity: str = "warning", **changes: Any) -> Notification:
    base: dict[str, Any] = {
        "title": "Monthly budget at 85%",
        "body": "You have spent $85.00 of $100.00 this month <&> @everyone.",
        "severity": severity,
        "key": "budget:monthly:all",
        "rule": "budget_warning",
        "scope": "all",
        "fired_at": 1_767_225_600_000,  # 2026-01-01 00:00:00 UTC
        "value": 85.0,
        "threshold": 80.0,
        "url": "http://127.0.0.1:8080/budgets",
    }
    base.update(changes)
    return Notification(**base)


class Receiver(FakeServer):
    """Answers scripted replies first, then ``default``; records every request."""

    def __init__(self, default: Reply | None = None) -> None:
        super().__init__()
        self.default = default or Reply(200, "ok")

    def answer(self, request: Recorded) -> Reply:
        return self.next_scripted() or self.default

    def wait_for(self, count: int, timeout_s: float = 10.0) -> list[Recorded]:
        """Wait until ``count`` requests arrived (the test fails if they never do)."""
        deadline = time.monotonic() + timeout_s
        while len(self.requests) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.requests)} of {count} requests arrived")
            time.sleep(0.01)
        return list(self.requests)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def closed_port_url() -> str:
    """An http URL on loopback where nothing listens (connection refused)."""
    return f"http://127.0.0.1:{free_port()}/hook"


# -- SMTP -------------------------------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    tls: bool
    login: str | None


@dataclass
class SmtpReceiver:
    """aiosmtpd on 127.0.0.1. With ``tls_context`` it offers STARTTLS (and then requires
    it); with ``users`` it requires a login (only over TLS)."""

    tls_context: ssl.SSLContext | None = None
    users: dict[str, str] = field(default_factory=dict)
    messages: list[Received] = field(default_factory=list)
    port: int = 0
    _controller: Any = None

    def __enter__(self) -> SmtpReceiver:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        receiver = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                login = session.auth_data
                receiver.messages.append(
                    Received(
                        mail_from=envelope.mail_from,
                        rcpt_tos=list(envelope.rcpt_tos),
                        content=envelope.original_content or envelope.content,
                        tls=session.ssl is not None,
                        login=login.decode() if isinstance(login, bytes) else login,
                    )
                )
                return "250 Message accepted for delivery"

        def authenticate(
            server: Any, session: Any, envelope: Any, mechanism: str, data: Any
        ) -> Any:
            login, password = data.login.decode(), data.password.decode()
            ok = self.users.get(login) == password
            return AuthResult(success=ok, handled=False, auth_data=login if ok else None)

        kwargs: dict[str, Any] = {}
        if self.tls_context is not None:
            kwargs.update(tls_context=self.tls_context, require_starttls=True)
        if self.users:
            kwargs.update(authenticator=authenticate, auth_required=True, auth_require_tls=True)
        self.port = free_port()
        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, **kwargs)
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()


def self_signed(folder: Path) -> tuple[Path, ssl.SSLContext]:
    """A certificate for 127.0.0.1 and localhost, made now; returns its PEM file (what the
    client trusts through ca_file) and the server's TLS context."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "aiusage test SMTP")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return cert_path, context


# -- notify-send ------------------------------------------------------------------------


def fake_notify_send(folder: Path, exit_code: int = 0, stderr: str = "") -> Path:
    """A ``notify-send`` that writes its argv (NUL-separated) to ``argv.bin`` beside it;
    put ``folder`` first on PATH."""
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "argv.bin"
    program = folder / "notify-send"
    program.write_text(
        "#!/bin/sh\n"
        f"printf '%s\\0' \"$@\" > '{log}'\n"
        + (f"echo '{stderr}' >&2\n" if stderr else "")
        + f"exit {exit_code}\n"
    )
    program.chmod(program.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return log


def argv_of(log: Path) -> list[str]:
    return log.read_bytes().decode().split("\0")[:-1]
