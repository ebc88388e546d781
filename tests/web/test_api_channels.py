"""Notification channels from the Settings page: a sample alert through a real receiver
on loopback, its failure explained, and no webhook token in any answer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aiusage.fake.server import FakeServer, Recorded, Reply

TOKEN = "T0WEB/B0WEB/webWebhookTokenNeverShown"


class Receiver(FakeServer):
    def __init__(self, reply: Reply) -> None:
        super().__init__()
        self.reply = reply

    def answer(self, request: Recorded) -> Reply:
        return self.reply


def test_send_a_test_alert_from_settings(api: Any, isolated_home: Path, monkeypatch: Any) -> None:
    ok, gone = Receiver(Reply(200, "ok")), Receiver(Reply(404, "no_service"))
    with ok, gone:
        monkeypatch.setenv("TEAM_WEBHOOK", f"{ok.base_url}/services/{TOKEN}")
        monkeypatch.setenv("GONE_WEBHOOK", f"{gone.base_url}/services/{TOKEN}")
        with (isolated_home / "config.toml").open("a") as f:
            f.write(
                '\n[notifiers.team]\ntype = "slack"\nurl_env = "TEAM_WEBHOOK"\n'
                '\n[notifiers.gone]\ntype = "slack"\nurl_env = "GONE_WEBHOOK"\nattempts = 1\n'
            )
        listed = api.get("/api/v1/settings").json()["notifiers"]
        assert {n["name"] for n in listed} == {"team", "gone"}

        sent = api.post("/api/v1/notifiers/team/test")
        assert sent.status_code == 200, sent.text
        assert sent.json()["ok"] is True and sent.json()["attempts"] == 1
        assert "aiusage test notification" in json.dumps(json.loads(ok.requests[0].body))

        failed = api.post("/api/v1/notifiers/gone/test").json()
        assert failed["ok"] is False and "404" in failed["message"] and failed["hint"]

        missing = api.post("/api/v1/notifiers/nobody/test")
        assert missing.status_code == 404 and "settings" in missing.json()["hint"]
        for reply in (sent.text, json.dumps(failed), json.dumps(listed)):
            assert TOKEN not in reply
