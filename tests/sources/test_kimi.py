"""The Kimi CLI reader: wire logs written with spaces, StatusUpdate token usage, the model
from config.json, nested subagent events, Kimi Code usage records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agents_factory import check_corpus, kimi_status, scan_ok, write_json
from aiusage.sources.logs.kimi import KimiSource
from aiusage.store import Store
from logs_factory import read_file, totals, write_lines

STEP = {"input_other": 100, "output": 20, "input_cache_read": 900, "input_cache_creation": 30}
META = json.dumps({"type": "metadata", "protocol_version": "1.2"})


def _wire(root: Path, group: str = "0f1e2d", session: str = "sess-1") -> Path:
    return root / "sessions" / group / session / "wire.jsonl"


def test_bench_corpus_totals_are_exact(store: Store, agents_corpus: Any) -> None:
    check_corpus(store, "kimi", agents_corpus)


def test_status_updates_and_the_configured_model(tmp_path: Path) -> None:
    write_json(tmp_path / "config.json", {"model": "kimi-k2-turbo-preview"})
    nested = json.dumps(
        {
            "timestamp": 1793700001.0,
            "message": {
                "type": "SubagentEvent",
                "payload": {"event": {"type": "StatusUpdate", "payload": {"token_usage": STEP}}},
            },
        }
    )
    lines = [META, kimi_status(1793700000.5, STEP), kimi_status(1793700000.9, None), nested]
    path = write_lines(_wire(tmp_path), [*lines, "garbage"])
    result = read_file(KimiSource([tmp_path]), path)
    (e,) = result.events  # the nested subagent update is not counted (as in ccusage)
    assert (e.input_tokens, e.output_tokens, e.cache_read_tokens, e.cache_write_5m_tokens) == (
        100,
        20,
        900,
        30,
    )
    assert (e.ts_ms, e.model, e.provider) == (1793700000500, "kimi-k2-turbo-preview", "moonshot")
    assert (e.session, e.project) == ("sess-1", "0f1e2d")
    assert result.malformed == 1


def test_default_model_without_config(tmp_path: Path) -> None:
    path = write_lines(_wire(tmp_path), [META, kimi_status(1793700000.5, STEP)])
    assert [e.model for e in read_file(KimiSource([tmp_path]), path).events] == ["kimi-for-coding"]


def test_kimi_code_turn_records_count_session_records_do_not(tmp_path: Path) -> None:
    usage = {"inputOther": 10, "output": 5, "inputCacheRead": 100, "inputCacheCreation": 0}
    lines = [
        json.dumps(
            {
                "type": "usage.record",
                "usageScope": scope,
                "model": "kimi-code/kimi-for-coding",
                "usage": usage,
                "time": 1793700000000,
            }
        )
        for scope in ("turn", "session")
    ]
    path = tmp_path / "sessions" / "ws" / "sess-2" / "agents" / "main" / "wire.jsonl"
    write_lines(path, lines)
    (e,) = read_file(KimiSource([tmp_path]), path).events
    assert (e.session, e.model, e.input_tokens, e.cache_read_tokens) == (
        "sess-2",
        "kimi-for-coding",
        10,
        100,
    )


def test_rereading_counts_once(store: Store, tmp_path: Path) -> None:
    path = write_lines(_wire(tmp_path), [META, kimi_status(1793700000.5, STEP)])
    source = KimiSource([tmp_path])
    scan_ok(store, source)
    path.write_text(path.read_text() + kimi_status(1793700060.0, STEP, "chatcmpl-2") + "\n")
    scan_ok(store, source)
    assert totals(store, "kimi")["events"] == 2


def test_roots_default_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = Path.home()
    assert KimiSource().roots() == [home / ".kimi" / "sessions", home / ".kimi-code" / "sessions"]
    monkeypatch.setenv("KIMI_DATA_DIR", f"{tmp_path / 'a'}")
    assert KimiSource().roots() == [tmp_path / "a" / "sessions"]
