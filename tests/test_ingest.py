"""Incremental scanning into a real store (SQLite and PostgreSQL): cursors, rewrites,
rotations, resumed sessions, sidechain replays, the parallel path and unreadable files."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

import aiusage.ingest as ingest
from aiusage.ingest import Pricer, ScanReport, scan
from aiusage.pricing import fingerprint, lookup_snapshot
from aiusage.sources.logs import reading
from aiusage.sources.logs.base import LogSource
from aiusage.sources.logs.claude_code import ClaudeCodeSource
from aiusage.sources.logs.codex import CodexSource
from aiusage.sources.logs.reading import split_points
from aiusage.store import Store, open_store
from logs_factory import (
    SONNET,
    append_text,
    bump_mtime,
    claude_file,
    claude_line,
    codex_file,
    codex_meta,
    codex_session,
    codex_token_count,
    codex_turn_context,
    totals,
    visible_events,
    write_lines,
)


def _scan(store: Store, *sources: LogSource, workers: int = 1) -> ScanReport:
    report = scan(store, list(sources), Pricer(store, {}), workers=workers)
    assert report.errors == []
    return report


def _msg(n: int, out: int = 100, **kw: object) -> str:
    """A distinct one-line response; minutes apart so timestamps never collide."""
    kw.setdefault("ts", f"2026-11-07T{9 + n // 60:02d}:{n % 60:02d}:10Z")
    return claude_line(msg_id=f"msg_{n:04d}", req_id=f"req_{n:04d}", output_tokens=out, **kw)  # type: ignore[arg-type]


def _line_tokens(out: int, inp: int = 3, read: int = 1000, created: int = 200) -> int:
    return inp + out + read + created


@pytest.fixture
def claude_root(tmp_path: Path) -> Path:
    return tmp_path / "claude"


# -- cursors ------------------------------------------------------------------------------


def test_second_scan_reads_nothing(store: Store, tmp_path: Path, claude_root: Path) -> None:
    claude_file(claude_root, "p", "s1", [_msg(1), _msg(2)])
    claude_file(claude_root, "p", "s1", [_msg(3)], subagent="a1")
    codex_file(
        tmp_path / "codex", "r1", codex_session("2026-11-03T01:00:00Z", "c1", [(900, 100, 20, 5)])
    )
    sources = (ClaudeCodeSource([claude_root]), CodexSource(tmp_path / "codex"))
    first = _scan(store, *sources)
    assert first.files_read == 3
    assert first.bytes_read > 0
    before = totals(store)
    assert before["events"] == 4
    second = _scan(store, *sources)
    assert (second.bytes_read, second.files_read, second.events_written) == (0, 0, 0)
    assert second.files_seen == 3
    assert totals(store) == before


def test_appending_reads_only_the_new_bytes(store: Store, claude_root: Path) -> None:
    path = claude_file(claude_root, "p", "s1", [_msg(1, out=10), _msg(2, out=20)])
    source = ClaudeCodeSource([claude_root])
    _scan(store, source)
    before = totals(store)
    added = append_text(path, _msg(3, out=30) + "\n" + _msg(4, out=40) + "\n")
    report = _scan(store, source)
    assert report.bytes_read == added
    after = totals(store)
    assert after["events"] == before["events"] + 2
    assert after["output_tokens"] == before["output_tokens"] + 70
    assert store.load_cursors()[str(path)].read_offset == path.stat().st_size


def test_codex_state_survives_between_scans(store: Store, tmp_path: Path) -> None:
    """Model (turn_context) and running totals (old format) come from the saved cursor."""
    root = tmp_path / "codex"
    path = codex_file(
        root,
        "old",
        [
            codex_meta("2026-11-03T01:00:00Z", "old-sess"),
            codex_turn_context("2026-11-03T01:00:01Z", "gpt-5.1-codex-max"),
            codex_token_count("2026-11-03T01:01:00Z", total=(1000, 200, 50, 10)),
        ],
    )
    source = CodexSource(root)
    _scan(store, source)
    append_text(path, codex_token_count("2026-11-03T01:02:00Z", total=(2500, 1200, 80, 10)) + "\n")
    _scan(store, source)
    rows = sorted(visible_events(store), key=lambda r: r["ts_ms"])
    assert [(r["input_tokens"], r["cache_read_tokens"], r["output_tokens"]) for r in rows] == [
        (800, 200, 50),
        (500, 1000, 30),
    ]
    assert {r["model"] for r in rows} == {"gpt-5.1-codex-max"}
    assert {r["session"] for r in rows} == {"old-sess"}


def test_partial_last_line_is_not_consumed_until_complete(store: Store, claude_root: Path) -> None:
    whole = _msg(1, out=10)
    pending = _msg(2, out=20)
    path = claude_file(claude_root, "p", "s1", [whole])
    cut = len(pending) // 2
    append_text(path, pending[:cut])  # crash or a write in progress: no newline yet
    source = ClaudeCodeSource([claude_root])
    first = _scan(store, source)
    assert store.load_cursors()[str(path)].read_offset == len(whole) + 1
    assert totals(store)["events"] == 1
    assert first.malformed == 1  # the cut line is reported, not consumed
    rest = append_text(path, pending[cut:] + "\n")
    second = _scan(store, source)
    assert second.bytes_read == cut + rest  # the partial line is read again, whole
    assert totals(store)["events"] == 2
    assert totals(store)["output_tokens"] == 30
    assert second.malformed == 0
    assert store.load_cursors()[str(path)].read_offset == path.stat().st_size
    assert _scan(store, source).malformed == 0


def test_complete_json_without_newline_is_counted_once(store: Store, claude_root: Path) -> None:
    path = claude_file(claude_root, "p", "s1", [_msg(1, out=10)])
    offset = path.stat().st_size
    append_text(path, _msg(2, out=20))  # a whole object whose newline is not written yet
    source = ClaudeCodeSource([claude_root])
    _scan(store, source)
    assert store.load_cursors()[str(path)].read_offset == offset
    assert totals(store)["output_tokens"] == 30  # shown provisionally
    append_text(path, "\n")
    _scan(store, source)
    assert totals(store)["events"] == 2
    assert totals(store)["output_tokens"] == 30
    assert store.load_cursors()[str(path)].read_offset == path.stat().st_size


def test_partial_line_in_codex_file(store: Store, tmp_path: Path) -> None:
    root = tmp_path / "codex"
    lines = codex_session("2026-11-03T01:00:00Z", "c1", [(900, 100, 20, 5), (500, 400, 30, 0)])
    last = lines.pop()
    path = codex_file(root, "r", lines)
    append_text(path, last[:50])
    source = CodexSource(root)
    _scan(store, source)
    assert totals(store)["events"] == 1
    append_text(path, last[50:] + "\n")
    _scan(store, source)
    assert totals(store)["events"] == 2
    assert totals(store)["output_tokens"] == 50


def test_truncated_file_is_read_again_without_double_counting(
    store: Store, claude_root: Path
) -> None:
    path = claude_file(claude_root, "p", "s1", [_msg(1, out=10), _msg(2, out=20), _msg(3, out=30)])
    source = ClaudeCodeSource([claude_root])
    _scan(store, source)
    before = totals(store)
    write_lines(path, [_msg(1, out=10)])  # shorter now (same inode)
    report = _scan(store, source)
    assert report.bytes_read == path.stat().st_size  # from the start
    assert totals(store) == before  # what was read stays history, nothing doubles
    append_text(path, _msg(4, out=40) + "\n")
    _scan(store, source)
    assert totals(store)["events"] == before["events"] + 1
    assert totals(store)["output_tokens"] == before["output_tokens"] + 40


def test_same_size_rewrite_is_detected_by_the_head_hash(store: Store, claude_root: Path) -> None:
    old = _msg(1, out=111)
    new = _msg(2, out=222)
    assert len(old) == len(new)
    path = claude_file(claude_root, "p", "s1", [old])
    source = ClaudeCodeSource([claude_root])
    _scan(store, source)
    inode = path.stat().st_ino
    with open(path, "r+b") as fh:  # in place: same inode, same size, new content
        fh.write((new + "\n").encode())
    bump_mtime(path)
    assert (path.stat().st_ino, path.stat().st_size) == (inode, len(old) + 1)
    report = _scan(store, source)
    assert report.bytes_read == path.stat().st_size
    assert sorted(r["output_tokens"] for r in visible_events(store)) == [111, 222]


@pytest.mark.parametrize("new_name", ["s1-rotated.jsonl", "s1.jsonl.1"])
def test_rotated_file_and_new_file_at_the_old_path(
    store: Store, claude_root: Path, new_name: str
) -> None:
    path = claude_file(claude_root, "p", "s1", [_msg(1, out=10), _msg(2, out=20)])
    source = ClaudeCodeSource([claude_root])
    _scan(store, source)
    path.rename(path.with_name(new_name))
    write_lines(path, [_msg(3, out=30)])
    _scan(store, source)
    t = totals(store)
    assert (t["events"], t["output_tokens"]) == (3, 60)
    assert _scan(store, source).bytes_read == 0
    cursors = store.load_cursors()
    assert cursors[str(path)].read_offset == path.stat().st_size
    assert cursors[str(path)].inode == path.stat().st_ino


def test_deleted_file_keeps_its_events_and_drops_its_cursor(
    store: Store, claude_root: Path
) -> None:
    gone = claude_file(claude_root, "p", "s1", [_msg(1, out=10)])
    kept = claude_file(claude_root, "p", "s2", [_msg(2, out=20)])
    source = ClaudeCodeSource([claude_root])
    _scan(store, source)
    before = totals(store)
    gone.unlink()
    _scan(store, source)
    assert totals(store) == before
    assert set(store.load_cursors()) == {str(kept)}


def test_cursors_of_other_roots_are_kept(store: Store, tmp_path: Path) -> None:
    a = claude_file(tmp_path / "a", "p", "s1", [_msg(1)])
    _scan(store, ClaudeCodeSource([tmp_path / "a"]))
    b = claude_file(tmp_path / "b", "p", "s2", [_msg(2)])
    _scan(store, ClaudeCodeSource([tmp_path / "b"]))
    assert set(store.load_cursors()) == {str(a), str(b)}
    assert _scan(store, ClaudeCodeSource([tmp_path / "a"])).bytes_read == 0


@pytest.mark.parametrize("same_scan", [False, True])
def test_resumed_session_is_not_double_counted(
    store: Store, claude_root: Path, same_scan: bool
) -> None:
    earlier = [_msg(1, out=10, session_id="s1"), _msg(2, out=20, session_id="s1")]
    source = ClaudeCodeSource([claude_root])
    claude_file(claude_root, "p", "s1", earlier)
    if not same_scan:
        _scan(store, source)
    # Claude Code copies the earlier lines verbatim into the resumed session's new file
    claude_file(claude_root, "p", "s2", [*earlier, _msg(3, out=30, session_id="s2")])
    _scan(store, source)
    t = totals(store)
    assert (t["events"], t["output_tokens"]) == (3, 60)


def test_streamed_copies_across_scans_keep_the_final_one(store: Store, claude_root: Path) -> None:
    """A live session scanned mid-response: the later, complete copy replaces the partial."""
    partial = claude_line(
        msg_id="msg_L", req_id="req_L", output_tokens=2, ts="2026-11-07T09:40:00Z"
    )
    final = claude_line(
        msg_id="msg_L", req_id="req_L", output_tokens=400, ts="2026-11-07T09:40:03Z"
    )
    path = claude_file(claude_root, "p", "s1", [partial])
    source = ClaudeCodeSource([claude_root])
    _scan(store, source)
    append_text(path, final + "\n")
    _scan(store, source)
    assert totals(store)["output_tokens"] == 400
    assert totals(store)["events"] == 1


def test_final_copy_in_the_next_15_minute_bucket(store: Store, claude_root: Path) -> None:
    """As above, with the response's lines straddling a rollup bucket edge (10:00:00)."""
    partial = claude_line(
        msg_id="msg_E", req_id="req_E", output_tokens=2, ts="2026-11-07T09:59:59.800Z"
    )
    final = claude_line(
        msg_id="msg_E", req_id="req_E", output_tokens=400, ts="2026-11-07T10:00:00.400Z"
    )
    path = claude_file(claude_root, "p", "s1", [partial])
    source = ClaudeCodeSource([claude_root])
    _scan(store, source)
    append_text(path, final + "\n")
    _scan(store, source)
    t = totals(store)  # also checks that the report rollup agrees with the events
    assert (t["events"], t["output_tokens"]) == (1, 400)


