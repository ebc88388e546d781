"""The Qwen Code reader: Gemini-shaped usage from converters (reasoning inside or outside
the candidates), cached inside the prompt, ``/branch`` copies, appended lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agents_factory import check_corpus, qwen_record, scan_ok
from aiusage.sources.logs.qwen import QwenSource
from aiusage.store import Store
from logs_factory import append_text, read_file, totals, visible_events, write_lines

T = "2026-11-04T10:00:05Z"
OPENAI = {
    "promptTokenCount": 100,
    "candidatesTokenCount": 50,
    "thoughtsTokenCount": 10,
    "cachedContentTokenCount": 5,
    "totalTokenCount": 150,
}
GEMINI = {**OPENAI, "totalTokenCount": 160}


def _chat(root: Path, session: str = "qs-1", project: str = "-home-dev-work-qwen-app") -> Path:
    return root / "projects" / project / "chats" / f"{session}.jsonl"


def test_bench_corpus_totals_are_exact(store: Store, agents_corpus: Any) -> None:
    check_corpus(store, "qwen", agents_corpus)


@pytest.mark.parametrize(("usage", "output"), [(OPENAI, 50), (GEMINI, 60)])
def test_cached_inside_prompt_and_reasoning_by_total(
    tmp_path: Path, usage: dict[str, int], output: int
) -> None:
    """OpenAI-compatible servers: completion includes reasoning (total = prompt + candidates);
    Gemini: thoughts on top (total = prompt + candidates + thoughts)."""
    path = write_lines(
        _chat(tmp_path), [qwen_record("u1", T, None, kind="user"), qwen_record("a1", T, usage)]
    )
    (e,) = read_file(QwenSource([tmp_path]), path).events
    assert (e.input_tokens, e.cache_read_tokens) == (95, 5)
    assert (e.output_tokens, e.reasoning_tokens) == (output, 10)
    assert (e.dedup_key, e.session, e.project, e.provider) == ("a1", "qs-1", "qwen-app", "alibaba")


def test_branch_copies_count_once(store: Store, tmp_path: Path) -> None:
    """/branch copies records verbatim (same uuid) under a new sessionId."""
    write_lines(_chat(tmp_path, "parent"), [qwen_record("a1", T, OPENAI, session="parent")])
    write_lines(
        _chat(tmp_path, "branch"),
        [
            qwen_record("a1", T, OPENAI, session="branch"),
            qwen_record("a2", "2026-11-04T11:00:00Z", GEMINI, session="branch"),
        ],
    )
    scan_ok(store, QwenSource([tmp_path]))
    assert [r["dedup_key"] for r in visible_events(store, "qwen")] == ["a1", "a2"]


def test_only_assistant_records_count(tmp_path: Path) -> None:
    telemetry = qwen_record("s1", T, OPENAI, kind="system")  # carries usageMetadata too
    path = write_lines(_chat(tmp_path), [telemetry, "{not json", qwen_record("a1", T, OPENAI)])
    result = read_file(QwenSource([tmp_path]), path)
    assert [e.dedup_key for e in result.events] == ["a1"]
    assert result.malformed == 1


def test_appended_lines_are_read_incrementally(store: Store, tmp_path: Path) -> None:
    path = write_lines(_chat(tmp_path), [qwen_record("a1", T, OPENAI)])
    source = QwenSource([tmp_path])
    scan_ok(store, source)
    added = append_text(path, qwen_record("a2", T, GEMINI) + "\n")
    report = scan_ok(store, source)
    assert report.bytes_read == added
    assert totals(store, "qwen")["events"] == 2


def test_roots_default_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert QwenSource().roots() == [Path.home() / ".qwen" / "projects"]
    monkeypatch.setenv("QWEN_DATA_DIR", f"{tmp_path / 'a'},{tmp_path / 'b'}")
    assert QwenSource().roots() == [tmp_path / "a" / "projects", tmp_path / "b" / "projects"]
