"""The Amp reader: thread documents with a usage ledger (cache counts from the messages) or
without one, rewritten in place."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agents_factory import amp_thread, bump, check_corpus, scan_ok, write_json
from aiusage.sources.logs.amp import AmpSource
from aiusage.store import Store
from logs_factory import ms, totals, visible_events

T1, T2 = "2026-11-03T10:00:00Z", "2026-11-03T10:05:00Z"
U1 = {"input": 100, "output": 50, "write": 500, "read": 200}
U2 = {"input": 7, "output": 30, "read": 900}


def _thread_file(root: Path, thread: dict[str, Any], name: str | None = None) -> Path:
    return write_json(root / "threads" / f"{name or thread['id']}.json", thread)


def test_bench_corpus_totals_are_exact(store: Store, agents_corpus: Any) -> None:
    check_corpus(store, "amp", agents_corpus)


def test_ledger_events_take_cache_counts_from_their_message(tmp_path: Path) -> None:
    path = _thread_file(tmp_path, amp_thread("T-1", [(1, T1, U1), (3, T2, U2)]))
    result = AmpSource([tmp_path]).read_document(path, {})
    e1, e2 = sorted(result.events, key=lambda e: e.ts_ms)
    assert (e1.input_tokens, e1.output_tokens, e1.cache_write_5m_tokens, e1.cache_read_tokens) == (
        100,
        50,
        500,
        200,
    )
    assert (e2.input_tokens, e2.cache_read_tokens, e2.ts_ms) == (7, 900, ms(T2))
    assert (e1.session, e1.dedup_key, e1.provider, e1.meta["credits"]) == (
        "T-1",
        "T-1:m1",
        "anthropic",
        0.5,
    )
    assert result.malformed == 0


def test_without_a_ledger_the_message_usage_counts(tmp_path: Path) -> None:
    path = _thread_file(tmp_path, amp_thread("T-2", [(1, T1, U1)], ledger=False))
    (e,) = AmpSource([tmp_path]).read_document(path, {}).events
    assert (e.input_tokens, e.output_tokens, e.cache_write_5m_tokens, e.ts_ms) == (
        100,
        50,
        500,
        ms(T1),
    )


def test_a_ledger_added_by_a_rewrite_does_not_double_count(store: Store, tmp_path: Path) -> None:
    """Both shapes key a call on its assistant message: the rewrite upserts onto it."""
    path = _thread_file(tmp_path, amp_thread("T-3", [(1, T1, U1)], ledger=False))
    source = AmpSource([tmp_path])
    scan_ok(store, source)
    _thread_file(tmp_path, amp_thread("T-3", [(1, T1, U1), (3, T2, U2)]))
    bump(path)
    scan_ok(store, source)
    t = totals(store, "amp")
    assert (t["events"], t["input_tokens"], t["cache_read_tokens"]) == (2, 107, 1100)
    assert scan_ok(store, source).files_read == 0


def test_archived_copy_counts_once_and_broken_threads_are_counted(
    store: Store, tmp_path: Path
) -> None:
    thread = amp_thread("T-4", [(1, T1, U1)])
    _thread_file(tmp_path, thread)
    write_json(tmp_path / "threads" / "archive" / "T-4.json", thread)
    text = json.dumps(amp_thread("T-5", [(1, T1, U2)]))
    (tmp_path / "threads" / "T-5.json").write_text(text[:100])
    report = scan_ok(store, AmpSource([tmp_path]))
    assert [r["dedup_key"] for r in visible_events(store, "amp")] == ["T-4:m1"]
    assert report.malformed == 1


def test_roots_default_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert AmpSource().roots() == [Path.home() / ".local" / "share" / "amp" / "threads"]
    monkeypatch.setenv("AMP_DATA_DIR", f"{tmp_path / 'a'},{tmp_path / 'b'}")
    assert AmpSource().roots() == [tmp_path / "a" / "threads", tmp_path / "b" / "threads"]
