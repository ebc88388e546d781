"""Helpers of the team-server tests: protocol rows, batches, a team with four people."""

from __future__ import annotations

import gzip
import json
import time
from dataclasses import dataclass
from typing import Any

DAY_MS = 86_400_000
HOUR_MS = 3_600_000


def now_ms() -> int:
    return int(time.time() * 1000)


#: A model no price table knows: the server keeps the member's calculated cost for it, so
#: the tests' sums are the round figures they push (the server's own pricing is tested
#: with real models in test_team_pricing.py).
UNPRICED = "acme-internal-1"


def event(key: str, ts_ms: int, **fields: Any) -> dict[str, Any]:
    """One usage event as the push protocol sends it (the store's row shape)."""
    row: dict[str, Any] = {
        "source": "claude-code",
        "dedup_key": key,
        "ts_ms": ts_ms,
        "account": "",
        "provider": "anthropic",
        "model": UNPRICED,
        "project": "shop",
        "session": "s1",
        "input_tokens": 100,
        "output_tokens": 50,
        "cache_read_tokens": 0,
        "cache_write_5m_tokens": 0,
        "cache_write_1h_tokens": 0,
        "reasoning_tokens": 0,
        "total_tokens": 150,
        "requests": 1,
        "cost_reported_usd": None,
        "cost_calc_usd": 0.25,
        "group_key": "",
        "sidechain": 0,
        "meta": "{}",
    }
    row.update(fields)
    if "total_tokens" not in fields:
        row["total_tokens"] = row["input_tokens"] + row["output_tokens"]
    return row


def reading(ts_ms: int, value: float = 42.0, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "ts_ms": ts_ms,
        "account": "claude-code",
        "metric": "window_used_percent",
        "window_name": "5h",
        "value": value,
        "limit_value": 100.0,
        "unit": "%",
        "resets_at_ms": ts_ms + 5 * HOUR_MS,
        "source": "claude-code",
        "kind": "estimated",
        "meta": "{}",
    }
    row.update(fields)
    return row


def batch(
    events: list[dict[str, Any]] = (),  # type: ignore[assignment]
    observations: list[dict[str, Any]] = (),  # type: ignore[assignment]
    machine: str = "laptop",
) -> dict[str, Any]:
    return {
        "version": 1,
        "machine": machine,
        "batch": "b-1",
        "events": list(events),
        "observations": list(observations),
    }


def body(data: dict[str, Any]) -> bytes:
    return json.dumps(data).encode()


def gzipped(data: dict[str, Any]) -> bytes:
    return gzip.compress(body(data), compresslevel=6)


@dataclass
class Team:
    """Who is in the test team, with their tokens (shown once, kept by the test)."""

    tokens: dict[str, str]

    def bearer(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]}"}


PEOPLE = (
    # name, role, department, email, hide_projects, leaderboard
    ("ada", "admin", "platform", "ada@example.com", False, True),
    ("alice", "member", "eng", "alice@example.com", False, True),
    ("bob", "member", "eng", "", True, False),
    ("vic", "viewer", "finance", "", False, False),
)


def make_team(app: Any) -> Team:
    owner = app.team.owner("cli")
    tokens = {}
    for name, role, department, email, hide, board in PEOPLE:
        made = app.team.add_user(owner, name, role, department, email)
        tokens[name] = made["token"]
        if hide or board:
            app.team.set_user(owner, name, {"hide_projects": hide, "leaderboard": board})
    return Team(tokens)


def daily_rows(db: Any) -> list[tuple[Any, ...]]:
    rows = db.query(
        "SELECT day, user_name, source, model, project, input_tokens, output_tokens, "
        "cache_read_tokens, cache_write_tokens, reasoning_tokens, requests, events, "
        "ROUND(CAST(cost_usd AS NUMERIC), 6) FROM team_daily ORDER BY 1, 2, 3, 4, 5"
    )
    db.commit()
    return [tuple(float(v) if not isinstance(v, int | str) else v for v in r) for r in rows]


def summed_from_events(db: Any, offset_ms: int = 0) -> list[tuple[Any, ...]]:
    """team_daily as a direct SUM over the visible events (one fixed UTC offset)."""
    rows = db.query(
        f"SELECT (ts_ms + {offset_ms}) / {DAY_MS}, user_name, source, model, project, "
        "SUM(input_tokens), SUM(output_tokens), SUM(cache_read_tokens), "
        "SUM(cache_write_5m_tokens + cache_write_1h_tokens), SUM(reasoning_tokens), "
        "SUM(requests), COUNT(*), "
        "ROUND(CAST(SUM(COALESCE(cost_reported_usd, cost_calc_usd)) AS NUMERIC), 6) "
        "FROM usage_events WHERE hidden = 0 AND user_name <> '' "
        f"GROUP BY (ts_ms + {offset_ms}) / {DAY_MS}, user_name, source, model, project "
        "ORDER BY 1, 2, 3, 4, 5"
    )
    db.commit()
    return [tuple(float(v) if not isinstance(v, int | str) else v for v in r) for r in rows]


def member_rows(db: Any) -> list[tuple[Any, ...]]:
    rows = db.query(
        "SELECT day, user_name, project, tokens, requests, events, "
        "ROUND(CAST(cost_usd AS NUMERIC), 6) FROM team_member_daily ORDER BY 1, 2, 3"
    )
    db.commit()
    return [tuple(float(v) if not isinstance(v, int | str) else v for v in r) for r in rows]


def member_from_events(db: Any, offset_ms: int = 0) -> list[tuple[Any, ...]]:
    day = f"(ts_ms + {offset_ms}) / {DAY_MS}"
    rows = db.query(
        f"SELECT {day}, user_name, project, SUM(input_tokens + output_tokens + "
        "cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens), SUM(requests), "
        "COUNT(*), ROUND(CAST(SUM(COALESCE(cost_reported_usd, cost_calc_usd)) AS NUMERIC), 6) "
        "FROM usage_events WHERE hidden = 0 AND user_name <> '' "
        f"GROUP BY {day}, user_name, project ORDER BY 1, 2, 3"
    )
    db.commit()
    return [tuple(float(v) if not isinstance(v, int | str) else v for v in r) for r in rows]


def assert_sums(db: Any, offset_ms: int = 0) -> None:
    """team_daily and team_member_daily equal direct sums over the visible events."""
    assert daily_rows(db) == summed_from_events(db, offset_ms)
    assert member_rows(db) == member_from_events(db, offset_ms)
