"""Email over SMTP with STARTTLS (``type = "email"``): stdlib smtplib in a worker thread.

Why smtplib in a thread rather than an async client: it is in the standard library, the
send is one short exchange, and ``delivery`` bounds it with the attempt's timeout (the
socket carries the same timeout, so the thread ends too). A password is only ever sent
after STARTTLS, unless the server is on this machine.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from aiusage.alerts.notifiers.base import (
    Notification,
    NotifierConfig,
    NotifyError,
    env_name,
    require_secret,
    scrub,
    text_option,
)
from aiusage.errors import ConfigError

LOOPBACK = ("localhost", "127.0.0.1", "::1")


def recipients(options: Mapping[str, Any]) -> list[str]:
    to = options.get("to")
    return [to] if isinstance(to, str) else [str(a) for a in to or []]


def port(options: Mapping[str, Any]) -> int:
    found = options.get("port")
    return int(found) if found else 587 if options.get("starttls", True) else 25


def build_message(config: NotifierConfig, message: Notification) -> EmailMessage:
    options = config.options
    sender = str(options["from"])
    prefix = str(options.get("subject_prefix", "[aiusage]"))
    subject = " ".join(f"{prefix} {message.severity}: {message.title}".split())
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = ", ".join(recipients(options))
    mail["Subject"] = subject
    mail["Date"] = formatdate(usegmt=True)
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or "aiusage")
    mail["X-Aiusage-Alert-Key"] = " ".join(message.key.split())
    mail["X-Aiusage-Severity"] = message.severity
    lines = [message.body, ""]
    lines += [f"{label}: {text}" for label, text in message.details()]
    if message.url:
        lines.append(f"Open: {message.url}")
    lines += ["", f"-- sent by aiusage through the {config.name!r} channel"]
    mail.set_content("\n".join(lines) + "\n")
    return mail


class EmailNotifier:
    kind = "email"

    def __init__(self, config: NotifierConfig) -> None:
        self.name = config.name
        self.config = config

    async def send(self, message: Notification) -> None:
        password = None
        if self.config.options.get("username"):
            password = require_secret(self.config, "password_env", "SMTP password")
        mail = build_message(self.config, message)
        await asyncio.to_thread(self._send, mail, password)

    def _send(self, mail: EmailMessage, password: str | None) -> None:
        options = self.config.options
        host = str(options["host"])
        where = f"notifier {self.name} (email via {host}:{port(options)})"
        secrets = [password] if password else []
        try:
            self._exchange(mail, password)
        except NotifyError:
            raise
        except smtplib.SMTPAuthenticationError as exc:
            raise NotifyError(
                f"{where}: the server refused the login ({_said(exc, secrets)})",
                hint="check username and the password its password_env or keyring entry holds",
            ) from None
        except smtplib.SMTPRecipientsRefused as exc:
            refused = ", ".join(sorted(exc.recipients))
            raise NotifyError(
                f"{where}: the server refused the recipient(s) {refused}",
                hint="check the addresses in `to`",
            ) from None
        except smtplib.SMTPResponseException as exc:
            temporary = 400 <= exc.smtp_code < 500
            raise NotifyError(
                f"{where}: the server answered {_said(exc, secrets)}",
                hint="a temporary refusal; aiusage retries"
                if temporary
                else "check from, to and that the server relays for this account",
                retryable=temporary,
            ) from None
        except ssl.SSLCertVerificationError as exc:
            raise NotifyError(
                f"{where}: the server's TLS certificate is not trusted ({exc.verify_message})",
                hint="for a private CA, point ca_file at its certificate (PEM)",
            ) from None
        except ssl.SSLError as exc:
            raise NotifyError(
                f"{where}: STARTTLS failed ({exc.reason or type(exc).__name__})",
                hint="check the port: 587 speaks STARTTLS, 465 implicit TLS (not supported)",
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise NotifyError(
                f"{where}: {scrub(str(exc), secrets) or type(exc).__name__}",
                hint="check host and port, and that the server is reachable",
                retryable=True,
            ) from None

    def _exchange(self, mail: EmailMessage, password: str | None) -> None:
        options = self.config.options
        host = str(options["host"])
        context = ssl.create_default_context(cafile=options.get("ca_file") or None)
        with smtplib.SMTP(host, port(options), timeout=self.config.timeout_s) as smtp:
            smtp.ehlo()
            if options.get("starttls", True):
                if not smtp.has_extn("starttls"):
                    raise NotifyError(
                        f"notifier {self.name}: {host} does not offer STARTTLS",
                        hint="use the server's submission port (587); only for a server on "
                        "this machine set starttls = false",
                    )
                smtp.starttls(context=context)
                smtp.ehlo()
            if password is not None:
                smtp.login(str(options["username"]), password)
            smtp.send_message(mail)


def _said(exc: smtplib.SMTPResponseException, secrets: list[str]) -> str:
    text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else ""
    return f"{exc.smtp_code} {scrub(' '.join(text.split()), secrets)}".strip()


class EmailKind:
    kind = "email"
    description = "email over SMTP with STARTTLS"
    fields: Mapping[str, str] = {
        "host": "the SMTP server",
        "port": "its port (default 587 with STARTTLS, else 25)",
        "starttls": "upgrade to TLS before anything is sent (default true)",
        "username": "login name, when the server wants one",
        "password_env": "environment variable holding the password (else the keyring)",
        "from": "the sender address",
        "to": "recipient address or list of addresses",
        "subject_prefix": 'put before each subject (default "[aiusage]")',
        "ca_file": "PEM file of a private CA to trust for the server's certificate",
    }
    secret: str | None = "the SMTP password"
    secret_env: str | None = "password_env"

    def check(self, options: Mapping[str, Any], where: str) -> None:
        text_option(options, "host", where, required=True)
        text_option(options, "from", where, required=True)
        for name in ("username", "subject_prefix", "ca_file"):
            text_option(options, name, where, required=False)
        env_name(options, "password_env", where)
        to = recipients(options)
        if not to or not all("@" in a for a in to) or not isinstance(options["to"], str | list):
            raise ConfigError(
                f"{where}: to must be an address or a list of addresses",
                hint='e.g. to = ["me@example.com"]',
            )
        if "@" not in str(options["from"]):
            raise ConfigError(f"{where}: from must be an email address")
        value = options.get("port")
        if value is not None and not (isinstance(value, int) and 0 < value < 65536):
            raise ConfigError(f"{where}: port must be a number from 1 to 65535")
        starttls = options.get("starttls", True)
        if not isinstance(starttls, bool):
            raise ConfigError(f"{where}: starttls must be true or false")
        if options.get("password_env") and not options.get("username"):
            raise ConfigError(f"{where}: password_env is set but username is not")
        if not starttls and options.get("username") and options["host"] not in LOOPBACK:
            raise ConfigError(
                f"{where}: starttls = false would send the password in clear over the network",
                hint="keep starttls = true (port 587); plain SMTP is only for a local relay",
            )

    def build(self, config: NotifierConfig) -> EmailNotifier:
        return EmailNotifier(config)

    def target(self, config: NotifierConfig) -> str:
        to = ", ".join(recipients(config.options))
        return f"{to} via {config.options['host']}:{port(config.options)}"
