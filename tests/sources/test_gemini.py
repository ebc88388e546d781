"""The Gemini CLI reader: legacy JSON documents rewritten in place, JSONL recordings with
re-appended replies, ``$set``/``$rewindTo`` records, migrated copies, subagents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agents_factory import (
    bump,
    check_corpus,
    daily,
    gemini_document,
    gemini_jsonl,
    gemini_reply,
    gemini_user,
    scan_ok,
    write_json,
)
from aiusage.sources.logs.gemini import GeminiSource
from aiusage.store import Store
from logs_factory import totals, visible_events

T = "2026-11-01T10:00:05Z"


def _chats(root: Path, project: str = "proj-hash") -> Path:
    return root / project / "chats"


def _read(root: Path, path: Path) -> Any:
    return GeminiSource([root]).read_document(path, {})


def test_bench_corpus_totals_are_exact(store: Store, agents_corpus: Any) -> None:
    check_corpus(store, "gemini", agents_corpus)


def test_cached_is_part_of_input_and_thoughts_are_output(tmp_path: Path) -> None:
    """ccusage's fixture: input 15327 includes cached 11526; tool-use prompt is input."""
    doc = gemini_document("s1", [gemini_user("u1", T), gemini_reply("g1", T)])
    path = write_json(_chats(tmp_path) / "session-2026-11-01T10-00-s1.json", doc, indent=2)
    (e,) = _read(tmp_path, path).events
    assert (e.input_tokens, e.cache_read_tokens) == (15327 - 11526 + 7, 11526)
    assert (e.output_tokens, e.reasoning_tokens) == (23 + 919, 919)
    assert e.total_tokens == 16276
    assert (e.session, e.project, e.model, e.provider) == (
        "s1",
        "proj-hash",
        "gemini-2.5-pro",
        "google",
    )
    assert e.dedup_key == "s1:g1"


def test_cached_reported_apart_when_the_total_says_so(tmp_path: Path) -> None:
    reply = gemini_reply("g1", T, inp=1000, cached=400, out=10, thoughts=0, tool=0, total=1410)
    path = write_json(_chats(tmp_path) / "session-x.json", gemini_document("s", [reply]))
    (e,) = _read(tmp_path, path).events
    assert (e.input_tokens, e.cache_read_tokens, e.output_tokens) == (1000, 400, 10)


def test_jsonl_reply_reappended_with_tokens_counts_once(tmp_path: Path) -> None:
    records = [
        gemini_user("u1", T),
        gemini_reply("g1", T, tokens=False),  # written before its usage arrived
        gemini_reply("g1", T),
        {"$set": {"lastUpdated": "2026-11-01T10:00:06.000Z"}},
        {"$set": {"messages": [gemini_user("u1", T), gemini_reply("g1", T)]}},
        gemini_reply("g2", "2026-11-01T10:01:00Z", inp=500, cached=0, thoughts=0, tool=0),
        {"$rewindTo": "g2"},  # rewound, but it was billed
    ]
    path = _chats(tmp_path) / "session-2026-11-01T10-00-s2.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text(gemini_jsonl("s2", records) + "not json\n\n")
    result = _read(tmp_path, path)
    assert sorted(e.dedup_key for e in result.events) == ["s2:g1", "s2:g2"]
    assert result.malformed == 1


def test_migrated_legacy_session_counts_once(store: Store, tmp_path: Path) -> None:
    """Resuming a legacy session copies its messages into session-*.jsonl next to it."""
    msgs = [gemini_user("u1", T), gemini_reply("g1", T)]
    chats = _chats(tmp_path)
    write_json(chats / "session-2026-11-01T10-00-s3000000.json", gemini_document("s3", msgs))
    newer = gemini_reply("g2", "2026-11-02T09:00:00Z", inp=800, cached=0, thoughts=0, tool=0)
    (chats / "session-2026-11-01T10-00-s3000000.jsonl").write_text(
        gemini_jsonl("s3", [*msgs, newer])
    )
    scan_ok(store, GeminiSource([tmp_path]))
    assert sorted(r["dedup_key"] for r in visible_events(store, "gemini")) == ["s3:g1", "s3:g2"]