# -- sidechains ---------------------------------------------------------------------------


def _parent_and_replay(root: Path) -> tuple[list[str], list[str]]:
    ts = "2026-11-07T09:30:00Z"
    parent = [claude_line(msg_id="msg_P", req_id="req_1", output_tokens=50, ts=ts), _msg(2, out=5)]
    replay = [
        claude_line(msg_id="msg_P", req_id="req_9", output_tokens=50, ts=ts, sidechain=True),
        claude_line(msg_id="msg_own", req_id="req_own", output_tokens=7, sidechain=True),
    ]
    return parent, replay


@pytest.mark.parametrize("order", ["one-scan", "parent-first", "sidechain-first"])
def test_sidechain_replay_is_hidden_whatever_the_order(
    store: Store, claude_root: Path, order: str
) -> None:
    parent, replay = _parent_and_replay(claude_root)
    source = ClaudeCodeSource([claude_root])
    steps = {
        "one-scan": [("both",)],
        "parent-first": [("parent",), ("replay",)],
        "sidechain-first": [("replay",), ("parent",)],
    }[order]
    for (what,) in steps:
        if what in ("both", "parent"):
            claude_file(claude_root, "p", "s1", parent)
        if what in ("both", "replay"):
            claude_file(claude_root, "p", "s1", replay, subagent="7f")
        _scan(store, source)
    t = totals(store)
    # the parent's message once, the parent's other message, the subagent's own message
    assert (t["events"], t["output_tokens"]) == (3, 50 + 5 + 7)
    keys = {r["dedup_key"] for r in visible_events(store)}
    assert keys == {"msg_P:req_1", "msg_0002:req_0002", "msg_own:req_own"}
    hidden = store.db.scalar("SELECT COUNT(*) FROM usage_events WHERE hidden = 1")
    store.db.commit()
    assert hidden == 1


