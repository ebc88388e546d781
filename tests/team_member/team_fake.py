"""A fake team server on loopback speaking push protocol v1 into a real second store, the
real one (``aiusage serve``) as a subprocess, and the records a member pushes to them."""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from aiusage.fake.server import FakeServer, Recorded, Reply
from aiusage.records import Observation, UsageEvent
from aiusage.store import open_store
from aiusage.store.statements import INSERT_OBSERVATION, UPSERT_EVENT
from aiusage.store.store import event_row

TOKEN = "tm_member_s3cr3t_0123456789abcdef"
PUSH = "/api/v1/team/push"


class TeamFake(FakeServer):
    """POST /api/v1/team/push as docs/team.md says: bearer token → user, gzip or plain
    JSON, 413 over ``max_rows`` rows, 422 naming the first row without a positive ts_ms,
    and every batch stored in one transaction of a real SQLite store."""

    def __init__(self, db_path: Path, tokens: dict[str, str] | None = None) -> None:
        super().__init__()
        self.url = f"sqlite:///{db_path}"
        open_store(self.url).close()
        self.tokens = tokens if tokens is not None else {TOKEN: "alice"}
        self.max_rows = 10_000
        self.bodies: list[dict[str, Any]] = []  # every decoded push, as received
        self.on_push: Callable[[dict[str, Any]], None] | None = None  # runs before storing
        self.after_store: Reply | None = None  # answered instead of 200, once, after storing
        self.hold_from: int | None = None  # from this stored push on, answers are held back
        self.pushes_stored = 0
        self.stored = threading.Event()
        self._store_lock = threading.Lock()

    def answer(self, request: Recorded) -> Reply:
        if request.method != "POST" or request.path != PUSH:
            return Reply(404, {"detail": "Not Found"})
        user = self.tokens.get(request.bearer() or "")
        if user is None:
            return Reply(401, {"detail": "unknown or revoked token"})
        scripted = self.next_scripted()
        if scripted is not None:
            return scripted
        raw = request.body
        if request.headers.get("content-encoding") == "gzip":
            raw = gzip.decompress(raw)
        body = json.loads(raw)
        self.bodies.append(body)
        events, readings = body["events"], body["observations"]
        if len(events) + len(readings) > self.max_rows:
            return Reply(413, {"detail": "batch too large"})
        for kind, rows in (("events", events), ("observations", readings)):
            for i, row in enumerate(rows):
                if row["ts_ms"] <= 0:
                    return Reply(
                        422,
                        {"detail": f"{kind}[{i}]: ts_ms", "row": {"kind": kind, "index": i}},
                    )
        if self.on_push is not None:
            self.on_push(body)
        self._store(user, body["machine"], events, readings)
        self.pushes_stored += 1 if events or readings else 0  # not join's empty check
        self.stored.set()
        reply, self.after_store = self.after_store, None
        stored = {"events": len(events), "observations": len(readings)}
        if self.hold_from is not None and self.pushes_stored >= self.hold_from:
            return Reply(200, stored, delay_s=120)  # committed, but the answer never comes
        return reply or Reply(200, stored)

    def _store(self, user: str, machine: str, events: list[Any], readings: list[Any]) -> None:
        with self._store_lock:
            store = open_store(self.url)
            try:
                with store.db.transaction():
                    store.db.executemany(UPSERT_EVENT, events)
                    store.db.executemany(INSERT_OBSERVATION, readings)
                    store.db.executemany(
                        "UPDATE usage_events SET user_name = :u, machine = :m "
                        "WHERE source = :source AND dedup_key = :dedup_key",
                        [{**e, "u": user, "m": machine} for e in events],
                    )
            finally:
                store.close()

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        store = open_store(self.url)
        try:
            return store.db.query(sql)
        finally:
            store.close()

    def event_count(self) -> int:
        return int(self.rows("SELECT COUNT(*) FROM usage_events")[0][0])


def events(n: int, *, start: int = 1, project: str = "shop", tokens: int = 10) -> list[Any]:
    """``n`` Claude Code turns as store rows, one minute apart."""
    return [
        event_row(
            UsageEvent(
                ts_ms=1_764_000_000_000 + i * 60_000,
                source="claude-code",
                dedup_key=f"msg_{i}:req_{i}",
                provider="anthropic",
                model="claude-sonnet-4-5",
                project=project,
                session="s1",
                input_tokens=tokens,
                output_tokens=2 * tokens,
            ),
            0.001 * tokens,
        )
        for i in range(start, start + n)
    ]


def readings(n: int) -> list[Observation]:
    return [
        Observation(
            ts_ms=1_764_000_000_000 + i * 300_000,
            account="claude-code",
            metric="window_used_percent",
            window="5h",
            value=float(i),
            limit=100.0,
            unit="%",
        )
        for i in range(1, n + 1)
    ]


class Naps:
    """A stand-in for asyncio.sleep that remembers the waits and does not wait."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def real_server(home: Path, database_url: str) -> Iterator[str]:
    """``aiusage serve --no-collect`` on ``database_url`` (the team server), its own home;
    yields its URL once /healthz answers."""
    port = free_port()
    home.mkdir(parents=True, exist_ok=True)
    log_path = home / "serve.log"
    env = {**os.environ, "AIUSAGE_HOME": str(home), "NO_COLOR": "1"}
    cmd = [sys.executable, "-m", "aiusage", "serve", "--port", str(port), "--no-collect"]
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [*cmd, "--database", database_url], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, log_path.read_text()
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
