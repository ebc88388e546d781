"""llama.cpp's ``llama-server``: tokens from its Prometheus ``/metrics`` (needs ``--metrics``).

Why like vLLM: the counters are cumulative since the server started, so each collection
reports them as Observations and ``counter_deltas`` turns two readings into usage. The
server serves one model and labels nothing, so the model name comes from the ``model``
option or ``/v1/models``. It counts no finished requests (only the ones in flight) and
exposes no process start time, so a restart is seen only when a counter goes down.
"""

from __future__ import annotations

from typing import Any

from aiusage.errors import SourceError
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
    COUNTER_METRICS,
    GENERATION,
    PROMPT,
    Exposition,
    Gauge,
    counter_observations,
    gauge_observations,
    process_start_ms,
    read_metrics,
    request_local,
    server_root,
)
from aiusage.sources.subscriptions.http import parse_json_body

NAME = "llamacpp"
START_HINT = (
    "start it (`llama-server -m MODEL.gguf --metrics`, port 8080 by default), or set the "
    "account's base URL to where it listens"
)
NO_METRICS = "start llama-server with --metrics: without it /metrics is switched off"

COUNTERS = {
    PROMPT: "llamacpp:prompt_tokens_total",
    GENERATION: "llamacpp:tokens_predicted_total",
}
GAUGES = (
    Gauge("requests_running", ("llamacpp:requests_processing",), "requests"),
    Gauge("requests_waiting", ("llamacpp:requests_deferred",), "requests"),
    Gauge("kv_cache_used_percent", ("llamacpp:kv_cache_usage_ratio",), "%", 100.0, 100.0, True),
    Gauge("prompt_tokens_per_second", ("llamacpp:prompt_tokens_seconds",), "tokens/s"),
    Gauge("generation_tokens_per_second", ("llamacpp:predicted_tokens_seconds",), "tokens/s"),
)


#: Seconds spent processing prompts plus generating: the electricity estimate's base.
BUSY_COUNTERS = ("llamacpp:prompt_seconds_total", "llamacpp:tokens_predicted_seconds_total")


def counter_totals(expo: Exposition) -> dict[str, float]:
    """Our counter -> cumulative value (summed, should a build add labels)."""
    totals: dict[str, float] = {}
    for metric, name in COUNTERS.items():
        found = expo.named(name)
        if found:
            totals[metric] = sum(s.value for s in found)
    busy = expo.named(*BUSY_COUNTERS)
    if busy:
        totals[BUSY] = sum(s.value for s in busy)
    return totals


def model_from_list(body: Any) -> str:
    """The first model id of an OpenAI-style ``/v1/models`` answer, else ''."""
    data = body.get("data") if isinstance(body, dict) else None
    if isinstance(data, list) and data and isinstance(data[0], dict):
        model = data[0].get("id")
        if isinstance(model, str):
            return model
    return ""


def _auth(request: CollectRequest) -> dict[str, Any]:
    """The ``--api-key`` as a bearer header, when the account has one."""
    if not request.key:
        return {}
    return {"headers": {"Authorization": f"Bearer {request.key}"}, "secrets": (request.key,)}


class LlamaCppProvider:
    """A ``llama-server`` (no key needed for /metrics unless ``--api-key`` guards it)."""

    info = ProviderInfo(
        name=NAME,
        label="llama.cpp server",
        default_base_url="http://localhost:8080",
        reports=frozenset({USAGE, STATUS}),
        unavailable={
            COST: COST_NOTE,
            BALANCE: "a local server has no balance",
            RATE_LIMITS: "llama.cpp has no rate limits; deferred requests are reported",
        },
        key_required=False,
        key_hint="no key unless the server runs with --api-key (then give that key)",
        options={
            "model": "the model name to record (default: the first of /v1/models)",
            **ELECTRICITY_OPTIONS,
        },
        min_interval_s=10,
        cumulative=COUNTER_METRICS,
        default_interval_s=60,
    )

    async def _read(self, request: CollectRequest) -> Exposition:
        return await read_metrics(
            request.client,
            label="llama.cpp metrics",
            prefix="llamacpp:",
            start_hint=START_HINT,
            wrong_server_hint="check that the base URL is a llama-server (vLLM is a separate "
            "provider)",
            refusals={501: NO_METRICS, 404: NO_METRICS},
            **_auth(request),
        )

    async def _model(self, request: CollectRequest, degraded: list[str]) -> str:
        configured = request.options.get("model", "")
        if configured:
            return configured
        try:
            body = await request_local(
                request.client,
                "/v1/models",
                parse_json_body,
                label="llama.cpp models",
                start_hint=START_HINT,
                **_auth(request),
            )
        except SourceError as exc:
            degraded.append(f"model name: {str(exc).splitlines()[0]}")
            return ""
        return model_from_list(body)

    async def collect(self, request: CollectRequest) -> Collected:
        expo = await self._read(request)
        degraded: list[str] = []
        model = await self._model(request, degraded)
        ts, account = request.now_ms, request.account
        totals = counter_totals(expo)
        observations = counter_observations(
            {model: totals} if totals else {},
            process_start_ms=process_start_ms(expo),
            ts_ms=ts,
            account=account,
            source=NAME,
        )
        observations += gauge_observations(
            expo, GAUGES, label="", model=model, ts_ms=ts, account=account, source=NAME
        )
        return Collected(observations=observations, degraded=degraded)

    async def check(self, request: CollectRequest) -> str:
        expo = await self._read(request)
        model = await self._model(request, [])
        totals = counter_totals(expo)
        return (
            f"llama.cpp at {server_root(request.client)}: {model or 'unnamed model'}; "
            f"{totals.get(GENERATION, 0.0):.0f} tokens generated since start"
        )
