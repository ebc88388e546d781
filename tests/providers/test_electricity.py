"""Electricity cost of local inference: options, the busy-time rule, and the collector
pricing vLLM and llama.cpp usage end to end over loopback."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from aiusage.errors import ConfigError
from aiusage.fake.local import FakeLlamaCpp, FakeVllm
from aiusage.ingest import Pricer
from aiusage.records import Account, UsageEvent
from aiusage.runtime import collect_accounts
from aiusage.sources.providers.electricity import Electricity, from_options, priced
from aiusage.store import Store
from aiusage.store.health import load_health

NOW_MS = 1_790_000_000_000


def event(busy: float, elapsed: float | None) -> UsageEvent:
    meta: dict[str, float] = {"busy_s": busy}
    if elapsed is not None:
        meta["elapsed_s"] = elapsed
    return UsageEvent(
        ts_ms=NOW_MS, source="gpu", dedup_key="k", model="m", reported_cost_usd=0.0, meta=meta
    )


def test_cost_is_power_times_busy_time_capped_by_the_time_that_passed() -> None:
    power = Electricity(watts=400, usd_per_kwh=0.30)
    assert power.cost(3600) == pytest.approx(0.12)  # 0.4 kWh at $0.30
    (one,) = priced([event(busy=90.0, elapsed=None)], power)
    assert one.reported_cost_usd == pytest.approx(400 * 90 / 3.6e6 * 0.30)
    assert one.meta["electricity"] == {
        "watts": 400,
        "usd_per_kwh": 0.30,
        "busy_s": 90.0,
        "estimated": True,
    }
    # vLLM's per-request times overlap when it batches: never more than the wall time.
    (capped,) = priced([event(busy=500.0, elapsed=60.0)], power)
    assert capped.meta["electricity"]["busy_s"] == 60.0
    untouched = [event(busy=5.0, elapsed=60.0)]
    assert priced(untouched, None) is untouched


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"watts": "350"}, "needs usd_per_kwh too"),
        ({"usd_per_kwh": "0.3"}, "needs watts too"),
        ({"watts": "lots", "usd_per_kwh": "0.3"}, "watts='lots' is not a number"),
        ({"watts": "350", "usd_per_kwh": "-1"}, "usd_per_kwh='-1' is not a number"),
        ({"watts": "nan", "usd_per_kwh": "0.3"}, "not a number"),
    ],
)
def test_bad_options_name_the_fix(options: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        from_options(options, "gpu")
    assert "--option watts=350" in (info.value.hint or "")
    assert from_options({}, "gpu") is None
    assert from_options({"watts": "350", "usd_per_kwh": "0.3"}, "gpu") == Electricity(350, 0.3)


def _collect(store: Store, account: Account, now_ms: int) -> None:
    asyncio.run(collect_accounts(store, [account], Pricer(store, {}), now_ms=now_ms))


def _costs(store: Store, source: str) -> list[float]:
    rows = store.db.query(
        "SELECT cost_reported_usd FROM usage_events WHERE source = :s ORDER BY ts_ms",
        {"s": source},
    )
    store.db.commit()
    return [float(r[0]) for r in rows]


def test_the_collector_prices_local_usage_with_the_configured_electricity(
    store: Store, tmp_path: Path
) -> None:
    options = {"watts": "360", "usd_per_kwh": "0.25"}
    vllm, llama = FakeVllm(start_s=NOW_MS / 1000 - 600), FakeLlamaCpp()
    with vllm as vllm_url, llama as llama_url:
        gpu = Account("gpu", "vllm", base_url=vllm_url, options=options)
        laptop = Account("laptop", "llamacpp", base_url=llama_url, options=options)
        plain = Account("plain", "vllm", base_url=vllm_url)
        for account in (gpu, laptop, plain):
            _collect(store, account, NOW_MS)
        vllm.serve(next(iter(vllm.models)), 50_000, 600)  # 10 s prefill + 10 s decode
        llama.serve(llama.model, 8_000, 400)  # 10 s prompt + 10 s predict
        for account in (gpu, laptop, plain):
            _collect(store, account, NOW_MS + 60_000)
        broken = Account("broken", "vllm", base_url=vllm_url, options={"watts": "350"})
        _collect(store, broken, NOW_MS + 60_000)
    per_20_s = 360 * 20 / 3.6e6 * 0.25
    assert _costs(store, "gpu") == [pytest.approx(per_20_s)]
    assert _costs(store, "laptop") == [pytest.approx(per_20_s)]
    assert _costs(store, "plain") == [0.0]  # no price configured: free
    health = load_health(store.db)["broken"]
    assert health.status == "misconfigured" and "usd_per_kwh" in health.message
