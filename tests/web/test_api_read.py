"""The read API on a seeded store (SQLite and PostgreSQL): every view answers in the
contract's shape, and its numbers agree with the core's reports and the CLI's --json."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import date, timedelta
from typing import Any

from aiusage.app import AppContext, Period, ReportOptions, open_app
from aiusage.store.db import redact_url


def _app(url: str) -> Any:
    return open_app(AppContext(database_url=url))


def test_overview_cards_and_totals_agree_with_the_summary(api: Any, database_url: str) -> None:
    body = api.get("/api/v1/overview").json()
    cards = {c["name"]: c for c in body["cards"]}
    assert set(cards) == {"claude-code", "codex", "openai-work"}
    assert cards["openai-work"]["kind"] == "account"
    assert cards["openai-work"]["provider"] == "openai"
    assert cards["openai-work"]["balance"] == {"value": 12.5, "unit": "USD"}
    assert cards["claude-code"]["kind"] == "agent"
    assert cards["claude-code"]["provider"] == "anthropic"
    # Codex's official 5-hour window at 97% is past the critical threshold (95%).
    codex = cards["codex"]
    assert codex["status"] == "critical" and "97%" in codex["message"]
    assert codex["limits"][0]["window"] == "primary" and codex["limits"][0]["kind"] == "official"
    assert body["status"] == "critical"
    assert body["cards"][0]["name"] == "codex"  # worst first

    app = _app(database_url)
    try:
        summary = app.summary()
    finally:
        app.close()
    for name, card in cards.items():
        month = summary.periods["month"].get(name)
        today = summary.periods["today"].get(name)
        assert round(card["month_usd"], 6) == round(month.cost_usd if month else 0, 6)
        assert round(card["today_usd"], 6) == round(today.cost_usd if today else 0, 6)
        assert card["tokens_month"] == (month.total_tokens if month else 0)
        assert card["requests_month"] == (month.requests if month else 0)
        assert len(card["sparkline"]) == 14
    totals = body["totals"]
    assert round(totals["month_usd"], 6) == round(
        sum(t.cost_usd for t in summary.periods["month"].values()), 6
    )
    assert round(totals["week_usd"], 6) == round(
        sum(t.cost_usd for t in summary.periods["week"].values()), 6
    )


def test_history_series_match_the_daily_report(api: Any, database_url: str) -> None:
    body = api.get("/api/v1/history", params={"range": "30d"}).json()
    assert body["bucket"] == "day" and len(body["buckets"]) == 30
    app = _app(database_url)
    try:
        first = date.fromisoformat(body["buckets"][0][:10])
        report = app.report(Period.DAILY, ReportOptions(since=first, until=first + timedelta(29)))
    finally:
        app.close()
    series = {s["name"]: s["values"] for s in body["series"]}
    assert set(series) == {"claude-code", "codex", "openai-work"}
    total_report = round(report.totals.cost_usd, 4)
    assert round(sum(sum(v) for v in series.values()), 4) == total_report
    assert round(body["totals"]["usd"], 4) == total_report
    assert len(body["calendar"]) == 365
    assert round(sum(d["usd"] for d in body["calendar"]), 4) == total_report
    providers = {p["provider"]: p for p in body["by_provider"]}
    assert set(providers) == {"anthropic", "openai"}
    assert {m["model"] for m in providers["openai"]["models"]} == {"gpt-5", "gpt-4.1-mini"}
    assert body["efficiency"]["cost_per_request"] > 0
    assert 0 < body["efficiency"]["output_per_input"] < 1
    assert body["compare"]["current_usd"] == body["totals"]["usd"]

    by_model = api.get(
        "/api/v1/history",
        params={"range": "7d", "group": "model", "metric": "tokens", "source": "codex"},
    ).json()
    assert [s["name"] for s in by_model["series"]] == ["gpt-5"]
    hourly = api.get("/api/v1/history", params={"range": "24h", "metric": "requests"}).json()
    assert hourly["bucket"] == "hour" and len(hourly["buckets"]) == 24
    assert sum(sum(s["values"]) for s in hourly["series"]) == 6  # 3 sources x 2 requests
    custom = api.get("/api/v1/history", params={"range": "custom", "since": "2020-01-01"})
    assert len(custom.json()["calendar"]) == 365
    assert custom.status_code == 200


def test_history_refuses_bad_ranges_with_a_hint(api: Any) -> None:
    no_since = api.get("/api/v1/history", params={"range": "custom"})
    assert no_since.status_code == 200 and len(no_since.json()["buckets"]) == 30
    not_a_day = api.get("/api/v1/history", params={"range": "custom", "since": "0"})
    assert not_a_day.status_code == 422 and "YYYY-MM-DD" in not_a_day.json()["detail"]
    too_long = api.get("/api/v1/history", params={"range": "custom", "since": "1990-01-01"})
    assert too_long.status_code == 400 and "at most" in too_long.json()["detail"]
    swapped = api.get(
        "/api/v1/history", params={"range": "custom", "since": "2025-02-01", "until": "2025-01-01"}
    )
    assert swapped.status_code == 400 and "swap" in swapped.json()["hint"]
    wrong = api.get("/api/v1/history", params={"range": "1y"})
    assert wrong.status_code == 422 and "range" in wrong.json()["detail"]


def test_cli_shaped_views_equal_the_cli_json(api: Any, database_url: str) -> None:
    put = api.put("/api/v1/budgets/monthly", json={"limit": 5, "period": "monthly"})
    assert put.status_code == 200, put.text
    api_budgets = api.get("/api/v1/budgets").json()
    cli_budgets = _cli(database_url, "budgets", "--json", "--no-refresh")
    assert api_budgets == cli_budgets
    assert api_budgets["budgets"][0]["state"] == "exceeded"

    alerts = api.post("/api/v1/alerts/check").json()
    assert any(f["key"] == "budget:monthly" for f in alerts["fired"])
    api_log = api.get("/api/v1/alerts", params={"limit": 10}).json()
    assert api_log["alerts"] == _cli(database_url, "alerts", "--json", "--limit", "10")["alerts"]

    status = _cli(database_url, "status", "--json")["accounts"]
    accounts = api.get("/api/v1/accounts").json()["accounts"]
    for mine, theirs in zip(accounts, status, strict=True):
        assert {k: mine[k] for k in theirs} == theirs
        assert mine["key"] == "env:OPENAI_WORK_KEY" and mine["interval"] == 300

    limits = api.get("/api/v1/limits").json()
    cli_limits = _cli(database_url, "limits", "--json", "--no-refresh", "--no-fetch")
    assert _timeless(limits["windows"]) == _timeless(cli_limits["limits"])
    assert limits["blocks"] and {"agent", "start", "end", "is_active"} <= set(limits["blocks"][0])

    # The dashboard forecasts from its in-memory day sums; the CLI from a rollup query.
    for params, flags in (({}, ()), ({"source": "codex"}, ("--source", "codex"))):
        forecast = api.get("/api/v1/forecast", params=params).json()
        assert forecast["forecasts"][-1]["scope"] == "total"
        cli_forecast = _cli(database_url, "forecast", "--json", "--no-refresh", *flags)
        assert _expected(forecast) == _expected(cli_forecast)
        assert len(_expected(forecast)) == (2 if params else 4)
    anomalies = api.get("/api/v1/anomalies", params={"days": 10}).json()
    assert anomalies["granularity"] == "day" and anomalies["days"] == 10
    providers = {p["name"]: p for p in api.get("/api/v1/providers").json()["providers"]}
    assert providers["openai"]["key_required"] is True


def test_settings_show_where_things_are_without_secrets(api: Any, database_url: str) -> None:
    body = api.get("/api/v1/settings").json()
    assert body["collector"]["state"] == "off"
    assert body["alerts"]["rules"]["limit"] == {"enabled": True, "warning": 80.0, "critical": 95.0}
    assert body["database"]["size_bytes"] > 0
    assert body["database"]["url"] == redact_url(database_url)
    assert body["cost_mode"] == "auto" and body["start_of_week"] == "monday"


def test_export_csv_and_json_of_a_filtered_view(api: Any) -> None:
    since = (date.today() - timedelta(days=6)).isoformat()
    got = api.get("/api/v1/export", params={"format": "csv", "since": since, "source": "codex"})
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("text/csv")
    assert "attachment" in got.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(got.text)))
    assert rows and {r["source"] for r in rows} == {"codex"}
    assert all(r["date"] >= since for r in rows)
    assert rows[0]["provider"] == "openai" and rows[0]["model"] == "gpt-5"
    as_json = api.get("/api/v1/export", params={"format": "json", "source": "codex"}).json()
    assert len(as_json["rows"]) == 20
    assert sum(r["cost_usd"] for r in as_json["rows"]) == 20.0
    project = api.get("/api/v1/export", params={"format": "json", "project": "none"}).json()
    assert project["rows"] == []


def test_metrics_are_prometheus_text_from_one_table(api: Any) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    got = api.get("/metrics")
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(got.text)}
    assert {"aiusage_cost_usd", "aiusage_tokens", "aiusage_requests"} <= set(families)
    assert families["aiusage_cost_usd"].type == "counter"
    assert "Unit: USD" in families["aiusage_cost_usd"].documentation
    cost = {s.labels["source"]: 0.0 for s in families["aiusage_cost_usd"].samples}
    for s in families["aiusage_cost_usd"].samples:
        if s.name == "aiusage_cost_usd_total":
            cost[s.labels["source"]] += s.value
    assert cost == {"claude-code": 10.0, "codex": 20.0, "openai-work": 30.0}
    ratios = {
        (s.labels["source"], s.labels["window"]): s.value
        for s in families["aiusage_limit_used_ratio"].samples
    }
    assert ratios[("codex", "primary")] == 0.97
    up = families["aiusage_account_up"].samples
    assert [(s.labels["account"], s.labels["status"], s.value) for s in up] == [
        ("openai-work", "never_collected", 0.0)
    ]


def test_every_metric_is_documented() -> None:
    from pathlib import Path

    from aiusage.dashboard.metrics import METRICS

    docs = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text()
    for metric in METRICS:
        assert f"`{metric.name}`" in docs, f"{metric.name} missing from docs/configuration.md"


def _expected(report: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    return {
        r["scope"]: (r["spent_usd"], r["expected_usd"], r["low_usd"], r["high_usd"], r["method"])
        for r in report["forecasts"]
    }


def _timeless(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An estimate is observed 'now': the two requests ran a moment apart."""
    return [
        {k: v for k, v in r.items() if r["kind"] == "official" or k != "observed_at"} for r in rows
    ]


def _cli(database_url: str, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "aiusage", *args, "--database", database_url],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result
