"""The Droid reader: one running total per session in ``*.settings.json``, rewritten."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agents_factory import check_corpus, droid_settings, scan_ok, write_json
from aiusage.sources.logs.droid import DroidSource, normalize_model
from aiusage.store import Store
from logs_factory import ms, totals, visible_events

USAGE = {
    "inputTokens": 1234,
    "outputTokens": 567,
    "cacheCreationTokens": 89,
    "cacheReadTokens": 12,
    "thinkingTokens": 34,
}
DAY1 = ms("2026-11-05T13:00:00Z") / 1000
DAY2 = ms("2026-11-06T09:00:00Z") / 1000


def test_bench_corpus_totals_are_exact(store: Store, agents_corpus: Any) -> None:
    check_corpus(store, "droid", agents_corpus)


def test_session_total_dated_at_the_last_write(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "proj" / "abc.settings.json"
    write_json(path, droid_settings(USAGE), mtime=DAY1)
    source = DroidSource([tmp_path])
    scan_ok(store, source)
    (row,) = visible_events(store, "droid")
    assert (row["input_tokens"], row["output_tokens"], row["reasoning_tokens"]) == (1234, 601, 34)
    assert (row["cache_write_5m_tokens"], row["cache_read_tokens"]) == (89, 12)
    assert (row["ts_ms"], row["session"], row["project"]) == (int(DAY1 * 1000), "abc", "proj")
    assert row["model"] == "claude-opus-4.5-thinking-0"
    # the session goes on the next day: the total grows and moves, never counted twice
    grown = {**USAGE, "inputTokens": 5000}
    write_json(path, droid_settings(grown), mtime=DAY2)
    scan_ok(store, source)
    (row,) = visible_events(store, "droid")
    assert (row["input_tokens"], row["ts_ms"]) == (5000, int(DAY2 * 1000))
    assert totals(store, "droid")["events"] == 1


def test_an_archived_smaller_copy_counts_once(store: Store, tmp_path: Path) -> None:
    write_json(tmp_path / "proj" / "abc.settings.json", droid_settings(USAGE), mtime=DAY2)
    small = {**USAGE, "inputTokens": 10, "outputTokens": 1}
    write_json(tmp_path / "archive" / "abc.settings.json", droid_settings(small), mtime=DAY1)
    scan_ok(store, DroidSource([tmp_path]))
    (row,) = visible_events(store, "droid")
    assert row["input_tokens"] == 1234


def test_model_from_the_sidecar_transcript(tmp_path: Path) -> None:
    settings = droid_settings(USAGE)
    del settings["model"]
    path = write_json(tmp_path / "s1.settings.json", settings, mtime=DAY1)
    reminder = {
        "content": "<system-reminder>Model: Claude Sonnet 4.5 [Anthropic]</system-reminder>"
    }
    (tmp_path / "s1.jsonl").write_text(json.dumps(reminder) + "\n")
    (e,) = DroidSource([tmp_path]).read_document(path, {}).events
    assert (e.model, e.provider) == ("claude-sonnet-4.5", "anthropic")


def test_empty_and_broken_files(store: Store, tmp_path: Path) -> None:
    write_json(tmp_path / "empty.settings.json", droid_settings({"inputTokens": 0}))
    (tmp_path / "broken.settings.json").write_text('{"tokenUsage": {"inputTok')
    report = scan_ok(store, DroidSource([tmp_path]))
    assert (report.malformed, totals(store, "droid")["events"]) == (1, 0)


def test_normalize_model() -> None:
    assert normalize_model("custom:Claude-Opus-4.5-Thinking-[Anthropic]-0") == (
        "claude-opus-4.5-thinking-0"
    )
    assert normalize_model("Claude-Sonnet-4-[Anthropic]") == "claude-sonnet-4"
    assert normalize_model("gpt-5-codex") == "gpt-5-codex"


def test_roots_default_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert DroidSource().roots() == [Path.home() / ".factory" / "sessions"]
    monkeypatch.setenv("DROID_SESSIONS_DIR", f"{tmp_path / 'a'},{tmp_path / 'b'}")
    assert DroidSource().roots() == [tmp_path / "a", tmp_path / "b"]
