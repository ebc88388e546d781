#!/usr/bin/env python3
"""Latency and throughput of the web API on a year of history for 20 sources.

Usage: ``python bench/web_api.py [--home /tmp/aiusage-web-bench] [--per-day 100]
[--requests 200] [--seconds 10] [--concurrency 8]``

Writes (once, reused after) a store with 20 sources (8 agents, 12 provider accounts) x
365 days x ``--per-day`` records over working hours, three models and two projects each,
hourly balance readings for the accounts, window readings for two agents, and three
budgets. Then starts a real ``aiusage serve --no-collect`` on a free port and measures,
over real HTTP from this process:

- each endpoint alone, warm: p50 / p95 of ``--requests`` sequential requests;
- the same right after a write (another process adds one record before every request,
  as a live collector does): the day sums refresh incrementally, limits and budgets are
  recomputed;
- throughput: ``--concurrency`` clients mixing overview and history for ``--seconds``.

The goal (issue 6): p95 of the overview and history API <= 50 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
AGENTS = ("claude-code", "codex", "gemini", "opencode", "amp", "qwen", "kimi", "droid")
ACCOUNTS = tuple(f"{p}-team" for p in ("openai", "anthropic", "openrouter", "deepseek"))
ACCOUNTS += tuple(f"{p}-{i}" for p in ("openai", "groq") for i in range(1, 5))
MODELS = ("large", "medium", "small")
ENDPOINTS = (
    "/api/v1/overview",
    "/api/v1/history?range=7d",
    "/api/v1/history?range=30d",
    "/api/v1/history?range=90d&group=model",
    "/api/v1/history?range=24h",
    "/api/v1/limits",
    "/api/v1/budgets",
    "/metrics",
    "/api/v1/forecast",
)


def build(home: Path, per_day: int, seed: int = 1) -> None:
    from aiusage.records import Observation, UsageEvent
    from aiusage.store import open_store
    from aiusage.store.store import event_row

    home.mkdir(parents=True, exist_ok=True)
    db = home / "aiusage.db"
    lines = [f'database_url = "sqlite:///{db}"', ""]
    for name in ACCOUNTS:
        provider = name.split("-")[0]
        lines += [f"[accounts.{name}]", f'provider = "{provider}"', 'key_env = "NO_SUCH_KEY"']
        lines += ["enabled = false", ""]
    for name, scope in (
        ("monthly", "all"),
        ("claude", "agent:claude-code"),
        ("oa", "provider:openai"),
    ):
        lines += [f"[budgets.{name}]", "limit = 900", f'scope = "{scope}"', ""]
    (home / "config.toml").write_text("\n".join(lines))
    rng = random.Random(seed)
    now = int(time.time() * 1000)
    today = now - now % DAY_MS
    store = open_store(f"sqlite:///{db}")
    started = time.perf_counter()
    for i, source in enumerate(AGENTS + ACCOUNTS):
        provider = "anthropic" if i % 3 == 0 else "openai"
        rows = []
        for day in range(365):
            for n in range(per_day):
                ts = today - day * DAY_MS + 8 * HOUR_MS + rng.randrange(12 * HOUR_MS)
                if ts > now:
                    continue
                inp = rng.randrange(200, 8000)
                event = UsageEvent(
                    ts_ms=ts,
                    source=source,
                    dedup_key=f"{day}-{n}",
                    model=f"{provider}-{rng.choice(MODELS)}",
                    provider=provider,
                    project=rng.choice(("web", "api")),
                    input_tokens=inp,
                    output_tokens=inp // 4,
                    cache_read_tokens=inp * 3,
                    reported_cost_usd=inp * 2e-6,
                )
                rows.append(event_row(event, None))
        store.write(rows)
        print(f"  {source}: {len(rows):,} records ({time.perf_counter() - started:.0f} s)")
    readings = []
    for hour in range(365 * 24):
        ts = now - hour * HOUR_MS
        for name in ACCOUNTS[:6]:
            readings.append(Observation(ts, name, "balance", 100 + hour % 50, unit="USD"))
    for minutes in range(0, 8 * 24 * 60, 10):
        ts = now - minutes * 60_000
        for agent in ("claude-code", "codex"):
            readings.append(
                Observation.window_used(
                    ts_ms=ts,
                    account=agent,
                    window="5h",
                    value=40.0,
                    resets_at_ms=ts + 2 * HOUR_MS,
                    source="bench",
                )
            )
    store.add_observations(readings)
    store.refresh_rollup()
    store.close()
    print(f"  store ready in {time.perf_counter() - started:.0f} s: {db}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return statistics.median(ordered), p95


def measure(client: httpx.Client, path: str, n: int, before: object = None) -> list[float]:
    out = []
    for _ in range(n):
        if callable(before):
            before()
        started = time.perf_counter()
        response = client.get(path)
        out.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return out


def writer(home: Path) -> object:
    from aiusage.records import UsageEvent
    from aiusage.store import open_store

    store = open_store(f"sqlite:///{home / 'aiusage.db'}")
    counter = [0]

    def write_one() -> None:
        counter[0] += 1
        event = UsageEvent(
            ts_ms=int(time.time() * 1000),
            source="claude-code",
            dedup_key=f"bench-live-{time.time_ns()}",
            model="anthropic-large",
            provider="anthropic",
            input_tokens=1000,
            reported_cost_usd=0.01,
        )
        store.add_events([event])

    return write_one


def throughput(url: str, seconds: float, concurrency: int) -> tuple[int, list[float]]:
    paths = ["/api/v1/overview", "/api/v1/history?range=7d", "/api/v1/history?range=30d"]
    stop = time.monotonic() + seconds
    samples: list[float] = []
    lock = threading.Lock()

    def worker(k: int) -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            i = k
            while time.monotonic() < stop:
                started = time.perf_counter()
                client.get(paths[i % len(paths)]).raise_for_status()
                with lock:
                    samples.append((time.perf_counter() - started) * 1000)
                i += 1

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(samples), samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, default=Path("/tmp/aiusage-web-bench"))
    parser.add_argument("--per-day", type=int, default=100)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    if not (args.home / "aiusage.db").exists():
        print(f"Writing the bench store ({args.per_day}/day x 365 days x 20 sources) …")
        build(args.home, args.per_day)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "AIUSAGE_HOME": str(args.home), "AIUSAGE_NO_PLUGINS": "1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "aiusage", "serve", "--port", str(port), "--no-collect"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with httpx.Client(base_url=url, timeout=60) as client:
            for _ in range(300):
                try:
                    client.get("/healthz").raise_for_status()
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            started = time.perf_counter()
            client.get("/api/v1/overview").raise_for_status()
            first = (time.perf_counter() - started) * 1000
            print(f"\nfirst overview after start (day sums of a year read): {first:.0f} ms")
            head = f"{'warm p50':>9} {'p95':>7}   {'after a write p50':>17} {'p95':>7}"
            print(f"\n{'endpoint':42} {head}")
            write_one = writer(args.home)
            for path in ENDPOINTS:
                measure(client, path, 5)
                warm = percentiles(measure(client, path, args.requests))
                cold = percentiles(measure(client, path, max(args.requests // 4, 20), write_one))
                print(
                    f"{path:42} {warm[0]:8.1f}  {warm[1]:6.1f}   "
                    f"{cold[0]:16.1f}  {cold[1]:6.1f}   ms"
                )
        count, samples = throughput(url, args.seconds, args.concurrency)
        p50, p95 = percentiles(samples)
        print(
            f"\nthroughput, {args.concurrency} clients mixing overview and history for "
            f"{args.seconds:.0f} s: {count / args.seconds:.0f} requests/s "
            f"(p50 {p50:.1f} ms, p95 {p95:.1f} ms under load)"
        )
        print(f"machine: {os.cpu_count()} CPUs; client and server on the same machine")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
