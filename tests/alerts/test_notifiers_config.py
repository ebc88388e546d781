"""``[notifiers.NAME]`` tables: what is accepted, what is refused (with the fix), and that
``notify`` honours enabled and min_severity against a real receiver."""

from __future__ import annotations

import asyncio
import tomllib
from pathlib import Path

import pytest
from notif_receivers import Receiver, message

from aiusage.alerts.notifiers import NotifierConfig, notify, parse_notifiers
from aiusage.errors import ConfigError
from aiusage.plugins import BUILTIN_NOTIFIERS, notifier_kind, notifier_kinds

PATH = Path("/home/me/.local/share/aiusage/config.toml")
EXAMPLE = """
[notifiers.me]
type = "desktop"

[notifiers.team]
type = "slack"
url_env = "SLACK_WEBHOOK"
min_severity = "warning"

[notifiers.gamers]
type = "discord"
enabled = false

[notifiers.hook]
type = "webhook"
url = "https://alerts.example.com/aiusage"
secret_env = "AIUSAGE_HOOK_SECRET"
timeout = "30s"
attempts = 5

[notifiers.mail]
type = "email"
host = "smtp.example.com"
port = 587
username = "alerts@example.com"
password_env = "SMTP_PASSWORD"
from = "alerts@example.com"
to = ["me@example.com"]
min_severity = "critical"
"""


def parse(text: str) -> dict[str, NotifierConfig]:
    return parse_notifiers(tomllib.loads(text).get("notifiers"), PATH)


def test_the_documented_example_parses() -> None:
    found = parse(EXAMPLE)
    assert {n: c.kind for n, c in found.items()} == {
        "me": "desktop",
        "team": "slack",
        "gamers": "discord",
        "hook": "webhook",
        "mail": "email",
    }
    assert found["team"].min_severity == "warning" and found["team"].options == {
        "url_env": "SLACK_WEBHOOK"
    }
    assert not found["gamers"].enabled
    assert (found["hook"].timeout_s, found["hook"].attempts) == (30.0, 5)
    assert (found["me"].timeout_s, found["me"].attempts, found["me"].enabled) == (10.0, 3, True)
    assert parse_notifiers(None, PATH) == {} and parse_notifiers({}, PATH) == {}


def test_the_docs_show_this_example() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "configuration.md").read_text()
    assert EXAMPLE.strip() in docs


@pytest.mark.parametrize(
    ("table", "error", "hint"),
    [
        ('type = "pager"', "unknown type 'pager'", "desktop, slack, discord, webhook, email"),
        ("min_severity = 'warning'", 'needs type = "…"', "one of: desktop"),
        (
            'type = "slack"\nurl = "https://hooks.slack.com/services/T/B/x"',
            "carries its token",
            "url_env",
        ),
        ('type = "slack"\ntoken = "abc"', "'token' would put a secret", "token_env"),
        (
            'type = "slack"\nurl_env = "https://hooks.slack.com/x"',
            "must name an environment",
            "AIUSAGE_URL_ENV",
        ),
        ('type = "slack"\nchannel = "#ops"', "unknown field(s) channel", "url_env"),
        ('type = "desktop"\nmin_severity = "loud"', "min_severity must be one of", ""),
        ('type = "desktop"\nenabled = "yes"', "enabled must be true or false", ""),
        ('type = "desktop"\nattempts = 0', "attempts must be a whole number", ""),
        ('type = "desktop"\ntimeout = "soon"', "is not a duration", ""),
        ('type = "webhook"', "url or url_env", "https://"),
        (
            'type = "webhook"\nurl = "https://x.example/h?token=abc"',
            "looks like a credential",
            "url_env",
        ),
        ('type = "webhook"\nurl = "https://u:p@x.example/h"', "user name or password", ""),
        (
            'type = "webhook"\nurl = "https://hooks.slack.com/services/a"',
            "carries its token",
            'type = "slack"',
        ),
        (
            'type = "webhook"\nurl = "https://x.example/h"\nsign = false\nsecret_env = "S"',
            "sign = false",
            "",
        ),
        ('type = "email"\nhost = "h"\nfrom = "a@b"', "to must be an address", "to = ["),
        ('type = "email"\nhost = "h"\nfrom = "a@b"\nto = "c@d"\nport = 0', "port must be", ""),
        (
            'type = "email"\nhost = "h"\nfrom = "a@b"\nto = "c@d"\npassword_env = "P"',
            "username is not",
            "",
        ),
    ],
)
def test_mistakes_are_refused_with_the_fix(table: str, error: str, hint: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(f"[notifiers.x]\n{table}\n")
    assert error in str(caught.value.args[0]) and hint in (caught.value.hint or "")
    assert str(PATH) in caught.value.args[0] or "[notifiers.x]" in caught.value.args[0]


def test_bad_names_and_shapes() -> None:
    with pytest.raises(ConfigError, match="names use"):
        parse_notifiers({"Bad Name": {"type": "desktop"}}, PATH)
    with pytest.raises(ConfigError, match="must be a table"):
        parse_notifiers(["x"], PATH)


def test_builtin_kinds_are_registered_like_plugins() -> None:
    kinds = notifier_kinds()
    assert (
        list(kinds)
        == list(BUILTIN_NOTIFIERS)
        == ["desktop", "slack", "discord", "webhook", "email"]
    )
    for name, kind in kinds.items():
        assert kind.kind == name and kind.description and set(kind.fields)
        assert (kind.secret is None) == (kind.secret_env is None)
        assert notifier_kind(name).__class__ is kind.__class__
    assert notifier_kind("pager") is None


def test_notify_honours_enabled_and_min_severity(monkeypatch: pytest.MonkeyPatch) -> None:
    server = Receiver()
    with server as base:
        monkeypatch.setenv("CH_URL", f"{base}/any")
        tables = {
            name: {"type": "webhook", "url_env": "CH_URL", "sign": False, **extra}
            for name, extra in {
                "all": {},
                "warn": {"min_severity": "warning"},
                "crit": {"min_severity": "critical"},
                "off": {"enabled": False},
            }.items()
        }
        configs = parse_notifiers(tables, PATH)
        got = {
            severity: [r.channel for r in asyncio.run(notify(configs, message(severity)))]
            for severity in ("info", "warning", "critical")
        }
    assert got == {
        "info": ["all"],
        "warning": ["all", "warn"],
        "critical": ["all", "warn", "crit"],
    }
    assert len(server.requests) == 6