def test_subagent_lines_with_their_own_ids_are_counted(store: Store, claude_root: Path) -> None:
    claude_file(claude_root, "p", "s1", [_msg(1, out=10)])
    sub = [_msg(n, out=n, sidechain=True) for n in (11, 12, 13)]
    claude_file(claude_root, "p", "s1", sub, subagent="a1")
    claude_file(claude_root, "p", "s1", [_msg(14, out=14, sidechain=True)], subagent="b2")
    _scan(store, ClaudeCodeSource([claude_root]))
    t = totals(store)
    assert (t["events"], t["output_tokens"]) == (5, 10 + 11 + 12 + 13 + 14)
    assert {r["session"] for r in visible_events(store)} == {"sess-1"}


# -- batches and the parallel path --------------------------------------------------------


def _big_claude_file(root: Path, responses: int) -> Path:
    """Streamed responses (3 copies each), garbage and blanks, and a cut last line."""
    lines: list[str] = []
    for n in range(responses):
        ts = f"2026-11-{1 + n % 20:02d}T{n % 24:02d}:{n % 60:02d}:07Z"
        for out in (1, n % 7 + 2, 100 + n):
            lines.append(
                claude_line(msg_id=f"msg_{n}", req_id=f"req_{n}", output_tokens=out, ts=ts)
            )
        if n % 17 == 0:
            lines.append("garbage ### not json")
        if n % 23 == 0:
            lines.append("   ")
    path = claude_file(root, "big", "s-big", lines)
    append_text(path, lines[0][:70])
    return path


