"""`aiusage advise` and `aiusage whatif` as a user runs them: real Claude Code log lines in
CLAUDE_CONFIG_DIR, a real store (SQLite and PostgreSQL), a real process; every figure is
checked against the price table, request by request."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from aiusage.pricing import PriceBook
from logs_factory import OPUS, SONNET, claude_file, claude_line

# (model, time, uncached input, output, cache read, cache write 5m, cache write 1h)
LINES = [
    (OPUS, "2026-11-03T09:00:00Z", 3, 1_200, 48_000, 2_000, 0),
    (OPUS, "2026-11-03T15:30:00Z", 8, 2_400, 61_000, 0, 4_000),
    (OPUS, "2026-11-04T10:00:00Z", 1, 300, 52_000, 500, 0),
    (SONNET, "2026-11-04T11:00:00Z", 2, 900, 30_000, 1_500, 0),
    (SONNET, "2026-11-05T11:00:00Z", 4, 700, 226_000, 3_000, 0),  # over Sonnet's 200k tier
]
SINCE = ("--since", "2026-11-01", "--until", "2026-11-07", "--tz", "UTC")
BOOK = PriceBook()


def billed(model: str, day: str, only: str | None = None) -> float:
    """The price table's charge for the logged requests (of ``only``) at ``model``."""
    rates = BOOK.rates(model, day)
    assert rates is not None, model
    return sum(
        rates.cost(i, o, cr, w5, w1)
        for used, _, i, o, cr, w5, w1 in LINES
        if only is None or used == only
    )


@pytest.fixture
def logs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "claude"
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(root))
    lines = [
        claude_line(
            ts=ts,
            msg_id=f"msg_{n}",
            req_id=f"req_{n}",
            model=model,
            input_tokens=i,
            output_tokens=o,
            cache_read=cr,
            cache_creation=w5 + w1,
            ephemeral_5m=w5,
            ephemeral_1h=w1,
        )
        for n, (model, ts, i, o, cr, w5, w1) in enumerate(LINES)
    ]
    claude_file(root, "-home-dev-work-shop", "sess-1", lines)
    return root


def aiusage(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aiusage", *args, "--database", database_url],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
    )


def run_json(database_url: str, *args: str) -> Any:
    done = aiusage(database_url, *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_advise_prices_each_used_model_and_its_alternatives_at_the_logged_requests(
    logs: Path, database_url: str
) -> None:
    data = run_json(database_url, "advise", *SINCE, "--source", "claude", "--also", "gpt-5-nano")
    day = data["prices_as_of"]
    assert data["since"] == "2026-11-01" and data["sources"] == ["claude-code"]
    assert "Prices only" in data["note"] and data["unpriced_models"] == []
    models = {m["model"]: m for m in data["models"]}
    assert set(models) == {OPUS, SONNET}
    for model, m in models.items():
        own = billed(model, day, only=model)
        assert m["cost_usd"] == pytest.approx(own, abs=1e-6)
        assert m["recorded_usd"] == pytest.approx(own, abs=1e-6)  # no price change since
        assert m["alternatives"], model
        for alt in m["alternatives"]:
            expected = billed(alt["model"], day, only=model)
            assert alt["cost_usd"] == pytest.approx(expected, abs=1e-6)
            assert alt["saving_usd"] == pytest.approx(own - expected, abs=1e-6)
            assert alt["saving_pct"] == pytest.approx(100 * (own - expected) / own, abs=0.01)
        assert "gpt-5-nano" in {a["model"] for a in m["alternatives"]}
    assert models[SONNET]["tokens"]["cache_read_tokens"] == 256_000
    assert models[SONNET]["tokens"]["requests"] == 2
    assert any("for 1 of these requests" in c for c in models[SONNET]["caveats"])
    best = sum(m["alternatives"][0]["saving_usd"] for m in data["models"])
    assert data["best_saving_usd"] == pytest.approx(best, abs=1e-5)

    table = aiusage(database_url, "advise", *SINCE, "--no-refresh")
    assert table.returncode == 0, table.stderr
    assert "Cheaper models at your token mix" in table.stdout and "Prices only" in table.stdout
    assert OPUS in table.stdout and "claude-sonnet-4-5" in table.stdout


def test_whatif_recomputes_past_spend_at_another_models_prices(
    logs: Path, database_url: str
) -> None:
    data = run_json(
        database_url, "whatif", "--from", "claude-opus-4-5", "--to", "gpt-5", *SINCE, "--daily"
    )
    assert data["from"] == [OPUS] and data["to"] == "gpt-5"
    days = {d["date"]: d for d in data["days"]}
    assert set(days) == {"2026-11-03", "2026-11-04"}
    for day, d in days.items():
        mine = [line for line in LINES if line[0] == OPUS and line[1].startswith(day)]
        old = sum(BOOK.rates(OPUS, day).cost(*line[2:]) for line in mine)  # type: ignore[union-attr]
        new = sum(BOOK.rates("gpt-5", day).cost(*line[2:]) for line in mine)  # type: ignore[union-attr]
        assert d["old_cost_usd"] == pytest.approx(old, abs=1e-6)
        assert d["new_cost_usd"] == pytest.approx(new, abs=1e-6)
        assert d["difference_usd"] == pytest.approx(new - old, abs=1e-6)
    assert data["old_cost_usd"] == pytest.approx(sum(d["old_cost_usd"] for d in days.values()))
    assert data["recorded_usd"] == pytest.approx(data["old_cost_usd"], abs=1e-6)
    assert data["difference_usd"] == pytest.approx(data["new_cost_usd"] - data["old_cost_usd"])
    assert data["tokens"]["requests"] == 3 and data["skipped"] == []

    # Sonnet's long request is billed at its tier, and so is it in the what-if.
    sonnet = run_json(
        database_url, "whatif", "--from", "claude-sonnet-*", "--to", "claude-haiku-4-5", *SINCE
    )
    assert "days" not in sonnet
    expected = billed(SONNET, "2026-11-05", only=SONNET)
    assert sonnet["old_cost_usd"] == pytest.approx(expected, abs=1e-6)
    assert sonnet["new_cost_usd"] == pytest.approx(
        billed("claude-haiku-4-5", "2026-11-05", only=SONNET), abs=1e-6
    )
    assert any(SONNET in c and "for 1 of these" in c for c in sonnet["caveats"])

    table = aiusage(database_url, "whatif", "--from", OPUS, "--to", "gpt-5", *SINCE, "--daily")
    assert table.returncode == 0, table.stderr
    assert "2026-11-03" in table.stdout and "Total" in table.stdout and "less" in table.stdout


def test_unknown_model_names_get_close_matches(logs: Path, database_url: str) -> None:
    wrong_from = aiusage(database_url, "whatif", "--from", "opus", "--to", "gpt-5", *SINCE)
    assert wrong_from.returncode == 2
    assert "no usage of model 'opus'" in wrong_from.stderr
    assert OPUS in wrong_from.stderr  # did you mean …
    wrong_to = aiusage(
        database_url, "whatif", "--from", OPUS, "--to", "claude-sonet-4-5", *SINCE, "--no-refresh"
    )
    assert wrong_to.returncode == 2
    assert "no known price for model 'claude-sonet-4-5'" in wrong_to.stderr
    assert "claude-sonnet-4-5" in wrong_to.stderr
    assert "pricing.models" in wrong_to.stderr
