"""Retention through the API: the settings page sets it, and prune previews then deletes
old raw records while every total the pages show stays the same."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from webtools import DAY_MS, now_ms

from aiusage.records import UsageEvent
from aiusage.store import open_store


def _add_old_events(url: str) -> None:
    store = open_store(url)
    store.add_events(
        UsageEvent(
            ts_ms=now_ms() - (100 + d) * DAY_MS,
            source="claude-code",
            dedup_key=f"old-{d}",
            model="claude-sonnet-4-5",
            input_tokens=500,
            output_tokens=50,
            reported_cost_usd=1.0,
        )
        for d in range(10)
    )
    store.close()


def _spent_since_last_year(api: Any) -> tuple[float, int]:
    since = time.strftime("%Y-%m-%d", time.gmtime(now_ms() / 1000 - 300 * 86400))
    history = api.get("/api/v1/history", params={"range": "custom", "since": since}).json()
    return history["totals"]["usd"], history["totals"]["tokens"]


def test_retention_is_set_from_settings_and_prune_keeps_totals(
    api: Any, database_url: str, isolated_home: Path
) -> None:
    _add_old_events(database_url)
    saved = api.put("/api/v1/settings", json={"retention": "60d"})
    assert saved.status_code == 200, saved.text
    retention = saved.json()["settings"]["retention"]
    assert retention["setting"] == "60d" and retention["days"] == 60
    assert retention["last_prune"] is None and retention["oldest_event"] is not None
    assert 'retention = "60d"' in (isolated_home / "config.toml").read_text()

    preview = api.post("/api/v1/prune", json={"dry_run": True})
    assert preview.status_code == 200, preview.text
    assert preview.json()["usage_events"] == 10 and preview.json()["dry_run"] is True
    before = _spent_since_last_year(api)
    assert before[0] >= 10  # the old records are in the range

    done = api.post("/api/v1/prune", json={"vacuum": True}).json()
    assert done["usage_events"] == 10 and done["older_than_days"] == 60
    assert api.post("/api/v1/prune", json={"dry_run": True}).json()["total"] == 0
    assert _spent_since_last_year(api) == before
    after = api.get("/api/v1/settings").json()["retention"]
    assert after["last_prune"] is not None and after["pruned_before"] is not None

    cleared = api.put("/api/v1/settings", json={"retention": ""}).json()["settings"]
    assert cleared["retention"]["days"] is None
    assert "retention" not in (isolated_home / "config.toml").read_text()


def test_prune_refuses_what_would_hurt(api: Any) -> None:
    too_short = api.post("/api/v1/prune", json={"older_than_days": 7})
    assert too_short.status_code == 422 and "older_than_days" in too_short.text
    nothing_set = api.post("/api/v1/prune", json={"dry_run": True})
    assert nothing_set.status_code == 400
    assert "retention" in nothing_set.json()["hint"]
    bad = api.put("/api/v1/settings", json={"retention": "10d"})
    assert bad.status_code in (400, 422) and "30" in bad.text
