"""Builders for real Claude Code and Codex log lines, files and store totals (no mocks).

Imported as ``from logs_factory import ...``: pytest's default ``prepend`` import mode puts
``tests/`` on ``sys.path`` (it holds the root conftest), so every test module can use it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiusage.records import CostMode
from aiusage.sources.logs.base import LogSource
from aiusage.sources.logs.reading import ReadResult, ReadTask, run_task
from aiusage.store import Store
from aiusage.store.queries import UsageFilter, aggregate

SONNET = "claude-sonnet-4-5-20250929"
OPUS = "claude-opus-4-5-20251101"
ABSENT: Any = object()  # leave a field out of the line altogether (None writes JSON null)

_COMPACT = (",", ":")
_SPACED = (", ", ": ")


def iso(ts: str | datetime) -> str:
    """'2026-11-07T09:59:33Z' or an aware datetime → Claude's '2026-11-07T09:59:33.000Z'."""
    if isinstance(ts, str):
        ts = datetime.fromisoformat(ts)
    ts = ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


def ms(ts: str | datetime) -> int:
    """Epoch milliseconds of an ISO time (UTC when no offset is given)."""
    if isinstance(ts, str):
        ts = datetime.fromisoformat(ts)
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return int(ts.timestamp() * 1000)


def _dumps(obj: dict[str, Any], spaced: bool) -> str:
    return json.dumps(obj, separators=_SPACED if spaced else _COMPACT)


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    if value is not ABSENT:
        target[key] = value


# -- Claude Code --------------------------------------------------------------------------


def claude_line(
    *,
    ts: str = "2026-11-07T09:59:33Z",
    msg_id: str | None = "msg_01",
    req_id: str | None = "req_01",
    model: str = SONNET,
    input_tokens: int | None = 3,
    output_tokens: int | None = 100,
    cache_read: int | None = 1000,
    cache_creation: int | None = 200,
    ephemeral_5m: int | None = ABSENT,
    ephemeral_1h: int | None = ABSENT,
    cache_creation_obj: Any = ABSENT,
    cost_usd: float | None = ABSENT,
    session_id: str | None = "sess-1",
    sidechain: bool = False,
    api_error: bool = False,
    spaced: bool = False,
    line_type: str = "assistant",
) -> str:
    """One assistant transcript line as Claude Code writes it (see agent-logs.md §2).

    ``ABSENT`` leaves a field out, ``None`` writes a JSON null. The ``cache_creation``
    object is written when either ephemeral split is given (or ``cache_creation_obj``).
    """
    usage: dict[str, Any] = {}
    _put(usage, "input_tokens", input_tokens)
    _put(usage, "cache_creation_input_tokens", cache_creation)
    _put(usage, "cache_read_input_tokens", cache_read)
    if cache_creation_obj is not ABSENT:
        usage["cache_creation"] = cache_creation_obj
    elif ephemeral_5m is not ABSENT or ephemeral_1h is not ABSENT:
        split: dict[str, Any] = {}
        _put(split, "ephemeral_5m_input_tokens", ephemeral_5m)
        _put(split, "ephemeral_1h_input_tokens", ephemeral_1h)
        usage["cache_creation"] = split
    _put(usage, "output_tokens", output_tokens)
    usage["service_tier"] = "standard"
    message: dict[str, Any] = {"model": model}
    _put(message, "id", msg_id)
    message.update(
        {
            "type": "message",
            "role": "assistant",
            "content": [{"type": "text", "text": "Done: the handler returns the value."}],
            "stop_reason": None,
            "usage": usage,
        }
    )
    line: dict[str, Any] = {
        "parentUuid": "13a3b1c2",
        "isSidechain": sidechain,
        "userType": "external",
        "cwd": "/home/dev/work/infra-01",
    }
    _put(line, "sessionId", session_id)
    line.update(
        {
            "version": "2.0.70",
            "gitBranch": "dev",
            "type": line_type,
            "uuid": "2d96f00d",
            "timestamp": iso(ts),
            "message": message,
        }
    )
    _put(line, "requestId", req_id)
    _put(line, "costUSD", cost_usd)
    if api_error:
        line["isApiErrorMessage"] = True
    return _dumps(line, spaced)