def _summary(store: Store, report: ScanReport, path: Path) -> tuple[object, ...]:
    cursor = store.load_cursors()[str(path)]
    return (totals(store), report.malformed, report.bytes_read, cursor.read_offset, cursor.size)


def test_parallel_path_matches_serial(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    claude_root, codex_root = tmp_path / "claude", tmp_path / "codex"
    path = _big_claude_file(claude_root, 400)
    codex_file(
        codex_root, "r1", codex_session("2026-11-03T01:00:00Z", "c1", [(900, 100, 20, 5)] * 9)
    )
    monkeypatch.setattr(ingest, "SPLIT_BYTES", 16 << 10)
    monkeypatch.setattr(ingest, "PARALLEL_MIN_BYTES", 1)
    size = path.stat().st_size
    assert len(split_points(str(path), 0, size, ingest.SPLIT_BYTES)) > 8  # many ranges

    sources = (ClaudeCodeSource([claude_root]), CodexSource(codex_root))
    parallel = _summary(store, _scan(store, *sources, workers=2), path)

    serial_store = open_store(f"sqlite:///{tmp_path / 'serial.db'}")
    try:
        serial = _summary(serial_store, _scan(serial_store, *sources, workers=1), path)
    finally:
        serial_store.close()
    assert parallel == serial
    t = parallel[0]
    assert isinstance(t, dict)
    assert t["events"] == 400 + 9
    assert parallel[1] == 400 // 17 + 1 + 1  # garbage lines, and the cut last line


def test_small_batches_give_the_same_totals(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "claude"
    for s in range(4):
        claude_file(root, "p", f"s{s}", [_msg(10 * s + i, out=i + 1) for i in range(5)])
    monkeypatch.setattr(ingest, "BATCH_EVENTS", 2)
    _scan(store, ClaudeCodeSource([root]))
    t = totals(store)
    assert (t["events"], t["output_tokens"]) == (20, 4 * 15)


def test_tiny_read_buffer_gives_the_same_result(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lines far longer than the read buffer (it grows), and lines split across reads."""
    root = tmp_path / "claude"
    path = _big_claude_file(root, 40)
    expected_store = open_store(f"sqlite:///{tmp_path / 'default.db'}")
    try:
        expected = _summary(expected_store, _scan(expected_store, ClaudeCodeSource([root])), path)
    finally:
        expected_store.close()
    monkeypatch.setattr(reading, "CHUNK", 64)
    assert _summary(store, _scan(store, ClaudeCodeSource([root])), path) == expected


# -- failures -----------------------------------------------------------------------------


def test_file_replaced_by_a_directory_mid_scan_is_reported(store: Store, tmp_path: Path) -> None:
    """A file that cannot be read when its turn comes: an error, and the others still count."""
    claude_root, codex_root = tmp_path / "claude", tmp_path / "codex"
    claude_file(claude_root, "p", "s1", [_msg(1, out=10)])
    a = codex_file(codex_root, "a", codex_session("2026-11-03T01:00:00Z", "a", [(100, 0, 20, 0)]))
    b = codex_file(codex_root, "b", codex_session("2026-11-03T02:00:00Z", "b", [(100, 0, 30, 0)]))
    victim = min(a, b)  # claude's files are read first (sources in order)
    calls: list[int] = []

    def progress(done: int, total: int) -> None:
        if not calls:
            victim.unlink()
            victim.mkdir()  # a directory named like a log file: open() fails with EISDIR
        calls.append(done)

    report = scan(
        store,
        [ClaudeCodeSource([claude_root]), CodexSource(codex_root)],
        Pricer(store, {}),
        progress=progress,
        workers=1,
    )
    assert len(report.errors) == 1
    assert str(victim) in report.errors[0]
    other_out = 30 if victim == a else 20
    t = totals(store)
    assert (t["events"], t["output_tokens"]) == (2, 10 + other_out)
    assert str(victim) not in store.load_cursors()


def _unreadable_scan(work: Path) -> dict[str, object]:
    """Scan ``work/claude`` into ``work/store.db`` as a user the file permissions bind."""

    def run() -> dict[str, object]:
        s = open_store(f"sqlite:///{work / 'store.db'}")
        try:
            report = scan(s, [ClaudeCodeSource([work / "claude"])], Pricer(s, {}), workers=1)
            return {"errors": report.errors, "files": report.files_seen, "totals": totals(s)}
        finally:
            s.close()

    if os.geteuid() != 0:
        return run()
    # Root reads through chmod 000: drop to 'nobody' in a forked child for a real EACCES.
    # Load what the scan loads lazily first: nobody may not read the interpreter's files.
    fingerprint({})
    lookup_snapshot(SONNET, "2026-11-07")
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        code = 0
        try:
            os.close(r)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            payload = run()
        except BaseException as exc:
            payload, code = {"crash": f"{type(exc).__name__}: {exc}"}, 1
        os.write(w, json.dumps(payload).encode())
        os._exit(code)
    os.close(w)
    with os.fdopen(r, "rb") as fh:
        data = fh.read()
    os.waitpid(pid, 0)
    result: dict[str, object] = json.loads(data)
    assert "crash" not in result, result["crash"]
    return result


def test_unreadable_file_is_reported_and_does_not_stop_the_others() -> None:
    work = Path(tempfile.mkdtemp(prefix="aiusage-perm-"))
    try:
        os.chmod(work, 0o777)
        root = work / "claude"
        claude_file(root, "p", "s1", [_msg(1, out=10)])
        claude_file(root, "p", "s3", [_msg(3, out=30)])
        locked = claude_file(root, "p", "s2", [_msg(2, out=20)])
        for d, _, files in os.walk(root):
            os.chmod(d, 0o755)
            for f in files:
                os.chmod(os.path.join(d, f), 0o644)
        locked.chmod(0o000)
        result = _unreadable_scan(work)
        assert result["files"] == 3
        t = result["totals"]
        assert isinstance(t, dict)
        assert (t["events"], t["output_tokens"]) == (2, 40)
        errors = result["errors"]
        assert isinstance(errors, list)
        assert len(errors) == 1 and str(locked) in errors[0], errors
    finally:
        shutil.rmtree(work, ignore_errors=True)
