"""The collector runtime over real HTTP: records stored, health states, isolation, cursors.

A minimal provider adapter (defined here) talks to a FakeServer on loopback, so these tests
exercise the runtime's own job — scheduling, time limits, error classification, writes,
the collection cursor and key handling — independently of any one provider's format.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from aiusage.fake.server import FakeServer, Recorded, Reply, rate_limited, slow
from aiusage.ingest import Pricer
from aiusage.records import Account, Observation, UsageEvent
from aiusage.runtime import collect_accounts
from aiusage.secrets import store_key
from aiusage.sources.providers.base import (
    USAGE,
    Collected,
    CollectRequest,
    ProviderInfo,
)
from aiusage.sources.providers.http import request_json
from aiusage.store import Store
from aiusage.store.health import load_health

HOUR_MS = 3_600_000
NOW_MS = 1_790_000_000_000 - 1_790_000_000_000 % HOUR_MS
KEY = "sk-test-runtime-0123456789abcdef"


class HourlyFake(FakeServer):
    """Answers GET /usage?since=… with one bucket per hour since then (10 tokens each)."""

    def answer(self, request: Recorded) -> Reply:
        if request.headers.get("authorization") != f"Bearer {KEY}":
            return Reply(401, {"error": {"message": "invalid key"}})
        scripted = self.next_scripted()
        if scripted is not None:
            return scripted
        since = int(request.path.split("since=")[1])
        buckets = [{"start": t, "tokens": 10} for t in range(since, NOW_MS, HOUR_MS)]
        return Reply(200, {"buckets": buckets, "balance": 12.5})


class HourlyProvider:
    info = ProviderInfo(
        name="hourly",
        label="Hourly test provider",
        default_base_url="http://127.0.0.1:9",
        reports=frozenset({USAGE}),
    )

    async def collect(self, request: CollectRequest) -> Collected:
        answer = await request_json(
            request.client,
            "GET",
            f"usage?since={request.since_ms}",
            label="hourly usage",
            secrets=[request.key or ""],
            headers={"Authorization": f"Bearer {request.key}"},
            sleep=_no_sleep,
        )
        events = [
            UsageEvent(
                source=request.account,
                dedup_key=f"u:{b['start']}",
                ts_ms=b["start"],
                account=request.account,
                provider="hourly",
                model="claude-sonnet-4-5",
                input_tokens=b["tokens"],
                reported_cost_usd=0.0,
            )
            for b in answer.body["buckets"]
        ]
        balance = Observation(
            ts_ms=request.now_ms,
            account=request.account,
            metric="balance",
            value=answer.body["balance"],
            unit="USD",
        )
        return Collected(events, [balance], complete_until_ms=request.now_ms - HOUR_MS)

    async def check(self, request: CollectRequest) -> str:
        return "fine"


async def _no_sleep(_: float) -> None:
    return None


class ExplodingProvider(HourlyProvider):
    async def collect(self, request: CollectRequest) -> Collected:
        raise KeyError("boom")


def _collect(store: Store, accounts: list[Account], **kw: Any) -> list[Any]:
    providers: dict[str, Any] = {"hourly": HourlyProvider(), "exploding": ExplodingProvider()}
    pricer = Pricer(store, {})
    return asyncio.run(
        collect_accounts(
            store, accounts, pricer, now_ms=NOW_MS, providers=providers, timeout_s=2.0, **kw
        )
    )


def _tokens(store: Store, source: str) -> int:
    return int(
        store.db.scalar(
            "SELECT COALESCE(SUM(input_tokens), 0) FROM usage_events WHERE source = :s",
            {"s": source},
        )
    )


def test_collects_backfills_then_continues_from_the_last_complete_bucket(store: Store) -> None:
    fake = HourlyFake()
    with fake as url:
        store_key("work", KEY)
        account = Account("work", "hourly", base_url=url)
        [result] = _collect(store, [account], backfill_days=1)
        assert (result.status, result.events, result.observations) == ("ok", 24, 1)
        assert _tokens(store, "work") == 240
        health = load_health(store.db)["work"]
        assert health.complete_until_ms == NOW_MS - HOUR_MS
        [again] = _collect(store, [account], backfill_days=1)
        assert again.events == 1  # only the bucket that was still open
    assert _tokens(store, "work") == 240  # re-read, not double counted
    assert fake.requests[-1].path == f"/usage?since={NOW_MS - HOUR_MS}"
    assert fake.requests[0].path == f"/usage?since={NOW_MS - 86_400_000}"


@pytest.mark.parametrize(
    ("reply", "status", "hint_word"),
    [
        (Reply(403, {"error": {"message": "admin only"}}), "forbidden_needs_admin_key", ""),
        (rate_limited({"error": "slow down"}, "3600"), "rate_limited", "after"),
        (Reply(503, "<html>down</html>"), "unreachable", "minutes"),
        (Reply(200, "<html>login</html>", {"Content-Type": "text/html"}), "degraded", "report"),
        (slow(5.0), "unreachable", ""),
    ],
)
def test_failures_become_health_states_and_never_stop_other_accounts(
    store: Store, reply: Reply, status: str, hint_word: str
) -> None:
    bad_fake = HourlyFake()
    with bad_fake as bad_url, HourlyFake() as good_url:
        store_key("bad", KEY)
        store_key("good", KEY)
        bad_fake.script(*[reply] * 3)
        results = {
            r.account: r
            for r in _collect(
                store,
                [
                    Account("bad", "hourly", base_url=bad_url),
                    Account("good", "hourly", base_url=good_url),
                ],
                backfill_days=1,
            )
        }
    assert results["good"].status == "ok" and results["good"].events == 24
    assert results["bad"].status == status
    assert results["bad"].message and KEY not in results["bad"].message
    assert hint_word in results["bad"].hint
    health = load_health(store.db)["bad"]
    assert health.status == status and health.failures == 1
    if status == "rate_limited":
        assert health.retry_at_ms is not None


def test_an_adapter_bug_or_a_missing_key_is_a_health_state(store: Store) -> None:
    with HourlyFake() as url:
        store_key("boom", KEY)
        results = {
            r.account: r
            for r in _collect(
                store,
                [
                    Account("boom", "exploding", base_url=url),
                    Account("nokey", "hourly", base_url=url),
                    Account("envkey", "hourly", base_url=url, key_env="AIUSAGE_TEST_NO_SUCH_VAR"),
                    Account("typo", "no-such-provider", base_url=url),
                ],
            )
        }
    assert results["boom"].status == "degraded" and "KeyError" in results["boom"].message
    assert results["nokey"].status == "auth_error" and "--key-stdin" in results["nokey"].hint
    assert results["envkey"].status == "auth_error"
    assert "AIUSAGE_TEST_NO_SUCH_VAR" in results["envkey"].message
    assert results["typo"].status == "misconfigured"


def test_the_key_never_reaches_the_store(store: Store, tmp_path: Path) -> None:
    fake = HourlyFake()
    with fake as url:
        store_key("work", KEY)
        fake.script(Reply(401, {"error": {"message": f"bad key {KEY}"}}))
        [refused] = _collect(store, [Account("work", "hourly", base_url=url)], backfill_days=1)
        assert refused.status == "auth_error" and "<redacted>" in refused.message
        assert KEY not in json.dumps(store.db.query("SELECT * FROM account_health"))
        _collect(store, [Account("work", "hourly", base_url=url)], backfill_days=1)
    assert fake.requests[0].headers["authorization"] == f"Bearer {KEY}"
    dump = json.dumps(
        [
            store.db.query(f"SELECT * FROM {t}")
            for t in ("usage_events", "observations", "account_health")
        ]
    )
    assert KEY not in dump


def test_a_local_servers_running_totals_become_usage_between_collections(store: Store) -> None:
    """vLLM reports cumulative counters; the collector stores each reading and turns the
    growth since the stored one into usage (first reading: since the server started)."""
    from aiusage.fake.local import FakeVllm

    model = "meta-llama/Llama-3.1-8B-Instruct"
    server = FakeVllm([model])
    account = Account("gpu-box", "vllm")

    def collect(now_ms: int) -> Any:
        pricer = Pricer(store, {})
        [result] = asyncio.run(collect_accounts(store, [account], pricer, now_ms=now_ms))
        return result

    with server as url:
        account = Account("gpu-box", "vllm", base_url=url)
        server.serve(model, 1000, 200, requests=2)
        assert collect(NOW_MS).events == 1
        server.serve(model, 50, 5)
        assert collect(NOW_MS + 60_000).events == 1
        assert collect(NOW_MS + 60_000).events == 0  # same reading again: nothing new
        assert collect(NOW_MS + 120_000).events == 0  # no growth, no event
        server.restart(start_s=NOW_MS / 1000 + 130)
        server.serve(model, 7, 3)
        assert collect(NOW_MS + 180_000).events == 1
    rows = store.db.query(
        "SELECT ts_ms, input_tokens, output_tokens, requests, cost_reported_usd FROM usage_events "
        "WHERE source = 'gpu-box' ORDER BY ts_ms"
    )
    assert [tuple(r[1:4]) for r in rows] == [(1000, 200, 2), (50, 5, 1), (7, 3, 1)]
    assert [r[0] for r in rows] == [NOW_MS, NOW_MS + 60_000, NOW_MS + 180_000]
    assert all(r[4] == 0.0 for r in rows)  # local inference bills nothing
