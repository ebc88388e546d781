#!/usr/bin/env python3
"""A team of members pushing to one team server on PostgreSQL, over loopback.

Usage: ``python bench/team_push.py [--members 200] [--days 365] [--per-day 10]
[--live-rounds 3] [--live-events 20] [--spread 10] [--fault-events 500]
[--work /tmp/aiusage-team-bench]``

Starts a private PostgreSQL with durable commits (bench/team_cluster.py) and a real
``aiusage serve --no-collect`` on it, makes ``--members`` members (a token each), and gives
each member a SQLite store of its own. Then, every member pushing with the real client
(``aiusage.team_push.Pusher``, gzip, batches of at most 5,000) from this process:

1. **backlog**: a year of history per member (``--days`` x ``--per-day`` events plus
   hourly readings for a day), all members at once, as if the whole team joined at the
   same moment: ingest throughput (events/s) and push latency (p50/p95 of each POST).
2. **live**: ``--live-rounds`` rounds in which every member writes ``--live-events`` new
   events and a reading and pushes, the members spread over ``--spread`` seconds, as
   daemons after their collections do: throughput and p50/p95 push latency.
3. **overview**: p50/p95 of ``GET /api/v1/team/overview`` and ``/leaderboard`` with that
   year of data.
4. **fault**: every member writes ``--fault-events`` more and pushes; mid-push the server
   and PostgreSQL are killed with SIGKILL, both started again, and the members push until
   their queues are empty. Then every member's events on the server are compared with its
   own store: same count, same token sums (exactly once), nothing left queued.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from team_cluster import Postgres, Server  # noqa: E402

DAY_MS, HOUR_MS = 86_400_000, 3_600_000
SOURCES = ("claude-code", "codex", "gemini")
MODELS = ("claude-sonnet-4-5", "gpt-5-codex", "gemini-2.5-pro")
PROJECTS = ("web", "api", "infra")


@dataclass
class Member:
    name: str
    token: str
    store: Any  # aiusage.store.Store
    written: int = 0


class Timed(httpx.AsyncBaseTransport):
    """Loopback HTTP that notes how long each POST took (ms), answer read included."""

    def __init__(self, samples: list[float]) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.samples = samples

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        response = await self.inner.handle_async_request(request)
        await response.aread()
        if request.method == "POST":
            self.samples.append((time.perf_counter() - started) * 1000)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def rows_for(member: str, rng: random.Random, stamps: list[int], tag: str) -> list[Any]:
    from aiusage.records import UsageEvent
    from aiusage.store.store import event_row

    rows = []
    for n, ts in enumerate(stamps):
        inp = rng.randrange(200, 8000)
        i = rng.randrange(3)
        event = UsageEvent(
            ts_ms=ts,
            source=SOURCES[i],
            dedup_key=f"{member}:{tag}:{n}",
            provider="anthropic",
            model=MODELS[i],
            project=rng.choice(PROJECTS),
            session=f"{member}-{ts // DAY_MS}",
            input_tokens=inp,
            output_tokens=inp // 4,
            cache_read_tokens=inp * 3,
        )
        rows.append(event_row(event, inp * 6e-6))
    return rows


def build(work: Path, server_url: str, args: argparse.Namespace) -> list[Member]:
    """Members on the server (a token each) and a store per member holding a year."""
    from aiusage.app import AppContext, open_app
    from aiusage.records import Observation
    from aiusage.store import open_store
    from aiusage.store.outbox import OUTBOX_META

    team = open_app(AppContext(database_url=server_url))
    owner = team.team.owner("bench")
    now = int(time.time() * 1000)
    members, started = [], time.perf_counter()
    for i in range(args.members):
        name = f"m{i:03d}"
        token = team.team.add_user(owner, name, "member", department=f"d{i % 8}")["token"]
        if i % 5 == 0:  # some on the leaderboard
            team.team.set_user(owner, name, {"leaderboard": True})
        store = open_store(f"sqlite:///{work / 'members' / f'{name}.db'}")
        store.set_meta(OUTBOX_META, "1")  # joined: every write is queued
        rng = random.Random(i)
        day0 = now - now % DAY_MS
        stamps = [
            day0 - d * DAY_MS + 8 * HOUR_MS + rng.randrange(10 * HOUR_MS)
            for d in range(args.days)
            for _ in range(args.per_day)
        ]
        stamps = [min(ts, now - 1000) for ts in stamps]
        readings = [
            Observation(now - h * HOUR_MS, "claude-code", "window_used_percent", 30.0 + h, 100.0)
            for h in range(24)
        ]
        store.write(rows_for(name, rng, stamps, "y"), readings)
        members.append(Member(name, token, store, len(stamps)))
    team.close()
    print(
        f"  {len(members)} members, {sum(m.written for m in members):,} events queued "
        f"({time.perf_counter() - started:.0f} s)"
    )
    return members


async def push_all(
    members: list[Member], url: str, samples: list[float], spread_s: float = 0.0
) -> tuple[int, int, list[Any]]:
    """Every member pushes once (each after a random delay up to ``spread_s``)."""
    from aiusage.team_config import TeamSettings
    from aiusage.team_push import Pusher

    async def one(m: Member) -> Any:
        if spread_s:
            await asyncio.sleep(random.uniform(0, spread_s))
        team = TeamSettings(url, f"{m.name}-laptop")
        pusher = Pusher(m.store, team, m.token, transport=Timed(samples), timeout_s=600)
        return await pusher.push()

    results = await asyncio.gather(*(one(m) for m in members))
    return sum(r.events for r in results), sum(r.observations for r in results), results


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    if not ordered:
        return "no samples"
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"p50 {statistics.median(ordered):,.0f} ms, p95 {p95:,.0f} ms ({len(ordered)} POSTs)"


def backlog_phase(members: list[Member], url: str) -> None:
    samples: list[float] = []
    started = time.perf_counter()
    events, readings, results = asyncio.run(push_all(members, url, samples))
    took = time.perf_counter() - started
    failed = [r.error for r in results if not r.ok]
    print(
        f"  {events:,} events + {readings:,} readings in {took:.1f} s: "
        f"{events / took:,.0f} events/s; {percentiles(samples)}"
        + (f"; {len(failed)} failed: {failed[0]}" if failed else "")
    )


def live_phase(members: list[Member], url: str, args: argparse.Namespace) -> None:
    from aiusage.records import Observation

    samples: list[float] = []
    total, took = 0, 0.0
    for round_no in range(args.live_rounds):
        now = int(time.time() * 1000)
        for i, m in enumerate(members):
            rng = random.Random(f"{i}-{round_no}")
            stamps = [now - rng.randrange(60_000) for _ in range(args.live_events)]
            reading = Observation(now, "claude-code", "window_used_percent", 50.0, 100.0)
            m.store.write(rows_for(m.name, rng, stamps, f"live{round_no}"), [reading])
            m.written += len(stamps)
        started = time.perf_counter()
        events, _, _ = asyncio.run(push_all(members, url, samples, args.spread))
        took += time.perf_counter() - started
        total += events
    print(
        f"  {total:,} events in {args.live_rounds} rounds of {len(members)} pushes spread "
        f"over {args.spread:g} s: {percentiles(samples)}"
    )


def overview_phase(url: str, n: int = 40) -> None:
    with httpx.Client(base_url=url, timeout=120) as client:
        for path in ("/api/v1/team/overview?period=month", "/api/v1/team/leaderboard"):
            client.get(path).raise_for_status()  # warm
            samples = []
            for _ in range(n):
                started = time.perf_counter()
                client.get(path).raise_for_status()
                samples.append((time.perf_counter() - started) * 1000)
            print(f"  GET {path}: {percentiles(samples).replace('POSTs', 'requests')}")


def fault_phase(
    members: list[Member], server: Server, postgres: Postgres, args: argparse.Namespace
) -> bool:
    rng = random.Random(7)
    now = int(time.time() * 1000)
    for m in members:
        stamps = [now - rng.randrange(DAY_MS) for _ in range(args.fault_events)]
        m.store.write(rows_for(m.name, rng, stamps, "fault"))
        m.written += len(stamps)

    async def crash_mid_push() -> tuple[int, int]:
        samples: list[float] = []
        pushing = asyncio.create_task(push_all(members, server.url, samples))
        while len(samples) < max(5, len(members) // 10):  # some batches acknowledged
            await asyncio.sleep(0.05)
        server.kill()
        killed = postgres.kill()
        events, _, _ = await pushing
        return events, killed

    before, killed = asyncio.run(crash_mid_push())
    print(
        f"  killed the server and PostgreSQL ({killed} processes) after {before:,} "
        "of these events were acknowledged; restarting both"
    )
    postgres.start()
    server.start()
    stored = _count(
        postgres.url, "SELECT COUNT(*) FROM usage_events WHERE dedup_key LIKE '%fault%'"
    )
    print(
        f"  after the restart the server holds {stored:,} of them: "
        f"{stored - before:,} stored whose answer never came (they are sent again)"
    )
    rounds = 0
    while any(_backlog(m) for m in members):
        rounds += 1
        asyncio.run(push_all(members, server.url, []))
    return verify(members, postgres.url, rounds)


def _count(url: str, sql: str) -> int:
    from aiusage.store import open_store

    store = open_store(url)
    try:
        return int(store.db.scalar(sql))
    finally:
        store.close()


def _backlog(m: Member) -> int:
    from aiusage.store.push_queue import backlog

    return sum(backlog(m.store.db))


def verify(members: list[Member], url: str, rounds: int) -> bool:
    from aiusage.store import open_store

    team = open_store(url)
    rows = team.db.query(
        "SELECT user_name, COUNT(*), COUNT(DISTINCT source || dedup_key), SUM(input_tokens) "
        "FROM usage_events GROUP BY user_name"
    )
    team.close()
    on_server = {r[0]: (int(r[1]), int(r[2]), int(r[3])) for r in rows}
    wrong = []
    for m in members:
        local = m.store.db.query("SELECT COUNT(*), SUM(input_tokens) FROM usage_events")[0]
        mine = (int(local[0]), int(local[0]), int(local[1]))
        if on_server.get(m.name) != mine:
            wrong.append((m.name, mine, on_server.get(m.name)))
    total = sum(v[0] for v in on_server.values())
    print(
        f"  after {rounds} more push round(s): {total:,} events on the server, "
        f"{sum(m.written for m in members):,} written by the members; "
        + ("every member's events arrived exactly once" if not wrong else f"MISMATCH {wrong[:3]}")
    )
    return not wrong


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--per-day", type=int, default=10)
    parser.add_argument("--live-rounds", type=int, default=3)
    parser.add_argument("--live-events", type=int, default=20)
    parser.add_argument("--spread", type=float, default=10.0)
    parser.add_argument("--fault-events", type=int, default=500)
    parser.add_argument("--work", type=Path, default=Path("/tmp/aiusage-team-bench"))
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    (args.work / "members").mkdir(parents=True)
    postgres = Postgres()
    server = Server(args.work / "server-home", postgres.url)
    try:
        from aiusage.store import open_store

        open_store(postgres.url).close()  # the schema, before the server and members
        server.start()
        print(f"PostgreSQL {postgres.url}, aiusage serve {server.url}")
        members = build(args.work, postgres.url, args)
        print("1. backlog: everyone pushes a year at once")
        backlog_phase(members, server.url)
        print("2. live: small pushes after collections")
        live_phase(members, server.url, args)
        print("3. team views over that year")
        overview_phase(server.url)
        print("4. fault: SIGKILL the server and PostgreSQL mid-push, restart, push again")
        ok = fault_phase(members, server, postgres, args)
        return 0 if ok else 1
    finally:
        server.stop()
        postgres.close()


if __name__ == "__main__":
    sys.exit(main())
