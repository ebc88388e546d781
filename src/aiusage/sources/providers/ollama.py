"""Ollama: which models are loaded, how much (V)RAM they hold, and which are installed.

Why status only: Ollama keeps no usage counters and has no ``/metrics`` page; token counts
exist only in each response body (``prompt_eval_count``, ``eval_count``), so usage could
only be measured by a proxy in front of it, which aiusage deliberately is not.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiusage.errors import SourceError, SourceFormatError
from aiusage.records import Observation
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
from aiusage.sources.providers.prom_text import request_local, server_root
from aiusage.sources.subscriptions.http import parse_json_body

NAME = "ollama"
START_HINT = (
    "start it (`ollama serve`, or the Ollama app; port 11434 by default), or set the "
    "account's base URL (OLLAMA_HOST) to where it listens"
)


def _models(body: Any, where: str) -> list[dict[str, Any]]:
    models = body.get("models") if isinstance(body, dict) else None
    if not isinstance(models, list) or not all(isinstance(m, dict) for m in models):
        raise SourceFormatError(f"{where}: expected {{'models': [ … ]}}")
    return models


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _time_ms(value: Any) -> int | None:
    """Ollama's RFC 3339 times carry nanoseconds and a local offset; Python wants µs."""
    if not isinstance(value, str) or not value:
        return None
    text = value.replace("Z", "+00:00")
    head, dot, frac = text.partition(".")
    if dot:
        digits = frac[: len(frac) - len(frac.lstrip("0123456789"))]
        text = f"{head}.{digits[:6]}{frac[len(digits) :]}"
    try:
        return round(datetime.fromisoformat(text).timestamp() * 1000)
    except ValueError:
        return None


def running_observations(
    models: list[dict[str, Any]], ts_ms: int, account: str
) -> list[Observation]:
    """``/api/ps``: a count, total VRAM, and each model's memory (window = model name)."""
    out = [
        Observation(
            ts_ms, account, "models_running", float(len(models)), unit="models", source=NAME
        ),
        Observation(
            ts_ms,
            account,
            "vram_bytes",
            float(sum(_int(m.get("size_vram")) for m in models)),
            unit="bytes",
            source=NAME,
        ),
    ]
    for m in models:
        raw = m.get("details")
        details: dict[str, Any] = raw if isinstance(raw, dict) else {}
        meta = {
            "size_vram": _int(m.get("size_vram")),
            "expires_at_ms": _time_ms(m.get("expires_at")),
            "parameter_size": details.get("parameter_size", ""),
            "quantization_level": details.get("quantization_level", ""),
        }
        if "context_length" in m:
            meta["context_length"] = _int(m.get("context_length"))
        out.append(
            Observation(
                ts_ms,
                account,
                "model_memory_bytes",
                float(_int(m.get("size"))),
                window=str(m.get("name") or m.get("model") or ""),
                unit="bytes",
                source=NAME,
                meta=meta,
            )
        )
    return out


def installed_observation(models: list[dict[str, Any]], ts_ms: int, account: str) -> Observation:
    """``/api/tags``: how many models are installed and how much disk they take."""
    names = sorted(str(m.get("name") or m.get("model") or "") for m in models)
    return Observation(
        ts_ms,
        account,
        "models_installed",
        float(len(models)),
        unit="models",
        source=NAME,
        meta={"disk_bytes": sum(_int(m.get("size")) for m in models), "models": names},
    )


class OllamaProvider:
    """A local Ollama server (no key, no usage counters)."""

    info = ProviderInfo(
        name=NAME,
        label="Ollama",
        default_base_url="http://localhost:11434",
        reports=frozenset({STATUS}),
        unavailable={
            USAGE: "Ollama keeps no usage counters; tokens appear only in each response, "
            "so only a proxy could count them, and aiusage is not a proxy",
            COST: "local inference is not billed; electricity pricing is not implemented",
            BALANCE: "a local server has no balance",
            RATE_LIMITS: "Ollama has no rate limits",
        },
        key_required=False,
        key_hint="no key: Ollama has no authentication",
        min_interval_s=10,
        default_interval_s=60,
    )

    async def _get(self, request: CollectRequest, path: str) -> list[dict[str, Any]]:
        body = await request_local(
            request.client, path, parse_json_body, label=f"Ollama {path}", start_hint=START_HINT
        )
        return _models(body, f"Ollama {path} (GET {server_root(request.client)}{path})")

    async def collect(self, request: CollectRequest) -> Collected:
        running = await self._get(request, "/api/ps")
        found = Collected(
            observations=running_observations(running, request.now_ms, request.account)
        )
        try:
            installed = await self._get(request, "/api/tags")
        except SourceError as exc:  # the running models stand on their own
            found.degraded.append(f"installed models: {str(exc).splitlines()[0]}")
        else:
            found.observations.append(
                installed_observation(installed, request.now_ms, request.account)
            )
        return found

    async def check(self, request: CollectRequest) -> str:
        body = await request_local(
            request.client,
            "/api/version",
            parse_json_body,
            label="Ollama /api/version",
            start_hint=START_HINT,
        )
        version = body.get("version") if isinstance(body, dict) else None
        running = await self._get(request, "/api/ps")
        return (
            f"Ollama {version or '(unknown version)'} at {server_root(request.client)}: "
            f"{len(running)} model(s) loaded"
        )