def claude_synthetic_error(ts: str = "2026-11-07T10:00:00Z", session_id: str = "sess-1") -> str:
    """The zero-usage API error line Claude Code writes when a limit is reached."""
    line = {
        "parentUuid": "aa",
        "isSidechain": False,
        "sessionId": session_id,
        "version": "2.0.70",
        "type": "assistant",
        "uuid": "bb",
        "timestamp": iso(ts),
        "isApiErrorMessage": True,
        "message": {
            "id": "3c1f0d2e-synthetic",
            "model": "<synthetic>",
            "role": "assistant",
            "type": "message",
            "content": [{"type": "text", "text": "Claude AI usage limit reached|1794128400"}],
            "usage": {
                "input_tokens": 0,
                "output_tokens": 0,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
            },
        },
    }
    return _dumps(line, False)


def claude_user_line(ts: str = "2026-11-07T09:59:30Z", session_id: str = "sess-1") -> str:
    return _dumps(
        {
            "parentUuid": None,
            "isSidechain": False,
            "sessionId": session_id,
            "type": "user",
            "uuid": "cc",
            "timestamp": iso(ts),
            "message": {"role": "user", "content": "fix the failing test"},
        },
        False,
    )


def claude_summary_line() -> str:
    return _dumps({"type": "summary", "summary": "Fix tests", "leafUuid": "dd"}, False)


def claude_file(
    root: Path, project: str, session: str, lines: Iterable[str], *, subagent: str | None = None
) -> Path:
    """``<root>/projects/<project>/<session>.jsonl`` (or ``<session>/subagents/agent-x``)."""
    base = root / "projects" / project
    path = (
        base / session / "subagents" / f"agent-{subagent}.jsonl"
        if subagent
        else base / f"{session}.jsonl"
    )
    write_lines(path, lines)
    return path


# -- Codex --------------------------------------------------------------------------------


def codex_meta(
    ts: str, session_id: str, cwd: str = "/home/dev/work/x", forked_from: str | None = None
) -> str:
    payload: dict[str, Any] = {
        "id": session_id,
        "timestamp": iso(ts),
        "cwd": cwd,
        "originator": "codex_cli_rs",
        "cli_version": "0.58.0",
        "model_provider": "openai",
    }
    if forked_from:
        payload["forked_from_id"] = forked_from
    return _dumps({"timestamp": iso(ts), "type": "session_meta", "payload": payload}, False)


def codex_turn_context(ts: str, model: str | None, cwd: str = "/home/dev/work/x") -> str:
    payload: dict[str, Any] = {"cwd": cwd, "approval_policy": "on-request"}
    if model is not None:
        payload["model"] = model
    payload.update({"effort": "medium", "summary": "auto"})
    return _dumps({"timestamp": iso(ts), "type": "turn_context", "payload": payload}, False)


Usage4 = tuple[
    int, int, int, int
]  # (input incl. cached, cached, output incl. reasoning, reasoning)


def _codex_usage(u: Usage4) -> dict[str, int]:
    inp, cached, out, reasoning = u
    return {
        "input_tokens": inp,
        "cached_input_tokens": cached,
        "output_tokens": out,
        "reasoning_output_tokens": reasoning,
        "total_tokens": inp + out,
    }


def codex_rate_limits(
    primary: float = 17.6,
    secondary: float = 53.8,
    *,
    primary_resets_at: int | None = 1_793_676_648,
    secondary_resets_at: int | None = 1_793_967_648,
    resets_in: tuple[int, int] | None = None,
) -> dict[str, Any]:
    """``rate_limits`` with ``resets_at`` (epoch s) or, as older CLIs wrote, resets_in_seconds."""
    p: dict[str, Any] = {"used_percent": primary, "window_minutes": 300}
    s: dict[str, Any] = {"used_percent": secondary, "window_minutes": 10080}
    if resets_in is not None:
        p["resets_in_seconds"], s["resets_in_seconds"] = resets_in
    else:
        p["resets_at"], s["resets_at"] = primary_resets_at, secondary_resets_at
    return {"primary": p, "secondary": s}


def codex_token_count(
    ts: str,
    *,
    last: Usage4 | None = None,
    total: Usage4 | None = None,
    rate_limits: dict[str, Any] | None = None,
    info_null: bool = False,
) -> str:
    """An ``event_msg`` token_count row (``info: null`` when it carries rate limits only)."""
    info: dict[str, Any] | None = None
    if not info_null:
        info = {}
        if total is not None:
            info["total_token_usage"] = _codex_usage(total)
        if last is not None:
            info["last_token_usage"] = _codex_usage(last)
        info["model_context_window"] = 272000
    payload: dict[str, Any] = {"type": "token_count", "info": info}
    if rate_limits is not None:
        payload["rate_limits"] = rate_limits
    return _dumps({"timestamp": iso(ts), "type": "event_msg", "payload": payload}, False)


