#!/usr/bin/env python3
"""The team server at scale: push ingest throughput and the team views' latency.

Usage: ``python bench/team_server.py --database postgresql://… [--members 1000]
[--sources 10] [--days 365] [--batches 10] [--repeat 20]``

The database is emptied first. Then:

- members: ``--members`` people in 20 departments, a third on the leaderboard;
- ``team_daily`` filled directly (generate_series) as a year of ``--sources`` sources
  for every member would leave it: one row per member, local day and source (three
  models; two projects per member out of fifty) — members x days x sources rows — and
  ``team_member_daily`` from it (members x days x 2);
- the views (overview as admin / member / viewer, a member's detail, the leaderboard,
  the chargeback CSV, a team budget's standing): p50 / p95 of ``--repeat`` calls each,
  through App.team in-process (no HTTP: the figures are the queries' and the folding's);
- ingest: ``--batches`` pushes of 5,000 events (the protocol's largest) for random
  members over their last two days, then each batch again (a retry: all conflicts).

PostgreSQL only for the views (generate_series); ingest runs on SQLite too.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

DAY_MS = 86_400_000


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"p50 {statistics.median(ordered) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms"


def _timed(fn: object, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        out.append(time.perf_counter() - start)
    return out


def _members(app: object, count: int) -> dict[str, object]:
    from aiusage.store import team as t

    db = app.store.db  # type: ignore[attr-defined]
    now = t.now_ms()
    with db.transaction():
        db.executemany(
            "INSERT INTO team_users (name, role, department, email, hide_projects, "
            "leaderboard, created_ms) VALUES (:n, :r, :d, '', :h, :l, :c)",
            [
                {
                    "n": f"m{u}",
                    "r": "admin" if u == 1 else "member",
                    "d": f"dept-{u % 20}",
                    "h": int(u % 10 == 0),
                    "l": int(u % 3 == 0),
                    "c": now,
                }
                for u in range(1, count + 1)
            ],
        )
    token_of = {}
    for name in ("m1", "m2"):
        _row, token = t.add_token(db, "bench", name, "bench")
        token_of[name] = token
    return token_of


def _fill_daily(app: object, members: int, sources: int, days: int) -> int:
    from aiusage.store.team_ingest import ZONE_META

    db = app.store.db  # type: ignore[attr-defined]
    today = int(time.time() * 1000) // DAY_MS
    with db.transaction():
        db.execute(
            "INSERT INTO team_daily (day, user_name, source, model, project, input_tokens, "
            "output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, "
            "requests, events, cost_usd) "
            "SELECT d, 'm' || u, 'src-' || s, 'model-' || (s % 3), "
            "'proj-' || ((u * 7 + s % 2) % 50), "
            "1000, 500, 20000, 100, 0, 20, 20, 0.5 + (u % 7) * 0.1 "
            "FROM generate_series(CAST(:a AS INTEGER), CAST(:b AS INTEGER)) d, "
            "generate_series(1, CAST(:m AS INTEGER)) u, generate_series(1, CAST(:s AS INTEGER)) s",
            {"a": today - days + 1, "b": today, "m": members, "s": sources},
        )
        db.execute(
            "INSERT INTO team_member_daily (day, user_name, project, tokens, requests, "
            "events, cost_usd) SELECT day, user_name, project, SUM(input_tokens + "
            "output_tokens + cache_read_tokens + cache_write_tokens), SUM(requests), "
            "SUM(events), SUM(cost_usd) FROM team_daily GROUP BY day, user_name, project"
        )
        key = f"{app.tz_name(None)}|{app.store.meta('price_fingerprint') or ''}"  # type: ignore[attr-defined]
        db.execute(
            "INSERT INTO meta (name, value) VALUES (:n, :v) "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            {"n": ZONE_META, "v": key},
        )
    db.execute("ANALYZE team_daily")
    db.execute("ANALYZE team_member_daily")
    db.commit()
    return int(db.scalar("SELECT COUNT(*) FROM team_daily"))


def _batch(members: int, seed: int) -> tuple[str, bytes]:
    rng = random.Random(seed)
    who = "m1" if seed % 2 else "m2"
    now = int(time.time() * 1000)
    rows = []
    for i in range(5000):
        ts = now - rng.randrange(2 * DAY_MS)
        tokens = rng.randrange(100, 5000)
        rows.append(
            {
                "source": f"src-{rng.randrange(10)}",
                "dedup_key": f"{seed}:{i}",
                "ts_ms": ts,
                "model": "claude-sonnet-4-5",
                "project": f"proj-{rng.randrange(50)}",
                "session": f"s{seed}",
                "input_tokens": tokens,
                "output_tokens": tokens // 3,
                "total_tokens": tokens + tokens // 3,
                "cost_calc_usd": tokens * 3e-6,
                "group_key": f"g{seed}:{i}",
                "meta": "{}",
            }
        )
    body = {"version": 1, "machine": "bench", "batch": str(seed), "events": rows}
    return who, json.dumps(body).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--sources", type=int, default=10)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("AIUSAGE_HOME", tempfile.mkdtemp(prefix="aiusage-team-bench-"))
    os.environ["AIUSAGE_TZ"] = "UTC"

    from aiusage.app import AppContext, open_app
    from aiusage.store.db import is_postgres_url
    from aiusage.store.team import User
    from aiusage.team_app import Viewer

    if is_postgres_url(args.database):
        import psycopg

        from aiusage.store.db import _psycopg_conninfo

        with psycopg.connect(_psycopg_conninfo(args.database), autocommit=True) as conn:
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")
    app = open_app(AppContext(database_url=args.database))
    tokens = _members(app, args.members)
    team = app.team
    if app.store.db.is_postgres:
        start = time.perf_counter()
        rows = _fill_daily(app, args.members, args.sources, args.days)
        print(
            f"team_daily: {rows:,} rows (and its per-member sums) "
            f"in {time.perf_counter() - start:.1f} s"
        )
        app.budgets.set("pool", {"limit": 100000, "scope": "team"})
        app.budgets.set("dept", {"limit": 5000, "scope": "department:dept-3"})
        owner = team.owner()
        member = team.authenticate(tokens["m2"])
        viewer = Viewer(User(0, "v", "viewer"))
        views = {
            "overview (admin, month)": lambda: team.overview(owner),
            "overview (member, month)": lambda: team.overview(member),
            "overview (viewer, week)": lambda: team.overview(viewer, "week"),
            "member detail": lambda: team.member(owner, "m7"),
            "leaderboard": lambda: team.leaderboard(member),
            "chargeback CSV (admin)": lambda: team.chargeback_csv(owner),
            "budget standing (team, dept)": lambda: app.budgets.status(),
        }
        for name, fn in views.items():
            print(f"{name:32} {_ms(_timed(fn, args.repeat))}")
    pushes, retries = [], []
    for seed in range(args.batches):
        who, body = _batch(args.members, seed)
        viewer_of = team.authenticate(tokens[who])
        pushes += _timed(lambda: team.ingest(viewer_of, body), 1)  # noqa: B023
        retries += _timed(lambda: team.ingest(viewer_of, body), 1)  # noqa: B023
    print(
        f"push of 5,000 new events         {_ms(pushes)}  "
        f"({5000 / statistics.median(pushes):,.0f} events/s)"
    )
    print(f"the same batch again (a retry)   {_ms(retries)}")
    app.close()


if __name__ == "__main__":
    main()
