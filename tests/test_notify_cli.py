"""`aiusage notify …` as a user runs it: channels from the config file in AIUSAGE_HOME, a
test message to a real receiver on loopback, secrets through the keyring, a plugin's kind
— and no webhook token or HMAC secret in any output or file."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from aiusage.fake.server import FakeServer, Recorded, Reply

TOKEN = "T0CLI/B0CLI/cliWebhookTokenNeverShown"
SECRET = "cli-hmac-secret-never-shown"


class Receiver(FakeServer):
    """A webhook receiver on loopback: records requests, answers ``reply``."""

    def __init__(self, reply: Reply | None = None) -> None:
        super().__init__()
        self.reply = reply or Reply(200, "ok")

    def answer(self, request: Recorded) -> Reply:
        return self.reply


def aiusage(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aiusage", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def write_config(home: Path, text: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "config.toml"
    path.write_text(textwrap.dedent(text))
    return path


def test_list_and_test_channels_end_to_end(isolated_home: Path) -> None:
    ok, gone = Receiver(), Receiver(Reply(404, "no_service"))
    with ok, gone:
        env = {
            "TEAM_WEBHOOK": f"{ok.base_url}/services/{TOKEN}",
            "GONE_WEBHOOK": f"{gone.base_url}/services/{TOKEN}",
        }
        config = write_config(
            isolated_home,
            """
            [notifiers.team]
            type = "slack"
            url_env = "TEAM_WEBHOOK"
            min_severity = "warning"

            [notifiers.gone]
            type = "slack"
            url_env = "GONE_WEBHOOK"
            attempts = 1

            [notifiers.hook]
            type = "webhook"
            url = "http://127.0.0.1:9/aiusage"
            enabled = false
            """,
        )
        listed = aiusage("notify", "list", "--json", env=env)
        assert listed.returncode == 0, listed.stderr
        channels = {c["name"]: c for c in json.loads(listed.stdout)["channels"]}
        assert channels["team"] == {
            "name": "team",
            "type": "slack",
            "enabled": True,
            "min_severity": "warning",
            "target": ok.base_url.removeprefix("http://"),
            "secret": "env:TEAM_WEBHOOK (set)",
        }
        assert channels["hook"]["enabled"] is False and channels["hook"]["secret"] == "keyring"
        table = aiusage("notify", "list", env=env)
        assert "team" in table.stdout and "env:TEAM_WEBHOOK (set)" in table.stdout

        sent = aiusage("notify", "test", "team", env=env)
        assert sent.returncode == 0, sent.stderr
        assert sent.stdout.strip() == "ok: sent a test notification to team (slack, 1 attempt)"
        body = json.loads(ok.requests[0].body)
        assert body["blocks"][0]["text"]["text"] == "aiusage test notification"
        assert "'team' channel works" in body["text"]

        failed = aiusage("notify", "test", "gone", env=env)
        assert failed.returncode == 1
        assert "refused the message (404 Not Found: no_service) (1 attempt)" in failed.stderr
        assert "hint:" in failed.stderr and "new incoming webhook" in failed.stderr
        as_json = json.loads(aiusage("notify", "test", "gone", "--json", env=env).stdout)
        assert as_json["ok"] is False and as_json["attempts"] == 1

        unknown = aiusage("notify", "test", "nope", env=env)
        assert unknown.returncode == 2 and "no notification channel named 'nope'" in unknown.stderr
    for run in (listed, table, sent, failed, unknown):
        assert TOKEN.split("/")[-1] not in run.stdout + run.stderr
    assert "services" not in config.read_text()


def test_a_secret_goes_to_the_keyring_and_signs_the_test(isolated_home: Path) -> None:
    receiver = Receiver()
    with receiver as base:
        config = write_config(
            isolated_home,
            f"""
            [notifiers.hook]
            type = "webhook"
            url = "{base}/aiusage"
            """,
        )
        missing = aiusage("notify", "test", "hook")
        assert missing.returncode == 1 and "no HMAC secret is configured" in missing.stderr
        assert "aiusage notify secret hook" in missing.stderr

        stored = aiusage("notify", "secret", "hook", stdin=SECRET + "\n")
        assert stored.returncode == 0, stored.stderr
        assert "Stored the HMAC secret of hook in the OS keyring." in stored.stdout
        sent = aiusage("notify", "test", "hook")
        assert sent.returncode == 0, sent.stderr
        (request,) = receiver.requests
        stamp = request.headers["x-aiusage-timestamp"]
        mac = hmac.new(SECRET.encode(), stamp.encode() + b"." + request.body, hashlib.sha256)
        assert request.headers["x-aiusage-signature"] == "sha256=" + mac.hexdigest()

        removed = aiusage("notify", "secret", "hook", "--delete")
        assert "Removed the secret of hook" in removed.stdout
        assert aiusage("notify", "test", "hook").returncode == 1
    assert SECRET not in config.read_text()
    for path in isolated_home.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
    for run in (missing, stored, sent, removed):
        assert SECRET not in run.stdout + run.stderr


PLUGIN = '''
"""A third-party notifier kind: appends each notification to a file."""
import json

from aiusage.errors import ConfigError
from aiusage.hookspecs import hookimpl


class FileNotifier:
    kind = "jsonl"

    def __init__(self, config):
        self.name = config.name
        self.path = config.options["path"]

    async def send(self, message):
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(message.to_dict()) + "\\n")


class FileKind:
    kind = "jsonl"
    description = "append to a JSON-lines file"
    fields = {"path": "the file"}
    secret = None
    secret_env = None

    def check(self, options, where):
        if not isinstance(options.get("path"), str):
            raise ConfigError(f"{where}: path must be a file name")

    def build(self, config):
        return FileNotifier(config)

    def target(self, config):
        return config.options["path"]


@hookimpl
def register_notifiers():
    return [FileKind()]
'''


def test_a_plugin_adds_a_kind(isolated_home: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "aiusage_jsonl-0.1.dist-info").mkdir(parents=True)
    (site / "aiusage_jsonl.py").write_text(PLUGIN)
    info = site / "aiusage_jsonl-0.1.dist-info"
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: aiusage-jsonl\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[aiusage]\njsonl = aiusage_jsonl\n")
    out = tmp_path / "alerts.jsonl"
    write_config(isolated_home, f'[notifiers.log]\ntype = "jsonl"\npath = "{out}"\n')
    env = {k: v for k, v in os.environ.items() if k != "AIUSAGE_NO_PLUGINS"}
    env["PYTHONPATH"] = os.pathsep.join([str(site), env.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-m", "aiusage", "notify", "test", "log"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "(jsonl, 1 attempt)" in done.stdout
    (line,) = out.read_text().splitlines()
    assert json.loads(line)["title"] == "aiusage test notification"
