"""Actions through the API: budgets, alerts, accounts against a fake provider on loopback,
collection, settings and CSV import — each as the pages send it (CSRF cookie echoed)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from aiusage.fake.catalog import Fleet


def test_budget_put_then_delete_writes_the_config_file(api: Any, isolated_home: Path) -> None:
    saved = api.put(
        "/api/v1/budgets/codex-weekly",
        json={"limit": 100, "period": "weekly", "scope": "agent:codex", "warn": 50},
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["scope"] == "agent:codex" and saved.json()["warn_percent"] == 50
    assert "[budgets.codex-weekly]" in (isolated_home / "config.toml").read_text()
    cards = {c["name"]: c for c in api.get("/api/v1/overview").json()["cards"]}
    assert [b["name"] for b in cards["codex"]["budgets"]] == ["codex-weekly"]
    assert cards["claude-code"]["budgets"] == []

    bad_scope = api.put("/api/v1/budgets/x", json={"limit": 1, "scope": "planet:mars"})
    assert bad_scope.status_code == 400 and bad_scope.json()["hint"]
    negative = api.put("/api/v1/budgets/x", json={"limit": -1})
    assert negative.status_code == 422 and "limit" in negative.json()["detail"]
    unknown_field = api.put("/api/v1/budgets/x", json={"limit": 1, "colour": "red"})
    assert unknown_field.status_code == 422 and "colour" in unknown_field.json()["detail"]
    bad_name = api.put("/api/v1/budgets/Bad Name!", json={"limit": 1})
    assert bad_name.status_code == 422

    assert api.delete("/api/v1/budgets/codex-weekly").json()["ok"] is True
    assert api.get("/api/v1/budgets").json() == {"budgets": []}
    gone = api.delete("/api/v1/budgets/codex-weekly")
    assert gone.status_code == 404 and "no budget named" in gone.json()["detail"]


def test_alerts_pause_resume_and_check(api: Any) -> None:
    paused = api.post("/api/v1/alerts/pause", json={"duration": "2h"}).json()
    assert paused["paused_until"]
    assert api.get("/api/v1/alerts").json()["paused_until"] == paused["paused_until"]
    assert api.post("/api/v1/alerts/resume").json() == {"paused_until": None}
    assert api.get("/api/v1/alerts").json()["paused_until"] is None
    bad = api.post("/api/v1/alerts/pause", json={"duration": "soon"})
    assert bad.status_code == 422
    checked = api.post("/api/v1/alerts/check").json()
    # Codex's window is at 97%: the limit rule fires, critical.
    assert any(f["key"].startswith("limit:codex") for f in checked["fired"])
    log = api.get("/api/v1/alerts").json()["alerts"]
    assert log and log[0]["severity"] == "critical" and log[0]["fired_at"]


@pytest.fixture
def fake_openai() -> Any:
    fleet = Fleet(["openai"], now_ms=int(time.time() * 1000), days=3)
    (account,) = fleet.start()
    yield account
    fleet.stop()


def test_account_lifecycle_against_a_fake_provider(api: Any, fake_openai: Any) -> None:
    added = api.post(
        "/api/v1/accounts",
        json={
            "provider": "openai",
            "name": "openai-fake",
            "base_url": fake_openai.base_url,
            "key": fake_openai.key,
            "interval": "5m",
        },
    )
    assert added.status_code == 201, added.text
    assert added.json() == {"name": "openai-fake", "provider": "openai", "warnings": []}
    tested = api.post("/api/v1/accounts/openai-fake/test").json()
    assert tested["ok"] is True and tested["message"]
    collected = api.post("/api/v1/collect", json={"account": ["openai-fake"]}).json()
    (result,) = collected["results"]
    assert result["status"] == "ok" and result["events"] > 0
    cards = {c["name"]: c for c in api.get("/api/v1/overview").json()["cards"]}
    assert cards["openai-fake"]["month_usd"] > 0 and cards["openai-fake"]["last_success"]
    rows = {a["name"]: a for a in api.get("/api/v1/accounts").json()["accounts"]}
    assert rows["openai-fake"]["status"] == "ok" and rows["openai-fake"]["key"] == "keyring"
    assert rows["openai-fake"]["interval"] == 300

    # Edit: a new interval, the key left out (it stays in the keyring), still works.
    changed = api.put(
        "/api/v1/accounts/openai-fake",
        json={"provider": "openai", "base_url": fake_openai.base_url, "interval": "10m"},
    )
    assert changed.status_code == 200, changed.text
    rows = {a["name"]: a for a in api.get("/api/v1/accounts").json()["accounts"]}
    assert rows["openai-fake"]["interval"] == 600 and rows["openai-fake"]["key"] == "keyring"
    assert api.post("/api/v1/accounts/openai-fake/test").json()["ok"] is True
    nowhere = api.put("/api/v1/accounts/nobody", json={"provider": "openai"})
    assert nowhere.status_code == 404

    assert api.post("/api/v1/accounts/openai-fake/disable").json()["ok"]
    rows = {a["name"]: a for a in api.get("/api/v1/accounts").json()["accounts"]}
    assert rows["openai-fake"]["enabled"] is False and rows["openai-fake"]["status"] == "disabled"
    assert api.post("/api/v1/accounts/openai-fake/enable").json()["ok"]
    assert api.delete("/api/v1/accounts/openai-fake").json()["ok"]
    missing = api.post("/api/v1/accounts/openai-fake/test")
    assert missing.status_code == 404 and missing.json()["hint"]

    duplicate = api.post(
        "/api/v1/accounts", json={"provider": "openai", "name": "openai-work", "key_env": "K"}
    )
    assert duplicate.status_code == 400 and "exists already" in duplicate.json()["detail"]
    unknown = api.post("/api/v1/accounts", json={"provider": "nope", "name": "x", "key": "k"})
    assert unknown.status_code == 400 and "no provider" in unknown.json()["detail"]
    secret_option = api.post(
        "/api/v1/accounts",
        json={"provider": "openai", "name": "y", "key_env": "K", "options": {"api_key": "v"}},
    )
    assert secret_option.status_code == 400 and "env" in secret_option.json()["hint"]

    # Options the edit form does not show are kept unless the change names them.
    with_options = api.post(
        "/api/v1/accounts",
        json={"provider": "vllm", "name": "gpu", "options": {"watts": "300", "usd_per_kwh": "0.3"}},
    )
    assert with_options.status_code == 201, with_options.text
    assert api.put("/api/v1/accounts/gpu", json={"provider": "vllm", "interval": "2m"}).is_success
    rows = {a["name"]: a for a in api.get("/api/v1/accounts").json()["accounts"]}
    assert rows["gpu"]["options"] == {"watts": "300", "usd_per_kwh": "0.3"}
    assert rows["gpu"]["interval"] == 120
    api.put("/api/v1/accounts/gpu", json={"provider": "vllm", "options": {}})
    rows = {a["name"]: a for a in api.get("/api/v1/accounts").json()["accounts"]}
    assert rows["gpu"]["options"] == {}


def test_a_failing_account_test_says_why_without_an_error_status(api: Any) -> None:
    failed = api.post("/api/v1/accounts/openai-work/test").json()
    assert failed["ok"] is False
    assert "OPENAI_WORK_KEY" in failed["message"] and failed["hint"]


def test_settings_put_changes_only_the_safe_subset(api: Any, isolated_home: Path) -> None:
    saved = api.put(
        "/api/v1/settings",
        json={
            "timezone": "Europe/Paris",
            "start_of_week": "sunday",
            "alerts": {
                "cooldown_s": 1800,
                "dnd": "22:00-07:00",
                "rules": {"limit": {"warning": 70}, "spike": {"enabled": False}},
            },
        },
    )
    assert saved.status_code == 200, saved.text
    settings = saved.json()["settings"]
    assert settings["timezone"] == "Europe/Paris" and settings["start_of_week"] == "sunday"
    assert settings["alerts"]["cooldown_s"] == 1800 and settings["alerts"]["dnd"] == "22:00-07:00"
    assert settings["alerts"]["rules"]["limit"]["warning"] == 70
    assert settings["alerts"]["rules"]["spike"]["enabled"] is False
    text = (isolated_home / "config.toml").read_text()
    assert 'timezone = "Europe/Paris"' in text and 'cooldown = "30m"' in text
    assert "[accounts.openai-work]" in text  # the rest of the file is kept
    assert api.get("/api/v1/overview").json()["generated_at"].endswith(("+01:00", "+02:00"))

    cleared = api.put("/api/v1/settings", json={"alerts": {"dnd": None}, "timezone": None})
    assert cleared.json()["settings"]["alerts"]["dnd"] is None
    assert "timezone" not in (isolated_home / "config.toml").read_text().split("[")[0]

    for body in (
        {"timezone": "Mars/Olympus"},
        {"alerts": {"rules": {"limit": {"warning": 99, "critical": 50}}}},
    ):
        refused = api.put("/api/v1/settings", json=body)
        assert refused.status_code == 400, body
    for body in (
        {"database_url": "sqlite:///elsewhere.db"},
        {"alerts": {"dnd": "late"}},
        {"alerts": {"cooldown_s": 5}},
    ):
        assert api.put("/api/v1/settings", json=body).status_code == 422, body


def test_csv_import_adds_manual_entries_once(api: Any) -> None:
    today = time.strftime("%Y-%m-%d")
    text = (
        "date,source,model,cost_usd,input_tokens,output_tokens,requests,note\n"
        f"{today},ChatGPT Plus,,20,,,1,monthly subscription\n"
        f"{today},cursor,claude,12.5,1000,200,30,\n"
    )
    headers = {"Content-Type": "text/csv"}
    first = api.post("/api/v1/import", content=text.encode(), headers=headers).json()
    assert first == {"rows": 2, "added": 2, "sources": ["manual:chatgpt-plus", "manual:cursor"]}
    again = api.post("/api/v1/import", content=text.encode(), headers=headers).json()
    assert again["added"] == 0
    cards = {c["name"]: c for c in api.get("/api/v1/overview").json()["cards"]}
    assert cards["manual:chatgpt-plus"]["today_usd"] == 20.0
    assert cards["manual:cursor"]["requests_month"] == 30

    for bad, words in (
        ("source,cost_usd\nx,1\n", "date"),
        ("date,source,colour\n2025-01-01,x,red\n", "colour"),
        ("date,source,cost_usd\n01/02/2025,x,1\n", "line 2"),
        ("date,source,cost_usd\n2025-01-01,x,-3\n", "line 2"),
        ("date,source\n", "no rows"),
    ):
        refused = api.post("/api/v1/import", content=bad.encode(), headers=headers)
        assert refused.status_code == 400 and words in refused.json()["detail"], bad