def codex_noise(ts: str) -> list[str]:
    """Lines without usage: a response item and agent/user messages."""
    return [
        _dumps(
            {
                "timestamp": iso(ts),
                "type": "response_item",
                "payload": {
                    "type": "message",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": "the usage is fine"}],
                },
            },
            False,
        ),
        _dumps(
            {
                "timestamp": iso(ts),
                "type": "event_msg",
                "payload": {"type": "agent_message", "message": "done"},
            },
            False,
        ),
    ]


def codex_session(
    ts: str, session_id: str, turns: Sequence[Usage4], *, model: str | None = "gpt-5-codex"
) -> list[str]:
    """A rollout: meta, turn context, then one token_count per turn (last + running total)."""
    start = datetime.fromisoformat(ts)
    lines = [codex_meta(ts, session_id)]
    if model is not None:
        lines.append(codex_turn_context(ts, model))
    running = (0, 0, 0, 0)
    for i, turn in enumerate(turns, start=1):
        running = (
            running[0] + turn[0],
            running[1] + turn[1],
            running[2] + turn[2],
            running[3] + turn[3],
        )
        at = iso(start + timedelta(seconds=10 * i))
        lines.extend(codex_noise(at))
        lines.append(codex_token_count(at, last=turn, total=running))
    return lines


def codex_file(root: Path, name: str, lines: Iterable[str], *, day: str = "2026/11/03") -> Path:
    """``<root>/sessions/YYYY/MM/DD/rollout-<name>.jsonl``."""
    path = root / "sessions" / day / f"rollout-{name}.jsonl"
    write_lines(path, lines)
    return path


# -- files --------------------------------------------------------------------------------


def write_lines(path: Path, lines: Iterable[str], *, final_newline: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "\n".join(lines)
    if final_newline and text:
        text += "\n"
    path.write_bytes(text.encode())
    return path


def append_text(path: Path, text: str) -> int:
    """Append raw text (give the newlines yourself); returns the bytes appended."""
    data = text.encode()
    with open(path, "ab") as fh:
        fh.write(data)
    return len(data)


def bump_mtime(path: Path, seconds: int = 7) -> None:
    """Move mtime so a same-size rewrite is never mistaken for an untouched file."""
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + seconds * 1_000_000_000))


def read_file(source: LogSource, path: Path) -> ReadResult:
    """Parse a whole file the way a scan does (one range from 0 to EOF)."""
    size = path.stat().st_size
    result = run_task(ReadTask(source, str(path), 0, size, {}, True))
    assert result.error is None, result.error
    return result


# -- store --------------------------------------------------------------------------------

TOKEN_FIELDS = (
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "reasoning_tokens",
)


def totals(store: Store, source: str | None = None) -> dict[str, int]:
    """Sums of visible events, read twice: from the events and from the report rollup.

    The two must agree (the rollup is what reports use); the sums are returned.
    """
    where = "hidden = 0" + (" AND source = :s" if source else "")
    params = {"s": source} if source else {}
    row = store.db.query(
        f"SELECT {', '.join(f'COALESCE(SUM({c}), 0)' for c in TOKEN_FIELDS)}, COUNT(*) "
        f"FROM usage_events WHERE {where}",
        params,
    )[0]
    store.db.commit()
    raw = {name: int(v) for name, v in zip((*TOKEN_FIELDS, "events"), row, strict=True)}
    store.refresh_rollup()
    flt = UsageFilter(sources=(source,) if source else ())
    rows = aggregate(store.db, flt, CostMode.AUTO, by_day=True)
    rolled = {name: sum(getattr(r, name) for r in rows) for name in TOKEN_FIELDS}
    rolled["events"] = sum(r.events for r in rows)
    assert rolled == raw, f"rollup {rolled} != events {raw}"
    return raw


def visible_events(store: Store, source: str | None = None) -> list[dict[str, Any]]:
    """Every visible event row (dedup key, session, tokens, costs), ordered by key."""
    cols = (
        "source",
        "dedup_key",
        "ts_ms",
        "session",
        "project",
        "model",
        *TOKEN_FIELDS,
        "cost_reported_usd",
        "sidechain",
    )
    where = "hidden = 0" + (" AND source = :s" if source else "")
    rows = store.db.query(
        f"SELECT {', '.join(cols)} FROM usage_events WHERE {where} ORDER BY dedup_key",
        {"s": source} if source else {},
    )
    store.db.commit()
    return [dict(zip(cols, r, strict=True)) for r in rows]
