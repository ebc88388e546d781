"""vLLM: tokens and requests per served model from its Prometheus ``/metrics`` page.

Why Observations and not events: vLLM's counters are cumulative since the server started
and an adapter keeps no state, so each collection reports the counters as they stand
(plus queue and KV-cache gauges); the collector turns the growth between two readings
into usage events (``ProviderInfo.cumulative``, ``prom_text.counter_deltas``).
Local inference bills nothing, so usage events carry ``reported_cost_usd=0.0``.
"""

from __future__ import annotations

from aiusage.sources.providers.base import (
    BALANCE,
    COST,
    RATE_LIMITS,
    STATUS,
    USAGE,
    Collected,
    CollectRequest,
    ProviderInfo,
)
from aiusage.sources.providers.electricity import COST_NOTE
from aiusage.sources.providers.electricity import OPTIONS as ELECTRICITY_OPTIONS
from aiusage.sources.providers.prom_text import (
    BUSY,
    CACHE_HITS,
    COUNTER_METRICS,
    GENERATION,
    PROMPT,
    REQUESTS,
    Exposition,
    Gauge,
    counter_observations,
    gauge_observations,
    process_start_ms,
    read_metrics,
    server_root,
)

NAME = "vllm"
LABEL = "model_name"
START_HINT = (
    "start it (`vllm serve MODEL`, port 8000 by default), or set the account's base URL "
    "to where it listens"
)

#: Our counter -> vLLM's sample names (Prometheus adds ``_total`` to counters).
COUNTERS = {
    PROMPT: ("vllm:prompt_tokens_total",),
    GENERATION: ("vllm:generation_tokens_total",),
    REQUESTS: ("vllm:request_success_total",),
    CACHE_HITS: ("vllm:prefix_cache_hits_total", "vllm:prefix_cache_hits"),
    # Prefill + decode time per request (V1); older servers: end-to-end latency.
    BUSY: ("vllm:request_inference_time_seconds_sum", "vllm:e2e_request_latency_seconds_sum"),
}
GAUGES = (
    Gauge("requests_running", ("vllm:num_requests_running",), "requests"),
    Gauge("requests_waiting", ("vllm:num_requests_waiting",), "requests"),
    # V1 name first; pre-V1 servers call it gpu_cache_usage_perc. Both are 0..1.
    Gauge(
        "kv_cache_used_percent",
        ("vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc"),
        "%",
        scale=100.0,
        limit=100.0,
        peak=True,
    ),
)


def counter_totals(expo: Exposition) -> dict[str, dict[str, float]]:
    """model -> our counter -> cumulative value (summed over engines and finish reasons)."""
    totals: dict[str, dict[str, float]] = {}
    for metric, names in COUNTERS.items():
        for model, value in expo.sum_by(LABEL, *names).items():
            totals.setdefault(model, {})[metric] = value
    return totals


class VllmProvider:
    """A vLLM OpenAI-compatible server (no key; ``--api-key`` does not guard /metrics)."""

    info = ProviderInfo(
        name=NAME,
        label="vLLM",
        default_base_url="http://localhost:8000",
        reports=frozenset({USAGE, STATUS}),
        unavailable={
            COST: COST_NOTE,
            BALANCE: "a local server has no balance",
            RATE_LIMITS: "vLLM has no rate limits; queue length is reported as status",
        },
        key_required=False,
        key_hint="no key: vLLM's /metrics is open even when --api-key is set",
        options=ELECTRICITY_OPTIONS,
        min_interval_s=10,
        cumulative=COUNTER_METRICS,
        default_interval_s=60,
    )

    async def _read(self, request: CollectRequest) -> Exposition:
        return await read_metrics(
            request.client,
            label="vLLM metrics",
            prefix="vllm:",
            start_hint=START_HINT,
            wrong_server_hint="check that the base URL is a vLLM server (llama.cpp and Ollama "
            "are separate providers)",
        )

    async def collect(self, request: CollectRequest) -> Collected:
        expo = await self._read(request)
        ts, account = request.now_ms, request.account
        observations = counter_observations(
            counter_totals(expo),
            process_start_ms=process_start_ms(expo),
            ts_ms=ts,
            account=account,
            source=NAME,
        )
        observations += gauge_observations(
            expo, GAUGES, label=LABEL, ts_ms=ts, account=account, source=NAME
        )
        return Collected(observations=observations)

    async def check(self, request: CollectRequest) -> str:
        expo = await self._read(request)
        totals = counter_totals(expo)
        models = ", ".join(sorted(m for m in totals if m)) or "no model label"
        served = sum(t.get(REQUESTS, 0.0) for t in totals.values())
        return f"vLLM at {server_root(request.client)}: {models}; {served:.0f} requests since start"