def test_subagent_files_are_their_own_sessions(store: Store, tmp_path: Path) -> None:
    chats = _chats(tmp_path)
    (chats / "parent-id").mkdir(parents=True)
    (chats / "session-p.jsonl").write_text(gemini_jsonl("parent-id", [gemini_reply("g1", T)]))
    (chats / "parent-id" / "sub-id.jsonl").write_text(
        gemini_jsonl("sub-id", [gemini_reply("g1", T)])
    )
    scan_ok(store, GeminiSource([tmp_path]))
    assert {r["session"] for r in visible_events(store, "gemini")} == {"parent-id", "sub-id"}


def test_rewritten_document_updates_without_double_counting(store: Store, tmp_path: Path) -> None:
    path = _chats(tmp_path) / "session-2026-11-01T10-00-s4.json"
    first = [gemini_user("u1", T), gemini_reply("g1", T)]
    write_json(path, gemini_document("s4", first), indent=2)
    source = GeminiSource([tmp_path])
    scan_ok(store, source)
    one = totals(store, "gemini")
    assert one["events"] == 1
    second = [
        *first,
        gemini_user("u2", "2026-11-01T10:05:00Z"),
        gemini_reply("g2", "2026-11-01T10:05:09Z", inp=20000, cached=15000),
    ]
    write_json(path, gemini_document("s4", second), indent=2)
    bump(path)
    report = scan_ok(store, source)
    assert report.files_read == 1
    two = totals(store, "gemini")
    assert two["events"] == 2
    assert two["input_tokens"] == one["input_tokens"] + (20000 - 15000 + 7)
    again = scan_ok(store, source)  # unchanged: not read
    assert again.files_read == 0
    assert totals(store, "gemini") == two


def test_truncated_document_is_malformed_then_recovers(store: Store, tmp_path: Path) -> None:
    path = _chats(tmp_path) / "session-2026-11-01T10-00-s5.json"
    text = json.dumps(gemini_document("s5", [gemini_reply("g1", T)]), indent=2)
    path.parent.mkdir(parents=True)
    path.write_text(text[: len(text) // 2])  # read while Gemini was rewriting it
    source = GeminiSource([tmp_path])
    report = scan_ok(store, source)
    assert (report.malformed, totals(store, "gemini")["events"]) == (1, 0)
    assert scan_ok(store, source).malformed == 1  # still reported, not re-read
    path.write_text(text)
    bump(path)
    report = scan_ok(store, source)
    assert (report.malformed, totals(store, "gemini")["events"]) == (0, 1)


def test_one_broken_file_never_blocks_the_others(store: Store, tmp_path: Path) -> None:
    chats = _chats(tmp_path)
    chats.mkdir(parents=True)
    (chats / "session-bad.json").write_bytes(b"\xff\xfe garbage")
    write_json(chats / "session-good.json", gemini_document("good", [gemini_reply("g1", T)]))
    report = scan_ok(store, GeminiSource([tmp_path]))
    assert report.malformed == 1
    assert daily(store, "gemini")["2026-11-01"]["events"] == 1


def test_only_chat_recordings_are_read(tmp_path: Path) -> None:
    write_json(tmp_path / "proj" / "logs.json", [{"sessionId": "s", "type": "user"}])
    write_json(tmp_path / "proj" / "checkpoint-x.json", [{"role": "user", "parts": []}])
    kept = write_json(_chats(tmp_path, "proj") / "session-a.json", gemini_document("a", []))
    assert list(GeminiSource([tmp_path]).discover()) == [kept]


def test_roots_default_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert GeminiSource().roots() == [Path.home() / ".gemini" / "tmp"]
    monkeypatch.setenv("GEMINI_DATA_DIR", f"{tmp_path / 'a'}, {tmp_path / 'b'}")
    assert GeminiSource().roots() == [tmp_path / "a", tmp_path / "b"]
